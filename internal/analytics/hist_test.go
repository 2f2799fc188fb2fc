package analytics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// sketchBound is RelativeAccuracy with room for float rounding only.
const sketchBound = RelativeAccuracy + 1e-12

// relErr is |got − want| / want; a zero must be exactly zero.
func relErr(got, want float64) float64 {
	switch {
	case want != 0:
		return math.Abs(got-want) / want
	case got == 0:
		return 0
	}
	return math.Inf(1)
}

// TestSketchBuckets proves the bound bucket by bucket: every whole second
// of a bucket maps to it, and the value the bucket stands for is within
// RelativeAccuracy of each of them.
func TestSketchBuckets(t *testing.T) {
	if BucketSeconds(0) != 0 || BucketSeconds(-5) != 0 || bucketMinutes(0) != 0 {
		t.Fatal("zero is not its own bucket")
	}
	prev := int64(0)
	for k := 1; k <= maxBucket; k++ {
		a, b := bucketSpan(k)
		if a != prev+1 {
			t.Fatalf("bucket %d starts at %d s, the one before ended at %d s", k, a, prev)
		}
		if a > b { // holds no whole second
			continue
		}
		prev = b
		if BucketSeconds(a) != k || BucketSeconds(b) != k {
			t.Fatalf("bucket %d holds %d..%d s, but they map to %d and %d", k, a, b, BucketSeconds(a), BucketSeconds(b))
		}
		v := bucketAt[k]
		if e := math.Max(relErr(v, float64(a)), relErr(v, float64(b))); e > RelativeAccuracy {
			t.Fatalf("bucket %d (%d..%d s) stands for %g s: %.4f%% off", k, a, b, v, 100*e)
		}
	}
	if prev < maxSecond {
		t.Fatalf("the buckets end at %d s", prev)
	}
	// Short durations are exact.
	for s := int64(1); s <= 50; s++ {
		if a, b := bucketSpan(BucketSeconds(s)); a != s || b != s {
			t.Errorf("%d s shares bucket %d..%d s", s, a, b)
		}
	}
	for _, v := range []float64{0, 0.5, 1, 2, 59.99, 1024, 1e6} {
		lo, hi := BucketBounds(Bucket(v))
		if v < lo || v >= hi {
			t.Errorf("%g min not in its bucket [%g, %g)", v, lo, hi)
		}
	}
	if b := Bucket(math.Inf(1)); b != maxBucket {
		t.Errorf("an infinite duration is in bucket %d", b)
	}
}

// TestHistQuantileCases are the cases of issue #16 and the edges.
func TestHistQuantileCases(t *testing.T) {
	cases := []struct {
		name    string
		minutes []float64
		p       float64
		want    float64
	}{
		// Sub-minute values used to share one bucket [0, 1) min: 0.1 read 0.83.
		{"six seconds", []float64{0.1}, 0.5, 0.1},
		{"sub-minute median", []float64{0.1, 0.25, 0.35, 0.5, 0.9}, 0.5, 0.35},
		// An even count takes the mean of the middle two (type 7), not the lower one.
		{"n = 4", []float64{0.5, 2.4, 53.8, 90}, 0.5, 28.1},
		{"n = 2", []float64{10, 20}, 0.5, 15},
		{"p90 of 11", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 110}, 0.9, 10},
		{"p90 interpolated", []float64{100, 200, 300, 400}, 0.9, 370},
		{"zeros", []float64{0, 0, 0}, 0.5, 0},
		{"zeros then one", []float64{0, 0, 0, 10}, 0.9, 7},
		{"p0 is the minimum", []float64{3, 7, 1000}, 0, 3},
		{"p1 is the maximum", []float64{3, 7, 1000}, 1, 1000},
		{"a year", []float64{525600}, 0.5, 525600},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var h Hist
			for _, m := range c.minutes {
				h.Observe(m)
			}
			got, ok := h.Quantile(c.p)
			if !ok || relErr(got, c.want) > sketchBound {
				t.Errorf("p%g of %v = %g (%v), want %g within %g%%", 100*c.p, c.minutes, got, ok, c.want, 100*RelativeAccuracy)
			}
			if exact := QuantileSorted(c.minutes, c.p); math.Abs(exact-c.want) > 1e-9*c.want {
				t.Errorf("the verification's definition gives %g, want %g", exact, c.want)
			}
		})
	}
	var empty Hist
	if _, ok := empty.Quantile(0.5); ok || empty.Count() != 0 || empty.Encode() != nil {
		t.Error("an empty histogram has a median, a count or bytes")
	}
	if h, err := DecodeHist(nil); err != nil || len(h) != 0 {
		t.Errorf("empty bytes decode to %v, %v", h, err)
	}
}

// TestHistQuantileBound compares the sketch with the exact type-7
// quantile (QuantileSorted, the verification's definition) for every
// sample size from 1 to 300, on whole-second durations that include
// zeros, sub-minute values and a long tail.
func TestHistQuantileBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 1))
	for n := 1; n <= 300; n++ {
		var h Hist
		xs := make([]float64, n)
		for i := range xs {
			s := int64(0)
			if rng.IntN(10) > 0 {
				s = int64(math.Exp(rng.NormFloat64()*3 + 7)) // seconds, median e⁷ ≈ 18 min
			}
			xs[i] = float64(s) / 60
			h.Add(BucketSeconds(s), 1)
		}
		slices.Sort(xs)
		for _, p := range []float64{0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1} {
			want := QuantileSorted(xs, p)
			got, _ := h.Quantile(p)
			if e := relErr(got, want); e > sketchBound {
				t.Fatalf("n = %d, p%g: %g min, exact %g (%.3f%% off)", n, 100*p, got, want, 100*e)
			}
		}
	}
}

