package api

import (
	"context"
	"net/http"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// complaints mounts the closure records of complaint tickets (issue #20)
// and the severities' timeliness targets.
func (a *API) complaints(h huma.API) {
	t := tag("Complaints")
	register(a, h, huma.Operation{OperationID: "get-complaint", Method: http.MethodGet, Path: "/tickets/{id}/complaint", Tags: t,
		Summary: "A complaint's closure record: severity, target, root cause, confirmation, this round's attempts and every closure"},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.Complaint], error) {
			return respond(a.S.Complaints.FindComplaint(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "set-complaint", Method: http.MethodPut, Path: "/tickets/{id}/complaint", Tags: t,
		Summary: "Set a complaint's severity and root cause (an active code of the root-cause taxonomy)"},
		func(ctx context.Context, in *struct {
			IDParam
			Body aftersales.ComplaintInput
		}) (*plain[*aftersales.Complaint], error) {
			return respond(a.S.Complaints.SetComplaint(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "log-complaint-attempt", Method: http.MethodPost, Path: "/tickets/{id}/complaint/attempts", Tags: t,
		Summary:     "Document an attempt to reach the customer about the closure",
		Description: "Three attempts that did not reach the customer let the complaint close without their confirmation."},
		func(ctx context.Context, in *struct {
			IDParam
			Idem
			Body aftersales.ComplaintAttemptInput
		}) (*plain[*aftersales.Complaint], error) {
			return respond(a.S.Complaints.LogComplaintAttempt(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "answer-complaint", Method: http.MethodPost, Path: "/tickets/{id}/complaint/answer", Tags: t,
		Summary: "Record the customer's answer to the closure",
		Description: "accepted: the customer confirms, and the complaint may close. Rejected (the note is required): the complaint is reopened " +
			"if it was resolved or closed, its urgency rises one level, its team's supervisors are notified, the complaint.rejected " +
			"automation rules run and the attempts start over."},
		func(ctx context.Context, in *struct {
			IDParam
			Idem
			Body aftersales.ComplaintAnswer
		}) (*plain[*aftersales.Complaint], error) {
			return respond(a.S.Complaints.AnswerComplaint(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "list-complaint-targets", Method: http.MethodGet, Path: "/complaint-targets", Tags: t,
		Summary: "The timeliness target of every complaint severity, in calendar hours from creation to the closure"},
		func(ctx context.Context, in *struct{}) (*plain[[]aftersales.ComplaintTarget], error) {
			return respond(a.S.Complaints.ComplaintTargets(ctx))
		})
	register(a, h, huma.Operation{OperationID: "set-complaint-target", Method: http.MethodPut, Path: "/complaint-targets/{severity}", Tags: t,
		Summary: "Change a severity's target; closures already recorded keep the target they were measured against"},
		func(ctx context.Context, in *struct {
			Severity aftersales.ComplaintSeverity `path:"severity" enum:"minor,major,critical"`
			Body     struct {
				Hours int `json:"hours" minimum:"1" maximum:"8760"`
			}
		}) (*plain[[]aftersales.ComplaintTarget], error) {
			if err := a.S.Complaints.SaveComplaintTarget(ctx, aftersales.ComplaintTarget{Severity: in.Severity, Hours: in.Body.Hours}); err != nil {
				return nil, err
			}
			return respond(a.S.Complaints.ComplaintTargets(ctx))
		})
}
