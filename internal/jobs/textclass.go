package jobs

import (
	"context"
	"log/slog"
)

// TextTrainer is what the text model jobs need from the store.
type TextTrainer interface {
	TrainRequested(ctx context.Context) (bool, error)
	RequestRetraining(ctx context.Context) error
}

// TrainText returns a job that trains the requested text models one field
// at a time (more is true after each, so a queue of requests drains at
// once).
func TrainText(s TextTrainer, log *slog.Logger) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		done, err := s.TrainRequested(ctx)
		if done {
			log.Info("text model trained")
		}
		return done, err
	}
}

// RetrainText returns a job that asks for a new training of every active
// text model, so people's corrections reach the models each day. The first
// call (at start-up) is skipped: a restart is not a reason to retrain.
func RetrainText(s TextTrainer) func(context.Context) (bool, error) {
	started := false
	return func(ctx context.Context) (bool, error) {
		if !started {
			started = true
			return false, nil
		}
		return false, s.RequestRetraining(ctx)
	}
}

// SentimentTrainer trains the sentiment model when someone asked for it.
type SentimentTrainer interface {
	TrainSentimentRequested(ctx context.Context) (bool, error)
}

// TrainSentiment returns the job that trains a requested sentiment model
// on the company's labels (survey comments, corrections).
func TrainSentiment(s SentimentTrainer, log *slog.Logger) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		done, err := s.TrainSentimentRequested(ctx)
		if done {
			log.Info("sentiment model trained")
		}
		return done, err
	}
}
