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

-- The customer and asset indexes of tickets leave out the tickets without
-- one (every query that reads them names a customer or an asset, and so
-- do the foreign keys' checks when a customer or asset is deleted): a
-- file without customers or assets (Boston 311) no longer sorts 121,145
-- empty keys twice at the end of its first load, and a create without a
-- customer or asset writes two index entries fewer.
DROP INDEX tickets_customer;
CREATE INDEX tickets_customer ON tickets(customer_id, created_at) WHERE customer_id IS NOT NULL;
DROP INDEX tickets_asset;
CREATE INDEX tickets_asset ON tickets(asset_id) WHERE asset_id IS NOT NULL;
