-- strikes counts failed guesses (sign-in, API tokens, the chat signature)
-- per key, so the throttles hold across instances and restarts (issue #18).
-- last_at is the last failure; the wait before the next attempt follows
-- from fails and last_at. A row idle until keep_until is forgotten: the
-- next failure starts again at 1, and any failure prunes such rows.
CREATE TABLE strikes (
    key        TEXT PRIMARY KEY,
    fails      INTEGER NOT NULL CHECK (fails > 0),
    last_at    INTEGER NOT NULL,
    keep_until INTEGER NOT NULL
);
CREATE INDEX strikes_keep_until ON strikes (keep_until);
