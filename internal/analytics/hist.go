package analytics

import (
	"encoding/binary"
	"errors"
	"math"
)

// Durations are kept in log-spaced buckets so that histograms of
// different days, teams or regions merge by adding counts, and medians
// and percentiles of any combination come out of the merged histogram.
// Bucket 0 holds [0, 1) minute; bucket b ≥ 1 holds
// [2^((b-1)/8), 2^(b/8)) minutes, so a bucket is 9% wide and a
// percentile read from the histogram is within 9% of the exact one.
const bucketsPerOctave = 8

// Bucket returns the bucket of a duration in minutes. Negative
// durations fall into bucket 0.
func Bucket(minutes float64) int {
	if !(minutes >= 1) { // also catches NaN
		return 0
	}
	b := 1 + int(math.Floor(math.Log2(minutes)*bucketsPerOctave))
	// Guard against log rounding at exact powers.
	if lo, _ := BucketBounds(b); minutes < lo {
		b--
	}
	return b
}

// BucketBounds returns the half-open range [lo, hi) of bucket b in minutes.
func BucketBounds(b int) (lo, hi float64) {
	if b <= 0 {
		return 0, 1
	}
	return math.Exp2(float64(b-1) / bucketsPerOctave), math.Exp2(float64(b) / bucketsPerOctave)
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
	// a rollup rebuild.
	i, j := 0, len(s)
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
	for _, b := range o {
		h.Add(b.B, sign*b.N)
	}
}

// Count is the number of observations.
func (h Hist) Count() int64 {
	var n int64
	for _, b := range h {
		n += b.N
	}
	return n
}

// Quantile returns the p-quantile (0 ≤ p ≤ 1), interpolating linearly
// inside the bucket that holds rank p·N. It reports false when the
// histogram is empty.
func (h Hist) Quantile(p float64) (float64, bool) {
	n := h.Count()
	if n <= 0 {
		return 0, false
	}
	target := p * float64(n)
	var cum float64
	for _, b := range h {
		c := float64(b.N)
		if cum+c >= target || b == h[len(h)-1] {
			lo, hi := BucketBounds(b.B)
			f := (target - cum) / c
			f = math.Max(0, math.Min(1, f))
			return lo + f*(hi-lo), true
		}
		cum += c
	}
	return 0, false
}

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
	var h Hist
	prev := 0
	for len(p) > 0 {
		d, n1 := binary.Uvarint(p)
		if n1 <= 0 {
			return nil, errors.New("analytics: corrupt histogram")
		}
		c, n2 := binary.Uvarint(p[n1:])
		if n2 <= 0 {
			return nil, errors.New("analytics: corrupt histogram")
		}
		prev += int(d)
		h = append(h, Bin{prev, int64(c)})
		p = p[n1+n2:]
	}
	return h, nil
}
