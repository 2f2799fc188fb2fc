package aftersales

import (
	"context"
	"time"
)

// The ticket fields a text model suggests from the subject and description.
const (
	SuggestNature   = "nature"
	SuggestCategory = "category_id" // the value is the category's id
	SuggestUrgency  = "urgency"
)

// SuggestFields lists the fields a model can be trained for.
var SuggestFields = []string{SuggestNature, SuggestCategory, SuggestUrgency}

// ClassifiedPrefix starts the body of the timeline entry of a suggestion
// applied at creation: a field_changed event without an actor whose Field
// and To name the field and value, and whose Body is
// "classified v<model version> <confidence>".
const ClassifiedPrefix = "classified "

// Suggestion states.
const (
	SuggestionApplied   = "applied"   // applied at creation, above the field's threshold
	SuggestionPending   = "pending"   // below the threshold: waiting for a person
	SuggestionAccepted  = "accepted"  // a person accepted it
	SuggestionRejected  = "rejected"  // a person rejected it
	SuggestionCorrected = "corrected" // a person set the field to another value
)

// Suggestion is what a model proposed for one field of a ticket and what
// became of it.
type Suggestion struct {
	ID           int64      `json:"id"`
	TicketID     int64      `json:"ticket_id"`
	Field        string     `json:"field" enum:"nature,category_id,urgency"`
	Value        string     `json:"value"`
	Confidence   float64    `json:"confidence"`
	ModelID      int64      `json:"model_id"`
	ModelVersion int64      `json:"model_version"`
	Status       string     `json:"status" enum:"applied,pending,accepted,rejected,corrected"`
	FinalValue   string     `json:"final_value,omitempty" doc:"The value a person chose instead (corrected)"`
	DecidedBy    *int64     `json:"decided_by,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// Predicted is a suggestion as routing sees it.
type Predicted struct {
	Value      string
	Confidence float64
}

// SuggestionCondition makes a routing rule match on a new ticket's
// suggestion for a field (applied or not) with at least a confidence.
type SuggestionCondition struct {
	Field         string   `json:"field" enum:"nature,category_id,urgency"`
	Values        []string `json:"values" minItems:"1" doc:"Any of these values (category ids as decimal strings)"`
	MinConfidence float64  `json:"min_confidence" minimum:"0" maximum:"1"`
}

// Matches reports whether the suggestions satisfy the condition.
func (c *SuggestionCondition) Matches(s map[string]Predicted) bool {
	if c == nil {
		return true
	}
	p, ok := s[c.Field]
	return ok && p.Confidence >= c.MinConfidence && oneOf(p.Value, c.Values)
}

func (c *SuggestionCondition) validate(v *Validator) {
	if c == nil {
		return
	}
	v.Check(oneOf(c.Field, SuggestFields), "suggestion.field", "must be one of nature, category_id, urgency")
	v.Check(len(c.Values) > 0, "suggestion.values", "must name at least one value")
	v.Check(c.MinConfidence >= 0 && c.MinConfidence <= 1, "suggestion.min_confidence", "must be between 0 and 1")
}

// Model states and the reasons a candidate is refused.
const (
	ModelActive  = "active"
	ModelRetired = "retired"
	ModelRefused = "refused"

	RefusedWorse   = "worse"     // its macro-F1 is below the active model's
	RefusedTooFew  = "too_few"   // fewer labelled tickets than MinTrainingTexts
	RefusedOneOnly = "one_class" // every labelled ticket has the same value
	// RefusedBelowLexicon: a sentiment model whose stored score would be
	// less accurate than the lexicon alone on its held-out texts.
	RefusedBelowLexicon = "below_lexicon"
)

// MinTrainingTexts is the fewest labelled tickets a model trains on.
const MinTrainingTexts = 20

// ClassScore is one class's held-out scores.
type ClassScore struct {
	Class     string  `json:"class"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// TextModel is one trained version of a field's classifier, with its
// cross-validated scores.
type TextModel struct {
	ID        int64     `json:"id"`
	Field     string    `json:"field" enum:"nature,category_id,urgency"`
	Version   int64     `json:"version"`
	Status    string    `json:"status" enum:"active,retired,refused"`
	TrainedAt time.Time `json:"trained_at"`
	TrainedBy *int64    `json:"trained_by,omitempty"`
	Docs      int       `json:"docs" doc:"Labelled tickets trained on"`
	Folds     int       `json:"folds"`
	Accuracy  float64   `json:"accuracy"`
	MacroF1   float64   `json:"macro_f1"`
	// ComparedF1 is the active model's macro-F1 when this one was trained.
	ComparedF1 *float64     `json:"compared_f1,omitempty"`
	Reason     string       `json:"reason,omitempty" enum:"worse,too_few,one_class" doc:"Why it was refused"`
	PerClass   []ClassScore `json:"per_class"`
	// Confusion[i][j] counts held-out tickets of class i predicted as j,
	// classes in PerClass order.
	Confusion [][]int `json:"confusion"`
}

// TextClassService suggests ticket fields from their text and trains the
// models that do.
type TextClassService interface {
	ListSuggestions(ctx context.Context, ticketID int64) ([]*Suggestion, error)
	// DecideSuggestion accepts (applying the value) or rejects a pending
	// or applied suggestion.
	DecideSuggestion(ctx context.Context, ticketID int64, field string, accept bool) (*Suggestion, error)
	ListTextModels(ctx context.Context, field string) ([]*TextModel, error)
	FindTextModel(ctx context.Context, id int64) (*TextModel, error)
	// TrainTextModel trains a new version for field on the labelled
	// tickets and activates it unless it is worse than the active one.
	TrainTextModel(ctx context.Context, field string) (*TextModel, error)
	// RequestTraining asks the background job to train field's model.
	RequestTraining(ctx context.Context, field string) error
	TrainingRequested(ctx context.Context) ([]string, error)
	SuggestThresholds(ctx context.Context) (map[string]float64, error)
	SetSuggestThreshold(ctx context.Context, field string, threshold float64) error
}

// CheckSuggestField names a bad field.
func CheckSuggestField(field string) error {
	var v Validator
	v.Check(oneOf(field, SuggestFields), "field", "must be one of nature, category_id, urgency")
	return v.Err()
}
