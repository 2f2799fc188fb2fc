package sqlstore_test

import (
	"math"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// TestFieldCostsAndKPIs walks two tickets' field work on both engines:
// a service checklist ticked in the work report, parts used from the van,
// labour and travel at the global rate, one part that had to wait two
// days for a receipt. The cost lines and billable items are written once
// whatever is repeated, and the field KPIs come out exactly.
func TestFieldCostsAndKPIs(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) // 08:00 in Shanghai
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		f := newStock(t, ctx, db)
		var shifts []aftersales.Shift
		for wd := range 7 {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 0, EndMin: 1440})
		}
		if _, err := db.SetTechnician(ctx, f.tech.ID, aftersales.TechnicianProfileInput{Home: &aftersales.Position{Lat: 30.65, Lng: 104.06}, Shifts: shifts}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetFieldRate(ctx, aftersales.FieldRateInput{LabourPerHour: 12000, TravelPerKM: 200}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetFieldRate(ctx, aftersales.FieldRateInput{RegionID: &f.tech.ID, LabourPerHour: 1}); fieldsOf(err)["region_id"] == "" {
			t.Errorf("a rate for a user as region: %v", err)
		}
		if _, err := db.CreateChecklist(ctx, aftersales.ChecklistInput{Name: "x", Items: []aftersales.ChecklistItem{{Label: " "}}}); fieldsOf(err)["items[0].label"] == "" {
			t.Errorf("an empty item: %v", err)
		}
		cl, err := db.CreateChecklist(ctx, aftersales.ChecklistInput{Name: "上门服务规范", Items: []aftersales.ChecklistItem{
			{Label: "出示工作证", Required: true}, {Label: "穿鞋套", Required: true}, {Label: "清理现场"}}})
		if err != nil || len(cl.Items) != 3 || cl.Items[2].Pos != 3 {
			t.Fatalf("checklist: %+v %v", cl, err)
		}
		if _, err := db.CreateChecklist(ctx, aftersales.ChecklistInput{Name: "again", Items: []aftersales.ChecklistItem{{Label: "a"}}}); fieldsOf(err)["category_id"] == "" {
			t.Errorf("a second checklist for any ticket: %v", err)
		}
		at := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, db.Zone) }
		setClock := func(x time.Time) { clock.Advance(x.Sub(clock.Now())) }
		lat, lng := 30.66, 104.08
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "赵女士", Phone: "13900000002",
			Address: aftersales.Address{City: "成都市", Street: "人民南路四段 12 号", Lat: &lat, Lng: &lng}})
		if err != nil {
			t.Fatal(err)
		}
		techCtx := aftersales.NewContextWithUser(ctx, f.tech)
		type job struct {
			tk *aftersales.Ticket
			v  *aftersales.Visit
		}
		lat2 := 30.70
		cust2, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "钱先生", Phone: "13900000003",
			Address: aftersales.Address{City: "成都市", Street: "天府大道 1 号", Lat: &lat2, Lng: &lng}})
		if err != nil {
			t.Fatal(err)
		}
		book := func(c *aftersales.Customer, title string, h int) job {
			t.Helper()
			tk := MustTicket(t, ctx, db, c.ID, title)
			tk, err := db.Assign(ctx, tk.ID, tk.Version, nil, &f.tech.ID)
			if err != nil {
				t.Fatal(err)
			}
			v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(h, 0), WindowEnd: at(h+2, 0), DurationMin: 45, TechnicianID: &f.tech.ID})
			if err != nil {
				t.Fatal(err)
			}
			return job{tk, v}
		}
		a, b := book(cust, "空调不制冷", 9), book(cust2, "洗衣机漏水", 12)

		// Ticket a: one part from the van's stock, one that must wait.
		mustMove(t, ctx, db, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: f.part.ID, LocationID: f.van.ID, Qty: 1})
		held, err := db.Reserve(ctx, a.tk.ID, aftersales.ReservationInput{PartID: f.part.ID, LocationID: f.van.ID, VisitID: &a.v.ID, Qty: 1})
		if err != nil || held.Status != aftersales.ReservationHeld {
			t.Fatalf("held: %+v %v", held, err)
		}
		if _, err := db.Reserve(ctx, a.tk.ID, aftersales.ReservationInput{PartID: f.part.ID, LocationID: f.van.ID, Qty: 1, Wait: true}); err != nil {
			t.Fatal(err)
		}

		legs := map[int64]float64{}
		route, err := db.DayRoute(ctx, f.tech.ID, "2026-12-01")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range route.Stops {
			legs[s.VisitID] = s.TravelKM
		}
		if len(legs) != 2 || legs[a.v.ID] <= 0 || legs[b.v.ID] <= 0 {
			t.Fatalf("planned legs: %v", legs)
		}

		complete := func(j job, checkIn, out time.Duration, done []int) (*aftersales.Visit, error) {
			t.Helper()
			setClock(at(8, 0).Add(checkIn))
			v, _ := db.FindVisit(ctx, j.tk.ID, j.v.ID)
			if v.Status == aftersales.VisitScheduled {
				if v, err = db.StepVisit(techCtx, j.tk.ID, j.v.ID, aftersales.VisitStep{To: aftersales.VisitCheckedIn, Version: v.Version}); err != nil {
					t.Fatal(err)
				}
			}
			setClock(at(8, 0).Add(out))
			return db.StepVisit(techCtx, j.tk.ID, j.v.ID, aftersales.VisitStep{To: aftersales.VisitCompleted, Outcome: aftersales.OutcomeFixed,
				Report: &aftersales.VisitReport{WorkDone: "更换压缩机", ConfirmedBy: "赵女士", ChecksDone: done}, Version: v.Version})
		}
		// A position that is no item of the checklist is refused, naming
		// the field; nothing is written.
		if _, err := complete(a, time.Hour, time.Hour+45*time.Minute, []int{1, 9}); fieldsOf(err)["report.checks_done"] == "" {
			t.Fatalf("an unknown checklist item: %v", err)
		}
		if _, err := complete(a, time.Hour, time.Hour+45*time.Minute, []int{1, 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConsumeReservation(techCtx, a.tk.ID, held.ID, aftersales.ConsumeInput{}); err != nil {
			t.Fatal(err)
		}
		// Repeating either step is refused and writes nothing more.
		if _, err := complete(a, time.Hour, 2*time.Hour, []int{1, 2}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("completing twice: %v", err)
		}
		if _, err := db.ConsumeReservation(techCtx, a.tk.ID, held.ID, aftersales.ConsumeInput{}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("using a part twice: %v", err)
		}
		// Ticket b: the shoe covers were forgotten.
		if _, err := complete(b, 4*time.Hour, 5*time.Hour, []int{1, 3}); err != nil {
			t.Fatal(err)
		}
		rep, err := db.VisitReport(ctx, b.tk.ID, b.v.ID)
		want := []aftersales.VisitCheck{{Pos: 1, Label: "出示工作证", Required: true, Done: true}, {Pos: 2, Label: "穿鞋套", Required: true},
			{Pos: 3, Label: "清理现场", Done: true}}
		if err != nil || !cmp.Equal(rep.Checks, want) {
			t.Errorf("recorded checks: %v; diff %s", err, cmp.Diff(want, rep.Checks))
		}

		travel := func(km float64) aftersales.Money {
			return aftersales.Money((int64(math.Round(km*1000))*200 + 500) / 1000)
		}
		type line struct {
			Kind   aftersales.CostKind
			Amount aftersales.Money
			Source string
		}
		lines := func(tk int64) []line {
			t.Helper()
			cs, err := db.ListCosts(ctx, tk)
			if err != nil {
				t.Fatal(err)
			}
			var out []line
			for _, c := range cs {
				out = append(out, line{c.Kind, c.Amount, c.Source})
			}
			return out
		}
		va, vb := "visit:"+fmtInt(a.v.ID)+":", "visit:"+fmtInt(b.v.ID)+":"
		wantA := []line{{aftersales.CostLabour, 9000, va + "labour"}, {aftersales.CostTravel, travel(legs[a.v.ID]), va + "travel"},
			{aftersales.CostParts, 45000, "reservation:" + fmtInt(held.ID)}}
		if diff := cmp.Diff(wantA, lines(a.tk.ID)); diff != "" {
			t.Errorf("cost lines of a (-want +got):\n%s", diff)
		}
		wantB := []line{{aftersales.CostLabour, 12000, vb + "labour"}, {aftersales.CostTravel, travel(legs[b.v.ID]), vb + "travel"}}
		if diff := cmp.Diff(wantB, lines(b.tk.ID)); diff != "" {
			t.Errorf("cost lines of b (-want +got):\n%s", diff)
		}
		// No asset, no warranty: the customer pays the part at its price
		// and the labour.
		bill, err := db.Billing(ctx, a.tk.ID)
		if err != nil || len(bill.Items) != 2 || bill.Total != 68000+9000 {
			t.Errorf("billing of a: %+v %v", bill, err)
		}

		// The part reserved at 08:00 arrives two days and five hours later.
		setClock(at(13, 0).Add(48 * time.Hour))
		mustMove(t, ctx, db, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: f.part.ID, LocationID: f.van.ID, Qty: 1})
		for _, j := range []job{a, b} {
			tk, _ := db.FindTicket(ctx, j.tk.ID)
			for _, s := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
				if tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: s, Version: tk.Version, Reason: "已修复"}); err != nil {
					t.Fatalf("ticket %d to %s: %v", j.tk.ID, s, err)
				}
			}
		}
		for {
			n, err := db.RefreshRollups(ctx, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		month := func(key string) aftersales.MetricPoint {
			t.Helper()
			res, err := db.Metric(ctx, aftersales.MetricQuery{KPI: key, From: at(0, 0), To: at(0, 0).AddDate(0, 1, 0)})
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			return res.Total
		}
		exact := []struct {
			key    string
			v      float64
			num, n int64
		}{
			{"standard_compliance", 50, 1, 2},
			{"stock_out_rate", 50, 1, 2},
			{"visits_per_ticket", 1, 0, 2},
			{"travel_per_visit", (math.Round(legs[a.v.ID]*1000) + math.Round(legs[b.v.ID]*1000)) / 2000, 0, 2},
		}
		for _, c := range exact {
			got := month(c.key)
			if got.Value == nil || math.Abs(*got.Value-c.v) > 1e-9 || got.Num != c.num || got.N != c.n {
				t.Errorf("%s = %v (%d of %d), want %v (%d of %d)", c.key, ptrVal(got.Value), got.Num, got.N, c.v, c.num, c.n)
			}
		}
		// One wait of 53 hours: within the histogram's 1% bound.
		for _, key := range []string{"parts_wait_median", "parts_wait_p90"} {
			if got := month(key); got.Value == nil || got.N != 1 || math.Abs(*got.Value-3180)/3180 > 0.01 {
				t.Errorf("%s = %v of %d, want about 3180 minutes of 1", key, ptrVal(got.Value), got.N)
			}
		}
		if got := month("service_cost"); got.Value == nil || *got.Value != float64(9000+45000+12000+travel(legs[a.v.ID])+travel(legs[b.v.ID]))/100 {
			t.Errorf("service cost = %v", ptrVal(got.Value))
		}
		// Alerts and improvement items take the field KPIs like any other.
		for _, key := range []string{"standard_compliance", "parts_wait_median", "stock_out_rate", "visits_per_ticket", "travel_per_visit"} {
			th := 1.0
			if err := db.SaveAlertRule(ctx, &aftersales.AlertRule{KPI: key, Grain: aftersales.GrainMonth, Threshold: &th}); err != nil {
				t.Errorf("alert rule on %s: %v", key, err)
			}
			if _, err := db.CreateItem(ctx, aftersales.ItemInput{Title: "改进 " + key, KPI: key, OwnerID: &f.tech.ID}); err != nil {
				t.Errorf("improvement item on %s: %v", key, err)
			}
		}
		if _, err := db.EvaluateAlerts(ctx); err != nil {
			t.Errorf("evaluate alerts: %v", err)
		}
		check, err := db.RecomputeRollups(ctx, false)
		if err != nil || check.Differences != 0 {
			t.Errorf("rollups differ from a recompute: %+v %v", check, err)
		}
	})
}

func ptrVal(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
