package analytics

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Effect verification of an improvement (methods.md §3.1): the KPI's
// kind decides the test. Rates compare proportions, durations compare
// distributions (Mann-Whitney with the Hodges-Lehmann shift), scores and
// means compare means (Welch); a control group turns any of them into a
// difference-in-differences.

// VerifyKind is how a KPI's before/after change is tested.
type VerifyKind int

const (
	VerifyRate     VerifyKind = iota + 1 // per-ticket yes/no: two-proportion z
	VerifyDuration                       // skewed minutes: Mann-Whitney + Hodges-Lehmann
	VerifyMean                           // means of scores or durations: Welch t
)

// observation says which per-ticket measures hold a KPI's observation:
// the ticket is in the population when count is set, and its value is
// sum / scale, or with per set the ticket's mean: sum / scale / per. An
// NPS answer is +100 (promoter), 0 or −100 (detractor).
type observation struct {
	count, sum Measure
	scale      float64
	per        Measure
	nps        bool
}

// Verification returns how k is verified, or an error saying why it
// cannot be.
func (k KPI) Verification() (VerifyKind, error) {
	switch {
	case k.Unavailable != "":
		return 0, fmt.Errorf("this KPI cannot be computed yet: %s", k.Unavailable)
	case k.Store == StoreCalendars:
		// A share of minutes of technicians' days, not of tickets: the
		// observation is one technician-day's booked ÷ shift minutes (in
		// percent), read by the store from the calendars and visits, and
		// the windows' means of those ratios are compared as the other
		// ratio KPIs' (travel_per_visit) are, by Welch's t.
		return VerifyMean, nil
	case k.NoVerify != "":
		return 0, errors.New(k.NoVerify)
	case k.rate:
		return VerifyRate, nil
	case k.obs == nil:
		return 0, fmt.Errorf("%s is a count; verify a rate instead (e.g. complaint_rate for complaints)", k.Key)
	case k.hasDist && !k.isMean:
		return VerifyDuration, nil
	}
	return VerifyMean, nil
}

// UtilisationDay is technician_utilisation's observation of one
// technician-day with shift time: booked ÷ shift minutes, in percent;
// false for a day without shift time, which the KPI leaves out.
func UtilisationDay(booked, shift int64) (float64, bool) {
	if shift <= 0 {
		return 0, false
	}
	return 100 * float64(booked) / float64(shift), true
}

// Observe appends the ticket's observations of k in fact f on days
// [from, to) to out: minutes for durations, the score for CSAT, ±100 or
// 0 for NPS. Rates are read from the rollups instead.
func (k KPI) Observe(f *Fact, from, to Day, out []float64) []float64 {
	o := k.obs
	if o == nil {
		return out
	}
	var in bool
	var sum, detract, per int64
	for _, e := range f.Entries {
		if e.Day < from || e.Day >= to {
			continue
		}
		if o.per != 0 && e.M == o.per {
			per += e.V
		}
		switch e.M {
		case o.count:
			in = true
		case o.sum:
			sum += e.V
		case MNPSDetractors:
			detract += e.V
		}
	}
	if !in {
		return out
	}
	if o.nps {
		return append(out, 100*float64(sum-detract))
	}
	if o.per != 0 {
		if per <= 0 {
			return out
		}
		return append(out, float64(sum)/o.scale/float64(per))
	}
	return append(out, float64(sum)/o.scale)
}

// Group is one window of one group: x of n for a rate, or observations.
type Group struct {
	X, N   int64
	Values []float64
}

// Level is the KPI's value over the group (a percent for rates, the
// median or 90th percentile of durations, the mean otherwise), and
// false when there is no data.
func (g *Group) Level(k KPI, kind VerifyKind) (float64, bool) {
	switch kind {
	case VerifyRate:
		if g.N == 0 {
			return 0, false
		}
		return 100 * float64(g.X) / float64(g.N), true
	case VerifyDuration:
		if len(g.Values) == 0 {
			return 0, false
		}
		s := slices.Clone(g.Values)
		slices.Sort(s)
		if k.q != 0.5 {
			return QuantileSorted(s, k.q), true
		}
		return median(s), true
	default:
		if len(g.Values) == 0 {
			return 0, false
		}
		m, _ := MeanSD(g.Values)
		return m, true
	}
}

