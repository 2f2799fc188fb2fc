-- Automation rules: on an event or after time in a status, when the
-- conditions hold, run actions. automation_runs makes time rules fire once
-- per status spell.

CREATE TABLE automation_rules (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    priority   INTEGER NOT NULL DEFAULT 100,
    active     INTEGER NOT NULL DEFAULT 1,
    trigger_on TEXT NOT NULL,
    conditions TEXT NOT NULL DEFAULT '{}',
    actions    TEXT NOT NULL DEFAULT '[]',
    version    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE automation_runs (
    rule_id   INTEGER NOT NULL REFERENCES automation_rules(id),
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    run_key   TEXT NOT NULL,
    ran_at    INTEGER NOT NULL,
    PRIMARY KEY (rule_id, ticket_id, run_key)
);
