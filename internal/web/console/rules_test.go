package console_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
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
		// Trying an edit of a saved rule changes nothing either: the rule
		// tried never routes a real ticket, the cached configuration is as
		// it was.
		high := aftersales.UrgencyHigh
		saved, err := db.CreateRoutingRule(app.Ctx, aftersales.RoutingRule{Name: "old", Priority: 1, Active: true, Keywords: []string{"无此词"},
			Action: aftersales.RoutingAction{Urgency: &high}})
		if err != nil {
			t.Fatal(err)
		}
		testutil.MustTicket(t, app.Ctx, db, c.ID, "预热缓存")
		b := newBrowser(t, app, "en")
		b.login("admin@example.com", "admin-password-1")
		edit := url.Values{"version": {fmt.Sprint(saved.Version)}, "name": {"old"}, "priority": {"1"}, "active": {"on"}, "keywords": {"燃气"},
			"action_urgency": {"urgent"}, "dry_run": {"1"}, "ticket": {gas.Number}}
		if s, body, _ := b.post(fmt.Sprintf("/rules/routing/%d", saved.ID), edit); s != 200 || !strings.Contains(body, "The rule matches this ticket.") {
			t.Fatalf("dry run of an edit: %d", s)
		}
		if tk := testutil.MustTicket(t, app.Ctx, db, c.ID, "燃气味很重"); tk.Urgency != aftersales.UrgencyNormal {
			t.Errorf("a new ticket was routed by a rule only tried: urgency %s", tk.Urgency)
		}
		if rs, _ := db.ListRoutingRules(app.Ctx); len(rs) != 1 || rs[0].Keywords[0] != "无此词" {
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

// TestAssignShowsLoad: the ticket page's assignee list ranks the team's
// members and shows each one's shift and open work, in both languages.
func TestAssignShowsLoad(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	team, err := db.CreateTeam(app.Ctx, aftersales.TeamInput{Code: "n", Name: "北区组", Strategy: aftersales.StrategyManual})
	if err != nil {
		t.Fatal(err)
	}
	busy := testutil.MustUser(t, app.Ctx, db, "busy@example.com", aftersales.RoleAgent, &team.ID)
	testutil.MustUser(t, app.Ctx, db, "idle@example.com", aftersales.RoleAgent, &team.ID)
	c := testutil.MustCustomer(t, app.Ctx, db, "分派")
	in := testutil.TicketInput(c.ID, "在办")
	in.AssigneeID, in.TeamID = &busy.ID, &team.ID
	if _, err := db.CreateTicket(app.Ctx, in); err != nil {
		t.Fatal(err)
	}
	in = testutil.TicketInput(c.ID, "待分派")
	in.TeamID = &team.ID
	tk, err := db.CreateTicket(app.Ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string][]string{
		"zh-CN": {`<optgroup label="按本工单排序`, `idle · 北区组 · 在岗 · 在办 0</option>`, `busy · 北区组 · 在岗 · 在办 1</option>`},
		"en":    {`<optgroup label="Ranked for this ticket`, `idle · 北区组 · on shift · 0 open</option>`, `busy · 北区组 · on shift · 1 open</option>`},
	} {
		b := newBrowser(t, app, lang)
		b.login("admin@example.com", "admin-password-1")
		s, body := b.get(fmt.Sprintf("/tickets/%d", tk.ID))
		if s != 200 {
			t.Fatalf("%s: %d", lang, s)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the assignee list lacks %q", lang, w)
			}
		}
		if i, j := strings.Index(body, want[1]), strings.Index(body, want[2]); i < 0 || j < 0 || i > j {
			t.Errorf("%s: the idle member is not ranked before the busy one", lang)
		}
	}
}

// TestItemTicketPicker: a new improvement item links tickets found by a
// live search or typed by number, and its page names them by number.
func TestItemTicketPicker(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := testutil.MustCustomer(t, app.Ctx, db, "关联")
		leak := testutil.MustTicket(t, app.Ctx, db, c.ID, "热水器漏水")
		noise := testutil.MustTicket(t, app.Ctx, db, c.ID, "洗衣机噪音大")
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		s, body := b.get("/tickets/pick?ticket_q=" + url.QueryEscape("漏水"))
		if s != 200 || !strings.Contains(body, fmt.Sprintf(`name="ticket_pick" value="%d"`, leak.ID)) || !strings.Contains(body, leak.Number) ||
			strings.Contains(body, noise.Number) {
			t.Fatalf("ticket search: %d %s", s, body)
		}
		form := url.Values{"title": {"漏水投诉集中"}, "severity": {"high"}, "department": {"quality"},
			"tickets": {"AS000000-999999"}, "ticket_pick": {fmt.Sprint(leak.ID)}}
		if s, body, _ := b.post("/quality/items", form); s != 422 || !strings.Contains(body, "没有编号为 AS000000-999999 的工单") {
			t.Fatalf("an unknown number: %d", s)
		}
		form.Set("tickets", noise.Number)
		s, _, h := b.post("/quality/items", form)
		if s != 303 {
			t.Fatalf("create: %d", s)
		}
		items, err := db.ImprovementItems(app.Ctx, aftersales.ItemFilter{})
		if err != nil || len(items) != 1 {
			t.Fatalf("items: %v %v", items, err)
		}
		d, err := db.ImprovementItem(app.Ctx, items[0].ID)
		if err != nil || len(d.Tickets) != 2 {
			t.Fatalf("linked tickets = %v %v, want the typed and the ticked one", d.Tickets, err)
		}
		_, body = b.get(h.Get("Location"))
		for _, tk := range []*aftersales.Ticket{leak, noise} {
			if !strings.Contains(body, fmt.Sprintf(`<a href="/tickets/%d">%s</a>`, tk.ID, tk.Number)) {
				t.Errorf("the item page does not link %s by its number", tk.Number)
			}
		}
	})
}
