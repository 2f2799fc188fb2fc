-- KPI rollups (issue #5). Dashboards read kpi_daily, never tickets.
-- Every write to a ticket, its SLA state or its follow-up answer marks the
-- ticket dirty (triggers below, so no write path can forget); the rollup
-- job withdraws the ticket's previous contribution (kpi_facts) and adds
-- the new one. analytics.MeasureNames lists the measure columns.

CREATE TABLE kpi_dirty (
    ticket_id BIGINT PRIMARY KEY
);

CREATE TABLE kpi_facts (
    ticket_id BIGINT PRIMARY KEY,
    fact      BYTEA NOT NULL
);

-- One row per local day and dimension value; dim = '' and val = '' is the
-- all-tickets row. Histograms are analytics.Hist encodings.
CREATE TABLE kpi_daily (
    dim   TEXT NOT NULL,
    val   TEXT NOT NULL,
    day   BIGINT NOT NULL,
    created                  BIGINT NOT NULL DEFAULT 0,
    complaints               BIGINT NOT NULL DEFAULT 0,
    responded                BIGINT NOT NULL DEFAULT 0,
    frt_sum                  BIGINT NOT NULL DEFAULT 0,
    accepted                 BIGINT NOT NULL DEFAULT 0,
    tta_sum                  BIGINT NOT NULL DEFAULT 0,
    reassigned               BIGINT NOT NULL DEFAULT 0,
    resolved_of_created      BIGINT NOT NULL DEFAULT 0,
    complaint_timely         BIGINT NOT NULL DEFAULT 0,
    complaint_closed         BIGINT NOT NULL DEFAULT 0,
    with_asset               BIGINT NOT NULL DEFAULT 0,
    repeat_30d               BIGINT NOT NULL DEFAULT 0,
    open_now                 BIGINT NOT NULL DEFAULT 0,
    fr_sla                   BIGINT NOT NULL DEFAULT 0,
    fr_sla_met               BIGINT NOT NULL DEFAULT 0,
    resolved                 BIGINT NOT NULL DEFAULT 0,
    res_sum                  BIGINT NOT NULL DEFAULT 0,
    fcr                      BIGINT NOT NULL DEFAULT 0,
    reopened                 BIGINT NOT NULL DEFAULT 0,
    res_sla                  BIGINT NOT NULL DEFAULT 0,
    res_sla_met              BIGINT NOT NULL DEFAULT 0,
    feedback                 BIGINT NOT NULL DEFAULT 0,
    csat_n                   BIGINT NOT NULL DEFAULT 0,
    csat_sum                 BIGINT NOT NULL DEFAULT 0,
    csat_top2                BIGINT NOT NULL DEFAULT 0,
    nps_n                    BIGINT NOT NULL DEFAULT 0,
    nps_promoters            BIGINT NOT NULL DEFAULT 0,
    nps_detractors           BIGINT NOT NULL DEFAULT 0,
    complaint_csat_n         BIGINT NOT NULL DEFAULT 0,
    complaint_csat_sum       BIGINT NOT NULL DEFAULT 0,
    done                     BIGINT NOT NULL DEFAULT 0,
    cancelled                BIGINT NOT NULL DEFAULT 0,
    arrived                  BIGINT NOT NULL DEFAULT 0,
    arr_sum                  BIGINT NOT NULL DEFAULT 0,
    arr_sla                  BIGINT NOT NULL DEFAULT 0,
    arr_sla_met              BIGINT NOT NULL DEFAULT 0,
    st_new_sum               BIGINT NOT NULL DEFAULT 0,
    st_accepted_sum          BIGINT NOT NULL DEFAULT 0,
    st_diagnosing_sum        BIGINT NOT NULL DEFAULT 0,
    st_in_service_sum        BIGINT NOT NULL DEFAULT 0,
    st_awaiting_customer_sum BIGINT NOT NULL DEFAULT 0,
    st_awaiting_parts_sum    BIGINT NOT NULL DEFAULT 0,
    st_resolved_sum          BIGINT NOT NULL DEFAULT 0,
    st_new_n                 BIGINT NOT NULL DEFAULT 0,
    st_accepted_n            BIGINT NOT NULL DEFAULT 0,
    st_diagnosing_n          BIGINT NOT NULL DEFAULT 0,
    st_in_service_n          BIGINT NOT NULL DEFAULT 0,
    st_awaiting_customer_n   BIGINT NOT NULL DEFAULT 0,
    st_awaiting_parts_n      BIGINT NOT NULL DEFAULT 0,
    st_resolved_n            BIGINT NOT NULL DEFAULT 0,
    reassign_hops            BIGINT NOT NULL DEFAULT 0,
    h_frt BYTEA,
    h_tta BYTEA,
    h_res BYTEA,
    h_arr BYTEA,
    PRIMARY KEY (dim, val, day)
);

-- Grouping by a dimension reads one dimension over a range of days.
CREATE INDEX kpi_daily_dim_day ON kpi_daily(dim, day);

-- Follow-up visit / survey answers (回访): the latest answer per ticket counts.
CREATE TABLE ticket_feedback (
    ticket_id   BIGINT PRIMARY KEY REFERENCES tickets(id),
    csat        BIGINT CHECK (csat BETWEEN 1 AND 5),
    nps         BIGINT CHECK (nps BETWEEN 0 AND 10),
    comment     TEXT NOT NULL DEFAULT '',
    channel     TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users(id),
    at          BIGINT NOT NULL,
    CHECK (csat IS NOT NULL OR nps IS NOT NULL)
);

CREATE FUNCTION kpi_mark_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE FUNCTION kpi_mark_ticket_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kpi_dirty(ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER kpi_ticket AFTER INSERT OR UPDATE ON tickets
FOR EACH ROW EXECUTE FUNCTION kpi_mark_ticket();
CREATE TRIGGER kpi_sla AFTER INSERT OR UPDATE ON ticket_sla
FOR EACH ROW EXECUTE FUNCTION kpi_mark_ticket_id();
CREATE TRIGGER kpi_feedback AFTER INSERT OR UPDATE ON ticket_feedback
FOR EACH ROW EXECUTE FUNCTION kpi_mark_ticket_id();
