-- The improvement loop (issue #6): items gain owner, target, severity,
-- department, root cause and the reopened state; 5-Why, fishbone,
-- actions, verifications, the timeline and the case library.

-- SQLite cannot change a CHECK constraint in place, so the table is
-- rebuilt with the new state and columns (nothing references it yet).
CREATE TABLE improvement_items_new (
    id           INTEGER PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL CHECK (title <> ''),
    source       TEXT NOT NULL CHECK (source IN ('alert','complaints','audit','manual')),
    rule_id      INTEGER REFERENCES alert_rules(id),
    kpi          TEXT NOT NULL DEFAULT '',
    dim          TEXT NOT NULL DEFAULT '',
    val          TEXT NOT NULL DEFAULT '',
    baseline     REAL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','analysing','planning','implementing','verifying','closed','reopened')),
    evidence     TEXT NOT NULL DEFAULT '[]',
    breaches     INTEGER NOT NULL DEFAULT 1,
    last_period  INTEGER,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    target       REAL,
    target_date  TEXT NOT NULL DEFAULT '',
    severity     TEXT NOT NULL DEFAULT 'medium' CHECK (severity IN ('low','medium','high','critical')),
    owner_id     INTEGER REFERENCES users(id),
    department   TEXT NOT NULL DEFAULT 'quality' CHECK (department IN ('after_sales','technical','quality','production')),
    root_cause   TEXT NOT NULL DEFAULT '',
    root_note    TEXT NOT NULL DEFAULT '',
    reopen_count INTEGER NOT NULL DEFAULT 0,
    closed_at    INTEGER,
    monitor      TEXT NOT NULL DEFAULT '',
    escalated_at INTEGER
);
INSERT INTO improvement_items_new (id, number, title, source, rule_id, kpi, dim, val, baseline, status, evidence, breaches, last_period, version, created_at, updated_at) SELECT id, number, title, source, rule_id, kpi, dim, val, baseline, status, evidence, breaches, last_period, version, created_at, updated_at FROM improvement_items;
DROP TABLE improvement_items;
ALTER TABLE improvement_items_new RENAME TO improvement_items;
CREATE UNIQUE INDEX improvement_items_open_rule ON improvement_items(rule_id) WHERE rule_id IS NOT NULL AND status <> 'closed';
CREATE INDEX improvement_items_status ON improvement_items(status);

-- The maintained root-cause taxonomy: counting root causes across items
-- (the root-cause Pareto) needs codes, not only free text.
CREATE TABLE root_cause_codes (
    code       TEXT PRIMARY KEY,
    category   TEXT NOT NULL CHECK (category IN ('man','machine','material','method','measurement','environment')),
    name_zh    TEXT NOT NULL CHECK (name_zh <> ''),
    name_en    TEXT NOT NULL CHECK (name_en <> ''),
    active     INTEGER NOT NULL DEFAULT 1
);
INSERT INTO root_cause_codes (code, category, name_zh, name_en) VALUES
    ('man.training', 'man', '培训不足', 'Insufficient training'),
    ('man.staffing', 'man', '人手不足或排班不当', 'Understaffing or poor scheduling'),
    ('man.skill_mismatch', 'man', '技能与派单不匹配', 'Skills not matched to jobs'),
    ('man.communication', 'man', '与客户沟通不到位', 'Poor communication with the customer'),
    ('machine.tool_missing', 'machine', '缺少工具或系统支持', 'Missing tool or system support'),
    ('machine.equipment', 'machine', '设备或车辆故障', 'Equipment or vehicle failure'),
    ('machine.product_design', 'machine', '产品设计缺陷', 'Product design defect'),
    ('material.parts_shortage', 'material', '备件缺货', 'Spare parts out of stock'),
    ('material.part_quality', 'material', '零部件质量问题', 'Defective components'),
    ('material.wrong_part', 'material', '备件发错', 'Wrong part shipped'),
    ('method.no_route_planning', 'method', '缺少路线规划工具', 'No route-planning tool'),
    ('method.process_gap', 'method', '流程缺失或不清晰', 'Missing or unclear process'),
    ('method.dispatch_rule', 'method', '派单规则不合理', 'Poor dispatch rules'),
    ('method.unrealistic_commitment', 'method', '承诺时限不合理', 'Unrealistic time commitments'),
    ('measurement.data_error', 'measurement', '数据记录错误', 'Data recording errors'),
    ('measurement.no_feedback', 'measurement', '缺少回访或反馈机制', 'No follow-up or feedback loop'),
    ('environment.traffic_weather', 'environment', '交通与天气', 'Traffic and weather'),
    ('environment.coverage', 'environment', '服务网点覆盖不足', 'Service network does not cover the area'),
    ('environment.seasonal_peak', 'environment', '季节性需求高峰', 'Seasonal demand peak');

-- 5-Why: structured steps, in order.
CREATE TABLE improvement_whys (
    item_id  INTEGER NOT NULL REFERENCES improvement_items(id),
    step     INTEGER NOT NULL CHECK (step >= 1),
    question TEXT NOT NULL CHECK (question <> ''),
    answer   TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, step)
);

