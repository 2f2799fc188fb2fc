package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// monday is the Monday of week w counted from 2026-01-05.
func monday(db *sqlstore.DB, w int) time.Time {
	return time.Date(2026, 1, 5, 0, 0, 0, 0, db.Zone).AddDate(0, 0, 7*w)
}

// arrivals loads perWeek tickets a week in weeks [from, to) whose
// technician arrived on site two hours after creation; onTime(w) of them
// met the arrival SLA. channel sets the channel (a scope for control
// groups).
func arrivals(t *testing.T, ctx context.Context, db *sqlstore.DB, from, to, perWeek int, channel aftersales.Channel, onTime func(w int) int) {
	t.Helper()
	c := MustCustomer(t, ctx, db, fmt.Sprintf("客户%d-%s", from, channel))
	_, _, maxID, err := db.MaxIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := maxID + 1
	var b aftersales.Bulk
	met := map[int64]bool{}
	for w := from; w < to; w++ {
		for i := range perWeek {
			maxID++
			created := monday(db, w).Add(9*time.Hour + time.Duration(i)*15*time.Minute)
			arrived, resolved := created.Add(2*time.Hour), created.Add(5*time.Hour)
			b.Tickets = append(b.Tickets, &aftersales.Ticket{ID: maxID, Number: fmt.Sprintf("AS202601-8%05d", maxID), Channel: channel,
				Nature: aftersales.NatureRepair, Urgency: aftersales.UrgencyNormal, Status: aftersales.StatusResolved, Title: "上门维修",
				CustomerID: &c.ID, CreatedAt: created, UpdatedAt: resolved, StatusChangedAt: resolved, ResolvedAt: &resolved,
				FirstResponseAt: Ptr(created.Add(10 * time.Minute)), AssignCount: 1})
			b.Events = append(b.Events,
				&aftersales.TicketEvent{TicketID: maxID, At: arrived, Kind: aftersales.EventStatusChanged, From: "new", To: "in_service"},
				&aftersales.TicketEvent{TicketID: maxID, At: resolved, Kind: aftersales.EventStatusChanged, From: "in_service", To: "resolved"})
			met[maxID] = i < onTime(w)
		}
	}
	if err := db.BulkLoad(ctx, &b); err != nil {
		t.Fatal(err)
	}
	for id := first; id <= maxID; id++ {
		if err := db.ExecRaw(ctx, `INSERT INTO ticket_sla (ticket_id, arr_met, arr_due_at, evaluated_at) VALUES ($1, $2, $3, $3)`,
			id, met[id], int64(1)); err != nil {
			t.Fatal(err)
		}
	}
	catchUp(t, ctx, db) // the rollup job has run
}

func code(err error) string { return aftersales.ErrorCode(err) }

func fieldOf(err error) string {
	if e, ok := err.(*aftersales.Error); ok && len(e.Fields) > 0 {
		return e.Fields[0].Field
	}
	return ""
}

