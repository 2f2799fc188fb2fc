package api_test

import (
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestSegmentRulesAPI: rules replaced, listed, dry-run and evaluated
// through the API; a bad rule names its field.
func TestSegmentRulesAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := testutil.MustCustomer(t, app.Ctx, db, "张三")
		testutil.MustTicket(t, app.Ctx, db, cust.ID, "空调不制冷")
		if r := c.do("PUT", "/segment-rules", map[string]any{"rules": []any{map[string]any{"tier": "gold", "months": 12, "min_tickets": 1}}}); r.Status != 422 || r.locations()["body.rules[0].tier"] == "" {
			t.Errorf("an unknown tier: %d %s", r.Status, r.Raw)
		}
		rule := map[string]any{"tier": "core", "months": 12, "min_tickets": 1}
		if r := c.do("POST", "/segment-rules/dry-run", map[string]any{"rules": []any{rule}}); r.Status != 200 || r.Body["changed"] != 1.0 {
			t.Errorf("dry run of a draft: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", "/segment-rules", map[string]any{"rules": []any{rule}}); r.Status != 200 {
			t.Fatalf("replace: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", "/segment-rules", nil); r.Status != 200 || len(r.Body["rules"].([]any)) != 1 {
			t.Errorf("list: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", "/segment-rules/evaluate", nil); r.Status != 200 || r.Body["changed"] != 1.0 {
			t.Errorf("evaluate: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", "/segment-rules/evaluate", nil); r.Status != 200 || r.Body["changed"] != 0.0 {
			t.Errorf("evaluate again: %d %s", r.Status, r.Raw)
		}
	})
}
