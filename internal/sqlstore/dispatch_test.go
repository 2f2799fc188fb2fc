package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// dispatchFixture is a service point in Chengdu with two air-conditioning
// technicians: near lives 2 km east of the customers' street, far 12 km.
type dispatchFixture struct {
	sp        *aftersales.ServiceUnit
	near, far *aftersales.User
	cat       *aftersales.Category
	home      aftersales.Position
}

func newDispatchFixture(t *testing.T, ctx context.Context, db *sqlstore.DB) *dispatchFixture {
	t.Helper()
	f := &dispatchFixture{home: aftersales.Position{Lat: 30.65, Lng: 104.06}}
	region, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "sw", Name: "西南大区"})
	if err != nil {
		t.Fatal(err)
	}
	branch, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "cd", Name: "成都分公司", ParentID: &region.ID})
	ws, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitWorkstation, Code: "cd-w", Name: "成都工作站", ParentID: &branch.ID})
	if f.sp, err = db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitServicePoint, Code: "cd-1", Name: "武侯网点", ParentID: &ws.ID}); err != nil {
		t.Fatal(err)
	}
	if f.cat, err = db.CreateCategory(ctx, aftersales.CategoryInput{Code: "ac", NameZH: "空调", NameEN: "Air conditioner"}); err != nil {
		t.Fatal(err)
	}
	shifts := []aftersales.Shift{{Weekday: 1, StartMin: 8 * 60, EndMin: 18 * 60}}
	mk := func(email, name string, km float64) *aftersales.User {
		u, err := db.CreateUser(ctx, aftersales.UserInput{Email: email, Name: name, Role: aftersales.RoleTechnician, Password: "password-123456",
			Skills: []aftersales.Skill{{CategoryID: f.cat.ID, Level: 3}}})
		if err != nil {
			t.Fatal(err)
		}
		home := aftersales.Position{Lat: f.home.Lat, Lng: f.home.Lng + km/96.2}
		if _, err := db.SetTechnician(ctx, u.ID, aftersales.TechnicianProfileInput{ServiceUnitID: &f.sp.ID, Home: &home, Shifts: shifts, CapacityVisits: 6}); err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.near, f.far = mk("near@example.com", "王师傅", 2), mk("far@example.com", "李师傅", 12)
	return f
}

