package textan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ClusterConfig says how documents are grouped into topics.
//
// The method is spherical k-means (cosine similarity) on TF-IDF vectors of
// the documents' terms, seeded with k-means++ from a fixed seed, so the same
// documents give the same clusters. k is the value in [KMin, KMax] with the
// highest mean silhouette (cosine distance) over a seeded sample of at most
// SilhouetteSample documents; ties go to the smaller k.
type ClusterConfig struct {
	KMin, KMax       int     // range of k searched; KMin == KMax fixes k
	Seed             uint64  // seeds k-means++ and the silhouette sample
	Restarts         int     // k-means runs per k; the one with the best objective wins
	MaxIter          int     // iterations per run
	MinDF            int     // terms in fewer documents are dropped
	MaxDFShare       float64 // terms in more than this share of documents are dropped
	TopTerms         int     // terms reported per cluster
	Examples         int     // documents reported per cluster, closest to its centre first
	SilhouetteSample int     // documents the silhouette is computed on
}

// DefaultClusterConfig is the configuration the product uses.
func DefaultClusterConfig() ClusterConfig {
	return ClusterConfig{KMin: 2, KMax: 8, Seed: 1, Restarts: 3, MaxIter: 50, MinDF: 2,
		MaxDFShare: 0.5, TopTerms: 8, Examples: 5, SilhouetteSample: 800}
}

func (c ClusterConfig) validate() error {
	switch {
	case c.KMin < 1 || c.KMax < c.KMin:
		return fmt.Errorf("textan: k range %d..%d is empty or below 1", c.KMin, c.KMax)
	case c.KMax > 50:
		return fmt.Errorf("textan: k_max %d is above 50", c.KMax)
	case c.Restarts < 1 || c.MaxIter < 1:
		return fmt.Errorf("textan: restarts %d and max_iter %d must be at least 1", c.Restarts, c.MaxIter)
	case c.MinDF < 1:
		return fmt.Errorf("textan: min_df %d is below 1", c.MinDF)
	case c.MaxDFShare <= 0 || c.MaxDFShare > 1:
		return fmt.Errorf("textan: max_df_share %v is not in (0, 1]", c.MaxDFShare)
	case c.TopTerms < 1 || c.Examples < 0 || c.SilhouetteSample < 2:
		return fmt.Errorf("textan: top_terms %d, examples %d or silhouette_sample %d out of range", c.TopTerms, c.Examples, c.SilhouetteSample)
	}
	return nil
}

// Topic is one cluster of documents.
type Topic struct {
	Terms    []Keyword // the heaviest terms of the centre, heaviest first
	Size     int       // documents in the cluster
	Docs     []int     // indices of its documents, increasing
	Examples []int     // indices of the documents closest to the centre
}

// KScore is the mean silhouette reached with k clusters.
type KScore struct {
	K          int     `json:"k"`
	Silhouette float64 `json:"silhouette"`
}

// Clustering is the result of Cluster.
type Clustering struct {
	K      int      // clusters found
	Scores []KScore // silhouette for every k tried
	Assign []int    // cluster of each document; -1 for a document without any kept term
	Topics []Topic  // largest first
}

