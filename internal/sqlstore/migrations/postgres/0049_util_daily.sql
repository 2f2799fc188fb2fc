-- technician_utilisation's rollup (issue #18): booked visit minutes per
-- technician and local day, so the dashboard reads a range of days
-- instead of every visit. Triggers mark every changed visit in
-- util_dirty (no write path can forget); the rollup job withdraws the
-- visit's previous contribution (util_facts) and adds the new one, as
-- kpi_dirty and kpi_facts do for tickets. A read adds the pending
-- visits' corrections itself, so it never waits for the job. Shift
-- minutes are not stored: they follow from the technician's calendar
-- (weekly shifts less leave) for any day, past or future, and a changed
-- calendar changes every day at once.

CREATE TABLE util_dirty (
    visit_id BIGINT PRIMARY KEY
);

-- A visit's contribution: the technician, local day and minutes it
-- booked when it was last folded in; no row when it booked nothing.
CREATE TABLE util_facts (
    visit_id      BIGINT PRIMARY KEY,
    technician_id BIGINT NOT NULL,
    day           INTEGER NOT NULL,
    booked        BIGINT NOT NULL
);

-- visits counts the contributions, so a row that loses its last one
-- goes away. Keyed by technician first: a read asks for the active
-- technicians' range of days (other users' visits, an assignee's, are
-- kept but never read).
CREATE TABLE util_daily (
    day           INTEGER NOT NULL,
    technician_id BIGINT NOT NULL,
    booked        BIGINT NOT NULL,
    visits        BIGINT NOT NULL,
    PRIMARY KEY (technician_id, day)
);

CREATE FUNCTION util_mark_visit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO util_dirty(visit_id) VALUES (OLD.id) ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO util_dirty(visit_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;
-- What a visit books: its technician, status, window start, estimate,
-- check-in and check-out (field.BookedOn).
CREATE TRIGGER util_visit AFTER INSERT OR DELETE OR UPDATE OF technician_id, status, window_start, duration_min, checked_in_at, checked_out_at ON visits
FOR EACH ROW EXECUTE FUNCTION util_mark_visit();

-- Visits that exist already are folded in by the first refresh.
INSERT INTO util_dirty(visit_id) SELECT id FROM visits;
