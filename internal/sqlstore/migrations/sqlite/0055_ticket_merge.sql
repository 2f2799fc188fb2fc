-- A duplicate ticket merged into the one kept: its messages, files and
-- channel threads went there, and it was cancelled. merged_into names the
-- ticket kept; NULL for every ticket not merged.
ALTER TABLE tickets ADD COLUMN merged_into INTEGER REFERENCES tickets(id);
CREATE INDEX tickets_merged_into ON tickets(merged_into) WHERE merged_into IS NOT NULL;
