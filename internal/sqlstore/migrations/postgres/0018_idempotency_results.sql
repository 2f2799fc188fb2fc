-- An idempotency key is now written in the same transaction as the
-- request's work, naming what the work created or changed (result_*), so
-- a retry after a crash between the commit and the reply can rebuild the
-- answer instead of repeating the work. headers keeps the replayed
-- answer's Content-Type, ETag and Location.
ALTER TABLE idempotency_keys ADD COLUMN headers TEXT;
ALTER TABLE idempotency_keys ADD COLUMN result_kind TEXT;
ALTER TABLE idempotency_keys ADD COLUMN result_id BIGINT;
ALTER TABLE idempotency_keys ADD COLUMN result_created BOOLEAN NOT NULL DEFAULT FALSE;
