package analytics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.10g, want %.10g (±%g)", name, got, want, tol)
	}
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// out returns the 1-based indices of points beyond the limits.
func out(ps []Point) []int {
	var o []int
	for i, p := range ps {
		if p.Value > p.UCL || p.Value < p.LCL {
			o = append(o, i+1)
		}
	}
	return o
}

// T2, T3: qcc orangejuice p-chart and its Phase I revision.
func TestPChartOrangeJuice(t *testing.T) {
	d := []float64{12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6}
	n := repeat(50, len(d))
	l, err := Baseline(PChart, d, n, nil)
	if err != nil {
		t.Fatal(err)
	}
	ps := Plot(l, d, n)
	near(t, "p̄", l.Center, 0.2313333, 1e-7)
	near(t, "σ", ps[0].Sigma, 0.05963526, 1e-7)
	near(t, "LCL", ps[0].LCL, 0.05242755, 1e-7)
	near(t, "UCL", ps[0].UCL, 0.4102391, 1e-7)
	if got := out(ps); !slices.Equal(got, []int{15, 23}) {
		t.Errorf("out of control %v, want [15 23]", got)
	}
	// WE1 on the standardised values finds the same two points.
	var we1 []int
	z := make([]float64, len(ps))
	for i, p := range ps {
		z[i] = p.Z
	}
	for _, s := range Check(z, []Rule{WE1}) {
		we1 = append(we1, s.Point+1)
	}
	if !slices.Equal(we1, []int{15, 23}) {
		t.Errorf("WE1 %v, want [15 23]", we1)
	}

	rev, err := Baseline(PChart, d, n, map[int]bool{14: true, 22: true})
	if err != nil {
		t.Fatal(err)
	}
	rp := Plot(rev, d, n)
	near(t, "revised p̄", rev.Center, 0.215, 1e-9)
	near(t, "revised LCL", rp[0].LCL, 0.04070284, 1e-7)
	near(t, "revised UCL", rp[0].UCL, 0.3892972, 1e-7)
}

// T4: qcc circuit c-chart, and its revision without 6 and 20.
func TestCChartCircuit(t *testing.T) {
	c := []float64{21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22, 18, 39, 30, 24, 16, 19, 17, 15}
	l, _ := Baseline(CChart, c, nil, nil)
	ps := Plot(l, c, nil)
	near(t, "c̄", l.Center, 19.84615, 1e-5)
	near(t, "LCL", ps[0].LCL, 6.481447, 1e-6)
	near(t, "UCL", ps[0].UCL, 33.21086, 1e-5)
	if got := out(ps); !slices.Equal(got, []int{6, 20}) {
		t.Errorf("out of control %v, want [6 20]", got)
	}
	rev, _ := Baseline(CChart, c, nil, map[int]bool{5: true, 19: true})
	rp := Plot(rev, c, nil)
	near(t, "revised c̄", rev.Center, 19.66667, 1e-5)
	near(t, "revised LCL", rp[0].LCL, 6.362532, 1e-6)
	near(t, "revised UCL", rp[0].UCL, 32.9708, 1e-4)
}

// T5: qcc pcmanufact u-chart (n = 5 per sample).
func TestUChartPCManufact(t *testing.T) {
	c := []float64{10, 12, 8, 14, 10, 16, 11, 7, 10, 15, 9, 5, 7, 11, 12, 6, 8, 10, 7, 5}
	n := repeat(5, len(c))
	l, _ := Baseline(UChart, c, n, nil)
	ps := Plot(l, c, n)
	near(t, "ū", l.Center, 1.93, 1e-9)
	near(t, "LCL", ps[0].LCL, 0.06613305, 1e-7)
	near(t, "UCL", ps[0].UCL, 3.793867, 1e-6)
	// Varying exposure widens the limits where exposure is small.
	n2 := slices.Clone(n)
	n2[0] = 1
	if p := Plot(l, c, n2); p[0].UCL <= ps[0].UCL {
		t.Errorf("u-chart limits did not widen for a smaller exposure")
	}
}