// customerTicket opens a ticket at the service point for a customer
// km east of the street, with an email address.
func (f *dispatchFixture) customerTicket(t *testing.T, ctx context.Context, db *sqlstore.DB, name string, km float64) *aftersales.Ticket {
	t.Helper()
	c, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: name, Phone: "13900000000", Email: name + "@example.com",
		Address: aftersales.Address{Lat: Ptr(f.home.Lat), Lng: Ptr(f.home.Lng + km/96.2)}})
	if err != nil {
		t.Fatal(err)
	}
	in := TicketInput(c.ID, name+"的空调不制冷")
	in.ServiceUnitID = &f.sp.ID
	tk, err := db.CreateTicket(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// TestDispatchBoard: an unassigned visit waits in the side list with
// suggestions explained; assigning it re-plans the technician's day,
// notifies the technician and sends the customer the confirmation when
// the window moves; a stale or foreign move is refused.
func TestDispatchBoard(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)) // Monday 08:00 in Shanghai
		db.Now = clock.Now
		db.EmailNotifications = true
		db.PublicURL = "https://service.example.com"
		ctx, _ := Admin(t, db)
		f := newDispatchFixture(t, ctx, db)
		at := func(h, m int) time.Time { return time.Date(2026, 12, 7, h, m, 0, 0, db.Zone) }
		day := aftersales.Date("2026-12-07")
		tk := f.customerTicket(t, ctx, db, "张女士", 0)
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(14, 0), WindowEnd: at(16, 0), DurationMin: 60,
			Skills: []aftersales.Skill{{CategoryID: f.cat.ID, Level: 2}}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.Board(ctx, f.sp.ID, day)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Unassigned) != 1 || b.Unassigned[0].VisitID != v.ID || b.Unassigned[0].TicketNumber != tk.Number || len(b.Technicians) != 2 {
			t.Fatalf("board before: %+v", b)
		}
		sug, err := db.Suggest(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		type why struct {
			ID     int64
			Skill  string
			Level  int
			Travel int
			From   string
		}
		var got []why
		for _, s := range sug {
			got = append(got, why{s.TechnicianID, s.Why.Skills[0].Category, s.Why.Skills[0].Level, s.Why.TravelMin, s.Why.From})
		}
		// 2 km straight, 2.6 road km at 30 km/h: 6 minutes; 12 km: 32.
		if d := cmp.Diff([]why{{f.near.ID, "空调", 3, 6, "home"}, {f.far.ID, "空调", 3, 32, "home"}}, got); d != "" {
			t.Errorf("suggestions (-want +got):\n%s", d)
		}

		// Booking sent the customer a confirmation already: the outbox
		// holds one mail to them. Assigning without moving sends no more.
		v, err = db.Dispatch(ctx, v.ID, aftersales.DispatchInput{TechnicianID: &f.near.ID, Version: v.Version})
		if err != nil || v.TechnicianID == nil || *v.TechnicianID != f.near.ID {
			t.Fatalf("assign: %+v %v", v, err)
		}
		if _, err := db.Dispatch(ctx, v.ID, aftersales.DispatchInput{TechnicianID: &f.far.ID, Version: v.Version - 1}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("stale dispatch: %v", err)
		}
		if ps, _ := db.PlannedDay(ctx, f.near.ID, day); len(ps) != 1 || ps[0].VisitID != v.ID || ps[0].Seq != 1 {
			t.Errorf("near's day after assigning: %+v", ps)
		}
		// Move it to far, an hour later: near's day is emptied, far's planned.
		v, err = db.Dispatch(ctx, v.ID, aftersales.DispatchInput{TechnicianID: &f.far.ID, WindowStart: at(15, 0), WindowEnd: at(17, 0),
			Reason: "王师傅请假", Version: v.Version})
		if err != nil {
			t.Fatal(err)
		}
		if ps, _ := db.PlannedDay(ctx, f.near.ID, day); len(ps) != 0 {
			t.Errorf("near's day after the move: %+v", ps)
		}
		if ps, _ := db.PlannedDay(ctx, f.far.ID, day); len(ps) != 1 || ps[0].Start == nil || ps[0].Start.Before(at(15, 0)) {
			t.Errorf("far's day after the move: %+v", ps)
		}
		b, _ = db.Board(ctx, f.sp.ID, day)
		if len(b.Unassigned) != 0 || len(b.Technicians[1].Visits) != 1 || b.Technicians[1].Visits[0].Seq != 1 || b.Technicians[1].DriveMin == 0 {
			t.Errorf("board after: %+v", b)
		}

		kinds := func(u *aftersales.User) []string {
			ns, err := db.ListNotifications(aftersales.NewContextWithUser(ctx, u), false, 10)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range ns {
				out = append(out, n.Kind)
			}
			return out
		}
		if d := cmp.Diff([]string{"visit.unassigned", "visit.assigned"}, kinds(f.near)); d != "" {
			t.Errorf("near's notifications, newest first (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]string{"visit.assigned"}, kinds(f.far)); d != "" {
			t.Errorf("far's notifications (-want +got):\n%s", d)
		}
		// Cancelling tells far.
		if _, err := db.StepVisit(ctx, tk.ID, v.ID, aftersales.VisitStep{To: aftersales.VisitCancelled, Reason: "客户取消", Version: v.Version}); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"visit.cancelled", "visit.assigned"}, kinds(f.far)); d != "" {
			t.Errorf("far's notifications after the cancellation (-want +got):\n%s", d)
		}

		mails, err := db.ClaimEmails(ctx, 50, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var customer []string
		for _, m := range mails {
			if m.To == "张女士@example.com" {
				customer = append(customer, m.Body)
			}
		}
		// Booked (no technician yet) and moved (李师傅, 15:00-17:00).
		if len(customer) != 2 || !strings.Contains(customer[0], "2026-12-07 14:00-16:00") || !strings.Contains(customer[1], "李师傅") ||
			!strings.Contains(customer[1], "2026-12-07 15:00-17:00") || !strings.Contains(customer[1], "https://service.example.com/follow/"+tk.Number+"?t=") {
			t.Errorf("customer confirmations: %q", customer)
		}
		// Its link opens the follow page.
		if _, link, ok := strings.Cut(customer[len(customer)-1], "?t="); ok {
			tok, _, _ := strings.Cut(link, "\n")
			if p, err := db.FollowTicket(ctx, tk.Number, tok); err != nil || p.Number != tk.Number {
				t.Errorf("follow link from the confirmation: %+v %v", p, err)
			}
		}

		// A technician may not use the board.
		techCtx := aftersales.NewContextWithUser(ctx, f.near)
		if _, err := db.Board(techCtx, f.sp.ID, day); aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
			t.Errorf("board for a technician: %v", err)
		}
		if _, err := db.Board(ctx, f.sp.ID+999, day); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("board of a missing point: %v", err)
		}
	})
}

