package sqlstore_test

import (
	"strconv"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

func TestVisits(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) // 08:00 in Shanghai
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		f := newStock(t, ctx, db)
		other := MustUser(t, ctx, db, "other@example.com", aftersales.RoleTechnician, nil)
		c := MustCustomer(t, ctx, db, "上门客户")
		tk := MustTicket(t, ctx, db, c.ID, "洗衣机漏水")
		at := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, db.Zone) }
		if _, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(11, 0), WindowEnd: at(9, 0), DurationMin: 60}); fieldsOf(err)["window_end"] == "" {
			t.Errorf("window ending before it starts: %v", err)
		}
		if _, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(9, 0), WindowEnd: at(11, 0), DurationMin: 60,
			TechnicianID: &c.ID}); fieldsOf(err)["technician_id"] == "" {
			t.Errorf("visit for a non-technician: %v", err)
		}
		v1, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(9, 0), WindowEnd: at(11, 0), DurationMin: 60,
			TechnicianID: &f.tech.ID, Skills: []aftersales.Skill{}})
		if err != nil || v1.Number != 1 || v1.Status != aftersales.VisitScheduled {
			t.Fatalf("first visit: %+v %v", v1, err)
		}

		// Parts held for the visit go back to the shelf when it is cancelled.
		mustMove(t, ctx, db, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: f.part.ID, LocationID: f.van.ID, Qty: 2})
		r, err := db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: f.part.ID, LocationID: f.van.ID, VisitID: &v1.ID, Qty: 2})
		if err != nil {
			t.Fatal(err)
		}
		if got := balance(t, ctx, db, f.part.ID, f.van.ID); got != [3]int64{2, 2, 0} {
			t.Errorf("after reserving for the visit: %v", got)
		}
		// Reschedule: the old window stays in the history.
		if _, err := db.RescheduleVisit(ctx, tk.ID, v1.ID, aftersales.RescheduleInput{WindowStart: at(14, 0), WindowEnd: at(16, 0), Version: v1.Version}); fieldsOf(err)["reason"] == "" {
			t.Errorf("reschedule without a reason: %v", err)
		}
		v1, err = db.RescheduleVisit(ctx, tk.ID, v1.ID, aftersales.RescheduleInput{WindowStart: at(14, 0), WindowEnd: at(16, 0),
			TechnicianID: &other.ID, Reason: "客户改约", Version: v1.Version})
		if err != nil || !v1.WindowStart.Equal(at(14, 0)) || *v1.TechnicianID != other.ID {
			t.Fatalf("reschedule: %+v %v", v1, err)
		}
		v1, err = db.StepVisit(ctx, tk.ID, v1.ID, aftersales.VisitStep{To: aftersales.VisitCancelled, Reason: "客户取消", Version: v1.Version})
		if err != nil || v1.Status != aftersales.VisitCancelled {
			t.Fatalf("cancel: %+v %v", v1, err)
		}
		if got := balance(t, ctx, db, f.part.ID, f.van.ID); got != [3]int64{2, 0, 2} {
			t.Errorf("after cancelling the visit: %v", got)
		}
		if rs, _ := db.ListReservations(ctx, tk.ID); len(rs) != 1 || rs[0].ID != r.ID || rs[0].Status != aftersales.ReservationReleased {
			t.Errorf("reservation after cancel: %+v", rs)
		}
		hist, err := db.VisitHistory(ctx, tk.ID, v1.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range hist {
			kinds = append(kinds, e.Kind+" "+e.From+" > "+e.To)
		}
		want := []string{
			"created  > 2026-12-01 09:00-11:00",
			"assigned  > " + fmtInt(f.tech.ID),
			"rescheduled 2026-12-01 09:00-11:00 > 2026-12-01 14:00-16:00",
			"assigned " + fmtInt(f.tech.ID) + " > " + fmtInt(other.ID),
			"status scheduled > cancelled",
		}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		if err := db.ExecRaw(ctx, `UPDATE visit_events SET reason = 'x' WHERE id = $1`, hist[0].ID); err == nil {
			t.Error("a visit's history was rewritten")
		}
		if err := db.ExecRaw(ctx, `DELETE FROM visit_events WHERE id = $1`, hist[0].ID); err == nil {
			t.Error("a visit's history was deleted")
		}
		if _, err := db.RescheduleVisit(ctx, tk.ID, v1.ID, aftersales.RescheduleInput{WindowStart: at(14, 0), WindowEnd: at(16, 0),
			Reason: "x", Version: v1.Version}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("rescheduling a cancelled visit: %v", err)
		}

		// The second visit: another technician may not check it in; its
		// own technician checks in after the window: late.
		v2, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(9, 0), WindowEnd: at(11, 0), DurationMin: 45,
			TechnicianID: &f.tech.ID})
		if err != nil || v2.Number != 2 {
			t.Fatalf("second visit: %+v %v", v2, err)
		}
		techCtx := aftersales.NewContextWithUser(ctx, f.tech)
		otherCtx := aftersales.NewContextWithUser(ctx, other)
		// Technicians see their own tickets only: assign it to the first.
		tk, _ = db.FindTicket(ctx, tk.ID)
		if _, err := db.Assign(ctx, tk.ID, tk.Version, nil, &f.tech.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindVisit(otherCtx, tk.ID, v2.ID); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("a visit of a ticket the caller may not see: %v", err)
		}
		if _, err := db.StepVisit(techCtx, tk.ID, v2.ID, aftersales.VisitStep{To: aftersales.VisitCompleted, Outcome: aftersales.OutcomeFixed,
			Version: v2.Version}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("complete before check-in: %v", err)
		}
		clock.Advance(3*time.Hour + 30*time.Minute) // 11:30
		v2, err = db.StepVisit(techCtx, tk.ID, v2.ID, aftersales.VisitStep{To: aftersales.VisitCheckedIn,
			Position: &aftersales.Position{Lat: 30.66, Lng: 104.06}, Version: v2.Version})
		if err != nil || !v2.Late || v2.CheckIn == nil || v2.CheckIn.Lat != 30.66 {
			t.Fatalf("late check-in: %+v %v", v2, err)
		}
		clock.Advance(40 * time.Minute)
		if _, err := db.StepVisit(techCtx, tk.ID, v2.ID, aftersales.VisitStep{To: aftersales.VisitCompleted, Version: v2.Version}); fieldsOf(err)["outcome"] == "" {
			t.Errorf("complete without an outcome: %v", err)
		}
		v2, err = db.StepVisit(techCtx, tk.ID, v2.ID, aftersales.VisitStep{To: aftersales.VisitCompleted, Outcome: aftersales.OutcomeFixed, Version: v2.Version})
		if err != nil || v2.Outcome != aftersales.OutcomeFixed || v2.CheckedOutAt.Sub(*v2.CheckedInAt) != 40*time.Minute {
			t.Fatalf("complete: %+v %v", v2, err)
		}
		vs, err := db.ListVisits(ctx, tk.ID)
		if err != nil || len(vs) != 2 || vs[0].Late || !vs[1].Late {
			t.Errorf("visits: %+v %v", vs, err)
		}
	})
}