// T6: qcc viscosity individuals chart, and without batch 4.
func TestXmRViscosity(t *testing.T) {
	x := []float64{34.05, 34.40, 33.59, 35.96, 34.70, 33.51, 33.79, 34.04, 34.52, 33.75, 33.27, 33.71, 34.03, 34.58, 34.02, 33.97, 34.05, 34.04, 33.73, 34.05}
	l, _ := Baseline(XmR, x, nil, nil)
	ps := Plot(l, x, nil)
	near(t, "x̄", l.Center, 34.088, 1e-9)
	near(t, "σ̂", l.Sigma, 0.5076521, 1e-7)
	near(t, "LCL", ps[0].LCL, 32.56504, 1e-5)
	near(t, "UCL", ps[0].UCL, 35.61096, 1e-5)
	// Dropping batch 4 means re-running the baseline on the remaining series.
	rest := slices.Delete(slices.Clone(x), 3, 4)
	rev, _ := Baseline(XmR, rest, nil, nil)
	near(t, "revised x̄", rev.Center, 33.98947, 1e-5)
	near(t, "revised σ̂", rev.Sigma, 0.4117415, 1e-7)
	near(t, "revised LCL", rev.Center-3*rev.Sigma, 32.75425, 1e-5)
	near(t, "revised UCL", rev.Center+3*rev.Sigma, 35.2247, 1e-4)
}

// pistonrings is Montgomery's piston-ring diameter data, samples 1-25 of
// 5 rings each (qcc data/pistonrings), the Phase I data of test vector T7.
var pistonrings = [][]float64{
	{74.030, 74.002, 74.019, 73.992, 74.008}, {73.995, 73.992, 74.001, 74.011, 74.004},
	{73.988, 74.024, 74.021, 74.005, 74.002}, {74.002, 73.996, 73.993, 74.015, 74.009},
	{73.992, 74.007, 74.015, 73.989, 74.014}, {74.009, 73.994, 73.997, 73.985, 73.993},
	{73.995, 74.006, 73.994, 74.000, 74.005}, {73.985, 74.003, 73.993, 74.015, 73.988},
	{74.008, 73.995, 74.009, 74.005, 74.004}, {73.998, 74.000, 73.990, 74.007, 73.995},
	{73.994, 73.998, 73.994, 73.995, 73.990}, {74.004, 74.000, 74.007, 74.000, 73.996},
	{73.983, 74.002, 73.998, 73.997, 74.012}, {74.006, 73.967, 73.994, 74.000, 73.984},
	{74.012, 74.014, 73.998, 73.999, 74.007}, {74.000, 73.984, 74.005, 73.998, 73.996},
	{73.994, 74.012, 73.986, 74.005, 74.007}, {74.006, 74.010, 74.018, 74.003, 74.000},
	{73.984, 74.002, 74.003, 74.005, 73.997}, {74.000, 74.010, 74.013, 74.020, 74.003},
	{73.988, 74.001, 74.009, 74.005, 73.996}, {74.004, 73.999, 73.990, 74.006, 74.009},
	{74.010, 73.989, 73.990, 74.009, 74.014}, {74.015, 74.008, 73.993, 74.000, 74.010},
	{73.982, 73.984, 73.995, 74.017, 74.013},
}

// T7: X̄–R and X̄–S on pistonrings.
func TestXbarPistonRings(t *testing.T) {
	r, err := SubgroupBaseline(XbarR, pistonrings)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "x̿", r.Center, 74.00118, 1e-5)
	near(t, "σ̂ (R̄/d₂)", r.Sigma, 0.009785039, 1e-8)
	ps := Plot(r.Limits, r.Means, repeat(5, len(r.Means)))
	near(t, "LCL", ps[0].LCL, 73.98805, 1e-5)
	near(t, "UCL", ps[0].UCL, 74.0143, 1e-4)
	near(t, "R̄", r.RBar, 0.02276, 1e-9)
	near(t, "R UCL", r.RUCL, 0.04812533, 1e-4) // D₄ from the 3-decimal table
	s, _ := SubgroupBaseline(XbarS, pistonrings)
	near(t, "S̄", s.SBar, 0.009240037, 1e-9)
	near(t, "σ̂ (S̄/c₄)", s.Sigma, 0.009829977, 1e-6)
	near(t, "S UCL", s.SUCL, 0.01930242, 1e-6)
	near(t, "c₄(5)", C4(5), 0.9400, 1e-4)
}

