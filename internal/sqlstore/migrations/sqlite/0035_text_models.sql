-- Automatic classification of new tickets (issue #21): one trained model
-- per ticket field (nature, category_id, urgency) and version, with its
-- held-out scores; the suggestions made on each ticket and what people did
-- with them; a confidence threshold per field above which a suggestion is
-- applied at creation.
CREATE TABLE text_models (
    id             INTEGER PRIMARY KEY,
    field          TEXT NOT NULL CHECK (field IN ('nature', 'category_id', 'urgency')),
    version        INTEGER NOT NULL CHECK (version > 0),
    -- candidate while training, then active, retired (replaced) or refused.
    status         TEXT NOT NULL CHECK (status IN ('active', 'retired', 'refused')),
    trained_at     INTEGER NOT NULL,
    trained_by     INTEGER REFERENCES users(id),
    docs           INTEGER NOT NULL CHECK (docs >= 0),
    folds          INTEGER NOT NULL,
    accuracy       REAL NOT NULL,
    macro_f1       REAL NOT NULL,
    -- the active model's macro-F1 it was compared with (null: none was active)
    compared_f1    REAL,
    metrics        TEXT NOT NULL DEFAULT '{}',
    config         TEXT NOT NULL DEFAULT '{}',
    reason         TEXT NOT NULL DEFAULT '',
    model          BLOB,
    UNIQUE (field, version)
);
CREATE UNIQUE INDEX text_models_one_active ON text_models (field) WHERE status = 'active';

CREATE TABLE ticket_suggestions (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    field       TEXT NOT NULL CHECK (field IN ('nature', 'category_id', 'urgency')),
    value       TEXT NOT NULL,
    confidence  REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    model_id    INTEGER NOT NULL REFERENCES text_models(id),
    -- applied at creation, pending for a person, accepted, rejected, or
    -- corrected (a person set the field to another value).
    status      TEXT NOT NULL CHECK (status IN ('applied', 'pending', 'accepted', 'rejected', 'corrected')),
    final_value TEXT NOT NULL DEFAULT '',
    decided_by  INTEGER REFERENCES users(id),
    decided_at  INTEGER,
    created_at  INTEGER NOT NULL,
    UNIQUE (ticket_id, field)
);
CREATE INDEX ticket_suggestions_model ON ticket_suggestions (model_id);

CREATE TABLE text_class_settings (
    field     TEXT PRIMARY KEY CHECK (field IN ('nature', 'category_id', 'urgency')),
    threshold REAL NOT NULL CHECK (threshold >= 0 AND threshold <= 1.01)
);
INSERT INTO text_class_settings (field, threshold) VALUES ('nature', 0.9), ('category_id', 0.9), ('urgency', 0.95);


-- Trainings asked for (the console's button, the API, the nightly
-- retraining), done by the background job: one row per field at most.
CREATE TABLE text_train_requests (
    field        TEXT PRIMARY KEY CHECK (field IN ('nature', 'category_id', 'urgency')),
    requested_at INTEGER NOT NULL,
    requested_by INTEGER REFERENCES users(id)
);

-- Every instance keeps the active models in memory; a new active model or
-- threshold changes the configuration stamp like the rest of the
-- configuration (0030).
CREATE TRIGGER config_text_models_insert AFTER INSERT ON text_models BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_text_models_update AFTER UPDATE OF status ON text_models BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_text_class_settings_update AFTER UPDATE ON text_class_settings BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
