-- Warranty claims (issue #5): a repair or return ticket on an asset whose
-- warranty covers the day the ticket was created, counted on that day.
ALTER TABLE kpi_daily ADD COLUMN warranty_claims INTEGER NOT NULL DEFAULT 0;

-- A changed warranty changes its asset's tickets' claims.
CREATE TRIGGER kpi_asset_warranty AFTER UPDATE OF warranty_ends ON assets
BEGIN INSERT INTO kpi_dirty(ticket_id) SELECT id FROM tickets WHERE asset_id = NEW.id ON CONFLICT DO NOTHING; END;

-- Existing tickets are folded in again by the next refresh.
INSERT INTO kpi_dirty(ticket_id) SELECT id FROM tickets WHERE asset_id IS NOT NULL ON CONFLICT DO NOTHING;
