// Package kb owns the knowledge base's algorithms: a safe Markdown subset
// renderer and a search index that ranks documents by BM25F over the
// segmented words of Chinese (gse, through textan) and stemmed English,
// with the title weighted over tags over the body, Chinese character
// bigrams as a fallback where two texts segment a phrase differently, and
// synonyms an administrator edits. It is pure: the store feeds it.
package kb

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"aftersales/internal/textan"
)

// Doc is one searchable document: an article (its titles and bodies in
// both languages, concatenated) or a case.
type Doc struct {
	Key   string
	Title string
	Tags  string
	Body  string
}

// Hit is a ranked document.
type Hit struct {
	Key   string
	Score float64
}

// Field weights and BM25 parameters. The title says what an article is
// about; the body mentions much in passing.
const (
	wTitle = 3.0
	wTags  = 2.0
	wBody  = 1.0
	k1     = 1.2
	bLen   = 0.75
	// A character bigram counts for less than a word; a synonym for less
	// than the word the customer typed.
	wBigram  = 0.3
	wSynonym = 0.6
)

const nFields = 3

type doc struct {
	tf  [nFields]map[string]int
	len [nFields]int
}

// Index is a search index, safe for concurrent use.
type Index struct {
	seg  *textan.Segmenter
	stop *textan.Stopwords

	mu     sync.RWMutex
	docs   map[string]*doc
	df     map[string]int
	sumLen [nFields]int
	syn    [][][]string // groups of phrases, each phrase its terms
}

// NewIndex returns an empty index over a shared segmenter.
func NewIndex(seg *textan.Segmenter) *Index {
	return &Index{seg: seg, stop: textan.DefaultStopwords(), docs: map[string]*doc{}, df: map[string]int{}}
}

// terms analyses a text: its words (stopwords out, English stemmed) and the
// bigrams of its Chinese runs, prefixed so that they never meet a word.
func (ix *Index) terms(text string) ([]string, error) {
	ws, err := ix.seg.Terms(text, ix.stop)
	if err != nil {
		return nil, err
	}
	var run []rune
	flush := func() {
		for i := 0; i+1 < len(run); i++ {
			ws = append(ws, "\x01"+string(run[i:i+2]))
		}
		run = run[:0]
	}
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			run = append(run, r)
			continue
		}
		flush()
	}
	flush()
	return ws, nil
}

// Put adds or replaces a document.
func (ix *Index) Put(d Doc) error {
	var nd doc
	for f, text := range [nFields]string{d.Title, d.Tags, d.Body} {
		ts, err := ix.terms(text)
		if err != nil {
			return err
		}
		nd.tf[f] = map[string]int{}
		for _, t := range ts {
			nd.tf[f][t]++
		}
		nd.len[f] = len(ts)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(d.Key)
	ix.docs[d.Key] = &nd
	for f := range nFields {
		ix.sumLen[f] += nd.len[f]
	}
	for t := range nd.union() {
		ix.df[t]++
	}
	return nil
}

func (d *doc) union() map[string]bool {
	u := map[string]bool{}
	for f := range nFields {
		for t := range d.tf[f] {
			u[t] = true
		}
	}
	return u
}

// Remove drops a document; an unknown key is no error.
func (ix *Index) Remove(key string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(key)
}

func (ix *Index) removeLocked(key string) {
	old, ok := ix.docs[key]
	if !ok {
		return
	}
	for f := range nFields {
		ix.sumLen[f] -= old.len[f]
	}
	for t := range old.union() {
		if ix.df[t]--; ix.df[t] <= 0 {
			delete(ix.df, t)
		}
	}
	delete(ix.docs, key)
}

// Len is the number of documents.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.docs)
}

