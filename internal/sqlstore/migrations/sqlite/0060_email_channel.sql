-- The email channel's settings, kept in the database so that an
-- administrator connects the support mailbox from the console without a
-- restart. Flags and environment variables still win (internal/app).
-- Passwords are stored as given: the servers need them in the clear, and
-- the database is already the place that holds every secret of the
-- deployment (API token hashes aside); they never leave the store's
-- service methods.
CREATE TABLE email_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    smtp_addr     TEXT NOT NULL DEFAULT '',
    smtp_from     TEXT NOT NULL DEFAULT '',
    smtp_user     TEXT NOT NULL DEFAULT '',
    smtp_password TEXT NOT NULL DEFAULT '',
    smtp_tls      TEXT NOT NULL DEFAULT 'starttls' CHECK (smtp_tls IN ('tls', 'starttls', 'none')),
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO email_settings (id) VALUES (1);
CREATE TABLE email_mailboxes (
    id       INTEGER PRIMARY KEY,
    host     TEXT NOT NULL CHECK (host <> ''),
    port     INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    tls      TEXT NOT NULL CHECK (tls IN ('tls', 'starttls', 'none')),
    username TEXT NOT NULL CHECK (username <> ''),
    password TEXT NOT NULL DEFAULT '',
    folder   TEXT NOT NULL DEFAULT 'INBOX',
    active   INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- start_new: the first read skips the mail already in the folder
    -- (mailin StartNew, the flag's ?start=new); set when the mailbox is added.
    start_new INTEGER NOT NULL DEFAULT 0 CHECK (start_new IN (0, 1)),
    UNIQUE (username, host, folder)
);
-- Running pollers and senders follow the settings through config_stamp
-- (migration 0030): every instance reads the stamp every few seconds.
CREATE TRIGGER config_email_settings_update AFTER UPDATE ON email_settings BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_email_mailboxes_insert AFTER INSERT ON email_mailboxes BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_email_mailboxes_update AFTER UPDATE ON email_mailboxes BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_email_mailboxes_delete AFTER DELETE ON email_mailboxes BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
