package textan

import (
	"math"
	"slices"
	"strings"

	"aftersales"
)

// Analyser turns a ticket's customer text into what the product stores:
// its distinct terms (for document frequencies, top and rising terms and
// the drill-down), its top keywords by TF-IDF against the company's own
// document frequencies, and lexicon sentiment for the whole text and for
// each customer message. It holds no state of its own beyond the shared
// segmenter, stopwords and lexicon.
type Analyser struct {
	Seg      *Segmenter
	Stop     *Stopwords
	Lex      *Lexicon
	Keywords int // keywords kept per ticket; 8 when 0
	// Sentiment is the active trained sentiment model, nil while none is:
	// the stored score is then CombineSentiment's, not the lexicon's.
	Sentiment *SentimentModel
}

// NewAnalyser returns an analyser with the built-in stopwords and lexicon.
func NewAnalyser(seg *Segmenter) *Analyser {
	return &Analyser{Seg: seg, Stop: DefaultStopwords(), Lex: DefaultLexicon()}
}

// CustomerText is what the customer wrote: title, description and each
// message, one per line.
func CustomerText(src aftersales.TextSource) string {
	parts := []string{src.Title, src.Description}
	for _, m := range src.Messages {
		parts = append(parts, m.Body)
	}
	return strings.Join(parts, "\n")
}

// Terms returns a text's index terms in order, repeats included.
func (a *Analyser) Terms(text string) ([]string, error) {
	return a.Seg.Terms(text, a.Stop)
}

// Distinct returns the distinct terms of two or more characters, sorted:
// what a document contributes to the document frequencies and the term
// index. Single characters say little and would dominate every count.
func Distinct(terms []string) []string {
	out := make([]string, 0, len(terms))
	for _, t := range terms {
		if len([]rune(t)) >= 2 {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Analyse scores one source whose terms were computed with Terms, against
// df (nil ranks keywords by term frequency alone).
func (a *Analyser) Analyse(src aftersales.TextSource, terms []string, df *DF) (aftersales.TextAnalysis, error) {
	k := a.Keywords
	if k == 0 {
		k = 8
	}
	out := aftersales.TextAnalysis{TicketID: src.TicketID, Gen: src.Gen, Terms: Distinct(terms)}
	s, err := a.Lex.Score(a.Seg, CustomerText(src))
	if err != nil {
		return out, err
	}
	score, pol, method, err := a.sentiment(s, CustomerText(src))
	if err != nil {
		return out, err
	}
	t := aftersales.TicketText{TicketID: src.TicketID, Sentiment: score, Polarity: pol,
		Positive: s.Positive, Negative: s.Negative, Method: method, Keywords: []aftersales.TextKeyword{}, Messages: []aftersales.MessageSentiment{}}
	if a.Sentiment != nil {
		t.ModelVersion = a.Sentiment.Version
	}
	for _, kw := range Keywords(terms, df, k) {
		t.Keywords = append(t.Keywords, aftersales.TextKeyword{Term: kw.Term, Score: round4(kw.Score)})
	}
	for _, m := range src.Messages {
		ms, err := a.Lex.Score(a.Seg, m.Body)
		if err != nil {
			return out, err
		}
		score, pol, _, err := a.sentiment(ms, m.Body)
		if err != nil {
			return out, err
		}
		t.Messages = append(t.Messages, aftersales.MessageSentiment{EventID: m.EventID, Sentiment: score, Polarity: pol})
	}
	out.Text = t
	return out, nil
}

// sentiment is a text's stored score, polarity and scorer: the lexicon's
// without a model, CombineSentiment's with one.
func (a *Analyser) sentiment(lex Sentiment, text string) (float64, int, string, error) {
	if a.Sentiment == nil {
		return round4(lex.Score), lex.Polarity(), aftersales.ScoredByLexicon, nil
	}
	m, known, err := Classifier{Model: a.Sentiment.Model, Seg: a.Seg, Stop: a.Stop}.ModelScore(text)
	if err != nil {
		return 0, 0, "", err
	}
	score := round4(CombineSentiment(lex.Score, m, known))
	method := aftersales.ScoredByModel
	if !known {
		method = aftersales.ScoredByLexicon
	}
	return score, Sentiment{Score: score}.Polarity(), method, nil
}

// round4 keeps four decimals, so a stored score reads back identical on
// both engines.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// RisingTest is RisingTerms over the product's types: the store counts
// the terms of both periods, this tests them.
func RisingTest(before, after aftersales.TermPeriod, alpha float64, minCount int) ([]aftersales.RisingTerm, error) {
	found, err := RisingTerms(Period{Docs: before.Docs, Counts: before.Counts}, Period{Docs: after.Docs, Counts: after.Counts}, alpha, minCount)
	if err != nil {
		return nil, err
	}
	out := make([]aftersales.RisingTerm, len(found))
	for i, r := range found {
		out[i] = aftersales.RisingTerm{Term: r.Term, Before: r.Before, After: r.After,
			ShareBefore: r.RateBefore, ShareAfter: r.RateAfter, G2: r.G2, P: r.P, Q: r.Q}
	}
	return out, nil
}
