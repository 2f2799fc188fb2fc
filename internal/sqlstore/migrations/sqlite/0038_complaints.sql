-- Complaints closed with the customer (issue #20). A complaint ticket
-- gets a closure record: its severity, the root cause (a code of the
-- improvement taxonomy), the customer's confirmation and the documented
-- attempts to reach them. Every closure is kept (a rejected closure
-- reopens the ticket), and the complaint KPIs count from those records.

CREATE TABLE complaint_targets (
    severity   TEXT PRIMARY KEY CHECK (severity IN ('minor','major','critical')),
    hours      INTEGER NOT NULL CHECK (hours BETWEEN 1 AND 8760),
    updated_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO complaint_targets (severity, hours) VALUES ('minor', 168), ('major', 72), ('critical', 24);

CREATE TABLE complaints (
    ticket_id    INTEGER PRIMARY KEY REFERENCES tickets(id),
    severity     TEXT CHECK (severity IN ('minor','major','critical')),
    root_cause   TEXT REFERENCES root_cause_codes(code),
    confirm      TEXT NOT NULL DEFAULT 'pending' CHECK (confirm IN ('pending','confirmed','rejected')),
    confirm_note TEXT NOT NULL DEFAULT '',
    confirmed_at INTEGER,
    rejections   INTEGER NOT NULL DEFAULT 0 CHECK (rejections >= 0),
    -- Attempts belong to a round; a rejection starts the next one, so
    -- the attempts before it do not count for the next closure.
    round        INTEGER NOT NULL DEFAULT 1,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    CHECK ((confirm = 'confirmed') = (confirmed_at IS NOT NULL))
);
CREATE INDEX complaints_severity ON complaints(severity);

CREATE TABLE complaint_attempts (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES complaints(ticket_id),
    round     INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    channel   TEXT NOT NULL CHECK (channel IN ('phone','sms','wechat','email','visit')),
    result    TEXT NOT NULL CHECK (result IN ('reached','no_answer','busy','wrong_number','call_back','refused')),
    note      TEXT NOT NULL DEFAULT '',
    by_id     INTEGER REFERENCES users(id)
);
CREATE INDEX complaint_attempts_ticket ON complaint_attempts(ticket_id, round, at);

CREATE TABLE complaint_closures (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    closed_at  INTEGER NOT NULL,
    basis      TEXT NOT NULL CHECK (basis IN ('confirmed','unreachable')),
    severity   TEXT NOT NULL CHECK (severity IN ('minor','major','critical')),
    root_cause TEXT NOT NULL REFERENCES root_cause_codes(code),
    due_at     INTEGER NOT NULL,
    on_time    INTEGER NOT NULL CHECK (on_time IN (0, 1))
);
CREATE INDEX complaint_closures_ticket ON complaint_closures(ticket_id, closed_at);
CREATE INDEX complaint_closures_at ON complaint_closures(closed_at);

-- The closure records and CES answers feed rollup measures: their change
-- marks the ticket for the next refresh.
CREATE TRIGGER kpi_complaint_insert AFTER INSERT ON complaints
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_complaint_update AFTER UPDATE ON complaints
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_complaint_closure AFTER INSERT ON complaint_closures
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_survey_response_insert AFTER INSERT ON survey_responses
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_survey_response_update AFTER UPDATE ON survey_responses
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;

ALTER TABLE kpi_daily ADD COLUMN cmp_closed_cust INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN cmp_closed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN cmp_on_time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN cmp_closed_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN cmp_closed_major INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN cmp_closed_critical INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN cmp_on_time_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN cmp_on_time_major INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN cmp_on_time_critical INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN cmp_repeat INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN ces_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN ces_sum INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN ces_low INTEGER NOT NULL DEFAULT 0;
