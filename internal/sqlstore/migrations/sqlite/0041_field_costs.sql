-- Field service standards, automatic costs and field KPIs (issue #19):
-- admin-defined service checklists and what each completed visit ticked,
-- the labour and travel rates that turn visits into cost lines, the
-- billable items of out-of-warranty work, and the rollup columns of
-- the field KPIs.

-- A service checklist applies to the tickets of one product category
-- and/or nature; 0 / '' mean any. The most specific one applies.
CREATE TABLE service_checklists (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (name <> ''),
    category_id INTEGER REFERENCES product_categories(id),
    nature      TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX service_checklists_scope ON service_checklists (COALESCE(category_id, 0), nature);

CREATE TABLE checklist_items (
    checklist_id INTEGER NOT NULL REFERENCES service_checklists(id),
    pos          INTEGER NOT NULL CHECK (pos > 0),
    label        TEXT NOT NULL CHECK (label <> ''),
    required     INTEGER NOT NULL,
    PRIMARY KEY (checklist_id, pos)
);

-- The checklist as the technician saw it when completing the visit, so
-- later edits of the checklist do not rewrite history.
CREATE TABLE visit_checks (
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    pos      INTEGER NOT NULL CHECK (pos > 0),
    label    TEXT NOT NULL,
    required INTEGER NOT NULL,
    done     INTEGER NOT NULL,
    PRIMARY KEY (visit_id, pos)
);

-- Labour (per hour on site) and travel (per km) rates in minor units,
-- for one region (a top-level service unit) or, with no region, for all.
CREATE TABLE field_rates (
    id              INTEGER PRIMARY KEY,
    region_id       INTEGER REFERENCES service_units(id),
    labour_per_hour INTEGER NOT NULL CHECK (labour_per_hour >= 0),
    travel_per_km   INTEGER NOT NULL CHECK (travel_per_km >= 0),
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX field_rates_region ON field_rates (COALESCE(region_id, 0));

-- The planned road distance of the leg to a visit, in metres, kept when
-- the visit is completed (travel cost and travel per visit); NULL when
-- the route had no leg for it.
ALTER TABLE visits ADD COLUMN travel_m INTEGER;

-- Cost lines written by the system name their source (visit:7:labour,
-- reservation:12), so repeating the step never adds a second line.
ALTER TABLE ticket_costs ADD COLUMN source TEXT;
CREATE UNIQUE INDEX ticket_costs_source ON ticket_costs (source) WHERE source IS NOT NULL AND voided_at IS NULL;

-- What the customer pays for out-of-warranty work, one line per source.
CREATE TABLE ticket_billables (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    source      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('parts','labour')),
    description TEXT NOT NULL DEFAULT '',
    qty         INTEGER NOT NULL CHECK (qty > 0),
    unit_price  INTEGER NOT NULL CHECK (unit_price >= 0),
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    created_at  INTEGER NOT NULL
);
CREATE INDEX ticket_billables_ticket ON ticket_billables(ticket_id);

-- Reservations feed the stock-out rate and the parts wait: waited says
-- the reservation could not be served from stock when it was made.
ALTER TABLE stock_reservations ADD COLUMN waited INTEGER NOT NULL DEFAULT 0;
UPDATE stock_reservations SET waited = 1 WHERE filled_at IS NULL OR filled_at > created_at;
CREATE TRIGGER kpi_reservation_insert AFTER INSERT ON stock_reservations
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_reservation_update AFTER UPDATE ON stock_reservations
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;

ALTER TABLE kpi_daily ADD COLUMN std_visits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN std_compliant INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN field_resolved INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN field_visits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN travel_visits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN travel_m INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN reservations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN stock_outs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN parts_waited INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN parts_wait_sum INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN h_parts_wait BLOB;

INSERT INTO kpi_dirty (ticket_id) SELECT DISTINCT ticket_id FROM visits WHERE true ON CONFLICT DO NOTHING;
INSERT INTO kpi_dirty (ticket_id) SELECT DISTINCT ticket_id FROM stock_reservations WHERE true ON CONFLICT DO NOTHING;
