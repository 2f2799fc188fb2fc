-- A dirty mark is locked by the write that sets it (issue #18). With ON
-- CONFLICT DO NOTHING a write whose ticket (or visit) was already marked
-- left the mark untouched and unlocked: a rollup refresh could read the
-- ticket before that write committed, then delete the mark, and the
-- change waited for the daily recompute. ON CONFLICT DO UPDATE ... WHERE
-- false writes nothing but locks the existing mark until the write
-- commits; the refresh and the rebuild's hold claim marks with FOR UPDATE
-- SKIP LOCKED, so they pass over a mark whose write is still open (it
-- stays queued for the next refresh) and never wait for a write, which
-- could otherwise deadlock with one that marks several tickets. A write
-- that finds its mark claimed by a refresh waits for that refresh (one
-- short batch) and then marks the ticket again.
--
-- SQLite needs nothing: a refresh is one transaction of the one writer,
-- so no write commits between its reads and its deletes.
CREATE OR REPLACE FUNCTION kpi_mark_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.id)
        ON CONFLICT (ticket_id) DO UPDATE SET ticket_id = excluded.ticket_id WHERE false;
    RETURN NULL;
END;
$$;
CREATE OR REPLACE FUNCTION kpi_mark_ticket_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id)
        ON CONFLICT (ticket_id) DO UPDATE SET ticket_id = excluded.ticket_id WHERE false;
    RETURN NULL;
END;
$$;
CREATE OR REPLACE FUNCTION kpi_mark_asset_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.warranty_ends IS DISTINCT FROM OLD.warranty_ends THEN
        INSERT INTO kpi_dirty(ticket_id) SELECT id FROM tickets WHERE asset_id = NEW.id
            ON CONFLICT (ticket_id) DO UPDATE SET ticket_id = excluded.ticket_id WHERE false;
    END IF;
    RETURN NULL;
END;
$$;
CREATE OR REPLACE FUNCTION util_mark_visit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO util_dirty(visit_id) VALUES (OLD.id)
            ON CONFLICT (visit_id) DO UPDATE SET visit_id = excluded.visit_id WHERE false;
    ELSE
        INSERT INTO util_dirty(visit_id) VALUES (NEW.id)
            ON CONFLICT (visit_id) DO UPDATE SET visit_id = excluded.visit_id WHERE false;
    END IF;
    RETURN NULL;
END;
$$;
