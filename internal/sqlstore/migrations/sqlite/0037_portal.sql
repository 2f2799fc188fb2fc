-- The customer portal (issue #20): customers' own sign-ins, linked to a
-- customer record. A company customer has several portal users; the role
-- says what each sees: member only the tickets they opened in the portal,
-- company every ticket of the customer, admin that and grants roles.
CREATE TABLE portal_users (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers(id),
    email         TEXT NOT NULL CHECK (email <> '' AND email = lower(email)),
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member','company','admin')),
    password_hash TEXT NOT NULL DEFAULT '',
    active        INTEGER NOT NULL DEFAULT 1,
    invited_by    INTEGER REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    last_login_at INTEGER,
    version       INTEGER NOT NULL DEFAULT 1
);
-- One sign-in per address: the magic link names one person.
CREATE UNIQUE INDEX portal_users_email ON portal_users (email);
CREATE INDEX portal_users_customer ON portal_users (customer_id);

-- Portal sessions are apart from staff sessions: another table, another
-- cookie, so a portal session can never act as a staff user.
CREATE TABLE portal_sessions (
    token_hash     TEXT PRIMARY KEY,
    portal_user_id INTEGER NOT NULL REFERENCES portal_users(id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX portal_sessions_expires ON portal_sessions (expires_at);

-- One-time sign-in links: kept as hashes, used once, short-lived.
CREATE TABLE portal_links (
    token_hash     TEXT PRIMARY KEY,
    portal_user_id INTEGER NOT NULL REFERENCES portal_users(id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
);
CREATE INDEX portal_links_user ON portal_links (portal_user_id, created_at);

-- Which portal user opened a ticket: a member sees those.
CREATE TABLE portal_tickets (
    ticket_id      INTEGER PRIMARY KEY REFERENCES tickets(id),
    portal_user_id INTEGER NOT NULL REFERENCES portal_users(id)
);
CREATE INDEX portal_tickets_user ON portal_tickets (portal_user_id);
