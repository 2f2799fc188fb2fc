-- Technician utilisation reads the visits of a range by their window or
-- their check-in (issue #18). Without an index on the check-in, the OR
-- read every visit, twice per dashboard render.
CREATE INDEX visits_checked_in ON visits(checked_in_at);