// T8: the qcc Pareto example; the cumulative share hits exactly 80% at
// the third category, which must be included.
func TestParetoQCC(t *testing.T) {
	got := Pareto(map[string]float64{"contact num.": 94, "price code": 80, "supplier code": 66, "part num.": 33, "schedule date": 27})
	wantKeys := []string{"contact num.", "price code", "supplier code", "part num.", "schedule date"}
	wantCum := []float64{31.33, 58.00, 80.00, 91.00, 100}
	for i, it := range got {
		if it.Key != wantKeys[i] {
			t.Fatalf("order %d = %q, want %q", i, it.Key, wantKeys[i])
		}
		near(t, "cum% "+it.Key, it.CumPct, wantCum[i], 0.005)
		if it.Vital != (i < 3) {
			t.Errorf("%s vital = %v", it.Key, it.Vital)
		}
	}
	// "other" sorts last whatever its size.
	o := Pareto(map[string]float64{"a": 1, OtherKey: 50, "b": 2})
	if o[2].Key != OtherKey || o[0].Key != "b" {
		t.Errorf("other not last: %+v", o)
	}
}

// T9: with all four Western Electric rules on in-control N(0,1) data, the
// average run length to the first (false) signal is 91.75 (Champ &
// Woodall 1987). 20,000 simulated runs estimate it within about ±1.3%.
// runLength is how many in-control N(0,1) points the rules take to
// signal, by calling Check on the series as it grows (only the newest
// point's signals are new).
func runLength(rng *rand.Rand, rules []Rule, z []float64) int {
	z = z[:0]
	for {
		z = append(z, rng.NormFloat64())
		for _, s := range Check(z[max(0, len(z)-8):], rules) {
			if s.Point == min(len(z), 8)-1 {
				return len(z)
			}
		}
	}
}

func TestWesternElectricARL(t *testing.T) {
	z := make([]float64, 0, 4096)
	arl := func(seed uint64, rules []Rule, runs int) float64 {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		var total int
		for range runs {
			total += runLength(rng, rules, z)
		}
		return float64(total) / float64(runs)
	}
	// Champ and Woodall (1987): 91.75 for all four rules.
	all := arl(1, AllRules, 20000)
	near(t, "ARL₀ (all WE rules)", all, 91.75, 91.75*0.02)
	// WE1 alone: 1/P(|Z| > 3) = 1/0.0026998 ≈ 370.4.
	we1 := arl(3, []Rule{WE1}, 5000)
	near(t, "ARL₀ (WE1)", we1, 370.4, 370.4*0.06)
	t.Logf("ARL₀: all rules %.2f, WE1 %.1f", all, we1)
}

// TestZeroSpreadBaseline: a baseline without spread (0 of 100 every week,
// or the same value every week) has its limits on the centre line; any
// departure signals, staying on the centre does not.
func TestZeroSpreadBaseline(t *testing.T) {
	cases := []struct {
		name   string
		kind   ChartKind
		base   []float64
		ns     []float64
		next   []float64
		nextNs []float64
		want   []Signal
	}{
		{"p at 0%", PChart, []float64{0, 0, 0, 0, 0, 0, 0, 0}, []float64{100, 100, 100, 100, 100, 100, 100, 100},
			[]float64{0, 1, 0}, []float64{100, 100, 120}, []Signal{{1, WE1, true}}},
		{"p at 100%", PChart, []float64{50, 50, 50, 50, 50, 50, 50, 50}, []float64{50, 50, 50, 50, 50, 50, 50, 50},
			[]float64{40, 49}, []float64{40, 50}, []Signal{{1, WE1, false}}},
		{"c at 0", CChart, []float64{0, 0, 0, 0, 0, 0, 0, 0}, nil, []float64{0, 2}, nil, []Signal{{1, WE1, true}}},
		{"xmr constant", XmR, []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}, nil,
			[]float64{0.1, 0.1, 0.3}, nil, []Signal{{2, WE1, true}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := Baseline(c.kind, c.base, c.ns, nil)
			if err != nil {
				t.Fatal(err)
			}
			pts := Plot(l, c.next, c.nextNs)
			z := make([]float64, len(pts))
			for i, p := range pts {
				z[i] = p.Z
			}
			if got := Check(z, []Rule{WE1}); !slices.Equal(got, c.want) {
				t.Errorf("signals %+v (z %v), want %+v", got, z, c.want)
			}
		})
	}
}