// TestImprovementLoopSeedExample reproduces the seed's worked example:
// on-time arrival at 85% against 95% opens an item; a 5-Why ends at "no
// route-planning tool"; three actions with owners and months; the after
// window rises to about 96%; verification supports it and closes the
// item; a later relapse reopens it.
func TestImprovementLoopSeedExample(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 5, 5, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		as := func(u *aftersales.User) context.Context {
			return aftersales.NewContextWithUser(context.Background(), u)
		}
		agent := MustUser(t, ctx, db, "li@example.com", aftersales.RoleAgent, nil)
		tech := MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		sup := MustUser(t, ctx, db, "zhao@example.com", aftersales.RoleSupervisor, nil)
		qm := MustUser(t, ctx, db, "qian@example.com", aftersales.RoleQuality, nil)

		// 17 weeks at 85% on time (34 of 40), January to April.
		arrivals(t, ctx, db, 0, 17, 40, aftersales.ChannelPhone, func(int) int { return 34 })
		rule := &aftersales.AlertRule{KPI: "on_time_arrival", Grain: aftersales.GrainMonth, Threshold: Ptr(95.0), Active: true}
		if err := db.SaveAlertRule(ctx, rule); err != nil {
			t.Fatal(err)
		}
		if n, err := db.SweepAlerts(ctx); err != nil || n != 4 {
			t.Fatalf("alert sweep: %d breaches, %v; want January to April", n, err)
		}
		items, err := db.ImprovementItems(as(agent), aftersales.ItemFilter{})
		if err != nil || len(items) != 1 {
			t.Fatalf("items %v %v", items, err)
		}
		it := items[0]
		if it.Source != "alert" || it.KPI != "on_time_arrival" || it.Status != aftersales.ItemOpen || len(it.Evidence) != 4 || it.Evidence[0].Value != 85 {
			t.Fatalf("opened item: %+v", it)
		}

		// The quality manager gives it to the agent, with a target.
		it, err = db.UpdateItem(as(qm), it.ID, it.Version, aftersales.ItemInput{Title: "上门准时率低于目标", Description: "Arrival on time 85% against 95%",
			KPI: "on_time_arrival", Baseline: Ptr(85.0), Target: Ptr(95.0), TargetDate: "2026-12-31", Severity: "high", OwnerID: &agent.ID,
			Department: "after_sales", Watchers: []int64{qm.ID}})
		if err != nil || it.Source != "alert" || *it.OwnerID != agent.ID {
			t.Fatalf("update: %+v %v", it, err)
		}
		if _, err := db.UpdateItem(as(qm), it.ID, it.Version-1, aftersales.ItemInput{Title: "x"}); code(err) != aftersales.ECONFLICT {
			t.Fatalf("stale version: %v", err)
		}

		// Roles: a technician who does not own it cannot move it; the
		// owner (an agent) can, but cannot dismiss it.
		move := func(ctx context.Context, to aftersales.ItemStatus, reason string, override bool) error {
			cur, err := db.ImprovementItem(ctx, it.ID)
			if err != nil {
				return err
			}
			n, err := db.TransitionItem(ctx, it.ID, cur.Version, to, reason, override)
			if err == nil {
				it = n
			}
			return err
		}
		if err := move(as(tech), aftersales.ItemAnalysing, "", false); code(err) != aftersales.EFORBIDDEN {
			t.Fatalf("technician: %v", err)
		}
		if err := move(as(agent), aftersales.ItemClosed, "not a problem", false); code(err) != aftersales.EFORBIDDEN {
			t.Fatalf("agent dismissing: %v", err)
		}
		if err := move(as(agent), aftersales.ItemVerifying, "", false); code(err) != aftersales.ECONFLICT {
			t.Fatalf("skipping states: %v", err)
		}
		if err := move(as(agent), aftersales.ItemAnalysing, "", false); err != nil {
			t.Fatal(err)
		}
		if err := move(as(agent), aftersales.ItemPlanning, "", false); fieldOf(err) != "root_cause" {
			t.Fatalf("planning without a root cause: %v", err)
		}

		// 5-Why down to the missing tool, and the fishbone.
		whys := []aftersales.WhyStep{
			{Question: "为什么上门不准时？", Answer: "技师路上时间比预计长", Evidence: "3-4 月 GPS 记录"},
			{Question: "为什么路上时间长？", Answer: "一天的工单顺序不合理，来回折返"},
			{Question: "为什么顺序不合理？", Answer: "派单按接单先后排，不按位置"},
			{Question: "为什么不按位置排？", Answer: "调度员手工排线路，工单多时排不过来"},
			{Question: "为什么手工排？", Answer: "没有路线规划工具 (no route-planning tool)"},
		}
		if err := db.SetWhys(as(agent), it.ID, whys); err != nil {
			t.Fatal(err)
		}
		if err := db.SetWhys(as(agent), it.ID, []aftersales.WhyStep{{Question: ""}}); fieldOf(err) != "steps[0].question" {
			t.Fatalf("empty why: %v", err)
		}
		if err := db.SetRootCause(as(agent), it.ID, "method.nonexistent", ""); fieldOf(err) != "root_cause" {
			t.Fatalf("unknown code: %v", err)
		}
		if err := db.SetRootCause(as(agent), it.ID, "method.no_route_planning", "调度靠手工排线路"); err != nil {
			t.Fatal(err)
		}
		route := &aftersales.Cause{Category: "method", Text: "没有路线规划", Status: "verified", Evidence: "5-Why"}
		if err := db.SaveCause(as(agent), it.ID, route); err != nil {
			t.Fatal(err)
		}
		sub := &aftersales.Cause{ParentID: &route.ID, Category: "man", Text: "调度员凭经验排线", Status: "suspected"}
		if err := db.SaveCause(as(agent), it.ID, sub); err != nil || sub.Category != "method" {
			t.Fatalf("sub-cause takes its parent's category: %+v %v", sub, err)
		}
		if err := db.SaveCause(as(agent), it.ID, &aftersales.Cause{ParentID: &sub.ID, Category: "method", Text: "太深"}); fieldOf(err) != "parent_id" {
			t.Fatalf("third level: %v", err)
		}
		if err := db.SaveCause(as(agent), it.ID, &aftersales.Cause{Category: "money", Text: "x"}); fieldOf(err) != "category" {
			t.Fatalf("not 6M: %v", err)
		}
		if err := db.SaveCause(as(agent), it.ID, &aftersales.Cause{Category: "environment", Text: "雨季交通", Status: "verified"}); fieldOf(err) != "evidence" {
			t.Fatalf("verified without evidence: %v", err)
		}
		if err := db.SaveCause(as(agent), it.ID, &aftersales.Cause{Category: "environment", Text: "雨季交通", Status: "ruled_out"}); err != nil {
			t.Fatal(err)
		}
		if err := move(as(agent), aftersales.ItemPlanning, "", false); err != nil {
			t.Fatal(err)
		}
		if err := move(as(agent), aftersales.ItemImplementing, "", false); fieldOf(err) != "actions" {
			t.Fatalf("implementing without actions: %v", err)
		}

		// Three actions with owners and months.
		plan := []aftersales.ActionInput{
			{Description: "上线路线规划工具", OwnerID: qm.ID, Start: "2026-05-06", Due: "2026-06-30", Budget: Ptr(50000.0), Resources: "IT 两人"},
			{Description: "培训技师使用新工具", OwnerID: tech.ID, Start: "2026-07-01", Due: "2026-07-31"},
			{Description: "按片区派单", OwnerID: sup.ID, Start: "2026-07-01", Due: "2026-08-31"},
		}
		if _, err := db.SaveAction(as(tech), it.ID, 0, 0, plan[0]); code(err) != aftersales.EFORBIDDEN {
			t.Fatalf("a technician planning on someone else's item: %v", err)
		}
		var acts []*aftersales.Action
		for _, p := range plan {
			a, err := db.SaveAction(as(agent), it.ID, 0, 0, p)
			if err != nil {
				t.Fatal(err)
			}
			acts = append(acts, a)
		}
		if _, err := db.SaveAction(as(agent), it.ID, 0, 0, aftersales.ActionInput{Description: "x", OwnerID: qm.ID, Start: "2026-06-01", Due: "2026-05-01"}); fieldOf(err) != "due" {
			t.Fatalf("due before start: %v", err)
		}
		if err := move(as(agent), aftersales.ItemImplementing, "", false); err != nil {
			t.Fatal(err)
		}

		// Reminder two days before the first action is due, escalation
		// the day after; each only once.
		unread := func(u *aftersales.User, kind string) int {
			ns, err := db.ListNotifications(as(u), true, 200)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, x := range ns {
				if x.Kind == kind {
					n++
					if !strings.HasPrefix(x.Link, "/quality/items/") {
						t.Fatalf("notification link %q", x.Link)
					}
				}
			}
			return n
		}
		clock.Advance(time.Date(2026, 6, 29, 2, 0, 0, 0, time.UTC).Sub(clock.Now()))
		if n, err := db.SweepImprovements(ctx); err != nil || n != 1 || unread(qm, "improvement.reminder") != 1 {
			t.Fatalf("reminder: %d %v", n, err)
		}
		if n, _ := db.SweepImprovements(ctx); n != 0 {
			t.Fatalf("second reminder: %d", n)
		}
		clock.Advance(3 * 24 * time.Hour) // 2 July
		if n, err := db.SweepImprovements(ctx); err != nil || n != 3 || unread(sup, "improvement.overdue") != 1 || unread(agent, "improvement.overdue") != 1 {
			t.Fatalf("escalation to the action's owner, the item's owner and the supervisor: %d %v", n, err)
		}
		if d, _ := db.ImprovementItem(ctx, it.ID); !d.Overdue || !d.Actions[0].Overdue {
			t.Fatal("the item should show as overdue")
		}
		if ov, _ := db.ImprovementItems(ctx, aftersales.ItemFilter{Overdue: true}); len(ov) != 1 {
			t.Fatalf("overdue filter: %d", len(ov))
		}

		// The tool lands; the training is done; zone dispatch is late.
		done := func(u *aftersales.User, a *aftersales.Action, evidence string) {
			in := aftersales.ActionInput{Description: a.Description, OwnerID: a.OwnerID, Start: a.Start, Due: a.Due, Resources: a.Resources,
				Budget: a.Budget, Status: "done", Evidence: evidence}
			if _, err := db.SaveAction(as(u), it.ID, a.ID, a.Version, in); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.SaveAction(as(qm), it.ID, acts[0].ID, acts[0].Version, aftersales.ActionInput{Description: acts[0].Description,
			OwnerID: qm.ID, Due: acts[0].Due, Status: "done"}); fieldOf(err) != "evidence" {
			t.Fatalf("done without evidence: %v", err)
		}
		done(qm, acts[0], "路线规划工具 7 月 1 日上线")
		done(tech, acts[1], "45 名技师完成培训")
		if err := move(as(agent), aftersales.ItemVerifying, "", false); fieldOf(err) != "actions" {
			t.Fatalf("verifying with an open action: %v", err)
		}
		if err := move(as(agent), aftersales.ItemVerifying, "urgent", true); code(err) != aftersales.EFORBIDDEN {
			t.Fatalf("an agent overriding: %v", err)
		}
		if err := move(as(sup), aftersales.ItemVerifying, "", true); fieldOf(err) != "reason" {
			t.Fatalf("override without a reason: %v", err)
		}
		if err := move(as(sup), aftersales.ItemVerifying, "按片区派单已在两个分部试行，效果可先验证", true); err != nil {
			t.Fatal(err)
		}

		// The after window, September to mid-November: 38-39 of 40 on time.
		arrivals(t, ctx, db, 35, 45, 40, aftersales.ChannelPhone, func(w int) int { return 38 + w%2 })
		clock.Advance(time.Date(2026, 11, 17, 2, 0, 0, 0, time.UTC).Sub(clock.Now()))
		in := aftersales.VerifyInput{BeforeFrom: "2026-01-05", BeforeTo: "2026-05-04", AfterFrom: "2026-09-07", AfterTo: "2026-11-16"}
		bad := in
		bad.AfterFrom = "2026-03-01"
		if _, err := db.Verify(as(agent), it.ID, bad); fieldOf(err) != "after_from" {
			t.Fatalf("overlapping windows: %v", err)
		}
		bad = in
		bad.AfterTo = "2026-12-31"
		if _, err := db.Verify(as(agent), it.ID, bad); fieldOf(err) != "after_to" {
			t.Fatalf("future window: %v", err)
		}
		small := in
		small.AfterFrom, small.AfterTo = "2026-11-09", "2026-11-10"
		v, err := db.Verify(as(agent), it.ID, small)
		if err != nil || v.Verdict != aftersales.VerdictInconclusive || v.Applied {
			t.Fatalf("one day after: %+v %v", v, err)
		}
		v, err = db.Verify(as(agent), it.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		// 578 of 680 before (85%), 385 of 400 after (96.25%).
		if v.Verdict != aftersales.VerdictEffective || !v.Applied || !v.Supported || !v.TargetMet || *v.Before != 85 || *v.After != 96.25 ||
			math.Abs(float64(v.Test.Estimate)-11.25) > 1e-9 || v.Test.N1 != 680 || v.Test.N2 != 400 || v.Test.P > 1e-6 || v.Test.Method != "two-proportion z" ||
			v.Test.Stat <= 0 { // z has the estimate's sign: after − before
			t.Fatalf("verification: %+v", v)
		}
		d, err := db.ImprovementItem(ctx, it.ID)
		if err != nil || d.Status != aftersales.ItemClosed || d.ClosedAt == nil || len(d.Verifications) != 2 || len(d.Whys) != 5 || len(d.Causes) != 3 {
			t.Fatalf("closed item: %+v %v", d, err)
		}
		if err := db.SetWhys(as(agent), it.ID, whys); code(err) != aftersales.ECONFLICT {
			t.Fatalf("editing a closed item: %v", err)
		}

		// The lesson goes to the case library.
		c, err := db.PublishCase(as(agent), it.ID, aftersales.CaseInput{Tags: []string{"上门", "路线"}})
		if err != nil || !strings.Contains(c.RootCause, "没有路线规划工具") || !strings.Contains(c.Actions, "路线规划工具 7 月 1 日上线") ||
			!strings.Contains(c.Effect, "96.25") {
			t.Fatalf("case: %+v %v", c, err)
		}
		if _, err := db.PublishCase(as(agent), it.ID, aftersales.CaseInput{}); code(err) != aftersales.ECONFLICT {
			t.Fatalf("publishing twice: %v", err)
		}
		if cs, _ := db.Cases(as(tech), "路线规划"); len(cs) != 1 {
			t.Fatalf("search: %d", len(cs))
		}
		if cs, _ := db.Cases(as(tech), "备件"); len(cs) != 0 {
			t.Fatalf("search for something else: %d", len(cs))
		}
		pareto, err := db.RootCausePareto(ctx, "zh-CN")
		if err != nil || len(pareto) != 1 || pareto[0].Code != "method.no_route_planning" || pareto[0].Label != "缺少路线规划工具" {
			t.Fatalf("pareto: %+v %v", pareto, err)
		}

		// A relapse: the week after closing falls back to 80%.
		arrivals(t, ctx, db, 46, 47, 40, aftersales.ChannelPhone, func(int) int { return 32 })
		if n, _ := db.SweepImprovements(ctx); n != 0 {
			t.Fatalf("the week is not complete yet: %d", n)
		}
		clock.Advance(14 * 24 * time.Hour) // 1 December
		if n, err := db.SweepImprovements(ctx); err != nil || n != 1 {
			t.Fatalf("relapse: %d %v", n, err)
		}
		d, _ = db.ImprovementItem(ctx, it.ID)
		last := d.Events[len(d.Events)-1]
		if d.Status != aftersales.ItemReopened || d.ReopenCount != 1 || last.To != "reopened" || !strings.Contains(last.Body, "relapse") ||
			d.Evidence[len(d.Evidence)-1].Rule != "relapse" || d.Evidence[len(d.Evidence)-1].Value != 80 {
			t.Fatalf("reopened: %+v, last event %+v", d.ImprovementItem, last)
		}
		if unread(agent, "improvement.relapse") != 1 {
			t.Fatal("the owner should hear of the relapse")
		}
		// The timeline cannot be rewritten.
		if err := db.ExecRaw(ctx, `UPDATE improvement_events SET body = 'x'`); err == nil {
			t.Fatal("improvement_events must be append-only")
		}
	})
}

