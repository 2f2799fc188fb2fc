package api

import (
	"context"
	"net/http"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// costs mounts service cost lines on tickets and monthly sales revenue,
// the two inputs of cost per ticket and the after-sales cost ratio.
func (a *API) costs(h huma.API) {
	t := tag("Costs")
	register(a, h, huma.Operation{OperationID: "list-ticket-costs", Method: http.MethodGet, Path: "/tickets/{id}/costs", Tags: t,
		Summary: "A ticket's service cost lines, voided ones included, oldest first"},
		func(ctx context.Context, in *IDParam) (*plain[[]*aftersales.CostLine], error) {
			return respond(a.S.Costs.ListCosts(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "add-ticket-cost", Method: http.MethodPost, Path: "/tickets/{id}/costs", Tags: t,
		Summary:     "Record a service cost (labour, travel, parts, goodwill, other) on a ticket",
		Description: "Amounts are in fen (minor units). incurred_on lies between the ticket's creation day and today. Lines are never edited: void a wrong one and add it again."},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
			Idem
			Body aftersales.CostInput
		}) (*plain[*aftersales.CostLine], error) {
			return respond(a.S.Costs.AddCost(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "void-ticket-cost", Method: http.MethodPost, Path: "/tickets/{id}/costs/{cost}/void", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Void a cost line with a reason (your own, or anyone's as supervisor or administrator)"},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Cost int64 `path:"cost" minimum:"1"`
			Body struct {
				Reason string `json:"reason" maxLength:"500"`
			}
		}) (*plain[*aftersales.CostLine], error) {
			return respond(a.S.Costs.VoidCost(ctx, in.ID, in.Cost, in.Body.Reason))
		})
	register(a, h, huma.Operation{OperationID: "list-revenue", Method: http.MethodGet, Path: "/revenue", Tags: t,
		Summary: "Sales revenue per month, for the whole company or per product category, product or region"},
		func(ctx context.Context, in *struct {
			From   string `query:"from" doc:"First month, YYYY-MM"`
			To     string `query:"to" doc:"Last month, YYYY-MM, inclusive"`
			Dim    string `query:"dim" enum:"all,category,product,region," doc:"all: whole-company rows only; empty: every scope"`
			Locale string `query:"locale" enum:"zh-CN,en,"`
		}) (*plain[[]*aftersales.Revenue], error) {
			f := aftersales.RevenueFilter{From: in.From, To: in.To, Locale: in.Locale}
			if in.Dim != "" {
				d := aftersales.Dimension(in.Dim)
				if in.Dim == "all" {
					d = ""
				}
				f.Dim = &d
			}
			return respond(a.S.Costs.ListRevenue(ctx, f))
		})
	register(a, h, huma.Operation{OperationID: "set-revenue", Method: http.MethodPut, Path: "/revenue", Tags: t,
		Summary:     "Record sales revenue for months and scopes, replacing what was recorded for the same month and scope",
		Description: "All rows or none: a bad row is reported as rows[i].field and nothing is stored. value names a category, product or region by id, code, name or model."},
		func(ctx context.Context, in *struct {
			Body struct {
				Rows []*aftersales.Revenue `json:"rows" maxItems:"100000"`
			}
		}) (*plain[map[string]int], error) {
			if err := a.S.Costs.SetRevenue(ctx, in.Body.Rows); err != nil {
				return nil, err
			}
			return ok(map[string]int{"saved": len(in.Body.Rows)}), nil
		})
	register(a, h, huma.Operation{OperationID: "delete-revenue", Method: http.MethodDelete, Path: "/revenue/{month}", Tags: t,
		DefaultStatus: http.StatusNoContent, Summary: "Delete one month's revenue for a scope"},
		func(ctx context.Context, in *struct {
			Month string `path:"month" doc:"YYYY-MM"`
			Dim   string `query:"dim" enum:"category,product,region,"`
			Value string `query:"value"`
		}) (*struct{}, error) {
			return &struct{}{}, a.S.Costs.DeleteRevenue(ctx, in.Month, aftersales.Dimension(in.Dim), in.Value)
		})
}
