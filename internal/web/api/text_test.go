package api_test

import (
	"fmt"
	"testing"

	"aftersales/internal/jobs"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/textan"
	"aftersales/internal/web/webtest"
)

// TestTextAPI: a ticket's text is 404 until analysed, then has keywords
// and a sentiment; top terms count it, and the ticket list filtered by a
// term returns as many tickets as the term counts; bad queries name their
// fields.
func TestTextAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := c.do("POST", "/customers", map[string]any{"kind": "person", "name": "文本", "phone": "13900004444"})
		var ids []int64
		for _, title := range []string{"空调不制冷，非常失望", "空调漏水，太慢了", "师傅很专业，满意"} {
			tk := c.do("POST", "/tickets", map[string]any{"channel": "phone", "nature": "complaint", "urgency": "high", "title": title, "customer_id": cust.id()})
			if tk.Status != 201 {
				t.Fatalf("create: %d %s", tk.Status, tk.Raw)
			}
			ids = append(ids, tk.id())
		}
		if r := c.do("GET", fmt.Sprintf("/text/tickets/%d", ids[0]), nil); r.Status != 404 {
			t.Fatalf("before the analysis: %d %s", r.Status, r.Raw)
		}
		if _, err := jobs.AnalyseAllTexts(app.Ctx, db, textan.NewAnalyser(textan.NewSegmenter())); err != nil {
			t.Fatal(err)
		}
		r := c.do("GET", fmt.Sprintf("/text/tickets/%d", ids[0]), nil)
		if r.Status != 200 || r.Body["polarity"] != -1.0 || len(r.Body["keywords"].([]any)) == 0 {
			t.Fatalf("ticket text: %d %s", r.Status, r.Raw)
		}
		today := db.Now().In(db.Zone)
		from, to := today.Format("2006-01-02"), today.AddDate(0, 0, 1).Format("2006-01-02")
		r = c.do("GET", "/text/terms?from="+from+"&to="+to, nil)
		if r.Status != 200 || r.Body["analysed"] != 3.0 {
			t.Fatalf("terms: %d %s", r.Status, r.Raw)
		}
		first := r.Body["terms"].([]any)[0].(map[string]any)
		if first["term"] != "空调" || first["tickets"] != 2.0 {
			t.Fatalf("top term: %v", first)
		}
		list := c.do("GET", "/tickets?count=true&term=空调&created_from="+from, nil)
		if list.Status != 200 || list.Body["total"] != 2.0 {
			t.Fatalf("tickets with the term: %d %s", list.Status, list.Raw)
		}
		if r := c.do("GET", "/text/sentiment?grain=day&from="+from+"&to="+to, nil); r.Status != 200 {
			t.Fatalf("sentiment: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", "/text/rising-terms?from="+from+"&to="+to, nil); r.Status != 200 || r.Body["after"] != 3.0 || r.Body["before"] != 0.0 {
			t.Fatalf("rising: %d %s", r.Status, r.Raw)
		}
		for path, field := range map[string]string{
			"/text/terms?from=2026-13-01&to=" + to:                                "query.from",
			"/text/terms?from=" + to + "&to=" + from:                              "query.to",
			"/text/rising-terms?filter=region&value=x&from=" + from + "&to=" + to: "query.value",
		} {
			if r := c.do("GET", path, nil); r.Status != 422 || r.locations()[field] == "" {
				t.Errorf("%s: %d %s, want 422 naming %s", path, r.Status, r.Raw, field)
			}
		}
		if r := c.do("POST", "/text/alert-rules", map[string]any{"grain": "day", "active": true}); r.Status != 422 {
			t.Errorf("rule with a bad grain: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", "/text/alert-rules", map[string]any{"grain": "week", "dim": "nature", "value": "complaint", "active": true}); r.Status != 201 || r.Body["alpha"] != 0.05 {
			t.Errorf("rule: %d %s", r.Status, r.Raw)
		}
	})
}
