package sqlstore_test

import (
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// TestReorderDay: a supervisor moves a visit later in a technician's day
// by hand. The planner keeps that order and only times the day; the visit
// the order pushes past its window is flagged late by the exact minutes,
// not refused or reordered; the technician is notified, the tickets'
// timelines and the audit say so; a visit booked into the day later joins
// where its window puts it, a visit moved to another window leaves the
// manual order, and an empty order hands the day back to the planner.
//
// All customers live where the technician does (no driving), shift
// 08:00-18:00, three one-hour visits: A 09:00-10:00, B 11:00-12:00,
// C 14:00-15:00, so the planner's order is A B C. B later gives A C B:
// A 09:00, C 14:00, B 15:00, three hours after B's window ends at 12:00.
func TestReorderDay(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		f := newDispatchFixture(t, ctx, db)
		at := func(h, m int) time.Time { return time.Date(2026, 12, 7, h, m, 0, 0, db.Zone) }
		day := aftersales.Date("2026-12-07")
		tech := f.near.ID
		type booked struct {
			tk *aftersales.Ticket
			v  *aftersales.Visit
		}
		book := func(name string, h int) booked {
			t.Helper()
			tk := f.customerTicket(t, ctx, db, name, 2)
			v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(h, 0), WindowEnd: at(h+1, 0), DurationMin: 60, TechnicianID: &tech})
			if err != nil {
				t.Fatal(err)
			}
			return booked{tk, v}
		}
		a, b, c := book("甲", 9), book("乙", 11), book("丙", 14)
		type stop struct {
			ID           int64
			Start        string
			Late, Slack  int
			ManualPinned bool
		}
		route := func(r *aftersales.DayRoute) (bool, []stop) {
			var out []stop
			for _, s := range r.Stops {
				out = append(out, stop{ID: s.VisitID, Start: s.Start.In(db.Zone).Format("15:04"), Late: s.LateMin, Slack: s.SlackMin})
			}
			return r.Manual, out
		}
		board := func() (bool, []stop) {
			t.Helper()
			bd, err := db.Board(ctx, f.sp.ID, day)
			if err != nil {
				t.Fatal(err)
			}
			for _, bt := range bd.Technicians {
				if bt.TechnicianID != tech {
					continue
				}
				var out []stop
				for _, v := range bt.Visits {
					out = append(out, stop{ID: v.VisitID, Start: v.PlannedStart.In(db.Zone).Format("15:04"), Late: v.LateMin, ManualPinned: v.Pinned})
				}
				return bt.Manual, out
			}
			t.Fatal("no row for the technician")
			return false, nil
		}
		r, err := db.DayRoute(ctx, tech, day)
		if err != nil {
			t.Fatal(err)
		}
		// Slack: how much later each could start; C's window ends at 15:00.
		if m, got := route(r); m || !cmp.Equal(got, []stop{{a.v.ID, "09:00", 0, 60, false}, {b.v.ID, "11:00", 0, 60, false}, {c.v.ID, "14:00", 0, 60, false}}) {
			t.Fatalf("the planner's day: manual %v %+v", m, got)
		}

		// B one place later.
		r, err = db.ReorderVisit(ctx, b.v.ID, aftersales.ReorderInput{Direction: "later", Reason: "客户上午不在家", Version: b.v.Version})
		if err != nil {
			t.Fatal(err)
		}
		want := []stop{{a.v.ID, "09:00", 0, 60, false}, {c.v.ID, "14:00", 0, -180, false}, {b.v.ID, "15:00", 180, -180, false}}
		if m, got := route(r); !m || !cmp.Equal(got, want) {
			t.Errorf("after B later: manual %v\n%s", m, cmp.Diff(want, got))
		}
		if m, got := board(); !m || !cmp.Equal(got, []stop{{a.v.ID, "09:00", 0, 0, true}, {c.v.ID, "14:00", 0, 0, true}, {b.v.ID, "15:00", 180, 0, true}}) {
			t.Errorf("board after B later: manual %v %+v", m, got)
		}
		// The stored plan the technician's page reads agrees.
		if ps, err := db.PlannedDay(ctx, tech, day); err != nil || len(ps) != 3 || ps[2].VisitID != b.v.ID || !ps[2].Start.Equal(at(15, 0)) {
			t.Errorf("planned day: %+v %v", ps, err)
		}
		// Timelines: B went from place 2 to 3 with the risk, C from 3 to 2;
		// A did not move.
		visitLine := func(tk *aftersales.Ticket) []string {
			t.Helper()
			evs, err := db.Timeline(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range evs {
				if e.Field == "visit" && e.Kind == aftersales.EventFieldChanged && len(e.To) > 3 && e.To[3:12] == "reordered" {
					out = append(out, e.From+" → "+e.To+" ("+e.Body+")")
				}
			}
			return out
		}
		if d := cmp.Diff([]string{"2 → #1 reordered 3 late_risk 180 min (客户上午不在家)"}, visitLine(b.tk)); d != "" {
			t.Errorf("B's timeline (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]string{"3 → #1 reordered 2 (客户上午不在家)"}, visitLine(c.tk)); d != "" {
			t.Errorf("C's timeline (-want +got):\n%s", d)
		}
		if got := visitLine(a.tk); len(got) != 0 {
			t.Errorf("A's timeline: %q", got)
		}
		if h, err := db.VisitHistory(ctx, b.tk.ID, b.v.ID); err != nil || h[len(h)-1].Kind != "reordered" || h[len(h)-1].From != "2" || h[len(h)-1].To != "3" {
			t.Errorf("B's history: %+v %v", h, err)
		}
		ns, err := db.ListNotifications(aftersales.NewContextWithUser(ctx, f.near), false, 10)
		if err != nil || len(ns) == 0 || ns[0].Kind != "visit.reordered" || ns[0].Link != "/my/day?date=2026-12-07" {
			t.Errorf("the technician's notifications: %+v %v", ns, err)
		}
		au, err := db.ListAudit(ctx, aftersales.AuditFilter{Action: "visit.reorder"})
		if err != nil || len(au) != 1 || au[0].EntityID != tech {
			t.Errorf("audit: %+v %v", au, err)
		}

		// Refused: a stale version, past the first place, a technician.
		if _, err := db.ReorderVisit(ctx, b.v.ID, aftersales.ReorderInput{Direction: "earlier", Version: b.v.Version}); fieldsOf(err)["version"] == "" {
			t.Errorf("stale: %v", err)
		}
		va, _ := db.FindVisit(ctx, a.tk.ID, a.v.ID)
		if _, err := db.ReorderVisit(ctx, a.v.ID, aftersales.ReorderInput{Direction: "earlier", Version: va.Version}); aftersales.ErrorCode(err) != aftersales.ECONFLICT || fieldsOf(err)["direction"] == "" {
			t.Errorf("first earlier: %v", err)
		}
		if _, err := db.ReorderVisit(ctx, a.v.ID, aftersales.ReorderInput{Direction: "sideways", Version: va.Version}); fieldsOf(err)["direction"] == "" {
			t.Errorf("bad direction: %v", err)
		}
		if _, err := db.ReorderVisit(aftersales.NewContextWithUser(ctx, f.near), a.v.ID, aftersales.ReorderInput{Direction: "later", Version: va.Version}); aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
			t.Errorf("a technician reorders: %v", err)
		}

		// A visit booked into the ordered day joins where its window puts
		// it: D 10:00-11:00 after A, before C.
		d := book("丁", 10)
		if m, got := board(); !m || len(got) != 4 || got[1].ID != d.v.ID || got[1].ManualPinned || got[3].ID != b.v.ID || got[3].Late != 180 {
			t.Errorf("board after booking D: manual %v %+v", m, got)
		}
		// Moving B's window to 16:00-17:00 takes it out of the manual order:
		// it joins by its window, on time.
		vb, _ := db.FindVisit(ctx, b.tk.ID, b.v.ID)
		if _, err := db.Dispatch(ctx, b.v.ID, aftersales.DispatchInput{TechnicianID: &tech, WindowStart: at(16, 0), WindowEnd: at(17, 0), Version: vb.Version}); err != nil {
			t.Fatal(err)
		}
		if m, got := board(); !m || !cmp.Equal(got, []stop{{a.v.ID, "09:00", 0, 0, true}, {d.v.ID, "10:00", 0, 0, false}, {c.v.ID, "14:00", 0, 0, true}, {b.v.ID, "16:00", 0, 0, false}}) {
			t.Errorf("board after moving B: manual %v %+v", m, got)
		}

		// The whole day by hand: every visit once.
		if _, err := db.SetDayOrder(ctx, tech, day, aftersales.DayOrderInput{VisitIDs: []int64{a.v.ID, c.v.ID}}); fieldsOf(err)["visit_ids"] == "" {
			t.Errorf("a visit missing: %v", err)
		}
		if _, err := db.SetDayOrder(ctx, tech, day, aftersales.DayOrderInput{VisitIDs: []int64{a.v.ID, a.v.ID}}); fieldsOf(err)["visit_ids[1]"] == "" {
			t.Errorf("a visit twice: %v", err)
		}
		if _, err := db.SetDayOrder(ctx, tech, day, aftersales.DayOrderInput{VisitIDs: []int64{b.v.ID + 1000, a.v.ID, b.v.ID, c.v.ID, d.v.ID}}); fieldsOf(err)["visit_ids[0]"] == "" {
			t.Errorf("a foreign visit: %v", err)
		}
		if _, err := db.SetDayOrder(ctx, tech, "7.12.2026", aftersales.DayOrderInput{}); fieldsOf(err)["date"] == "" {
			t.Errorf("bad date: %v", err)
		}
		r, err = db.SetDayOrder(ctx, tech, day, aftersales.DayOrderInput{VisitIDs: []int64{d.v.ID, a.v.ID, c.v.ID, b.v.ID}})
		if err != nil {
			t.Fatal(err)
		}
		// D at 10:00, then A at 11:00: an hour after A's window.
		if m, got := route(r); !m || len(got) != 4 || got[0].ID != d.v.ID || got[1].ID != a.v.ID || got[1].Start != "11:00" || got[1].Late != 60 {
			t.Errorf("the day by hand: manual %v %+v", m, got)
		}
		// Back to the planner.
		r, err = db.SetDayOrder(ctx, tech, day, aftersales.DayOrderInput{})
		if err != nil {
			t.Fatal(err)
		}
		if m, got := route(r); m || len(got) != 4 || got[0].ID != a.v.ID || got[1].ID != d.v.ID || got[0].Late+got[1].Late+got[2].Late+got[3].Late != 0 {
			t.Errorf("back to the planner: manual %v %+v", m, got)
		}
		if m, got := board(); m || got[0].ManualPinned || got[3].ManualPinned {
			t.Errorf("board back to the planner: manual %v %+v", m, got)
		}
	})
}
