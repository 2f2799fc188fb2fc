package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/analytics"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// loadMonthlyDemo loads 1,500 demo tickets and folds them into the
// rollups (by deltas, 400 tickets a batch).
func loadMonthlyDemo(t *testing.T, db *sqlstore.DB) context.Context {
	t.Helper()
	end := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return end }
	ctx, _ := testutil.Admin(t, db)
	if _, err := demo.Load(ctx, db.Services(), db, demo.Options{Seed: 3, Tickets: 1500, End: end, Zone: db.Zone}); err != nil {
		t.Fatal(err)
	}
	for {
		n, err := db.RefreshRollups(ctx, 400)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return ctx
		}
	}
}

// TestMonthlyReadsEqualDaily asks every KPI of the catalog in many shapes
// (whole months and partial ones, by day, week, month and quarter, by a
// dimension, within a filter, the dashboard's batch), with whole months
// read from kpi_monthly and again with every day read from kpi_daily: the
// answers must be the same. Stages too. Then a changed monthly row
// changes a year's answer, which shows the monthly rows are read.
func TestMonthlyReadsEqualDaily(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := loadMonthlyDemo(t, db)
		zone := db.Zone
		d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, zone) }
		year, next := d(2025, 12, 1), d(2026, 12, 1)
		shapes := []aftersales.MetricQuery{
			{From: year, To: next, Grain: aftersales.GrainMonth},
			{From: year, To: next, Grain: aftersales.GrainQuarter},
			{From: year, To: next, Grain: aftersales.GrainWeek},
			{From: d(2026, 9, 1), To: next, Grain: aftersales.GrainDay},
			{From: d(2026, 10, 1), To: d(2026, 10, 23)},
			{From: d(2025, 12, 15), To: d(2026, 11, 10), Grain: aftersales.GrainMonth},
			{From: year, To: next, By: aftersales.DimTechnician},
			{From: d(2025, 12, 15), To: d(2026, 11, 10), By: aftersales.DimCategory},
			{From: year, To: next, By: aftersales.DimTeam},
			{From: year, To: next, By: aftersales.DimRegion, Grain: aftersales.GrainMonth},
			{From: year, To: next, By: aftersales.DimRegion, Grain: aftersales.GrainWeek},
			{From: year, To: next, By: aftersales.DimChannel, Grain: aftersales.GrainQuarter},
			{From: year, To: next, Grain: aftersales.GrainMonth, Filter: aftersales.DimChannel, Value: "phone"},
			{From: d(2026, 2, 10), To: d(2026, 8, 1), Grain: aftersales.GrainWeek, Filter: aftersales.DimUrgency, Value: "high"},
			{From: year, To: next, Filter: aftersales.DimRegion, Value: "1", By: aftersales.DimRegion},
			{From: year, To: next, Filter: aftersales.DimChannel, Value: "web", By: aftersales.DimCategory},
		}
		var qs []aftersales.MetricQuery
		for _, k := range analytics.Catalog {
			for _, sh := range shapes {
				q := sh
				q.KPI, q.Locale = k.Key, "en"
				qs = append(qs, q)
			}
		}
		type answer struct {
			One   []*aftersales.MetricResult
			Errs  []string
			Batch []*aftersales.MetricResult
			// The dashboard's batch: each tile over the year by month and
			// over the partial month's days, the comparisons, the scores.
			Dash   []*aftersales.MetricResult
			Stages [][]*aftersales.StageRow
		}
		var dash []aftersales.MetricQuery
		for _, k := range analytics.Catalog {
			dash = append(dash, aftersales.MetricQuery{KPI: k.Key, From: year, To: next, Grain: aftersales.GrainMonth, Locale: "en"},
				aftersales.MetricQuery{KPI: k.Key, From: d(2026, 10, 1), To: d(2026, 10, 23), Locale: "en"},
				aftersales.MetricQuery{KPI: k.Key, From: year, To: next, By: aftersales.DimTeam, Locale: "en"})
		}
		dash = append(dash, aftersales.MetricQuery{KPI: "res_sla", From: year, To: next, By: aftersales.DimTechnician, Locale: "en"},
			aftersales.MetricQuery{KPI: "res_sla", From: year, To: next, By: aftersales.DimRegion, Grain: aftersales.GrainMonth, Locale: "en"},
			aftersales.MetricQuery{KPI: "complaints", From: year, To: next, By: aftersales.DimCategory, Locale: "en"})
		ask := func(dailyOnly bool) answer {
			db.ReadDailyOnlyForTest(dailyOnly)
			defer db.ReadDailyOnlyForTest(false)
			var a answer
			var answered []aftersales.MetricQuery
			for _, q := range qs {
				res, err := db.Metric(ctx, q)
				if err != nil {
					a.Errs = append(a.Errs, err.Error())
					continue
				}
				a.One, answered = append(a.One, res), append(answered, q)
			}
			var err error
			if a.Batch, err = db.Metrics(ctx, answered); err != nil {
				t.Fatal(err)
			}
			var dashOK []aftersales.MetricQuery
			for _, q := range dash {
				if _, err := db.Metric(ctx, q); err == nil {
					dashOK = append(dashOK, q)
				}
			}
			if a.Dash, err = db.Metrics(ctx, dashOK); err != nil {
				t.Fatal(err)
			}
			for _, r := range [][2]time.Time{{year, next}, {d(2025, 12, 15), d(2026, 11, 10)}} {
				for _, by := range []aftersales.Dimension{"", aftersales.DimTeam, aftersales.DimTechnician} {
					rows, err := db.Stages(ctx, r[0], r[1], by, "en")
					if err != nil {
						t.Fatal(err)
					}
					// Rows with as many tickets come in any order.
					slices.SortFunc(rows, func(a, b *aftersales.StageRow) int { return strings.Compare(a.Key, b.Key) })
					a.Stages = append(a.Stages, rows)
				}
			}
			return a
		}
		want, got := ask(true), ask(false)
		if len(want.One) < 5*len(analytics.Catalog) {
			t.Fatalf("only %d of %d queries answered", len(want.One), len(qs))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("reading whole months from kpi_monthly changed the answers (-daily only +monthly):\n%s", diff)
		}
		var nonEmpty int
		for _, r := range got.One {
			if r.Total.Value != nil {
				nonEmpty++
			}
		}
		if nonEmpty < len(got.One)/2 {
			t.Errorf("only %d of %d answers hold data: the comparison proves little", nonEmpty, len(got.One))
		}

		// The monthly rows are what a year by technician reads.
		q := aftersales.MetricQuery{KPI: "created", From: year, To: next, By: aftersales.DimTechnician, Locale: "en"}
		before := metric(t, ctx, db, q)
		if err := db.ExecRaw(ctx, `UPDATE kpi_monthly SET created = created + 1 WHERE dim = 'technician'`); err != nil {
			t.Fatal(err)
		}
		if after := metric(t, ctx, db, q); cmp.Equal(before, after) {
			t.Error("a year by technician does not read kpi_monthly")
		}
	})
}

