package textan

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// DF counts in how many documents each term appears. It grows one document
// at a time (Add) or by merging another table (Merge), so a company's table
// can be kept current as tickets arrive.
type DF struct {
	Docs  int            `json:"docs"`
	Count map[string]int `json:"count"`
}

// NewDF returns an empty table.
func NewDF() *DF { return &DF{Count: map[string]int{}} }

// Add counts one document's terms, each distinct term once.
func (d *DF) Add(terms []string) {
	if d.Count == nil {
		d.Count = map[string]int{}
	}
	d.Docs++
	seen := make(map[string]struct{}, len(terms))
	for _, t := range terms {
		if _, ok := seen[t]; ok {
			continue
		}
		seen[t] = struct{}{}
		d.Count[t]++
	}
}

// Merge adds another table's documents and counts.
func (d *DF) Merge(o *DF) {
	if d.Count == nil {
		d.Count = map[string]int{}
	}
	d.Docs += o.Docs
	for t, c := range o.Count {
		d.Count[t] += c
	}
}

// IDF is the smoothed inverse document frequency ln((1+N)/(1+df)) + 1: a
// term in every document weighs 1, an unseen term ln(1+N) + 1.
func (d *DF) IDF(term string) float64 {
	if d == nil {
		return 1
	}
	return math.Log(float64(1+d.Docs)/float64(1+d.Count[term])) + 1
}

// Keyword is a term with its score.
type Keyword struct {
	Term  string  `json:"term"`
	Score float64 `json:"score"`
}

// Keywords returns the top k terms of one document by TF-IDF against df, as
// jieba's extract_tags does: terms of one character are left out (单字 and
// single digits say little), tf = count / kept terms, score = tf · idf.
// Ties go to the term that sorts first, so the result is stable. A nil df
// ranks by tf alone.
func Keywords(terms []string, df *DF, k int) []Keyword {
	counts := map[string]int{}
	total := 0
	for _, t := range terms {
		if utf8.RuneCountInString(t) < 2 {
			continue
		}
		counts[t]++
		total++
	}
	out := make([]Keyword, 0, len(counts))
	for t, c := range counts {
		out = append(out, Keyword{Term: t, Score: float64(c) / float64(total) * df.IDF(t)})
	}
	sortKeywords(out)
	if k >= 0 && len(out) > k {
		out = out[:k]
	}
	return out
}

func sortKeywords(ks []Keyword) {
	slices.SortFunc(ks, func(a, b Keyword) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Term, b.Term)
	})
}

// Period is what a period's documents say: Docs documents, and for each term
// the number of documents holding it (or, consistently, token counts with
// Docs the number of tokens).
type Period struct {
	Docs   int            `json:"docs"`
	Counts map[string]int `json:"counts"`
}

// RisingTerm is a term used significantly more in the later period.
type RisingTerm struct {
	Term       string  `json:"term"`
	Before     int     `json:"before"`
	After      int     `json:"after"`
	RateBefore float64 `json:"rate_before"`
	RateAfter  float64 `json:"rate_after"`
	G2         float64 `json:"g2"` // Dunning's log-likelihood ratio statistic
	P          float64 `json:"p"`  // its p-value (chi-square, 1 degree of freedom)
	Q          float64 `json:"q"`  // the p-value adjusted for all terms tested (Benjamini–Hochberg)
}

// RisingTerms compares two periods term by term with Dunning's G² test on
// the 2×2 table (documents with and without the term, before and after),
// corrects the p-values for the number of terms tested with the
// Benjamini–Hochberg procedure (false discovery rate), and returns the terms
// whose rate went up with q ≤ alpha, strongest first. Terms seen fewer than
// minCount times in both periods together are not tested (nor counted in the
// correction).
func RisingTerms(before, after Period, alpha float64, minCount int) ([]RisingTerm, error) {
	switch {
	case before.Docs <= 0 || after.Docs <= 0:
		return nil, fmt.Errorf("textan: rising terms: each period needs documents (before %d, after %d)", before.Docs, after.Docs)
	case !(alpha > 0 && alpha < 1):
		return nil, fmt.Errorf("textan: rising terms: alpha %v is not between 0 and 1", alpha)
	}
	var tested []RisingTerm
	terms := map[string]struct{}{}
	for t := range before.Counts {
		terms[t] = struct{}{}
	}
	for t := range after.Counts {
		terms[t] = struct{}{}
	}
	for t := range terms {
		b, a := before.Counts[t], after.Counts[t]
		if a+b < minCount || a+b == 0 {
			continue
		}
		if b > before.Docs || a > after.Docs {
			return nil, fmt.Errorf("textan: rising terms: %q is counted more often than its period has documents", t)
		}
		g := G2(a, after.Docs, b, before.Docs)
		tested = append(tested, RisingTerm{
			Term: t, Before: b, After: a,
			RateBefore: float64(b) / float64(before.Docs), RateAfter: float64(a) / float64(after.Docs),
			G2: g, P: ChiSquare1SF(g),
		})
	}
	// Benjamini–Hochberg over every tested term, rising or falling.
	slices.SortFunc(tested, func(x, y RisingTerm) int {
		if x.P != y.P {
			if x.P < y.P {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Term, y.Term)
	})
	q := BenjaminiHochberg(pValues(tested))
	var out []RisingTerm
	for i := range tested {
		tested[i].Q = q[i]
		if tested[i].RateAfter > tested[i].RateBefore && q[i] <= alpha {
			out = append(out, tested[i])
		}
	}
	slices.SortFunc(out, func(x, y RisingTerm) int {
		if x.G2 != y.G2 {
			if x.G2 > y.G2 {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Term, y.Term)
	})
	return out, nil
}

func pValues(ts []RisingTerm) []float64 {
	p := make([]float64, len(ts))
	for i, t := range ts {
		p[i] = t.P
	}
	return p
}

// G2 is Dunning's log-likelihood ratio statistic 2·Σ O·ln(O/E) on the 2×2
// table of a successes out of n against b out of m (a cell of 0 adds 0).
func G2(a, n, b, m int) float64 {
	obs := [4]float64{float64(a), float64(n - a), float64(b), float64(m - b)}
	rows := [2]float64{float64(n), float64(m)}
	cols := [2]float64{float64(a + b), float64(n + m - a - b)}
	total := float64(n + m)
	var g float64
	for r := range 2 {
		for c := range 2 {
			o := obs[r*2+c]
			if o > 0 {
				g += o * math.Log(o*total/(rows[r]*cols[c]))
			}
		}
	}
	return max(2*g, 0)
}

// ChiSquare1SF is the upper tail P(X ≥ x) of the chi-square distribution
// with one degree of freedom: erfc(√(x/2)).
func ChiSquare1SF(x float64) float64 {
	if x <= 0 {
		return 1
	}
	return math.Erfc(math.Sqrt(x / 2))
}

// BenjaminiHochberg adjusts p-values for the false discovery rate: with the
// p-values sorted ascending, q_i = min over j ≥ i of p_j·m/j, capped at 1. It
// returns the q-values in the order of p (which it does not reorder).
func BenjaminiHochberg(p []float64) []float64 {
	m := len(p)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	q := make([]float64, m)
	running := 1.0
	for r := m - 1; r >= 0; r-- {
		i := idx[r]
		running = min(running, p[i]*float64(m)/float64(r+1))
		q[i] = running
	}
	return q
}
