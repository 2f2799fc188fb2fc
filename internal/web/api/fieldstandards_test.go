package api_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestFieldStandardsAPI: checklists and rates through the API, a visit
// completed with the checklist ticked, and the ticket's billable items.
func TestFieldStandardsAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := testutil.NewClock(time.Now())
		db.Now = clock.Now
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		if r := c.do("POST", "/checklists", map[string]any{"name": "x", "items": []any{map[string]any{"label": ""}}}); r.Status != 422 || r.locations()["body.items[0].label"] == "" {
			t.Errorf("an empty item: %d %s", r.Status, r.Raw)
		}
		cl := c.do("POST", "/checklists", map[string]any{"name": "上门服务规范", "items": []any{
			map[string]any{"label": "出示工作证", "required": true}, map[string]any{"label": "穿鞋套", "required": true}, map[string]any{"label": "清理现场"}}})
		if cl.Status != 201 {
			t.Fatalf("create checklist: %d %s", cl.Status, cl.Raw)
		}
		if r := c.do("POST", "/checklists", map[string]any{"name": "again", "items": []any{map[string]any{"label": "a"}}}); r.Status != 409 {
			t.Errorf("a second checklist for the same scope: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", "/field-rates", map[string]any{"labour_per_hour": 12000, "travel_per_km": 200}); r.Status != 200 || r.Body["labour_per_hour"] != 12000.0 {
			t.Fatalf("set rate: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", "/field-rates", map[string]any{"region_id": 999999, "labour_per_hour": 1, "travel_per_km": 1}); r.Status != 422 || r.locations()["body.region_id"] == "" {
			t.Errorf("a rate for an unknown region: %d %s", r.Status, r.Raw)
		}
		cust := c.do("POST", "/customers", map[string]any{"kind": "person", "name": "周九", "phone": "13900002222"})
		tk := c.do("POST", "/tickets", map[string]any{"channel": "phone", "nature": "repair", "urgency": "normal", "title": "洗衣机漏水", "customer_id": cust.id()})
		if r := c.do("GET", fmt.Sprintf("/tickets/%d/checklist", tk.id()), nil); r.Status != 200 || r.Body["id"] != float64(cl.id()) {
			t.Errorf("the ticket's checklist: %d %s", r.Status, r.Raw)
		}
		now := db.Now()
		v := c.do("POST", fmt.Sprintf("/tickets/%d/visits", tk.id()), map[string]any{"window_start": now.Add(-time.Hour), "window_end": now.Add(time.Hour), "duration_min": 60})
		if v.Status != 201 {
			t.Fatalf("book: %d %s", v.Status, v.Raw)
		}
		step := func(path string, body map[string]any) resp {
			cur := c.do("GET", fmt.Sprintf("/tickets/%d/visits/%d", tk.id(), v.id()), nil)
			body["version"] = cur.Body["version"]
			return c.do("POST", fmt.Sprintf("/tickets/%d/visits/%d/%s", tk.id(), v.id(), path), body)
		}
		if r := step("check-in", map[string]any{}); r.Status != 200 {
			t.Fatalf("check in: %d %s", r.Status, r.Raw)
		}
		clock.Advance(30 * time.Minute)
		if r := step("complete", map[string]any{"outcome": "fixed", "report": map[string]any{"checks_done": []int{1, 7}}}); r.Status != 422 || r.locations()["body.report.checks_done"] == "" {
			t.Errorf("an unknown checklist item: %d %s", r.Status, r.Raw)
		}
		if r := step("complete", map[string]any{"outcome": "fixed", "report": map[string]any{"checks_done": []int{1, 2}}}); r.Status != 200 {
			t.Fatalf("complete: %d %s", r.Status, r.Raw)
		}
		rep := c.do("GET", fmt.Sprintf("/tickets/%d/visits/%d/report", tk.id(), v.id()), nil)
		var report aftersales.VisitReport
		if err := json.Unmarshal(rep.Raw, &report); err != nil || !aftersales.Compliant(report.Checks) || len(report.Checks) != 3 {
			t.Errorf("report: %d %s", rep.Status, rep.Raw)
		}
		bill := c.do("GET", fmt.Sprintf("/tickets/%d/billing", tk.id()), nil)
		if bill.Status != 200 || bill.Body["total"] != 6000.0 {
			t.Errorf("billing: %d %s", bill.Status, bill.Raw)
		}
		if r := c.do("DELETE", "/field-rates", nil); r.Status != 204 {
			t.Errorf("delete the global rate: %d %s", r.Status, r.Raw)
		}
		if r := c.do("DELETE", fmt.Sprintf("/checklists/%d", cl.id()), nil); r.Status != 204 {
			t.Errorf("delete checklist: %d %s", r.Status, r.Raw)
		}
	})
}
