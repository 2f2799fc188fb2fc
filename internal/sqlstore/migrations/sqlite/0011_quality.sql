-- Quality targets, the weighted quality score, alert rules and the
-- improvement items alerts open (issue #5; the improvement workflow is #6).

-- One target per KPI. The score normalises a value linearly between
-- worst (0) and target (100), so the direction follows from their order.
CREATE TABLE quality_targets (
    kpi        TEXT PRIMARY KEY,
    target     REAL NOT NULL,
    worst      REAL NOT NULL,
    weight     REAL NOT NULL DEFAULT 0 CHECK (weight >= 0 AND weight <= 100),
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL,
    CHECK (target <> worst)
);
-- The seed's weighting: satisfaction 30%, first-contact resolution 25%.
INSERT INTO quality_targets (kpi, target, worst, weight, updated_at) VALUES
    ('csat_satisfied', 90, 60, 30, 0),
    ('fcr', 80, 50, 25, 0),
    ('res_sla', 95, 70, 20, 0),
    ('frt_median', 30, 240, 10, 0),
    ('complaint_closure', 95, 60, 10, 0),
    ('reopen_rate', 3, 15, 5, 0),
    ('on_time_arrival', 95, 70, 0, 0),
    ('csat_mean', 4.2, 3, 0, 0);

-- An alert rule watches one KPI in one scope (dim/val, '' for all) per
-- week or month: a fixed threshold (breached when the value is on the
-- wrong side, given the KPI's direction) and/or a control chart whose
-- limits come from a frozen baseline.
CREATE TABLE alert_rules (
    id             INTEGER PRIMARY KEY,
    kpi            TEXT NOT NULL,
    dim            TEXT NOT NULL DEFAULT '',
    val            TEXT NOT NULL DEFAULT '',
    grain          TEXT NOT NULL CHECK (grain IN ('week','month')),
    threshold      REAL,
    chart          TEXT NOT NULL DEFAULT '' CHECK (chart IN ('','p','u','xmr')),
    baseline_from  INTEGER,
    baseline_to    INTEGER,
    center         REAL,
    sigma          REAL,
    baseline_n     INTEGER,
    rules          TEXT NOT NULL DEFAULT 'we1,we2,we4',
    active         INTEGER NOT NULL DEFAULT 1,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    CHECK (threshold IS NOT NULL OR chart <> ''),
    CHECK ((dim = '') = (val = ''))
);

-- 待改善项: opened by an alert (or by hand in #6). An alert breach is
-- deduplicated by rule: while an item from a rule is not closed, later
-- breaches add evidence to it instead of opening another.
CREATE TABLE improvement_items (
    id          INTEGER PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL CHECK (title <> ''),
    source      TEXT NOT NULL CHECK (source IN ('alert','complaints','audit','manual')),
    rule_id     INTEGER REFERENCES alert_rules(id),
    kpi         TEXT NOT NULL DEFAULT '',
    dim         TEXT NOT NULL DEFAULT '',
    val         TEXT NOT NULL DEFAULT '',
    baseline    REAL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','analysing','planning','implementing','verifying','closed')),
    evidence    TEXT NOT NULL DEFAULT '[]',
    breaches    INTEGER NOT NULL DEFAULT 1,
    last_period INTEGER,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX improvement_items_open_rule ON improvement_items(rule_id) WHERE rule_id IS NOT NULL AND status <> 'closed';
