-- KPI rollups (issue #5). Dashboards read kpi_daily, never tickets.
-- Every write to a ticket, its SLA state or its follow-up answer marks the
-- ticket dirty (triggers below, so no write path can forget); the rollup
-- job withdraws the ticket's previous contribution (kpi_facts) and adds
-- the new one. analytics.MeasureNames lists the measure columns.

CREATE TABLE kpi_dirty (
    ticket_id INTEGER PRIMARY KEY
);

CREATE TABLE kpi_facts (
    ticket_id INTEGER PRIMARY KEY,
    fact      BLOB NOT NULL
);

-- One row per local day and dimension value; dim = '' and val = '' is the
-- all-tickets row. Histograms are analytics.Hist encodings.
CREATE TABLE kpi_daily (
    dim   TEXT NOT NULL,
    val   TEXT NOT NULL,
    day   INTEGER NOT NULL,
    created                  INTEGER NOT NULL DEFAULT 0,
    complaints               INTEGER NOT NULL DEFAULT 0,
    responded                INTEGER NOT NULL DEFAULT 0,
    frt_sum                  INTEGER NOT NULL DEFAULT 0,
    accepted                 INTEGER NOT NULL DEFAULT 0,
    tta_sum                  INTEGER NOT NULL DEFAULT 0,
    reassigned               INTEGER NOT NULL DEFAULT 0,
    resolved_of_created      INTEGER NOT NULL DEFAULT 0,
    complaint_timely         INTEGER NOT NULL DEFAULT 0,
    complaint_closed         INTEGER NOT NULL DEFAULT 0,
    with_asset               INTEGER NOT NULL DEFAULT 0,
    repeat_30d               INTEGER NOT NULL DEFAULT 0,
    open_now                 INTEGER NOT NULL DEFAULT 0,
    fr_sla                   INTEGER NOT NULL DEFAULT 0,
    fr_sla_met               INTEGER NOT NULL DEFAULT 0,
    resolved                 INTEGER NOT NULL DEFAULT 0,
    res_sum                  INTEGER NOT NULL DEFAULT 0,
    fcr                      INTEGER NOT NULL DEFAULT 0,
    reopened                 INTEGER NOT NULL DEFAULT 0,
    res_sla                  INTEGER NOT NULL DEFAULT 0,
    res_sla_met              INTEGER NOT NULL DEFAULT 0,
    feedback                 INTEGER NOT NULL DEFAULT 0,
    csat_n                   INTEGER NOT NULL DEFAULT 0,
    csat_sum                 INTEGER NOT NULL DEFAULT 0,
    csat_top2                INTEGER NOT NULL DEFAULT 0,
    nps_n                    INTEGER NOT NULL DEFAULT 0,
    nps_promoters            INTEGER NOT NULL DEFAULT 0,
    nps_detractors           INTEGER NOT NULL DEFAULT 0,
    complaint_csat_n         INTEGER NOT NULL DEFAULT 0,
    complaint_csat_sum       INTEGER NOT NULL DEFAULT 0,
    done                     INTEGER NOT NULL DEFAULT 0,
    cancelled                INTEGER NOT NULL DEFAULT 0,
    arrived                  INTEGER NOT NULL DEFAULT 0,
    arr_sum                  INTEGER NOT NULL DEFAULT 0,
    arr_sla                  INTEGER NOT NULL DEFAULT 0,
    arr_sla_met              INTEGER NOT NULL DEFAULT 0,
    st_new_sum               INTEGER NOT NULL DEFAULT 0,
    st_accepted_sum          INTEGER NOT NULL DEFAULT 0,
    st_diagnosing_sum        INTEGER NOT NULL DEFAULT 0,
    st_in_service_sum        INTEGER NOT NULL DEFAULT 0,
    st_awaiting_customer_sum INTEGER NOT NULL DEFAULT 0,
    st_awaiting_parts_sum    INTEGER NOT NULL DEFAULT 0,
    st_resolved_sum          INTEGER NOT NULL DEFAULT 0,
    st_new_n                 INTEGER NOT NULL DEFAULT 0,
    st_accepted_n            INTEGER NOT NULL DEFAULT 0,
    st_diagnosing_n          INTEGER NOT NULL DEFAULT 0,
    st_in_service_n          INTEGER NOT NULL DEFAULT 0,
    st_awaiting_customer_n   INTEGER NOT NULL DEFAULT 0,
    st_awaiting_parts_n      INTEGER NOT NULL DEFAULT 0,
    st_resolved_n            INTEGER NOT NULL DEFAULT 0,
    reassign_hops            INTEGER NOT NULL DEFAULT 0,
    h_frt BLOB,
    h_tta BLOB,
    h_res BLOB,
    h_arr BLOB,
    PRIMARY KEY (dim, val, day)
) WITHOUT ROWID;

-- Grouping by a dimension reads one dimension over a range of days.
CREATE INDEX kpi_daily_dim_day ON kpi_daily(dim, day);

-- Follow-up visit / survey answers (回访): the latest answer per ticket counts.
CREATE TABLE ticket_feedback (
    ticket_id   INTEGER PRIMARY KEY REFERENCES tickets(id),
    csat        INTEGER CHECK (csat BETWEEN 1 AND 5),
    nps         INTEGER CHECK (nps BETWEEN 0 AND 10),
    comment     TEXT NOT NULL DEFAULT '',
    channel     TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users(id),
    at          INTEGER NOT NULL,
    CHECK (csat IS NOT NULL OR nps IS NOT NULL)
);

CREATE TRIGGER kpi_ticket_insert AFTER INSERT ON tickets
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_ticket_update AFTER UPDATE ON tickets
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_sla_insert AFTER INSERT ON ticket_sla
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_sla_update AFTER UPDATE ON ticket_sla
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_feedback_insert AFTER INSERT ON ticket_feedback
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
CREATE TRIGGER kpi_feedback_update AFTER UPDATE ON ticket_feedback
BEGIN INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING; END;
