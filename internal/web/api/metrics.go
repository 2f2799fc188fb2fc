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
			"(denominator of a rate, number of durations of a median). Grouping by one dimension within a filter on another works for the pairs in docs/KPIS.md, over whole months."},
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
			from, to, err := a.dates(in.From, in.To)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Metrics.Metric(ctx, aftersales.MetricQuery{KPI: in.KPI, From: from, To: to, Grain: in.Grain,
				Filter: in.Filter, Value: in.Value, By: in.By, Locale: in.Locale}))
		})
	register(a, h, huma.Operation{OperationID: "get-stages", Method: http.MethodGet, Path: "/metrics/stages", Tags: t,
		Summary:     "Bottlenecks: mean time in each status of tickets that left the backlog in [from, to), overall or per team, technician, ...",
		Description: "Stages come from the status history; imported tickets without one are not counted. `slowest` is the stage where most ticket-hours went."},
		func(ctx context.Context, in *struct {
			From   string               `query:"from" required:"true" doc:"YYYY-MM-DD" example:"2026-01-01"`
			To     string               `query:"to" required:"true" doc:"YYYY-MM-DD" example:"2026-12-01"`
			By     aftersales.Dimension `query:"by" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier,"`
			Locale string               `query:"locale" enum:"zh-CN,en,"`
		}) (*plain[[]*aftersales.StageRow], error) {
			from, to, err := a.dates(in.From, in.To)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Metrics.Stages(ctx, from, to, in.By, in.Locale))
		})
	register(a, h, huma.Operation{OperationID: "get-aging", Method: http.MethodGet, Path: "/metrics/aging", Tags: t,
		Summary:     "Ticket aging: the open tickets now by age (under 1 day, 1-3, 3-7, 7-14, 14-30, 30+ days), overall or per team, technician, ...",
		Description: "Open means not resolved, closed or cancelled. `counts` follows the bins in the summary; `median_days` and `oldest_days` are the open tickets' ages."},
		func(ctx context.Context, in *struct {
			By     aftersales.Dimension `query:"by" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier,"`
			Filter aftersales.Dimension `query:"filter" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier,"`
			Value  string               `query:"value"`
			Locale string               `query:"locale" enum:"zh-CN,en,"`
		}) (*plain[[]*aftersales.AgingRow], error) {
			return respond(a.S.Metrics.Aging(ctx, aftersales.AgingQuery{By: in.By, Filter: in.Filter, Value: in.Value, Locale: in.Locale}))
		})
	register(a, h, huma.Operation{OperationID: "get-rollup-lag", Method: http.MethodGet, Path: "/metrics/rollup-lag", Tags: t,
		Summary: "How fresh the KPI rollups are: the changed tickets not counted yet, and the oldest change among them",
		Description: "Reads never wait for the rollups: a background job folds changes in within seconds. Until it has, KPI, stage and " +
			"aging answers leave these tickets' latest changes out; a KPI answer carries the same `lag`."},
		func(ctx context.Context, in *struct{}) (*plain[aftersales.RollupLag], error) {
			return respond(a.S.Metrics.RollupLag(ctx))
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

type alertRuleBody struct {
	KPI          string               `json:"kpi"`
	Dim          aftersales.Dimension `json:"dim,omitempty" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier,"`
	Value        string               `json:"value,omitempty"`
	Grain        aftersales.Grain     `json:"grain" enum:"week,month"`
	Threshold    *float64             `json:"threshold,omitempty"`
	Chart        string               `json:"chart,omitempty" enum:"p,u,xmr,"`
	BaselineFrom *time.Time           `json:"baseline_from,omitempty"`
	BaselineTo   *time.Time           `json:"baseline_to,omitempty"`
	Rules        []string             `json:"rules,omitempty"`
	Active       bool                 `json:"active"`
	Version      int64                `json:"version,omitempty" doc:"Required to update"`
}

func (b *alertRuleBody) rule(id int64) *aftersales.AlertRule {
	return &aftersales.AlertRule{ID: id, KPI: b.KPI, Dim: b.Dim, Value: b.Value, Grain: b.Grain, Threshold: b.Threshold, Chart: b.Chart,
		BaselineFrom: b.BaselineFrom, BaselineTo: b.BaselineTo, Rules: b.Rules, Active: b.Active, Version: b.Version}
}

// quality exposes targets, scores, alert rules and improvement items.
func (a *API) quality(h huma.API) {
	t := []string{"Quality"}
	register(a, h, huma.Operation{OperationID: "list-targets", Method: http.MethodGet, Path: "/quality/targets", Tags: t,
		Summary: "KPI targets and weights of the quality score"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.QualityTarget], error) {
			return respond(a.S.Quality.Targets(ctx))
		})
	register(a, h, huma.Operation{OperationID: "set-target", Method: http.MethodPut, Path: "/quality/targets/{kpi}", Tags: t,
		Summary: "Set a KPI's target, the value that scores zero, and its weight (all weights add up to at most 100)"},
		func(ctx context.Context, in *struct {
			KPI  string `path:"kpi"`
			Body struct {
				Target float64 `json:"target"`
				Worst  float64 `json:"worst"`
				Weight float64 `json:"weight" minimum:"0" maximum:"100"`
			}
		}) (*plain[*aftersales.QualityTarget], error) {
			tg := &aftersales.QualityTarget{KPI: in.KPI, Target: in.Body.Target, Worst: in.Body.Worst, Weight: in.Body.Weight}
			if err := a.S.Quality.SetTarget(ctx, tg); err != nil {
				return nil, err
			}
			return ok(tg), nil
		})
	register(a, h, huma.Operation{OperationID: "get-scores", Method: http.MethodGet, Path: "/quality/scores", Tags: t,
		Summary: "Weighted quality score over [from, to), overall or per team, technician, region or product, with every part"},
		func(ctx context.Context, in *struct {
			From   string               `query:"from" required:"true" doc:"YYYY-MM-DD" example:"2026-01-01"`
			To     string               `query:"to" required:"true" doc:"YYYY-MM-DD" example:"2026-12-01"`
			By     aftersales.Dimension `query:"by" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier,"`
			Filter aftersales.Dimension `query:"filter" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier,"`
			Value  string               `query:"value" doc:"The filter's value"`
			Locale string               `query:"locale" enum:"zh-CN,en,"`
		}) (*plain[[]*aftersales.QualityScore], error) {
			from, to, err := a.dates(in.From, in.To)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Quality.Scores(ctx, aftersales.ScoreQuery{From: from, To: to, By: in.By, Filter: in.Filter, Value: in.Value, Locale: in.Locale}))
		})
	register(a, h, huma.Operation{OperationID: "list-alert-rules", Method: http.MethodGet, Path: "/quality/alert-rules", Tags: t, Summary: "Alert rules"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.AlertRule], error) {
			return respond(a.S.Quality.AlertRules(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-alert-rule", Method: http.MethodPost, Path: "/quality/alert-rules", Tags: t,
		Summary: "Create an alert rule; a control chart's limits are computed from the baseline window and frozen"},
		func(ctx context.Context, in *struct{ Body alertRuleBody }) (*plain[*aftersales.AlertRule], error) {
			r := in.Body.rule(0)
			if err := a.S.Quality.SaveAlertRule(ctx, r); err != nil {
				return nil, err
			}
			return ok(r), nil
		})
	register(a, h, huma.Operation{OperationID: "update-alert-rule", Method: http.MethodPut, Path: "/quality/alert-rules/{id}", Tags: t,
		Summary: "Replace an alert rule (re-computes its baseline)"},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id"`
			Body alertRuleBody
		}) (*plain[*aftersales.AlertRule], error) {
			r := in.Body.rule(in.ID)
			if err := a.S.Quality.SaveAlertRule(ctx, r); err != nil {
				return nil, err
			}
			return ok(r), nil
		})
	register(a, h, huma.Operation{OperationID: "evaluate-alerts", Method: http.MethodPost, Path: "/quality/alerts/evaluate", Tags: t,
		Summary: "Evaluate every active rule now (the server also does so hourly); returns the breaches recorded", DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *struct{}) (*plain[map[string]int], error) {
			n, err := a.S.Quality.EvaluateAlerts(ctx)
			if err != nil {
				return nil, err
			}
			return ok(map[string]int{"breaches": n}), nil
		})
}

// dates parses a [from, to) pair of local dates.
func (a *API) dates(from, to string) (time.Time, time.Time, error) {
	var v aftersales.Validator
	f, err := time.ParseInLocation(time.DateOnly, from, a.zone())
	v.Check(err == nil, "from", "must be a date as YYYY-MM-DD")
	t, err := time.ParseInLocation(time.DateOnly, to, a.zone())
	v.Check(err == nil, "to", "must be a date as YYYY-MM-DD")
	return f, t, v.Err()
}
