package analytics

import (
	"math"
	"testing"
	"time"

	"aftersales"

	"github.com/google/go-cmp/cmp"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

var dimNames = func() []string {
	var out []string
	for _, d := range aftersales.Dimensions {
		out = append(out, string(d))
	}
	return out
}()

// history builds a small, hand-checked set of tickets.
func history() []*TicketRecord {
	dims := func(team, tech string) []string {
		d := make([]string, len(aftersales.Dimensions))
		d[0], d[1], d[6] = team, tech, "phone"
		return d
	}
	return []*TicketRecord{
		// 1: answered in 30 min, resolved next morning in Shanghai time
		// (still 2026-01-31 in UTC): counts on 2026-02-01 locally.
		{ID: 1, Status: aftersales.StatusClosed, Nature: aftersales.NatureRepair, Created: at("2026-01-31 20:00"),
			FirstResponse: ptr(at("2026-01-31 20:30")), Accepted: ptr(at("2026-01-31 20:10")),
			Resolved: ptr(at("2026-02-01 07:00")), Closed: ptr(at("2026-02-02 09:00")), AssignCount: 1,
			FRDone: ptr(at("2026-01-31 20:30")), FRMet: ptr(true), ResMet: ptr(true),
			Arrived: ptr(at("2026-01-31 22:00")), ArrMet: ptr(true), CSAT: ptr(5), NPS: ptr(10), Dims: dims("1", "7")},
		// 2: a complaint answered after 25 hours, reopened once, resolved
		// on 2026-02-03 after the SLA: not first-contact, not timely.
		{ID: 2, Status: aftersales.StatusResolved, Nature: aftersales.NatureComplaint, Created: at("2026-02-01 10:00"),
			FirstResponse: ptr(at("2026-02-02 11:00")), Resolved: ptr(at("2026-02-03 10:00")), ReopenCount: 1, AssignCount: 2,
			FRDone: ptr(at("2026-02-01 14:00")), FRMet: ptr(false), ResMet: ptr(false), CSAT: ptr(2), NPS: ptr(3), Dims: dims("1", "8")},
		// 3: cancelled the same day.
		{ID: 3, Status: aftersales.StatusCancelled, Nature: aftersales.NatureConsultation, Created: at("2026-02-01 11:00"),
			Cancelled: ptr(at("2026-02-01 12:00")), Dims: dims("2", "")},
		// 4: imported, closed without a resolved mark, before its target.
		{ID: 4, Status: aftersales.StatusClosed, Nature: aftersales.NatureRepair, Created: at("2026-02-01 09:00"),
			Closed: ptr(at("2026-02-01 15:00")), Target: ptr(at("2026-02-02 09:00")), HasAsset: true, Repeat: true, Dims: dims("2", "")},
		// 5: still open, waited for the customer.
		{ID: 5, Status: aftersales.StatusAwaitingCustomer, Nature: aftersales.NatureRepair, Created: at("2026-02-02 09:00"),
			AwaitedCustomer: true, HasAsset: true, ResBreached: ptr(at("2026-02-03 09:00")), ArrBreached: ptr(at("2026-02-02 13:00")), Dims: dims("1", "7")},
	}
}

func rollup(t *testing.T, recs []*TicketRecord) Rollup {
	t.Helper()
	r := Rollup{}
	for _, rec := range recs {
		f := Contribute(rec, shanghai)
		r.Apply(&f, dimNames, 1)
	}
	return r
}

// sum adds up rows of one dimension value over [from, to] local days.
func sum(r Rollup, dim, val string, from, to string) *Agg {
	var a Agg
	lo, hi := DayOf(at(from+" 12:00"), shanghai), DayOf(at(to+" 12:00"), shanghai)
	for k, v := range r {
		if k.Dim == dim && k.Val == val && k.Day >= lo && k.Day <= hi {
			a.Merge(v, 1)
		}
	}
	return &a
}

func kpi(t *testing.T, key string, a *Agg) Value {
	t.Helper()
	k, ok := Lookup(key)
	if !ok || k.Eval == nil {
		t.Fatalf("no KPI %s", key)
	}
	return k.Eval(a)
}

func TestKPIsOnHandBuiltHistory(t *testing.T) {
	r := rollup(t, history())
	feb := sum(r, "", "", "2026-02-01", "2026-02-28")
	cases := []struct {
		key  string
		want float64
		n    int64
	}{
		{"created", 4, 4},                                    // ticket 1 was created on 31 January
		{"resolution_rate", 50, 4},                           // 2 and 4 of the four created in February
		{"fcr", 200.0 / 3, 3},                                // 1 and 4 of 1, 2, 4 resolved in February
		{"reopen_rate", 100.0 / 3, 3},                        // 2
		{"res_sla", 50, 4},                                   // 1 met, 2 missed, 4 met its target, 5 breached while open
		{"res_sla_breach", 50, 4},                            // complement
		{"complaint_rate", 25, 4},                            // 2
		{"complaint_timeliness", 0, 1},                       // answered after 25 hours
		{"complaint_closure", 100, 1},                        // resolved within 30 days
		{"csat_mean", 3.5, 2},                                // (5 + 2) / 2
		{"csat_satisfied", 50, 2},                            // one of two scored 4-5
		{"nps", 0, 2},                                        // one promoter, one detractor
		{"followup_rate", 200.0 / 3, 3},                      // 1 and 2 answered
		{"complaint_csat", 2, 1},                             //
		{"repeat_30d", 50, 2},                                // 4 of 4 and 5 that name an asset
		{"reassign_rate", 25, 4},                             // 2
		{"frt_mean", 25 * 60, 1},                             // ticket 2 only (ticket 1 is January's)
		{"resolution_mean", (11*60 + 48*60 + 6*60) / 3.0, 3}, // 11 h, 48 h, 6 h
	}
	for _, c := range cases {
		v := kpi(t, c.key, feb)
		if !v.OK || math.Abs(v.V-c.want) > 1e-9 || v.N != c.n {
			t.Errorf("%s = %v (n %d, ok %v), want %v (n %d)", c.key, v.V, v.N, v.OK, c.want, c.n)
		}
	}
	// The first-response SLA of ticket 1 stopped on 31 January, ticket 2's
	// breached on 1 February.
	if v := kpi(t, "fr_sla", feb); v.N != 1 || v.V != 0 {
		t.Errorf("February fr_sla = %+v", v)
	}
	if v := kpi(t, "fr_sla", sum(r, "", "", "2026-01-31", "2026-01-31")); v.N != 1 || v.V != 100 {
		t.Errorf("31 January fr_sla = %+v", v)
	}
	// Arrival: ticket 1 on site in time on 31 January, ticket 5's arrival
	// target breached on 2 February with nobody on site.
	if v := kpi(t, "on_time_arrival", feb); v.N != 1 || v.V != 0 {
		t.Errorf("February on-time arrival = %+v", v)
	}
	if v := kpi(t, "arrival_median", sum(r, "", "", "2026-01-31", "2026-01-31")); !v.OK || math.Abs(v.V-120) > 120*0.09 {
		t.Errorf("31 January arrival median = %+v, want about 120", v)
	}
	// No surveys for team 2: "no data", not zero.
	if v := kpi(t, "csat_mean", sum(r, "team", "2", "2026-01-01", "2026-12-31")); v.OK {
		t.Errorf("team 2 CSAT without answers = %+v", v)
	}
	// Technician 7: tickets 1 and 5.
	if v := kpi(t, "created", sum(r, "technician", "7", "2026-01-01", "2026-12-31")); v.V != 2 {
		t.Errorf("technician 7 created = %v", v.V)
	}
	// Backlog arithmetic: created − done over all time is the open ticket.
	all := sum(r, "", "", "2026-01-01", "2026-12-31")
	if open := all.V[MCreated] - all.V[MDone]; open != 1 || all.V[MOpen] != 1 || all.V[MCancelled] != 1 {
		t.Errorf("open = %d, open_now = %d, cancelled = %d", open, all.V[MOpen], all.V[MCancelled])
	}
	// Medians from the histogram stay within one bucket of the exact value.
	if v := kpi(t, "resolution_median", feb); !v.OK || math.Abs(v.V-11*60)/(11*60) > 0.09 {
		t.Errorf("resolution median = %+v, want about 660 minutes", v)
	}
	// Unavailable KPIs say why.
	k, _ := Lookup("answer_rate")
	if k.Unavailable == "" || k.Eval != nil {
		t.Error("the answer rate should be unavailable")
	}
}

// TestVisitContribution: the first completed visit decides first-time
// fix, on its check-out day; every checked-in visit counts for arrival
// in the promised window, on its check-in day.
func TestVisitContribution(t *testing.T) {
	at := func(d, h int) *time.Time { x := time.Date(2026, 12, d, h, 0, 0, 0, shanghai); return &x }
	tests := []struct {
		name   string
		visits []Visit
		want   map[Measure][]int64 // per measure: day of month -> value, as pairs
	}{
		{"fixed on the first visit, on time", []Visit{{WindowEnd: *at(1, 11), CheckedIn: at(1, 10), CheckedOut: at(1, 12), Fixed: true}},
			map[Measure][]int64{MVisited: {1, 1}, MFirstFixed: {1, 1}, MWindowArrivals: {1, 1}, MWindowOnTime: {1, 1}}},
		{"late, then fixed on the second", []Visit{
			{WindowEnd: *at(1, 11), CheckedIn: at(1, 12), CheckedOut: at(1, 13)},
			{WindowEnd: *at(3, 11), CheckedIn: at(3, 9), CheckedOut: at(3, 10), Fixed: true}},
			map[Measure][]int64{MVisited: {1, 1}, MWindowArrivals: {1, 1, 3, 1}, MWindowOnTime: {3, 1}}},
		{"checked in, not out yet", []Visit{{WindowEnd: *at(1, 11), CheckedIn: at(1, 11)}},
			map[Measure][]int64{MWindowArrivals: {1, 1}, MWindowOnTime: {1, 1}}},
		{"booked only", []Visit{{WindowEnd: *at(1, 11)}}, map[Measure][]int64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := Contribute(&TicketRecord{ID: 1, Status: aftersales.StatusDiagnosing, Created: *at(1, 8), Visits: tc.visits}, shanghai)
			got := map[Measure][]int64{}
			for _, e := range f.Entries {
				if e.M >= MVisited {
					got[e.M] = append(got[e.M], int64(e.Day-DayOf(*at(1, 0), shanghai))+1, e.V)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
	k, _ := Lookup("first_time_fix")
	var a Agg
	a.V[MVisited], a.V[MFirstFixed] = 4, 3
	if got := k.Eval(&a); !got.OK || got.V != 75 || got.N != 4 {
		t.Errorf("first_time_fix = %+v, want 75%% of 4", got)
	}
}

func TestFactWithdrawAndEncode(t *testing.T) {
	recs := history()
	r := rollup(t, recs)
	for _, rec := range recs {
		f := Contribute(rec, shanghai)
		enc := f.Encode()
		dec, err := DecodeFact(enc)
		if err != nil {
			t.Fatal(err)
		}
		r.Apply(&dec, dimNames, -1)
	}
	for k, a := range r {
		if !a.V.Zero() || len(a.H[0])+len(a.H[1])+len(a.H[2]) != 0 {
			t.Errorf("row %+v not zero after withdrawing everything: %+v", k, a)
		}
	}
	if _, err := DecodeFact([]byte{5, 1}); err == nil {
		t.Error("corrupt fact decoded")
	}
}

func TestDayBoundaries(t *testing.T) {
	// 2026-02-01 07:00 in Shanghai is 2026-01-31 23:00 UTC.
	d := DayOf(at("2026-02-01 07:00"), shanghai)
	if got := d.Date(shanghai).Format("2006-01-02"); got != "2026-02-01" {
		t.Errorf("day = %s", got)
	}
	if DayOf(at("2026-02-01 00:00"), shanghai) != DayOf(at("2026-02-01 23:59"), shanghai) {
		t.Error("one local day split")
	}
}

// TestStagesSlowest: the slowest stage is the one with the longest mean
// wait among the service stages, the way the chart draws it; time waiting
// to be closed after resolution is never the bottleneck.
func TestStagesSlowest(t *testing.T) {
	var a Agg
	set := func(s aftersales.Status, n int64, hours float64) {
		i := Measure(StageIndex(s))
		a.V[MStageN+i], a.V[MStageSum+i] = n, int64(hours*3600)*n
	}
	set(aftersales.StatusNew, 100, 2)          // most ticket-hours among service stages (200 h)
	set(aftersales.StatusAwaitingParts, 5, 30) // longest mean wait (150 h in all)
	set(aftersales.StatusResolved, 100, 48)    // most of everything, but not service time
	rows, slowest := Stages(&a)
	if slowest != aftersales.StatusAwaitingParts {
		t.Errorf("slowest = %s, want awaiting_parts (longest mean wait)", slowest)
	}
	if len(rows) != len(StageStatuses) {
		t.Errorf("rows = %d", len(rows))
	}
}
