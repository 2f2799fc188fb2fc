-- Service costs and sales revenue (issue #5): the cost per ticket and the
-- after-sales cost ratio (methods.md §1.4).

-- One cost borne for a ticket, in the currency's minor unit (fen). Lines
-- are voided with a reason, never edited or deleted.
CREATE TABLE ticket_costs (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    kind        TEXT NOT NULL CHECK (kind IN ('labour','travel','parts','goodwill','other')),
    description TEXT NOT NULL DEFAULT '',
    amount      INTEGER NOT NULL CHECK (amount > 0),
    incurred_on TEXT NOT NULL CHECK (length(incurred_on) = 10),
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    voided_at   INTEGER,
    voided_by   INTEGER REFERENCES users(id),
    void_reason TEXT NOT NULL DEFAULT '',
    CHECK ((voided_at IS NULL) = (void_reason = ''))
);
CREATE INDEX ticket_costs_ticket ON ticket_costs(ticket_id);
CREATE TRIGGER ticket_costs_no_delete BEFORE DELETE ON ticket_costs
BEGIN SELECT RAISE(ABORT, 'ticket_costs lines are voided, not deleted'); END;
CREATE TRIGGER ticket_costs_void_only BEFORE UPDATE ON ticket_costs
WHEN OLD.voided_at IS NOT NULL OR NEW.voided_at IS NULL OR NEW.ticket_id <> OLD.ticket_id OR NEW.kind <> OLD.kind
    OR NEW.amount <> OLD.amount OR NEW.incurred_on <> OLD.incurred_on OR NEW.description <> OLD.description
BEGIN SELECT RAISE(ABORT, 'ticket_costs lines can only be voided, once'); END;
CREATE TRIGGER kpi_cost_insert AFTER INSERT ON ticket_costs
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_cost_update AFTER UPDATE ON ticket_costs
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;

-- Costs by the day they arose (cost, cost_lines), and each resolved
-- ticket's whole cost on its resolution day (cost_resolved).
ALTER TABLE kpi_daily ADD COLUMN cost_lines INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN cost INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN cost_resolved INTEGER NOT NULL DEFAULT 0;

-- Sales revenue of a month, for the whole company (dim '') or one
-- category, product or region (val is its id).
CREATE TABLE sales_revenue (
    month      TEXT NOT NULL CHECK (length(month) = 7),
    dim        TEXT NOT NULL CHECK (dim IN ('', 'category', 'product', 'region')),
    val        TEXT NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount > 0),
    note       TEXT NOT NULL DEFAULT '',
    updated_by INTEGER REFERENCES users(id),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (dim, val, month),
    CHECK ((dim = '') = (val = ''))
) WITHOUT ROWID;