// Cluster groups documents, each given as its terms (Segmenter.Terms), into
// topics. Terms of one character are left out as in Keywords. Documents
// without any kept term are not clustered (Assign -1). When fewer documents
// than KMin+1 have terms, all of them form one topic.
func Cluster(docs [][]string, cfg ClusterConfig) (Clustering, error) {
	if err := cfg.validate(); err != nil {
		return Clustering{}, err
	}
	vecs, vocab := tfidf(docs, cfg)
	res := Clustering{Assign: make([]int, len(docs))}
	var live []int // documents with a vector
	for i, v := range vecs {
		res.Assign[i] = -1
		if len(v.Idx) > 0 {
			live = append(live, i)
		}
	}
	if len(live) == 0 {
		return res, nil
	}
	lv := make([]Sparse, len(live))
	for i, d := range live {
		lv[i] = vecs[d]
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7e57c1))
	sample := silhouetteSample(len(lv), cfg.SilhouetteSample, rng)
	var best []int
	var bestCent [][]float64
	bestScore := math.Inf(-1)
	kmax := min(cfg.KMax, len(lv)-1)
	if kmax < cfg.KMin {
		best = make([]int, len(lv))
		bestCent = centroids(lv, best, 1, len(vocab))
		res.K = 1
	}
	for k := cfg.KMin; k <= kmax; k++ {
		assign, cent := kmeans(lv, k, len(vocab), cfg, rng)
		s := silhouette(lv, assign, k, sample)
		res.Scores = append(res.Scores, KScore{K: k, Silhouette: s})
		if s > bestScore+1e-12 {
			bestScore, best, bestCent, res.K = s, assign, cent, k
		}
	}
	// Topics, then relabel largest first (ties: the heaviest first term).
	topics := make([]Topic, res.K)
	for i, c := range best {
		topics[c].Docs = append(topics[c].Docs, live[i])
		topics[c].Size++
	}
	for c := range topics {
		topics[c].Terms = topTerms(bestCent[c], vocab, cfg.TopTerms)
		topics[c].Examples = examples(lv, live, best, bestCent[c], c, cfg.Examples)
	}
	order := make([]int, res.K)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if topics[a].Size != topics[b].Size {
			return topics[b].Size - topics[a].Size
		}
		return strings.Compare(firstTerm(topics[a]), firstTerm(topics[b]))
	})
	rank := make([]int, res.K)
	for r, c := range order {
		rank[c] = r
		res.Topics = append(res.Topics, topics[c])
	}
	for i, c := range best {
		res.Assign[live[i]] = rank[c]
	}
	return res, nil
}

func firstTerm(t Topic) string {
	if len(t.Terms) == 0 {
		return ""
	}
	return t.Terms[0].Term
}

// tfidf returns unit-length sublinear TF-IDF vectors over a vocabulary kept
// by document frequency, and the vocabulary (index → term, sorted).
func tfidf(docs [][]string, cfg ClusterConfig) ([]Sparse, []string) {
	df := map[string]int{}
	for _, d := range docs {
		seen := map[string]bool{}
		for _, t := range d {
			if utf8.RuneCountInString(t) < 2 || seen[t] {
				continue
			}
			seen[t] = true
			df[t]++
		}
	}
	maxDF := int(math.Floor(cfg.MaxDFShare * float64(len(docs))))
	var vocab []string
	for t, c := range df {
		if c >= cfg.MinDF && c <= max(maxDF, cfg.MinDF) {
			vocab = append(vocab, t)
		}
	}
	slices.Sort(vocab)
	index := make(map[string]uint32, len(vocab))
	idf := make([]float64, len(vocab))
	n := float64(len(docs))
	for i, t := range vocab {
		index[t] = uint32(i)
		idf[i] = math.Log((1+n)/(1+float64(df[t]))) + 1
	}
	out := make([]Sparse, len(docs))
	for i, d := range docs {
		counts := map[uint32]int{}
		for _, t := range d {
			if j, ok := index[t]; ok {
				counts[j]++
			}
		}
		var v Sparse
		for j := range counts {
			v.Idx = append(v.Idx, j)
		}
		slices.Sort(v.Idx)
		var norm float64
		for _, j := range v.Idx {
			w := (1 + math.Log(float64(counts[j]))) * idf[j]
			v.Val = append(v.Val, float32(w))
			norm += w * w
		}
		for k := range v.Val {
			v.Val[k] = float32(float64(v.Val[k]) / math.Sqrt(norm))
		}
		out[i] = v
	}
	return out, vocab
}

func dot(v Sparse, c []float64) float64 {
	var s float64
	for k, j := range v.Idx {
		s += float64(v.Val[k]) * c[j]
	}
	return s
}

