-- A technician's day in a supervisor's order (issue #19): a pinned
-- visit's place in its technician's day. When any visit of a day has a
-- pin the route planner keeps that order and only times the day; a
-- visit moved to another day or technician loses its pin.
ALTER TABLE visits ADD COLUMN route_pin INTEGER CHECK (route_pin > 0);
-- How many minutes after its window's end a visit of a day in manual
-- order would start (0: on time).
ALTER TABLE visit_plans ADD COLUMN late_min INTEGER NOT NULL DEFAULT 0 CHECK (late_min >= 0);
