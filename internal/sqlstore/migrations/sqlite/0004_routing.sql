-- Routing and assignment: where a service point works, how a team hands
-- out tickets, who is available, and routing rules as data.

ALTER TABLE service_units ADD COLUMN coverage TEXT NOT NULL DEFAULT '{}';
ALTER TABLE teams ADD COLUMN strategy TEXT NOT NULL DEFAULT 'manual' CHECK (strategy IN ('manual', 'round_robin', 'least_load', 'skills'));
ALTER TABLE teams ADD COLUMN capacity INTEGER NOT NULL DEFAULT 0 CHECK (capacity >= 0);
ALTER TABLE teams ADD COLUMN last_assignee_id INTEGER REFERENCES users(id);
ALTER TABLE users ADD COLUMN available INTEGER NOT NULL DEFAULT 1;

CREATE TABLE routing_rules (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    priority   INTEGER NOT NULL DEFAULT 100,
    active     INTEGER NOT NULL DEFAULT 1,
    conditions TEXT NOT NULL DEFAULT '{}',
    action     TEXT NOT NULL DEFAULT '{}',
    version    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
