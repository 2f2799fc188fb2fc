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
    evaluated_at       INTEGER NOT NULL
);
CREATE INDEX ticket_sla_fr_due ON ticket_sla(fr_due_at) WHERE fr_met IS NULL;
CREATE INDEX ticket_sla_res_due ON ticket_sla(res_due_at) WHERE res_met IS NULL;
