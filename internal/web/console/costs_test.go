package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestConsoleCostsAndRevenue records and voids a ticket's service cost and
// enters sales revenue by form and by pasted table, checking that bad
// input names its field or row and saves nothing.
func TestConsoleCostsAndRevenue(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		cust := testutil.MustCustomer(t, app.Ctx, db, "赵先生")
		tk := testutil.MustTicket(t, app.Ctx, db, cust.ID, "空调不制冷")
		b := newBrowser(t, app, "en")
		b.login("admin@example.com", "admin-password-1")
		loc := fmt.Sprintf("/tickets/%d", tk.ID)
		today := app.DB.Now().In(testutil.Shanghai(t)).Format("2006-01-02")

		s, body, _ := b.post(loc+"/costs", url.Values{"kind": {"labour"}, "amount": {"abc"}, "incurred_on": {today}})
		if s != 422 || !strings.Contains(body, "amount") || !strings.Contains(body, "must be an amount") {
			t.Fatalf("bad amount: %d", s)
		}
		if lines, _ := db.ListCosts(app.Ctx, tk.ID); len(lines) != 0 {
			t.Fatal("a rejected cost was stored")
		}
		for _, c := range []url.Values{
			{"kind": {"labour"}, "amount": {"¥1,200.50"}, "incurred_on": {today}, "description": {"上门工时"}},
			{"kind": {"parts"}, "amount": {"80元"}, "incurred_on": {today}},
		} {
			if s, _, h := b.post(loc+"/costs", c); s != 303 || !strings.HasPrefix(h.Get("Location"), loc) {
				t.Fatalf("add cost: %d", s)
			}
		}
		if _, body := b.get(loc); !strings.Contains(body, `id="cost-total">¥1,280.50`) || !strings.Contains(body, "上门工时") {
			t.Fatalf("ticket page lacks the cost total: %s", between(body, `id="costs"`, "</table>"))
		}
		lines, _ := db.ListCosts(app.Ctx, tk.ID)
		if len(lines) != 2 {
			t.Fatalf("costs: %d", len(lines))
		}
		var parts *aftersales.CostLine
		for _, l := range lines {
			if l.Kind == aftersales.CostParts {
				parts = l
			}
		}
		voidURL := fmt.Sprintf("%s/costs/%d/void", loc, parts.ID)
		if s, body, _ := b.post(voidURL, url.Values{"reason": {""}}); s != 422 || !strings.Contains(body, "reason") {
			t.Fatalf("void without a reason: %d", s)
		}
		if s, _, _ := b.post(voidURL, url.Values{"reason": {"重复录入"}}); s != 303 {
			t.Fatalf("void: %d", s)
		}
		if _, body := b.get(loc); !strings.Contains(body, `id="cost-total">¥1,200.50`) || !strings.Contains(body, "重复录入") {
			t.Fatal("voided line still counted, or its reason not shown")
		}

		// Revenue: one month by form, then a table with a bad row (nothing
		// saved, every bad row named), then the corrected table.
		if s, body, _ := b.post("/quality/revenue", url.Values{"month": {"2026-13"}, "amount": {"100"}}); s != 422 || !strings.Contains(body, "must be a month YYYY-MM") {
			t.Fatalf("bad month: %d", s)
		}
		if s, _, h := b.post("/quality/revenue", url.Values{"month": {"2026-10"}, "amount": {"1200000"}, "note": {"ERP"}}); s != 303 || h.Get("Location") != "/quality/revenue?ok=saved" {
			t.Fatalf("set revenue: %d", s)
		}
		bad := "month,scope,value,amount,note\n2026-09,,,900000,\n2026-09,region,火星,100,\n2026-08,,,lots,\n"
		s, body, _ = b.post("/quality/revenue/import", url.Values{"csv": {bad}})
		if s != 422 || !strings.Contains(body, "#2 value") || !strings.Contains(body, "#3 amount") || !strings.Contains(body, "火星") {
			t.Fatalf("bad table: %d %s", s, between(body, `id="revenue-import-errors"`, "</ul>"))
		}
		rows, _ := db.ListRevenue(app.Ctx, aftersales.RevenueFilter{})
		if len(rows) != 1 {
			t.Fatalf("a rejected table saved rows: %d in all", len(rows))
		}
		good := "月份,范围,值,金额,备注\n2026-09,,,900000,\n2026-10,,,1300000,修正\n"
		if s, _, _ := b.post("/quality/revenue/import", url.Values{"csv": {good}}); s != 303 {
			t.Fatalf("good table: %d", s)
		}
		rows, _ = db.ListRevenue(app.Ctx, aftersales.RevenueFilter{})
		got := map[string]aftersales.Money{}
		for _, r := range rows {
			got[r.Month] = r.Amount
		}
		if len(rows) != 2 || got["2026-10"] != 130000000 || got["2026-09"] != 90000000 {
			t.Fatalf("revenue after import: %v", got)
		}
		if s, _, _ := b.post("/quality/revenue/delete", url.Values{"month": {"2026-09"}}); s != 303 {
			t.Fatalf("delete: %d", s)
		}
		if _, body := b.get("/quality/revenue?from=2026-01"); strings.Contains(body, "<td>2026-09</td>") || !strings.Contains(body, "<td>2026-10</td>") {
			t.Fatal("revenue page after delete")
		}

		if s, body := b.get("/quality/revenue?from=last-year"); s != 422 || !strings.Contains(body, "must be a month YYYY-MM") || !strings.Contains(body, "<td>2026-10</td>") {
			t.Fatalf("revenue from a bad month: %d", s)
		}

		// The dashboard's cost tiles; the cost ratio has none under a
		// channel, for revenue is not kept per channel.
		if _, body := b.get("/dashboard"); !strings.Contains(body, `id="tile-cost_ratio"`) || !strings.Contains(body, `id="tile-cost_per_ticket"`) {
			t.Fatal("dashboard lacks the cost tiles")
		}
		if s, body := b.get("/dashboard?scope=channel:phone"); s != 200 || strings.Contains(body, `id="tile-cost_ratio"`) || !strings.Contains(body, `id="tile-cost_per_ticket"`) {
			t.Fatalf("dashboard under a channel: %d", s)
		}

		// A technician may record costs but not enter revenue.
		testutil.MustUser(t, app.Ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		tb := newBrowser(t, app, "en")
		tb.login("tech@example.com", "password-123456")
		if s, _, _ := tb.post("/quality/revenue", url.Values{"month": {"2026-11"}, "amount": {"1"}}); s != http.StatusForbidden {
			t.Fatalf("technician sets revenue: %d", s)
		}
	})
}

// between returns the part of s from the first start to the next end, for
// failure messages.
func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], end)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}
