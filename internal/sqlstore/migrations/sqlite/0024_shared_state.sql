-- What every instance on one database must agree on (issue #18).
--
-- settings holds values made once and then shared: the key that signs the
-- public web form's tokens, so a form shown by one instance is accepted by
-- another and after a restart. The first instance to need a value inserts
-- it (ON CONFLICT DO NOTHING) and every instance then reads the one stored.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- rate_counts counts actions per key (e.g. "form:" and a client address)
-- and fixed window, so a rate limit holds across instances and restarts.
-- A row is needed until keep_until (the end of the window after its own)
-- and pruned after that.
CREATE TABLE rate_counts (
    key          TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL CHECK (hits >= 0),
    keep_until   INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counts_keep_until ON rate_counts (keep_until);
