package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestPlanUnplannedDays: visits that came in by bulk load have no stored
// day plan; PlanUnplannedDays stores their day's plan as a booking would
// (the same route and times DayRoute plans), once: a second call finds
// nothing to do. A cancelled visit plans no day; a technician may not
// plan days.
func TestPlanUnplannedDays(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		ctx, _ := Admin(t, db)
		tech := MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		var shifts []aftersales.Shift
		for wd := range 7 {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 8*60 + 30, EndMin: 17*60 + 30})
		}
		home := aftersales.Position{Lat: 30.65, Lng: 104.06}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Home: &home, Shifts: shifts}); err != nil {
			t.Fatal(err)
		}
		at := func(d, h int) time.Time { return time.Date(2026, 6, d, h, 0, 0, 0, db.Zone) }
		_, _, maxID, _ := db.MaxIDs(ctx)
		var b aftersales.Bulk
		visit := func(n int64, d, from int, km float64, status aftersales.VisitStatus) {
			c, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: fmt.Sprint("客户", n), Phone: "13800138000",
				Address: aftersales.Address{City: "成都", Street: "人民南路", Lat: Ptr(home.Lat), Lng: Ptr(home.Lng + km/96.2)}})
			if err != nil {
				t.Fatal(err)
			}
			id := maxID + n
			b.Tickets = append(b.Tickets, &aftersales.Ticket{ID: id, Number: fmt.Sprintf("AS202606-%06d", id), Channel: aftersales.ChannelPhone,
				Nature: aftersales.NatureRepair, Urgency: aftersales.UrgencyNormal, Status: aftersales.StatusResolved, Title: "维修",
				CustomerID: &c.ID, CreatedAt: at(1, 8), UpdatedAt: at(d, 18), StatusChangedAt: at(d, 18), ResolvedAt: Ptr(at(d, 18))})
			v := &aftersales.BulkVisit{Visit: aftersales.Visit{ID: n, TicketID: id, Number: 1, WindowStart: at(d, from), WindowEnd: at(d, from+2),
				DurationMin: 60, TechnicianID: &tech.ID, Status: status, CreatedAt: at(1, 9)}}
			if status == aftersales.VisitCompleted {
				v.CheckedInAt, v.CheckedOutAt, v.Outcome = Ptr(at(d, from)), Ptr(at(d, from+1)), aftersales.OutcomeFixed
			}
			b.Field.Visits = append(b.Field.Visits, v)
		}
		// The afternoon visit is the nearer one: the route is by window.
		visit(1, 2, 14, 2, aftersales.VisitCompleted)
		visit(2, 2, 9, 6, aftersales.VisitCompleted)
		visit(3, 3, 10, 3, aftersales.VisitCancelled)
		if err := db.BulkLoad(ctx, &b); err != nil {
			t.Fatal(err)
		}
		day := aftersales.DateOf(at(2, 0))
		if got, err := db.PlannedDay(ctx, tech.ID, day); err != nil || len(got) != 0 {
			t.Fatalf("a bulk-loaded day's plan before: %+v %v", got, err)
		}
		techCtx := aftersales.NewContextWithUser(ctx, tech)
		if _, err := db.PlanUnplannedDays(techCtx); aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
			t.Errorf("a technician plans days: %v", err)
		}
		if n, err := db.PlanUnplannedDays(ctx); err != nil || n != 1 {
			t.Fatalf("planned %d days (%v), want 1", n, err)
		}
		route, err := db.DayRoute(ctx, tech.ID, day)
		if err != nil {
			t.Fatal(err)
		}
		var want []sqlstore.PlannedVisit
		for _, s := range route.Stops {
			want = append(want, sqlstore.PlannedVisit{VisitID: s.VisitID, Seq: s.Seq, Start: Ptr(s.Start), Finish: Ptr(s.Finish)})
		}
		if len(want) != 2 || want[0].VisitID != 2 {
			t.Fatalf("the day's route: %+v", route.Stops)
		}
		got, err := db.PlannedDay(ctx, tech.ID, day)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored plan (-as DayRoute plans it +stored):\n%s", diff)
		}
		if got, err := db.PlannedDay(ctx, tech.ID, aftersales.DateOf(at(3, 0))); err != nil || len(got) != 0 {
			t.Errorf("the day of the cancelled visit: %+v %v", got, err)
		}
		if n, err := db.PlanUnplannedDays(ctx); err != nil || n != 0 {
			t.Errorf("a second call planned %d days (%v)", n, err)
		}
	})
}
