package sqlstore_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// weeks loads 40 resolved tickets a week from Monday 2026-01-05: in week
// w, reopened(w) of them were reopened (not first-contact resolutions).
func weeks(t *testing.T, ctx context.Context, db *sqlstore.DB, from, to int, reopened func(w int) int) {
	t.Helper()
	c := MustCustomer(t, ctx, db, fmt.Sprintf("周%d", from))
	_, _, maxID, err := db.MaxIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b aftersales.Bulk
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, db.Zone)
	for w := from; w < to; w++ {
		for i := range 40 {
			maxID++
			created := start.AddDate(0, 0, 7*w).Add(time.Duration(i) * 10 * time.Minute)
			resolved := created.Add(3 * time.Hour)
			tk := &aftersales.Ticket{ID: maxID, Number: fmt.Sprintf("AS202601-9%05d", maxID), Channel: aftersales.ChannelPhone,
				Nature: aftersales.NatureRepair, Urgency: aftersales.UrgencyNormal, Status: aftersales.StatusResolved, Title: "维修",
				CustomerID: &c.ID, CreatedAt: created, UpdatedAt: resolved, StatusChangedAt: resolved, ResolvedAt: &resolved,
				FirstResponseAt: Ptr(created.Add(20 * time.Minute)), AssignCount: 1}
			if i < reopened(w) {
				tk.ReopenCount = 1
			}
			b.Tickets = append(b.Tickets, tk)
		}
	}
	if err := db.BulkLoad(ctx, &b); err != nil {
		t.Fatal(err)
	}
	catchUp(t, ctx, db) // the rollup job has run
}

func TestAlertsOpenImprovementItems(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 8, 4, 2, 0, 0, 0, time.UTC)) // Tuesday of week 30 (0-based)
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		// FCR about 80% for 26 weeks (7-9 reopened of 40), then 50%.
		weeks(t, ctx, db, 0, 30, func(w int) int {
			if w >= 26 {
				return 20
			}
			return 7 + w%3
		})
		week := func(w int) *time.Time { return Ptr(time.Date(2026, 1, 5, 0, 0, 0, 0, db.Zone).AddDate(0, 0, 7*w)) }
		p := &aftersales.AlertRule{KPI: "fcr", Grain: aftersales.GrainWeek, Chart: "p", BaselineFrom: week(0), BaselineTo: week(20), Active: true}
		if err := db.SaveAlertRule(ctx, p); err != nil {
			t.Fatal(err)
		}
		// p̄ over the baseline: 1 − (reopened / 800).
		var reopened float64
		for w := range 20 {
			reopened += float64(7 + w%3)
		}
		if want := 1 - reopened/800; p.Center == nil || math.Abs(*p.Center-want) > 1e-12 || p.BaselineN != 20 {
			t.Fatalf("centre %v (n %d), want %v", p.Center, p.BaselineN, want)
		}
		thr := &aftersales.AlertRule{KPI: "reopen_rate", Grain: aftersales.GrainWeek, Threshold: Ptr(30.0), Active: true}
		if err := db.SaveAlertRule(ctx, thr); err != nil {
			t.Fatal(err)
		}
		// Bad rules name the field.
		for field, r := range map[string]*aftersales.AlertRule{
			"kpi":           {KPI: "nope", Grain: aftersales.GrainWeek, Threshold: Ptr(1.0)},
			"grain":         {KPI: "fcr", Grain: aftersales.GrainDay, Threshold: Ptr(1.0)},
			"threshold":     {KPI: "fcr", Grain: aftersales.GrainWeek},
			"chart":         {KPI: "frt_median", Grain: aftersales.GrainWeek, Chart: "p", BaselineFrom: week(0), BaselineTo: week(20)},
			"baseline_to":   {KPI: "fcr", Grain: aftersales.GrainWeek, Chart: "p"},
			"baseline_from": {KPI: "fcr", Grain: aftersales.GrainWeek, Chart: "p", BaselineFrom: week(0), BaselineTo: week(3)},
		} {
			if err := db.SaveAlertRule(ctx, r); fieldsOf(err)[field] == "" {
				t.Errorf("%s: %v", field, err)
			}
		}

		n, err := db.EvaluateAlerts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		items, _ := db.ImprovementItems(ctx, aftersales.ItemFilter{})
		if n < 8 || len(items) != 2 {
			t.Fatalf("%d breaches, items %+v", n, items)
		}
		for _, it := range items {
			if it.Status != "open" || it.Source != "alert" || len(it.Evidence) < 4 {
				t.Errorf("item %+v", it)
			}
			for _, e := range it.Evidence {
				// Weeks 26-29 only: the in-control weeks after the baseline raise nothing.
				if e.Period.Before(*week(26)) || e.Tickets == "" {
					t.Errorf("%s evidence %+v", it.KPI, e)
				}
			}
		}
		// The same breaches do not open anything again.
		if n, _ := db.EvaluateAlerts(ctx); n != 0 {
			t.Errorf("re-evaluation recorded %d breaches", n)
		}
		// A week later the problem persists: more evidence, same items.
		weeks(t, ctx, db, 30, 31, func(int) int { return 20 })
		clock.Advance(7 * 24 * time.Hour)
		if n, _ := db.EvaluateAlerts(ctx); n < 2 {
			t.Errorf("week 30 recorded %d breaches", n)
		}
		after, _ := db.ImprovementItems(ctx, aftersales.ItemFilter{})
		if len(after) != 2 || after[0].Breaches <= items[0].Breaches {
			t.Errorf("items after a persisting breach: %+v", after)
		}
	})
}