-- Fishbone causes: a 6M category, and optionally a parent cause.
CREATE TABLE improvement_causes (
    id        INTEGER PRIMARY KEY,
    item_id   INTEGER NOT NULL REFERENCES improvement_items(id),
    parent_id INTEGER REFERENCES improvement_causes(id) ON DELETE CASCADE,
    category  TEXT NOT NULL CHECK (category IN ('man','machine','material','method','measurement','environment')),
    text      TEXT NOT NULL CHECK (text <> ''),
    status    TEXT NOT NULL DEFAULT 'suspected' CHECK (status IN ('suspected','verified','ruled_out')),
    evidence  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX improvement_causes_item ON improvement_causes(item_id);

-- The action plan. Dates are local days (YYYY-MM-DD). reminded_at and
-- escalated_at keep the reminder and the overdue escalation to one each.
CREATE TABLE improvement_actions (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES improvement_items(id),
    description  TEXT NOT NULL CHECK (description <> ''),
    owner_id     INTEGER NOT NULL REFERENCES users(id),
    start_on     TEXT NOT NULL DEFAULT '',
    due_on       TEXT NOT NULL,
    resources    TEXT NOT NULL DEFAULT '',
    budget       REAL CHECK (budget IS NULL OR budget >= 0),
    status       TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned','in_progress','done','cancelled')),
    evidence     TEXT NOT NULL DEFAULT '',
    done_at      INTEGER,
    reminded_at  INTEGER,
    escalated_at INTEGER,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    CHECK (status <> 'done' OR evidence <> '')
);
CREATE INDEX improvement_actions_item ON improvement_actions(item_id);
CREATE INDEX improvement_actions_due ON improvement_actions(due_on) WHERE status IN ('planned','in_progress');

-- Effect verifications, kept as a history: the inputs, the test and
-- the verdict (result is JSON of aftersales.Verification).
CREATE TABLE improvement_verifications (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES improvement_items(id),
    verdict    TEXT NOT NULL CHECK (verdict IN ('effective','not_effective','inconclusive')),
    result     TEXT NOT NULL,
    applied    INTEGER NOT NULL DEFAULT 0,
    by_id      INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX improvement_verifications_item ON improvement_verifications(item_id);

-- The timeline: every change to an item, immutable.
CREATE TABLE improvement_events (
    id       INTEGER PRIMARY KEY,
    item_id  INTEGER NOT NULL REFERENCES improvement_items(id),
    at       INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    kind     TEXT NOT NULL,
    from_val TEXT NOT NULL DEFAULT '',
    to_val   TEXT NOT NULL DEFAULT '',
    body     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX improvement_events_item ON improvement_events(item_id, id);
CREATE TRIGGER improvement_events_no_update BEFORE UPDATE ON improvement_events
BEGIN SELECT RAISE(ABORT, 'improvement_events is append-only'); END;
CREATE TRIGGER improvement_events_no_delete BEFORE DELETE ON improvement_events
BEGIN SELECT RAISE(ABORT, 'improvement_events is append-only'); END;

CREATE TABLE improvement_tickets (
    item_id   INTEGER NOT NULL REFERENCES improvement_items(id),
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    PRIMARY KEY (item_id, ticket_id)
);
CREATE TABLE improvement_watchers (
    item_id INTEGER NOT NULL REFERENCES improvement_items(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (item_id, user_id)
);

-- The case library: a closed item's lesson, one per item.
CREATE TABLE improvement_cases (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL UNIQUE REFERENCES improvement_items(id),
    title        TEXT NOT NULL CHECK (title <> ''),
    problem      TEXT NOT NULL,
    root_cause   TEXT NOT NULL,
    actions      TEXT NOT NULL,
    effect       TEXT NOT NULL,
    tags         TEXT NOT NULL DEFAULT '',
    published_by INTEGER NOT NULL REFERENCES users(id),
    published_at INTEGER NOT NULL
);

-- Notifications about items link to the item.
ALTER TABLE notifications ADD COLUMN link TEXT NOT NULL DEFAULT '';
