package demo_test

import (
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestDemoPastDayPlans: the demo's history has the technicians' day
// plans a booking stores, so the dispatch board of a past day shows the
// routes (place, planned start, the day's kilometres) and no visit of a
// technician without a plan; the technician's stored plan reads back.
func TestDemoPastDayPlans(t *testing.T) {
	end := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		db.Now = func() time.Time { return end }
		ctx, _ := testutil.Admin(t, db)
		zone := testutil.Shanghai(t)
		db.Zone = zone
		if _, err := demo.Load(ctx, services(db), db, demo.Options{Seed: 7, Tickets: 3000, End: end, Zone: zone}); err != nil {
			t.Fatal(err)
		}
		units, err := db.ListServiceUnits(ctx)
		if err != nil {
			t.Fatal(err)
		}
		planned, unplanned, none, routes := 0, map[string]int{}, 0, 0
		var tech int64
		var techDay aftersales.Date
		for back := 1; back <= 28; back++ {
			day := aftersales.DateOf(end.In(zone).AddDate(0, 0, -back))
			for _, u := range units {
				b, err := db.Board(ctx, u.ID, day)
				if aftersales.ErrorCode(err) == aftersales.ENOTFOUND {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, tr := range b.Technicians {
					if tr.DistanceKM > 0 {
						routes++
					}
					for _, v := range tr.Visits {
						switch {
						case v.Seq > 0 && v.PlannedStart != nil:
							planned++
							tech, techDay = tr.TechnicianID, day
						case v.Unplanned != "":
							unplanned[v.Unplanned]++
						default:
							none++
						}
					}
				}
			}
		}
		t.Logf("past 4 weeks: %d visits planned, left out by the planner %v, %d without a plan; %d routes with kilometres", planned, unplanned, none, routes)
		if planned == 0 || routes == 0 || none > 0 {
			t.Errorf("past days: %d visits planned, %d without a plan, %d routes with kilometres", planned, none, routes)
		}
		// The history's visits are in the shift, so the planner fits them
		// all but a few, two of whose windows clash on one technician's day
		// (7 here); it left out 119 of 179 with the reason window when they
		// kept the tickets' night-time service times.
		if unplanned["window"] > 0 || unplanned["no_room"] > 10 || planned < 160 {
			t.Errorf("past 4 weeks: %d visits planned, left out %v; want over 160 planned, none for its window and at most 10 for room", planned, unplanned)
		}
		n := checkVisitsInShift(t, ctx, db, zone)
		t.Logf("%d visits of the history checked in the shift", n)
		if n < 500 {
			t.Errorf("%d visits in the history, want over 500", n)
		}
		if tech != 0 {
			got, err := db.PlannedDay(ctx, tech, techDay)
			if err != nil || len(got) == 0 || got[0].Seq != 1 {
				t.Errorf("technician %d's stored plan of %s: %+v %v", tech, techDay, got, err)
			}
		}
	})
}
