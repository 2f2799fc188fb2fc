package textan

import (
	"fmt"
	"math"
	"slices"
	"unicode"
	"unicode/utf8"
)

// FeatureConfig says how a text becomes a vector. Features are hashed into
// 2^HashBits buckets, so a model needs no vocabulary and its size is bounded.
type FeatureConfig struct {
	HashBits   int  `json:"hash_bits"`   // 2^HashBits buckets
	WordNgrams int  `json:"word_ngrams"` // 1: terms, 2: terms and bigrams of consecutive terms
	CharNgrams int  `json:"char_ngrams"` // n-grams of Chinese characters, 1..CharNgrams, inside each run of Han characters
	Sublinear  bool `json:"sublinear"`   // tf → 1 + ln(tf)
	MinDF      int  `json:"min_df"`      // buckets in fewer training documents are dropped
}

// DefaultFeatures is the one configuration used for every data set.
func DefaultFeatures() FeatureConfig {
	return FeatureConfig{HashBits: 20, WordNgrams: 2, CharNgrams: 3, Sublinear: true}
}

func (c FeatureConfig) validate() error {
	switch {
	case c.HashBits < 10 || c.HashBits > 26:
		return fmt.Errorf("textan: hash_bits %d is not between 10 and 26", c.HashBits)
	case c.WordNgrams < 0 || c.WordNgrams > 3:
		return fmt.Errorf("textan: word_ngrams %d is not between 0 and 3", c.WordNgrams)
	case c.CharNgrams < 0 || c.CharNgrams > 4:
		return fmt.Errorf("textan: char_ngrams %d is not between 0 and 4", c.CharNgrams)
	case c.MinDF < 0:
		return fmt.Errorf("textan: min_df %d is negative", c.MinDF)
	case c.WordNgrams == 0 && c.CharNgrams == 0:
		return fmt.Errorf("textan: word_ngrams and char_ngrams are both 0: no features")
	}
	return nil
}

// Sparse is a sparse vector with increasing indices.
type Sparse struct {
	Idx []uint32
	Val []float32
}

// FNV-1a, 64 bits, fed byte by byte so no string is built per feature.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// featurizer turns a text into term counts over hashed buckets.
type featurizer struct {
	cfg  FeatureConfig
	seg  *Segmenter
	stop *Stopwords
}

// counts returns the raw feature counts of a text, sorted by bucket.
func (f featurizer) counts(text string) (Sparse, error) {
	mask := uint64(1)<<f.cfg.HashBits - 1
	text = normalise(text)
	buckets := make([]uint32, 0, 4*len(text))
	add := func(h uint64) { buckets = append(buckets, uint32((h^h>>29)&mask)) }
	if f.cfg.WordNgrams > 0 {
		var prev []string
		err := f.seg.eachNormal(text, false, func(t Token) {
			term, ok := termOf(t, f.stop)
			if !ok {
				return
			}
			// Kind tags keep "w:好" apart from the character n-gram "c:好".
			add(fnvAdd(fnvAdd(fnvOffset, "w\x00"), term))
			if f.cfg.WordNgrams >= 2 && len(prev) > 0 {
				h := fnvAdd(fnvOffset, "b\x00")
				start := max(0, len(prev)-(f.cfg.WordNgrams-1))
				for k := len(prev) - 1; k >= start; k-- {
					h2 := h
					for _, p := range prev[k:] {
						h2 = fnvAdd(fnvAdd(h2, p), "\x00")
					}
					add(fnvAdd(h2, term))
				}
			}
			prev = append(prev, term)
			if len(prev) > 2 {
				prev = prev[len(prev)-2:]
			}
		})
		if err != nil {
			return Sparse{}, err
		}
	}
	if f.cfg.CharNgrams > 0 {
		han := text
		var run []int // byte offsets of the current run's characters, plus its end
		flush := func(end int) {
			if len(run) == 0 {
				return
			}
			run = append(run, end)
			chars := len(run) - 1
			for n := 1; n <= f.cfg.CharNgrams; n++ {
				for i := 0; i+n <= chars; i++ {
					add(fnvAdd(fnvAdd(fnvOffset, "c\x00"), han[run[i]:run[i+n]]))
				}
			}
			run = run[:0]
		}
		for i, r := range han {
			if charGram(r) {
				run = append(run, i)
				continue
			}
			flush(i)
		}
		flush(len(han))
	}
	slices.Sort(buckets)
	var v Sparse
	for i := 0; i < len(buckets); {
		j := i + 1
		for j < len(buckets) && buckets[j] == buckets[i] {
			j++
		}
		v.Idx = append(v.Idx, buckets[i])
		v.Val = append(v.Val, float32(j-i))
		i = j
	}
	return v, nil
}

// weigh turns counts into a TF-IDF vector normalised to unit length, in
// place.
func weigh(v Sparse, idf []float32, sublinear bool) Sparse {
	var norm float64
	for k, j := range v.Idx {
		tf := float64(v.Val[k])
		if sublinear {
			tf = 1 + math.Log(tf)
		}
		w := tf * float64(idf[j])
		v.Val[k] = float32(w)
		norm += w * w
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for k := range v.Val {
			v.Val[k] *= inv
		}
	}
	return v
}

// fitIDF returns smoothed inverse document frequencies over the buckets:
// idf = ln((1+N)/(1+df)) + 1, so a bucket in every document keeps weight 1
// and an unseen bucket gets weight 0 (it has no trained weight anyway).
func fitIDF(docs []Sparse, dims, minDF int) []float32 {
	df := make([]int32, dims)
	for _, d := range docs {
		for _, j := range d.Idx {
			df[j]++
		}
	}
	idf := make([]float32, dims)
	n := float64(len(docs))
	for j, c := range df {
		if c > 0 && int(c) >= minDF {
			idf[j] = float32(math.Log((1+n)/(1+float64(c))) + 1)
		}
	}
	return idf
}

// charGram tells whether a character takes part in character n-grams: Han
// characters and the punctuation and symbols between them (！？。。。 and
// emoji carry tone), not Latin letters, digits or spaces, which the word
// features cover.
func charGram(r rune) bool {
	if r < utf8.RuneSelf {
		return r > ' ' && !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}
	return !unicode.IsSpace(r) && !unicode.IsLetter(r) || unicode.Is(unicode.Han, r)
}
