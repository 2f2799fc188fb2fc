package sqlstore_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
	"github.com/google/go-cmp/cmp"
)

// TestTechnicianUtilisation checks technician_utilisation on a hand-built
// fortnight whose answers are worked out here (Asia/Shanghai):
//
//	王 (service point under 西南大区), Mon 7 and Tue 8 Dec 08:00-12:00 and 13:00-17:00,
//	   leave Tue 10:00-14:00: shift 480 + 300 min
//	   Mon: completed, estimated 60, checked in 09:10, out 10:40: 90 min
//	   Mon: cancelled, estimated 120: not counted
//	   Tue: planned, estimated 45: 45 min
//	李 (service point under 华东大区), Mon 09:00-17:00: shift 480 min; Wed: no shift
//	   Mon: planned, estimated 120: 120 min
//	   Wed: planned, estimated 60, no shift that day: left out
//
// Overall (90 + 45 + 120) / (480 + 300 + 480) = 255/1260.
func TestTechnicianUtilisation(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, db.Zone) }
		unit := func(kind aftersales.UnitKind, code, name string, parent *int64) int64 {
			t.Helper()
			u, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: kind, Code: code, Name: name, ParentID: parent})
			if err != nil {
				t.Fatal(err)
			}
			return u.ID
		}
		sw := unit(aftersales.UnitRegion, "sw", "西南大区", nil)
		cd := unit(aftersales.UnitBranch, "cd", "成都分公司", &sw)
		ws := unit(aftersales.UnitWorkstation, "cd-w", "成都工作站", &cd)
		sp := unit(aftersales.UnitServicePoint, "cd-1", "武侯网点", &ws)
		east := unit(aftersales.UnitRegion, "east", "华东大区", nil)
		sh := unit(aftersales.UnitBranch, "sh", "上海分公司", &east)
		shw := unit(aftersales.UnitWorkstation, "sh-w", "上海工作站", &sh)
		sp2 := unit(aftersales.UnitServicePoint, "sh-1", "徐汇网点", &shw)
		tech := func(email, name string, u int64, shifts []aftersales.Shift, leave []aftersales.Leave) int64 {
			t.Helper()
			usr, err := db.CreateUser(ctx, aftersales.UserInput{Email: email, Name: name, Role: aftersales.RoleTechnician, Password: "password-123456"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SetTechnician(ctx, usr.ID, aftersales.TechnicianProfileInput{ServiceUnitID: &u, Shifts: shifts, Leave: leave}); err != nil {
				t.Fatal(err)
			}
			return usr.ID
		}
		wang := tech("wang@example.com", "王师傅", sp, []aftersales.Shift{
			{Weekday: 1, StartMin: 480, EndMin: 720}, {Weekday: 1, StartMin: 780, EndMin: 1020},
			{Weekday: 2, StartMin: 480, EndMin: 720}, {Weekday: 2, StartMin: 780, EndMin: 1020}},
			[]aftersales.Leave{{Start: at(8, 10, 0), End: at(8, 14, 0), Reason: "体检"}})
		li := tech("li@example.com", "李师傅", sp2, []aftersales.Shift{{Weekday: 1, StartMin: 540, EndMin: 1020}}, nil)
		c := MustCustomer(t, ctx, db, "利用率客户")
		book := func(tech int64, d, h, dur int) (*aftersales.Ticket, *aftersales.Visit) {
			t.Helper()
			tk := MustTicket(t, ctx, db, c.ID, "上门")
			v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(d, h, 0), WindowEnd: at(d, h+2, 0), DurationMin: dur, TechnicianID: &tech})
			if err != nil {
				t.Fatal(err)
			}
			return tk, v
		}
		step := func(tk *aftersales.Ticket, v *aftersales.Visit, when time.Time, in aftersales.VisitStep) *aftersales.Visit {
			t.Helper()
			clock.Advance(when.Sub(clock.Now()))
			in.Version = v.Version
			v, err := db.StepVisit(ctx, tk.ID, v.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		done, dv := book(wang, 7, 9, 60)
		gone, gv := book(wang, 7, 14, 120)
		book(wang, 8, 14, 45)
		book(li, 7, 13, 120)
		book(li, 9, 9, 60)
		step(gone, gv, at(6, 12, 0), aftersales.VisitStep{To: aftersales.VisitCancelled, Reason: "客户改期"})
		dv = step(done, dv, at(7, 9, 10), aftersales.VisitStep{To: aftersales.VisitCheckedIn})
		step(done, dv, at(7, 10, 40), aftersales.VisitStep{To: aftersales.VisitCompleted, Outcome: aftersales.OutcomeFixed})

		type pt struct {
			Key, Period string
			Num, N      int64
		}
		get := func(q aftersales.MetricQuery) (pt, []pt) {
			t.Helper()
			q.KPI, q.From, q.To = "technician_utilisation", at(7, 0, 0), at(10, 0, 0)
			res, err := db.Metric(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			conv := func(p aftersales.MetricPoint) pt {
				if (p.Value != nil) != (p.N > 0) || p.Value != nil && *p.Value != 100*float64(p.Num)/float64(p.N) {
					t.Errorf("%+v: value %v for %d/%d", q, p.Value, p.Num, p.N)
				}
				x := pt{Key: p.Key, Num: p.Num, N: p.N}
				if !p.Period.IsZero() {
					x.Period = p.Period.Format(time.DateOnly)
				}
				return x
			}
			var pts []pt
			for _, p := range res.Points {
				pts = append(pts, conv(p))
			}
			return conv(res.Total), pts
		}
		id := fmtInt
		for _, tc := range []struct {
			name   string
			q      aftersales.MetricQuery
			total  pt
			points []pt
		}{
			{"by day", aftersales.MetricQuery{Grain: aftersales.GrainDay}, pt{Num: 255, N: 1260},
				[]pt{{Period: "2026-12-07", Num: 210, N: 960}, {Period: "2026-12-08", Num: 45, N: 300}, {Period: "2026-12-09"}}},
			{"by week", aftersales.MetricQuery{Grain: aftersales.GrainWeek}, pt{Num: 255, N: 1260},
				[]pt{{Period: "2026-12-07", Num: 255, N: 1260}}},
			{"by technician", aftersales.MetricQuery{By: aftersales.DimTechnician}, pt{Num: 255, N: 1260},
				[]pt{{Key: id(wang), Num: 135, N: 780}, {Key: id(li), Num: 120, N: 480}}},
			{"by region", aftersales.MetricQuery{By: aftersales.DimRegion}, pt{Num: 255, N: 1260},
				[]pt{{Key: id(sw), Num: 135, N: 780}, {Key: id(east), Num: 120, N: 480}}},
			{"one branch, its points' technicians included", aftersales.MetricQuery{Grain: aftersales.GrainMonth, Filter: aftersales.DimPoint, Value: id(cd)},
				pt{Num: 135, N: 780}, []pt{{Period: "2026-12-01", Num: 135, N: 780}}},
			{"one technician by day", aftersales.MetricQuery{Grain: aftersales.GrainDay, Filter: aftersales.DimTechnician, Value: id(li)},
				pt{Num: 120, N: 480}, []pt{{Period: "2026-12-07", Num: 120, N: 480}, {Period: "2026-12-08"}, {Period: "2026-12-09"}}},
			{"technician by day matrix", aftersales.MetricQuery{Grain: aftersales.GrainDay, By: aftersales.DimTechnician, Filter: aftersales.DimTechnician, Value: id(wang)},
				pt{Num: 135, N: 780}, []pt{{Key: id(wang), Period: "2026-12-07", Num: 90, N: 480}, {Key: id(wang), Period: "2026-12-08", Num: 45, N: 300},
					{Key: id(wang), Period: "2026-12-09"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				total, pts := get(tc.q)
				// Groups come sorted by their id; compare as sets.
				sortPts := func(p []pt) {
					slices.SortFunc(p, func(a, b pt) int { return strings.Compare(a.Key+a.Period, b.Key+b.Period) })
				}
				sortPts(pts)
				sortPts(tc.points)
				if diff := cmp.Diff(tc.total, total); diff != "" {
					t.Errorf("total (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.points, pts); diff != "" {
					t.Errorf("points (-want +got):\n%s", diff)
				}
			})
		}
		// Alert rules take it (a threshold or an XmR chart; not a p-chart:
		// its num and n are minutes, not tickets), and a breach's evidence
		// opens the dispatch board of the period.
		th := 50.0
		if err := db.SaveAlertRule(ctx, &aftersales.AlertRule{KPI: "technician_utilisation", Grain: aftersales.GrainWeek, Chart: "p",
			BaselineFrom: Ptr(at(1, 0, 0)), BaselineTo: Ptr(at(7, 0, 0))}); fieldsOf(err)["chart"] == "" {
			t.Errorf("p-chart on utilisation: %v, want refused naming chart", err)
		}
		if err := db.SaveAlertRule(ctx, &aftersales.AlertRule{KPI: "technician_utilisation", Grain: aftersales.GrainWeek, Threshold: &th,
			Dim: aftersales.DimPoint, Value: id(sp), Active: true}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(at(15, 9, 0).Sub(clock.Now()))
		if _, err := db.EvaluateAlerts(ctx); err != nil {
			t.Fatal(err)
		}
		items, err := db.ImprovementItems(ctx, aftersales.ItemFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var ev []aftersales.AlertEvidence
		for _, it := range items {
			if it.KPI == "technician_utilisation" {
				ev = it.Evidence
			}
		}
		// The weeks before had shifts and no visits: 0% breaches too.
		if n := len(ev); n == 0 || ev[n-1].Value != 100*135.0/780 || ev[n-1].N != 780 || ev[n-1].Tickets != "/dispatch?date=2026-12-07&unit="+id(sp) ||
			ev[0].Value != 0 || ev[0].N != 960 {
			t.Errorf("utilisation evidence %+v, want 0 of 960 before, then the week of 7 Dec at 135/780 linking to its board", ev)
		}
		// Only the technician's own dimensions: a ticket dimension is refused.
		_, err = db.Metric(ctx, aftersales.MetricQuery{KPI: "technician_utilisation", From: at(7, 0, 0), To: at(10, 0, 0), By: aftersales.DimChannel})
		if fieldsOf(err)["by"] == "" {
			t.Errorf("by channel: %v, want an error naming by", err)
		}
	})
}
