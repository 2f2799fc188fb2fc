package aftersales

import (
	"context"
	"time"
)

// TextQuery selects the analysed tickets created in [From, To), optionally
// in one scope (Filter = Value, as the dashboard filters), for the voice of
// the customer: top terms, rising terms and the sentiment trend.
type TextQuery struct {
	From   time.Time
	To     time.Time
	Filter Dimension
	Value  string
	Grain  Grain // of the sentiment trend; week by default
	Limit  int   // terms returned; 20 by default, at most 200
	// Alpha is the false discovery rate of the rising-term test (0.05 by
	// default), MinCount the fewest tickets, both periods together, a term
	// needs to be tested (5 by default).
	Alpha    float64
	MinCount int
}

// Validate checks the query and fills its defaults.
func (q *TextQuery) Validate() error {
	var v Validator
	switch {
	case q.From.IsZero() || q.To.IsZero():
		v.Add("from", "from and to are required")
	case !q.To.After(q.From):
		v.Add("to", "must be after from")
	case q.To.Sub(q.From) > 5*366*24*time.Hour:
		v.Add("to", "the range is longer than 5 years")
	}
	v.Check(q.Filter == "" || q.Filter.Valid(), "filter", "unknown dimension")
	v.Check((q.Filter == "") == (q.Value == ""), "value", "a filter needs both a dimension and a value")
	if q.Grain == "" {
		q.Grain = GrainWeek
	}
	v.Check(q.Grain.Valid(), "grain", "must be day, week, month or quarter")
	if q.Limit == 0 {
		q.Limit = 20
	}
	v.Check(q.Limit > 0 && q.Limit <= 200, "limit", "must be between 1 and 200")
	if q.Alpha == 0 {
		q.Alpha = 0.05
	}
	v.Check(q.Alpha > 0 && q.Alpha < 1, "alpha", "must be between 0 and 1")
	if q.MinCount == 0 {
		q.MinCount = 5
	}
	v.Check(q.MinCount >= 1, "min_count", "must be at least 1")
	return v.Err()
}

// TermCount is a term and the number of analysed tickets in the selection
// whose customer text holds it.
type TermCount struct {
	Term    string  `json:"term"`
	Tickets int     `json:"tickets"`
	Share   float64 `json:"share"` // Tickets ÷ analysed tickets in the selection
}

// TopTerms are the most frequent terms of a selection.
type TopTerms struct {
	Analysed int         `json:"analysed"` // analysed tickets in the selection
	Terms    []TermCount `json:"terms"`
}

// RisingTerm is a term whose share of tickets rose from the previous
// period of the same length to the selected one, with Dunning's G² test
// and its Benjamini–Hochberg q-value over every term tested.
type RisingTerm struct {
	Term        string  `json:"term"`
	Before      int     `json:"before"` // tickets with the term in the previous period
	After       int     `json:"after"`  // and in the selected period
	ShareBefore float64 `json:"share_before"`
	ShareAfter  float64 `json:"share_after"`
	G2          float64 `json:"g2"`
	P           float64 `json:"p"`
	Q           float64 `json:"q"`
}

// RisingTerms compares the selected period with the one before it.
type RisingTerms struct {
	PreviousFrom time.Time    `json:"previous_from"`
	Before       int          `json:"before"` // analysed tickets in the previous period
	After        int          `json:"after"`  // and in the selected one
	Alpha        float64      `json:"alpha"`
	Tested       int          `json:"tested"` // terms tested
	Terms        []RisingTerm `json:"terms"`
}

// SentimentPoint is one period of the sentiment trend: analysed tickets
// created in it, how many read negative, neutral and positive, the negative
// share and the mean score.
type SentimentPoint struct {
	Period        time.Time `json:"period"`
	Analysed      int       `json:"analysed"`
	Negative      int       `json:"negative"`
	Neutral       int       `json:"neutral"`
	Positive      int       `json:"positive"`
	NegativeShare *float64  `json:"negative_share"` // null without analysed tickets
	MeanScore     *float64  `json:"mean_score"`
}

