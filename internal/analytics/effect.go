package analytics

import (
	"math"
	"sort"
)

// Before/after comparisons for verifying an improvement's effect
// (methods.md §3). Group 1 is "before", group 2 "after"; differences are
// after − before unless a function says otherwise.

// TestResult is what a comparison shows: the estimate, its confidence
// interval, the statistic and p-value, the sample sizes, and whether the
// samples are too small to conclude.
type TestResult struct {
	Method    string  `json:"method"`
	Estimate  float64 `json:"estimate"`
	CILow     float64 `json:"ci_low"`
	CIHigh    float64 `json:"ci_high"`
	Statistic float64 `json:"statistic"`
	DF        float64 `json:"df,omitempty"`
	P         float64 `json:"p"`
	N1        int     `json:"n1"`
	N2        int     `json:"n2"`
	// TooSmall is set when methods.md's floor is not met (fewer than 30
	// per group, or fewer than 10 events or non-events for a proportion):
	// the numbers are shown but no verdict is drawn from them.
	TooSmall bool `json:"too_small"`
	// Effect is a standardised effect size, named by EffectName: Cohen's
	// h for proportions, Cohen's d (pooled SD) for means, and for
	// Mann-Whitney the common-language A = U₁/(n₁n₂), the chance that a
	// value of the first group exceeds one of the second (ties count
	// half).
	Effect     float64 `json:"effect"`
	EffectName string  `json:"effect_name"`
	// Direction is the sign of after − before as the test sees it: the
	// difference of proportions or means, and for Mann-Whitney the mean
	// ranks (the after window ranks higher: +1), which can differ from
	// the sign of the Hodges-Lehmann shift under heavy ties.
	Direction int `json:"direction"`
	// NoVariance is set when the standard error is zero (every value of
	// every group the same, e.g. two constant windows): the statistic is
	// then ±Inf, or NaN with p NaN when the estimate is 0 too, p is 0 for
	// a nonzero estimate (the limit, as statsmodels reports a perfect fit)
	// and the interval has no width. No verdict is drawn from it.
	NoVariance bool `json:"no_variance"`
}

