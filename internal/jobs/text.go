package jobs

import (
	"context"
	"slices"

	"aftersales"
	"aftersales/internal/textan"
)

// TextStore is what the text analysis needs from the store.
type TextStore interface {
	PendingTexts(ctx context.Context, limit int) ([]aftersales.TextSource, error)
	TextDF(ctx context.Context, terms []string) (docs int, counts map[string]int, err error)
	SaveTextAnalyses(ctx context.Context, as []aftersales.TextAnalysis) (int, error)
	// ActiveSentiment is the active trained sentiment model, nil while
	// none is; RequeueSentiment queues every analysed ticket once per
	// model version, so a new model re-scores them in the background.
	ActiveSentiment(ctx context.Context) (*textan.SentimentModel, error)
	RequeueSentiment(ctx context.Context, version int64) (int64, error)
}

// TextBatch is how many tickets one analysis pass reads and analyses.
const TextBatch = 500

// TextWriteBatch is how many analyses one write transaction stores. The
// segmenting and scoring happen before any transaction; the writes go in
// short transactions of at most this many tickets, so that the desk's
// creates and updates wait for one of them at most (the one writer on
// SQLite, the queue and rollup-queue rows on PostgreSQL), never for the
// whole pass.
const TextWriteBatch = 50

// AnalyseTexts analyses up to limit queued tickets: it segments each text,
// reads the document frequencies of the batch's terms once, scores
// keywords and sentiment, and stores the results in transactions of at
// most TextWriteBatch tickets. The keywords of a batch are scored against
// the frequencies before it. It returns how many analyses it stored: a
// ticket whose text changed after it was read stays queued (the store
// checks).
//
// Each pass scores sentiment with the model active when it starts; the
// first pass under a new model (or back to the lexicon) queues every
// analysed ticket again.
func AnalyseTexts(ctx context.Context, s TextStore, a *textan.Analyser, limit int) (int, error) {
	_, n, err := analyseTexts(ctx, s, a, limit)
	return n, err
}

// analyseTexts is AnalyseTexts that also reports how many queued tickets
// it read: a full read means more may wait.
func analyseTexts(ctx context.Context, s TextStore, a *textan.Analyser, limit int) (read, stored int, err error) {
	sm, err := s.ActiveSentiment(ctx)
	if err != nil {
		return 0, 0, err
	}
	var version int64
	if sm != nil {
		version = sm.Version
	}
	if _, err := s.RequeueSentiment(ctx, version); err != nil {
		return 0, 0, err
	}
	withModel := *a
	withModel.Sentiment = sm
	a = &withModel
	srcs, err := s.PendingTexts(ctx, limit)
	if err != nil || len(srcs) == 0 {
		return 0, 0, err
	}
	terms := make([][]string, len(srcs))
	var all []string
	for i, src := range srcs {
		if terms[i], err = a.Terms(textan.CustomerText(src)); err != nil {
			return 0, 0, err
		}
		all = append(all, terms[i]...)
	}
	docs, counts, err := s.TextDF(ctx, all)
	if err != nil {
		return 0, 0, err
	}
	df := &textan.DF{Docs: docs, Count: counts}
	out := make([]aftersales.TextAnalysis, len(srcs))
	for i, src := range srcs {
		if out[i], err = a.Analyse(src, terms[i], df); err != nil {
			return 0, 0, err
		}
	}
	for chunk := range slices.Chunk(out, TextWriteBatch) {
		n, err := s.SaveTextAnalyses(ctx, chunk)
		stored += n
		if err != nil {
			return len(srcs), stored, err
		}
	}
	return len(srcs), stored, nil
}

// AnalyseTextsJob returns the periodic job for Every: a full batch asks
// for another pass at once, so a backlog (an import, the demo) drains.
func AnalyseTextsJob(s TextStore, a *textan.Analyser) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		n, _, err := analyseTexts(ctx, s, a, TextBatch)
		return n >= TextBatch, err
	}
}

// WriteLoad is how the store tells that requests queue for its writer
// (sqlstore.DB.QueuedWrites): a count that only grows.
type WriteLoad interface {
	QueuedWrites() uint64
}

// BusyWrites is how many request writes may have queued for the writer
// since the previous pass before a background job counts the writer as
// saturated (YieldToWrites). A desk's own creates seldom queue at all:
// they queue behind one another only in a burst (an integration, a load
// test) of hundreds a second.
const BusyWrites = 50

// YieldToWrites wraps a job for Every that can lag (the text analysis)
// so that it yields to a burst of request writes without falling
// behind for good. While more than BusyWrites writes queued since its
// previous pass, it runs one pass per tick and asks for no other at
// once: one batch every interval, so its backlog grows during a burst
// but it always makes progress. Once the queue is quiet for a pass it
// chains passes again and drains the backlog at full speed. The count
// is this process's: on PostgreSQL another instance's creates do not
// make this one yield.
func YieldToWrites(w WriteLoad, job func(context.Context) (bool, error)) func(context.Context) (bool, error) {
	last := w.QueuedWrites()
	return func(ctx context.Context) (bool, error) {
		n := w.QueuedWrites()
		busy := n-last > BusyWrites
		last = n
		more, err := job(ctx)
		return more && !busy, err
	}
}

// AnalyseAllTexts drains the queue (the demo, tests, a command) and
// returns how many analyses it stored.
func AnalyseAllTexts(ctx context.Context, s TextStore, a *textan.Analyser) (int, error) {
	total := 0
	for {
		read, n, err := analyseTexts(ctx, s, a, TextBatch)
		total += n
		if err != nil || read < TextBatch {
			return total, err
		}
	}
}
