// Package topics owns the topics of complaint texts (issue #21): it takes
// the tickets of a scope and period, clusters their texts with textan,
// gives each cluster the identity of the stored topic it matches (so a
// topic keeps its id and name across runs) and stores the run. It also
// keeps the shared segmenter's domain dictionary current with the stored
// one, on every instance, through the configuration stamp.
//
// It holds no SQL and no HTTP: the stores come in as interfaces.
package topics

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"aftersales"
	"aftersales/internal/textan"
)

// Criterion says how a run chooses k; the API and page show it.
const Criterion = "silhouette"

// Service runs topic clustering. Create it with its fields set; it is safe
// for concurrent use (runs are serialised: two runs at once could both
// create the same new topic).
type Service struct {
	Store   aftersales.TopicStore
	Tickets aftersales.TicketService
	Items   aftersales.ImprovementService
	Seg     *textan.Segmenter
	Stop    *textan.Stopwords
	Zone    *time.Location
	Now     func() time.Time
	// Config is the clustering; zero takes textan.DefaultClusterConfig.
	Config *textan.ClusterConfig
	// MaxTickets bounds one run (the newest are taken); 0 means 5000.
	MaxTickets int
	// MinSimilarity is the cosine similarity of top terms at which a new
	// cluster is the stored topic; 0 means 0.5.
	MinSimilarity float64

	run   sync.Mutex
	dict  sync.Mutex
	stamp int64
	ready bool
}

// Backend is what the service runs on: the database's stores.
type Backend interface {
	aftersales.TopicStore
	aftersales.TicketService
	aftersales.ImprovementService
}

// New returns a service over db that segments with seg (the process's
// shared segmenter, whose dictionary loads on the first text).
func New(db Backend, seg *textan.Segmenter, zone *time.Location, now func() time.Time) *Service {
	return &Service{Store: db, Tickets: db, Items: db, Seg: seg, Stop: textan.DefaultStopwords(), Zone: zone, Now: now}
}

// SyncDictionary installs the stored dictionary in the segmenter when the
// configuration stamp says it changed since the last call.
func (s *Service) SyncDictionary(ctx context.Context) error {
	stamp, err := s.Store.DictionaryStamp(ctx)
	if err != nil {
		return err
	}
	s.dict.Lock()
	defer s.dict.Unlock()
	if s.ready && stamp == s.stamp {
		return nil
	}
	words, err := s.Store.Dictionary(ctx)
	if err != nil {
		return err
	}
	ws := make([]textan.Word, len(words))
	for i, w := range words {
		ws[i] = textan.Word{Text: w.Word, Freq: w.Freq, POS: "n"}
	}
	if err := s.Seg.SetWords(ws); err != nil {
		return fmt.Errorf("topics: install the dictionary: %w", err)
	}
	s.stamp, s.ready = stamp, true
	return nil
}

func (s *Service) config() textan.ClusterConfig {
	if s.Config != nil {
		return *s.Config
	}
	return textan.DefaultClusterConfig()
}

// Text is what a ticket says: its title and description.
func Text(t *aftersales.Ticket) string { return t.Title + "\n" + t.Description }

