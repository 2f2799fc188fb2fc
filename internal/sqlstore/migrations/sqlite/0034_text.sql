-- Text analytics on what customers write (issue #21): keywords and a
-- sentiment score per ticket and per customer message, the company's own
-- document frequencies, negative share as a rollup measure, and alert rules
-- on terms that rise significantly.

-- Tickets whose customer text changed since it was last analysed. The
-- background job takes them in id order; gen counts changes, so a message
-- arriving while the job analyses an older text keeps the ticket queued.
CREATE TABLE text_pending (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    gen       INTEGER NOT NULL DEFAULT 1
);
CREATE TRIGGER text_ticket_insert AFTER INSERT ON tickets
BEGIN INSERT INTO text_pending(ticket_id) VALUES (NEW.id) ON CONFLICT (ticket_id) DO UPDATE SET gen = gen + 1; END;
CREATE TRIGGER text_ticket_update AFTER UPDATE OF title, description ON tickets
WHEN NEW.title <> OLD.title OR NEW.description <> OLD.description
BEGIN INSERT INTO text_pending(ticket_id) VALUES (NEW.id) ON CONFLICT (ticket_id) DO UPDATE SET gen = gen + 1; END;
CREATE TRIGGER text_message_insert AFTER INSERT ON ticket_events WHEN NEW.kind = 'customer_message'
BEGIN INSERT INTO text_pending(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT (ticket_id) DO UPDATE SET gen = gen + 1; END;
INSERT INTO text_pending(ticket_id) SELECT id FROM tickets;

-- One row per analysed ticket: the sentiment of its customer text (title,
-- description and customer messages) and its top keywords by TF-IDF
-- against text_df as it was when analysed.
CREATE TABLE ticket_text (
    ticket_id   INTEGER PRIMARY KEY REFERENCES tickets(id),
    sentiment   REAL NOT NULL,
    polarity    INTEGER NOT NULL CHECK (polarity IN (-1, 0, 1)),
    positive    INTEGER NOT NULL DEFAULT 0,
    negative    INTEGER NOT NULL DEFAULT 0,
    keywords    TEXT NOT NULL DEFAULT '[]',
    method      TEXT NOT NULL DEFAULT 'lexicon',
    analysed_at INTEGER NOT NULL
);
CREATE INDEX ticket_text_polarity ON ticket_text(polarity, ticket_id);

-- The distinct terms of each analysed ticket: top terms, rising terms and
-- the drill-down from a term to its tickets.
CREATE TABLE ticket_terms (
    term      TEXT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    PRIMARY KEY (term, ticket_id)
);
CREATE INDEX ticket_terms_ticket ON ticket_terms(ticket_id);

-- Sentiment of each customer message.
CREATE TABLE message_text (
    event_id    INTEGER PRIMARY KEY REFERENCES ticket_events(id),
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    sentiment   REAL NOT NULL,
    polarity    INTEGER NOT NULL CHECK (polarity IN (-1, 0, 1)),
    analysed_at INTEGER NOT NULL
);
CREATE INDEX message_text_ticket ON message_text(ticket_id);

-- Document frequency: in how many analysed tickets each term occurs, kept
-- current as tickets are (re)analysed. The number of documents is the
-- row count of ticket_text.
CREATE TABLE text_df (
    term TEXT PRIMARY KEY,
    docs INTEGER NOT NULL CHECK (docs >= 0)
);

-- Negative share: analysed and negative tickets, counted on the creation
-- day; an analysis changes the ticket's rollup contribution.
CREATE TRIGGER kpi_text_insert AFTER INSERT ON ticket_text
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_text_update AFTER UPDATE ON ticket_text
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
ALTER TABLE kpi_daily ADD COLUMN text_analysed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN text_negative INTEGER NOT NULL DEFAULT 0;

-- A rising-term rule watches one scope (dim/val, '' for all) per week or
-- month: a term whose share of tickets rose against the previous period
-- with a Benjamini-Hochberg q-value at most alpha opens an improvement
-- item with the term's tickets as evidence.
CREATE TABLE term_alert_rules (
    id         INTEGER PRIMARY KEY,
    dim        TEXT NOT NULL DEFAULT '',
    val        TEXT NOT NULL DEFAULT '',
    grain      TEXT NOT NULL CHECK (grain IN ('week','month')),
    alpha      REAL NOT NULL CHECK (alpha > 0 AND alpha < 1),
    min_count  INTEGER NOT NULL CHECK (min_count >= 1),
    active     INTEGER NOT NULL DEFAULT 1,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK ((dim = '') = (val = ''))
);

-- Which item each rising term opened, per period: the primary key keeps two
-- sweeps from recording one period twice.
CREATE TABLE term_alert_hits (
    rule_id INTEGER NOT NULL REFERENCES term_alert_rules(id),
    term    TEXT NOT NULL,
    period  INTEGER NOT NULL,
    item_id INTEGER NOT NULL REFERENCES improvement_items(id),
    q       REAL NOT NULL,
    PRIMARY KEY (rule_id, term, period)
);
CREATE INDEX term_alert_hits_item ON term_alert_hits(item_id);