// Size is the group's sample size.
func (g *Group) Size() int {
	if g.N > 0 || g.Values == nil {
		return int(g.N)
	}
	return len(g.Values)
}

// Compare tests after against before. With control groups it is the
// difference-in-differences of the levels (rates and means), with a
// normal-approximation interval from the four groups' variances.
// Estimates are after − before in the KPI's unit (percentage points for
// rates).
func Compare(kind VerifyKind, before, after Group, ctrl *[2]Group, conf float64) TestResult {
	if ctrl != nil {
		return diffInDiff(kind, before, after, ctrl[0], ctrl[1], conf)
	}
	switch kind {
	case VerifyRate:
		r := TwoProportions(int(before.X), int(before.N), int(after.X), int(after.N), conf)
		r.Estimate, r.CILow, r.CIHigh = 100*r.Estimate, 100*r.CILow, 100*r.CIHigh
		return r
	case VerifyDuration:
		return MannWhitney(before.Values, after.Values)
	default:
		// after - before, as the other tests' estimates; N1 stays the
		// before window's size, as theirs (the reason reads N1 before, N2
		// after).
		r := Welch(after.Values, before.Values, conf)
		r.N1, r.N2 = r.N2, r.N1
		return r
	}
}

// meanVar is a group's mean and the variance of that mean.
func meanVar(kind VerifyKind, g Group) (m, v float64, ok bool) {
	if kind == VerifyRate {
		if g.N == 0 {
			return 0, 0, false
		}
		p := float64(g.X) / float64(g.N)
		return 100 * p, 100 * 100 * p * (1 - p) / float64(g.N), true
	}
	if len(g.Values) < 2 {
		return 0, 0, false
	}
	m, sd := MeanSD(g.Values)
	return m, sd * sd / float64(len(g.Values)), true
}

func diffInDiff(kind VerifyKind, tb, ta, cb, ca Group, conf float64) TestResult {
	r := TestResult{Method: "difference-in-differences", N1: tb.Size(), N2: ta.Size()}
	var ms, vs [4]float64
	for i, g := range []Group{tb, ta, cb, ca} {
		m, v, ok := meanVar(kind, g)
		if !ok {
			r.TooSmall, r.P = true, math.NaN()
			return r
		}
		ms[i], vs[i] = m, v
	}
	r.Estimate = DiffInDiff(ms[0], ms[1], ms[2], ms[3])
	r.Direction = sign(r.Estimate)
	se := math.Sqrt(vs[0] + vs[1] + vs[2] + vs[3])
	if se > 0 {
		r.Statistic = r.Estimate / se
		r.P = 2 * NormalCDF(-math.Abs(r.Statistic))
		z := NormalQuantile(1 - (1-conf)/2)
		r.CILow, r.CIHigh = r.Estimate-z*se, r.Estimate+z*se
	} else {
		// A perfect fit: z = ±Inf and p = 0 for a nonzero estimate, as
		// statsmodels' OLS reports it (0/0 and NaN when the estimate is 0
		// too). Judge draws no verdict from it either way.
		r.noVariance()
	}
	for _, g := range []Group{tb, ta, cb, ca} {
		if g.Size() < 30 || (kind == VerifyRate && (g.X < 10 || g.N-g.X < 10)) {
			r.TooSmall = true
		}
	}
	return r
}

// Verdict is the outcome of a verification.
type Verdict struct {
	Before, After float64
	HasBefore     bool
	HasAfter      bool
	Test          TestResult
	TargetMet     bool
	Supported     bool
	Verdict       string // effective, not_effective, inconclusive
	// Code names the reason: effective, too_small, no_variance,
	// wrong_direction, not_significant or short_of_target.
	Code   string
	Reason string
}

