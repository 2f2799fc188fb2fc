package textan

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// TrainConfig is the classifier's one configuration. The default loss
// "crammer-singer" trains one multiclass linear SVM (Crammer and Singer:
// the true class's score must beat every other class's by a margin of 1,
// C = 1, solved by the sequential dual method as LIBLINEAR's -s 4); "svm"
// trains one linear SVM per class against the rest (L2-regularised squared
// hinge loss, dual coordinate descent as LIBLINEAR's -s 1); "logistic" is
// multinomial logistic regression by AdaGrad. All are deterministic: the
// same data and seed give the same model, bit for bit.
type TrainConfig struct {
	Features FeatureConfig `json:"features"`
	Loss     string        `json:"loss"`   // "crammer-singer", "svm" or "logistic"
	C        float64       `json:"c"`      // the SVMs: cost of a margin violation (inverse of the regularisation)
	Epochs   int           `json:"epochs"` // the SVMs: most passes over the data; logistic: passes
	Rate     float64       `json:"rate"`   // logistic: AdaGrad base learning rate
	L2       float64       `json:"l2"`     // logistic: L2 penalty per example on the touched weights
	Seed     uint64        `json:"seed"`   // the order of the passes and the fold assignment
}

// DefaultTrainConfig is used for every data set. It was chosen once
// (LIBLINEAR's C = 1, the multiclass SVM over one-vs-rest by the mean of
// the four benchmark targets, docs/BENCHMARKS.md) and is not tuned per file.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{Features: DefaultFeatures(), Loss: "crammer-singer", C: 1, Epochs: 50, Rate: 0.1, Seed: 1}
}

func (c TrainConfig) validate() error {
	if err := c.Features.validate(); err != nil {
		return err
	}
	switch {
	case c.Loss != "svm" && c.Loss != "logistic" && c.Loss != "crammer-singer":
		return fmt.Errorf("textan: loss %q is not crammer-singer, svm or logistic", c.Loss)
	case c.Loss != "logistic" && !(c.C > 0 && c.C <= 1e6):
		return fmt.Errorf("textan: c %v is not in (0, 1e6]", c.C)
	case c.Epochs < 1 || c.Epochs > 1000:
		return fmt.Errorf("textan: epochs %d is not between 1 and 1000", c.Epochs)
	case c.Loss == "logistic" && (!(c.Rate > 0) || c.Rate > 10):
		return fmt.Errorf("textan: rate %v is not in (0, 10]", c.Rate)
	case c.Loss == "logistic" && (!(c.L2 >= 0) || c.L2 > 1):
		return fmt.Errorf("textan: l2 %v is not in [0, 1]", c.L2)
	}
	return nil
}

// ModelVersion is the format of a serialised model; a stored model of
// another version must be retrained.
const ModelVersion = 1

// Model is a trained text classifier.
type Model struct {
	Config  TrainConfig
	Classes []string
	Docs    int // training documents
	idf     []float32
	w       []float32 // bucket-major: w[j*K+k]
	bias    []float32
}

// Prediction is a class with its probability, and every class's probability
// in the order of Model.Classes.
type Prediction struct {
	Label      string    `json:"label"`
	Confidence float64   `json:"confidence"`
	Probs      []float64 `json:"probs"`
}

// Classifier pairs a model with the segmenter and stopwords it reads texts
// with.
type Classifier struct {
	Model *Model
	Seg   *Segmenter
	Stop  *Stopwords
}

func (c Classifier) feat() featurizer {
	return featurizer{cfg: c.Model.Config.Features, seg: c.Seg, stop: c.Stop}
}

// Predict classifies one text.
func (c Classifier) Predict(text string) (Prediction, error) {
	v, err := c.feat().counts(text)
	if err != nil {
		return Prediction{}, err
	}
	m := c.Model
	v = weigh(v, m.idf, m.Config.Features.Sublinear)
	p := make([]float64, len(m.Classes))
	m.probs(v, p)
	best := 0
	for k := range p {
		if p[k] > p[best] {
			best = k
		}
	}
	return Prediction{Label: m.Classes[best], Confidence: p[best], Probs: p}, nil
}

// probs writes the softmax of the class scores of v into p.
func (m *Model) probs(v Sparse, p []float64) {
	K := len(m.Classes)
	for k := range p {
		p[k] = float64(m.bias[k])
	}
	for i, j := range v.Idx {
		x := float64(v.Val[i])
		row := m.w[int(j)*K : int(j)*K+K]
		for k := range row {
			p[k] += x * float64(row[k])
		}
	}
	softmax(p)
}

