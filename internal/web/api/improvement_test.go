package api_test

import (
	"fmt"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// The improvement loop over HTTP: create, analyse, plan, refuse the
// shortcuts with the field named, verify, and read the case library.
func TestImprovementAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		if r := c.do("POST", "/quality/improvement-items", map[string]any{"title": "", "severity": "urgent"}); r.Status != 422 ||
			r.locations()["body.title"] == "" || r.locations()["body.severity"] == "" {
			t.Fatalf("bad item: %d %s", r.Status, r.Raw)
		}
		it := c.do("POST", "/quality/improvement-items", map[string]any{"title": "投诉集中：上门迟到", "source": "complaints", "kpi": "complaint_rate",
			"target": 5, "target_date": "2027-01-31"})
		if it.Status != 201 || it.Header.Get("ETag") != `"1"` || it.Body["status"] != "open" || !strings.HasPrefix(it.Body["number"].(string), "IM") {
			t.Fatalf("create: %d %s", it.Status, it.Raw)
		}
		base := fmt.Sprintf("/quality/improvement-items/%d", it.id())
		if r := c.do("POST", base+"/transition", map[string]any{"to": "analysing"}, "If-Match", `"7"`); r.Status != 409 {
			t.Fatalf("stale If-Match: %d %s", r.Status, r.Raw)
		}
		r := c.do("POST", base+"/transition", map[string]any{"to": "analysing"}, "If-Match", `"1"`)
		if r.Status != 200 || r.Body["status"] != "analysing" {
			t.Fatalf("analysing: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", base+"/transition", map[string]any{"to": "planning", "version": 2}); r.Status != 422 || r.locations()["body.root_cause"] == "" {
			t.Fatalf("planning without root cause: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", base+"/five-why", map[string]any{"steps": []map[string]any{{"question": "为什么迟到？", "answer": "路线没规划"}, {"question": "为什么没规划？", "answer": "没有工具"}}}); r.Status != 204 {
			t.Fatalf("5-why: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", base+"/root-cause", map[string]any{"code": "nope"}); r.Status != 422 || r.locations()["body.root_cause"] == "" {
			t.Fatalf("unknown code: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", base+"/root-cause", map[string]any{"code": "method.no_route_planning"}); r.Status != 204 {
			t.Fatalf("root cause: %d %s", r.Status, r.Raw)
		}
		cause := c.do("POST", base+"/causes", map[string]any{"category": "method", "text": "没有路线规划", "status": "verified", "evidence": "5-Why"})
		if cause.Status != 201 || cause.id() == 0 {
			t.Fatalf("cause: %d %s", cause.Status, cause.Raw)
		}
		if r := c.do("POST", base+"/causes", map[string]any{"category": "money", "text": "x", "status": "suspected"}); r.Status != 422 || r.locations()["body.category"] == "" {
			t.Fatalf("not 6M: %d %s", r.Status, r.Raw)
		}
		d := c.do("GET", base, nil)
		if d.Status != 200 || len(d.Body["whys"].([]any)) != 2 || len(d.Body["causes"].([]any)) != 1 || d.Body["root_cause"] != "method.no_route_planning" {
			t.Fatalf("detail: %d %s", d.Status, d.Raw)
		}
		v := int(d.Body["version"].(float64))
		if r := c.do("POST", base+"/transition", map[string]any{"to": "planning", "version": v}); r.Status != 200 {
			t.Fatalf("planning: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", base+"/actions", map[string]any{"description": "上线路线规划工具", "owner_id": 1, "due": "2027-01-15", "status": "done"}); r.Status != 422 || r.locations()["body.evidence"] == "" {
			t.Fatalf("done without evidence: %d %s", r.Status, r.Raw)
		}
		a := c.do("POST", base+"/actions", map[string]any{"description": "上线路线规划工具", "owner_id": 1, "start": "2026-12-01", "due": "2027-01-15", "budget": 50000})
		if a.Status != 201 || a.Body["status"] != "planned" {
			t.Fatalf("action: %d %s", a.Status, a.Raw)
		}
		if r := c.do("PUT", fmt.Sprintf("%s/actions/%d", base, a.id()), map[string]any{"description": "上线路线规划工具", "owner_id": 1, "due": "2027-01-15",
			"status": "done", "evidence": "已上线", "version": 1}); r.Status != 200 || r.Body["status"] != "done" || r.Body["done_at"] == nil {
			t.Fatalf("action done: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", base+"/verifications", map[string]any{"before_from": "2026-01-01", "before_to": "2025-12-01", "after_from": "2026-01-01", "after_to": "2026-02-01"}); r.Status != 422 || r.locations()["body.before_to"] == "" {
			t.Fatalf("bad window: %d %s", r.Status, r.Raw)
		}
		day := db.Now().In(db.Zone).Format("2006-01-02")
		r = c.do("POST", base+"/verifications", map[string]any{"before_from": "2026-01-01", "before_to": "2026-02-01", "after_from": "2026-02-01", "after_to": day})
		if r.Status != 201 || r.Body["verdict"] != "inconclusive" || r.Body["applied"] != false {
			t.Fatalf("verification without data: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", base+"/case", map[string]any{}); r.Status != 409 {
			t.Fatalf("case of an open item: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", "/quality/root-causes/pareto?locale=en", nil); r.Status != 200 || !strings.Contains(string(r.Raw), "No route-planning tool") {
			t.Fatalf("pareto: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", "/quality/root-causes/method.no_sop", map[string]any{"category": "method", "name_zh": "缺少作业指导书", "name_en": "No work instruction", "active": true}); r.Status != 200 {
			t.Fatalf("new code: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", "/quality/root-causes/Bad%20Code", map[string]any{"category": "method", "name_zh": "x", "name_en": "x", "active": true}); r.Status != 422 {
			t.Fatalf("bad code: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", "/quality/improvement-items?status=planning", nil); r.Status != 200 || !strings.Contains(string(r.Raw), "投诉集中") {
			t.Fatalf("board: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", "/quality/cases?q=x", nil); r.Status != 200 || string(r.Raw) != "[]" && !strings.HasPrefix(string(r.Raw), "[]") {
			t.Fatalf("cases: %d %s", r.Status, r.Raw)
		}
	})
}
