-- Trained sentiment (issue #21): versions of the sentiment model, trained on
-- the company's own labels (survey comments with a CSAT score, agents'
-- corrections) or on a labelled file, with their held-out scores; at most
-- one active. While one is active the text analysis combines it with the
-- lexicon, and every analysed ticket is re-scored in the background.
CREATE TABLE sentiment_models (
    id                INTEGER PRIMARY KEY,
    version           INTEGER NOT NULL UNIQUE CHECK (version > 0),
    status            TEXT NOT NULL CHECK (status IN ('active', 'retired', 'refused')),
    source            TEXT NOT NULL CHECK (source IN ('history', 'file')),
    trained_at        INTEGER NOT NULL,
    trained_by        INTEGER REFERENCES users(id),
    docs              INTEGER NOT NULL CHECK (docs >= 0),
    folds             INTEGER NOT NULL,
    accuracy          REAL NOT NULL,
    macro_f1          REAL NOT NULL,
    -- the active model's macro-F1 it was compared with (null: none was active)
    compared_f1       REAL,
    -- the lexicon's and the stored combination's accuracy on the same held-out texts
    lexicon_accuracy  REAL NOT NULL DEFAULT 0,
    combined_accuracy REAL NOT NULL DEFAULT 0,
    metrics           TEXT NOT NULL DEFAULT '{}',
    config            TEXT NOT NULL DEFAULT '{}',
    reason            TEXT NOT NULL DEFAULT '',
    model             BLOB
);
CREATE UNIQUE INDEX sentiment_models_one_active ON sentiment_models (status) WHERE status = 'active';

-- A person's judgement of a ticket's sentiment: it overrides the stored
-- score (and so the negative share) and is a label for the next training.
CREATE TABLE sentiment_corrections (
    ticket_id    INTEGER PRIMARY KEY REFERENCES tickets(id),
    label        TEXT NOT NULL CHECK (label IN ('negative', 'positive')),
    corrected_by INTEGER REFERENCES users(id),
    corrected_at INTEGER NOT NULL
);

-- Which model version scored a ticket (0: the lexicon alone).
ALTER TABLE ticket_text ADD COLUMN model_version INTEGER NOT NULL DEFAULT 0;

-- The model version the analysed tickets were last queued again for: the
-- analysis job compares it with the active version and re-queues once.
CREATE TABLE sentiment_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    requeued_for INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sentiment_state (id, requeued_for) VALUES (1, 0);

-- A training from the company's labels asked for (the console's button).
CREATE TABLE sentiment_train_requests (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    requested_at INTEGER NOT NULL,
    requested_by INTEGER REFERENCES users(id)
);