// Alpha is the significance level verdicts use.
const Alpha = 0.05

// Judge draws the verdict: effective when the change is in the KPI's good
// direction, significant at Alpha, with enough data, and the after level
// reaches the target (when there is one); inconclusive when the samples
// are too small or have no variance (the standard error is 0: constant
// windows); not effective otherwise. The reason says which.
func Judge(k KPI, kind VerifyKind, before, after Group, ctrl *[2]Group, target *float64) Verdict {
	var v Verdict
	v.Before, v.HasBefore = before.Level(k, kind)
	v.After, v.HasAfter = after.Level(k, kind)
	v.Test = Compare(kind, before, after, ctrl, 1-Alpha)
	// The direction is the tested one: for durations the mean ranks,
	// not the Hodges-Lehmann shift, which heavy ties can hold at 0.
	good := v.Test.Direction < 0
	if k.HigherIsBetter {
		good = v.Test.Direction > 0
	}
	// NaN is never significant.
	significant := v.Test.P < Alpha
	v.Supported = !v.Test.TooSmall && !v.Test.NoVariance && significant && good
	v.TargetMet = true
	if target != nil {
		v.TargetMet = v.HasAfter && !Worse(k, v.After, *target)
	}
	switch {
	case v.Test.TooSmall:
		v.Verdict, v.Code = "inconclusive", "too_small"
		v.Reason = TooSmallReason(v.Test.N1, v.Test.N2)
	case v.Test.NoVariance || math.IsNaN(v.Test.P):
		v.Verdict, v.Code = "inconclusive", "no_variance"
		if v.Test.Estimate == 0 {
			v.Reason = fmt.Sprintf("nothing to test: every value of %s is the same in both windows (and groups), so there is no change and no variance", k.Key)
		} else {
			v.Reason = fmt.Sprintf("no variance to test against: every value of %s is the same within each window (and group); the change is %+.3g, but a test needs variation, so no verdict is drawn", k.Key, v.Test.Estimate)
		}
	case !good:
		v.Verdict, v.Code = "not_effective", "wrong_direction"
		v.Reason = fmt.Sprintf("%s moved the wrong way or not at all (change %+.3g)", k.Key, v.Test.Estimate)
		if kind == VerifyDuration && ctrl == nil && v.Test.Direction != 0 {
			v.Reason = fmt.Sprintf("%s moved the wrong way: the after window ranks %s (Hodges-Lehmann shift %+.3g)", k.Key, higherLower(v.Test.Direction), v.Test.Estimate)
		}
	case !significant:
		v.Verdict, v.Code = "not_effective", "not_significant"
		v.Reason = fmt.Sprintf("the change %+.3g is not statistically significant (p = %.3g ≥ %.2g)", v.Test.Estimate, v.Test.P, Alpha)
	case !v.TargetMet:
		v.Verdict, v.Code = "not_effective", "short_of_target"
		v.Reason = fmt.Sprintf("the improvement is significant (p = %.3g) but %s after is %.4g, short of the target %.4g", v.Test.P, k.Key, v.After, *target)
	default:
		v.Verdict, v.Code = "effective", "effective"
		v.Reason = fmt.Sprintf("%s went from %.4g to %.4g (change %+.3g, %d%% CI %.3g to %.3g, p = %.2g)", k.Key, v.Before, v.After,
			v.Test.Estimate, int(100*(1-Alpha)), v.Test.CILow, v.Test.CIHigh, v.Test.P)
		if kind == VerifyDuration && ctrl == nil {
			v.Reason = fmt.Sprintf("%s went from %.4g to %.4g: the after window ranks %s (p = %.2g); Hodges-Lehmann shift %+.3g, %d%% CI %.3g to %.3g",
				k.Key, v.Before, v.After, higherLower(v.Test.Direction), v.Test.P, v.Test.Estimate, int(100*(1-Alpha)), v.Test.CILow, v.Test.CIHigh)
		}
		if target != nil {
			v.Reason += fmt.Sprintf(", meeting the target %.4g", *target)
		}
	}
	return v
}

