-- Email channel hardening. A message that keeps failing is quarantined
-- (kept with its error, listed on the data-quality page) so the mailbox
-- moves on; delivery status notifications are recorded against the
-- outbox message and address they concern; mail we send automatically
-- carries Auto-Submitted (RFC 3834), staff replies do not.

CREATE TABLE mail_failures (
    id             INTEGER PRIMARY KEY,
    mailbox        TEXT NOT NULL,
    uid_validity   INTEGER NOT NULL,
    uid            INTEGER NOT NULL,
    message_id     TEXT NOT NULL DEFAULT '',
    sender         TEXT NOT NULL DEFAULT '',
    subject        TEXT NOT NULL DEFAULT '',
    attempts       INTEGER NOT NULL DEFAULT 0,
    error          TEXT NOT NULL DEFAULT '',
    raw_path       TEXT NOT NULL DEFAULT '',
    quarantined_at INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (mailbox, uid_validity, uid)
);
CREATE INDEX mail_failures_quarantined ON mail_failures(quarantined_at) WHERE quarantined_at IS NOT NULL;

CREATE TABLE email_bounces (
    id          INTEGER PRIMARY KEY,
    address     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    original_id TEXT NOT NULL DEFAULT '',
    outbox_id   INTEGER REFERENCES email_outbox(id),
    ticket_id   INTEGER REFERENCES tickets(id),
    status      TEXT NOT NULL DEFAULT '',
    diagnostic  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX email_bounces_message ON email_bounces(message_id, address);
CREATE INDEX email_bounces_address ON email_bounces(address);

ALTER TABLE email_outbox ADD COLUMN auto_submitted INTEGER NOT NULL DEFAULT 1;