func sparseDot(a, b Sparse) float64 {
	var s float64
	i, j := 0, 0
	for i < len(a.Idx) && j < len(b.Idx) {
		switch {
		case a.Idx[i] == b.Idx[j]:
			s += float64(a.Val[i]) * float64(b.Val[j])
			i++
			j++
		case a.Idx[i] < b.Idx[j]:
			i++
		default:
			j++
		}
	}
	return s
}

// kmeans runs spherical k-means cfg.Restarts times and keeps the run with
// the highest total cosine similarity to the centres.
func kmeans(vs []Sparse, k, dims int, cfg ClusterConfig, rng *rand.Rand) ([]int, [][]float64) {
	var best []int
	var bestCent [][]float64
	bestObj := math.Inf(-1)
	for r := 0; r < cfg.Restarts; r++ {
		assign := seedPlusPlus(vs, k, rng)
		cent := centroids(vs, assign, k, dims)
		var obj float64
		for it := 0; it < cfg.MaxIter; it++ {
			changed := false
			obj = 0
			for i, v := range vs {
				c, s := nearest(v, cent)
				obj += s
				if c != assign[i] {
					assign[i] = c
					changed = true
				}
			}
			if !changed && it > 0 {
				break
			}
			cent = centroids(vs, assign, k, dims)
		}
		if obj > bestObj {
			bestObj, best, bestCent = obj, slices.Clone(assign), cent
		}
	}
	return best, bestCent
}

func nearest(v Sparse, cent [][]float64) (int, float64) {
	bc, bs := 0, math.Inf(-1)
	for c, m := range cent {
		if s := dot(v, m); s > bs {
			bc, bs = c, s
		}
	}
	return bc, bs
}

// seedPlusPlus picks k centres by k-means++ (distance 1 - cosine) and
// returns each document's nearest seed.
func seedPlusPlus(vs []Sparse, k int, rng *rand.Rand) []int {
	seeds := []int{rng.IntN(len(vs))}
	d := make([]float64, len(vs))
	for i, v := range vs {
		d[i] = max(0, 1-sparseDot(v, vs[seeds[0]]))
	}
	for len(seeds) < k {
		var sum float64
		for _, x := range d {
			sum += x * x
		}
		next := rng.IntN(len(vs))
		if sum > 0 {
			r := rng.Float64() * sum
			for i, x := range d {
				r -= x * x
				if r <= 0 {
					next = i
					break
				}
			}
		}
		seeds = append(seeds, next)
		for i, v := range vs {
			d[i] = min(d[i], max(0, 1-sparseDot(v, vs[next])))
		}
	}
	assign := make([]int, len(vs))
	for i, v := range vs {
		bs := math.Inf(-1)
		for c, s := range seeds {
			if x := sparseDot(v, vs[s]); x > bs {
				bs, assign[i] = x, c
			}
		}
	}
	return assign
}

// centroids returns the unit-length mean of each cluster's vectors. An
// empty cluster keeps a zero centre and attracts nothing.
func centroids(vs []Sparse, assign []int, k, dims int) [][]float64 {
	cent := make([][]float64, k)
	for c := range cent {
		cent[c] = make([]float64, dims)
	}
	for i, v := range vs {
		m := cent[assign[i]]
		for kk, j := range v.Idx {
			m[j] += float64(v.Val[kk])
		}
	}
	for _, m := range cent {
		var n float64
		for _, x := range m {
			n += x * x
		}
		if n > 0 {
			n = math.Sqrt(n)
			for j := range m {
				m[j] /= n
			}
		}
	}
	return cent
}

func silhouetteSample(n, max int, rng *rand.Rand) []int {
	idx := rng.Perm(n)
	if len(idx) > max {
		idx = idx[:max]
	}
	slices.Sort(idx)
	return idx
}

