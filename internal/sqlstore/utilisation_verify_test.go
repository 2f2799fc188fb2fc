package sqlstore_test

import (
	"math"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestVerifyUtilisation verifies an improvement item on
// technician_utilisation, which has no per-ticket observations: the unit
// is the technician-day. Before this, Verify refused the KPI ("kpi":
// "technician utilisation is a share of minutes ...") and CreateItem
// would not take it.
//
// Three technicians work Mon-Fri 09:00-17:00 (480 min); A and B at one
// service point, C at another. Over the ten weekdays of each window,
// technician t's day d (i = 10t + d) books 60·(i mod 3) minutes before
// (0, 60 or 120: 0 %, 12.5 %, 25 %, ten days each) and 120 more after
// (25 %, 37.5 %, 50 %). So each window has 30 technician-days, the means
// are 12.5 and 37.5, both variances are (10·2·12.5²)/29 = 3125/29, and
// Welch's t is 25 / sqrt(2·3125/29/30) on 58 degrees of freedom.
// At the service point of A and B (i < 20: seven days of 0 %, seven of
// 12.5 %, six of 25 %) the mean before is 237.5/20 = 11.875, after
// 36.875, and 20 days per window are too few for a verdict.
func TestVerifyUtilisation(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, db.Zone) }
		unit := func(kind aftersales.UnitKind, code string, parent *int64) int64 {
			t.Helper()
			u, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: kind, Code: code, Name: "单位" + code, ParentID: parent})
			if err != nil {
				t.Fatal(err)
			}
			return u.ID
		}
		region := unit(aftersales.UnitRegion, "r", nil)
		branch := unit(aftersales.UnitBranch, "b", &region)
		station := unit(aftersales.UnitWorkstation, "w", &branch)
		sp1, sp2 := unit(aftersales.UnitServicePoint, "u1", &station), unit(aftersales.UnitServicePoint, "u2", &station)
		var shifts []aftersales.Shift
		for wd := 1; wd <= 5; wd++ {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 540, EndMin: 1020})
		}
		var techs []int64
		for n, sp := range []int64{sp1, sp1, sp2} {
			usr, err := db.CreateUser(ctx, aftersales.UserInput{Email: fmtInt(int64(n)) + "-tech@example.com", Name: "师傅" + fmtInt(int64(n)),
				Role: aftersales.RoleTechnician, Password: "password-123456"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SetTechnician(ctx, usr.ID, aftersales.TechnicianProfileInput{ServiceUnitID: &sp, Shifts: shifts}); err != nil {
				t.Fatal(err)
			}
			techs = append(techs, usr.ID)
		}
		c := MustCustomer(t, ctx, db, "利用率验证")
		// The weekdays of 2-13 Nov (before) and 16-27 Nov (after).
		weekdays := func(first int) []time.Time {
			var out []time.Time
			for d := first; d < first+14; d++ {
				if x := at(11, d, 9); x.Weekday() != time.Saturday && x.Weekday() != time.Sunday {
					out = append(out, x)
				}
			}
			return out
		}
		for w, first := range []int{2, 16} {
			for ti, tech := range techs {
				for d, start := range weekdays(first) {
					dur := 60*((10*ti+d)%3) + 120*w
					if dur == 0 {
						continue
					}
					tk := MustTicket(t, ctx, db, c.ID, "上门")
					if _, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: start, WindowEnd: start.Add(4 * time.Hour),
						DurationMin: dur, TechnicianID: &tech}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		clock.Advance(at(12, 1, 9).Sub(clock.Now()))
		it, err := db.CreateItem(ctx, aftersales.ItemInput{Title: "提升技师利用率", KPI: "technician_utilisation"})
		if err != nil {
			t.Fatalf("an item on technician_utilisation: %v", err)
		}
		in := aftersales.VerifyInput{BeforeFrom: "2026-11-02", BeforeTo: "2026-11-16", AfterFrom: "2026-11-16", AfterTo: "2026-11-30"}
		v, err := db.Verify(ctx, it.ID, in)
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		wantT := 25 / math.Sqrt(2*3125.0/29/30)
		wantD := 25 / math.Sqrt(3125.0/29)
		if v.Test.Method != "Welch t" || v.Test.N1 != 30 || v.Test.N2 != 30 || v.Before == nil || *v.Before != 12.5 || v.After == nil || *v.After != 37.5 ||
			math.Abs(float64(v.Test.Estimate)-25) > 1e-12 || math.Abs(float64(v.Test.Stat)-wantT) > 1e-9 || !(float64(v.Test.P) < 1e-10) ||
			v.Test.Effect == nil || math.Abs(*v.Test.Effect-wantD) > 1e-9 || v.Test.TooSmall {
			t.Errorf("test %+v before %v after %v; want Welch t = %.6f on 30 and 30 technician-days, 12.5 → 37.5, d = %.6f", v.Test, v.Before, v.After, wantT, wantD)
		}
		if v.Verdict != aftersales.VerdictEffective || v.ReasonCode != "effective" || !v.Supported ||
			v.Reason[:len("technician_utilisation went from 12.5 to 37.5")] != "technician_utilisation went from 12.5 to 37.5" {
			t.Errorf("verdict %s (%s): %s", v.Verdict, v.ReasonCode, v.Reason)
		}
		// Within one service point: 20 technician-days per window.
		in.Dim, in.Value = aftersales.DimPoint, fmtInt(sp1)
		v, err = db.Verify(ctx, it.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if v.Test.N1 != 20 || v.Test.N2 != 20 || v.Before == nil || *v.Before != 11.875 || v.After == nil || *v.After != 36.875 ||
			v.Verdict != aftersales.VerdictInconclusive || v.ReasonCode != "too_small" {
			t.Errorf("at one point: %+v before %v after %v, verdict %s (%s)", v.Test, v.Before, v.After, v.Verdict, v.ReasonCode)
		}
		// A ticket dimension is refused, naming dim.
		in.Dim, in.Value = aftersales.DimChannel, "phone"
		if _, err := db.Verify(ctx, it.ID, in); fieldsOf(err)["dim"] == "" {
			t.Errorf("by channel: %v, want an error naming dim", err)
		}
	})
}
