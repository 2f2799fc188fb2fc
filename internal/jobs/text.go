package jobs

import (
	"context"

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

// TextBatch is how many tickets one analysis pass reads.
const TextBatch = 500

// AnalyseTexts analyses up to limit queued tickets: it segments each text,
// reads the document frequencies of the batch's terms once, scores
// keywords and sentiment, and stores the batch in one transaction. The
// keywords of a batch are scored against the frequencies before it.
//
// Each pass scores sentiment with the model active when it starts; the
// first pass under a new model (or back to the lexicon) queues every
// analysed ticket again.
func AnalyseTexts(ctx context.Context, s TextStore, a *textan.Analyser, limit int) (int, error) {
	sm, err := s.ActiveSentiment(ctx)
	if err != nil {
		return 0, err
	}
	var version int64
	if sm != nil {
		version = sm.Version
	}
	if _, err := s.RequeueSentiment(ctx, version); err != nil {
		return 0, err
	}
	withModel := *a
	withModel.Sentiment = sm
	a = &withModel
	srcs, err := s.PendingTexts(ctx, limit)
	if err != nil || len(srcs) == 0 {
		return 0, err
	}
	terms := make([][]string, len(srcs))
	var all []string
	for i, src := range srcs {
		if terms[i], err = a.Terms(textan.CustomerText(src)); err != nil {
			return 0, err
		}
		all = append(all, terms[i]...)
	}
	docs, counts, err := s.TextDF(ctx, all)
	if err != nil {
		return 0, err
	}
	df := &textan.DF{Docs: docs, Count: counts}
	out := make([]aftersales.TextAnalysis, len(srcs))
	for i, src := range srcs {
		if out[i], err = a.Analyse(src, terms[i], df); err != nil {
			return 0, err
		}
	}
	return s.SaveTextAnalyses(ctx, out)
}

// AnalyseTextsJob returns the periodic job for Every: a full batch asks
// for another pass at once, so a backlog (an import, the demo) drains.
func AnalyseTextsJob(s TextStore, a *textan.Analyser) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		n, err := AnalyseTexts(ctx, s, a, TextBatch)
		return n >= TextBatch, err
	}
}

// AnalyseAllTexts drains the queue (the demo, tests, a command).
func AnalyseAllTexts(ctx context.Context, s TextStore, a *textan.Analyser) (int, error) {
	total := 0
	for {
		n, err := AnalyseTexts(ctx, s, a, TextBatch)
		total += n
		if err != nil || n < TextBatch {
			return total, err
		}
	}
}
