package analytics

import (
	"math"
	"slices"
	"testing"

	"aftersales"
)

// TestFieldKPIs checks the field KPIs on a hand-built fixture with exact
// expected values: service standard compliance, visits per ticket,
// travel per visit, the stock-out rate and the parts wait.
func TestFieldKPIs(t *testing.T) {
	recs := []*TicketRecord{
		// Two completed visits (the first compliant, the second missing a
		// required item), resolved; one reservation from stock.
		{ID: 1, Status: aftersales.StatusResolved, Created: at("2026-03-01 08:00"), Resolved: ptr(at("2026-03-03 18:00")),
			Visits: []Visit{
				{WindowEnd: at("2026-03-01 12:00"), CheckedIn: ptr(at("2026-03-01 10:00")), CheckedOut: ptr(at("2026-03-01 11:00")),
					Checked: true, Compliant: true, Planned: true, TravelM: 12000},
				{WindowEnd: at("2026-03-03 12:00"), CheckedIn: ptr(at("2026-03-03 10:00")), CheckedOut: ptr(at("2026-03-03 11:00")),
					Fixed: true, Checked: true, Planned: true, TravelM: 6500},
			},
			Reservations: []Reservation{{Created: at("2026-03-01 10:30")}}},
		// One completed visit without a checklist or a planned leg,
		// resolved; one reservation that waited two days for a receipt,
		// one still waiting.
		{ID: 2, Status: aftersales.StatusClosed, Created: at("2026-03-02 08:00"), Resolved: ptr(at("2026-03-05 09:00")),
			Closed: ptr(at("2026-03-06 09:00")),
			Visits: []Visit{{WindowEnd: at("2026-03-02 12:00"), CheckedIn: ptr(at("2026-03-02 10:00")), CheckedOut: ptr(at("2026-03-02 11:00")), Fixed: true}},
			Reservations: []Reservation{
				{Created: at("2026-03-02 10:30"), StockOut: true, Filled: ptr(at("2026-03-04 10:30"))},
				{Created: at("2026-03-02 10:40"), StockOut: true}}},
		// Open, visit booked only: counts nowhere in the field KPIs.
		{ID: 3, Status: aftersales.StatusNew, Created: at("2026-03-02 08:00"), Visits: []Visit{{WindowEnd: at("2026-03-04 12:00")}}},
	}
	a := sum(rollup(t, recs), "", "", "2026-03-01", "2026-03-31")
	exact := []struct {
		key    string
		v      float64
		num, n int64
	}{
		{"standard_compliance", 50, 1, 2},
		{"stock_out_rate", 200.0 / 3, 2, 3},
		{"visits_per_ticket", 1.5, 0, 2},
		{"travel_per_visit", 9.25, 0, 2},
	}
	for _, c := range exact {
		got := kpi(t, c.key, a)
		if !got.OK || math.Abs(got.V-c.v) > 1e-9 || got.Num != c.num || got.N != c.n {
			t.Errorf("%s = %+v, want %v (%d of %d)", c.key, got, c.v, c.num, c.n)
		}
	}
	// One wait of 2 days: the histogram's median and p90 lie within its
	// 1% bucket.
	for _, key := range []string{"parts_wait_median", "parts_wait_p90"} {
		got := kpi(t, key, a)
		if !got.OK || got.N != 1 || math.Abs(got.V-2880)/2880 > 0.01 {
			t.Errorf("%s = %+v, want about 2880 minutes of 1", key, got)
		}
	}
	// Counted on their days: compliance on the check-out days, the wait on
	// the day the receipt filled it.
	if got := kpi(t, "standard_compliance", sum(rollup(t, recs), "", "", "2026-03-03", "2026-03-03")); got.N != 1 || got.Num != 0 {
		t.Errorf("compliance on 3 March = %+v, want 0 of 1", got)
	}
	if got := kpi(t, "parts_wait_median", sum(rollup(t, recs), "", "", "2026-03-02", "2026-03-03")); got.OK {
		t.Errorf("parts wait before the receipt day = %+v, want no data", got)
	}
	for _, key := range []string{"standard_compliance", "stock_out_rate", "visits_per_ticket", "travel_per_visit", "parts_wait_median"} {
		k, _ := Lookup(key)
		if _, ok := DrillOf(k); !ok {
			t.Errorf("%s has no drill-down", key)
		}
	}
	// Improvement items verify them: rates as proportions, the parts wait
	// as a duration, visits and travel as per-ticket means.
	lo, hi := DayOf(at("2026-03-01 12:00"), shanghai), DayOf(at("2026-04-01 12:00"), shanghai)
	for _, c := range []struct {
		key  string
		kind VerifyKind
		want []float64
	}{
		{"standard_compliance", VerifyRate, nil},
		{"stock_out_rate", VerifyRate, nil},
		{"parts_wait_median", VerifyDuration, []float64{2880}},
		{"visits_per_ticket", VerifyMean, []float64{2, 1}},
		{"travel_per_visit", VerifyMean, []float64{9.25}},
	} {
		k, _ := Lookup(c.key)
		kind, err := k.Verification()
		if err != nil || kind != c.kind {
			t.Errorf("%s verifies as %v (%v), want %v", c.key, kind, err, c.kind)
		}
		if c.want == nil {
			continue
		}
		var got []float64
		for _, r := range recs {
			f := Contribute(r, shanghai)
			got = k.Observe(&f, lo, hi, got)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s observations = %v, want %v", c.key, got, c.want)
		}
	}
}