// ParseSynonyms reads synonym groups, one a line, its phrases separated by
// commas (half or full width) or 、. Blank lines and lines starting with #
// are skipped; a group needs two phrases.
func ParseSynonyms(text string) ([][]string, error) {
	var out [][]string
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var g []string
		for _, p := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
			if p = strings.TrimSpace(p); p != "" {
				g = append(g, p)
			}
		}
		if len(g) < 2 {
			return nil, fmt.Errorf("line %d: a synonym group needs at least two phrases separated by commas", n+1)
		}
		for _, p := range g {
			if utf8.RuneCountInString(p) > 40 {
				return nil, fmt.Errorf("line %d: phrase %q is longer than 40 characters", n+1, p)
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// SetSynonyms replaces the synonym groups. Chinese phrases become words of
// the segmenter, so that 不制冷 stays one word in the articles too; call it
// before adding documents.
func (ix *Index) SetSynonyms(groups [][]string) error {
	var words []textan.Word
	for _, g := range groups {
		for _, p := range g {
			if !strings.ContainsFunc(p, unicode.IsSpace) && strings.ContainsFunc(p, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				words = append(words, textan.Word{Text: p})
			}
		}
	}
	if err := ix.seg.AddWords(words...); err != nil {
		return err
	}
	var syn [][][]string
	for _, g := range groups {
		var pg [][]string
		for _, p := range g {
			ts, err := ix.seg.Terms(p, ix.stop)
			if err != nil {
				return err
			}
			if len(ts) > 0 {
				pg = append(pg, ts)
			}
		}
		if len(pg) > 1 {
			syn = append(syn, pg)
		}
	}
	ix.mu.Lock()
	ix.syn = syn
	ix.mu.Unlock()
	return nil
}

// Search ranks the documents for a query; keep, when not nil, filters
// them. At most limit hits come back, best first, ties by key.
func (ix *Index) Search(query string, limit int, keep func(key string) bool) ([]Hit, error) {
	qs, err := ix.terms(query)
	if err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	weight := map[string]float64{}
	add := func(t string, w float64) {
		if strings.HasPrefix(t, "\x01") {
			w *= wBigram
		}
		weight[t] = math.Max(weight[t], w)
	}
	have := map[string]bool{}
	for _, t := range qs {
		add(t, 1)
		have[t] = true
	}
	for _, g := range ix.syn {
		for i, p := range g {
			if !containsAll(have, p) {
				continue
			}
			for j, o := range g {
				if j == i {
					continue
				}
				for _, t := range o {
					add(t, wSynonym)
				}
				// The bigrams of a Chinese synonym too: the articles may
				// segment it differently.
				bs, _ := ix.terms(strings.Join(o, ""))
				for _, t := range bs {
					if strings.HasPrefix(t, "\x01") {
						add(t, wSynonym)
					}
				}
			}
		}
	}
	n := float64(len(ix.docs))
	if n == 0 || len(weight) == 0 {
		return nil, nil
	}
	var avg [nFields]float64
	for f := range nFields {
		avg[f] = math.Max(float64(ix.sumLen[f])/n, 1)
	}
	fw := [nFields]float64{wTitle, wTags, wBody}
	var hits []Hit
	for key, d := range ix.docs {
		if keep != nil && !keep(key) {
			continue
		}
		s := 0.0
		for t, qw := range weight {
			df := ix.df[t]
			if df == 0 {
				continue
			}
			tf := 0.0
			for f := range nFields {
				if c := d.tf[f][t]; c > 0 {
					tf += fw[f] * float64(c) / (1 - bLen + bLen*float64(d.len[f])/avg[f])
				}
			}
			if tf == 0 {
				continue
			}
			idf := math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
			s += qw * idf * tf * (k1 + 1) / (tf + k1)
		}
		if s > 0 {
			hits = append(hits, Hit{Key: key, Score: s})
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].Key < hits[j].Key
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}

func containsAll(have map[string]bool, ts []string) bool {
	for _, t := range ts {
		if !have[t] {
			return false
		}
	}
	return len(ts) > 0
}
