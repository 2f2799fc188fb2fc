-- Channel intake: every inbound and outbound channel message is recorded
-- with the ids that thread it (email Message-ID, chat conversation), and a
-- polled mailbox keeps its cursor (UIDVALIDITY and last UID), advanced in
-- the same transaction as the ticket change a message makes.

CREATE TABLE channel_messages (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets(id),
    event_id     INTEGER REFERENCES ticket_events(id),
    channel      TEXT NOT NULL,
    direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    message_id   TEXT,
    conversation TEXT,
    address      TEXT NOT NULL DEFAULT '',
    refs         TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX channel_messages_id ON channel_messages(channel, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX channel_messages_conversation ON channel_messages(conversation, id) WHERE conversation IS NOT NULL;
CREATE INDEX channel_messages_ticket ON channel_messages(ticket_id, id);

CREATE TABLE mailbox_cursors (
    mailbox      TEXT PRIMARY KEY,
    uid_validity INTEGER NOT NULL,
    last_uid     INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- A follow token lets a customer see their ticket without an account; only
-- its hash is kept.
CREATE TABLE ticket_follow_tokens (
    ticket_id  INTEGER PRIMARY KEY REFERENCES tickets(id),
    token_hash TEXT NOT NULL
);

-- Replies to customers carry threading headers.
ALTER TABLE email_outbox ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE email_outbox ADD COLUMN in_reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE email_outbox ADD COLUMN refs TEXT NOT NULL DEFAULT '';

-- Inbound mail and the web form find customers by address.
CREATE INDEX customers_email ON customers(lower(email)) WHERE email <> '';