// silhouette is the mean silhouette of the sampled documents with the
// cosine distance, computed within the sample. A document alone in its
// cluster scores 0, as in Rousseeuw (1987).
func silhouette(vs []Sparse, assign []int, k int, sample []int) float64 {
	if k < 2 || len(sample) < 2 {
		return 0
	}
	var total float64
	sum := make([]float64, k)
	cnt := make([]int, k)
	for _, i := range sample {
		clear(sum)
		clear(cnt)
		for _, j := range sample {
			if i == j {
				continue
			}
			sum[assign[j]] += 1 - sparseDot(vs[i], vs[j])
			cnt[assign[j]]++
		}
		own := assign[i]
		if cnt[own] == 0 {
			continue
		}
		a := sum[own] / float64(cnt[own])
		b := math.Inf(1)
		for c := range sum {
			if c != own && cnt[c] > 0 {
				b = min(b, sum[c]/float64(cnt[c]))
			}
		}
		if math.IsInf(b, 1) {
			continue
		}
		if m := max(a, b); m > 0 {
			total += (b - a) / m
		}
	}
	return total / float64(len(sample))
}

func topTerms(cent []float64, vocab []string, n int) []Keyword {
	var ks []Keyword
	for j, w := range cent {
		if w > 0 {
			ks = append(ks, Keyword{Term: vocab[j], Score: w})
		}
	}
	sortKeywords(ks)
	if len(ks) > n {
		ks = ks[:n]
	}
	return ks
}

func examples(vs []Sparse, live, assign []int, cent []float64, c, n int) []int {
	type ds struct {
		doc int
		sim float64
	}
	var all []ds
	for i, v := range vs {
		if assign[i] == c {
			all = append(all, ds{live[i], dot(v, cent)})
		}
	}
	slices.SortStableFunc(all, func(a, b ds) int {
		switch {
		case a.sim > b.sim:
			return -1
		case a.sim < b.sim:
			return 1
		}
		return a.doc - b.doc
	})
	var out []int
	for _, d := range all[:min(n, len(all))] {
		out = append(out, d.doc)
	}
	return out
}

// TopicSignature is what a stored topic is recognised by in a later run:
// its top terms with their weights.
type TopicSignature []Keyword

// Similarity is the cosine similarity of two signatures over their terms.
func (a TopicSignature) Similarity(b TopicSignature) float64 {
	wb := map[string]float64{}
	var nb float64
	for _, k := range b {
		wb[k.Term] = k.Score
		nb += k.Score * k.Score
	}
	var na, d float64
	for _, k := range a {
		na += k.Score * k.Score
		d += k.Score * wb[k.Term]
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return d / math.Sqrt(na*nb)
}

// MatchTopics pairs the topics of a new run with stored ones so that a topic
// which persists keeps its identity: pairs are taken by decreasing
// similarity, each side at most once, and only at or above minSim. The
// result gives, for each new topic, the index of its stored topic or -1.
func MatchTopics(stored, next []TopicSignature, minSim float64) []int {
	type pair struct {
		s, n int
		sim  float64
	}
	var ps []pair
	for i, s := range stored {
		for j, n := range next {
			if sim := s.Similarity(n); sim >= minSim && sim > 0 {
				ps = append(ps, pair{i, j, sim})
			}
		}
	}
	slices.SortStableFunc(ps, func(a, b pair) int {
		switch {
		case a.sim > b.sim:
			return -1
		case a.sim < b.sim:
			return 1
		}
		return 0
	})
	out := make([]int, len(next))
	for j := range out {
		out[j] = -1
	}
	usedS := make([]bool, len(stored))
	for _, p := range ps {
		if usedS[p.s] || out[p.n] >= 0 {
			continue
		}
		usedS[p.s] = true
		out[p.n] = p.s
	}
	return out
}

// TopicName names a new topic from its two heaviest terms: Chinese terms are
// joined directly (空调制冷), others with a space.
func TopicName(terms []Keyword) string {
	var b strings.Builder
	for i, k := range terms[:min(2, len(terms))] {
		if i > 0 && !(isHan(k.Term) && isHan(terms[i-1].Term)) {
			b.WriteByte(' ')
		}
		b.WriteString(k.Term)
	}
	return b.String()
}

func isHan(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.Is(unicode.Han, r)
}
