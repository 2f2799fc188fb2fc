-- The audit page offers the actions recorded as a filter. Listing them
-- steps from one action to the next through this index (a few dozen
-- values) instead of reading the whole, ever-growing log.
CREATE INDEX audit_action ON audit_log(action);
