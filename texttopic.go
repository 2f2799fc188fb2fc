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
	v.Check(oneOf(in.Kind, DictKinds), "kind", "must be chosen from the list")
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
	ID        int64       `json:"id"`
	Name      string      `json:"name"`
	Terms     []TopicTerm `json:"terms"`
	FirstSeen time.Time   `json:"first_seen"`
	LastSeen  time.Time   `json:"last_seen"`
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

// TopicDetail is a stored topic with a page of its tickets in a scope.
type TopicDetail struct {
	Topic   *TopicRecord `json:"topic"`
	Tickets *TicketPage  `json:"tickets"`
}

// TopicService finds topics in complaint texts and keeps the domain
// dictionary the segmenter uses.
type TopicService interface {
	// RunTopics clusters the tickets matching f (cursor and limit
	// ignored) and stores the topics.
	RunTopics(ctx context.Context, f TicketFilter) (*TopicRun, error)
	// TopicDetail returns a stored topic and its tickets matching f.
	TopicDetail(ctx context.Context, id int64, f TicketFilter) (*TopicDetail, error)
	// OpenTopicItem opens an improvement item with the topic's tickets in
	// scope f linked; describe gives its title and description.
	OpenTopicItem(ctx context.Context, id int64, f TicketFilter, describe func(t *TopicRecord, tickets int) (title, description string)) (*ImprovementItem, error)
	Dictionary(ctx context.Context) ([]*DictWord, error)
	CreateDictWord(ctx context.Context, in DictWordInput) (*DictWord, error)
	UpdateDictWord(ctx context.Context, id, version int64, in DictWordInput) (*DictWord, error)
	DeleteDictWord(ctx context.Context, id int64) error
	ImportDictionary(ctx context.Context, words []DictWordInput) (int, error)
}

// TopicScope is the scope and period of a topic run, as the API and the
// page take it: local days from and to (both included), and the
// dashboard's dimensions. Nature defaults to complaint.
type TopicScope struct {
	From       string `query:"from" doc:"First local day, YYYY-MM-DD" example:"2026-11-01"`
	To         string `query:"to" doc:"Last local day (included), YYYY-MM-DD" example:"2026-11-30"`
	RegionID   int64  `query:"region_id" minimum:"0" doc:"Tickets of this service unit or any unit under it"`
	ProductID  int64  `query:"product_id" minimum:"0"`
	CategoryID int64  `query:"category_id" minimum:"0" doc:"Includes sub-categories"`
	Channel    string `query:"channel" enum:"phone,email,web,chat,social,api,import,walk_in,"`
	Nature     string `query:"nature" enum:"consultation,complaint,repair,installation,return,other," doc:"Default complaint"`
}

// Filter is the ticket filter of the scope in zone.
func (s TopicScope) Filter(zone *time.Location) (TicketFilter, error) {
	var v Validator
	f := TicketFilter{RegionID: s.RegionID, ProductID: s.ProductID, CategoryID: s.CategoryID}
	nat := Nature(s.Nature)
	if nat == "" {
		nat = NatureComplaint
	}
	v.Check(oneOf(string(nat), natureNames()), "nature", "must be chosen from the list")
	f.Nature = []Nature{nat}
	if s.Channel != "" {
		f.Channel = []Channel{Channel(s.Channel)}
	}
	for _, d := range []struct {
		name, s string
		dst     **time.Time
		add     int
	}{{"from", s.From, &f.CreatedFrom, 0}, {"to", s.To, &f.CreatedTo, 1}} {
		if d.s == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, d.s, zone)
		v.Check(err == nil, d.name, "must be a date, YYYY-MM-DD")
		t = t.AddDate(0, 0, d.add)
		*d.dst = &t
	}
	if f.CreatedFrom != nil && f.CreatedTo != nil {
		v.Check(f.CreatedFrom.Before(*f.CreatedTo), "to", "must not be before from")
	}
	return f, v.Err()
}

func natureNames() []string {
	out := make([]string, len(Natures))
	for i, n := range Natures {
		out[i] = string(n)
	}
	return out
}