func softmax(p []float64) {
	mx := math.Inf(-1)
	for _, s := range p {
		mx = max(mx, s)
	}
	var sum float64
	for k, s := range p {
		p[k] = math.Exp(s - mx)
		sum += p[k]
	}
	for k := range p {
		p[k] /= sum
	}
}

// Train fits a classifier on texts and their labels. Classes are the labels'
// distinct values, sorted.
func Train(seg *Segmenter, stop *Stopwords, texts, labels []string, cfg TrainConfig) (*Model, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	f := featurizer{cfg: cfg.Features, seg: seg, stop: stop}
	docs, y, classes, err := prepare(f, texts, labels)
	if err != nil {
		return nil, err
	}
	return fit(docs, y, classes, cfg), nil
}

// prepare counts the features of every text and numbers the labels.
func prepare(f featurizer, texts, labels []string) ([]Sparse, []int, []string, error) {
	if len(texts) != len(labels) {
		return nil, nil, nil, fmt.Errorf("textan: %d texts but %d labels", len(texts), len(labels))
	}
	if len(texts) == 0 {
		return nil, nil, nil, fmt.Errorf("textan: no texts to train on")
	}
	classes := slices.Clone(labels)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	if len(classes) < 2 {
		return nil, nil, nil, fmt.Errorf("textan: one class (%q): a classifier needs at least two", classes[0])
	}
	y := make([]int, len(labels))
	for i, l := range labels {
		y[i], _ = slices.BinarySearch(classes, l)
	}
	docs := make([]Sparse, len(texts))
	for i, t := range texts {
		v, err := f.counts(t)
		if err != nil {
			return nil, nil, nil, err
		}
		docs[i] = v
	}
	return docs, y, classes, nil
}

// fit trains on raw counts (left untouched) with labels numbered into
// classes.
func fit(counts []Sparse, y []int, classes []string, cfg TrainConfig) *Model {
	dims := 1 << cfg.Features.HashBits
	K := len(classes)
	m := &Model{Config: cfg, Classes: classes, Docs: len(counts), bias: make([]float32, K), w: make([]float32, dims*K)}
	m.idf = fitIDF(counts, dims, cfg.Features.MinDF)
	docs := make([]Sparse, len(counts))
	for i, c := range counts {
		docs[i] = weigh(Sparse{Idx: c.Idx, Val: slices.Clone(c.Val)}, m.idf, cfg.Features.Sublinear)
	}
	switch cfg.Loss {
	case "svm":
		fitSVM(m, docs, y, cfg)
	case "crammer-singer":
		fitCrammerSinger(m, docs, y, cfg)
	default:
		fitLogistic(m, docs, y, cfg)
	}
	return m
}

// fitLogistic is multinomial logistic regression by AdaGrad over shuffled
// passes.
func fitLogistic(m *Model, docs []Sparse, y []int, cfg TrainConfig) {
	K := len(m.Classes)
	g := make([]float32, len(m.w)) // AdaGrad's sums of squared gradients
	gb := make([]float64, K)
	order := make([]int, len(docs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x74657874616e)) // "textan"
	p := make([]float64, K)
	eta := cfg.Rate
	l2 := float32(cfg.L2)
	for range cfg.Epochs {
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, i := range order {
			v := docs[i]
			m.probs(v, p)
			p[y[i]] -= 1 // gradient of the log loss with respect to each score
			for k := range K {
				gb[k] += p[k] * p[k]
				m.bias[k] -= float32(eta * p[k] / math.Sqrt(gb[k]+1e-8))
			}
			for n, j := range v.Idx {
				x := float64(v.Val[n])
				base := int(j) * K
				for k := range K {
					gr := float32(p[k]*x) + l2*m.w[base+k]
					g[base+k] += gr * gr
					m.w[base+k] -= float32(eta) * gr / float32(math.Sqrt(float64(g[base+k])+1e-8))
				}
			}
		}
	}
}

// storedModel is the serialised form: only the buckets seen in training.
type storedModel struct {
	Version int
	Config  TrainConfig
	Classes []string
	Docs    int
	Index   []uint32
	IDF     []float32
	W       []float32 // len(Index)*K
	Bias    []float32
}

