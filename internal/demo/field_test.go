package demo_test

import (
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestDemoFieldDay: the demo's south-west service points open the last
// day with visits on the dispatch board, some planned into technicians'
// routes, some waiting for one, with suggestions.
func TestDemoFieldDay(t *testing.T) {
	end := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		db.Now = func() time.Time { return end }
		ctx, _ := testutil.Admin(t, db)
		zone := testutil.Shanghai(t)
		db.Zone = zone
		if _, err := demo.Load(ctx, services(db), db, demo.Options{Seed: 7, Tickets: 4000, End: end, Zone: zone}); err != nil {
			t.Fatal(err)
		}
		units, err := db.ListServiceUnits(ctx)
		if err != nil {
			t.Fatal(err)
		}
		day := aftersales.DateOf(end.In(zone))
		planned, waiting := 0, 0
		for _, u := range units {
			if u.Code != "cd-wh" && u.Code != "cq-yz" {
				continue
			}
			b, err := db.Board(ctx, u.ID, day)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Technicians) != 4 {
				t.Errorf("%s: %d technicians", u.Code, len(b.Technicians))
			}
			for _, tr := range b.Technicians {
				for _, v := range tr.Visits {
					if v.Seq > 0 {
						planned++
					}
				}
			}
			waiting += len(b.Unassigned)
			if len(b.Unassigned) > 0 {
				s, err := db.Suggest(ctx, b.Unassigned[0].VisitID)
				if err != nil || len(s) == 0 || s[0].Why.Blocked != "" {
					t.Errorf("%s: suggestions %+v %v", u.Code, s, err)
				}
			}
		}
		if planned == 0 || waiting == 0 {
			t.Errorf("the south-west's day: %d visits planned, %d waiting", planned, waiting)
		}
	})
}