// A control group turns the comparison into a difference-in-differences:
// web tickets were not changed and improved by themselves a little.
func TestVerifyWithControlGroup(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 6, 2, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		// Phone 34 → 38 of 40 a week; web 36 → 37.
		arrivals(t, ctx, db, 0, 8, 40, aftersales.ChannelPhone, func(w int) int { return 34 + 4*(w/4) })
		arrivals(t, ctx, db, 0, 8, 40, aftersales.ChannelWeb, func(w int) int { return 36 + w/4 })
		it, err := db.CreateItem(ctx, aftersales.ItemInput{Title: "电话渠道上门准时率", KPI: "on_time_arrival", Dim: aftersales.DimChannel, Value: "phone"})
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.Verify(ctx, it.ID, aftersales.VerifyInput{BeforeFrom: "2026-01-05", BeforeTo: "2026-02-02", AfterFrom: "2026-02-02", AfterTo: "2026-03-02",
			ControlValue: "web"})
		if err != nil {
			t.Fatal(err)
		}
		// DiD = (95 − 85) − (92.5 − 90) = 7.5 points.
		if v.Test.Method != "difference-in-differences" || math.Abs(float64(v.Test.Estimate)-7.5) > 1e-9 || *v.ControlBefore != 90 || *v.ControlAfter != 92.5 ||
			v.Applied || it.Status != aftersales.ItemOpen {
			t.Fatalf("%+v", v)
		}
		if _, err := db.Verify(ctx, it.ID, aftersales.VerifyInput{KPI: "created", BeforeFrom: "2026-01-05", BeforeTo: "2026-02-02", AfterFrom: "2026-02-02", AfterTo: "2026-03-02"}); fieldOf(err) != "kpi" {
			t.Fatalf("a count cannot be verified: %v", err)
		}
		// Durations: Mann-Whitney with the Hodges-Lehmann shift.
		v, err = db.Verify(ctx, it.ID, aftersales.VerifyInput{KPI: "arrival_median", BeforeFrom: "2026-01-05", BeforeTo: "2026-02-02", AfterFrom: "2026-02-02", AfterTo: "2026-03-02"})
		// Every arrival took exactly 120 minutes in both windows: nothing to
		// rank, so no verdict (it used to read as "wrong direction").
		if err != nil || v.Test.Method != "Mann-Whitney U" || v.Test.Shift == nil || *v.Test.Shift != 0 || *v.Before != 120 ||
			v.Verdict != aftersales.VerdictInconclusive || v.ReasonCode != "no_variance" || !math.IsNaN(float64(v.Test.P)) {
			t.Fatalf("durations: %+v %v", v, err)
		}
	})
}

