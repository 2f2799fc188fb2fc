package sqlstore_test

import (
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestServiceCosts checks the cost KPIs on a hand-built history whose
// answers are computed below by hand:
//
//	t1 category A, resolved 03-25: labour 200.00 (03-21), parts 350.50 (03-22)
//	t2 category A, resolved 04-03: travel 80.00 (03-30), labour 120.00 (04-02), parts 999.00 voided
//	t3 category B, resolved 03-28: no costs
//	t4 category B, open:           goodwill 300.00 (04-10)
//	revenue: company March 100,000.00; A March 40,000.00, April 20,000.00; B March 60,000.00
func TestServiceCosts(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		db.Now = func() time.Time { return time.Date(2026, 5, 10, 4, 0, 0, 0, time.UTC) }
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "成本")
		var cats [2]int64
		for i, code := range []string{"ac", "heater"} {
			cat, err := db.CreateCategory(ctx, aftersales.CategoryInput{Code: code, NameZH: []string{"空调", "热水器"}[i]})
			if err != nil {
				t.Fatal(err)
			}
			cats[i] = cat.ID
		}
		_, _, maxID, _ := db.MaxIDs(ctx)
		var b aftersales.Bulk
		at := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, db.Zone) }
		resolved := []*time.Time{Ptr(at(3, 25)), Ptr(at(4, 3)), Ptr(at(3, 28)), nil}
		var ids []int64
		for i := range 4 {
			maxID++
			st := aftersales.StatusResolved
			if resolved[i] == nil {
				st = aftersales.StatusDiagnosing
			}
			created := at(3, 20)
			b.Tickets = append(b.Tickets, &aftersales.Ticket{ID: maxID, Number: fmt.Sprintf("AS202603-7%05d", maxID), Channel: aftersales.ChannelPhone,
				Nature: aftersales.NatureRepair, Urgency: aftersales.UrgencyNormal, Status: st, Title: "维修", CustomerID: &c.ID,
				CategoryID: &cats[i/2], CreatedAt: created, UpdatedAt: created, StatusChangedAt: created, ResolvedAt: resolved[i]})
			ids = append(ids, maxID)
		}
		if err := db.BulkLoad(ctx, &b); err != nil {
			t.Fatal(err)
		}
		add := func(ticket int, kind aftersales.CostKind, amount string, on aftersales.Date) *aftersales.CostLine {
			t.Helper()
			m, err := aftersales.ParseMoney(amount)
			if err != nil {
				t.Fatal(err)
			}
			line, err := db.AddCost(ctx, ids[ticket], aftersales.CostInput{Kind: kind, Amount: m, IncurredOn: on, Description: "测试"})
			if err != nil {
				t.Fatalf("add %s %s: %v", kind, amount, err)
			}
			return line
		}
		add(0, aftersales.CostLabour, "200", "2026-03-21")
		add(0, aftersales.CostParts, "350.50", "2026-03-22")
		add(1, aftersales.CostTravel, "80.00", "2026-03-30")
		add(1, aftersales.CostLabour, "120", "2026-04-02")
		wrong := add(1, aftersales.CostParts, "999", "2026-04-02")
		goodwill := add(3, aftersales.CostGoodwill, "¥300", "2026-04-10")
		if _, err := db.VoidCost(ctx, ids[1], wrong.ID, ""); fieldsOf(err)["reason"] == "" {
			t.Errorf("void without a reason: %v", err)
		}
		if v, err := db.VoidCost(ctx, ids[1], wrong.ID, "录错了"); err != nil || v.VoidedAt == nil {
			t.Fatalf("void: %+v %v", v, err)
		}
		if _, err := db.VoidCost(ctx, ids[1], wrong.ID, "again"); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("second void: %v", err)
		}
		if _, err := db.VoidCost(ctx, ids[0], wrong.ID, "wrong ticket"); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("void through another ticket: %v", err)
		}
		for _, bad := range []struct {
			in    aftersales.CostInput
			field string
		}{
			{aftersales.CostInput{Kind: aftersales.CostParts, Amount: 100, IncurredOn: "2026-03-19"}, "incurred_on"}, // before the ticket
			{aftersales.CostInput{Kind: aftersales.CostParts, Amount: 100, IncurredOn: "2026-05-11"}, "incurred_on"}, // after today
			{aftersales.CostInput{Kind: aftersales.CostParts, Amount: 0}, "amount"},
			{aftersales.CostInput{Kind: "bribe", Amount: 100}, "kind"},
		} {
			if _, err := db.AddCost(ctx, ids[0], bad.in); fieldsOf(err)[bad.field] == "" {
				t.Errorf("%+v: want an error on %s, got %v", bad.in, bad.field, err)
			}
		}
		lines, err := db.ListCosts(ctx, ids[1])
		if err != nil || len(lines) != 3 || lines[2].VoidReason != "录错了" {
			t.Fatalf("list: %+v %v", lines, err)
		}
		// A technician outside the ticket's team cannot see it, and cannot
		// void a line someone else entered on a ticket they can see.
		tech := MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		techCtx := aftersales.NewContextWithUser(ctx, tech)
		if _, err := db.AddCost(techCtx, ids[2], aftersales.CostInput{Kind: aftersales.CostTravel, Amount: 100}); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("technician on another's ticket: %v", err)
		}
		if err := db.ExecRaw(ctx, `UPDATE tickets SET assignee_id = $1 WHERE id = $2`, tech.ID, ids[3]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.VoidCost(techCtx, ids[3], goodwill.ID, "x"); aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
			t.Errorf("technician voiding the administrator's line: %v", err)
		}
		own, err := db.AddCost(techCtx, ids[3], aftersales.CostInput{Kind: aftersales.CostTravel, Amount: 4000, IncurredOn: "2026-04-10"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.VoidCost(techCtx, ids[3], own.ID, "不是这单的"); err != nil {
			t.Errorf("technician voiding their own line: %v", err)
		}
		if err := db.ExecRaw(ctx, `UPDATE ticket_costs SET amount = 1 WHERE id = $1`, lines[0].ID); err == nil {
			t.Error("a cost line was edited in place")
		}
		if err := db.ExecRaw(ctx, `DELETE FROM ticket_costs WHERE id = $1`, lines[0].ID); err == nil {
			t.Error("a cost line was deleted")
		}

		// Revenue: one bad row stores nothing, and names every bad field.
		rev := func(month string, dim aftersales.Dimension, val, amount string) *aftersales.Revenue {
			m, err := aftersales.ParseMoney(amount)
			if err != nil {
				t.Fatal(err)
			}
			return &aftersales.Revenue{Month: month, Dim: dim, Value: val, Amount: m}
		}
		err = db.SetRevenue(ctx, []*aftersales.Revenue{rev("2026-03", "", "", "100000"), rev("2026-03", aftersales.DimCategory, "冰箱", "5"),
			rev("2026-13", "", "", "1"), rev("2026-03", "", "", "7")})
		if f := fieldsOf(err); f["rows[1].value"] == "" || f["rows[2].month"] == "" || f["rows[3].month"] == "" {
			t.Fatalf("bad revenue: %v", err)
		}
		if got, _ := db.ListRevenue(ctx, aftersales.RevenueFilter{}); len(got) != 0 {
			t.Fatalf("a refused batch stored %d rows", len(got))
		}
		a, bb := strconv.FormatInt(cats[0], 10), strconv.FormatInt(cats[1], 10)
		if err := db.SetRevenue(ctx, []*aftersales.Revenue{rev("2026-03", "", "", "100,000.00"), rev("2026-03", aftersales.DimCategory, "空调", "40000"),
			rev("2026-04", aftersales.DimCategory, "ac", "1"), rev("2026-03", aftersales.DimCategory, bb, "60000")}); err != nil {
			t.Fatal(err)
		}
		// A later entry replaces the earlier one.
		if err := db.SetRevenue(ctx, []*aftersales.Revenue{rev("2026-04", aftersales.DimCategory, a, "20000")}); err != nil {
			t.Fatal(err)
		}
		got, err := db.ListRevenue(ctx, aftersales.RevenueFilter{Locale: "zh-CN"})
		if err != nil || len(got) != 4 || got[1].Value != a || got[1].Label != "空调" || got[2].Amount != 2000000 {
			t.Fatalf("revenue: %+v %v", got, err)
		}

		march, may := time.Date(2026, 3, 1, 0, 0, 0, 0, db.Zone), time.Date(2026, 5, 1, 0, 0, 0, 0, db.Zone)
		near := func(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }
		metric := func(q aftersales.MetricQuery) *aftersales.MetricResult {
			t.Helper()
			catchUp(t, ctx, db)
			res, err := db.Metric(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			return res
		}
		res := metric(aftersales.MetricQuery{KPI: "service_cost", From: march, To: may, Grain: aftersales.GrainMonth})
		if len(res.Points) != 2 || !near(res.Points[0].Value, 630.50) || res.Points[0].N != 3 || !near(res.Points[1].Value, 420) || res.Points[1].N != 2 {
			t.Errorf("service cost by month: %+v", res.Points)
		}
		res = metric(aftersales.MetricQuery{KPI: "cost_per_ticket", From: march, To: may, Grain: aftersales.GrainMonth})
		if !near(res.Points[0].Value, 275.25) || res.Points[0].N != 2 || !near(res.Points[1].Value, 200) || res.Points[1].N != 1 {
			t.Errorf("cost per ticket by month: %+v", res.Points)
		}
		res = metric(aftersales.MetricQuery{KPI: "cost_ratio", From: march, To: may, Grain: aftersales.GrainMonth})
		if !near(res.Total.Value, 0.6305) || res.Total.Num != 63050 || res.Total.N != 10000000 || !near(res.Points[0].Value, 0.6305) || res.Points[1].Value != nil {
			t.Errorf("cost ratio, April without company revenue: %+v %+v", res.Total, res.Points)
		}
		res = metric(aftersales.MetricQuery{KPI: "cost_ratio", From: march, To: may, By: aftersales.DimCategory, Locale: "en"})
		if len(res.Points) != 2 || res.Points[0].Key != a || !near(res.Points[0].Value, 100*750.50/60000) || !near(res.Points[1].Value, 0) {
			t.Errorf("cost ratio by category: %+v", res.Points)
		}
		res = metric(aftersales.MetricQuery{KPI: "cost_ratio", From: march, To: may, Grain: aftersales.GrainMonth, Filter: aftersales.DimCategory, Value: a})
		if !near(res.Points[0].Value, 100*630.50/40000) || !near(res.Points[1].Value, 0.6) || !near(res.Total.Value, 100*750.50/60000) {
			t.Errorf("cost ratio of category A: %+v %+v", res.Total, res.Points)
		}
		res = metric(aftersales.MetricQuery{KPI: "cost_ratio", From: march, To: may, Grain: aftersales.GrainMonth, By: aftersales.DimCategory})
		if len(res.Points) != 4 || !near(res.Points[1].Value, 0.6) || res.Points[3].Value != nil {
			t.Errorf("cost ratio, category × month: %+v", res.Points)
		}
		for _, bad := range []struct {
			q     aftersales.MetricQuery
			field string
		}{
			{aftersales.MetricQuery{KPI: "cost_ratio", From: march, To: may, Grain: aftersales.GrainWeek}, "grain"},
			{aftersales.MetricQuery{KPI: "cost_ratio", From: march.AddDate(0, 0, 3), To: may}, "from"},
			{aftersales.MetricQuery{KPI: "cost_ratio", From: march, To: may, By: aftersales.DimChannel}, "by"},
			{aftersales.MetricQuery{KPI: "cost_ratio", From: march, To: may, Filter: aftersales.DimRegion, Value: "1", By: aftersales.DimCategory}, "by"},
		} {
			if _, err := db.Metric(ctx, bad.q); fieldsOf(err)[bad.field] == "" {
				t.Errorf("%+v: want an error on %s, got %v", bad.q, bad.field, err)
			}
		}
		check, err := db.RecomputeRollups(ctx, false)
		if err != nil || check.Differences != 0 {
			t.Fatalf("rollups differ from a recompute: %+v %v", check, err)
		}
	})
}

func TestMoney(t *testing.T) {
	for in, want := range map[string]aftersales.Money{"125.5": 12550, "1,234.50": 123450, "¥80": 8000, "￥ 80": 8000, "80元": 8000, "0.07": 7, ".5": 50, "3.": 300} {
		if got, err := aftersales.ParseMoney(in); err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-5", "1.234", "abc", "1e5", ".", "99999999999999"} {
		if _, err := aftersales.ParseMoney(in); err == nil {
			t.Errorf("ParseMoney(%q) accepted", in)
		}
	}
	for m, want := range map[aftersales.Money]string{0: "0.00", 7: "0.07", 123450: "1,234.50", 100000000: "1,000,000.00", -12550: "-125.50"} {
		if got := m.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int64(m), got, want)
		}
	}
}