// TestMonthlyRollupsEqualRecompute: kpi_monthly is kept with kpi_daily by
// the rebuild (a first load) and by the incremental refresh (changes
// through the write paths); it equals a full computation from the
// tickets, and its sums per dimension value equal kpi_daily's. A changed
// monthly row is found by the check and repaired.
func TestMonthlyRollupsEqualRecompute(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := loadMonthlyDemo(t, db)
		// sumsDiffer counts the (dim, val) whose created, resolved, open and
		// resolution-SLA counts differ between the two tables, both ways.
		sums := func(table string) string {
			return `SELECT dim, val, SUM(created) AS c, SUM(resolved) AS r, SUM(open_now) AS o, SUM(res_sla_met) AS s
				FROM ` + table + ` WHERE dim NOT LIKE '%|%' GROUP BY dim, val`
		}
		sumsDiffer := func() int64 {
			n := int64(0)
			for _, p := range [][2]string{{"kpi_daily", "kpi_monthly"}, {"kpi_monthly", "kpi_daily"}} {
				n += db.CountForTest(ctx, `SELECT COUNT(*) FROM (`+sums(p[0])+`) a LEFT JOIN (`+sums(p[1])+`) b ON b.dim = a.dim AND b.val = a.val
					WHERE b.c IS NULL OR b.c <> a.c OR b.r <> a.r OR b.o <> a.o OR b.s <> a.s`)
			}
			return n
		}
		verify := func(when string) {
			t.Helper()
			check, err := db.RecomputeRollups(ctx, false)
			if err != nil || check.Differences != 0 {
				t.Fatalf("%s: %+v, %v", when, check, err)
			}
			if n := db.CountForTest(ctx, `SELECT COUNT(*) FROM kpi_monthly`); n == 0 {
				t.Fatalf("%s: kpi_monthly is empty", when)
			}
			if n := sumsDiffer(); n != 0 {
				t.Fatalf("%s: %d dimension values sum differently in kpi_daily and kpi_monthly", when, n)
			}
		}
		verify("after the first load (a rebuild)")

		// Change tickets through the write paths: the refresh folds them
		// in row by row (30 dirty tickets of 1,500).
		list, err := db.ListTickets(ctx, aftersales.TicketFilter{Limit: 30, Status: []aftersales.Status{aftersales.StatusResolved}})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Tickets) < 10 {
			t.Fatalf("only %d resolved tickets", len(list.Tickets))
		}
		for i, tk := range list.Tickets {
			if i%2 == 0 {
				if _, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusClosed, Version: tk.Version}); err != nil {
					t.Fatal(err)
				}
			} else if err := db.RecordFeedback(ctx, &aftersales.Feedback{TicketID: tk.ID, CSAT: testutil.Ptr(1 + i%5), NPS: testutil.Ptr(i % 11)}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := db.RefreshRollups(ctx, 5000)
		if err != nil || n != len(list.Tickets) {
			t.Fatalf("refresh: %d tickets, %v (want %d, row by row)", n, err, len(list.Tickets))
		}
		verify("after changes")

		// A changed monthly row: found, repaired.
		if err := db.ExecRaw(ctx, `UPDATE kpi_monthly SET resolved = resolved + 1 WHERE dim = 'channel' AND day = (SELECT MAX(day) FROM kpi_monthly WHERE dim = 'channel')`); err != nil {
			t.Fatal(err)
		}
		check, err := db.RecomputeRollups(ctx, false)
		if err != nil || check.Differences == 0 || !strings.Contains(strings.Join(check.Mismatches, "\n"), "kpi_monthly") {
			t.Fatalf("changed monthly row not found: %+v, %v", check, err)
		}
		if check, err = db.RecomputeRollups(ctx, true); err != nil || !check.Repaired {
			t.Fatal(check, err)
		}
		verify("after the repair")
	})
}

