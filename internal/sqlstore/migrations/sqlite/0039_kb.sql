-- The knowledge base. An article's current text is in kb_articles; every
-- saved version, the first included, is kept unchanged in kb_versions,
-- with its author and time. The search index lives in memory and is
-- rebuilt when the articles' stamp (count and last change) moves, so
-- every instance sees a save.

CREATE TABLE kb_articles (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    category    TEXT NOT NULL,
    visibility  TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    title_zh    TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    body_zh     TEXT NOT NULL,
    body_en     TEXT NOT NULL,
    tags        TEXT NOT NULL DEFAULT '[]',
    version     INTEGER NOT NULL CHECK (version >= 1),
    author_id   INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    helpful     INTEGER NOT NULL DEFAULT 0,
    unhelpful   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE kb_versions (
    article_id  INTEGER NOT NULL REFERENCES kb_articles(id),
    version     INTEGER NOT NULL,
    slug        TEXT NOT NULL,
    category    TEXT NOT NULL,
    visibility  TEXT NOT NULL,
    title_zh    TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    body_zh     TEXT NOT NULL,
    body_en     TEXT NOT NULL,
    tags        TEXT NOT NULL DEFAULT '[]',
    author_id   INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (article_id, version)
);

CREATE TABLE kb_feedback (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL REFERENCES kb_articles(id),
    helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    reason      TEXT NOT NULL DEFAULT '',
    comment     TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX kb_feedback_created ON kb_feedback (created_at);

-- Searches that found nothing, one row a normalised query.
CREATE TABLE kb_missed (
    query       TEXT PRIMARY KEY,
    count       INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL
);

-- The public form's sessions (its signed form token) meeting suggestions:
-- an article opened, "this solved it", the ticket sent anyway. One row an
-- event kind per session and article.
CREATE TABLE kb_events (
    session     TEXT NOT NULL,
    article_id  INTEGER NOT NULL DEFAULT 0,
    event       TEXT NOT NULL CHECK (event IN ('open', 'solved', 'submit')),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (session, event, article_id)
);

CREATE TABLE kb_synonyms (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    body        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE kb_attachments (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL REFERENCES kb_articles(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    blob_key     TEXT NOT NULL UNIQUE,
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL
);
