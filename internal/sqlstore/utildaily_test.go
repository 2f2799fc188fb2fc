package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
	"github.com/google/go-cmp/cmp"
)

// TestUtilisationRollupEqualsVisits: technician_utilisation read from
// util_daily (migration 0049) equals its recompute from the visits, for
// every scope the KPI has (overall, by and within technician, service
// point and region, by day, week and month), on the demo company (its
// field history is a bulk load) and after each kind of change through
// the write paths: booking, moving, reassigning, cancelling, checking
// in and out, a raw insert, and the calendars and unit of a technician.
// It is compared before the rollup job has folded the changes in (the
// read corrects for pending visits) and after, and the recompute check
// finds no difference. Without one of the triggers of 0049, or without
// the job's fold, the rollup answer drifts from the visits.
func TestUtilisationRollupEqualsVisits(t *testing.T) {
	end := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(end)
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		if _, err := demo.Load(ctx, db.Services(), db, demo.Options{Seed: 5, Tickets: 600, End: end, Zone: db.Zone}); err != nil {
			t.Fatal(err)
		}
		refresh := func() {
			t.Helper()
			for {
				n, err := db.RefreshRollups(ctx, 50)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					return
				}
			}
		}
		checked := func() {
			t.Helper()
			check, err := db.RecomputeRollups(ctx, false)
			if err != nil || check.Differences != 0 {
				t.Fatalf("recompute check: %+v, %v", check, err)
			}
		}
		from, to := end.AddDate(0, -5, 0), end.AddDate(0, 0, 40)
		recompute := sqlstore.RecomputeUtilisationForTest(ctx)
		// same compares every technician-day of every scope: a matrix by
		// day of each dimension holds them all; with every, each value is
		// also asked as a filter.
		same := func(stage string, every bool) {
			t.Helper()
			ask := func(q aftersales.MetricQuery) (rollup, visits *aftersales.MetricResult) {
				t.Helper()
				q.KPI, q.From, q.To = "technician_utilisation", from, to
				r, err := db.Metric(ctx, q)
				if err != nil {
					t.Fatalf("%s: %+v: %v", stage, q, err)
				}
				v, err := db.Metric(recompute, q)
				if err != nil {
					t.Fatalf("%s: %+v: %v", stage, q, err)
				}
				if !sameResult(v, r) {
					t.Errorf("%s: %+v: rollup differs from the visits (-visits +rollup):\n%s", stage, q, cmp.Diff(v, r))
				}
				return r, v
			}
			// As the dashboard asks: one batch, a range and days within it
			// (they share the shift minutes), days partly before it.
			batch := []aftersales.MetricQuery{{From: from, To: to}, {From: from.AddDate(0, 2, 0), To: from.AddDate(0, 2, 9)},
				{From: from.AddDate(0, 0, -20), To: from.AddDate(0, 0, 10), Grain: aftersales.GrainDay},
				{From: to.AddDate(0, 0, -30), To: to, By: aftersales.DimPoint}}
			for i := range batch {
				batch[i].KPI = "technician_utilisation"
			}
			rs, err := db.Metrics(ctx, batch)
			if err != nil {
				t.Fatalf("%s: batch: %v", stage, err)
			}
			for i, q := range batch {
				v, err := db.Metric(recompute, q)
				if err != nil {
					t.Fatalf("%s: %+v: %v", stage, q, err)
				}
				if !sameResult(v, rs[i]) {
					t.Errorf("%s: batch %+v: rollup differs from the visits (-visits +rollup):\n%s", stage, q, cmp.Diff(v, rs[i]))
				}
			}
			grains := []aftersales.Grain{aftersales.GrainDay}
			if every {
				grains = append(grains, aftersales.GrainWeek, aftersales.GrainMonth)
			}
			for _, g := range grains {
				if r, _ := ask(aftersales.MetricQuery{Grain: g}); r.Total.N == 0 || r.Total.Num == 0 {
					t.Fatalf("%s: no utilisation at all: %+v", stage, r.Total)
				}
			}
			for _, dim := range []aftersales.Dimension{aftersales.DimTechnician, aftersales.DimPoint, aftersales.DimRegion} {
				r, _ := ask(aftersales.MetricQuery{By: dim, Grain: aftersales.GrainDay})
				if len(r.Points) == 0 {
					t.Fatalf("%s: no %s", stage, dim)
				}
				if !every {
					continue
				}
				r, _ = ask(aftersales.MetricQuery{By: dim})
				ask(aftersales.MetricQuery{By: dim, Grain: aftersales.GrainWeek})
				for _, p := range r.Points {
					ask(aftersales.MetricQuery{Filter: dim, Value: p.Key, Grain: aftersales.GrainDay})
					ask(aftersales.MetricQuery{Filter: dim, Value: p.Key, By: dim, Grain: aftersales.GrainWeek})
				}
			}
		}
		refresh()
		checked()
		same("demo", true)

		techs, err := db.ListTechnicians(ctx)
		if err != nil || len(techs) < 3 {
			t.Fatalf("technicians: %d, %v", len(techs), err)
		}
		a, b := techs[0].UserID, techs[1].UserID
		c := MustCustomer(t, ctx, db, "利用率汇总")
		day := func(d, h int) time.Time {
			x := end.In(db.Zone)
			return time.Date(x.Year(), x.Month(), x.Day()+d, h, 0, 0, 0, db.Zone)
		}
		book := func(tech int64, d, h, dur int) (*aftersales.Ticket, *aftersales.Visit) {
			t.Helper()
			tk := MustTicket(t, ctx, db, c.ID, "利用率")
			v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: day(d, h), WindowEnd: day(d, h+2), DurationMin: dur, TechnicianID: &tech})
			if err != nil {
				t.Fatal(err)
			}
			return tk, v
		}
		step := func(tk *aftersales.Ticket, v *aftersales.Visit, in aftersales.VisitStep) *aftersales.Visit {
			t.Helper()
			in.Version = v.Version
			v, err := db.StepVisit(ctx, tk.ID, v.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		move := func(tk *aftersales.Ticket, v *aftersales.Visit, d, h int, tech *int64) *aftersales.Visit {
			t.Helper()
			v, err := db.RescheduleVisit(ctx, tk.ID, v.ID, aftersales.RescheduleInput{WindowStart: day(d, h), WindowEnd: day(d, h+2),
				TechnicianID: tech, Reason: "客户改约", Version: v.Version})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		for _, stage := range []struct {
			name   string
			change func()
		}{
			{"booked", func() {
				book(a, 1, 9, 90)
				book(b, 2, 14, 45)
				book(a, -3, 10, 30) // a day already in the rollup
			}},
			{"moved to another day", func() {
				tk, v := book(a, 3, 9, 60)
				refresh()
				move(tk, v, 5, 13, nil)
			}},
			{"reassigned", func() {
				tk, v := book(a, 4, 9, 75)
				refresh()
				move(tk, v, 4, 9, &b)
			}},
			{"cancelled", func() {
				tk, v := book(b, 6, 15, 120)
				refresh()
				step(tk, v, aftersales.VisitStep{To: aftersales.VisitCancelled, Reason: "客户取消"})
			}},
			{"checked in and out", func() {
				tk, v := book(a, 0, 9, 60)
				refresh()
				v = step(tk, v, aftersales.VisitStep{To: aftersales.VisitCheckedIn})
				clock.Advance(100 * time.Minute)
				step(tk, v, aftersales.VisitStep{To: aftersales.VisitCompleted, Outcome: aftersales.OutcomeFixed})
			}},
			{"inserted by hand", func() {
				tk := MustTicket(t, ctx, db, c.ID, "利用率")
				if err := db.ExecRaw(ctx, `INSERT INTO visits (ticket_id, number, window_start, window_end, duration_min, technician_id, status, created_at, updated_at)
					VALUES ($1, 1, $2, $3, 50, $4, 'scheduled', $2, $2)`, tk.ID, day(7, 9).UnixMilli(), day(7, 11).UnixMilli(), a); err != nil {
					t.Fatal(err)
				}
			}},
			{"shifts changed", func() {
				p := techs[0]
				in := aftersales.TechnicianProfileInput{ServiceUnitID: p.ServiceUnitID, Home: p.Home, CapacityVisits: p.CapacityVisits,
					CapacityMinutes: p.CapacityMinutes, Certs: p.Certs, Leave: p.Leave, Version: p.Version,
					Shifts: []aftersales.Shift{{Weekday: 0, StartMin: 600, EndMin: 960}, {Weekday: 3, StartMin: 420, EndMin: 1140}}}
				if techs[0], err = db.SetTechnician(ctx, p.UserID, in); err != nil {
					t.Fatal(err)
				}
			}},
			{"leave taken", func() {
				p := techs[1]
				in := aftersales.TechnicianProfileInput{ServiceUnitID: p.ServiceUnitID, Home: p.Home, CapacityVisits: p.CapacityVisits,
					CapacityMinutes: p.CapacityMinutes, Certs: p.Certs, Shifts: p.Shifts, Version: p.Version,
					Leave: append(p.Leave, aftersales.Leave{Start: day(-20, 0), End: day(-13, 0), Reason: "年假"}, aftersales.Leave{Start: day(2, 13), End: day(2, 15), Reason: "体检"})}
				if techs[1], err = db.SetTechnician(ctx, p.UserID, in); err != nil {
					t.Fatal(err)
				}
			}},
			{"moved to another unit", func() {
				p, q := techs[2], techs[0]
				if p.ServiceUnitID != nil && q.ServiceUnitID != nil && *p.ServiceUnitID == *q.ServiceUnitID {
					q = techs[len(techs)-1]
				}
				in := aftersales.TechnicianProfileInput{ServiceUnitID: q.ServiceUnitID, Home: p.Home, CapacityVisits: p.CapacityVisits,
					CapacityMinutes: p.CapacityMinutes, Certs: p.Certs, Shifts: p.Shifts, Leave: p.Leave, Version: p.Version}
				if techs[2], err = db.SetTechnician(ctx, p.UserID, in); err != nil {
					t.Fatal(err)
				}
			}},
		} {
			stage.change()
			same(stage.name+", pending", false)
			refresh()
			same(stage.name+", folded in", false)
		}
		checked()
		same("all changes", true)
		if n := db.CountForTest(ctx, `SELECT COUNT(*) FROM util_dirty`); n != 0 {
			t.Errorf("%d visits still pending", n)
		}
		// A drifted row is found by the check and repaired.
		if err := db.ExecRaw(ctx, `UPDATE util_daily SET booked = booked + 1 WHERE technician_id = $1`, a); err != nil {
			t.Fatal(err)
		}
		if check, err := db.RecomputeRollups(ctx, false); err != nil || check.Differences == 0 {
			t.Fatalf("drift not found: %+v, %v", check, err)
		}
		if check, err := db.RecomputeRollups(ctx, true); err != nil || !check.Repaired {
			t.Fatalf("repair: %+v, %v", check, err)
		}
		same("repaired", false)
	})
}

// sameResult compares two answers point by point (cmp.Diff of a few
// thousand points is slow; it only explains a difference).
func sameResult(a, b *aftersales.MetricResult) bool {
	type pt struct {
		period   int64
		key      string
		label    string
		num, n   int64
		value    float64
		hasValue bool
	}
	flat := func(r *aftersales.MetricResult) []pt {
		out := make([]pt, 0, len(r.Points)+1)
		for _, p := range append([]aftersales.MetricPoint{r.Total}, r.Points...) {
			x := pt{period: p.Period.UnixMilli(), key: p.Key, label: p.Label, num: p.Num, n: p.N, hasValue: p.Value != nil}
			if p.Value != nil {
				x.value = *p.Value
			}
			out = append(out, x)
		}
		return out
	}
	return slices.Equal(flat(a), flat(b)) && a.Query == b.Query && a.Lag.Pending == b.Lag.Pending
}
