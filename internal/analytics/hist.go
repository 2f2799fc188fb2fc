package analytics

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
)

// Durations are kept in a mergeable quantile sketch with a proven
// relative-error bound: the logarithmic mapping of DDSketch (Masson, Rim
// and Lee, VLDB 2019), without its bucket collapsing, so sketches of
// different days, teams or regions merge (and withdraw) by adding counts,
// exactly, and medians and percentiles of any combination come out of the
// merged sketch.
//
// A duration is counted in whole seconds, truncated, as in the sums
// behind the means (a negative duration counts as 0). Bucket 0 holds
// 0 seconds; bucket k ≥ 1 holds the whole seconds s with
// γ^(k−2) < s ≤ γ^(k−1), γ = (1+α)/(1−α). A bucket stands for the value
// 2ab/(a+b) of its smallest and largest second a and b, which is within
// (b−a)/(a+b) < α of every second in it (TestSketchBuckets checks every
// bucket). Below about 50 seconds a bucket holds at most one second, so
// short durations are exact.
//
// Quantiles follow one definition everywhere (QuantileSorted, the
// effect verification, the aging median): linear interpolation between
// order statistics, h = (n−1)·p (Hyndman and Fan type 7). Each order
// statistic read from the sketch is within α of the exact one, so their
// interpolation is within α of the exact quantile too, for any n.
const RelativeAccuracy = 0.01

// maxSecond is the longest duration the bound covers (2⁴⁰ s, some 34,000
// years); longer ones share the last bucket.
const maxSecond = 1 << 40

var (
	gamma    = (1 + RelativeAccuracy) / (1 - RelativeAccuracy)
	lnGamma  = math.Log(gamma)
	upperSec = sketchUppers() // upperSec[i] = ⌊γ^i⌋: the largest second of bucket i+1
	bucketAt = sketchValues() // bucketAt[k]: the value bucket k stands for, in seconds
)

func sketchUppers() []int64 {
	var u []int64
	for i := 0; ; i++ {
		v := int64(math.Floor(math.Pow(gamma, float64(i))))
		u = append(u, v)
		if v >= maxSecond {
			return u
		}
	}
}

func sketchValues() []float64 {
	out := make([]float64, len(upperSec)+1)
	for k := 1; k < len(out); k++ {
		a, b := bucketSpan(k)
		out[k] = 2 * float64(a) * float64(b) / float64(a+b)
	}
	return out
}

// bucketSpan is the smallest and largest whole second of bucket k ≥ 1;
// a > b when the bucket holds no whole second.
func bucketSpan(k int) (a, b int64) {
	a = 1
	if k >= 2 {
		a = upperSec[k-2] + 1
	}
	return a, upperSec[k-1]
}

// maxBucket is the highest bucket.
var maxBucket = len(upperSec)

// BucketSeconds returns the bucket of a duration in whole seconds.
func BucketSeconds(s int64) int {
	if s <= 0 {
		return 0
	}
	if s >= upperSec[len(upperSec)-1] {
		return maxBucket
	}
	// The logarithm finds the bucket up to rounding; the table decides.
	i := min(max(int(math.Ceil(math.Log(float64(s))/lnGamma)), 0), len(upperSec)-1)
	for i > 0 && s <= upperSec[i-1] {
		i--
	}
	for s > upperSec[i] {
		i++
	}
	return i + 1
}

// Bucket returns the bucket of a duration in minutes: its whole seconds,
// to the millisecond the instants are stored in.
func Bucket(minutes float64) int {
	switch {
	case !(minutes > 0): // also catches NaN
		return 0
	case minutes*60 >= maxSecond:
		return maxBucket
	}
	return BucketSeconds(int64(math.Round(minutes*60000)) / 1000)
}

// BucketBounds returns the half-open range [lo, hi) of durations in
// minutes whose whole seconds fall into bucket b.
func BucketBounds(b int) (lo, hi float64) {
	if b <= 0 {
		return 0, 1.0 / 60
	}
	a, z := bucketSpan(min(b, maxBucket))
	return float64(a) / 60, float64(z+1) / 60
}

// bucketMinutes is the value bucket b stands for, in minutes.
func bucketMinutes(b int) float64 {
	if b <= 0 {
		return 0
	}
	return bucketAt[min(b, maxBucket)] / 60
}

// Bin is one bucket of a histogram with its count.
type Bin struct {
	B int
	N int64
}

// Hist is a sparse histogram: bins sorted by bucket, no zero counts.
type Hist []Bin

// Add adds n observations (n may be negative when a contribution is
// withdrawn) to bucket b.
func (h *Hist) Add(b int, n int64) {
	s := *h
	// The first bin at or above b, by hand: this is the innermost loop of
	// a rollup rebuild. Buckets are distinct and sorted, so b can only sit
	// between index last−(s[last].B−b) and b−s[0].B; in a busy row whose
	// buckets are all taken, that pins it.
	i, j := 0, len(s)
	if j > 0 {
		if g := b - s[0].B + 1; g < j {
			j = max(g, 0)
		}
		if g := len(s) - 1 - (s[len(s)-1].B - b); g > 0 {
			i = min(g, j)
		}
	}
	for i < j {
		m := int(uint(i+j) >> 1)
		if s[m].B < b {
			i = m + 1
		} else {
			j = m
		}
	}
	switch {
	case i < len(s) && s[i].B == b:
		s[i].N += n
		if s[i].N == 0 {
			s = append(s[:i], s[i+1:]...)
		}
	case n != 0:
		s = append(s, Bin{})
		copy(s[i+1:], s[i:])
		s[i] = Bin{b, n}
	}
	*h = s
}