// TooSmallReason is the reason of a verdict drawn on too few
// observations: n1 in the before window, n2 in the after one.
func TooSmallReason(n1, n2 int) string {
	return fmt.Sprintf("too little data to conclude: %d before and %d after; each window needs at least 30 (and 10 events and non-events for a rate)", n1, n2)
}

func higherLower(d int) string {
	if d > 0 {
		return "higher"
	}
	return "lower"
}

// QuantileSorted is the type-7 (linear interpolation) quantile of a
// sorted sample.
func QuantileSorted(s []float64, p float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	h := p * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// HodgesLehmann is the shift median(yⱼ − xᵢ) over all n₁n₂ pairs and its
// distribution-free confidence interval [D₍C₎, D₍n₁n₂+1−C₎] (Moses;
// Hollander & Wolfe §4.3). Below 50 per group, as R's wilcox.test(x, y,
// conf.int = TRUE, exact = TRUE), C is the exact lower α/2 quantile of
// the Mann-Whitney U (qwilcox); from 50 on it is the large-sample
// C = ⌊n₁n₂/2 − z·sqrt(n₁n₂(n₁+n₂+1)/12)⌋. When C is 0 no finite interval
// reaches the confidence (C(n₁+n₂, n₁) ≤ 40 at 95%: one observation
// against up to 39, or 3 against 3) and the interval is (−∞, +∞); R then
// returns the range of the differences with a warning that the level is
// not achieved. It never materialises the pairs: the k-th smallest
// difference is found by bisection on its value, counting pairs below a
// value in O(n₁+n₂) over the sorted samples.
func HodgesLehmann(x, y []float64, conf float64) (est, lo, hi float64) {
	n1, n2 := len(x), len(y)
	if n1 == 0 || n2 == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	xs, ys := slices.Clone(x), slices.Clone(y)
	slices.Sort(xs)
	slices.Sort(ys)
	total := int64(n1) * int64(n2)
	if total%2 == 1 {
		est = kthDiff(xs, ys, (total+1)/2)
	} else {
		est = (kthDiff(xs, ys, total/2) + kthDiff(xs, ys, total/2+1)) / 2
	}
	var c int64
	if n1 < 50 && n2 < 50 {
		c = mwLowerQuantile(n1, n2, (1-conf)/2)
	} else {
		z := NormalQuantile(1 - (1-conf)/2)
		c = int64(math.Floor(float64(total)/2 - z*math.Sqrt(float64(total)*float64(n1+n2+1)/12)))
	}
	if c < 1 {
		return est, math.Inf(-1), math.Inf(1)
	}
	return est, kthDiff(xs, ys, c), kthDiff(xs, ys, total+1-c)
}

// countLE counts pairs with ys[j] − xs[i] ≤ d.
func countLE(xs, ys []float64, d float64) int64 {
	var n int64
	p := 0
	for _, y := range ys {
		for p < len(xs) && y-xs[p] > d {
			p++
		}
		n += int64(len(xs) - p)
	}
	return n
}

// kthDiff is the k-th smallest (1-based) of ys[j] − xs[i].
func kthDiff(xs, ys []float64, k int64) float64 {
	lo, hi := ys[0]-xs[len(xs)-1], ys[len(ys)-1]-xs[0]
	if countLE(xs, ys, lo) >= k {
		return lo
	}
	// countLE(lo) < k <= countLE(hi)
	for {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if countLE(xs, ys, mid) >= k {
			hi = mid
		} else {
			lo = mid
		}
	}
	// The answer is the largest difference not above hi.
	best := math.Inf(-1)
	p := 0
	for _, y := range ys {
		for p < len(xs) && y-xs[p] > hi {
			p++
		}
		if p < len(xs) {
			best = max(best, y-xs[p])
		}
	}
	return best
}
