package textan

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// ClassMetrics are one class's scores on held-out predictions.
type ClassMetrics struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// Metrics summarise predictions against the truth.
type Metrics struct {
	N        int                     `json:"n"`
	Accuracy float64                 `json:"accuracy"`
	MacroF1  float64                 `json:"macro_f1"`
	PerClass map[string]ClassMetrics `json:"per_class"`
	Classes  []string                `json:"classes"`
	// Confusion[i][j] counts texts of class i predicted as class j.
	Confusion [][]int `json:"confusion"`
}

// Score computes the metrics of predictions pred against truth, both class
// numbers into classes. A class never predicted has precision 0; one absent
// from the truth has recall 0 and support 0 (and still counts in macro-F1).
func Score(classes []string, truth, pred []int) (Metrics, error) {
	if len(truth) != len(pred) {
		return Metrics{}, fmt.Errorf("textan: %d true labels but %d predictions", len(truth), len(pred))
	}
	K := len(classes)
	m := Metrics{N: len(truth), Classes: classes, PerClass: map[string]ClassMetrics{}, Confusion: make([][]int, K)}
	for i := range m.Confusion {
		m.Confusion[i] = make([]int, K)
	}
	correct := 0
	for i := range truth {
		if truth[i] < 0 || truth[i] >= K || pred[i] < 0 || pred[i] >= K {
			return Metrics{}, fmt.Errorf("textan: label number out of range at %d", i)
		}
		m.Confusion[truth[i]][pred[i]]++
		if truth[i] == pred[i] {
			correct++
		}
	}
	if m.N > 0 {
		m.Accuracy = float64(correct) / float64(m.N)
	}
	for k, c := range classes {
		tp := m.Confusion[k][k]
		var support, predicted int
		for j := range K {
			support += m.Confusion[k][j]
			predicted += m.Confusion[j][k]
		}
		cm := ClassMetrics{Support: support}
		if predicted > 0 {
			cm.Precision = float64(tp) / float64(predicted)
		}
		if support > 0 {
			cm.Recall = float64(tp) / float64(support)
		}
		if cm.Precision+cm.Recall > 0 {
			cm.F1 = 2 * cm.Precision * cm.Recall / (cm.Precision + cm.Recall)
		}
		m.PerClass[c] = cm
		m.MacroF1 += cm.F1 / float64(K)
	}
	return m, nil
}

// StratifiedFolds assigns each of the labels to one of k folds so that every
// class is spread as evenly as possible: each class's members are shuffled
// with the seed, then dealt to the folds in turn, the deal carrying on from
// class to class so the folds' sizes differ by at most one.
func StratifiedFolds(y []int, k int, seed uint64) ([]int, error) {
	if k < 2 {
		return nil, fmt.Errorf("textan: folds %d: at least 2", k)
	}
	if k > len(y) {
		return nil, fmt.Errorf("textan: folds %d: more than the %d texts", k, len(y))
	}
	byClass := map[int][]int{}
	for i, c := range y {
		byClass[c] = append(byClass[c], i)
	}
	keys := make([]int, 0, len(byClass))
	for c := range byClass {
		keys = append(keys, c)
	}
	slices.Sort(keys)
	rng := rand.New(rand.NewPCG(seed, 0x666f6c6473)) // "folds"
	fold := make([]int, len(y))
	next := 0
	for _, c := range keys {
		idx := byClass[c]
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		for _, i := range idx {
			fold[i] = next
			next = (next + 1) % k
		}
	}
	return fold, nil
}

// CrossValidate trains on k-1 folds and predicts the held-out fold, k times,
// with the same training code as Train, and scores all held-out predictions
// together. The folds are stratified by label.
func CrossValidate(seg *Segmenter, stop *Stopwords, texts, labels []string, k int, cfg TrainConfig) (Metrics, error) {
	classes, y, probs, _, err := CrossValidateProbs(seg, stop, texts, labels, k, cfg)
	if err != nil {
		return Metrics{}, err
	}
	pred := make([]int, len(y))
	for i, p := range probs {
		best := 0
		for c := range p {
			if p[c] > p[best] {
				best = c
			}
		}
		pred[i] = best
	}
	return Score(classes, y, pred)
}

// CrossValidateProbs is CrossValidate's held-out half: every text's class
// probabilities from the model that did not see it, with the classes, each
// text's class number, and whether that model knew any of the text's
// features (otherwise its probabilities are the biases alone).
func CrossValidateProbs(seg *Segmenter, stop *Stopwords, texts, labels []string, k int, cfg TrainConfig) (classes []string, y []int, probs [][]float64, known []bool, err error) {
	if err := cfg.validate(); err != nil {
		return nil, nil, nil, nil, err
	}
	f := featurizer{cfg: cfg.Features, seg: seg, stop: stop}
	docs, y, classes, err := prepare(f, texts, labels)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	folds, err := StratifiedFolds(y, k, cfg.Seed)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	probs = make([][]float64, len(y))
	known = make([]bool, len(y))
	for fo := range k {
		var trainDocs []Sparse
		var trainY []int
		for i, d := range docs {
			if folds[i] != fo {
				trainDocs = append(trainDocs, d)
				trainY = append(trainY, y[i])
			}
		}
		// A class absent from this fold's training part still keeps its number.
		m := fit(trainDocs, trainY, classes, cfg)
		for i, d := range docs {
			if folds[i] != fo {
				continue
			}
			v := weigh(Sparse{Idx: d.Idx, Val: slices.Clone(d.Val)}, m.idf, cfg.Features.Sublinear)
			probs[i] = make([]float64, len(classes))
			m.probs(v, probs[i])
			known[i] = anyWeight(v)
		}
	}
	return classes, y, probs, known, nil
}
