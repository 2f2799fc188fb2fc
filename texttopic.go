package aftersales

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DictKinds are the kinds of domain dictionary words.
var DictKinds = []string{"product", "model", "fault", "service"}

// DictWord is a word of the company's domain dictionary: a product or
// model name, a fault or service term the segmenter keeps whole.
type DictWord struct {
	ID        int64     `json:"id"`
	Word      string    `json:"word"`
	Kind      string    `json:"kind" enum:"product,model,fault,service"`
	Freq      float64   `json:"freq" doc:"Segmenter frequency; 0 takes the default, which makes the word win over its parts"`
	Note      string    `json:"note,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DictWordInput is what an admin sets on a dictionary word.
type DictWordInput struct {
	Word string  `json:"word" minLength:"1" maxLength:"50"`
	Kind string  `json:"kind" enum:"product,model,fault,service"`
	Freq float64 `json:"freq,omitempty" minimum:"0" maximum:"1000000"`
	Note string  `json:"note,omitempty" maxLength:"500"`
}

// Normalize trims the input.
func (in *DictWordInput) Normalize() {
	in.Word, in.Kind, in.Note = strings.TrimSpace(in.Word), strings.TrimSpace(in.Kind), strings.TrimSpace(in.Note)
}

// Validate checks a word without the database.
func (in *DictWordInput) Validate() error {
	var v Validator
	v.Check(in.Word != "", "word", "is required")
	v.Check(utf8.RuneCountInString(in.Word) <= 50, "word", "must be at most 50 characters")
	v.Check(!strings.ContainsFunc(in.Word, unicode.IsSpace), "word", "must not contain spaces")
	v.Check(oneOf(in.Kind, DictKinds), "kind", "must be product, model, fault or service")
	v.Check(in.Freq >= 0 && in.Freq <= 1e6, "freq", "must be between 0 and 1000000")
	v.Check(utf8.RuneCountInString(in.Note) <= 500, "note", "must be at most 500 characters")
	return v.Err()
}

// TopicTerm is one term of a topic with its weight in the topic's centre.
type TopicTerm struct {
	Term   string  `json:"term"`
	Weight float64 `json:"weight"`
}

// TopicPoint is a topic's ticket count in one period of its trend.
type TopicPoint struct {
	Period string `json:"period" doc:"Local start day of the week, YYYY-MM-DD"`
	Count  int    `json:"count"`
}

// TopicExample is a ticket close to a topic's centre.
type TopicExample struct {
	TicketID int64  `json:"ticket_id"`
	Number   string `json:"number"`
	Title    string `json:"title"`
}

// TextTopic is a cluster of complaint texts: a stored identity (id, name,
// signature) and, for one run, its size, trend and examples.
type TextTopic struct {
	ID        int64          `json:"id"`
	Name      string         `json:"name"`
	Terms     []TopicTerm    `json:"terms"`
	Size      int            `json:"size" doc:"Tickets of the scope in the topic"`
	Share     float64        `json:"share" doc:"Size over the tickets clustered"`
	Trend     []TopicPoint   `json:"trend"`
	Examples  []TopicExample `json:"examples"`
	FirstSeen time.Time      `json:"first_seen"`
	LastSeen  time.Time      `json:"last_seen"`
}

// TopicRun is the outcome of clustering one scope and period.
type TopicRun struct {
	Tickets   int          `json:"tickets" doc:"Tickets in the scope"`
	Clustered int          `json:"clustered" doc:"Tickets with text enough to cluster"`
	Truncated bool         `json:"truncated" doc:"Set when the scope had more tickets than one run takes (the newest are taken)"`
	K         int          `json:"k"`
	Criterion string       `json:"criterion" doc:"How k was chosen"`
	Scores    []TopicScore `json:"scores"`
	Topics    []*TextTopic `json:"topics"`
}

// TopicScore is the silhouette reached with k clusters.
type TopicScore struct {
	K          int     `json:"k"`
	Silhouette float64 `json:"silhouette"`
}

// TopicRecord is a topic as the store keeps it between runs.
type TopicRecord struct {
	ID        int64
	Name      string
	Terms     []TopicTerm
	FirstSeen time.Time
	LastSeen  time.Time
}

// TopicAssignment is what one run stores: topics (ID 0 for a new one, whose
// ID the store fills in) and, per topic, its tickets.
type TopicAssignment struct {
	Topic   *TopicRecord
	Tickets []int64
}

// TopicStore keeps topics and the domain dictionary.
type TopicStore interface {
	Dictionary(ctx context.Context) ([]*DictWord, error)
	CreateDictWord(ctx context.Context, in DictWordInput) (*DictWord, error)
	UpdateDictWord(ctx context.Context, id, version int64, in DictWordInput) (*DictWord, error)
	DeleteDictWord(ctx context.Context, id int64) error
	// ImportDictionary adds or replaces words by their text, all or nothing.
	ImportDictionary(ctx context.Context, words []DictWordInput) (int, error)
	// DictionaryStamp changes whenever the dictionary (or other
	// configuration) changes, on every instance sharing the database.
	DictionaryStamp(ctx context.Context) (int64, error)
	StoredTopics(ctx context.Context) ([]*TopicRecord, error)
	// SaveTopicRun stores a run's topics and moves its tickets to them.
	SaveTopicRun(ctx context.Context, run []TopicAssignment) error
	TopicRecord(ctx context.Context, id int64) (*TopicRecord, error)
}