func fmtInt(v int64) string { return strconv.FormatInt(v, 10) }

// TestFieldKPIs: first-time fix and arrival within the promised window
// come from visits through the rollups:
//
//	A: visit 1 on time, fixed                    -> first fixed; on time
//	B: visit 1 late, customer absent; visit 2 on time, fixed -> not first fixed; late, on time
//	C: visit 1 booked only                       -> nothing
//
// first_time_fix = 1/2, window_on_time = 2/3.
func TestFieldKPIs(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) // 08:00 in Shanghai
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "指标客户")
		at := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, db.Zone) }
		book := func(tk *aftersales.Ticket, d int) *aftersales.Visit {
			t.Helper()
			v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(d, 9), WindowEnd: at(d, 11), DurationMin: 60})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		run := func(tk *aftersales.Ticket, v *aftersales.Visit, in, out time.Time, outcome aftersales.VisitOutcome) {
			t.Helper()
			clock.Advance(in.Sub(clock.Now()))
			v, err := db.StepVisit(ctx, tk.ID, v.ID, aftersales.VisitStep{To: aftersales.VisitCheckedIn, Version: v.Version})
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(out.Sub(clock.Now()))
			if _, err := db.StepVisit(ctx, tk.ID, v.ID, aftersales.VisitStep{To: aftersales.VisitCompleted, Outcome: outcome, Version: v.Version}); err != nil {
				t.Fatal(err)
			}
		}
		a, b, cc := MustTicket(t, ctx, db, c.ID, "A"), MustTicket(t, ctx, db, c.ID, "B"), MustTicket(t, ctx, db, c.ID, "C")
		a1, b1, b2 := book(a, 1), book(b, 1), book(b, 2)
		book(cc, 3)
		run(a, a1, at(1, 10), at(1, 11), aftersales.OutcomeFixed)
		run(b, b1, at(1, 12), at(1, 13), aftersales.OutcomeCustomerAbsent)
		run(b, b2, at(2, 10), at(2, 11), aftersales.OutcomeFixed)
		for _, tc := range []struct {
			kpi      string
			num, den int64
		}{{"first_time_fix", 1, 2}, {"window_on_time", 2, 3}} {
			catchUp(t, ctx, db)
			res, err := db.Metric(ctx, aftersales.MetricQuery{KPI: tc.kpi, From: at(1, 0), To: at(4, 0)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total.Value == nil || res.Total.Num != tc.num || res.Total.N != tc.den {
				t.Errorf("%s = %+v, want %d/%d", tc.kpi, res.Total, tc.num, tc.den)
			}
		}
		// The rollups kept by the write path equal a recompute from the raw
		// visits.
		check, err := db.RecomputeRollups(ctx, false)
		if err != nil || check.Differences != 0 {
			t.Errorf("recompute: %+v %v", check, err)
		}
	})
}
