package api

import (
	"context"
	"net/http"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// sentiment mounts the trained sentiment model (issue #21): its versions
// with held-out scores, a training on the company's labels, and a person's
// correction of a ticket's sentiment.
func (a *API) sentiment(h huma.API) {
	t := tag("Text analytics")
	register(a, h, huma.Operation{OperationID: "list-sentiment-models", Method: http.MethodGet, Path: "/text/sentiment-models", Tags: t,
		Summary: "Every trained version of the sentiment model, newest first, with held-out scores beside the lexicon's and why a candidate was refused",
		Description: "While a model is active the stored sentiment of tickets and customer messages is the model's score (2p-1), and the lexicon's " +
			"for a text the model knows none of the features of; without one, the lexicon's. A new active model re-scores every analysed ticket in the background."},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.SentimentModel], error) {
			return respond(a.S.Sentiment.ListSentimentModels(ctx))
		})
	register(a, h, huma.Operation{OperationID: "train-sentiment-model", Method: http.MethodPost, Path: "/text/sentiment-models/train", Tags: t,
		DefaultStatus: http.StatusAccepted, Summary: "Ask for a new version of the sentiment model, trained by the background job on the company's labels",
		Description: "The labels are survey comments with a CSAT score (1-2 negative, 4-5 positive; 3 is left out) and people's corrections. " +
			"The candidate is scored by stratified 5-fold cross-validation and activated unless its macro-F1 is below the active model's or its " +
			"held-out accuracy below the lexicon's. `aftersales text sentiment train` trains on a labelled file instead."},
		func(ctx context.Context, in *struct{}) (*plain[trainingRequest], error) {
			if err := a.S.Sentiment.RequestSentimentTraining(ctx); err != nil {
				return nil, err
			}
			ok, err := a.S.Sentiment.SentimentTrainingRequested(ctx)
			return respond(trainingRequest{Requested: ok}, err)
		})
	register(a, h, huma.Operation{OperationID: "correct-ticket-sentiment", Method: http.MethodPut, Path: "/tickets/{id}/sentiment", Tags: t,
		Summary:     "Correct a ticket's sentiment: the stored score (and the negative share) follows the person's label, which trains the next model",
		Description: "The correction outlasts later analyses of the ticket. 404 when the ticket does not exist or the caller may not see it."},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				Label string `json:"label" enum:"negative,positive"`
			}
		}) (*plain[*aftersales.SentimentCorrection], error) {
			return respond(a.S.Sentiment.CorrectSentiment(ctx, in.ID, in.Body.Label))
		})
}

// trainingRequest says whether a training waits for the background job.
// A named type: an anonymous struct would give the schema a name that is
// no valid component key.
type trainingRequest struct {
	Requested bool `json:"requested" doc:"a training is queued for the background job"`
}