// TestPlanFromCurrentPosition: a position reported today starts the rest
// of the day's route there and then.
func TestPlanFromCurrentPosition(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)) // Monday 10:00 in Shanghai
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		f := newDispatchFixture(t, ctx, db)
		at := func(h, m int) time.Time { return time.Date(2026, 12, 7, h, m, 0, 0, db.Zone) }
		day := aftersales.Date("2026-12-07")
		tk := f.customerTicket(t, ctx, db, "赵先生", 20) // 18 km east of near's home
		if _, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(8, 0), WindowEnd: at(18, 0), DurationMin: 60,
			TechnicianID: &f.near.ID}); err != nil {
			t.Fatal(err)
		}
		techCtx := aftersales.NewContextWithUser(ctx, f.near)
		r, err := db.DayRoute(techCtx, f.near.ID, day)
		if err != nil || len(r.Stops) != 1 || r.Current != nil || r.Stops[0].TravelMin < 40 {
			t.Fatalf("from home: %+v %v", r, err)
		}
		// The technician is 1 km from the customer at 10:00.
		p, err := db.ReportPosition(techCtx, aftersales.Position{Lat: f.home.Lat, Lng: f.home.Lng + 19/96.2})
		if err != nil || p.Source != "update" {
			t.Fatalf("report position: %+v %v", p, err)
		}
		r, err = db.DayRoute(techCtx, f.near.ID, day)
		if err != nil || r.Current == nil || len(r.Stops) != 1 || r.Stops[0].TravelMin != 3 || r.Stops[0].Arrive.Before(at(10, 2)) || r.Stops[0].Arrive.After(at(10, 3)) {
			t.Fatalf("from the position: %+v %v", r, err)
		}
		// The stored plan was rewritten from there too.
		if ps, _ := db.PlannedDay(techCtx, f.near.ID, day); len(ps) != 1 || ps[0].Start == nil || !ps[0].Start.Before(at(10, 5)) {
			t.Errorf("stored plan: %+v", ps)
		}
		// Four hours later the position is stale: the day plans from home.
		clock.Advance(4 * time.Hour)
		if r, _ = db.DayRoute(techCtx, f.near.ID, day); r.Current != nil {
			t.Errorf("a stale position still starts the day: %+v", r.Current)
		}
		if _, err := db.ReportPosition(ctx, aftersales.Position{Lat: 30, Lng: 104}); aftersales.ErrorCode(err) != aftersales.EINVALID {
			t.Errorf("an admin reporting a position: %v", err)
		}
	})
}
