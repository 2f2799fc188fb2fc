-- Field service and spare parts (issue #19): the parts catalog, stock
-- locations, an append-only stock ledger with balances that cannot go
-- negative, reservations, visits with their history, and technicians'
-- profiles and calendars.

CREATE TABLE parts (
    id         INTEGER PRIMARY KEY,
    number     TEXT NOT NULL UNIQUE,
    name_zh    TEXT NOT NULL DEFAULT '',
    name_en    TEXT NOT NULL DEFAULT '',
    unit_cost  INTEGER NOT NULL CHECK (unit_cost >= 0),
    price      INTEGER NOT NULL CHECK (price >= 0),
    active     INTEGER NOT NULL DEFAULT 1,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (name_zh <> '' OR name_en <> '')
);

-- The product models a part fits.
CREATE TABLE part_models (
    part_id INTEGER NOT NULL REFERENCES parts(id),
    model   TEXT NOT NULL,
    PRIMARY KEY (part_id, model)
);
CREATE INDEX part_models_model ON part_models(model);

CREATE TABLE stock_locations (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('warehouse','service_point','van')),
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    service_unit_id INTEGER REFERENCES service_units(id),
    technician_id   INTEGER REFERENCES users(id),
    active          INTEGER NOT NULL DEFAULT 1,
    version         INTEGER NOT NULL DEFAULT 1,
    CHECK ((kind = 'service_point') = (service_unit_id IS NOT NULL)),
    CHECK ((kind = 'van') = (technician_id IS NOT NULL))
);

-- A location's balance of a part: the sum of its ledger, kept with each
-- movement. The checks are the last line of "never negative".
CREATE TABLE stock_balances (
    part_id       INTEGER NOT NULL REFERENCES parts(id),
    location_id   INTEGER NOT NULL REFERENCES stock_locations(id),
    on_hand       INTEGER NOT NULL DEFAULT 0,
    reserved      INTEGER NOT NULL DEFAULT 0,
    reorder_point INTEGER NOT NULL DEFAULT 0,
    order_up_to   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (part_id, location_id),
    CHECK (on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand),
    CHECK (reorder_point >= 0 AND (order_up_to = 0 AND reorder_point = 0 OR order_up_to > reorder_point))
);
CREATE INDEX stock_balances_location ON stock_balances(location_id);

CREATE TABLE visits (
    id             INTEGER PRIMARY KEY,
    ticket_id      INTEGER NOT NULL REFERENCES tickets(id),
    number         INTEGER NOT NULL CHECK (number > 0),
    window_start   INTEGER NOT NULL,
    window_end     INTEGER NOT NULL,
    duration_min   INTEGER NOT NULL CHECK (duration_min > 0),
    skills         TEXT NOT NULL DEFAULT '[]',
    technician_id  INTEGER REFERENCES users(id),
    status         TEXT NOT NULL CHECK (status IN ('scheduled','en_route','checked_in','completed','cancelled')),
    checked_in_at  INTEGER,
    checked_out_at INTEGER,
    checkin_lat    REAL,
    checkin_lng    REAL,
    checkout_lat   REAL,
    checkout_lng   REAL,
    outcome        TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('','fixed','needs_parts','needs_visit','customer_absent','cannot_fix')),
    note           TEXT NOT NULL DEFAULT '',
    created_by     INTEGER REFERENCES users(id),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    UNIQUE (ticket_id, number),
    CHECK (window_end > window_start),
    CHECK ((status = 'completed') = (outcome <> '')),
    CHECK (checked_out_at IS NULL OR checked_in_at IS NOT NULL AND checked_out_at >= checked_in_at)
);
CREATE INDEX visits_technician ON visits(technician_id, window_start);
CREATE INDEX visits_window ON visits(window_start);
CREATE TRIGGER kpi_visit_insert AFTER INSERT ON visits
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_visit_update AFTER UPDATE ON visits
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;

