package api

import (
	"context"
	"net/http"
	"time"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

func (a *API) zone() *time.Location {
	if a.Zone != nil {
		return a.Zone
	}
	return time.UTC
}

// metrics exposes the KPI engine to BI tools: the catalog and one KPI as
// a series or grouped by a dimension, plus follow-up answers.
func (a *API) metrics(h huma.API) {
	t := []string{"Metrics"}
	register(a, h, huma.Operation{OperationID: "list-kpis", Method: http.MethodGet, Path: "/metrics/kpis", Tags: t,
		Summary: "The KPI catalog: unit, direction, cohort, exact definition, and why a KPI is unavailable when it is"},
		func(ctx context.Context, in *struct{}) (*plain[[]aftersales.KPIInfo], error) {
			if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
				return nil, err
			}
			return ok(a.S.Metrics.KPIs()), nil
		})
	register(a, h, huma.Operation{OperationID: "get-kpi", Method: http.MethodGet, Path: "/metrics/kpis/{kpi}", Tags: t,
		Summary: "One KPI over [from, to): a series by grain, or one value per dimension value with by",
		Description: "Dates are local days (YYYY-MM-DD) in the deployment's time zone. `value` is null where there is no data " +
			"behind a period (no resolved tickets, no survey answers), never a zero that means nothing. `n` is the sample " +
			"(denominator of a rate, number of durations of a median). Filtering on one dimension while grouping by another is not supported."},
		func(ctx context.Context, in *struct {
			KPI    string               `path:"kpi"`
			From   string               `query:"from" required:"true" doc:"First day, YYYY-MM-DD" example:"2026-01-01"`
			To     string               `query:"to" required:"true" doc:"Day after the last, YYYY-MM-DD" example:"2026-12-01"`
			Grain  aftersales.Grain     `query:"grain" enum:"day,week,month,quarter," doc:"Series grain (default month)"`
			Filter aftersales.Dimension `query:"filter" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier,"`
			Value  string               `query:"value" doc:"The filter's value: an id, or a code for channel, nature, urgency and tier"`
			By     aftersales.Dimension `query:"by" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier,"`
			Locale string               `query:"locale" enum:"zh-CN,en," doc:"Language of dimension labels"`
		}) (*plain[*aftersales.MetricResult], error) {
			var v aftersales.Validator
			from, err := time.ParseInLocation(time.DateOnly, in.From, a.zone())
			v.Check(err == nil, "from", "must be a date as YYYY-MM-DD")
			to, err := time.ParseInLocation(time.DateOnly, in.To, a.zone())
			v.Check(err == nil, "to", "must be a date as YYYY-MM-DD")
			if err := v.Err(); err != nil {
				return nil, err
			}
			return respond(a.S.Metrics.Metric(ctx, aftersales.MetricQuery{KPI: in.KPI, From: from, To: to, Grain: in.Grain,
				Filter: in.Filter, Value: in.Value, By: in.By, Locale: in.Locale}))
		})
	register(a, h, huma.Operation{OperationID: "record-feedback", Method: http.MethodPut, Path: "/tickets/{id}/feedback", Tags: t,
		Summary: "Record the customer's follow-up answer (回访): CSAT 1-5 and/or NPS 0-10; a later answer replaces the earlier one"},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id"`
			Body struct {
				CSAT    *int               `json:"csat,omitempty" minimum:"1" maximum:"5"`
				NPS     *int               `json:"nps,omitempty" minimum:"0" maximum:"10"`
				Comment string             `json:"comment,omitempty" maxLength:"4000"`
				Channel aftersales.Channel `json:"channel,omitempty" enum:"phone,email,web,chat,social,api,import,walk_in," doc:"How the answer was collected (default phone)"`
			}
		}) (*plain[*aftersales.Feedback], error) {
			f := &aftersales.Feedback{TicketID: in.ID, CSAT: in.Body.CSAT, NPS: in.Body.NPS, Comment: in.Body.Comment, Channel: in.Body.Channel}
			if err := a.S.Metrics.RecordFeedback(ctx, f); err != nil {
				return nil, err
			}
			return ok(f), nil
		})
}
