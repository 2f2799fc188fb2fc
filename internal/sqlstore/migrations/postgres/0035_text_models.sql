-- Automatic classification of new tickets (issue #21): one trained model
-- per ticket field (nature, category_id, urgency) and version, with its
-- held-out scores; the suggestions made on each ticket and what people did
-- with them; a confidence threshold per field above which a suggestion is
-- applied at creation.
CREATE TABLE text_models (
    id             BIGSERIAL PRIMARY KEY,
    field          TEXT NOT NULL CHECK (field IN ('nature', 'category_id', 'urgency')),
    version        BIGINT NOT NULL CHECK (version > 0),
    -- active, retired (replaced) or refused.
    status         TEXT NOT NULL CHECK (status IN ('active', 'retired', 'refused')),
    trained_at     BIGINT NOT NULL,
    trained_by     BIGINT REFERENCES users(id),
    docs           BIGINT NOT NULL CHECK (docs >= 0),
    folds          BIGINT NOT NULL,
    accuracy       DOUBLE PRECISION NOT NULL,
    macro_f1       DOUBLE PRECISION NOT NULL,
    -- the active model's macro-F1 it was compared with (null: none was active)
    compared_f1    DOUBLE PRECISION,
    metrics        TEXT NOT NULL DEFAULT '{}',
    config         TEXT NOT NULL DEFAULT '{}',
    reason         TEXT NOT NULL DEFAULT '',
    model          BYTEA,
    UNIQUE (field, version)
);
CREATE UNIQUE INDEX text_models_one_active ON text_models (field) WHERE status = 'active';

CREATE TABLE ticket_suggestions (
    id          BIGSERIAL PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    field       TEXT NOT NULL CHECK (field IN ('nature', 'category_id', 'urgency')),
    value       TEXT NOT NULL,
    confidence  DOUBLE PRECISION NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    model_id    BIGINT NOT NULL REFERENCES text_models(id),
    -- applied at creation, pending for a person, accepted, rejected, or
    -- corrected (a person set the field to another value).
    status      TEXT NOT NULL CHECK (status IN ('applied', 'pending', 'accepted', 'rejected', 'corrected')),
    final_value TEXT NOT NULL DEFAULT '',
    decided_by  BIGINT REFERENCES users(id),
    decided_at  BIGINT,
    created_at  BIGINT NOT NULL,
    UNIQUE (ticket_id, field)
);
CREATE INDEX ticket_suggestions_model ON ticket_suggestions (model_id);

CREATE TABLE text_class_settings (
    field     TEXT PRIMARY KEY CHECK (field IN ('nature', 'category_id', 'urgency')),
    threshold DOUBLE PRECISION NOT NULL CHECK (threshold >= 0 AND threshold <= 1.01)
);
INSERT INTO text_class_settings (field, threshold) VALUES ('nature', 0.9), ('category_id', 0.9), ('urgency', 0.95);


-- Trainings asked for (the console's button, the API, the nightly
-- retraining), done by the background job: one row per field at most.
CREATE TABLE text_train_requests (
    field        TEXT PRIMARY KEY CHECK (field IN ('nature', 'category_id', 'urgency')),
    requested_at BIGINT NOT NULL,
    requested_by BIGINT REFERENCES users(id)
);

-- Every instance keeps the active models in memory; a new active model or
-- threshold changes the configuration stamp like the rest of the
-- configuration (0030).
CREATE TRIGGER config_text_models AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF status ON text_models FOR EACH STATEMENT EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_text_class_settings AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE ON text_class_settings FOR EACH STATEMENT EXECUTE FUNCTION config_changed();
