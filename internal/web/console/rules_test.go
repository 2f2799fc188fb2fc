package console_test

import (
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"

	"net/url"
)

// TestRuleDryRun tries routing and automation rules as typed in the
// form, saved or not, on chosen tickets: the answer says which conditions
// hold, what routing would decide, in the page's language, and nothing
// is saved.
func TestRuleDryRun(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := testutil.MustCustomer(t, app.Ctx, db, "试运行")
		gas := testutil.MustTicket(t, app.Ctx, db, c.ID, "厨房有燃气味")
		cold := testutil.MustTicket(t, app.Ctx, db, c.ID, "空调不制冷")
		for _, tc := range []struct {
			lang, matches, noMatch, holds, fails, urgent string
		}{
			{"en", "The rule matches this ticket.", "The rule does not match this ticket.", "holds", "does not hold", "Urgent"},
			{"zh-CN", "该规则匹配此工单。", "该规则不匹配此工单。", "满足", "不满足", "特急"},
		} {
			b := newBrowser(t, app, tc.lang)
			b.login("admin@example.com", "admin-password-1")
			rule := url.Values{"name": {"gas"}, "priority": {"1"}, "active": {"on"}, "keywords": {"燃气"}, "nature": {"repair"},
				"action_urgency": {"urgent"}, "dry_run": {"1"}, "ticket": {gas.Number}}
			s, body, _ := b.post("/rules/routing/new", rule)
			if s != 200 || !strings.Contains(body, tc.matches) || strings.Count(body, "✓ "+tc.holds) != 2 || !strings.Contains(body, "<dd>"+tc.urgent+"</dd>") {
				t.Fatalf("%s: dry run on the matching ticket: %d %s", tc.lang, s, excerpt(body, "dry-result"))
			}
			rule.Set("ticket", cold.Number)
			s, body, _ = b.post("/rules/routing/new", rule)
			if s != 200 || !strings.Contains(body, tc.noMatch) || !strings.Contains(body, "✗ "+tc.fails) || !strings.Contains(body, "✓ "+tc.holds) {
				t.Fatalf("%s: dry run on the other ticket: %d %s", tc.lang, s, excerpt(body, "dry-result"))
			}
			rule.Set("ticket", "no-such-ticket")
			if s, _, _ := b.post("/rules/routing/new", rule); s != 422 {
				t.Fatalf("%s: dry run on no ticket: %d", tc.lang, s)
			}
			// A time rule: the ticket is new, not resolved, so it fails on status.
			auto := url.Values{"name": {"close"}, "priority": {"1"}, "active": {"on"}, "trigger": {"time"}, "status": {"resolved"},
				"after_hours": {"1"}, "a0_kind": {"set_status"}, "a0_status": {"closed"}, "dry_run": {"1"}, "ticket": {gas.Number}}
			s, body, _ = b.post("/rules/automation/new", auto)
			if s != 200 || !strings.Contains(body, tc.noMatch) || !strings.Contains(body, "✗ "+tc.fails) {
				t.Fatalf("%s: automation dry run: %d %s", tc.lang, s, excerpt(body, "dry-result"))
			}
		}
		if rs, _ := db.ListRoutingRules(app.Ctx); len(rs) != 0 {
			t.Errorf("a dry run saved a routing rule: %+v", rs)
		}
		if as, _ := db.ListAutomations(app.Ctx); len(as) != 0 {
			t.Errorf("a dry run saved an automation rule: %+v", as)
		}
	})
}

// excerpt is the part of an HTML page from the element with id on.
func excerpt(body, id string) string {
	if i := strings.Index(body, `id="`+id+`"`); i >= 0 {
		return body[i:min(len(body), i+1500)]
	}
	return "(no #" + id + ")"
}