func TestRulesShifts(t *testing.T) {
	cases := []struct {
		name string
		z    []float64
		want Signal
	}{
		{"WE2 low", []float64{0, -2.5, 0.5, -2.1}, Signal{3, WE2, false}},
		{"WE3 high", []float64{1.5, 1.2, 0, 1.1, 1.3}, Signal{4, WE3, true}},
		{"WE4 high", []float64{0.1, 0.2, 0.3, 0.1, 0.5, 0.2, 0.1, 0.4}, Signal{7, WE4, true}},
		{"WE1 low", []float64{0, -3.2}, Signal{1, WE1, false}},
		// Patterns complete at the very start of a series.
		{"WE2 at the start", []float64{2.5, 2.5, 0}, Signal{1, WE2, true}},
		{"WE2 at the start, low", []float64{-2.1, 0, -2.2}, Signal{2, WE2, false}},
		{"WE3 at the start", []float64{1.5, 1.5, 1.5, 1.5, 0}, Signal{3, WE3, true}},
		{"WE3 at the start, one inside", []float64{-1.5, -1.5, 0, -1.5, -1.5}, Signal{4, WE3, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Check(c.z, AllRules)
			if !slices.Contains(got, c.want) {
				t.Errorf("signals %+v, want %+v among them", got, c.want)
			}
		})
	}
	if s := Check([]float64{0.1, -0.2, 0.5, 1.1, -1.2, 0.3, 2.1, -0.1, 0.2}, AllRules); len(s) != 0 {
		t.Errorf("in-control series signalled: %+v", s)
	}
}

func TestHistQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var xs []float64
	var a, b Hist
	for i := range 20000 {
		x := math.Exp(rng.NormFloat64()*1.5 + 5) // log-normal minutes, median e⁵ ≈ 148
		xs = append(xs, x)
		if i%2 == 0 {
			a.Observe(x)
		} else {
			b.Observe(x)
		}
	}
	// Merging two halves equals observing everything in one histogram.
	var all Hist
	for _, x := range xs {
		all.Observe(x)
	}
	m := slices.Clone(a)
	m.Merge(b, 1)
	if !slices.Equal(m, all) {
		t.Fatal("merged histogram differs from the single one")
	}
	slices.Sort(xs)
	for _, p := range []float64{0.5, 0.9, 0.99} {
		exact := xs[int(p*float64(len(xs)))]
		got, _ := all.Quantile(p)
		if math.Abs(got-exact)/exact > 0.09 {
			t.Errorf("p%.0f = %.1f, exact %.1f: more than one bucket (9%%) off", p*100, got, exact)
		}
	}
	// Withdrawing b again leaves a; encoding round-trips.
	m.Merge(b, -1)
	if !slices.Equal(m, a) {
		t.Fatal("withdrawing did not restore")
	}
	dec, err := DecodeHist(a.Encode())
	if err != nil || !slices.Equal(dec, a) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := DecodeHist([]byte{0x80}); err == nil {
		t.Error("corrupt bytes decoded")
	}
	var empty Hist
	if _, ok := empty.Quantile(0.5); ok {
		t.Error("empty histogram has a median")
	}
	for _, v := range []float64{0, 0.5, 1, 2, 1024, 1e6} {
		lo, hi := BucketBounds(Bucket(v))
		if v < lo || v >= hi {
			t.Errorf("%g not in its bucket [%g,%g)", v, lo, hi)
		}
	}
}
