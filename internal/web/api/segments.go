package api

import (
	"context"
	"net/http"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// segmentRulesBody is the ordered rule list.
type segmentRulesBody struct {
	Rules []aftersales.SegmentRule `json:"rules" maxItems:"50"`
}

// segments mounts the customer segment rules (issue #20).
func (a *API) segments(h huma.API) {
	t := tag("Customer segments")
	register(a, h, huma.Operation{OperationID: "list-segment-rules", Method: http.MethodGet, Path: "/segment-rules", Tags: t,
		Summary: "The ordered segment rules that set customer tiers (empty: segmentation is off)"},
		func(ctx context.Context, in *struct{}) (*plain[segmentRulesBody], error) {
			rules, err := a.S.Segments.ListSegmentRules(ctx)
			return respond(segmentRulesBody{Rules: rules}, err)
		})
	register(a, h, huma.Operation{OperationID: "replace-segment-rules", Method: http.MethodPut, Path: "/segment-rules", Tags: t,
		Summary:     "Replace the segment rules",
		Description: "The first rule whose conditions all hold gives the customer's tier; a customer no rule matches is ordinary. An empty list turns segmentation off and leaves tiers as they are. Tiers change at the next evaluation."},
		func(ctx context.Context, in *struct{ Body segmentRulesBody }) (*plain[segmentRulesBody], error) {
			rules, err := a.S.Segments.ReplaceSegmentRules(ctx, in.Body.Rules)
			return respond(segmentRulesBody{Rules: rules}, err)
		})
	register(a, h, huma.Operation{OperationID: "dry-run-segment-rules", Method: http.MethodPost, Path: "/segment-rules/dry-run", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "How many customers the given rules (or the saved ones) would move, from which tier to which, with examples; changes nothing"},
		func(ctx context.Context, in *struct {
			Body struct {
				Rules []aftersales.SegmentRule `json:"rules,omitempty" maxItems:"50" doc:"Draft rules; the saved ones when absent."`
			}
		}) (*plain[*aftersales.SegmentOutcome], error) {
			return respond(a.S.Segments.EvaluateSegments(ctx, in.Body.Rules, true))
		})
	register(a, h, huma.Operation{OperationID: "evaluate-segment-rules", Method: http.MethodPost, Path: "/segment-rules/evaluate", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Apply the saved rules now; each changed tier is recorded with its reason"},
		func(ctx context.Context, in *struct{}) (*plain[*aftersales.SegmentOutcome], error) {
			return respond(a.S.Segments.EvaluateSegments(ctx, nil, false))
		})
}
