package api

import (
	"context"
	"net/http"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// textQuery reads the filter every voice-of-the-customer read shares,
// after checking the caller may read tickets (an anonymous request is 401
// whatever its query).
func (a *API) textQuery(ctx context.Context, from, to string, filter aftersales.Dimension, value string) (aftersales.TextQuery, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermTicketRead); err != nil {
		return aftersales.TextQuery{}, err
	}
	f, t, err := a.dates(from, to)
	return aftersales.TextQuery{From: f, To: t, Filter: filter, Value: value}, err
}

// text exposes the stored text analytics (issue #21): top and rising terms
// of a selection, the sentiment trend, one ticket's keywords and sentiment,
// and the rising-term alert rules.
func (a *API) text(h huma.API) {
	t := []string{"Text analytics"}
	register(a, h, huma.Operation{OperationID: "get-top-terms", Method: http.MethodGet, Path: "/text/terms", Tags: t,
		Summary: "Top terms: the terms held by the most analysed tickets created in [from, to), overall or in one scope",
		Description: "Terms come from the customer's text (title, description, customer messages), segmented (Chinese words, English stems, " +
			"stopwords left out) by the background analysis; `tickets` counts the analysed tickets holding a term, `share` divides by `analysed`. " +
			"The list of a term's tickets is `GET /tickets?term=...` with the same dates and scope. Only tickets the caller may see count."},
		func(ctx context.Context, in *struct {
			From   string               `query:"from" required:"true" doc:"First day, YYYY-MM-DD (local)" example:"2026-11-01"`
			To     string               `query:"to" required:"true" doc:"Day after the last, YYYY-MM-DD (local)" example:"2026-12-01"`
			Filter aftersales.Dimension `query:"filter" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier," doc:"Restrict to one dimension value"`
			Value  string               `query:"value" doc:"The filter's value: an id, or a code for channel, nature, urgency and tier"`
			Limit  int                  `query:"limit" minimum:"0" maximum:"200" doc:"Terms returned (default 20)"`
		}) (*plain[*aftersales.TopTerms], error) {
			q, err := a.textQuery(ctx, in.From, in.To, in.Filter, in.Value)
			if err != nil {
				return nil, err
			}
			q.Limit = in.Limit
			return respond(a.S.Text.TopTerms(ctx, q))
		})
	register(a, h, huma.Operation{OperationID: "get-rising-terms", Method: http.MethodGet, Path: "/text/rising-terms", Tags: t,
		Summary: "Rising terms: terms whose share of tickets in [from, to) rose significantly against the period of the same length before it",
		Description: "Per term, Dunning's log-likelihood ratio G² on the 2×2 table of tickets with and without the term in each period gives " +
			"a p-value (chi-square, one degree of freedom): the chance of a rise at least this large if nothing changed. Testing many terms " +
			"at once, some would look significant by chance, so the p-values are adjusted for the number of terms tested (Benjamini–Hochberg): " +
			"a term is listed when its q-value is at most `alpha`, i.e. at most that share of the listed terms is expected to be chance. " +
			"Terms seen in fewer than `min_count` tickets over both periods are not tested."},
		func(ctx context.Context, in *struct {
			From     string               `query:"from" required:"true" doc:"First day, YYYY-MM-DD (local)" example:"2026-11-01"`
			To       string               `query:"to" required:"true" doc:"Day after the last, YYYY-MM-DD (local)" example:"2026-12-01"`
			Filter   aftersales.Dimension `query:"filter" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier," doc:"Restrict to one dimension value"`
			Value    string               `query:"value" doc:"The filter's value: an id, or a code for channel, nature, urgency and tier"`
			Limit    int                  `query:"limit" minimum:"0" maximum:"200" doc:"Terms returned (default 20)"`
			Alpha    float64              `query:"alpha" minimum:"0" maximum:"1" doc:"False discovery rate (default 0.05)"`
			MinCount int                  `query:"min_count" minimum:"0" doc:"Fewest tickets, both periods together, a term needs to be tested (default 5)"`
		}) (*plain[*aftersales.RisingTerms], error) {
			q, err := a.textQuery(ctx, in.From, in.To, in.Filter, in.Value)
			if err != nil {
				return nil, err
			}
			q.Limit, q.Alpha, q.MinCount = in.Limit, in.Alpha, in.MinCount
			return respond(a.S.Text.RisingTerms(ctx, q))
		})
	register(a, h, huma.Operation{OperationID: "get-sentiment-trend", Method: http.MethodGet, Path: "/text/sentiment", Tags: t,
		Summary: "Sentiment trend: analysed tickets created in each period by polarity, the negative share and the mean score",
		Description: "The score is the lexicon baseline: the sum over the text's sentiment words of +1 or -1, times the degree words before " +
			"them (很, 非常, very), flipped by a negation before them in the same clause (不, 没, not). Below 0 reads negative. " +
			"The KPI `negative_share` is the same share from the rollups, by any dimension."},
		func(ctx context.Context, in *struct {
			From   string               `query:"from" required:"true" doc:"First day, YYYY-MM-DD (local)" example:"2026-11-01"`
			To     string               `query:"to" required:"true" doc:"Day after the last, YYYY-MM-DD (local)" example:"2026-12-01"`
			Filter aftersales.Dimension `query:"filter" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier," doc:"Restrict to one dimension value"`
			Value  string               `query:"value" doc:"The filter's value: an id, or a code for channel, nature, urgency and tier"`
			Grain  aftersales.Grain     `query:"grain" enum:"day,week,month,quarter," doc:"Period (default week)"`
		}) (*plain[[]aftersales.SentimentPoint], error) {
			q, err := a.textQuery(ctx, in.From, in.To, in.Filter, in.Value)
			if err != nil {
				return nil, err
			}
			q.Grain = in.Grain
			return respond(a.S.Text.SentimentTrend(ctx, q))
		})
	register(a, h, huma.Operation{OperationID: "get-ticket-text", Method: http.MethodGet, Path: "/text/tickets/{id}", Tags: t,
		Summary:     "One ticket's keywords (TF-IDF against the company's own document frequencies) and sentiment, with each customer message's",
		Description: "404 when the ticket does not exist, the caller may not see it, or its text has not been analysed yet (the analysis runs in the background within seconds)."},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.TicketText], error) {
			return respond(a.S.Text.TicketText(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "list-term-alert-rules", Method: http.MethodGet, Path: "/text/alert-rules", Tags: t,
		Summary: "Rising-term alert rules"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.TermAlertRule], error) {
			return respond(a.S.Text.TermAlertRules(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-term-alert-rule", Method: http.MethodPost, Path: "/text/alert-rules", Tags: t,
		Summary: "Create a rising-term rule: each hour, the terms of the scope that rose significantly in the last complete week or month open an improvement item with their tickets"},
		func(ctx context.Context, in *struct{ Body termRuleBody }) (*plain[*aftersales.TermAlertRule], error) {
			r := in.Body.rule()
			if err := a.S.Text.SaveTermAlertRule(ctx, r); err != nil {
				return nil, err
			}
			return ok(r), nil
		})
}

type termRuleBody struct {
	Dim      aftersales.Dimension `json:"dim,omitempty" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier," doc:"Scope dimension; empty for every ticket"`
	Value    string               `json:"value,omitempty" maxLength:"100"`
	Grain    aftersales.Grain     `json:"grain" enum:"week,month"`
	Alpha    float64              `json:"alpha,omitempty" minimum:"0" maximum:"1" doc:"False discovery rate (default 0.05)"`
	MinCount int                  `json:"min_count,omitempty" minimum:"0" doc:"Fewest tickets, both periods together (default 5)"`
	Active   bool                 `json:"active"`
}

func (b termRuleBody) rule() *aftersales.TermAlertRule {
	return &aftersales.TermAlertRule{Dim: b.Dim, Value: b.Value, Grain: b.Grain, Alpha: b.Alpha, MinCount: b.MinCount, Active: b.Active}
}
