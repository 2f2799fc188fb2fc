package analytics

import (
	"errors"
	"math"
)

// ChartKind names a control chart.
type ChartKind string

const (
	PChart ChartKind = "p"   // proportion with varying n
	UChart ChartKind = "u"   // nonconformities per unit of exposure
	CChart ChartKind = "c"   // counts with constant exposure
	XmR    ChartKind = "xmr" // individuals and moving range
	XbarR  ChartKind = "xbar_r"
	XbarS  ChartKind = "xbar_s"
)

// Limits are a chart's frozen Phase I parameters: the centre line and
// the process sigma. For p, u and c charts Sigma is unused (the limits
// follow from the centre and each point's n); for XmR it is σ̂ of one
// observation; for X̄ charts σ̂ of one observation, divided by √n per point.
type Limits struct {
	Kind   ChartKind `json:"kind"`
	Center float64   `json:"center"`
	Sigma  float64   `json:"sigma,omitempty"`
	// Points is how many subgroups the baseline used.
	Points int `json:"points"`
}

// Point is one plotted subgroup.
type Point struct {
	Value float64 `json:"value"`
	N     float64 `json:"n"`     // subgroup size or exposure (1 for XmR)
	Sigma float64 `json:"sigma"` // sigma of the plotted statistic at this point
	LCL   float64 `json:"lcl"`
	UCL   float64 `json:"ucl"`
	Z     float64 `json:"z"` // (value − centre) / sigma, what the run rules read; ±Inf off a zero-spread centre
}

// ErrNoData is returned when a chart has nothing to compute from.
var ErrNoData = errors.New("analytics: not enough data")

// Baseline computes Phase I limits. For p and u charts xs are the counts
// (nonconforming, nonconformities) and ns the subgroup sizes or
// exposures; for c and XmR charts ns is ignored. Indices in exclude
// (assignable causes found in Phase I) are left out.
func Baseline(kind ChartKind, xs, ns []float64, exclude map[int]bool) (Limits, error) {
	var sx, sn float64
	var kept []float64
	for i, x := range xs {
		if exclude[i] {
			continue
		}
		sx += x
		if ns != nil {
			sn += ns[i]
		}
		kept = append(kept, x)
	}
	l := Limits{Kind: kind, Points: len(kept)}
	switch kind {
	case PChart, UChart:
		if sn <= 0 {
			return l, ErrNoData
		}
		l.Center = sx / sn
	case CChart:
		if len(kept) == 0 {
			return l, ErrNoData
		}
		l.Center = sx / float64(len(kept))
	case XmR:
		if len(kept) < 2 {
			return l, ErrNoData
		}
		l.Center = sx / float64(len(kept))
		var mr float64
		for i := 1; i < len(kept); i++ {
			mr += math.Abs(kept[i] - kept[i-1])
		}
		l.Sigma = mr / float64(len(kept)-1) / D2(2)
	default:
		return l, errors.New("analytics: use SubgroupBaseline for X̄ charts")
	}
	return l, nil
}

// Plot places points on a chart with frozen limits (Phase II, or Phase I
// when the limits came from the same data).
func Plot(l Limits, xs, ns []float64) []Point {
	out := make([]Point, len(xs))
	for i, x := range xs {
		p := Point{N: 1}
		if ns != nil {
			p.N = ns[i]
		}
		switch l.Kind {
		case PChart:
			p.Value = x / p.N
			p.Sigma = math.Sqrt(l.Center * (1 - l.Center) / p.N)
		case UChart:
			p.Value = x / p.N
			p.Sigma = math.Sqrt(l.Center / p.N)
		case CChart:
			p.Value = x
			p.Sigma = math.Sqrt(l.Center)
		case XmR:
			p.Value = x
			p.Sigma = l.Sigma
		case XbarR, XbarS:
			p.Value = x
			p.Sigma = l.Sigma / math.Sqrt(p.N)
		}
		p.LCL, p.UCL = l.Center-3*p.Sigma, l.Center+3*p.Sigma
		if l.Kind != XmR && l.Kind != XbarR && l.Kind != XbarS {
			p.LCL = math.Max(0, p.LCL) // counts and rates cannot go below zero
		}
		if l.Kind == PChart {
			p.UCL = math.Min(1, p.UCL)
		}
		p.Z = zScore(p.Value, l.Center, p.Sigma)
		out[i] = p
	}
	return out
}

