package aftersales

import (
	"context"
	"time"
)

// Sentiment labels: what a trained sentiment model predicts and what a
// person's correction says.
const (
	SentimentNegative = "negative"
	SentimentPositive = "positive"
)

// Where a sentiment model's labels came from.
const (
	SentimentFromHistory = "history" // survey comments and agents' corrections
	SentimentFromFile    = "file"    // a labelled file (aftersales text sentiment train)
)

// How a ticket's stored sentiment was scored (TicketText.Method).
const (
	ScoredByLexicon = "lexicon" // the lexicon: no model was active, or it knew none of the text's features
	ScoredByModel   = "model"   // the active model (TicketText.ModelVersion), textan.CombineSentiment
	ScoredByAgent   = "agent"   // a person's correction
)

// SentimentModel is one trained version of the sentiment model, with its
// held-out scores and those of the lexicon and the stored combination on
// the same texts.
type SentimentModel struct {
	ID        int64     `json:"id"`
	Version   int64     `json:"version"`
	Status    string    `json:"status" enum:"active,retired,refused"`
	Source    string    `json:"source" enum:"history,file" doc:"history: survey comments and corrections; file: a labelled file"`
	TrainedAt time.Time `json:"trained_at"`
	TrainedBy *int64    `json:"trained_by,omitempty"`
	Docs      int       `json:"docs" doc:"Labelled texts trained on"`
	Folds     int       `json:"folds"`
	Accuracy  float64   `json:"accuracy" doc:"The model's held-out accuracy"`
	MacroF1   float64   `json:"macro_f1"`
	// ComparedF1 is the active model's macro-F1 when this one was trained.
	ComparedF1       *float64     `json:"compared_f1,omitempty"`
	LexiconAccuracy  float64      `json:"lexicon_accuracy" doc:"The lexicon's accuracy on the same held-out texts (negative or not)"`
	CombinedAccuracy float64      `json:"combined_accuracy" doc:"The stored score's accuracy (the model, the lexicon for texts the model knows nothing of) on the same held-out texts"`
	Reason           string       `json:"reason,omitempty" enum:"worse,too_few,one_class,below_lexicon" doc:"Why it was refused"`
	PerClass         []ClassScore `json:"per_class"`
	Confusion        [][]int      `json:"confusion"`
}

// SentimentCorrection is a person's judgement of a ticket's sentiment.
type SentimentCorrection struct {
	TicketID    int64     `json:"ticket_id"`
	Label       string    `json:"label" enum:"negative,positive"`
	CorrectedBy *int64    `json:"corrected_by,omitempty"`
	CorrectedAt time.Time `json:"corrected_at"`
}

// SentimentService trains and lists the sentiment models and takes
// people's corrections of a ticket's sentiment.
type SentimentService interface {
	ListSentimentModels(ctx context.Context) ([]*SentimentModel, error)
	// TrainSentimentModel trains a new version on the company's labels
	// (survey comments with CSAT 1-2 or 4-5, corrections) and activates it
	// unless it is worse than the active one.
	TrainSentimentModel(ctx context.Context) (*SentimentModel, error)
	RequestSentimentTraining(ctx context.Context) error
	SentimentTrainingRequested(ctx context.Context) (bool, error)
	// CorrectSentiment records a person's label for a ticket's sentiment.
	CorrectSentiment(ctx context.Context, ticketID int64, label string) (*SentimentCorrection, error)
}

// CheckSentimentLabel names a bad label.
func CheckSentimentLabel(label string) error {
	var v Validator
	v.Check(label == SentimentNegative || label == SentimentPositive, "label", "must be negative or positive")
	return v.Err()
}
