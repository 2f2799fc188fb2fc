package api_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestFollowupsAPI: a bad policy names its fields; a complaint resolved
// after a policy becomes a task; a dissatisfied answer without a reason
// code names the reason; the answer closes the task and the summary
// counts it.
func TestFollowupsAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		r := c.do("POST", "/followup-policies", map[string]any{"name": "", "active": true, "sample_percent": 50, "delay_hours": 48, "deadline_hours": 24,
			"max_attempts": 3, "tiers": []string{"gold"}})
		if loc := r.locations(); r.Status != 422 || loc["body.name"] == "" || loc["body.deadline_hours"] == "" || loc["body.tiers[0]"] == "" {
			t.Fatalf("bad policy: %d %s", r.Status, r.Raw)
		}
		p := c.do("POST", "/followup-policies", map[string]any{"name": "投诉回访", "active": true, "natures": []string{"complaint"},
			"sample_percent": 100, "deadline_hours": 48, "max_attempts": 2})
		if p.Status != 201 || p.Body["seed"] == 0.0 || p.Body["applies_from"] == nil {
			t.Fatalf("create policy: %d %s", p.Status, p.Raw)
		}
		cust := c.do("POST", "/customers", map[string]any{"kind": "person", "name": "吴十", "phone": "13900003333"})
		tk := c.do("POST", "/tickets", map[string]any{"channel": "phone", "nature": "complaint", "urgency": "high", "title": "安装延误", "customer_id": cust.id()})
		v := tk.Body["version"].(float64)
		for _, to := range []string{"accepted", "resolved"} {
			r := c.do("POST", fmt.Sprintf("/tickets/%d/transition", tk.id()), map[string]any{"to": to, "reason": "已处理", "version": v})
			if r.Status != 200 {
				t.Fatalf("transition %s: %d %s", to, r.Status, r.Raw)
			}
			v = r.Body["version"].(float64)
		}
		if _, err := db.SweepFollowups(app.Ctx, 100); err != nil {
			t.Fatal(err)
		}
		var list []map[string]any
		r = c.do("GET", fmt.Sprintf("/followups?ticket_id=%d", tk.id()), nil)
		if err := json.Unmarshal(r.Raw, &list); err != nil || len(list) != 1 || list[0]["status"] != "open" {
			t.Fatalf("queue: %d %s", r.Status, r.Raw)
		}
		task := fmt.Sprintf("/followups/%v", list[0]["id"])
		version := list[0]["version"]
		if r := c.do("POST", task+"/answer", map[string]any{"outcome": "dissatisfied", "csat": 2, "version": version}); r.Status != 422 || r.locations()["body.reason"] == "" {
			t.Errorf("dissatisfied without a reason code: %d %s", r.Status, r.Raw)
		}
		r = c.do("POST", task+"/answer", map[string]any{"outcome": "dissatisfied", "csat": 2, "reason": "slow", "version": version})
		if r.Status != 200 || r.Body["outcome"] != "dissatisfied" || r.Body["status"] != "done" {
			t.Fatalf("answer: %d %s", r.Status, r.Raw)
		}
		today := db.Now().In(db.Zone)
		r = c.do("GET", "/followups/summary?from="+today.AddDate(0, 0, -1).Format("2006-01-02")+"&to="+today.AddDate(0, 0, 1).Format("2006-01-02"), nil)
		if r.Status != 200 || r.Body["done"] != 1.0 || r.Body["response_rate"] != 100.0 || r.Body["reasons"].(map[string]any)["slow"] != 1.0 {
			t.Errorf("summary: %d %s", r.Status, r.Raw)
		}
	})
}
