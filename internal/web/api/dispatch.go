package api

import (
	"context"
	"net/http"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// dispatch mounts the dispatch board: a service point's day, suggestions
// for a visit, assigning and moving visits, the technicians' positions
// and the customer's visit confirmation templates.
func (a *API) dispatch(h huma.API) {
	t := tag("Dispatch")
	register(a, h, huma.Operation{OperationID: "dispatch-board", Method: http.MethodGet, Path: "/service-units/{id}/board", Tags: t,
		Summary: "A service point's dispatch board for one day",
		Description: "The service point's technicians with their visits of the day in route order (planned start and finish, or why the " +
			"route leaves a visit out), their working hours, driving totals and last reported position, and the day's visits nobody has " +
			"yet, most urgent (SLA) first. For those who book visits; visits of tickets the caller may not see are left out."},
		func(ctx context.Context, in *struct {
			IDParam
			Date string `query:"date" required:"true" doc:"The local day, YYYY-MM-DD" example:"2026-12-07"`
		}) (*plain[*aftersales.Board], error) {
			return respond(a.S.Dispatch.Board(ctx, in.ID, aftersales.Date(in.Date)))
		})
	register(a, h, huma.Operation{OperationID: "suggest-technicians", Method: http.MethodGet, Path: "/visits/{id}/suggestions", Tags: t,
		Summary: "Technicians for a visit, best first, each explained",
		Description: "Those who can take the visit first (skills, working then, under capacity, able to arrive inside the window after " +
			"their previous stop), ranked by driving minutes (counted twice when the SLA target is less than four hours away) plus a load " +
			"term; then the others with what blocks them. Each carries the facts behind it: skills matched, drive, the day's load and SLA time left."},
		func(ctx context.Context, in *IDParam) (*plain[[]*aftersales.TechSuggestion], error) {
			return respond(a.S.Dispatch.Suggest(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "dispatch-visit", Method: http.MethodPost, Path: "/visits/{id}/dispatch", Tags: t,
		Summary: "Assign, reassign or unassign a visit, and optionally move its window",
		Description: "The visit must not have started. The technicians' days it leaves and joins are planned again; the technicians " +
			"concerned are notified; when the window moves the customer is sent the visit confirmation.", DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *struct {
			IDParam
			Body aftersales.DispatchInput
		}) (*plain[*aftersales.Visit], error) {
			return respond(a.S.Dispatch.Dispatch(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "reorder-visit", Method: http.MethodPost, Path: "/visits/{id}/reorder", Tags: t,
		Summary: "Move a visit one place earlier or later in its technician's day",
		Description: "The visit and its neighbour must not have started. The day is then in manual order: every visit of it is pinned " +
			"where it stands and the route planner keeps that order, only timing the day again (arrival, start, slack, distance); a visit " +
			"booked into the day later joins where its window puts it; each visit whose pin changes gets a new version. A visit the order " +
			"makes start after its promised window is not " +
			"refused: it carries late_min (late risk). The windows do not change, so the customer is not told; the technician is notified " +
			"and each visit that changes place gets a line in its ticket's timeline. Answers the day's route as now planned.", DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *struct {
			IDParam
			Body aftersales.ReorderInput
		}) (*plain[*aftersales.DayRoute], error) {
			return respond(a.S.Dispatch.ReorderVisit(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "set-day-order", Method: http.MethodPut, Path: "/technicians/{id}/day/order", Tags: t,
		Summary: "Set the order of a technician's day by hand, or hand it back to the route planner",
		Description: "visit_ids lists every visit of the day that is not cancelled, once, first to last; the route planner then keeps " +
			"that order and only times the day, flagging visits that would start after their window with late_min. An empty list " +
			"removes the manual order and the planner orders the day again. The technician is notified; each visit that changes place " +
			"gets a line in its ticket's timeline. Answers the day's route as now planned."},
		func(ctx context.Context, in *struct {
			IDParam
			// The pattern lets huma name query.date itself (the store's
			// field errors are located in the body of a PUT).
			Date string `query:"date" required:"true" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"The local day, YYYY-MM-DD" example:"2026-12-07"`
			Body aftersales.DayOrderInput
		}) (*plain[*aftersales.DayRoute], error) {
			return respond(a.S.Dispatch.SetDayOrder(ctx, in.ID, aftersales.Date(in.Date), in.Body))
		})
	register(a, h, huma.Operation{OperationID: "report-position", Method: http.MethodPost, Path: "/me/position", Tags: t,
		Summary: "A technician reports where they are; the rest of today is planned from there", DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *struct {
			Body aftersales.Position
		}) (*plain[*aftersales.TechPosition], error) {
			return respond(a.S.Dispatch.ReportPosition(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "list-visit-templates", Method: http.MethodGet, Path: "/visit-templates", Tags: t,
		Summary: "The customer's visit confirmation templates, one per language"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.VisitTemplate], error) {
			return respond(a.S.Dispatch.VisitTemplates(ctx))
		})
	register(a, h, huma.Operation{OperationID: "set-visit-template", Method: http.MethodPut, Path: "/visit-templates/{lang}", Tags: t,
		Summary: "Edit the visit confirmation of one language (placeholders {window}, {technician}, {number}, {link})"},
		func(ctx context.Context, in *struct {
			Lang string `path:"lang" enum:"zh-CN,en"`
			Body aftersales.VisitTemplateInput
		}) (*plain[*aftersales.VisitTemplate], error) {
			return respond(a.S.Dispatch.SetVisitTemplate(ctx, in.Lang, in.Body))
		})
}