// zScore is (value − centre)/σ. A baseline without spread (σ = 0: a
// rate of 0% or 100% in every period, or the same value every period)
// has its limits on the centre line, so any departure from the centre is
// beyond them: z is ±Inf, which every rule reads as beyond 3σ, and 0 when
// the value equals the centre (up to rounding of the centre's mean).
func zScore(value, center, sigma float64) float64 {
	if sigma > 0 {
		return (value - center) / sigma
	}
	if math.Abs(value-center) <= 1e-9*math.Max(1, math.Abs(center)) {
		return 0
	}
	return math.Copysign(math.Inf(1), value-center)
}

// SubgroupStats summarises X̄–R and X̄–S baselines.
type SubgroupStats struct {
	Limits
	RBar, SBar float64
	// RUCL/SUCL and RLCL/SLCL are the range and standard-deviation chart limits.
	RLCL, RUCL, SLCL, SUCL float64
	Means                  []float64
}

// SubgroupBaseline computes X̄–R (kind XbarR, σ̂ = R̄/d₂) or X̄–S (σ̂ =
// S̄/c₄) limits from equal-size subgroups.
func SubgroupBaseline(kind ChartKind, groups [][]float64) (SubgroupStats, error) {
	var st SubgroupStats
	st.Kind = kind
	if len(groups) == 0 || len(groups[0]) < 2 {
		return st, ErrNoData
	}
	n := len(groups[0])
	var sm, sr, ss float64
	for _, g := range groups {
		if len(g) != n {
			return st, errors.New("analytics: subgroups must have equal size")
		}
		m, s := MeanSD(g)
		lo, hi := g[0], g[0]
		for _, x := range g {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		st.Means = append(st.Means, m)
		sm += m
		sr += hi - lo
		ss += s
	}
	k := float64(len(groups))
	st.Center, st.RBar, st.SBar, st.Points = sm/k, sr/k, ss/k, len(groups)
	d3, d4 := rangeFactors(n)
	st.RLCL, st.RUCL = d3*st.RBar, d4*st.RBar
	c4 := C4(n)
	b := 3 * math.Sqrt(1-c4*c4) / c4
	st.SLCL, st.SUCL = math.Max(0, st.SBar*(1-b)), st.SBar*(1+b)
	if kind == XbarS {
		st.Sigma = st.SBar / c4
	} else {
		st.Sigma = st.RBar / D2(n)
	}
	return st, nil
}

// d2 for subgroup sizes 2..10, the 3-decimal table qcc and most
// textbooks use (methods.md §2.2).
var d2Table = []float64{0, 0, 1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078}

// D2 is the expected range of n standard normal observations.
func D2(n int) float64 {
	if n >= 2 && n < len(d2Table) {
		return d2Table[n]
	}
	// Beyond the table, the usual approximation 3.4873 + 0.0250·n − ... is
	// not needed: service subgroups are single values or large samples.
	return math.NaN()
}

// C4 is the bias correction of the sample standard deviation.
func C4(n int) float64 {
	f := float64(n)
	lg1, _ := math.Lgamma(f / 2)
	lg2, _ := math.Lgamma((f - 1) / 2)
	return math.Sqrt(2/(f-1)) * math.Exp(lg1-lg2)
}

var d3Table = []float64{0, 0, 0, 0, 0, 0, 0, 0.076, 0.136, 0.184, 0.223}
var d4Table = []float64{0, 0, 3.267, 2.574, 2.282, 2.114, 2.004, 1.924, 1.864, 1.816, 1.777}

func rangeFactors(n int) (d3, d4 float64) {
	if n < len(d3Table) {
		return d3Table[n], d4Table[n]
	}
	return math.NaN(), math.NaN()
}

// MeanSD returns the mean and the sample standard deviation (n−1).
func MeanSD(xs []float64) (mean, sd float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}