// Observe adds one duration in minutes.
func (h *Hist) Observe(minutes float64) { h.Add(Bucket(minutes), 1) }

// Merge adds every bin of o, scaled by sign (1 to add, -1 to withdraw).
func (h *Hist) Merge(o Hist, sign int64) {
	if len(o) <= 4 {
		// A ticket's contribution: a bin or two.
		for _, b := range o {
			h.Add(b.B, sign*b.N)
		}
		return
	}
	// Sums of rollup rows: one pass over both sorted lists, from the back,
	// in place. First count the buckets of o that h lacks.
	s := *h
	extra := 0
	for i, j := 0, 0; j < len(o); {
		switch {
		case i < len(s) && s[i].B < o[j].B:
			i++
		case i < len(s) && s[i].B == o[j].B:
			i, j = i+1, j+1
		default:
			extra, j = extra+1, j+1
		}
	}
	n := len(s) + extra
	if cap(s) < n {
		grown := make(Hist, len(s), n+n/4)
		copy(grown, s)
		s = grown
	}
	// The write position k never falls behind the unread part of s.
	i, j, k := len(s)-1, len(o)-1, n-1
	s = s[:n]
	zeros := false
	for ; j >= 0; k-- {
		switch {
		case i >= 0 && s[i].B > o[j].B:
			s[k] = s[i]
			i--
		case i >= 0 && s[i].B == o[j].B:
			s[k] = Bin{s[i].B, s[i].N + sign*o[j].N}
			zeros = zeros || s[k].N == 0
			i, j = i-1, j-1
		default:
			s[k] = Bin{o[j].B, sign * o[j].N}
			zeros = zeros || s[k].N == 0
			j--
		}
	}
	if zeros {
		s = slices.DeleteFunc(s, func(b Bin) bool { return b.N == 0 })
	}
	*h = s
}

// Count is the number of observations.
func (h Hist) Count() int64 {
	var n int64
	for _, b := range h {
		n += b.N
	}
	return n
}

// QuantileRank is where the p-quantile of n sorted values lies: between
// the values at 0-based ranks lo and lo+1, frac of the way (type 7,
// h = (n−1)·p). p is clamped to [0, 1].
func QuantileRank(n int64, p float64) (lo int64, frac float64) {
	h := math.Max(0, math.Min(1, p)) * float64(n-1)
	lo = int64(math.Floor(h))
	if lo >= n-1 {
		return n - 1, 0
	}
	return lo, h - float64(lo)
}

// Quantile returns the p-quantile (0 ≤ p ≤ 1) in minutes, under the
// definition of QuantileRank, within RelativeAccuracy of the exact
// quantile of the observations. It reports false when the histogram is
// empty.
func (h Hist) Quantile(p float64) (float64, bool) {
	n := h.Count()
	if n <= 0 {
		return 0, false
	}
	lo, frac := QuantileRank(n, p)
	// The bins holding ranks lo and lo+1.
	var cum int64
	i := 0
	for ; i < len(h)-1 && cum+h[i].N <= lo; i++ {
		cum += h[i].N
	}
	v := bucketMinutes(h[i].B)
	if frac == 0 {
		return v, true
	}
	if cum+h[i].N <= lo+1 && i < len(h)-1 {
		i++
	}
	return v + frac*(bucketMinutes(h[i].B)-v), true
}

var errCorruptHist = errors.New("analytics: corrupt histogram")

// Encode returns the histogram as bytes for storage: uvarint pairs of
// bucket delta and count. Only non-negative histograms can be stored.
func (h Hist) Encode() []byte {
	if len(h) == 0 {
		return nil
	}
	out := make([]byte, 0, 4*len(h))
	prev := 0
	for _, b := range h {
		out = binary.AppendUvarint(out, uint64(b.B-prev))
		out = binary.AppendUvarint(out, uint64(b.N))
		prev = b.B
	}
	return out
}

// DecodeHist reads what Encode wrote.
func DecodeHist(p []byte) (Hist, error) {
	if len(p) == 0 {
		return nil, nil
	}
	h := make(Hist, 0, len(p)/2) // a bin takes two bytes or more
	prev := 0
	for len(p) > 0 {
		d, n1 := binary.Uvarint(p)
		if n1 <= 0 || d > uint64(maxBucket) {
			return nil, errCorruptHist
		}
		c, n2 := binary.Uvarint(p[n1:])
		if n2 <= 0 || c == 0 || c > math.MaxInt64 {
			return nil, errCorruptHist
		}
		prev += int(d)
		if prev > maxBucket || len(h) > 0 && d == 0 {
			return nil, errCorruptHist
		}
		h = append(h, Bin{prev, int64(c)})
		p = p[n1+n2:]
	}
	return h, nil
}