-- A visit's history: created, rescheduled, assigned, each status change.
CREATE TABLE visit_events (
    id         INTEGER PRIMARY KEY,
    visit_id   INTEGER NOT NULL REFERENCES visits(id),
    at         INTEGER NOT NULL,
    actor_id   INTEGER REFERENCES users(id),
    kind       TEXT NOT NULL,
    from_value TEXT NOT NULL DEFAULT '',
    to_value   TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX visit_events_visit ON visit_events(visit_id);
CREATE TRIGGER visit_events_append_only BEFORE UPDATE ON visit_events
BEGIN SELECT RAISE(ABORT, 'visit_events is append-only'); END;
CREATE TRIGGER visit_events_no_delete BEFORE DELETE ON visit_events
BEGIN SELECT RAISE(ABORT, 'visit_events is append-only'); END;

-- Parts held at a location for a ticket (and the visit that brings them).
-- A waiting reservation holds nothing yet: the part was missing, and the
-- parts wait runs from created_at to filled_at.
CREATE TABLE stock_reservations (
    id          INTEGER PRIMARY KEY,
    part_id     INTEGER NOT NULL REFERENCES parts(id),
    location_id INTEGER NOT NULL REFERENCES stock_locations(id),
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    visit_id    INTEGER REFERENCES visits(id),
    qty         INTEGER NOT NULL CHECK (qty > 0),
    status      TEXT NOT NULL CHECK (status IN ('waiting','held','released','consumed')),
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    filled_at   INTEGER,
    closed_at   INTEGER,
    CHECK ((status IN ('released','consumed')) = (closed_at IS NOT NULL)),
    CHECK (status <> 'held' OR filled_at IS NOT NULL)
);
CREATE INDEX stock_reservations_ticket ON stock_reservations(ticket_id);
CREATE INDEX stock_reservations_waiting ON stock_reservations(part_id, location_id, created_at) WHERE status = 'waiting';
CREATE INDEX stock_reservations_visit ON stock_reservations(visit_id) WHERE visit_id IS NOT NULL;

-- The stock ledger: one line per change of a balance, never edited or
-- deleted. A transfer is two lines; the arriving one names the leaving
-- one as its peer.
CREATE TABLE stock_movements (
    id             INTEGER PRIMARY KEY,
    part_id        INTEGER NOT NULL REFERENCES parts(id),
    location_id    INTEGER NOT NULL REFERENCES stock_locations(id),
    kind           TEXT NOT NULL CHECK (kind IN ('receipt','transfer_out','transfer_in','reserve','release','consume','return','adjust')),
    on_hand        INTEGER NOT NULL,
    reserved       INTEGER NOT NULL,
    on_hand_after  INTEGER NOT NULL CHECK (on_hand_after >= 0),
    reserved_after INTEGER NOT NULL CHECK (reserved_after >= 0 AND reserved_after <= on_hand_after),
    peer_id        INTEGER REFERENCES stock_movements(id),
    reservation_id INTEGER REFERENCES stock_reservations(id),
    ticket_id      INTEGER REFERENCES tickets(id),
    reason         TEXT NOT NULL DEFAULT '',
    actor_id       INTEGER REFERENCES users(id),
    at             INTEGER NOT NULL,
    CHECK (kind <> 'adjust' OR reason <> ''),
    CHECK (on_hand <> 0 OR reserved <> 0)
);
CREATE INDEX stock_movements_balance ON stock_movements(part_id, location_id, id);
CREATE INDEX stock_movements_ticket ON stock_movements(ticket_id) WHERE ticket_id IS NOT NULL;
CREATE TRIGGER stock_movements_append_only BEFORE UPDATE ON stock_movements
BEGIN SELECT RAISE(ABORT, 'stock_movements is append-only'); END;
CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
BEGIN SELECT RAISE(ABORT, 'stock_movements is append-only'); END;

-- A technician's field profile on top of the user: where the day starts,
-- how much fits in it.
CREATE TABLE technician_profiles (
    user_id          INTEGER PRIMARY KEY REFERENCES users(id),
    service_unit_id  INTEGER REFERENCES service_units(id),
    home_lat         REAL,
    home_lng         REAL,
    capacity_visits  INTEGER NOT NULL DEFAULT 0 CHECK (capacity_visits >= 0),
    capacity_minutes INTEGER NOT NULL DEFAULT 0 CHECK (capacity_minutes >= 0),
    version          INTEGER NOT NULL DEFAULT 1,
    updated_at       INTEGER NOT NULL,
    CHECK ((home_lat IS NULL) = (home_lng IS NULL))
);

CREATE TABLE technician_certs (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    expires_on TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, code)
);

-- Working hours per weekday (0 = Sunday) in minutes after local midnight.
CREATE TABLE technician_shifts (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    weekday   INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_min INTEGER NOT NULL CHECK (start_min >= 0),
    end_min   INTEGER NOT NULL CHECK (end_min <= 1440),
    PRIMARY KEY (user_id, weekday, start_min),
    CHECK (end_min > start_min)
);

CREATE TABLE technician_leave (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users(id),
    starts_at INTEGER NOT NULL,
    ends_at   INTEGER NOT NULL,
    reason    TEXT NOT NULL DEFAULT '',
    CHECK (ends_at > starts_at)
);
CREATE INDEX technician_leave_user ON technician_leave(user_id, starts_at);

-- Field KPIs (first_time_fix, window_on_time): the first completed visit
-- of a ticket and whether it fixed the fault, on its check-out day; the
-- visits checked in and those within their promised window, on the
-- check-in day.
ALTER TABLE kpi_daily ADD COLUMN visited INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN first_fixed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN window_arrivals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN window_on_time INTEGER NOT NULL DEFAULT 0;
