-- Follow-up (回访) as a workflow. Ordered policies select resolved
-- tickets; every decision is recorded per resolution (seed, draw and
-- threshold, so a sample can be audited and reproduced), and its primary
-- key is what keeps two sweeps, or two instances, from deciding one
-- resolution twice. A selected resolution gets one task; a ticket has at
-- most one open task.

CREATE TABLE followup_policies (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    position       INTEGER NOT NULL DEFAULT 0,
    active         INTEGER NOT NULL DEFAULT 1,
    natures        TEXT NOT NULL DEFAULT '[]',
    tiers          TEXT NOT NULL DEFAULT '[]',
    sample_percent REAL NOT NULL CHECK (sample_percent BETWEEN 0 AND 100),
    seed           INTEGER NOT NULL,
    delay_hours    REAL NOT NULL CHECK (delay_hours >= 0),
    deadline_hours REAL NOT NULL CHECK (deadline_hours > delay_hours),
    max_attempts   INTEGER NOT NULL CHECK (max_attempts BETWEEN 1 AND 20),
    team_id        INTEGER REFERENCES teams(id),
    script_zh      TEXT NOT NULL DEFAULT '',
    script_en      TEXT NOT NULL DEFAULT '',
    applies_from   INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE followup_selections (
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    resolved_at INTEGER NOT NULL,
    policy_id   INTEGER REFERENCES followup_policies(id),
    seed        INTEGER NOT NULL DEFAULT 0,
    draw        REAL NOT NULL DEFAULT 0,
    threshold   REAL NOT NULL DEFAULT 0,
    selected    INTEGER NOT NULL,
    decided_at  INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, resolved_at)
);

CREATE TABLE followup_tasks (
    id            INTEGER PRIMARY KEY,
    ticket_id     INTEGER NOT NULL,
    resolved_at   INTEGER NOT NULL,
    policy_id     INTEGER REFERENCES followup_policies(id),
    team_id       INTEGER REFERENCES teams(id),
    assignee_id   INTEGER REFERENCES users(id),
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done','cancelled')),
    due_at        INTEGER NOT NULL,
    deadline_at   INTEGER NOT NULL,
    max_attempts  INTEGER NOT NULL,
    outcome       TEXT CHECK (outcome IN ('satisfied','dissatisfied','not_solved','unreachable')),
    reason        TEXT NOT NULL DEFAULT '',
    csat          INTEGER CHECK (csat BETWEEN 1 AND 5),
    nps           INTEGER CHECK (nps BETWEEN 0 AND 10),
    comment       TEXT NOT NULL DEFAULT '',
    cancel_reason TEXT NOT NULL DEFAULT '',
    closed_at     INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    UNIQUE (ticket_id, resolved_at),
    FOREIGN KEY (ticket_id, resolved_at) REFERENCES followup_selections(ticket_id, resolved_at),
    CHECK ((status = 'done') = (outcome IS NOT NULL)),
    CHECK ((status = 'open') = (closed_at IS NULL))
);
CREATE UNIQUE INDEX followup_tasks_one_open ON followup_tasks(ticket_id) WHERE status = 'open';
CREATE INDEX followup_tasks_queue ON followup_tasks(status, deadline_at);
CREATE INDEX followup_tasks_assignee ON followup_tasks(assignee_id, status);
CREATE INDEX followup_tasks_team ON followup_tasks(team_id, created_at);
CREATE INDEX followup_tasks_created ON followup_tasks(created_at);

CREATE TABLE followup_attempts (
    id      INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES followup_tasks(id),
    at      INTEGER NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('phone','sms','wechat','email','visit')),
    result  TEXT NOT NULL CHECK (result IN ('reached','no_answer','busy','wrong_number','call_back','refused')),
    note    TEXT NOT NULL DEFAULT '',
    by_id   INTEGER REFERENCES users(id)
);
CREATE INDEX followup_attempts_task ON followup_attempts(task_id, at);

-- The sweep walks resolutions in order of resolution time.
CREATE INDEX tickets_resolved ON tickets(resolved_at) WHERE resolved_at IS NOT NULL;

-- Follow-up KPIs (response rate, timeliness, outcome mix) are rollup
-- measures counted on the day each task was done, with the ticket's
-- dimensions: a task's change marks its ticket for the next refresh.
CREATE TRIGGER kpi_followup_insert AFTER INSERT ON followup_tasks
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_followup_update AFTER UPDATE ON followup_tasks
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
ALTER TABLE kpi_daily ADD COLUMN fu_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN fu_answered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN fu_on_time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN fu_satisfied INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN fu_dissatisfied INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN fu_not_solved INTEGER NOT NULL DEFAULT 0;
