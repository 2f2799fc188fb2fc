package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

func TestAutomation(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		team, _ := db.CreateTeam(ctx, aftersales.TeamInput{Code: "t", Name: "组"})
		sup := MustUser(t, ctx, db, "sup@example.com", aftersales.RoleSupervisor, &team.ID)
		hook, _ := db.CreateWebhook(ctx, aftersales.Webhook{URL: "http://127.0.0.1:9/x", Secret: "0123456789abcdef", Active: true, Events: []string{aftersales.HookAutomation}})
		mustRule := func(r aftersales.AutomationRule) {
			t.Helper()
			r.Active = true
			if _, err := db.CreateAutomation(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		mustRule(aftersales.AutomationRule{Name: "紧急提醒", Trigger: aftersales.TriggerCreated,
			Conditions: aftersales.AutomationConditions{SLAConditions: aftersales.SLAConditions{Urgency: []aftersales.Urgency{aftersales.UrgencyUrgent}}},
			Actions: []aftersales.AutomationAction{{Kind: aftersales.ActionAddNote, Text: "请优先处理"},
				{Kind: aftersales.ActionNotify, Notify: aftersales.NotifySupervisor, Text: "紧急工单"}, {Kind: aftersales.ActionWebhook}}})
		mustRule(aftersales.AutomationRule{Name: "投诉解决即关闭", Trigger: aftersales.TriggerStatusChanged,
			Conditions: aftersales.AutomationConditions{SLAConditions: aftersales.SLAConditions{Nature: []aftersales.Nature{aftersales.NatureComplaint}}, Status: []aftersales.Status{aftersales.StatusResolved}},
			Actions:    []aftersales.AutomationAction{{Kind: aftersales.ActionSetStatus, Status: aftersales.StatusClosed}}})
		mustRule(aftersales.AutomationRule{Name: "关闭后备注", Trigger: aftersales.TriggerStatusChanged,
			Conditions: aftersales.AutomationConditions{Status: []aftersales.Status{aftersales.StatusClosed}},
			Actions:    []aftersales.AutomationAction{{Kind: aftersales.ActionAddNote, Text: "closed-note"}}})
		mustRule(aftersales.AutomationRule{Name: "解决7天自动关闭", Trigger: aftersales.TriggerTime,
			Conditions: aftersales.AutomationConditions{Status: []aftersales.Status{aftersales.StatusResolved}, AfterHours: 168},
			Actions:    []aftersales.AutomationAction{{Kind: aftersales.ActionSetStatus, Status: aftersales.StatusClosed}}})

		c := MustCustomer(t, ctx, db, "客户")
		in := TicketInput(c.ID, "停电后不能启动")
		in.Urgency, in.TeamID = Ptr(aftersales.UrgencyUrgent), &team.ID
		urgent, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		tl, _ := db.Timeline(ctx, urgent.ID)
		var notes, autos int
		for _, e := range tl {
			if e.Kind == aftersales.EventNote && e.Body == "请优先处理" {
				notes++
			}
			if e.Kind == "automation" && e.Field == "紧急提醒" {
				autos++
			}
		}
		if notes != 1 || autos != 3 {
			t.Fatalf("created rule: %d notes, %d automation events", notes, autos)
		}
		if n, _ := db.UnreadNotifications(aftersales.NewContextWithUser(ctx, sup)); n != 1 {
			t.Fatalf("supervisor notifications = %d", n)
		}
		if ds, _ := db.ListDeliveries(ctx, hook.ID, 10); len(ds) != 1 || ds[0].Event != aftersales.HookAutomation {
			t.Fatalf("webhook deliveries = %+v", ds)
		}
		if entries, _ := db.ListAudit(ctx, aftersales.AuditFilter{Entity: "ticket", EntityID: urgent.ID}); len(entries) < 4 {
			t.Fatalf("audit entries = %d", len(entries))
		}

		// An update that raises urgency notifies the team.
		mustRule(aftersales.AutomationRule{Name: "升级提醒", Trigger: aftersales.TriggerUpdated,
			Conditions: aftersales.AutomationConditions{SLAConditions: aftersales.SLAConditions{Urgency: []aftersales.Urgency{aftersales.UrgencyUrgent}}},
			Actions:    []aftersales.AutomationAction{{Kind: aftersales.ActionAddNote, Text: "已升级为特急"}}})
		plain := MustTicket(t, ctx, db, c.ID, "普通")
		if _, err := db.UpdateTicket(ctx, plain.ID, plain.Version, aftersales.TicketInput{Urgency: Ptr(aftersales.UrgencyUrgent)}); err != nil {
			t.Fatal(err)
		}
		found := false
		tl, _ = db.Timeline(ctx, plain.ID)
		for _, e := range tl {
			found = found || e.Body == "已升级为特急"
		}
		if !found {
			t.Fatal("update rule did not run")
		}

		// A resolved complaint (confirmed by the customer) is closed by a
		// rule; the rule on "closed"
		// does not run, because rules never trigger rules.
		cin := TicketInput(c.ID, "投诉：师傅迟到")
		cin.Nature = Ptr(aftersales.NatureComplaint)
		comp, _ := db.CreateTicket(ctx, cin)
		// A complaint closes only with its closure record (issue #20).
		if _, err := db.SetComplaint(ctx, comp.ID, aftersales.ComplaintInput{Severity: Ptr(aftersales.SeverityMinor), RootCause: Ptr("man.communication")}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AnswerComplaint(ctx, comp.ID, aftersales.ComplaintAnswer{Accepted: true, Channel: aftersales.ContactPhone}); err != nil {
			t.Fatal(err)
		}
		for _, s := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
			if comp, err = db.Transition(ctx, comp.ID, aftersales.TransitionInput{To: s, Version: comp.Version, Reason: "已处理"}); err != nil {
				t.Fatal(err)
			}
		}
		if comp.Status != aftersales.StatusClosed || comp.ClosedAt == nil {
			t.Fatalf("complaint status %s", comp.Status)
		}
		tl, _ = db.Timeline(ctx, comp.ID)
		for _, e := range tl {
			if e.Body == "closed-note" {
				t.Fatal("a rule ran on a change made by a rule")
			}
		}

		// A repair resolved for seven days is closed by the time rule, once.
		rep := MustTicket(t, ctx, db, c.ID, "洗衣机不脱水")
		for _, s := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
			rep, _ = db.Transition(ctx, rep.ID, aftersales.TransitionInput{To: s, Version: rep.Version, Reason: "已处理"})
		}
		clock.Advance(167 * time.Hour)
		if n, err := db.SweepAutomations(ctx, 100); err != nil || n != 0 {
			t.Fatalf("early sweep ran %d, %v", n, err)
		}
		clock.Advance(2 * time.Hour)
		if n, err := db.SweepAutomations(ctx, 100); err != nil || n != 1 {
			t.Fatalf("sweep ran %d, %v", n, err)
		}
		if n, _ := db.SweepAutomations(ctx, 100); n != 0 {
			t.Fatalf("second sweep ran %d", n)
		}
		if got, _ := db.FindTicket(ctx, rep.ID); got.Status != aftersales.StatusClosed {
			t.Fatalf("time rule: status %s", got.Status)
		}

		_, err = db.CreateAutomation(ctx, aftersales.AutomationRule{Name: "bad", Trigger: aftersales.TriggerTime,
			Actions: []aftersales.AutomationAction{{Kind: "explode"}, {Kind: aftersales.ActionAssignTeam, TeamID: Ptr(int64(999))}}})
		f := fieldsOf(err)
		for _, k := range []string{"conditions.status", "conditions.after_hours", "actions[0].kind"} {
			if f[k] == "" {
				t.Errorf("%s not named: %v", k, err)
			}
		}
		if !strings.Contains(err.Error(), "EINVALID") {
			t.Fatal(err)
		}
	})
}
