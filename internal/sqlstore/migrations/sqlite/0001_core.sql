-- Core service desk schema. Instants are UTC unix milliseconds; dates are
-- 'YYYY-MM-DD' text; booleans are 0/1; JSON values are text.

CREATE TABLE departments (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,
    kind    TEXT NOT NULL CHECK (kind IN ('after_sales','technical','quality','production','other')),
    name_zh TEXT NOT NULL DEFAULT '',
    name_en TEXT NOT NULL DEFAULT ''
);

CREATE TABLE service_units (
    id         INTEGER PRIMARY KEY,
    parent_id  INTEGER REFERENCES service_units(id),
    kind       TEXT NOT NULL CHECK (kind IN ('region','branch','workstation','service_point')),
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    phone      TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '{}',
    lat        REAL,
    lng        REAL,
    active     INTEGER NOT NULL DEFAULT 1,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK ((kind = 'region') = (parent_id IS NULL))
);

CREATE TABLE teams (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    service_unit_id INTEGER REFERENCES service_units(id),
    department_id   INTEGER REFERENCES departments(id),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE product_categories (
    id        INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES product_categories(id),
    code      TEXT NOT NULL UNIQUE,
    name_zh   TEXT NOT NULL DEFAULT '',
    name_en   TEXT NOT NULL DEFAULT '',
    path      TEXT NOT NULL DEFAULT '',
    depth     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX product_categories_path ON product_categories(path);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    phone           TEXT NOT NULL DEFAULT '',
    role            TEXT NOT NULL CHECK (role IN ('admin','supervisor','quality_manager','agent','technician')),
    password_hash   TEXT NOT NULL DEFAULT '',
    team_id         INTEGER REFERENCES teams(id),
    service_unit_id INTEGER REFERENCES service_units(id),
    department_id   INTEGER REFERENCES departments(id),
    locale          TEXT NOT NULL DEFAULT 'zh-CN',
    active          INTEGER NOT NULL DEFAULT 1,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_login_at   INTEGER,
    CHECK (email = lower(email))
);
CREATE INDEX users_team ON users(team_id);

CREATE TABLE user_skills (
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES product_categories(id),
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (user_id, category_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE customer_tiers (
    code    TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    rank    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO customer_tiers (code, name_zh, name_en, rank) VALUES
    ('vip', 'VIP客户', 'VIP', 30), ('core', '核心客户', 'Core', 20), ('ordinary', '普通客户', 'Ordinary', 10);

CREATE TABLE customers (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('person','company')),
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '{}',
    province    TEXT NOT NULL DEFAULT '',
    city        TEXT NOT NULL DEFAULT '',
    lat         REAL,
    lng         REAL,
    tier        TEXT NOT NULL DEFAULT 'ordinary' REFERENCES customer_tiers(code),
    tags        TEXT NOT NULL DEFAULT '[]',
    notes       TEXT NOT NULL DEFAULT '',
    contacts    TEXT NOT NULL DEFAULT '[]',
    external_id TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX customers_phone ON customers(phone) WHERE phone <> '';
CREATE UNIQUE INDEX customers_external ON customers(external_id) WHERE external_id IS NOT NULL;

CREATE TABLE products (
    id              INTEGER PRIMARY KEY,
    category_id     INTEGER NOT NULL REFERENCES product_categories(id),
    model           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    brand           TEXT NOT NULL DEFAULT '',
    warranty_months INTEGER NOT NULL DEFAULT 12 CHECK (warranty_months BETWEEN 0 AND 240),
    active          INTEGER NOT NULL DEFAULT 1,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE assets (
    id            INTEGER PRIMARY KEY,
    product_id    INTEGER NOT NULL REFERENCES products(id),
    customer_id   INTEGER NOT NULL REFERENCES customers(id),
    serial_no     TEXT NOT NULL UNIQUE,
    purchased_on  TEXT,
    installed_on  TEXT,
    warranty_ends TEXT,
    address       TEXT NOT NULL DEFAULT '{}',
    lat           REAL,
    lng           REAL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX assets_customer ON assets(customer_id);

CREATE TABLE custom_fields (
    id       INTEGER PRIMARY KEY,
    key      TEXT NOT NULL UNIQUE,
    label_zh TEXT NOT NULL DEFAULT '',
    label_en TEXT NOT NULL DEFAULT '',
    type     TEXT NOT NULL CHECK (type IN ('text','number','date','bool','select')),
    options  TEXT NOT NULL DEFAULT '[]',
    required INTEGER NOT NULL DEFAULT 0,
    active   INTEGER NOT NULL DEFAULT 1
);

-- counters hands out per-month ticket numbers inside the creating transaction.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    channel           TEXT NOT NULL CHECK (channel IN ('phone','email','web','chat','social','api','import','walk_in')),
    nature            TEXT NOT NULL CHECK (nature IN ('consultation','complaint','repair','installation','return','other')),
    urgency           TEXT NOT NULL CHECK (urgency IN ('urgent','high','normal','low')),
    urgency_rank      INTEGER NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('new','accepted','diagnosing','in_service','awaiting_customer','awaiting_parts','resolved','closed','cancelled')),
    title             TEXT NOT NULL CHECK (title <> ''),
    description       TEXT NOT NULL DEFAULT '',
    occurred_at       INTEGER,
    impact            TEXT NOT NULL DEFAULT '',
    customer_id       INTEGER REFERENCES customers(id),
    category_id       INTEGER REFERENCES product_categories(id),
    product_id        INTEGER REFERENCES products(id),
    asset_id          INTEGER REFERENCES assets(id),
    service_unit_id   INTEGER REFERENCES service_units(id),
    team_id           INTEGER REFERENCES teams(id),
    assignee_id       INTEGER REFERENCES users(id),
    department_id     INTEGER REFERENCES departments(id),
    tags              TEXT NOT NULL DEFAULT '[]',
    custom            TEXT NOT NULL DEFAULT '{}',
    external_id       TEXT,
    created_by        INTEGER REFERENCES users(id),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    first_response_at INTEGER,
    accepted_at       INTEGER,
    resolved_at       INTEGER,
    closed_at         INTEGER,
    cancelled_at      INTEGER,
    status_changed_at INTEGER NOT NULL,
    reopen_count      INTEGER NOT NULL DEFAULT 0 CHECK (reopen_count >= 0),
    assign_count      INTEGER NOT NULL DEFAULT 0 CHECK (assign_count >= 0),
    version           INTEGER NOT NULL DEFAULT 1,
    CHECK (resolved_at IS NULL OR resolved_at >= created_at),
    CHECK (closed_at IS NULL OR closed_at >= created_at)
);
CREATE UNIQUE INDEX tickets_external ON tickets(external_id) WHERE external_id IS NOT NULL;
CREATE INDEX tickets_created ON tickets(created_at, id);
CREATE INDEX tickets_updated ON tickets(updated_at, id);
CREATE INDEX tickets_urgency ON tickets(urgency_rank, id);
CREATE INDEX tickets_status_created ON tickets(status, created_at);
CREATE INDEX tickets_customer ON tickets(customer_id, created_at);
CREATE INDEX tickets_assignee ON tickets(assignee_id, status);
CREATE INDEX tickets_team ON tickets(team_id, status);
CREATE INDEX tickets_asset ON tickets(asset_id);
CREATE INDEX tickets_category ON tickets(category_id, created_at);

CREATE TABLE ticket_tags (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (tag, ticket_id)
);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    sha256       TEXT NOT NULL,
    path         TEXT NOT NULL UNIQUE,
    uploaded_by  INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL
);
CREATE INDEX attachments_ticket ON attachments(ticket_id);

-- The timeline: every change to a ticket, immutable.
CREATE TABLE ticket_events (
    id            INTEGER PRIMARY KEY,
    ticket_id     INTEGER NOT NULL REFERENCES tickets(id),
    at            INTEGER NOT NULL,
    actor_id      INTEGER REFERENCES users(id),
    kind          TEXT NOT NULL CHECK (kind IN ('created','field_changed','status_changed','assigned','reply','note','attachment','sla_changed','sla_warning','sla_escalation','automation','customer_message')),
    field         TEXT NOT NULL DEFAULT '',
    from_value    TEXT NOT NULL DEFAULT '',
    to_value      TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL DEFAULT '',
    public        INTEGER NOT NULL DEFAULT 0,
    channel       TEXT NOT NULL DEFAULT '',
    attachment_id INTEGER REFERENCES attachments(id)
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);
CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END;
CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END;

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   INTEGER REFERENCES users(id),
    actor      TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  INTEGER NOT NULL DEFAULT 0,
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Idempotency-Key: a retried POST replays the first answer.
CREATE TABLE idempotency_keys (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    method     TEXT NOT NULL,
    path       TEXT NOT NULL,
    body_hash  TEXT NOT NULL,
    status     INTEGER NOT NULL DEFAULT 0,
    response   BLOB,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- demo_runs records that a demo data set was generated (idempotent --demo).
CREATE TABLE demo_runs (
    name       TEXT PRIMARY KEY,
    seed       INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