// RunTopics clusters the tickets matching f (cursor, sort and limit ignored),
// stores the topics and returns them largest first.
func (s *Service) RunTopics(ctx context.Context, f aftersales.TicketFilter) (*aftersales.TopicRun, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	if err := s.SyncDictionary(ctx); err != nil {
		return nil, err
	}
	tickets, truncated, err := s.load(ctx, f)
	if err != nil {
		return nil, err
	}
	docs := make([][]string, len(tickets))
	for i, t := range tickets {
		if docs[i], err = s.Seg.Terms(Text(t), s.Stop); err != nil {
			return nil, err
		}
	}
	cfg := s.config()
	res, err := textan.Cluster(docs, cfg)
	if err != nil {
		return nil, err
	}
	out := &aftersales.TopicRun{Tickets: len(tickets), Truncated: truncated, K: res.K, Criterion: Criterion, Topics: []*aftersales.TextTopic{}}
	for _, sc := range res.Scores {
		out.Scores = append(out.Scores, aftersales.TopicScore{K: sc.K, Silhouette: sc.Silhouette})
	}
	for _, a := range res.Assign {
		if a >= 0 {
			out.Clustered++
		}
	}
	if len(res.Topics) == 0 {
		return out, nil
	}

	s.run.Lock()
	defer s.run.Unlock()
	stored, err := s.Store.StoredTopics(ctx)
	if err != nil {
		return nil, err
	}
	sigs := make([]textan.TopicSignature, len(stored))
	for i, st := range stored {
		sigs[i] = signature(st.Terms)
	}
	next := make([]textan.TopicSignature, len(res.Topics))
	for j, tp := range res.Topics {
		next[j] = textan.TopicSignature(tp.Terms)
	}
	minSim := s.MinSimilarity
	if minSim == 0 {
		minSim = 0.5
	}
	match := textan.MatchTopics(sigs, next, minSim)
	now := s.Now()
	run := make([]aftersales.TopicAssignment, len(res.Topics))
	for j, tp := range res.Topics {
		terms := topicTerms(tp.Terms)
		rec := &aftersales.TopicRecord{Name: textan.TopicName(tp.Terms), Terms: terms, FirstSeen: now, LastSeen: now}
		if i := match[j]; i >= 0 {
			rec.ID, rec.Name, rec.FirstSeen = stored[i].ID, stored[i].Name, stored[i].FirstSeen
		}
		ids := make([]int64, len(tp.Docs))
		for k, d := range tp.Docs {
			ids[k] = tickets[d].ID
		}
		run[j] = aftersales.TopicAssignment{Topic: rec, Tickets: ids}
	}
	if err := s.Store.SaveTopicRun(ctx, run); err != nil {
		return nil, err
	}
	periods := weeks(tickets, s.Zone)
	for j, tp := range res.Topics {
		rec := run[j].Topic
		t := &aftersales.TextTopic{ID: rec.ID, Name: rec.Name, Terms: rec.Terms, Size: tp.Size,
			Share: float64(tp.Size) / float64(out.Clustered), FirstSeen: rec.FirstSeen, LastSeen: rec.LastSeen}
		counts := map[string]int{}
		for _, d := range tp.Docs {
			counts[weekOf(tickets[d].CreatedAt, s.Zone)]++
		}
		for _, p := range periods {
			t.Trend = append(t.Trend, aftersales.TopicPoint{Period: p, Count: counts[p]})
		}
		t.Examples = []aftersales.TopicExample{}
		for _, d := range tp.Examples {
			tk := tickets[d]
			t.Examples = append(t.Examples, aftersales.TopicExample{TicketID: tk.ID, Number: tk.Number, Title: tk.Title})
		}
		out.Topics = append(out.Topics, t)
	}
	return out, nil
}

// load pages through the tickets of f, newest first, up to the bound.
func (s *Service) load(ctx context.Context, f aftersales.TicketFilter) ([]*aftersales.Ticket, bool, error) {
	max := s.MaxTickets
	if max == 0 {
		max = 5000
	}
	f.Cursor, f.Count, f.Sort, f.Limit = "", false, "", aftersales.MaxListLimit
	var out []*aftersales.Ticket
	for {
		page, err := s.Tickets.ListTickets(ctx, f)
		if err != nil {
			return nil, false, err
		}
		out = append(out, page.Tickets...)
		if len(out) >= max {
			return out[:max], len(out) > max || page.NextCursor != "", nil
		}
		if page.NextCursor == "" {
			return out, false, nil
		}
		f.Cursor = page.NextCursor
	}
}

func signature(ts []aftersales.TopicTerm) textan.TopicSignature {
	out := make(textan.TopicSignature, len(ts))
	for i, t := range ts {
		out[i] = textan.Keyword{Term: t.Term, Score: t.Weight}
	}
	return out
}

func topicTerms(ks []textan.Keyword) []aftersales.TopicTerm {
	out := make([]aftersales.TopicTerm, len(ks))
	for i, k := range ks {
		out[i] = aftersales.TopicTerm{Term: k.Term, Weight: k.Score}
	}
	return out
}

