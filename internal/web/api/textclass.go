package api

import (
	"context"
	"net/http"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// trainingQueue answers a training request: the fields waiting for the
// background job.
type trainingQueue struct {
	Requested []string `json:"requested" doc:"Fields whose training waits for the background job"`
}

// textClass mounts automatic classification (issue #21): a ticket's
// suggestions and their decisions, the trained models with their scores,
// training requests and the thresholds above which a suggestion is applied.
func (a *API) textClass(h huma.API) {
	t := tag("Text classification")
	register(a, h, huma.Operation{OperationID: "list-ticket-suggestions", Method: http.MethodGet, Path: "/tickets/{id}/suggestions", Tags: t,
		Summary: "The nature, category and urgency the text models suggested for a ticket, and what became of them",
		Description: "A suggestion is applied at creation when the creator left the field empty and its confidence reaches the field's " +
			"threshold (status applied); otherwise it waits for a person (pending). A person's change of the field accepts or corrects it."},
		func(ctx context.Context, in *IDParam) (*plain[[]*aftersales.Suggestion], error) {
			return respond(a.S.TextClass.ListSuggestions(ctx, in.ID))
		})
	decide := func(accept bool) func(context.Context, *struct {
		ID    int64  `path:"id" minimum:"1"`
		Field string `path:"field" enum:"nature,category_id,urgency"`
	}) (*plain[*aftersales.Suggestion], error) {
		return func(ctx context.Context, in *struct {
			ID    int64  `path:"id" minimum:"1"`
			Field string `path:"field" enum:"nature,category_id,urgency"`
		}) (*plain[*aftersales.Suggestion], error) {
			return respond(a.S.TextClass.DecideSuggestion(ctx, in.ID, in.Field, accept))
		}
	}
	register(a, h, huma.Operation{OperationID: "accept-ticket-suggestion", Method: http.MethodPost, Path: "/tickets/{id}/suggestions/{field}/accept",
		Tags: t, DefaultStatus: http.StatusOK, Summary: "Accept a pending or applied suggestion; a pending one sets the field"},
		decide(true))
	register(a, h, huma.Operation{OperationID: "reject-ticket-suggestion", Method: http.MethodPost, Path: "/tickets/{id}/suggestions/{field}/reject",
		Tags: t, DefaultStatus: http.StatusOK, Summary: "Reject a pending or applied suggestion; the ticket is left as it is",
		Description: "A rejected applied value is no longer a label for training; set the right value on the ticket to correct it."},
		decide(false))
	register(a, h, huma.Operation{OperationID: "list-text-models", Method: http.MethodGet, Path: "/text/models", Tags: t,
		Summary: "Every trained version of the text models, by field, newest first, with held-out scores and why a candidate was refused"},
		func(ctx context.Context, in *struct {
			Field string `query:"field" enum:"nature,category_id,urgency,"`
		}) (*plain[[]*aftersales.TextModel], error) {
			return respond(a.S.TextClass.ListTextModels(ctx, in.Field))
		})
	register(a, h, huma.Operation{OperationID: "get-text-model", Method: http.MethodGet, Path: "/text/models/{id}", Tags: t,
		Summary: "One model version with per-class precision, recall and F1 and the confusion matrix from 5 held-out folds"},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.TextModel], error) {
			return respond(a.S.TextClass.FindTextModel(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "train-text-model", Method: http.MethodPost, Path: "/text/models/train", Tags: t,
		DefaultStatus: http.StatusAccepted, Summary: "Ask for a new version of a field's model, trained by the background job",
		Description: "The job trains on the tickets whose field a person set (a value a model applied counts once a person accepted it), " +
			"scores the candidate by stratified 5-fold cross-validation and activates it unless its macro-F1 is below the active model's."},
		func(ctx context.Context, in *struct {
			Body struct {
				Field string `json:"field" enum:"nature,category_id,urgency"`
			}
		}) (*plain[trainingQueue], error) {
			if err := a.S.TextClass.RequestTraining(ctx, in.Body.Field); err != nil {
				return nil, err
			}
			q, err := a.S.TextClass.TrainingRequested(ctx)
			return respond(trainingQueue{Requested: q}, err)
		})
	register(a, h, huma.Operation{OperationID: "get-suggestion-thresholds", Method: http.MethodGet, Path: "/text/thresholds", Tags: t,
		Summary: "The confidence each field's suggestion needs to be applied at creation"},
		func(ctx context.Context, in *struct{}) (*plain[map[string]float64], error) {
			return respond(a.S.TextClass.SuggestThresholds(ctx))
		})
	register(a, h, huma.Operation{OperationID: "set-suggestion-threshold", Method: http.MethodPut, Path: "/text/thresholds/{field}", Tags: t,
		Summary: "Change a field's threshold (above 1: never applied, always shown to the agent)"},
		func(ctx context.Context, in *struct {
			Field string `path:"field" enum:"nature,category_id,urgency"`
			Body  struct {
				Threshold float64 `json:"threshold" minimum:"0" maximum:"1.01"`
			}
		}) (*plain[map[string]float64], error) {
			if err := a.S.TextClass.SetSuggestThreshold(ctx, in.Field, in.Body.Threshold); err != nil {
				return nil, err
			}
			return respond(a.S.TextClass.SuggestThresholds(ctx))
		})
}
