package api

import (
	"context"
	"net/http"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// fieldStandards mounts the service checklists, the labour and travel
// rates, and a ticket's billable items (issue #19).
func (a *API) fieldStandards(h huma.API) {
	t := tag("Field standards")
	register(a, h, huma.Operation{OperationID: "list-checklists", Method: http.MethodGet, Path: "/checklists", Tags: t,
		Summary: "Service checklists technicians tick in the work report"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.Checklist], error) {
			return respond(a.S.Checklists.ListChecklists(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-checklist", Method: http.MethodPost, Path: "/checklists", Tags: t,
		Summary:     "Add a service checklist for a product category and/or nature (one per scope)",
		Description: "The most specific checklist applies to a ticket: category and nature, then category, then nature, then the one with neither."},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.ChecklistInput
		}) (*plain[*aftersales.Checklist], error) {
			return respond(a.S.Checklists.CreateChecklist(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "get-checklist", Method: http.MethodGet, Path: "/checklists/{id}", Tags: t, Summary: "One service checklist"},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.Checklist], error) {
			return respond(a.S.Checklists.FindChecklist(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "update-checklist", Method: http.MethodPut, Path: "/checklists/{id}", Tags: t,
		Summary: "Replace a service checklist (needs the version last read); completed visits keep what they ticked"},
		func(ctx context.Context, in *struct {
			IDParam
			Body aftersales.ChecklistInput
		}) (*plain[*aftersales.Checklist], error) {
			return respond(a.S.Checklists.UpdateChecklist(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "delete-checklist", Method: http.MethodDelete, Path: "/checklists/{id}", Tags: t,
		DefaultStatus: http.StatusNoContent, Summary: "Delete a service checklist; completed visits keep what they ticked"},
		func(ctx context.Context, in *IDParam) (*struct{}, error) {
			return &struct{}{}, a.S.Checklists.DeleteChecklist(ctx, in.ID)
		})
	register(a, h, huma.Operation{OperationID: "get-ticket-checklist", Method: http.MethodGet, Path: "/tickets/{id}/checklist", Tags: t,
		Summary: "The service checklist that applies to a ticket (404 when none does)"},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.Checklist], error) {
			return respond(a.S.Checklists.ChecklistFor(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "list-field-rates", Method: http.MethodGet, Path: "/field-rates", Tags: t,
		Summary: "Labour (per hour on site) and travel (per km) rates, in fen: the global one and each region's"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.FieldRate], error) {
			return respond(a.S.FieldCosts.ListFieldRates(ctx))
		})
	register(a, h, huma.Operation{OperationID: "set-field-rate", Method: http.MethodPut, Path: "/field-rates", Tags: t,
		Summary: "Set the rate of a region (a top-level service unit), or without region_id the global rate"},
		func(ctx context.Context, in *struct {
			Body aftersales.FieldRateInput
		}) (*plain[*aftersales.FieldRate], error) {
			return respond(a.S.FieldCosts.SetFieldRate(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "delete-field-rate", Method: http.MethodDelete, Path: "/field-rates", Tags: t,
		DefaultStatus: http.StatusNoContent, Summary: "Remove a region's rate (the global one applies there again), or without region_id the global rate"},
		func(ctx context.Context, in *struct {
			RegionID int64 `query:"region_id" minimum:"0" doc:"0 or absent: the global rate"`
		}) (*struct{}, error) {
			var region *int64
			if in.RegionID > 0 {
				region = &in.RegionID
			}
			return &struct{}{}, a.S.FieldCosts.DeleteFieldRate(ctx, region)
		})
	register(a, h, huma.Operation{OperationID: "get-ticket-billing", Method: http.MethodGet, Path: "/tickets/{id}/billing", Tags: t,
		Summary: "What the customer pays for out-of-warranty work: parts at their out-of-warranty price and labour, with the total (fen)"},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.Billing], error) {
			return respond(a.S.FieldCosts.Billing(ctx, in.ID))
		})
}
