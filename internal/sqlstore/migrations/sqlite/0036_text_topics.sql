-- The domain dictionary of the text analytics (issue #21): product names,
-- model numbers, fault and service terms the segmenter keeps whole. The
-- segmenter of every instance reloads it when config_stamp changes, as it
-- does for the rest of the configuration (migration 0030).
CREATE TABLE text_dictionary (
    id         INTEGER PRIMARY KEY,
    word       TEXT NOT NULL UNIQUE CHECK (word <> '' AND length(word) <= 50),
    kind       TEXT NOT NULL CHECK (kind IN ('product','model','fault','service')),
    freq       REAL NOT NULL DEFAULT 0 CHECK (freq >= 0),
    note       TEXT NOT NULL DEFAULT '',
    version    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TRIGGER config_text_dictionary_insert AFTER INSERT ON text_dictionary BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_text_dictionary_update AFTER UPDATE ON text_dictionary BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_text_dictionary_delete AFTER DELETE ON text_dictionary BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;

-- Topics found by clustering complaint texts. A topic keeps its id and name
-- across runs while a new cluster's top terms match its signature (terms).
CREATE TABLE text_topics (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL CHECK (name <> ''),
    terms      TEXT NOT NULL DEFAULT '[]',
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
);
-- The topic each ticket fell into at the latest run that covered it.
CREATE TABLE text_topic_tickets (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    topic_id  INTEGER NOT NULL REFERENCES text_topics(id) ON DELETE CASCADE
);
CREATE INDEX text_topic_tickets_topic ON text_topic_tickets(topic_id, ticket_id);
