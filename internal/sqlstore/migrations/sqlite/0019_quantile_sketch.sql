-- Duration histograms became quantile sketches with a 1% relative-error
-- bound (issue #16, analytics.RelativeAccuracy). Their bucket numbers mean
-- something else now, in the rollups (kpi_daily.h_*) and in the per-ticket
-- facts the refresh withdraws. Both are emptied and every ticket is marked
-- changed, so the next refresh (the 5-second job, or the refresh before a
-- dashboard query) computes them again from the tickets; with more than
-- 20,000 tickets that is one full rebuild. Nothing else is lost: the
-- rollups hold nothing the tickets do not.
DELETE FROM kpi_daily;
DELETE FROM kpi_facts;
INSERT INTO kpi_dirty (ticket_id) SELECT id FROM tickets WHERE true ON CONFLICT DO NOTHING;
