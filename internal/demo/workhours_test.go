package demo_test

import (
	"context"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
)

// checkVisitsInShift: every field visit of the demo's history happens in
// the technicians' shift (08:30-17:30 in the demo's zone, every day): the
// window promised to the customer, the check-in and the check-out, each on
// the local day of the check-in; and the ticket's timeline agrees with
// its visits (it goes in service when the technician checks in and is
// resolved when they check out). Before, the visits kept the ticket
// generator's times, most of them at night. It returns how many visits
// it checked.
func checkVisitsInShift(t *testing.T, ctx context.Context, db *sqlstore.DB, zone *time.Location) int {
	t.Helper()
	// inShift says whether x lies in the shift of the local day of day.
	inShift := func(x, day time.Time) bool {
		l, d := x.In(zone), day.In(zone)
		mid := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, zone)
		return !l.Before(mid.Add(8*time.Hour+30*time.Minute)) && !l.After(mid.Add(17*time.Hour+30*time.Minute))
	}
	visits, bad, unmatched := 0, 0, 0
	f := aftersales.TicketFilter{Nature: []aftersales.Nature{aftersales.NatureRepair}, Limit: 500}
	for {
		page, err := db.ListTickets(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range page.Tickets {
			vs, err := db.ListVisits(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkIns, checkOuts := map[int64]bool{}, map[int64]bool{}
			for _, v := range vs {
				if v.CheckedInAt == nil {
					continue // booked on the demo's last day, not yet visited
				}
				visits++
				in := *v.CheckedInAt
				ok := inShift(in, in) && inShift(v.WindowStart, in) && inShift(v.WindowEnd, in)
				out := "-"
				if v.CheckedOutAt != nil {
					out = v.CheckedOutAt.In(zone).Format("2006-01-02 15:04")
					ok = ok && inShift(*v.CheckedOutAt, in)
					checkOuts[v.CheckedOutAt.UnixMilli()] = true
				}
				if !ok {
					bad++
					if bad <= 5 {
						t.Errorf("%s visit %d outside the shift: window %s-%s, check-in %s, check-out %s", tk.Number, v.Number,
							v.WindowStart.In(zone).Format("2006-01-02 15:04"), v.WindowEnd.In(zone).Format("15:04"),
							in.In(zone).Format("2006-01-02 15:04"), out)
					}
				}
				checkIns[in.UnixMilli()] = true
			}
			if len(checkIns) == 0 {
				continue
			}
			evs, err := db.Timeline(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				if e.Kind != aftersales.EventStatusChanged {
					continue
				}
				switch {
				case aftersales.Status(e.To) == aftersales.StatusInService && !checkIns[e.At.UnixMilli()],
					aftersales.Status(e.To) == aftersales.StatusResolved && aftersales.Status(e.From) == aftersales.StatusInService && !checkOuts[e.At.UnixMilli()]:
					unmatched++
					if unmatched <= 5 {
						t.Errorf("%s goes %s at %s, when none of its visits checks in or out", tk.Number, e.To, e.At.In(zone).Format("2006-01-02 15:04"))
					}
				}
			}
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	if bad > 0 || unmatched > 0 {
		t.Errorf("%d of %d visits outside the shift; %d timeline steps without their visit", bad, visits, unmatched)
	}
	return visits
}
