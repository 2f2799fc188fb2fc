package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// catchUp runs what the kpi-rollups job does until nothing is pending:
// reads never fold changes in themselves.
func catchUp(t *testing.T, app *webtest.App) {
	t.Helper()
	for {
		n, err := app.DB.RefreshRollups(app.Ctx, 2000)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func TestMetricsAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := c.do("POST", "/customers", map[string]any{"kind": "person", "name": "孙八", "phone": "13900001111"})
		tk := c.do("POST", "/tickets", map[string]any{"channel": "web", "nature": "complaint", "urgency": "high", "title": "安装师傅迟到", "customer_id": cust.id()})
		id := tk.id()
		// Follow-up before resolution is refused; after, it is stored.
		if r := c.do("PUT", fmt.Sprintf("/tickets/%d/feedback", id), map[string]any{"csat": 4}); r.Status != 409 {
			t.Fatalf("feedback on an open ticket: %d %s", r.Status, r.Raw)
		}
		v := 1
		for _, to := range []string{"accepted", "resolved"} {
			r := c.do("POST", fmt.Sprintf("/tickets/%d/transition", id), map[string]any{"to": to, "version": v, "reason": "已处理"})
			if r.Status != 200 && r.Status != 201 {
				t.Fatalf("→ %s: %d %s", to, r.Status, r.Raw)
			}
			v = int(r.Body["version"].(float64))
		}
		if r := c.do("PUT", fmt.Sprintf("/tickets/%d/feedback", id), map[string]any{"csat": 6}); r.Status != 422 || r.locations()["body.csat"] == "" {
			t.Fatalf("csat 6: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", fmt.Sprintf("/tickets/%d/feedback", id), map[string]any{"csat": 4, "nps": 9, "comment": "满意"}); r.Status != 200 {
			t.Fatalf("feedback: %d %s", r.Status, r.Raw)
		}
		// Until the rollup job runs, the answers say the ticket is not
		// counted yet; reads never fold it in themselves.
		if r := c.do("GET", "/metrics/rollup-lag", nil); r.Status != 200 || r.Body["pending"] != 1.0 || r.Body["oldest"] == nil {
			t.Errorf("rollup lag before the job: %d %s", r.Status, r.Raw)
		}
		catchUp(t, app)
		if r := c.do("GET", "/metrics/rollup-lag", nil); r.Status != 200 || r.Body["pending"] != 0.0 || r.Body["oldest"] != nil {
			t.Errorf("rollup lag after the job: %d %s", r.Status, r.Raw)
		}
		// The catalog, then a KPI: the one answer is a 4.
		if r := c.do("GET", "/metrics/kpis", nil); r.Status != 200 || len(r.Raw) < 1000 {
			t.Fatalf("catalog: %d %s", r.Status, r.Raw)
		}
		day := db.Now().In(db.Zone).Format("2006-01-02")
		next := db.Now().In(db.Zone).AddDate(0, 0, 1).Format("2006-01-02")
		r := c.do("GET", "/metrics/kpis/csat_mean?from="+day+"&to="+next+"&grain=day", nil)
		total, _ := r.Body["total"].(map[string]any)
		if r.Status != 200 || total["value"] != 4.0 || total["n"] != 1.0 {
			t.Fatalf("csat_mean: %d %s", r.Status, r.Raw)
		}
		if lag, ok := r.Body["lag"].(map[string]any); !ok || lag["pending"] != 0.0 {
			t.Errorf("csat_mean lacks its rollup lag: %s", r.Raw)
		}
		r = c.do("GET", "/metrics/kpis/complaint_rate?from="+day+"&to="+next+"&by=channel", nil)
		pts, _ := r.Body["points"].([]any)
		if r.Status != 200 || len(pts) != 1 || pts[0].(map[string]any)["key"] != "web" || pts[0].(map[string]any)["value"] != 100.0 {
			t.Fatalf("complaint_rate by channel: %d %s", r.Status, r.Raw)
		}
		// Grouped within a filter on another dimension (monthly pair rollups):
		// this month's web complaints by urgency is not a kept pair; by
		// technician it is.
		month := time.Date(db.Now().In(db.Zone).Year(), db.Now().In(db.Zone).Month(), 1, 0, 0, 0, 0, db.Zone)
		from, to := month.Format("2006-01-02"), month.AddDate(0, 1, 0).Format("2006-01-02")
		if r := c.do("GET", "/metrics/kpis/created?from="+from+"&to="+to+"&filter=channel&value=web&by=urgency", nil); r.Status != 422 || r.locations()["query.by"] == "" {
			t.Errorf("unkept pair: %d %s", r.Status, r.Raw)
		}
		r = c.do("GET", "/metrics/kpis/created?from="+from+"&to="+to+"&filter=channel&value=web&by=region", nil)
		if total, _ := r.Body["total"].(map[string]any); r.Status != 200 || total["value"] != 1.0 {
			t.Errorf("created by region within web: %d %s", r.Status, r.Raw)
		}
		// Aging: a new phone ticket is open and younger than a day; the
		// web one is resolved.
		c.do("POST", "/tickets", map[string]any{"channel": "phone", "nature": "repair", "urgency": "normal", "title": "热水器不点火", "customer_id": cust.id()})
		catchUp(t, app)
		r = c.do("GET", "/metrics/aging?by=channel&locale=en", nil)
		if r.Status != 200 || !strings.Contains(string(r.Raw), `"key":"phone"`) || !strings.Contains(string(r.Raw), `"counts":[1,0,0,0,0,0]`) || strings.Contains(string(r.Raw), `"web"`) {
			t.Errorf("aging: %d %s", r.Status, r.Raw)
		}
		// Bad queries name the field.
		for q, field := range map[string]string{
			"/metrics/kpis/nope?from=" + day + "&to=" + next:                               "query.kpi",
			"/metrics/kpis/created?from=2026-13-01&to=" + next:                             "query.from",
			"/metrics/kpis/created?from=" + day + "&to=" + next + "&grain=year":            "query.grain",
			"/metrics/kpis/created?from=" + day + "&to=" + next + "&filter=team&by=region": "query.value",
		} {
			if r := c.do("GET", q, nil); r.Status != 422 || r.locations()[field] == "" {
				t.Errorf("%s: %d %s, want 422 naming %s", q, r.Status, r.Raw, field)
			}
		}
		// Quality: the score explains itself; a bad rule names its field.
		r = c.do("GET", "/quality/scores?from="+day+"&to="+next, nil)
		if r.Status != 200 || len(r.Raw) < 100 {
			t.Fatalf("scores: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", "/quality/targets/fcr", map[string]any{"target": 80, "worst": 80, "weight": 25}); r.Status != 422 || r.locations()["body.worst"] == "" {
			t.Errorf("target = worst: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", "/quality/alert-rules", map[string]any{"kpi": "csat_mean", "grain": "month", "active": true}); r.Status != 422 || r.locations()["body.threshold"] == "" {
			t.Errorf("rule without threshold or chart: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", "/quality/alert-rules", map[string]any{"kpi": "csat_mean", "grain": "month", "threshold": 4.2, "active": true}); r.Status != 201 {
			t.Errorf("threshold rule: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", "/quality/alerts/evaluate", nil); r.Status != 200 {
			t.Errorf("evaluate: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", "/quality/improvement-items", nil); r.Status != 200 {
			t.Errorf("items: %d %s", r.Status, r.Raw)
		}
	})
}