// weekOf is the local Monday of t's week, YYYY-MM-DD.
func weekOf(t time.Time, zone *time.Location) string {
	l := t.In(zone)
	d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, zone)
	back := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -back).Format(time.DateOnly)
}

// weeks lists every week from the first ticket's to the last's.
func weeks(ts []*aftersales.Ticket, zone *time.Location) []string {
	if len(ts) == 0 {
		return nil
	}
	lo, hi := ts[0].CreatedAt, ts[0].CreatedAt
	for _, t := range ts {
		if t.CreatedAt.Before(lo) {
			lo = t.CreatedAt
		}
		if t.CreatedAt.After(hi) {
			hi = t.CreatedAt
		}
	}
	var out []string
	last := weekOf(hi, zone)
	d, _ := time.ParseInLocation(time.DateOnly, weekOf(lo, zone), zone)
	for {
		w := d.Format(time.DateOnly)
		out = append(out, w)
		if w >= last || len(out) > 520 {
			break
		}
		d = d.AddDate(0, 0, 7)
	}
	return slices.Clip(out)
}

// OpenTopicItem opens an improvement item for a topic with the topic's tickets
// in scope f linked as evidence; describe gives the item's title and
// description in the user's language from the topic and its ticket count.
func (s *Service) OpenTopicItem(ctx context.Context, topicID int64, f aftersales.TicketFilter,
	describe func(t *aftersales.TopicRecord, tickets int) (title, description string)) (*aftersales.ImprovementItem, error) {
	rec, err := s.Store.TopicRecord(ctx, topicID)
	if err != nil {
		return nil, err
	}
	f.TopicID = topicID
	tickets, _, err := s.load(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(tickets) == 0 {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The topic has no tickets in this scope.",
			Fields: []aftersales.FieldError{{Field: "topic", Reason: "has no tickets in this scope"}}}
	}
	ids := make([]int64, len(tickets))
	for i, t := range tickets {
		ids[i] = t.ID
	}
	in := aftersales.ItemInput{Source: aftersales.SourceComplaints, Tickets: ids}
	in.Title, in.Description = describe(rec, len(ids))
	in.Normalize()
	return s.Items.CreateItem(ctx, in)
}

// TopicDetail returns a stored topic and a page of its tickets in scope f.
func (s *Service) TopicDetail(ctx context.Context, id int64, f aftersales.TicketFilter) (*aftersales.TopicDetail, error) {
	rec, err := s.Store.TopicRecord(ctx, id)
	if err != nil {
		return nil, err
	}
	f.TopicID = id
	page, err := s.Tickets.ListTickets(ctx, f)
	if err != nil {
		return nil, err
	}
	return &aftersales.TopicDetail{Topic: rec, Tickets: page}, nil
}

// Dictionary lists the domain dictionary.
func (s *Service) Dictionary(ctx context.Context) ([]*aftersales.DictWord, error) {
	return s.Store.Dictionary(ctx)
}

// CreateDictWord adds a word and installs the dictionary at once here
// (other instances at their next run through the stamp).
func (s *Service) CreateDictWord(ctx context.Context, in aftersales.DictWordInput) (*aftersales.DictWord, error) {
	w, err := s.Store.CreateDictWord(ctx, in)
	return w, s.synced(ctx, err)
}

// UpdateDictWord changes a word.
func (s *Service) UpdateDictWord(ctx context.Context, id, version int64, in aftersales.DictWordInput) (*aftersales.DictWord, error) {
	w, err := s.Store.UpdateDictWord(ctx, id, version, in)
	return w, s.synced(ctx, err)
}

// DeleteDictWord removes a word.
func (s *Service) DeleteDictWord(ctx context.Context, id int64) error {
	return s.synced(ctx, s.Store.DeleteDictWord(ctx, id))
}

// ImportDictionary adds or replaces words, all or nothing.
func (s *Service) ImportDictionary(ctx context.Context, words []aftersales.DictWordInput) (int, error) {
	n, err := s.Store.ImportDictionary(ctx, words)
	return n, s.synced(ctx, err)
}

func (s *Service) synced(ctx context.Context, err error) error {
	if err != nil {
		return err
	}
	return s.SyncDictionary(ctx)
}

var _ aftersales.TopicService = (*Service)(nil)