// TestHistMerge: sketches merge by adding counts, in any grouping and
// order, and withdrawing a part restores the rest exactly; encoding
// round-trips.
func TestHistMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var parts [3]Hist
	var all Hist
	var xs []float64
	for i := range 20000 {
		x := math.Exp(rng.NormFloat64()*1.5 + 5) // log-normal minutes, median e⁵ ≈ 148
		if i%7 == 0 {
			x = float64(rng.IntN(60)) / 60 // some sub-minute and zero
		}
		xs = append(xs, math.Floor(math.Round(x*60000)/1000)/60)
		parts[i%3].Observe(x)
		all.Observe(x)
	}
	a, b, c := parts[0], parts[1], parts[2]
	left := slices.Clone(a) // (a + b) + c
	left.Merge(b, 1)
	left.Merge(c, 1)
	bc := slices.Clone(b) // a + (b + c)
	bc.Merge(c, 1)
	right := slices.Clone(a)
	right.Merge(bc, 1)
	cba := slices.Clone(c) // c + b + a, bin by bin
	for _, h := range []Hist{b, a} {
		for _, x := range h {
			cba.Add(x.B, x.N)
		}
	}
	for name, m := range map[string]Hist{"(a+b)+c": left, "a+(b+c)": right, "c+b+a": cba} {
		if !slices.Equal(m, all) {
			t.Errorf("%s differs from observing everything in one sketch", name)
		}
	}
	slices.Sort(xs)
	for _, p := range []float64{0.5, 0.9, 0.99} {
		want := QuantileSorted(xs, p)
		if got, _ := all.Quantile(p); relErr(got, want) > sketchBound {
			t.Errorf("p%g = %g, exact %g", 100*p, got, want)
		}
	}
	left.Merge(b, -1)
	left.Merge(c, -1)
	if !slices.Equal(left, a) {
		t.Error("withdrawing b and c did not restore a")
	}
	left.Merge(a, -1)
	if len(left) != 0 {
		t.Errorf("withdrawing everything left %v", left)
	}
	dec, err := DecodeHist(all.Encode())
	if err != nil || !slices.Equal(dec, all) {
		t.Fatalf("round trip: %v", err)
	}
	for _, p := range [][]byte{{0x80}, {1, 0}, {1, 1, 0, 1}, {0xff, 0xff, 0x7f, 1}} {
		if _, err := DecodeHist(p); err == nil {
			t.Errorf("corrupt bytes %x decoded", p)
		}
	}
}

// TestContributeBuckets: a ticket's durations go into the sketch in whole
// seconds, truncated as in the sums, a negative one as 0.
func TestContributeBuckets(t *testing.T) {
	c := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := c.Add(d); return &x }
	r := &TicketRecord{Status: "closed", Nature: "repair", Created: c, FirstResponse: at(6*time.Second + 900*time.Millisecond),
		Accepted: at(-time.Minute), Resolved: at(28*time.Minute + 6*time.Second)}
	f := Contribute(r, time.UTC)
	got := map[HistKind]int{}
	for _, h := range f.Hists {
		got[h.H] = h.B
	}
	want := map[HistKind]int{HFRT: BucketSeconds(6), HTTA: 0, HRes: BucketSeconds(28*60 + 6)}
	for k, b := range want {
		if got[k] != b {
			t.Errorf("%s in bucket %d, want %d", HistNames[k], got[k], b)
		}
	}
	dec, err := DecodeFact(f.Encode())
	if err != nil || !slices.Equal(dec.Hists, f.Hists) {
		t.Errorf("fact round trip: %v", err)
	}
}

// TestOneQuantileDefinition: the dashboard's sketches and the effect
// verification's levels, computed from each ticket's exact duration, use
// the same quantile, so a verified level and the dashboard agree within
// the sketch's bound.
func TestOneQuantileDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 2))
	for n := 1; n <= 40; n++ {
		var h Hist
		g := Group{}
		for range n {
			s := int64(rng.IntN(20000))
			h.Add(BucketSeconds(s), 1)
			g.Values = append(g.Values, float64(s)/60)
		}
		for key, p := range map[string]float64{"resolution_median": 0.5, "resolution_p90": 0.9} {
			k, _ := Lookup(key)
			level, ok := g.Level(k, VerifyDuration)
			if want := QuantileSorted(slices.Sorted(slices.Values(g.Values)), p); !ok || math.Abs(level-want) > 1e-9*want {
				t.Fatalf("n = %d: verification %s = %g, type-7 quantile %g", n, key, level, want)
			}
			if got := k.Eval(&Agg{H: Hists{HRes: h}}); !got.OK || got.N != int64(n) || relErr(got.V, level) > sketchBound {
				t.Fatalf("n = %d: dashboard %s = %+v, verification level %g", n, key, got, level)
			}
		}
	}
}
