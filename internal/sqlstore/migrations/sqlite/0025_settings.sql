-- Deployment-wide switches an administrator changes in the console (issue
-- #17). One row, so that a change is one versioned update; a new switch is
-- a new column with its default.
CREATE TABLE app_settings (
    id                       INTEGER PRIMARY KEY CHECK (id = 1),
    -- Moving a ticket to resolved needs a resolution note (the
    -- transition's reason).
    resolution_note_required INTEGER NOT NULL DEFAULT 1 CHECK (resolution_note_required IN (0, 1)),
    version                  INTEGER NOT NULL DEFAULT 1,
    updated_at               INTEGER NOT NULL DEFAULT 0
);
INSERT INTO app_settings (id) VALUES (1);
