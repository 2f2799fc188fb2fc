package api

import (
	"context"
	"net/http"
	"reflect"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// improvement exposes the closed improvement loop: items, root-cause
// analysis, actions, effect verification and the case library.
func (a *API) improvement(h huma.API) {
	h.OpenAPI().Components.Schemas.RegisterTypeAlias(reflect.TypeFor[aftersales.Number](), reflect.TypeFor[numberSchema]())
	t := []string{"Improvement"}
	const base = "/quality/improvement-items"
	register(a, h, huma.Operation{OperationID: "list-improvement-items", Method: http.MethodGet, Path: base, Tags: t,
		Summary: "The improvement board: items (待改善项) with state, owner, department, action counts and whether they are overdue"},
		func(ctx context.Context, in *struct {
			Status     aftersales.ItemStatus `query:"status" enum:"open,analysing,planning,implementing,verifying,closed,reopened,"`
			Owner      int64                 `query:"owner"`
			Department string                `query:"department" enum:"after_sales,technical,quality,production,"`
			Overdue    bool                  `query:"overdue" doc:"Only items past their target date or with an overdue action"`
		}) (*plain[[]*aftersales.ImprovementItem], error) {
			return respond(a.S.Improve.ImprovementItems(ctx, aftersales.ItemFilter{Status: in.Status, OwnerID: in.Owner, Department: in.Department, Overdue: in.Overdue}))
		})
	register(a, h, huma.Operation{OperationID: "create-improvement-item", Method: http.MethodPost, Path: base, Tags: t,
		Summary: "Open an item by hand (from a cluster of complaints, an audit, or an observation); alerts open their own"},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.ItemInput
		}) (*body[*aftersales.ImprovementItem], error) {
			return respondV(a.S.Improve.CreateItem(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "get-improvement-item", Method: http.MethodGet, Path: base + "/{id}", Tags: t,
		Summary: "An item with its 5-Why, fishbone, actions, verifications, timeline and published case"},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.ItemDetail], error) {
			return respond(a.S.Improve.ImprovementItem(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "update-improvement-item", Method: http.MethodPut, Path: base + "/{id}", Tags: t,
		Summary: "Change an item's description, KPI and scope, target, owner, department, linked tickets and watchers"},
		func(ctx context.Context, in *struct {
			IDParam
			IfMatch
			Body aftersales.ItemInput
		}) (*body[*aftersales.ImprovementItem], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respondV(a.S.Improve.UpdateItem(ctx, in.ID, v, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "transition-improvement-item", Method: http.MethodPost, Path: base + "/{id}/transition", Tags: t,
		DefaultStatus: http.StatusOK,
		Summary:       "Move an item: open → analysing → planning → implementing → verifying; back with a reason; dismiss or reopen with a reason",
		Description: "Planning needs a root cause, implementing an action, verifying every action done or cancelled unless a supervisor " +
			"sets `override` with a reason. Closing after verification happens through a verification whose verdict is effective."},
		func(ctx context.Context, in *struct {
			IDParam
			IfMatch
			Body struct {
				To       aftersales.ItemStatus `json:"to" enum:"open,analysing,planning,implementing,verifying,closed,reopened"`
				Reason   string                `json:"reason,omitempty" maxLength:"2000"`
				Override bool                  `json:"override,omitempty" doc:"Supervisors: send to verifying with actions still open"`
				Version  int64                 `json:"version,omitempty"`
			}
		}) (*body[*aftersales.ImprovementItem], error) {
			v, err := in.version(in.Body.Version)
			if err != nil {
				return nil, err
			}
			return respondV(a.S.Improve.TransitionItem(ctx, in.ID, v, in.Body.To, in.Body.Reason, in.Body.Override))
		})
	register(a, h, huma.Operation{OperationID: "set-five-why", Method: http.MethodPut, Path: base + "/{id}/five-why", Tags: t,
		Summary: "Replace the 5-Why chain: each step a question, its answer and evidence; the last answer is the root cause"},
		func(ctx context.Context, in *struct {
			IDParam
			Body struct {
				Steps []aftersales.WhyStep `json:"steps" maxItems:"10"`
			}
		}) (*struct{}, error) {
			return nil, a.S.Improve.SetWhys(ctx, in.ID, in.Body.Steps)
		})
	register(a, h, huma.Operation{OperationID: "set-root-cause", Method: http.MethodPut, Path: base + "/{id}/root-cause", Tags: t,
		Summary: "Record the root cause: a code from the taxonomy (so it is counted in the root-cause Pareto) and/or free text"},
		func(ctx context.Context, in *struct {
			IDParam
			Body struct {
				Code string `json:"code,omitempty"`
				Note string `json:"note,omitempty" maxLength:"2000"`
			}
		}) (*struct{}, error) {
			return nil, a.S.Improve.SetRootCause(ctx, in.ID, in.Body.Code, in.Body.Note)
		})
	register(a, h, huma.Operation{OperationID: "add-cause", Method: http.MethodPost, Path: base + "/{id}/causes", Tags: t,
		Summary: "Add a fishbone cause in a 6M category (man, machine, material, method, measurement, environment), or a sub-cause"},
		func(ctx context.Context, in *struct {
			IDParam
			Body aftersales.Cause
		}) (*plain[aftersales.Cause], error) {
			c := in.Body
			c.ID = 0
			err := a.S.Improve.SaveCause(ctx, in.ID, &c)
			return respond(c, err)
		})
	register(a, h, huma.Operation{OperationID: "update-cause", Method: http.MethodPut, Path: base + "/{id}/causes/{cause}", Tags: t,
		Summary: "Change a fishbone cause: text, suspected/verified/ruled out, evidence"},
		func(ctx context.Context, in *struct {
			IDParam
			Cause int64 `path:"cause"`
			Body  aftersales.Cause
		}) (*plain[aftersales.Cause], error) {
			c := in.Body
			c.ID = in.Cause
			err := a.S.Improve.SaveCause(ctx, in.ID, &c)
			return respond(c, err)
		})
	register(a, h, huma.Operation{OperationID: "delete-cause", Method: http.MethodDelete, Path: base + "/{id}/causes/{cause}", Tags: t,
		Summary: "Remove a fishbone cause and its sub-causes"},
		func(ctx context.Context, in *struct {
			IDParam
			Cause int64 `path:"cause"`
		}) (*struct{}, error) {
			return nil, a.S.Improve.DeleteCause(ctx, in.ID, in.Cause)
		})
	register(a, h, huma.Operation{OperationID: "add-action", Method: http.MethodPost, Path: base + "/{id}/actions", Tags: t,
		Summary: "Plan an action: description, owner, start and due dates, resources, budget"},
		func(ctx context.Context, in *struct {
			IDParam
			Body aftersales.ActionInput
		}) (*plain[*aftersales.Action], error) {
			return respond(a.S.Improve.SaveAction(ctx, in.ID, 0, 0, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "update-action", Method: http.MethodPut, Path: base + "/{id}/actions/{action}", Tags: t,
		Summary: "Update an action; marking it done needs evidence of completion"},
		func(ctx context.Context, in *struct {
			IDParam
			Action int64 `path:"action"`
			IfMatch
			Body struct {
				aftersales.ActionInput
				Version int64 `json:"version,omitempty"`
			}
		}) (*plain[*aftersales.Action], error) {
			v, err := in.version(in.Body.Version)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Improve.SaveAction(ctx, in.ID, in.Action, v, in.Body.ActionInput))
		})
	register(a, h, huma.Operation{OperationID: "verify-improvement-item", Method: http.MethodPost, Path: base + "/{id}/verifications", Tags: t,
		Summary: "Verify the effect: before and after windows, optional control group; the right test is run and its verdict recorded",
		Description: "Rates use the two-proportion z-test, durations Mann-Whitney U with the Hodges-Lehmann shift and its interval, " +
			"scores and means Welch's t; a control value gives a difference-in-differences. Fewer than 30 tickets per window (or 10 events " +
			"and non-events for a rate) is inconclusive. When the item is verifying, an effective verdict closes it and starts relapse " +
			"monitoring; not effective sends it back to analysing."},
		func(ctx context.Context, in *struct {
			IDParam
			Body aftersales.VerifyInput
		}) (*plain[*aftersales.Verification], error) {
			return respond(a.S.Improve.Verify(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "comment-improvement-item", Method: http.MethodPost, Path: base + "/{id}/comments", Tags: t,
		Summary: "Comment on the item's timeline", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			IDParam
			Body struct {
				Body string `json:"body" minLength:"1" maxLength:"4000"`
			}
		}) (*struct{}, error) {
			return nil, a.S.Improve.CommentItem(ctx, in.ID, in.Body.Body)
		})
	register(a, h, huma.Operation{OperationID: "publish-case", Method: http.MethodPost, Path: base + "/{id}/case", Tags: t,
		Summary: "Publish a closed item's lesson to the case library; parts left empty are written from the item"},
		func(ctx context.Context, in *struct {
			IDParam
			Body aftersales.CaseInput
		}) (*plain[*aftersales.Case], error) {
			return respond(a.S.Improve.PublishCase(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "search-cases", Method: http.MethodGet, Path: "/quality/cases", Tags: t,
		Summary: "Search the case library (problem, root cause, actions, effect, tags)"},
		func(ctx context.Context, in *struct {
			Q string `query:"q" maxLength:"200"`
		}) (*plain[[]*aftersales.Case], error) {
			return respond(a.S.Improve.Cases(ctx, in.Q))
		})
	register(a, h, huma.Operation{OperationID: "list-root-cause-codes", Method: http.MethodGet, Path: "/quality/root-causes", Tags: t,
		Summary: "The root-cause taxonomy"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.RootCauseCode], error) {
			return respond(a.S.Improve.RootCauseCodes(ctx))
		})
	register(a, h, huma.Operation{OperationID: "save-root-cause-code", Method: http.MethodPut, Path: "/quality/root-causes/{code}", Tags: t,
		Summary: "Add, rename or retire a root-cause code"},
		func(ctx context.Context, in *struct {
			Code string `path:"code"`
			Body aftersales.RootCauseCode
		}) (*plain[*aftersales.RootCauseCode], error) {
			c := in.Body
			c.Code = in.Code
			return respond(&c, a.S.Improve.SaveRootCauseCode(ctx, &c))
		})
	register(a, h, huma.Operation{OperationID: "root-cause-pareto", Method: http.MethodGet, Path: "/quality/root-causes/pareto", Tags: t,
		Summary: "Root causes across all items, most frequent first, with the vital few"},
		func(ctx context.Context, in *struct {
			Locale string `query:"locale" enum:"zh-CN,en,"`
		}) (*plain[[]aftersales.CauseCount], error) {
			return respond(a.S.Improve.RootCausePareto(ctx, in.Locale))
		})
}

// numberSchema is how aftersales.Number appears in the OpenAPI document:
// a number, or a string for the values JSON cannot hold.
type numberSchema struct{}

func (numberSchema) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{OneOf: []*huma.Schema{
		{Type: huma.TypeNumber},
		{Type: huma.TypeString, Enum: []any{"NaN", "Infinity", "-Infinity"}, Description: "not a number (cannot be computed) or unbounded"},
	}}
}
