package sqlstore_test

import (
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// TestDayRoute: a technician's day is planned when visits are booked and
// planned again when one is moved, reassigned or cancelled; the stored
// plan and the route the API answers agree.
func TestDayRoute(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 6, 16, 0, 0, 0, time.UTC)) // Monday 7th, 00:00 in Shanghai
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		tech := MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		other := MustUser(t, ctx, db, "other@example.com", aftersales.RoleTechnician, nil)
		shifts := []aftersales.Shift{{Weekday: 1, StartMin: 8 * 60, EndMin: 18 * 60}}
		home := aftersales.Position{Lat: 30.65, Lng: 104.06}
		for _, u := range []int64{tech.ID, other.ID} {
			if _, err := db.SetTechnician(ctx, u, aftersales.TechnicianProfileInput{Home: &home, Shifts: shifts}); err != nil {
				t.Fatal(err)
			}
		}
		at := func(h, m int) time.Time { return time.Date(2026, 12, 7, h, m, 0, 0, db.Zone) }
		// Customers due east of home, km away.
		book := func(name string, km float64, from, to time.Time) (*aftersales.Ticket, *aftersales.Visit) {
			c, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: name, Phone: "13900000000",
				Address: aftersales.Address{Lat: Ptr(home.Lat), Lng: Ptr(home.Lng + km/96.2)}})
			if err != nil {
				t.Fatal(err)
			}
			tk := MustTicket(t, ctx, db, c.ID, name+"的空调")
			v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: from, WindowEnd: to, DurationMin: 60, TechnicianID: &tech.ID})
			if err != nil {
				t.Fatal(err)
			}
			return tk, v
		}
		// A lies 6 km out and must be seen 8-10, B (2 km) any time, C (4 km)
		// from 12:00. With A the day goes out to A and back through C and B
		// (12 km straight); without A, B comes first, since C must wait for
		// noon.
		_, va := book("甲", 6, at(8, 0), at(10, 0))
		tkB, vb := book("乙", 2, at(8, 0), at(18, 0))
		_, vc := book("丙", 4, at(12, 0), at(18, 0))
		day := aftersales.Date("2026-12-07")
		stored := func() []int64 {
			t.Helper()
			ps, err := db.PlannedDay(ctx, tech.ID, day)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, p := range ps {
				if p.Seq == 0 {
					t.Errorf("visit %d left out: %s", p.VisitID, p.Reason)
				}
				out = append(out, p.VisitID)
			}
			return out
		}
		fresh := func() []int64 {
			t.Helper()
			r, err := db.DayRoute(ctx, tech.ID, day)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, s := range r.Stops {
				out = append(out, s.VisitID)
			}
			return out
		}
		// From home: A (6 km) at 8:16, C (4 km) at 12:00, B (2 km) at 13:05.
		want := []int64{va.ID, vc.ID, vb.ID}
		if diff := cmp.Diff(want, stored()); diff != "" {
			t.Errorf("stored plan after booking (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, fresh()); diff != "" {
			t.Errorf("route after booking (-want +got):\n%s", diff)
		}

		// Cancelling A: the day is planned again without it, and B now comes
		// before C.
		if _, err := db.StepVisit(ctx, va.TicketID, va.ID, aftersales.VisitStep{To: aftersales.VisitCancelled, Reason: "客户取消", Version: va.Version}); err != nil {
			t.Fatal(err)
		}
		want = []int64{vb.ID, vc.ID}
		if diff := cmp.Diff(want, stored()); diff != "" {
			t.Errorf("stored plan after cancelling A (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, fresh()); diff != "" {
			t.Errorf("route after cancelling A (-want +got):\n%s", diff)
		}

		// Moving B to the other technician leaves C alone on this day.
		vb, err := db.RescheduleVisit(ctx, tkB.ID, vb.ID, aftersales.RescheduleInput{WindowStart: at(10, 0), WindowEnd: at(12, 0),
			TechnicianID: &other.ID, Reason: "改派", Version: vb.Version})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{vc.ID}, stored()); diff != "" {
			t.Errorf("stored plan after reassigning B (-want +got):\n%s", diff)
		}
		ps, err := db.PlannedDay(ctx, other.ID, day)
		if err != nil || len(ps) != 1 || ps[0].VisitID != vb.ID || ps[0].Seq != 1 || !ps[0].Start.Equal(at(10, 0)) {
			t.Errorf("the other technician's day: %+v %v", ps, err)
		}

		// Visibility: the technician sees their own day; another technician
		// is told it does not exist; a bad date names the field.
		techCtx := aftersales.NewContextWithUser(ctx, tech)
		if _, err := db.DayRoute(techCtx, tech.ID, day); err != nil {
			t.Errorf("own day: %v", err)
		}
		if _, err := db.DayRoute(techCtx, other.ID, day); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("another technician's day: %v", err)
		}
		if _, err := db.DayRoute(ctx, tech.ID, "2026-13-01"); fieldsOf(err)["date"] == "" {
			t.Errorf("bad date: %v", err)
		}
		if _, err := db.DayRoute(ctx, 999999, day); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("no such technician: %v", err)
		}
	})
}
