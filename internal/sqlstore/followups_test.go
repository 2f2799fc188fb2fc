package sqlstore_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// followupFixture is a team with two agents and a technician, a policy
// for every complaint (round-robin in the team, 3 attempts) and a 50%
// sample of the rest with a fixed seed.
type followupFixture struct {
	ctx        context.Context
	db         *sqlstore.DB
	clock      *Clock
	team       *aftersales.Team
	a1, a2     *aftersales.User
	tech       *aftersales.User
	customer   *aftersales.Customer
	complaints *aftersales.FollowupPolicy
	rest       *aftersales.FollowupPolicy
}

func newFollowupFixture(t *testing.T, db *sqlstore.DB) *followupFixture {
	t.Helper()
	f := &followupFixture{db: db, clock: NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))}
	db.Now = f.clock.Now
	f.ctx, _ = Admin(t, db)
	team, err := db.CreateTeam(f.ctx, aftersales.TeamInput{Code: "hf", Name: "回访组"})
	if err != nil {
		t.Fatal(err)
	}
	f.team = team
	f.a1 = MustUser(t, f.ctx, db, "a1@example.com", aftersales.RoleAgent, &team.ID)
	f.tech = MustUser(t, f.ctx, db, "tech@example.com", aftersales.RoleTechnician, &team.ID)
	f.a2 = MustUser(t, f.ctx, db, "a2@example.com", aftersales.RoleAgent, &team.ID)
	f.customer = MustCustomer(t, f.ctx, db, "回访客户")
	f.complaints, err = db.CreateFollowupPolicy(f.ctx, aftersales.FollowupPolicy{Name: "全部投诉", Position: 1, Active: true,
		Natures: []aftersales.Nature{aftersales.NatureComplaint}, SamplePercent: 100, DelayHours: 24, DeadlineHours: 72, MaxAttempts: 3,
		ScriptZH: "您好，这里是售后回访。", ScriptEN: "Hello, this is the after-sales follow-up."})
	if err != nil {
		t.Fatal(err)
	}
	f.rest, err = db.CreateFollowupPolicy(f.ctx, aftersales.FollowupPolicy{Name: "其余抽样", Position: 2, Active: true,
		SamplePercent: 50, Seed: 20261207, DelayHours: 0, DeadlineHours: 48, MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	return f
}

// resolved creates a ticket of nature n in the team and resolves it.
func (f *followupFixture) resolved(t *testing.T, n aftersales.Nature) *aftersales.Ticket {
	t.Helper()
	in := TicketInput(f.customer.ID, "空调不制冷")
	in.Nature, in.TeamID = &n, &f.team.ID
	tk, err := f.db.CreateTicket(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
		f.clock.Advance(time.Hour)
		if tk, err = f.db.Transition(f.ctx, tk.ID, aftersales.TransitionInput{To: to, Reason: "已处理", Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
	}
	return tk
}

func (f *followupFixture) sweep(t *testing.T) int {
	t.Helper()
	n, err := f.db.SweepFollowups(f.ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *followupFixture) taskOf(t *testing.T, ticket int64, status aftersales.FollowupStatus) *aftersales.FollowupTask {
	t.Helper()
	list, err := f.db.ListFollowups(f.ctx, aftersales.FollowupFilter{TicketID: &ticket, Status: status})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("ticket %d: %d %s tasks, want 1", ticket, len(list), status)
	}
	k, err := f.db.FindFollowup(f.ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestFollowupSelection: every complaint gets a task, taken in turn by
// the team's agents (never the technician); the other resolutions are
// sampled, and the sample is reproduced from the recorded seed; two
// sweeps, also at the same time, create each task once.
func TestFollowupSelection(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFollowupFixture(t, db)
		var complaints, repairs []*aftersales.Ticket
		for i := range 12 {
			if i%4 == 0 {
				complaints = append(complaints, f.resolved(t, aftersales.NatureComplaint))
			} else {
				repairs = append(repairs, f.resolved(t, aftersales.NatureRepair))
			}
		}
		if n := f.sweep(t); n != 12 {
			t.Fatalf("first sweep decided %d resolutions, want 12", n)
		}
		if n := f.sweep(t); n != 0 {
			t.Fatalf("second sweep decided %d, want 0", n)
		}
		for _, c := range complaints {
			k := f.taskOf(t, c.ID, aftersales.FollowupOpen)
			if want := c.ResolvedAt.Add(24 * time.Hour); !k.DueAt.Equal(want) || !k.DeadlineAt.Equal(c.ResolvedAt.Add(72*time.Hour)) {
				t.Errorf("due %v deadline %v, want %v and +72h", k.DueAt, k.DeadlineAt, want)
			}
			if k.ScriptZH == "" || k.MaxAttempts != 3 || !k.Selection.Selected || k.Selection.Threshold != 1 {
				t.Errorf("complaint task %+v", k)
			}
		}
		// The sample, reproduced from the seed recorded with the policy.
		var want, got []int64
		for _, r := range repairs {
			if aftersales.FollowupDraw(f.rest.Seed, r.ID, *r.ResolvedAt) < 0.5 {
				want = append(want, r.ID)
			}
		}
		all, err := db.ListFollowups(f.ctx, aftersales.FollowupFilter{})
		if err != nil {
			t.Fatal(err)
		}
		// Tasks in the order they were made go to a1, a2, a1, ...
		slices.SortFunc(all, func(a, b *aftersales.FollowupTask) int { return int(a.ID - b.ID) })
		var agents, turns []int64
		for i, k := range all {
			agents = append(agents, *k.AssigneeID)
			turns = append(turns, []int64{f.a1.ID, f.a2.ID}[i%2])
		}
		if diff := cmp.Diff(turns, agents); diff != "" {
			t.Errorf("round robin (-want +got):\n%s", diff)
		}
		for _, k := range all {
			if k.PolicyID != nil && *k.PolicyID == f.rest.ID {
				got = append(got, k.TicketID)
				if k.Selection.Seed != f.rest.Seed || k.Selection.Draw != aftersales.FollowupDraw(k.Selection.Seed, k.TicketID, k.ResolvedAt) {
					t.Errorf("recorded selection %+v does not reproduce", k.Selection)
				}
			}
		}
		slices.Sort(got)
		if len(want) == 0 || len(want) == len(repairs) {
			t.Fatalf("the fixed seed selects %d of %d: choose another seed", len(want), len(repairs))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("sampled tickets (-reproduced +created):\n%s", diff)
		}

		// Two sweeps at once still decide each resolution once.
		last := f.resolved(t, aftersales.NatureComplaint)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() { _, errs[i] = db.SweepFollowups(f.ctx, 100) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		f.taskOf(t, last.ID, aftersales.FollowupOpen)
	})
}

// TestFollowupOutcomes walks the outcomes: not solved reopens the ticket
// and lowers first-contact resolution once it is resolved again; a
// reopen cancels the open task; failed attempts end in unreachable;
// satisfied and dissatisfied answers become the ticket's feedback, and a
// dissatisfied one runs its automation rule.
func TestFollowupOutcomes(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFollowupFixture(t, db)
		ctx := f.ctx
		if _, err := db.CreateAutomation(ctx, aftersales.AutomationRule{Name: "不满意升级", Active: true, Trigger: aftersales.TriggerFollowupDissatisfied,
			Actions: []aftersales.AutomationAction{{Kind: aftersales.ActionAddNote, Text: "回访不满意，请主管跟进"}}}); err != nil {
			t.Fatal(err)
		}
		var tk [4]*aftersales.Ticket
		for i := range tk {
			tk[i] = f.resolved(t, aftersales.NatureComplaint)
		}
		f.sweep(t)
		from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, db.Zone), time.Date(2026, 4, 1, 0, 0, 0, 0, db.Zone)
		kpi := func(key string) aftersales.MetricPoint {
			t.Helper()
			return metric(t, ctx, db, aftersales.MetricQuery{KPI: key, From: from, To: to}).Total
		}
		if p := kpi("fcr"); value(p) != 100 || p.N != 4 {
			t.Fatalf("fcr before: %+v", p)
		}

		// Not solved: the ticket is reopened with the customer's words.
		k := f.taskOf(t, tk[0].ID, aftersales.FollowupOpen)
		f.clock.Advance(25 * time.Hour)
		if _, err := db.AnswerFollowup(ctx, k.ID, aftersales.FollowupAnswer{Outcome: aftersales.OutcomeNotSolved, Version: k.Version}); fieldsOf(err)["reason"] == "" {
			t.Errorf("not solved without a reason: %v", err)
		}
		done, err := db.AnswerFollowup(ctx, k.ID, aftersales.FollowupAnswer{Outcome: aftersales.OutcomeNotSolved, Reason: "还是不制冷", Version: k.Version})
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != aftersales.FollowupDone || done.Outcome != aftersales.OutcomeNotSolved || len(done.Attempts) != 1 || done.Attempts[0].Result != aftersales.AttemptReached {
			t.Errorf("answered task %+v", done)
		}
		re, err := db.FindTicket(ctx, tk[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if re.Status != aftersales.StatusAccepted || re.ReopenCount != 1 {
			t.Fatalf("ticket after not solved: %s, reopened %d", re.Status, re.ReopenCount)
		}
		events, err := db.Timeline(ctx, re.ID)
		if err != nil {
			t.Fatal(err)
		}
		if e := events[len(events)-1]; e.Kind != aftersales.EventStatusChanged || e.Body != "还是不制冷" {
			t.Errorf("last event %+v, want the reopen with the customer's words", e)
		}
		if _, err := db.AnswerFollowup(ctx, k.ID, aftersales.FollowupAnswer{Outcome: aftersales.OutcomeSatisfied, CSAT: Ptr(5), Version: done.Version}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("answering a finished task: %v", err)
		}
		// Resolved again: first-contact resolution and the reopen rate
		// now count it as a reopened ticket, and the new resolution is a
		// new follow-up.
		f.clock.Advance(time.Hour)
		if _, err := db.Transition(ctx, re.ID, aftersales.TransitionInput{To: aftersales.StatusResolved, Reason: "换了压缩机", Version: re.Version}); err != nil {
			t.Fatal(err)
		}
		if p := kpi("fcr"); value(p) != 75 || p.N != 4 {
			t.Errorf("fcr after not solved: %+v, want 75%% of 4", p)
		}
		if p := kpi("reopen_rate"); value(p) != 25 {
			t.Errorf("reopen rate: %+v, want 25%%", p)
		}
		f.sweep(t)
		f.taskOf(t, re.ID, aftersales.FollowupOpen)

		// A reopen by staff cancels the open task.
		t1, err := db.FindTicket(ctx, tk[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Transition(ctx, t1.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Reason: "客户来电", Version: t1.Version}); err != nil {
			t.Fatal(err)
		}
		if c := f.taskOf(t, t1.ID, aftersales.FollowupCancelled); c.CancelReason != aftersales.FollowupCancelReopened || c.ClosedAt == nil {
			t.Errorf("cancelled task %+v", c)
		}

		// Unreachable after three failed attempts.
		k = f.taskOf(t, tk[2].ID, aftersales.FollowupOpen)
		if _, err := db.AnswerFollowup(ctx, k.ID, aftersales.FollowupAnswer{Outcome: aftersales.OutcomeUnreachable, Version: k.Version}); fieldsOf(err)["outcome"] == "" {
			t.Errorf("unreachable without attempts: %v", err)
		}
		for i, r := range []aftersales.AttemptResult{aftersales.AttemptNoAnswer, aftersales.AttemptCallBack, aftersales.AttemptBusy, aftersales.AttemptNoAnswer} {
			if k.Status != aftersales.FollowupOpen {
				t.Fatalf("task closed after %d attempts: %+v", i, k)
			}
			if k, err = db.LogFollowupAttempt(ctx, k.ID, k.Version, aftersales.FollowupAttempt{Channel: aftersales.ContactPhone, Result: r}); err != nil {
				t.Fatal(err)
			}
		}
		if k.Status != aftersales.FollowupDone || k.Outcome != aftersales.OutcomeUnreachable || len(k.Attempts) != 4 || k.FailedAttempts() != 3 {
			t.Errorf("after 3 failed attempts: %s %s, %d attempts", k.Status, k.Outcome, len(k.Attempts))
		}

		// Dissatisfied: a reason code, the ticket's feedback, the rule.
		k = f.taskOf(t, tk[3].ID, aftersales.FollowupOpen)
		if _, err := db.AnswerFollowup(ctx, k.ID, aftersales.FollowupAnswer{Outcome: aftersales.OutcomeDissatisfied, CSAT: Ptr(2), Reason: "late", Version: k.Version}); fieldsOf(err)["reason"] == "" {
			t.Errorf("unknown reason code: %v", err)
		}
		if _, err := db.AnswerFollowup(ctx, k.ID, aftersales.FollowupAnswer{Outcome: aftersales.OutcomeDissatisfied, CSAT: Ptr(2), NPS: Ptr(3),
			Reason: "slow", Comment: "等太久", Channel: aftersales.ContactWeChat, Version: k.Version}); err != nil {
			t.Fatal(err)
		}
		events, err = db.Timeline(ctx, tk[3].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(events, func(e *aftersales.TicketEvent) bool { return e.Body == "回访不满意，请主管跟进" }) {
			t.Error("the followup.dissatisfied rule did not add its note")
		}
		if p := kpi("csat_mean"); value(p) != 2 || p.N != 1 {
			t.Errorf("csat after the dissatisfied answer: %+v", p)
		}
		if p := kpi("followup_rate"); p.Num != 1 {
			t.Errorf("follow-up rate: %+v, want one answered ticket", p)
		}

		// The follow-up KPIs, from the rollups: three tasks done, two
		// answered, all by their deadline; by team for the drill-down.
		for _, tc := range []struct {
			kpi      string
			num, den int64
		}{
			{"followup_response", 2, 3}, {"followup_on_time", 3, 3}, {"followup_satisfied", 0, 2},
			{"followup_dissatisfied", 1, 2}, {"followup_not_solved", 1, 2},
		} {
			if p := kpi(tc.kpi); p.Num != tc.num || p.N != tc.den {
				t.Errorf("%s = %+v, want %d of %d", tc.kpi, p, tc.num, tc.den)
			}
		}
		byTeam := metric(t, ctx, db, aftersales.MetricQuery{KPI: "followup_response", From: from, To: to, By: aftersales.DimTeam})
		if len(byTeam.Points) != 1 || byTeam.Points[0].Label != "回访组" || byTeam.Points[0].N != 3 {
			t.Errorf("followup_response by team: %+v", byTeam.Points)
		}
		if c, err := db.RecomputeRollups(ctx, false); err != nil || c.Differences != 0 {
			t.Errorf("recompute: %+v %v", c, err)
		}

		// The queue's figures; the new task of the re-resolved ticket is
		// the one still open, and overdue once past its deadline.
		f.clock.Advance(100 * time.Hour)
		over, err := db.ListFollowups(ctx, aftersales.FollowupFilter{Overdue: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(over) != 1 || over[0].TicketID != re.ID || !over[0].Overdue {
			t.Errorf("overdue: %+v", over)
		}
		s, err := db.FollowupSummary(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		wantS := &aftersales.FollowupSummary{From: from, To: to, Open: 1, Overdue: 1, Done: 3, Cancelled: 1, Answered: 2, OnTime: 3,
			ResponseRate: Ptr(200.0 / 3), OnTimeRate: Ptr(100.0),
			Outcomes: map[aftersales.FollowupOutcome]int64{aftersales.OutcomeSatisfied: 0, aftersales.OutcomeDissatisfied: 1, aftersales.OutcomeNotSolved: 1, aftersales.OutcomeUnreachable: 1},
			Reasons:  map[string]int64{"slow": 1}}
		if diff := cmp.Diff(wantS, s); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
	})
}

// TestFollowupPolicyValidation: bad policies name their fields; an agent
// may not change policies and sees only their own tasks.
func TestFollowupPolicyValidation(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFollowupFixture(t, db)
		_, err := db.CreateFollowupPolicy(f.ctx, aftersales.FollowupPolicy{Name: "VIP", Tiers: []string{"gold"}, SamplePercent: 100,
			DeadlineHours: 48, MaxAttempts: 3, TeamID: Ptr(int64(999))})
		if diff := cmp.Diff(map[string]string{"tiers[0]": "is not a known customer tier", "team_id": "is not a known team"}, fieldsOf(err)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		if _, err := db.CreateFollowupPolicy(f.ctx, aftersales.FollowupPolicy{Name: "全部投诉", SamplePercent: 100, DeadlineHours: 48, MaxAttempts: 3}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("duplicate name: %v", err)
		}
		p, err := db.UpdateFollowupPolicy(f.ctx, f.rest.ID, f.rest.Version, aftersales.FollowupPolicy{Name: "其余抽样 10%", Position: 2, Active: true,
			Tiers: []string{aftersales.TierOrdinary}, SamplePercent: 10, DeadlineHours: 48, MaxAttempts: 2})
		if err != nil {
			t.Fatal(err)
		}
		if p.Seed != f.rest.Seed || p.Version != 2 || p.SamplePercent != 10 {
			t.Errorf("updated policy %+v keeps seed %d", p, f.rest.Seed)
		}
		agent := aftersales.NewContextWithUser(context.Background(), f.a2)
		if _, err := db.CreateFollowupPolicy(agent, *f.complaints); aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
			t.Errorf("agent creates a policy: %v", err)
		}
		tk := f.resolved(t, aftersales.NatureComplaint) // goes to a1
		f.sweep(t)
		// Technicians do not work the follow-up queue.
		tech := aftersales.NewContextWithUser(context.Background(), f.tech)
		if _, err := db.ListFollowups(tech, aftersales.FollowupFilter{}); aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
			t.Errorf("a technician lists follow-ups: %v", err)
		}
		k := f.taskOf(t, tk.ID, aftersales.FollowupOpen)
		if mine, err := db.ListFollowups(agent, aftersales.FollowupFilter{Mine: true}); err != nil || len(mine) != 0 {
			t.Errorf("a2's own tasks: %d (%v), want none", len(mine), err)
		}
		if got, err := db.AssignFollowup(f.ctx, k.ID, k.Version, f.a2.ID); err != nil || got.AssigneeID == nil || *got.AssigneeID != f.a2.ID {
			t.Errorf("reassign: %+v %v", got, err)
		}
		if _, err := db.AssignFollowup(f.ctx, k.ID, k.Version, f.a1.ID); fieldsOf(err)["version"] == "" {
			t.Errorf("stale assign: %v", err)
		}
	})
}
