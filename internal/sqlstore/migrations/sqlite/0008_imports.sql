-- Imports: every run is a batch; every rejected or flagged row is an issue
-- with its line, field and reason. Imported tickets remember the batch and
-- a fingerprint of their source content, so a re-run changes nothing.

CREATE TABLE import_batches (
    id          INTEGER PRIMARY KEY,
    mapping     TEXT NOT NULL,
    file        TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL DEFAULT '{}',
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL
);

CREATE TABLE import_issues (
    id        INTEGER PRIMARY KEY,
    batch_id  INTEGER NOT NULL REFERENCES import_batches(id) ON DELETE CASCADE,
    ticket_id INTEGER REFERENCES tickets(id),
    line      INTEGER NOT NULL,
    key       TEXT NOT NULL DEFAULT '',
    field     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    value     TEXT NOT NULL DEFAULT '',
    reason    TEXT NOT NULL,
    related   TEXT NOT NULL DEFAULT '',
    rejected  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX import_issues_batch ON import_issues(batch_id, line);
CREATE INDEX import_issues_ticket ON import_issues(ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX import_issues_kind ON import_issues(kind, ticket_id);

-- The source system's own resolution target (e.g. Boston's TARGET_DT).
ALTER TABLE tickets ADD COLUMN target_at INTEGER;
ALTER TABLE tickets ADD COLUMN import_batch_id INTEGER REFERENCES import_batches(id);
ALTER TABLE tickets ADD COLUMN import_hash INTEGER;