// TestMonthlyRollupColumns: kpi_monthly has every column of kpi_daily,
// with its type and nullability (a new measure is added to both tables).
func TestMonthlyRollupColumns(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := testutil.Admin(t, db)
		cols := func(table string) string {
			if db.Engine() == sqlstore.Postgres {
				return `SELECT column_name AS name, data_type AS type, is_nullable AS nn FROM information_schema.columns
					WHERE table_schema = current_schema() AND table_name = '` + table + `'`
			}
			return `SELECT name, type, "notnull" AS nn FROM pragma_table_info('` + table + `')`
		}
		for _, p := range [][2]string{{"kpi_daily", "kpi_monthly"}, {"kpi_monthly", "kpi_daily"}} {
			n := db.CountForTest(ctx, `SELECT COUNT(*) FROM (`+cols(p[0])+`) a LEFT JOIN (`+cols(p[1])+`) b
				ON b.name = a.name AND b.type = a.type AND b.nn = a.nn WHERE b.name IS NULL`)
			if n != 0 {
				t.Errorf("%d columns of %s are not in %s with the same type", n, p[0], p[1])
			}
		}
		if n := db.CountForTest(ctx, `SELECT COUNT(*) FROM (`+cols("kpi_monthly")+`) c`); n < 90 {
			t.Errorf("kpi_monthly has %d columns", n)
		}
	})
}
