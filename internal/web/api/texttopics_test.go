package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestTextClustersAPI: complaints of two planted topics come back as two
// clusters whose tickets the ticket list finds by topic_id; a cluster
// opens an improvement item with its tickets; the dictionary refuses a bad
// import naming the row and writes nothing, then takes a good one.
func TestTextClustersAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := c.do("POST", "/customers", map[string]any{"kind": "person", "name": "吴十", "phone": "13900003333"})
		texts := []string{"空调制冷差，压缩机外机噪音", "物流快递配送太慢，包裹没签收"}
		for i := range 20 {
			r := c.do("POST", "/tickets", map[string]any{"channel": "phone", "nature": "complaint", "urgency": "normal",
				"title": texts[i%2], "customer_id": cust.id()})
			if r.Status != 201 {
				t.Fatalf("ticket: %d %s", r.Status, r.Raw)
			}
		}
		if r := c.do("GET", "/text/clusters?from=2026-13-01", nil); r.Status != 422 || r.locations()["query.from"] == "" {
			t.Errorf("bad date: %d %s", r.Status, r.Raw)
		}
		r := c.do("GET", "/text/clusters", nil)
		var run struct {
			K         int    `json:"k"`
			Clustered int    `json:"clustered"`
			Criterion string `json:"criterion"`
			Topics    []struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
				Size int    `json:"size"`
			} `json:"topics"`
		}
		if err := json.Unmarshal(r.Raw, &run); err != nil || r.Status != 200 || run.K != 2 || run.Clustered != 20 || run.Criterion != "silhouette" {
			t.Fatalf("clusters: %d %s", r.Status, r.Raw)
		}
		for _, tp := range run.Topics {
			l := c.do("GET", fmt.Sprintf("/tickets?topic_id=%d&nature=complaint", tp.ID), nil)
			if l.Status != 200 || l.Body["total"] != float64(tp.Size) {
				t.Errorf("tickets of %q: %d total %v, want %d", tp.Name, l.Status, l.Body["total"], tp.Size)
			}
			d := c.do("GET", fmt.Sprintf("/text/clusters/%d", tp.ID), nil)
			if d.Status != 200 || d.Body["topic"].(map[string]any)["name"] != tp.Name {
				t.Errorf("detail: %d %s", d.Status, d.Raw)
			}
		}
		if d := c.do("GET", "/text/clusters/9999", nil); d.Status != 404 {
			t.Errorf("missing cluster: %d %s", d.Status, d.Raw)
		}
		it := c.do("POST", fmt.Sprintf("/text/clusters/%d/improvement-item", run.Topics[0].ID), nil)
		if it.Status != 201 || len(it.Body["tickets"].([]any)) != run.Topics[0].Size || it.Body["source"] != "complaints" {
			t.Errorf("improvement item: %d %s", it.Status, it.Raw)
		}
		bad := c.do("POST", "/text/dictionary/import", map[string]any{"words": []map[string]any{{"word": "外机噪音", "kind": "fault"}, {"word": "x y", "kind": "fault"}}})
		if loc := bad.locations(); bad.Status != 422 || loc["body.words[1].word"] == "" {
			t.Errorf("bad import: %d %s", bad.Status, bad.Raw)
		}
		if l := c.do("GET", "/text/dictionary", nil); strings.TrimSpace(string(l.Raw)) != "[]" {
			t.Errorf("a refused import wrote: %s", l.Raw)
		}
		ok := c.do("POST", "/text/dictionary/import", map[string]any{"words": []map[string]any{{"word": "外机噪音", "kind": "fault"}, {"word": "KFR-35GW", "kind": "model"}}})
		if ok.Status != 200 || ok.Body["words"] != 2.0 {
			t.Fatalf("import: %d %s", ok.Status, ok.Raw)
		}
		w := c.do("POST", "/text/dictionary", map[string]any{"word": "上门安装", "kind": "service"})
		if w.Status != 201 {
			t.Fatalf("create word: %d %s", w.Status, w.Raw)
		}
		u := c.do("PUT", fmt.Sprintf("/text/dictionary/%d", w.id()), map[string]any{"word": "上门安装", "kind": "service", "freq": 5000, "version": 1})
		if u.Status != 200 || u.Body["freq"] != 5000.0 {
			t.Errorf("update word: %d %s", u.Status, u.Raw)
		}
		if d := c.do("DELETE", fmt.Sprintf("/text/dictionary/%d", w.id()), nil); d.Status != 204 {
			t.Errorf("delete word: %d %s", d.Status, d.Raw)
		}
	})
}
