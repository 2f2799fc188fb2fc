-- The planned route of each technician's day (issue #19): one row per
-- booked visit of the day, rewritten whenever a visit of that day is
-- added, moved, reassigned or cancelled. seq 0 with a reason is a visit
-- the route leaves out.
CREATE TABLE visit_plans (
    visit_id      BIGINT PRIMARY KEY REFERENCES visits(id),
    technician_id BIGINT NOT NULL REFERENCES users(id),
    day           TEXT NOT NULL,
    seq           BIGINT NOT NULL CHECK (seq >= 0),
    arrive_at     BIGINT,
    start_at      BIGINT,
    finish_at     BIGINT,
    wait_min      BIGINT NOT NULL DEFAULT 0,
    slack_min     BIGINT NOT NULL DEFAULT 0,
    travel_km     DOUBLE PRECISION NOT NULL DEFAULT 0,
    travel_min    BIGINT NOT NULL DEFAULT 0,
    reason        TEXT NOT NULL DEFAULT '' CHECK (reason IN ('','no_position','no_shift','window','no_room')),
    planned_at    BIGINT NOT NULL,
    CHECK ((seq = 0) = (reason <> ''))
);
CREATE INDEX visit_plans_day ON visit_plans (technician_id, day, seq);

-- The technician's work report, written when the visit is completed.
CREATE TABLE visit_reports (
    visit_id     BIGINT PRIMARY KEY REFERENCES visits(id),
    diagnosis    TEXT NOT NULL DEFAULT '',
    work_done    TEXT NOT NULL DEFAULT '',
    confirmed_by TEXT NOT NULL DEFAULT '',
    created_by   BIGINT REFERENCES users(id),
    created_at   BIGINT NOT NULL
);