// Two constant windows (first response in exactly 20 minutes before and
// 30 after) have no variance: Welch's t is ±Inf. Recording it used to
// panic (json.Marshal(+Inf)) and would have said "effective" for a NaN p;
// now the numbers are stored and read back as they are, never as 0, and
// the verdict is inconclusive.
func TestVerifyConstantWindows(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 6, 2, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "恒定")
		var b aftersales.Bulk
		for w := range 8 {
			frt := 20 * time.Minute
			if w >= 4 {
				frt = 30 * time.Minute
			}
			for i := range 10 {
				id := int64(1000 + 10*w + i)
				created := monday(db, w).Add(9*time.Hour + time.Duration(i)*time.Hour)
				resolved := created.Add(3 * time.Hour)
				b.Tickets = append(b.Tickets, &aftersales.Ticket{ID: id, Number: fmt.Sprintf("AS202601-7%05d", id), Channel: aftersales.ChannelPhone,
					Nature: aftersales.NatureRepair, Urgency: aftersales.UrgencyNormal, Status: aftersales.StatusResolved, Title: "维修",
					CustomerID: &c.ID, CreatedAt: created, UpdatedAt: resolved, StatusChangedAt: resolved, ResolvedAt: &resolved,
					FirstResponseAt: Ptr(created.Add(frt)), AssignCount: 1})
			}
		}
		if err := db.BulkLoad(ctx, &b); err != nil {
			t.Fatal(err)
		}
		catchUp(t, ctx, db)
		it, err := db.CreateItem(ctx, aftersales.ItemInput{Title: "首次响应", KPI: "frt_mean"})
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.Verify(ctx, it.ID, aftersales.VerifyInput{BeforeFrom: "2026-01-05", BeforeTo: "2026-02-02", AfterFrom: "2026-02-02", AfterTo: "2026-03-02"})
		if err != nil {
			t.Fatal(err)
		}
		inf := aftersales.Number(math.Inf(1))
		if v.Test.Method != "Welch t" || v.Test.Estimate != 10 || v.Test.Stat != inf || v.Test.P != 0 || v.Test.N1 != 40 || v.Test.N2 != 40 ||
			v.Verdict != aftersales.VerdictInconclusive || v.ReasonCode != "no_variance" || v.Supported || v.Test.Effect != nil {
			t.Fatalf("constant windows: %+v", v)
		}
		// Identical windows: 0/0.
		same, err := db.Verify(ctx, it.ID, aftersales.VerifyInput{BeforeFrom: "2026-01-05", BeforeTo: "2026-01-19", AfterFrom: "2026-01-19", AfterTo: "2026-02-02"})
		if err != nil || !math.IsNaN(float64(same.Test.Stat)) || !math.IsNaN(float64(same.Test.P)) || same.Verdict != aftersales.VerdictInconclusive {
			t.Fatalf("identical windows: %+v %v", same, err)
		}
		// Stored and read back as they are.
		d, err := db.ImprovementItem(ctx, it.ID)
		if err != nil || len(d.Verifications) != 2 {
			t.Fatalf("item: %+v %v", d, err)
		}
		if got := d.Verifications[0].Test; got.Stat != inf || got.P != 0 || got.Estimate != 10 {
			t.Errorf("read back %+v", got)
		}
		if got := d.Verifications[1].Test; !math.IsNaN(float64(got.Stat)) || !math.IsNaN(float64(got.P)) || got.Estimate != 0 {
			t.Errorf("read back %+v", got)
		}
		raw, err := json.Marshal(d.Verifications)
		if err != nil || !strings.Contains(string(raw), `"statistic":"Infinity","p":0`) || !strings.Contains(string(raw), `"statistic":"NaN","p":"NaN"`) {
			t.Errorf("JSON %s %v", raw, err)
		}
	})
}
