-- A first load into PostgreSQL adds its foreign keys back NOT VALID and
-- commits without reading the tickets once per key; the background job
-- "constraint-check" validates them afterwards (ValidateConstraints). A
-- key that rows violate stays NOT VALID and is recorded here until a
-- later validation succeeds (the first failure also in the audit log).
-- SQLite keeps its keys during a load and never fills this table; it has
-- it so that both engines have one schema.
CREATE TABLE constraint_checks (
    table_name      TEXT NOT NULL,
    constraint_name TEXT NOT NULL,
    failed_at       BIGINT NOT NULL,
    checked_at      BIGINT NOT NULL,
    error           TEXT NOT NULL,
    PRIMARY KEY (table_name, constraint_name)
);