// TermPeriod is what one period's tickets say: Docs analysed tickets and,
// per term, the tickets holding it.
type TermPeriod struct {
	Docs   int
	Counts map[string]int
}

// TextKeyword is a keyword of one text with its TF-IDF score.
type TextKeyword struct {
	Term  string  `json:"term"`
	Score float64 `json:"score"`
}

// MessageSentiment is the sentiment of one customer message.
type MessageSentiment struct {
	EventID   int64   `json:"event_id"`
	Sentiment float64 `json:"sentiment"`
	Polarity  int     `json:"polarity"`
}

// TicketText is what the analysis stored for one ticket.
type TicketText struct {
	TicketID  int64   `json:"ticket_id"`
	Sentiment float64 `json:"sentiment"`
	Polarity  int     `json:"polarity"` // -1 negative, 0 neutral, 1 positive
	Positive  int     `json:"positive"` // sentiment words counted positive
	Negative  int     `json:"negative"`
	Method    string  `json:"method" enum:"lexicon,model,agent" doc:"lexicon: the lexicon; model: the trained model of model_version; agent: a person's correction"`
	// ModelVersion is the sentiment model version active when the text was
	// scored (0: none was).
	ModelVersion int64 `json:"model_version"`
	// Correction is a person's label, which the stored score follows.
	Correction *SentimentCorrection `json:"correction,omitempty"`
	Keywords   []TextKeyword        `json:"keywords"`
	Messages   []MessageSentiment   `json:"messages"`
	AnalysedAt time.Time            `json:"analysed_at"`
}

// TextSource is a ticket's customer text waiting for analysis: title and
// description, and each customer message.
type TextSource struct {
	TicketID    int64
	Gen         int64
	Title       string
	Description string
	Messages    []TextMessage
}

// TextMessage is one customer message.
type TextMessage struct {
	EventID int64
	Body    string
}

// TextAnalysis is the analysis of one TextSource, to be stored.
type TextAnalysis struct {
	TicketID int64
	Gen      int64
	Terms    []string // distinct terms of the whole text
	Text     TicketText
}

// TermAlertRule watches the terms of one scope per week or month: a term
// rising significantly (q ≤ Alpha) against the previous period opens an
// improvement item with the term's tickets linked as evidence.
type TermAlertRule struct {
	ID        int64     `json:"id"`
	Dim       Dimension `json:"dim"`
	Value     string    `json:"value"`
	Grain     Grain     `json:"grain"`
	Alpha     float64   `json:"alpha"`
	MinCount  int       `json:"min_count"`
	Active    bool      `json:"active"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks a rule and fills its defaults.
func (r *TermAlertRule) Validate() error {
	var v Validator
	v.Check(r.Dim == "" || r.Dim.Valid(), "dim", "unknown dimension")
	v.Check((r.Dim == "") == (r.Value == ""), "value", "a scope needs both a dimension and a value")
	v.Check(r.Grain == GrainWeek || r.Grain == GrainMonth, "grain", "must be week or month")
	if r.Alpha == 0 {
		r.Alpha = 0.05
	}
	v.Check(r.Alpha > 0 && r.Alpha < 1, "alpha", "must be between 0 and 1")
	if r.MinCount == 0 {
		r.MinCount = 5
	}
	v.Check(r.MinCount >= 1, "min_count", "must be at least 1")
	return v.Err()
}

// TextService is the voice of the customer: what customers write, read
// from the stored analyses. Reads see the tickets the caller may see.
type TextService interface {
	TopTerms(ctx context.Context, q TextQuery) (*TopTerms, error)
	RisingTerms(ctx context.Context, q TextQuery) (*RisingTerms, error)
	SentimentTrend(ctx context.Context, q TextQuery) ([]SentimentPoint, error)
	TicketText(ctx context.Context, id int64) (*TicketText, error)
	TextPending(ctx context.Context) (int64, error)
	TermAlertRules(ctx context.Context) ([]*TermAlertRule, error)
	SaveTermAlertRule(ctx context.Context, r *TermAlertRule) error
}
