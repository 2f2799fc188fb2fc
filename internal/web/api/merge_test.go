package api_test

import (
	"fmt"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

func TestMergeScenario(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := c.do("POST", "/customers", map[string]any{"kind": "person", "name": "李明", "phone": "13900139000"})
		other := c.do("POST", "/customers", map[string]any{"kind": "person", "name": "王五", "phone": "13700137000"})
		mk := func(title string, customer int64) resp {
			r := c.do("POST", "/tickets", map[string]any{"channel": "phone", "nature": "repair", "urgency": "normal", "title": title, "customer_id": customer})
			if r.Status != 201 {
				t.Fatalf("create: %d %s", r.Status, r.Raw)
			}
			return r
		}
		keep, dup, theirs := mk("洗衣机漏水", cust.id()), mk("洗衣机还在漏水", cust.id()), mk("别人的", other.id())
		if r := c.do("POST", fmt.Sprintf("/tickets/%d/comments", dup.id()), map[string]any{"body": "第二次来电", "from_customer": true}); r.Status != 201 {
			t.Fatalf("comment: %d %s", r.Status, r.Raw)
		}
		keepNo := keep.Body["number"].(string)
		path := fmt.Sprintf("/tickets/%d/merge", dup.id())
		for _, tc := range []struct {
			name   string
			path   string
			body   map[string]any
			status int
			field  string
		}{
			{"into itself", path, map[string]any{"into": fmt.Sprint(dup.id()), "version": 1}, 422, "body.into"},
			{"into nothing", path, map[string]any{"into": "AS209901-000001", "version": 1}, 422, "body.into"},
			{"version zero", path, map[string]any{"into": keepNo, "version": 0}, 422, "body.version"},
			{"stale", path, map[string]any{"into": keepNo, "version": 7}, 409, "body.version"},
			{"other customer", fmt.Sprintf("/tickets/%d/merge", theirs.id()), map[string]any{"into": keepNo, "version": 1}, 422, "body.into"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := c.do("POST", tc.path, tc.body)
				if r.Status != tc.status || r.locations()[tc.field] == "" {
					t.Fatalf("%d %s; want %d naming %s", r.Status, r.Raw, tc.status, tc.field)
				}
			})
		}
		r := c.do("POST", path, map[string]any{"into": keepNo, "version": 1, "note": "同一故障"})
		if r.Status != 200 || r.id() != keep.id() || r.Body["status"] != "new" {
			t.Fatalf("merge: %d %s", r.Status, r.Raw)
		}
		g := c.do("GET", fmt.Sprintf("/tickets/%d", dup.id()), nil)
		if g.Body["status"] != "cancelled" || g.Body["merged_into_number"] != keepNo || g.Body["merged_into"] != float64(keep.id()) {
			t.Fatalf("source after merge: %s", g.Raw)
		}
		tl := c.do("GET", fmt.Sprintf("/tickets/%d/timeline", keep.id()), nil)
		if !strings.Contains(string(tl.Raw), "第二次来电") || !strings.Contains(string(tl.Raw), `"merged_from"`) {
			t.Fatalf("target timeline lacks the duplicate's message or the merge entry: %s", tl.Raw)
		}
		if r := c.do("POST", path, map[string]any{"into": keepNo, "version": 2}); r.Status != 409 {
			t.Fatalf("second merge: %d %s", r.Status, r.Raw)
		}
	})
}