// MarshalBinary encodes the model (gob) with its format version.
func (m *Model) MarshalBinary() ([]byte, error) {
	K := len(m.Classes)
	s := storedModel{Version: ModelVersion, Config: m.Config, Classes: m.Classes, Docs: m.Docs, Bias: m.bias}
	for j, v := range m.idf {
		if v != 0 {
			s.Index = append(s.Index, uint32(j))
			s.IDF = append(s.IDF, v)
			s.W = append(s.W, m.w[j*K:j*K+K]...)
		}
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(s); err != nil {
		return nil, fmt.Errorf("textan: encode model: %w", err)
	}
	return b.Bytes(), nil
}

// UnmarshalBinary decodes a model written by MarshalBinary.
func (m *Model) UnmarshalBinary(data []byte) error {
	var s storedModel
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&s); err != nil {
		return fmt.Errorf("textan: decode model: %w", err)
	}
	if s.Version != ModelVersion {
		return fmt.Errorf("textan: model format version %d, this build reads %d: retrain the model", s.Version, ModelVersion)
	}
	if err := s.Config.validate(); err != nil {
		return err
	}
	K := len(s.Classes)
	dims := 1 << s.Config.Features.HashBits
	if K < 2 || len(s.Bias) != K || len(s.IDF) != len(s.Index) || len(s.W) != len(s.Index)*K {
		return fmt.Errorf("textan: decode model: inconsistent sizes")
	}
	n := &Model{Config: s.Config, Classes: s.Classes, Docs: s.Docs, bias: s.Bias, idf: make([]float32, dims), w: make([]float32, dims*K)}
	for i, j := range s.Index {
		if int(j) >= dims {
			return fmt.Errorf("textan: decode model: bucket %d outside %d", j, dims)
		}
		n.idf[j] = s.IDF[i]
		copy(n.w[int(j)*K:], s.W[i*K:i*K+K])
	}
	*m = *n
	return nil
}

// fitSVM trains one L2-regularised squared-hinge SVM per class (against the
// rest) by dual coordinate descent (Hsieh et al., ICML 2008), with a constant
// bias feature of 1. Each pass visits the examples in a seeded random order;
// it stops when the projected gradients' spread falls under 0.1 (LIBLINEAR's
// tolerance) or after Epochs passes. Two classes need one SVM: class 0's
// weights are the negation of class 1's.
func fitSVM(m *Model, docs []Sparse, y []int, cfg TrainConfig) {
	K := len(m.Classes)
	n := len(docs)
	dii := 1 / (2 * cfg.C)
	qii := make([]float64, n)
	for i, v := range docs {
		q := 1.0 // the bias feature
		for _, x := range v.Val {
			q += float64(x) * float64(x)
		}
		qii[i] = q + dii
	}
	alpha := make([]float64, n)
	order := make([]int, n)
	w := make([]float64, len(m.idf))
	svms := K
	if K == 2 {
		svms = 1
	}
	for k := range svms {
		target := k
		if K == 2 {
			target = 1
		}
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(target)))
		clear(alpha)
		clear(w)
		var b float64
		for i := range order {
			order[i] = i
		}
		for range cfg.Epochs {
			rng.Shuffle(n, func(a, c int) { order[a], order[c] = order[c], order[a] })
			maxPG, minPG := math.Inf(-1), math.Inf(1)
			for _, i := range order {
				yi := -1.0
				if y[i] == target {
					yi = 1
				}
				v := docs[i]
				dot := b
				for t, j := range v.Idx {
					dot += w[j] * float64(v.Val[t])
				}
				g := yi*dot - 1 + dii*alpha[i]
				pg := g
				if alpha[i] == 0 {
					pg = min(g, 0)
				}
				maxPG, minPG = max(maxPG, pg), min(minPG, pg)
				if pg == 0 {
					continue
				}
				old := alpha[i]
				alpha[i] = max(old-g/qii[i], 0)
				d := (alpha[i] - old) * yi
				for t, j := range v.Idx {
					w[j] += d * float64(v.Val[t])
				}
				b += d
			}
			if maxPG-minPG < 0.1 {
				break
			}
		}
		if K == 2 {
			for j, x := range w {
				m.w[j*K] = float32(-x)
				m.w[j*K+1] = float32(x)
			}
			m.bias[0], m.bias[1] = float32(-b), float32(b)
			break
		}
		for j, x := range w {
			m.w[j*K+k] = float32(x)
		}
		m.bias[k] = float32(b)
	}
}
