package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

func TestCostsAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := c.do("POST", "/customers", map[string]any{"kind": "person", "name": "周九", "phone": "13900002222"})
		tk := c.do("POST", "/tickets", map[string]any{"channel": "phone", "nature": "repair", "urgency": "normal", "title": "洗衣机漏水", "customer_id": cust.id()})
		id := tk.id()
		today := db.Now().In(db.Zone)
		// Bad lines name their field and store nothing.
		for field, body := range map[string]map[string]any{
			"body.amount":      {"kind": "labour", "amount": 0},
			"body.kind":        {"kind": "bribe", "amount": 100},
			"body.incurred_on": {"kind": "travel", "amount": 100, "incurred_on": today.AddDate(0, 0, 1).Format("2006-01-02")},
		} {
			if r := c.do("POST", fmt.Sprintf("/tickets/%d/costs", id), body); r.Status != 422 || r.locations()[field] == "" {
				t.Errorf("%s: %d %s", field, r.Status, r.Raw)
			}
		}
		labour := c.do("POST", fmt.Sprintf("/tickets/%d/costs", id), map[string]any{"kind": "labour", "amount": 12000, "description": "上门维修"})
		if labour.Status != 201 || labour.Body["amount"] != 12000.0 || labour.Body["incurred_on"] != today.Format("2006-01-02") {
			t.Fatalf("add labour: %d %s", labour.Status, labour.Raw)
		}
		wrong := c.do("POST", fmt.Sprintf("/tickets/%d/costs", id), map[string]any{"kind": "parts", "amount": 999900})
		if r := c.do("POST", fmt.Sprintf("/tickets/%d/costs/%d/void", id, wrong.id()), map[string]any{"reason": ""}); r.Status != 422 || r.locations()["body.reason"] == "" {
			t.Errorf("void without reason: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", fmt.Sprintf("/tickets/%d/costs/%d/void", id, wrong.id()), map[string]any{"reason": "录入错误"}); r.Status != 200 || r.Body["void_reason"] != "录入错误" {
			t.Fatalf("void: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", fmt.Sprintf("/tickets/%d/costs/%d/void", id, wrong.id()), map[string]any{"reason": "again"}); r.Status != 409 {
			t.Errorf("void twice: %d %s", r.Status, r.Raw)
		}
		var lines []map[string]any
		r := c.do("GET", fmt.Sprintf("/tickets/%d/costs", id), nil)
		if err := json.Unmarshal(r.Raw, &lines); err != nil || len(lines) != 2 || lines[1]["voided_at"] == nil {
			t.Fatalf("list costs: %d %s", r.Status, r.Raw)
		}

		// Revenue: one bad row refuses the whole request.
		month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, db.Zone)
		m := month.Format("2006-01")
		r = c.do("PUT", "/revenue", map[string]any{"rows": []map[string]any{
			{"month": m, "amount": 1200000},
			{"month": m, "dim": "region", "value": "no such region", "amount": 5},
			{"month": "2026-13", "amount": 5},
		}})
		if loc := r.locations(); r.Status != 422 || loc["body.rows[1].value"] == "" || loc["body.rows[2].month"] == "" || loc["body.rows[0].amount"] != "" {
			t.Fatalf("bad revenue: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", "/revenue", nil); strings.TrimSpace(string(r.Raw)) != "[]" {
			t.Fatalf("a refused request stored revenue: %s", r.Raw)
		}
		if r := c.do("PUT", "/revenue", map[string]any{"rows": []map[string]any{{"month": m, "amount": 1200000, "note": "ERP"}}}); r.Status != 200 {
			t.Fatalf("set revenue: %d %s", r.Status, r.Raw)
		}
		// 120.00 of cost on 12,000.00 of revenue: 1%.
		catchUp(t, app)
		from, to := month.Format("2006-01-02"), month.AddDate(0, 1, 0).Format("2006-01-02")
		r = c.do("GET", "/metrics/kpis/cost_ratio?grain=month&from="+from+"&to="+to, nil)
		if total, _ := r.Body["total"].(map[string]any); r.Status != 200 || total["value"] != 1.0 {
			t.Fatalf("cost ratio: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", "/metrics/kpis/cost_ratio?grain=month&from="+from+"&to="+today.Format("2006-01-02"), nil); r.Status != 422 {
			t.Errorf("cost ratio over part of a month: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", "/metrics/kpis/service_cost?grain=month&from="+from+"&to="+to, nil); r.Body["total"].(map[string]any)["value"] != 120.0 {
			t.Errorf("service cost: %s", r.Raw)
		}
		if r := c.do("DELETE", "/revenue/"+m, nil); r.Status != 204 {
			t.Errorf("delete revenue: %d %s", r.Status, r.Raw)
		}
		if r := c.do("DELETE", "/revenue/"+m, nil); r.Status != 404 {
			t.Errorf("delete missing revenue: %d %s", r.Status, r.Raw)
		}
	})
}
