package textan

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// The classes of a trained sentiment model.
const (
	SentimentNegative = "negative"
	SentimentPositive = "positive"
)

// SentimentLabel reads a label of a labelled file, a survey or a
// correction as negative or positive: 0/1 (the public corpora), the
// English and Chinese words, or ±1. Anything else is not a sentiment label.
func SentimentLabel(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "+1", "pos", "positive", "正面", "积极", "好评":
		return SentimentPositive, true
	case "0", "-1", "neg", "negative", "负面", "消极", "差评":
		return SentimentNegative, true
	}
	return "", false
}

// SentimentModel is an active trained sentiment model with its identity in
// the store: what the analysis combines with the lexicon, and what it
// records as the scorer.
type SentimentModel struct {
	ID      int64
	Version int64
	Model   *Model
}

// ModelScore is the model's sentiment of a text in [-1, 1]: 2p - 1 for the
// probability p of positive (for the two-class SVM, tanh of its margin),
// and whether the model knew any of the text's features; a text it knows
// nothing of gets the biases' score, which says nothing about the text.
func (c Classifier) ModelScore(text string) (score float64, known bool, err error) {
	i := slices.Index(c.Model.Classes, SentimentPositive)
	if i < 0 || len(c.Model.Classes) != 2 {
		return 0, false, fmt.Errorf("textan: not a sentiment model (classes %v)", c.Model.Classes)
	}
	v, err := c.feat().counts(text)
	if err != nil {
		return 0, false, err
	}
	m := c.Model
	v = weigh(v, m.idf, m.Config.Features.Sublinear)
	p := make([]float64, 2)
	m.probs(v, p)
	return 2*p[i] - 1, anyWeight(v), nil
}

func anyWeight(v Sparse) bool {
	for _, x := range v.Val {
		if x != 0 {
			return true
		}
	}
	return false
}

// CombineSentiment is the stored score of a text while a sentiment model
// is active: the model's score, and the lexicon's (squashed into [-1, 1]
// by tanh) for a text the model knows none of the features of. The rule
// was chosen by held-out accuracy on two public corpora (docs/BENCHMARKS.md)
// against two combinations that give the lexicon a say: the lexicon where
// the model is unsure (|score| < ConfidentScore) and the mean of the two
// scores. Both were less accurate than the model alone on both corpora, so
// the lexicon keeps only what the model cannot do. Its word counts are
// stored beside the score either way.
func CombineSentiment(lexicon, model float64, known bool) float64 {
	if known {
		return model
	}
	return math.Tanh(lexicon)
}

// ConfidentScore is where ConfidentSentiment takes the model alone:
// |2p - 1| at least 0.5, a probability of 0.75 for one side. Fixed in
// advance (three to one), not fitted to any file.
const ConfidentScore = 0.5

// ConfidentSentiment is a combination measured and not adopted: the model
// where it is confident, otherwise the lexicon where it found sentiment
// words, otherwise the model.
func ConfidentSentiment(lexicon, model float64) float64 {
	if math.Abs(model) >= ConfidentScore || lexicon == 0 {
		return model
	}
	return math.Tanh(lexicon)
}

// MeanSentiment is the other combination measured and not adopted: the
// mean of the model's score and the lexicon's squashed by tanh.
func MeanSentiment(lexicon, model float64) float64 {
	return (math.Tanh(lexicon) + model) / 2
}

// SentimentEval is the held-out comparison of the lexicon, the model and
// their combinations on a labelled set: the accuracy of each at telling the
// negative texts (score < 0) from the others, the decision the negative
// share KPI makes.
type SentimentEval struct {
	N         int     `json:"n"`
	Negative  int     `json:"negative"` // labelled negative
	Lexicon   float64 `json:"lexicon_accuracy"`
	Model     float64 `json:"model_accuracy"`
	Combined  float64 `json:"combined_accuracy"`  // CombineSentiment, the stored score
	Confident float64 `json:"confident_accuracy"` // ConfidentSentiment, measured and not adopted
	Mean      float64 `json:"mean_accuracy"`      // MeanSentiment, measured and not adopted
	// Sure is the share of texts the model scores at least ConfidentScore.
	Sure float64 `json:"model_sure_share"`
	// Unknown counts the texts the held-out model knew no feature of.
	Unknown int `json:"unknown"`
	// Metrics are the model's held-out scores as a classifier (the figures
	// a stored model carries, and the not-worse rule compares).
	Metrics Metrics `json:"model"`
}

// EvaluateSentiment cross-validates a sentiment model on texts labelled
// negative or positive (SentimentLabel's values) with the same folds and
// training code as CrossValidate, and scores the lexicon, the model and
// the combinations on the same held-out predictions.
func EvaluateSentiment(seg *Segmenter, stop *Stopwords, lex *Lexicon, texts, labels []string, k int, cfg TrainConfig) (SentimentEval, error) {
	for i, l := range labels {
		if l != SentimentNegative && l != SentimentPositive {
			return SentimentEval{}, fmt.Errorf("textan: label %d is %q, not negative or positive", i+1, l)
		}
	}
	classes, y, probs, known, err := CrossValidateProbs(seg, stop, texts, labels, k, cfg)
	if err != nil {
		return SentimentEval{}, err
	}
	pos := slices.Index(classes, SentimentPositive)
	neg := slices.Index(classes, SentimentNegative)
	if pos < 0 || neg < 0 {
		return SentimentEval{}, fmt.Errorf("textan: a sentiment model needs both negative and positive texts")
	}
	e := SentimentEval{N: len(texts)}
	pred := make([]int, len(y))
	var lexOK, modelOK, combOK, confOK, meanOK, sure int
	for i, t := range texts {
		s, err := lex.Score(seg, t)
		if err != nil {
			return SentimentEval{}, err
		}
		m := 2*probs[i][pos] - 1
		isNeg := y[i] == neg
		if isNeg {
			e.Negative++
		}
		if math.Abs(m) >= ConfidentScore {
			sure++
		}
		if !known[i] {
			e.Unknown++
		}
		for _, c := range []struct {
			score float64
			n     *int
		}{{s.Score, &lexOK}, {m, &modelOK}, {CombineSentiment(s.Score, m, known[i]), &combOK},
			{ConfidentSentiment(s.Score, m), &confOK}, {MeanSentiment(s.Score, m), &meanOK}} {
			if (c.score < 0) == isNeg {
				*c.n++
			}
		}
		pred[i] = pos
		if probs[i][neg] >= probs[i][pos] { // CrossValidate's argmax: a tie goes to the first class
			pred[i] = neg
		}
	}
	n := float64(len(texts))
	e.Lexicon, e.Model, e.Combined = float64(lexOK)/n, float64(modelOK)/n, float64(combOK)/n
	e.Confident, e.Mean, e.Sure = float64(confOK)/n, float64(meanOK)/n, float64(sure)/n
	if e.Metrics, err = Score(classes, y, pred); err != nil {
		return SentimentEval{}, err
	}
	return e, nil
}