// TestAlertOnZeroSpreadBaseline: a baseline with no reopened ticket in
// any week has p̄ = 0 and no spread; the first reopened tickets after it
// are a signal (they never were before: z stayed 0).
func TestAlertOnZeroSpreadBaseline(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 8, 4, 2, 0, 0, 0, time.UTC)) // Tuesday of week 30 (0-based)
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		weeks(t, ctx, db, 0, 30, func(w int) int {
			if w == 28 {
				return 1
			}
			return 0
		})
		week := func(w int) *time.Time { return Ptr(time.Date(2026, 1, 5, 0, 0, 0, 0, db.Zone).AddDate(0, 0, 7*w)) }
		r := &aftersales.AlertRule{KPI: "reopen_rate", Grain: aftersales.GrainWeek, Chart: "p", BaselineFrom: week(0), BaselineTo: week(20), Active: true}
		if err := db.SaveAlertRule(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.Center == nil || *r.Center != 0 {
			t.Fatalf("centre %v, want 0", r.Center)
		}
		if _, err := db.EvaluateAlerts(ctx); err != nil {
			t.Fatal(err)
		}
		items, err := db.ImprovementItems(ctx, aftersales.ItemFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 || len(items[0].Evidence) != 1 {
			t.Fatalf("items %+v, want one with one week of evidence", items)
		}
		if e := items[0].Evidence[0]; !e.Period.Equal(*week(28)) || e.Rule != "we1" || e.Limit != 0 || e.N != 40 {
			t.Errorf("evidence %+v, want week 28 beyond the zero limit", e)
		}
	})
}

func TestQualityScore(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 8, 4, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		weeks(t, ctx, db, 0, 4, func(int) int { return 8 }) // FCR 80%, reopen 20%, FRT 20 min
		// Only FCR and FRT weigh: 50/50.
		targets, _ := db.Targets(ctx)
		for _, tg := range targets {
			tg.Weight = 0
			if err := db.SetTarget(ctx, tg); err != nil {
				t.Fatal(err)
			}
		}
		for _, tg := range []*aftersales.QualityTarget{{KPI: "fcr", Target: 90, Worst: 50, Weight: 50}, {KPI: "frt_median", Target: 10, Worst: 60, Weight: 50}} {
			if err := db.SetTarget(ctx, tg); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetTarget(ctx, &aftersales.QualityTarget{KPI: "reopen_rate", Target: 3, Worst: 15, Weight: 1}); fieldsOf(err)["weight"] == "" {
			t.Errorf("weights over 100%%: %v", err)
		}
		if err := db.SetTarget(ctx, &aftersales.QualityTarget{KPI: "created", Target: 3, Worst: 15}); fieldsOf(err)["kpi"] == "" {
			t.Errorf("target on a count: %v", err)
		}
		catchUp(t, ctx, db)
		s, err := db.Scores(ctx, aftersales.ScoreQuery{From: time.Date(2026, 1, 1, 0, 0, 0, 0, db.Zone), To: time.Date(2026, 3, 1, 0, 0, 0, 0, db.Zone), Locale: "en"})
		if err != nil || len(s) != 1 {
			t.Fatal(s, err)
		}
		// FCR 80 → 75 points; FRT median ≈ 20 min (histogram, ±9%) → ≈ 80 points.
		parts := map[string]float64{}
		for _, p := range s[0].Parts {
			parts[p.KPI] = *p.Points
		}
		if math.Abs(parts["fcr"]-75) > 1e-9 || math.Abs(parts["frt_median"]-80) > 4 || s[0].Coverage != 100 {
			t.Errorf("parts %v, coverage %v", parts, s[0].Coverage)
		}
		if want := (parts["fcr"] + parts["frt_median"]) / 2; math.Abs(*s[0].Score-want) > 1e-9 {
			t.Errorf("score %v, want %v", *s[0].Score, want)
		}
		// Within a filter: every ticket is a phone repair, so the phone
		// channel scores the same; by nature within it (not a kept pair)
		// is refused.
		q := aftersales.ScoreQuery{From: time.Date(2026, 1, 1, 0, 0, 0, 0, db.Zone), To: time.Date(2026, 3, 1, 0, 0, 0, 0, db.Zone),
			Filter: aftersales.DimChannel, Value: "phone", Locale: "en"}
		if f, err := db.Scores(ctx, q); err != nil || len(f) != 1 || *f[0].Score != *s[0].Score {
			t.Fatalf("phone: %+v %v", f, err)
		}
		q.By = aftersales.DimNature
		if _, err := db.Scores(ctx, q); fieldsOf(err)["by"] == "" {
			t.Errorf("nature within a channel: %v", err)
		}
	})
}