// sign is −1, 0 or +1.
func sign(x float64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// noVariance fills r for a zero standard error: the statistic is the
// estimate over 0, p its limit (0, or NaN for 0/0), the interval the
// estimate itself.
func (r *TestResult) noVariance() {
	r.NoVariance = true
	r.Statistic = r.Estimate / 0
	r.P = math.NaN()
	if r.Estimate != 0 {
		r.P = 0
	}
	r.CILow, r.CIHigh = r.Estimate, r.Estimate
}

// TwoProportions is the two-proportion z-test of x1/n1 against x2/n2
// (pooled variance for the test, unpooled Wald interval for the
// difference p2 − p1 at the given confidence, e.g. 0.95). The statistic
// is z = (p2 − p1)/SE, the sign of the estimate p2 − p1 (statsmodels'
// proportions_ztest reports (p1 − p2)/SE for the same data).
func TwoProportions(x1, n1, x2, n2 int, conf float64) TestResult {
	r := TestResult{Method: "two-proportion z", N1: n1, N2: n2}
	if n1 == 0 || n2 == 0 {
		r.TooSmall, r.P = true, math.NaN()
		return r
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	p := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(p * (1 - p) * (1/float64(n1) + 1/float64(n2)))
	r.Estimate, r.Direction = p2-p1, sign(p2-p1)
	if se > 0 {
		r.Statistic = (p2 - p1) / se
		r.P = 2 * NormalCDF(-math.Abs(r.Statistic))
		z := NormalQuantile(1 - (1-conf)/2)
		w := z * math.Sqrt(p1*(1-p1)/float64(n1)+p2*(1-p2)/float64(n2))
		r.CILow, r.CIHigh = r.Estimate-w, r.Estimate+w
	} else {
		r.noVariance() // both 0% or both 100%
	}
	r.Effect, r.EffectName = 2*math.Asin(math.Sqrt(p2))-2*math.Asin(math.Sqrt(p1)), "Cohen's h"
	small := func(x, n int) bool { return n < 30 || x < 10 || n-x < 10 }
	r.TooSmall = small(x1, n1) || small(x2, n2)
	return r
}

// Welch is Welch's unequal-variance t-test of mean(a) − mean(b), with the
// Welch–Satterthwaite degrees of freedom and a confidence interval.
func Welch(a, b []float64, conf float64) TestResult {
	r := TestResult{Method: "Welch t", N1: len(a), N2: len(b)}
	if len(a) < 2 || len(b) < 2 {
		r.TooSmall, r.P = true, math.NaN()
		return r
	}
	m1, s1 := MeanSD(a)
	m2, s2 := MeanSD(b)
	v1, v2 := s1*s1/float64(len(a)), s2*s2/float64(len(b))
	se := math.Sqrt(v1 + v2)
	r.Estimate, r.Direction = m1-m2, sign(m1-m2)
	if se > 0 {
		r.DF = (v1 + v2) * (v1 + v2) / (v1*v1/float64(len(a)-1) + v2*v2/float64(len(b)-1))
		r.Statistic = r.Estimate / se
		r.P = 2 * StudentCDF(-math.Abs(r.Statistic), r.DF)
		q := StudentQuantile(1-(1-conf)/2, r.DF)
		r.CILow, r.CIHigh = r.Estimate-q*se, r.Estimate+q*se
	} else {
		// Both samples constant: R's t.test stops ("data are essentially
		// constant"); the Welch-Satterthwaite df is 0/0.
		r.DF = math.NaN()
		r.noVariance()
	}
	n1, n2 := float64(len(a)), float64(len(b))
	r.Effect = math.NaN() // no spread to standardise by
	if sp := math.Sqrt(((n1-1)*s1*s1 + (n2-1)*s2*s2) / (n1 + n2 - 2)); sp > 0 {
		r.Effect = r.Estimate / sp
	}
	r.EffectName = "Cohen's d"
	r.TooSmall = len(a) < 30 || len(b) < 30
	return r
}

// MannWhitney is the Wilcoxon rank-sum test of x against y. Statistic is
// W = U of x (as R reports it). The p-value is exact (two-sided) when
// both samples are below 50 and untied, otherwise the normal
// approximation with the tie correction and R's default continuity
// correction (wilcox.test's correct = TRUE; methods.md's large-sample
// vector from go-moremath, checked against R, is the corrected value).
// Estimate is the Hodges–Lehmann shift median(yⱼ − xᵢ), i.e. how much y
// is above x, with its 95% interval (see HodgesLehmann). Direction
// follows W, the tested statistic: under heavy ties y can rank lower
// overall while the shift is 0.
func MannWhitney(x, y []float64) TestResult {
	n1, n2 := len(x), len(y)
	r := TestResult{Method: "Mann-Whitney U", N1: n1, N2: n2}
	if n1 == 0 || n2 == 0 {
		r.TooSmall, r.P = true, math.NaN()
		return r
	}
	type obs struct {
		v float64
		g int
	}
	all := make([]obs, 0, n1+n2)
	for _, v := range x {
		all = append(all, obs{v, 0})
	}
	for _, v := range y {
		all = append(all, obs{v, 1})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	var r1, tieSum float64
	ties := false
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		rank := float64(i+j+1) / 2 // mid-rank of positions i..j-1 (1-based)
		t := float64(j - i)
		if t > 1 {
			ties = true
			tieSum += t*t*t - t
		}
		for k := i; k < j; k++ {
			if all[k].g == 0 {
				r1 += rank
			}
		}
		i = j
	}
	w := r1 - float64(n1*(n1+1))/2
	r.Statistic = w
	N := float64(n1 + n2)
	mu := float64(n1*n2) / 2
	r.Direction = sign(mu - w) // U of x below its mean: y ranks higher
	v := float64(n1*n2) / 12 * ((N + 1) - tieSum/(N*(N-1)))
	switch {
	case !ties && n1 < 50 && n2 < 50:
		r.P = exactMWP(n1, n2, w)
	case v > 0:
		r.P = mannWhitneyNormal(w, mu, v, true)
	default:
		// Every value the same in both samples: nothing to rank.
		r.NoVariance, r.P = true, math.NaN()
	}
	r.P = math.Min(1, r.P)
	r.Estimate, r.CILow, r.CIHigh = HodgesLehmann(x, y, 0.95)
	r.Effect, r.EffectName = w/float64(n1*n2), "common-language A"
	r.TooSmall = n1 < 30 || n2 < 30
	return r
}

// mannWhitneyNormal is the two-sided normal-approximation p-value of W
// with mean mu and variance v (tie-corrected), with R's default continuity
// correction when correct is set.
func mannWhitneyNormal(w, mu, v float64, correct bool) float64 {
	d := math.Abs(w - mu)
	if correct {
		d = math.Max(0, d-0.5)
	}
	return 2 * NormalCDF(-d/math.Sqrt(v))
}

// exactMWP is the exact two-sided p-value of W under H0 (no ties).
func exactMWP(m, n int, w float64) float64 {
	counts := mwCounts(m, n)
	var total, le, ge float64
	for u, c := range counts {
		total += c
		if float64(u) <= w+1e-9 {
			le += c
		}
		if float64(u) >= w-1e-9 {
			ge += c
		}
	}
	return math.Min(1, 2*math.Min(le, ge)/total)
}

// mwCounts is the exact null distribution of U for samples of m and n
// without ties: counts[u] arrangements of the m+n ranks give U = u (they
// sum to C(m+n, m)). It runs the count recursion c(i, j, u) = c(i−1, j,
// u−j) + c(i, j−1, u) (the largest value is an x, beating all j y's, or
// a y) in place over j, one row per i: O(m²n²/4) additions, all of
// positive numbers, so no cancellation.
func mwCounts(m, n int) []float64 {
	maxU := m * n
	// row i (0..m) holds c(i, j, ·) for the current j; it has i·j+1 cells
	// in use, laid out with stride maxU+1.
	buf := make([]float64, (m+1)*(maxU+1))
	row := func(i int) []float64 { return buf[i*(maxU+1) : (i+1)*(maxU+1)] }
	for i := 0; i <= m; i++ {
		row(i)[0] = 1 // j = 0: no y's, U = 0
	}
	for j := 1; j <= n; j++ {
		for i := 1; i <= m; i++ {
			cur, prev := row(i), row(i-1)
			// c(i, j, u) = c(i, j−1, u) (already in cur) + c(i−1, j, u−j).
			for u := j; u <= i*j; u++ {
				cur[u] += prev[u-j]
			}
		}
	}
	return row(m)
}

// mwLowerQuantile is R's qwilcox(p, m, n): the smallest u with
// P(U ≤ u) ≥ p under H0, with R's allowance of 10 machine epsilons so
// that p = 1/40 finds u = 0 when C(m+n, m) = 40.
func mwLowerQuantile(m, n int, p float64) int64 {
	counts := mwCounts(m, n)
	var total float64
	for _, c := range counts {
		total += c
	}
	p -= 10 * 2.220446049250313e-16
	var cum float64
	for u, c := range counts {
		cum += c / total
		if cum >= p {
			return int64(u)
		}
	}
	return int64(len(counts) - 1)
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// DiffInDiff is the 2×2 difference-in-differences of group means:
// (treated after − treated before) − (control after − control before).
func DiffInDiff(treatedBefore, treatedAfter, controlBefore, controlAfter float64) float64 {
	return (treatedAfter - treatedBefore) - (controlAfter - controlBefore)
}
