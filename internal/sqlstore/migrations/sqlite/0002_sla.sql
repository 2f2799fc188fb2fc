-- SLA: business calendars, policies, and each ticket's evaluated clocks.

CREATE TABLE business_calendars (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    week       TEXT NOT NULL DEFAULT '{}',
    holidays   TEXT NOT NULL DEFAULT '[]',
    workdays   TEXT NOT NULL DEFAULT '[]',
    version    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE sla_policies (
    id                     INTEGER PRIMARY KEY,
    name                   TEXT NOT NULL UNIQUE,
    priority               INTEGER NOT NULL DEFAULT 100,
    active                 INTEGER NOT NULL DEFAULT 1,
    conditions             TEXT NOT NULL DEFAULT '{}',
    calendar_id            INTEGER REFERENCES business_calendars(id),
    first_response_minutes INTEGER NOT NULL DEFAULT 0 CHECK (first_response_minutes >= 0),
    resolution_minutes     INTEGER NOT NULL DEFAULT 0 CHECK (resolution_minutes >= 0),
    pause_statuses         TEXT NOT NULL DEFAULT '["awaiting_customer","awaiting_parts"]',
    warn_at                TEXT NOT NULL DEFAULT '[]',
    escalations            TEXT NOT NULL DEFAULT '[]',
    version                INTEGER NOT NULL DEFAULT 1,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);

-- ticket_sla holds the clocks as last evaluated (on every ticket event),
-- indexed by due time for the warning and escalation sweep.
CREATE TABLE ticket_sla (
    ticket_id          INTEGER PRIMARY KEY REFERENCES tickets(id),
    policy_id          INTEGER REFERENCES sla_policies(id),
    fr_due_at          INTEGER,
    fr_met             INTEGER,
    fr_breached_at     INTEGER,
    res_due_at         INTEGER,
    res_met            INTEGER,
    res_breached_at    INTEGER,
    res_paused         INTEGER NOT NULL DEFAULT 0,
    res_paused_minutes REAL NOT NULL DEFAULT 0,
    next_step_at       INTEGER,
    evaluated_at       INTEGER NOT NULL
);
CREATE INDEX ticket_sla_fr_due ON ticket_sla(fr_due_at) WHERE fr_met IS NULL;
CREATE INDEX ticket_sla_res_due ON ticket_sla(res_due_at) WHERE res_met IS NULL;
CREATE INDEX ticket_sla_next_step ON ticket_sla(next_step_at) WHERE next_step_at IS NOT NULL;

-- sla_steps records each warning and escalation step fired, once: the
-- primary key makes a repeated sweep (or a restart) a no-op.
CREATE TABLE sla_steps (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    step      TEXT NOT NULL,
    due_at    INTEGER NOT NULL,
    fired_at  INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, step)
);

-- notifications are in-console messages to one user.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    ticket_id  INTEGER REFERENCES tickets(id),
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX notifications_unread ON notifications(user_id, id) WHERE read_at IS NULL;
