package api

import (
	"context"
	"net/http"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// followups mounts the follow-up (回访) workflow: policies, the queue,
// attempts, answers and the queue's figures.
func (a *API) followups(h huma.API) {
	t := tag("Follow-ups")
	register(a, h, huma.Operation{OperationID: "list-followup-policies", Method: http.MethodGet, Path: "/followup-policies", Tags: t,
		Summary: "Follow-up policies in the order they are tried"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.FollowupPolicy], error) {
			return respond(a.S.Followups.ListFollowupPolicies(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-followup-policy", Method: http.MethodPost, Path: "/followup-policies", Tags: t,
		Summary: "Add a follow-up policy",
		Description: "The first active policy (by position) whose natures and tiers match a resolved ticket decides: below 100% a draw from the " +
			"policy's seed, the ticket and its resolution instant selects it. Every decision is recorded with its seed, draw and threshold. " +
			"A policy decides resolutions from its applies_from on (by default the time it was created)."},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.FollowupPolicy
		}) (*plain[*aftersales.FollowupPolicy], error) {
			return respond(a.S.Followups.CreateFollowupPolicy(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "update-followup-policy", Method: http.MethodPut, Path: "/followup-policies/{id}", Tags: t,
		Summary: "Replace a follow-up policy; the seed stays unless a new one is given"},
		func(ctx context.Context, in *versionBody[aftersales.FollowupPolicy]) (*plain[*aftersales.FollowupPolicy], error) {
			v, err := in.version(in.Body.Version)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Followups.UpdateFollowupPolicy(ctx, in.ID, v, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "list-followups", Method: http.MethodGet, Path: "/followups", Tags: t,
		Summary:     "The follow-up queue: open tasks by deadline, then finished ones, newest first",
		Description: "Without permission to read every ticket, only your own tasks are listed."},
		func(ctx context.Context, in *struct {
			Status     aftersales.FollowupStatus  `query:"status" enum:"open,done,cancelled,"`
			Outcome    aftersales.FollowupOutcome `query:"outcome" enum:"satisfied,dissatisfied,not_solved,unreachable,"`
			Mine       bool                       `query:"mine" doc:"Only tasks assigned to you"`
			Overdue    bool                       `query:"overdue" doc:"Only open tasks past their deadline"`
			AssigneeID int64                      `query:"assignee_id" minimum:"0"`
			TicketID   int64                      `query:"ticket_id" minimum:"0"`
			Limit      int                        `query:"limit" default:"200" minimum:"1" maximum:"1000"`
		}) (*plain[[]*aftersales.FollowupTask], error) {
			f := aftersales.FollowupFilter{Status: in.Status, Outcome: in.Outcome, Mine: in.Mine, Overdue: in.Overdue, Limit: in.Limit}
			if in.AssigneeID > 0 {
				f.AssigneeID = &in.AssigneeID
			}
			if in.TicketID > 0 {
				f.TicketID = &in.TicketID
			}
			return respond(a.S.Followups.ListFollowups(ctx, f))
		})
	register(a, h, huma.Operation{OperationID: "get-followup-summary", Method: http.MethodGet, Path: "/followups/summary", Tags: t,
		Summary: "Follow-up figures over tasks created in [from, to): open, overdue, done, response rate, timeliness, outcome mix, dissatisfied reasons",
		Description: "response_rate is answered ÷ done tasks (every outcome but unreachable is an answer); on_time_rate is done tasks closed by " +
			"their deadline ÷ done tasks; overdue counts open tasks past their deadline now."},
		func(ctx context.Context, in *struct {
			From string `query:"from" required:"true" doc:"First day, YYYY-MM-DD" example:"2026-01-01"`
			To   string `query:"to" required:"true" doc:"Day after the last, YYYY-MM-DD" example:"2026-12-01"`
		}) (*plain[*aftersales.FollowupSummary], error) {
			from, to, err := a.dates(in.From, in.To)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Followups.FollowupSummary(ctx, from, to))
		})
	register(a, h, huma.Operation{OperationID: "get-followup", Method: http.MethodGet, Path: "/followups/{id}", Tags: t,
		Summary: "One follow-up task with its script, selection record and attempts"},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.FollowupTask], error) {
			return respond(a.S.Followups.FindFollowup(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "assign-followup", Method: http.MethodPost, Path: "/followups/{id}/assign", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Give an open follow-up task to an agent"},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				AssigneeID int64 `json:"assignee_id" minimum:"1"`
				Version    int64 `json:"version" minimum:"1"`
			}
		}) (*plain[*aftersales.FollowupTask], error) {
			return respond(a.S.Followups.AssignFollowup(ctx, in.ID, in.Body.Version, in.Body.AssigneeID))
		})
	register(a, h, huma.Operation{OperationID: "add-followup-attempt", Method: http.MethodPost, Path: "/followups/{id}/attempts", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Log an attempt to reach the customer",
		Description: "The failed attempt (no answer, busy, wrong number) that reaches the policy's max_attempts ends the task as unreachable."},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				Channel aftersales.ContactChannel `json:"channel" enum:"phone,sms,wechat,email,visit"`
				Result  aftersales.AttemptResult  `json:"result" enum:"reached,no_answer,busy,wrong_number,call_back,refused"`
				Note    string                    `json:"note,omitempty" maxLength:"2000"`
				Version int64                     `json:"version" minimum:"1"`
			}
		}) (*plain[*aftersales.FollowupTask], error) {
			return respond(a.S.Followups.LogFollowupAttempt(ctx, in.ID, in.Body.Version,
				aftersales.FollowupAttempt{Channel: in.Body.Channel, Result: in.Body.Result, Note: in.Body.Note}))
		})
	register(a, h, huma.Operation{OperationID: "answer-followup", Method: http.MethodPost, Path: "/followups/{id}/answer", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Close a follow-up task with the customer's answer",
		Description: "satisfied and dissatisfied need a CSAT or NPS score and become the ticket's feedback (channel followup); dissatisfied needs " +
			"a reason code and runs the followup.dissatisfied automation rules. not_solved needs the reason and reopens the ticket (it counts " +
			"against first-contact resolution). unreachable needs the policy's number of failed attempts."},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body aftersales.FollowupAnswer
		}) (*plain[*aftersales.FollowupTask], error) {
			return respond(a.S.Followups.AnswerFollowup(ctx, in.ID, in.Body))
		})
}
