package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"aftersales"
)

// FollowupSweeper decides resolutions for the follow-up policies; the
// store does, and the demo runs it once so the queue has tasks.
type FollowupSweeper interface {
	SweepFollowups(ctx context.Context, limit int) (int, error)
}

// followups gives the demo company its follow-up (回访) policies, applied
// to the last three weeks of its history, and works the tasks into every
// state: answers that repeat the customer's recorded feedback (satisfied
// or dissatisfied with a reason), two complaints not solved (reopened),
// customers who could not be reached, a task cancelled by a reopen, and
// recent ones still open, some assigned, some overdue.
func (g *gen) followups(w *world, b *aftersales.Bulk, st Store) error {
	s := g.s.Followups
	sweeper, ok := st.(FollowupSweeper)
	if s == nil || !ok || len(w.agents) == 0 || w.complTeam == nil {
		return nil
	}
	ctx := g.ctx
	from := g.ends.AddDate(0, 0, -21)
	policies := []aftersales.FollowupPolicy{
		{Name: "投诉全部回访", Position: 10, Natures: []aftersales.Nature{aftersales.NatureComplaint}, SamplePercent: 100, Seed: 1,
			DelayHours: 24, DeadlineHours: 72, MaxAttempts: 3, TeamID: &w.complTeam.ID,
			ScriptZH: "您好，我是售后服务中心的回访专员。您之前反映的问题已经处理完毕，想了解一下现在是否已经解决？您对处理结果和服务是否满意？",
			ScriptEN: "Hello, this is the after-sales service centre. Your complaint has been handled: is the problem solved now, and are you satisfied with how it was handled?"},
		{Name: "VIP 与核心客户回访", Position: 20, Tiers: []string{aftersales.TierVIP, aftersales.TierCore}, SamplePercent: 100, Seed: 2,
			DelayHours: 4, DeadlineHours: 48, MaxAttempts: 3,
			ScriptZH: "您好，我是售后服务中心的回访专员，感谢您一直以来的支持。上次的服务您还满意吗？产品现在使用正常吗？",
			ScriptEN: "Hello, this is the after-sales service centre; thank you for your loyalty. Were you satisfied with our last visit, and does the product work well now?"},
		{Name: "其余工单抽样 10%", Position: 30, SamplePercent: 10, Seed: 20261122, DelayHours: 24, DeadlineHours: 120, MaxAttempts: 2,
			ScriptZH: "您好，这里是售后服务中心，占用您一分钟做个回访：问题解决了吗？您给这次服务打几分（1-5 分）？",
			ScriptEN: "Hello, this is the after-sales service centre with a one-minute follow-up: is the problem solved, and how would you rate the service (1-5)?"},
	}
	for _, p := range policies {
		p.Active, p.AppliesFrom = true, from
		if _, err := s.CreateFollowupPolicy(ctx, p); err != nil {
			return fmt.Errorf("policy %s: %w", p.Name, err)
		}
	}
	for {
		n, err := sweeper.SweepFollowups(ctx, 500)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	tasks, err := s.ListFollowups(ctx, aftersales.FollowupFilter{Status: aftersales.FollowupOpen, Limit: 1000})
	if err != nil {
		return err
	}
	slices.SortFunc(tasks, func(a, b *aftersales.FollowupTask) int { return int(a.ID - b.ID) })
	feedback := map[int64]*aftersales.Feedback{}
	for _, f := range b.Feedback {
		feedback[f.TicketID] = f
	}
	r := rand.New(rand.NewPCG(uint64(g.opt.Seed), 0xf011))
	notSolved, cancelled := 0, 0
	for i, k := range tasks {
		fb := feedback[k.TicketID]
		recent := g.ends.Sub(k.ResolvedAt) < 3*24*time.Hour
		var err error
		switch {
		case recent || r.IntN(8) == 0:
			// Still to call: the unassigned ones go to the general agents,
			// some already tried once.
			if k.AssigneeID == nil && i%2 == 0 {
				if k, err = s.AssignFollowup(ctx, k.ID, k.Version, w.agents[i%len(w.agents)].ID); err != nil {
					return err
				}
			}
			if i%3 == 0 {
				_, err = s.LogFollowupAttempt(ctx, k.ID, k.Version, aftersales.FollowupAttempt{Channel: aftersales.ContactPhone,
					Result: aftersales.AttemptNoAnswer, Note: "无人接听，稍后再打"})
			}
		case cancelled == 0 && k.Nature != aftersales.NatureComplaint:
			// The customer called again before the follow-up: reopened.
			cancelled++
			t, err := g.s.Tickets.FindTicket(ctx, k.TicketID)
			if err != nil {
				return err
			}
			if _, err := g.s.Tickets.Transition(ctx, t.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted,
				Reason: "客户来电：同样的问题又出现了", Version: t.Version}); err != nil {
				return err
			}
		case notSolved < 2 && k.Nature == aftersales.NatureComplaint && (fb == nil || fb.CSAT == nil || *fb.CSAT <= 3):
			// A complaint the customer did not rate well, or at all.
			notSolved++
			_, err = s.AnswerFollowup(ctx, k.ID, aftersales.FollowupAnswer{Outcome: aftersales.OutcomeNotSolved, Channel: aftersales.ContactPhone,
				Reason: "客户表示问题仍未解决，要求重新上门", Version: k.Version})
		case r.IntN(10) == 0:
			for a := 0; a < k.MaxAttempts && err == nil; a++ {
				k, err = s.LogFollowupAttempt(ctx, k.ID, k.Version, aftersales.FollowupAttempt{Channel: []aftersales.ContactChannel{aftersales.ContactPhone,
					aftersales.ContactSMS, aftersales.ContactWeChat}[a%3], Result: []aftersales.AttemptResult{aftersales.AttemptNoAnswer,
					aftersales.AttemptBusy}[a%2]})
			}
		default:
			a := aftersales.FollowupAnswer{Outcome: aftersales.OutcomeSatisfied, Channel: aftersales.ContactPhone, Version: k.Version}
			if fb != nil && (fb.CSAT != nil || fb.NPS != nil) {
				// The answer the history recorded, now with its call.
				a.CSAT, a.NPS, a.Comment = fb.CSAT, fb.NPS, fb.Comment
			} else {
				a.CSAT = new(4 + r.IntN(2))
			}
			if a.CSAT != nil && *a.CSAT <= 3 || a.CSAT == nil && *a.NPS <= 6 {
				a.Outcome, a.Reason = aftersales.OutcomeDissatisfied, aftersales.DissatisfiedReasons[r.IntN(len(aftersales.DissatisfiedReasons))]
			}
			if i%5 == 0 {
				_, err = s.LogFollowupAttempt(ctx, k.ID, k.Version, aftersales.FollowupAttempt{Channel: aftersales.ContactPhone, Result: aftersales.AttemptBusy})
				a.Version++
			}
			if err == nil {
				_, err = s.AnswerFollowup(ctx, k.ID, a)
			}
		}
		if err != nil {
			return fmt.Errorf("follow-up %d: %w", k.ID, err)
		}
	}
	return nil
}
