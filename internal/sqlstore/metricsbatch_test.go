package sqlstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/analytics"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestMetricsEqualsMetric asks every KPI of the catalog in the shapes the
// dashboard and the API ask for (monthly series, partial ranges, groups,
// region × month, within a filter, pairs) one by one and then all in one
// Metrics batch, sharing its reads: the answers must be the same.
func TestMetricsEqualsMetric(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		end := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return end }
		ctx, _ := testutil.Admin(t, db)
		if _, err := demo.Load(ctx, db.Services(), db, demo.Options{Seed: 3, Tickets: 1500, End: end, Zone: db.Zone}); err != nil {
			t.Fatal(err)
		}
		for {
			n, err := db.RefreshRollups(ctx, 10000)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		zone := db.Zone
		year, next := time.Date(2025, 12, 1, 0, 0, 0, 0, zone), time.Date(2026, 12, 1, 0, 0, 0, 0, zone)
		partFrom, partTo := time.Date(2026, 10, 1, 0, 0, 0, 0, zone), time.Date(2026, 10, 23, 0, 0, 0, 0, zone)
		shapes := []aftersales.MetricQuery{
			{From: year, To: next, Grain: aftersales.GrainMonth},
			{From: partFrom, To: partTo},
			{From: year, To: next, By: aftersales.DimTechnician},
			{From: year, To: next, By: aftersales.DimCategory},
			{From: year, To: next, By: aftersales.DimTeam},
			{From: year, To: next, By: aftersales.DimRegion, Grain: aftersales.GrainMonth},
			{From: year, To: next, Grain: aftersales.GrainWeek},
			{From: year, To: next, Grain: aftersales.GrainMonth, Filter: aftersales.DimChannel, Value: "phone"},
			{From: year, To: next, Filter: aftersales.DimRegion, Value: "1", By: aftersales.DimRegion},
			{From: year, To: next, Filter: aftersales.DimChannel, Value: "web", By: aftersales.DimCategory},
		}
		var qs []aftersales.MetricQuery
		var want []*aftersales.MetricResult
		for _, k := range analytics.Catalog {
			for _, sh := range shapes {
				q := sh
				q.KPI, q.Locale = k.Key, "en"
				res, err := db.Metric(ctx, q)
				if err != nil {
					continue // a shape the KPI does not take: Metric says so, the batch too
				}
				qs, want = append(qs, q), append(want, res)
			}
		}
		if len(qs) < 5*len(analytics.Catalog) {
			t.Fatalf("only %d of %d queries answered", len(qs), len(analytics.Catalog)*len(shapes))
		}
		got, err := db.Metrics(ctx, qs)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Metrics differs from Metric one by one (-want +got):\n%s", diff)
		}
		var nonEmpty int
		for _, r := range got {
			if r.Total.Value != nil {
				nonEmpty++
			}
		}
		if nonEmpty < len(got)/2 {
			t.Errorf("only %d of %d answers hold data: the comparison proves little", nonEmpty, len(got))
		}
	})
}

// TestMetricsReadsEachScopeOnce: the dashboard's series (every KPI by
// month over a year and over the partial month's days, the selected one
// by technician and by region × month) read kpi_daily once per scope,
// not once per series (issue #18).
func TestMetricsReadsEachScopeOnce(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := testutil.Admin(t, db)
		zone := db.Zone
		year, next := time.Date(2025, 12, 1, 0, 0, 0, 0, zone), time.Date(2026, 12, 1, 0, 0, 0, 0, zone)
		var qs []aftersales.MetricQuery
		for _, k := range analytics.Catalog {
			for _, q := range []aftersales.MetricQuery{
				{KPI: k.Key, From: year, To: next, Grain: aftersales.GrainMonth},
				{KPI: k.Key, From: time.Date(2026, 10, 1, 0, 0, 0, 0, zone), To: time.Date(2026, 10, 23, 0, 0, 0, 0, zone)},
			} {
				if _, err := db.Metric(ctx, q); err == nil {
					qs = append(qs, q)
				}
			}
		}
		qs = append(qs, aftersales.MetricQuery{KPI: "res_sla", From: year, To: next, By: aftersales.DimTechnician},
			aftersales.MetricQuery{KPI: "res_sla", From: year, To: next, By: aftersales.DimRegion, Grain: aftersales.GrainMonth},
			aftersales.MetricQuery{KPI: "complaints", From: year, To: next, By: aftersales.DimCategory})
		reads, err := db.MetricsReadsForTest(ctx, qs)
		if err != nil {
			t.Fatal(err)
		}
		// The all-tickets scope, technicians, regions, categories.
		if reads != 4 {
			t.Errorf("%d queries read kpi_daily %d times, want 4 (once per scope)", len(qs), reads)
		}
	})
}
