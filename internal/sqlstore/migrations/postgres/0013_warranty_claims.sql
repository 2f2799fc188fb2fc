-- Warranty claims (issue #5): a repair or return ticket on an asset whose
-- warranty covers the day the ticket was created, counted on that day.
ALTER TABLE kpi_daily ADD COLUMN warranty_claims BIGINT NOT NULL DEFAULT 0;

-- A changed warranty changes its asset's tickets' claims.
CREATE FUNCTION kpi_mark_asset_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.warranty_ends IS DISTINCT FROM OLD.warranty_ends THEN
        INSERT INTO kpi_dirty(ticket_id) SELECT id FROM tickets WHERE asset_id = NEW.id ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER kpi_asset_warranty AFTER UPDATE ON assets
FOR EACH ROW EXECUTE FUNCTION kpi_mark_asset_tickets();

-- Existing tickets are folded in again by the next refresh.
INSERT INTO kpi_dirty(ticket_id) SELECT id FROM tickets WHERE asset_id IS NOT NULL ON CONFLICT DO NOTHING;
