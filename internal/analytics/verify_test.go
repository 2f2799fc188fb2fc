package analytics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// kthDiff must agree with sorting all n₁n₂ differences, ties included.
func TestKthDiffAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 30 {
		n1, n2 := 1+rng.IntN(25), 1+rng.IntN(25)
		x, y := make([]float64, n1), make([]float64, n2)
		for i := range x {
			x[i] = float64(rng.IntN(10)) // many ties
		}
		for i := range y {
			y[i] = float64(rng.IntN(10)) + rng.Float64()*float64(trial%2)
		}
		var all []float64
		for _, a := range x {
			for _, b := range y {
				all = append(all, b-a)
			}
		}
		slices.Sort(all)
		xs, ys := slices.Clone(x), slices.Clone(y)
		slices.Sort(xs)
		slices.Sort(ys)
		for k := 1; k <= len(all); k++ {
			if got := kthDiff(xs, ys, int64(k)); got != all[k-1] {
				t.Fatalf("trial %d: k=%d of %d: got %v, want %v", trial, k, len(all), got, all[k-1])
			}
		}
	}
}

// The Moses interval for the shift must cover the true shift about 95%
// of the time (400 seeded repetitions: the binomial 99.9% band around
// 0.95 is 0.917-0.976).
func TestHodgesLehmannCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	covered := 0
	const reps, shift = 400, 2.0
	for range reps {
		x, y := make([]float64, 40), make([]float64, 55)
		for i := range x {
			x[i] = rng.ExpFloat64() * 3
		}
		for i := range y {
			y[i] = rng.ExpFloat64()*3 + shift
		}
		est, lo, hi := HodgesLehmann(x, y, 0.95)
		if !(lo <= est && est <= hi) {
			t.Fatalf("estimate %v outside its interval [%v, %v]", est, lo, hi)
		}
		if lo <= shift && shift <= hi {
			covered++
		}
	}
	if c := float64(covered) / reps; c < 0.917 || c > 0.976 {
		t.Fatalf("coverage %.3f, want about 0.95", c)
	}
}

func TestVerificationKinds(t *testing.T) {
	cases := map[string]VerifyKind{"res_sla": VerifyRate, "on_time_arrival": VerifyRate, "reopen_rate": VerifyRate,
		"resolution_median": VerifyDuration, "frt_p90": VerifyDuration, "resolution_mean": VerifyMean, "csat_mean": VerifyMean, "nps": VerifyMean}
	for key, want := range cases {
		k, _ := Lookup(key)
		got, err := k.Verification()
		if err != nil || got != want {
			t.Errorf("%s: got %v, %v; want %v", key, got, err, want)
		}
	}
	for _, key := range []string{"created", "backlog", "answer_rate"} {
		k, _ := Lookup(key)
		if _, err := k.Verification(); err == nil {
			t.Errorf("%s: verification should be refused", key)
		}
	}
}

func TestObserve(t *testing.T) {
	loc := time.UTC
	c := time.Date(2026, 3, 2, 9, 0, 0, 0, loc)
	fr, res := c.Add(45*time.Minute), c.Add(50*time.Hour)
	csat, nps := 4, 3
	f := Contribute(&TicketRecord{ID: 1, Status: "resolved", Nature: "repair", Created: c, FirstResponse: &fr, Resolved: &res, CSAT: &csat, NPS: &nps,
		Dims: make([]string, 10)}, loc)
	day := DayOf(c, loc)
	get := func(key string, from, to Day) []float64 {
		k, _ := Lookup(key)
		return k.Observe(&f, from, to, nil)
	}
	if got := get("frt_median", day, day+1); len(got) != 1 || got[0] != 45 {
		t.Errorf("frt: %v", got)
	}
	if got := get("resolution_median", day, day+1); len(got) != 0 {
		t.Errorf("resolution is counted on its own day, not the creation day: %v", got)
	}
	if got := get("resolution_median", day, day+3); len(got) != 1 || got[0] != 50*60 {
		t.Errorf("resolution: %v", got)
	}
	if got := get("csat_mean", day, day+3); len(got) != 1 || got[0] != 4 {
		t.Errorf("csat: %v", got)
	}
	if got := get("nps", day, day+3); len(got) != 1 || got[0] != -100 {
		t.Errorf("nps of a detractor: %v", got)
	}
}

// The seed's worked example: on-time arrival 85% before, 95.7% after,
// against a 95% target. (191 of 200 would leave 9 late arrivals, under
// methods.md's floor of 10 non-events, and be inconclusive.)
func TestJudgeSeedExample(t *testing.T) {
	k, _ := Lookup("on_time_arrival")
	target := 95.0
	v := Judge(k, VerifyRate, Group{X: 170, N: 200}, Group{X: 287, N: 300}, nil, &target)
	// Hand computation: pooled p = 457/500, z = (0.95667 − 0.85)/sqrt(p(1−p)(1/200 + 1/300)) = 4.16771, p = 3.0768e-5.
	if v.Verdict != "effective" || !v.Supported || !v.TargetMet || math.Abs(v.Test.Estimate-10.66667) > 1e-4 ||
		math.Abs(v.Test.Statistic-4.16771) > 1e-4 || math.Abs(v.Test.P-3.0768e-5) > 1e-8 {
		t.Fatalf("%+v", v)
	}
	// Cohen's h = 2·asin√0.95667 − 2·asin√0.85.
	if math.Abs(v.Test.Effect-(2*math.Asin(math.Sqrt(287.0/300))-2*math.Asin(math.Sqrt(0.85)))) > 1e-12 || v.Test.EffectName != "Cohen's h" {
		t.Fatalf("effect size %v %s", v.Test.Effect, v.Test.EffectName)
	}
	// Significant but short of the target.
	v = Judge(k, VerifyRate, Group{X: 850, N: 1000}, Group{X: 900, N: 1000}, nil, &target)
	if v.Verdict != "not_effective" || v.Code != "short_of_target" || !v.Supported || v.TargetMet {
		t.Fatalf("short of target: %+v", v)
	}
	// Not significant.
	v = Judge(k, VerifyRate, Group{X: 170, N: 200}, Group{X: 176, N: 200}, nil, nil)
	if v.Verdict != "not_effective" || v.Code != "not_significant" || v.Supported || !v.TargetMet {
		t.Fatalf("not significant: %+v", v)
	}
	// Too small: 20 per window, or only 9 late arrivals after.
	v = Judge(k, VerifyRate, Group{X: 170, N: 200}, Group{X: 191, N: 200}, nil, &target)
	if v.Verdict != "inconclusive" {
		t.Fatalf("9 non-events: %+v", v)
	}
	v = Judge(k, VerifyRate, Group{X: 17, N: 20}, Group{X: 19, N: 20}, nil, &target)
	if v.Verdict != "inconclusive" {
		t.Fatalf("too small: %+v", v)
	}
	// Wrong direction on a lower-is-better duration.
	rk, _ := Lookup("resolution_median")
	var before, after []float64
	for i := range 60 {
		before = append(before, float64(100+i))
		after = append(after, float64(130+i))
	}
	v = Judge(rk, VerifyDuration, Group{Values: before}, Group{Values: after}, nil, nil)
	if v.Verdict != "not_effective" || v.Code != "wrong_direction" || v.Test.Estimate != 30 || v.Before != 129.5 || v.After != 159.5 {
		t.Fatalf("slower: %+v", v)
	}
	v = Judge(rk, VerifyDuration, Group{Values: after}, Group{Values: before}, nil, nil)
	if v.Verdict != "effective" || v.Test.Estimate != -30 {
		t.Fatalf("faster: %+v", v)
	}
}

// Difference-in-differences of two rates, computed by hand:
// treated 85% → 95%, control 90% → 91%, 200 tickets each; DiD 9 pp,
// SE = 100·sqrt(Σ p(1−p)/n) = 4.16473, z = 2.16100, p = 0.030695.
func TestDiffInDiffRates(t *testing.T) {
	r := Compare(VerifyRate, Group{X: 170, N: 200}, Group{X: 190, N: 200}, &[2]Group{{X: 180, N: 200}, {X: 182, N: 200}}, 0.95)
	if math.Abs(r.Estimate-9) > 1e-9 || math.Abs(r.Statistic-2.16100) > 1e-4 || math.Abs(r.P-0.030695) > 1e-5 ||
		math.Abs(r.CIHigh-r.CILow-2*1.959964*4.16473) > 1e-3 || r.TooSmall {
		t.Fatalf("%+v", r)
	}
	// T14 through the same path: Card-Krueger means as four one-value
	// groups are too small to test but the estimate is the published 2.75.
	r = Compare(VerifyMean, Group{Values: []float64{20.44, 20.44}}, Group{Values: []float64{21.03, 21.03}},
		&[2]Group{{Values: []float64{23.33, 23.33}}, {Values: []float64{21.17, 21.17}}}, 0.95)
	if math.Abs(r.Estimate-2.75) > 1e-9 || !r.TooSmall {
		t.Fatalf("T14: %+v", r)
	}
}

// Cohen's d with the pooled SD: {3..7} against {1..5}, both SD √2.5.
func TestCohensD(t *testing.T) {
	r := Welch([]float64{3, 4, 5, 6, 7}, []float64{1, 2, 3, 4, 5}, 0.95)
	if math.Abs(r.Effect-2/math.Sqrt(2.5)) > 1e-12 || r.EffectName != "Cohen's d" {
		t.Fatalf("d = %v", r.Effect)
	}
}

func BenchmarkHodgesLehmann(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := make([]float64, 20000), make([]float64, 20000)
	for i := range x {
		x[i], y[i] = rng.ExpFloat64()*600, rng.ExpFloat64()*500
	}
	for b.Loop() {
		HodgesLehmann(x, y, 0.95)
	}
}

// Degenerate data: two constant windows have no variance. The test
// reports the limits (t = ±Inf with p = 0, or NaN when nothing changed)
// and the verdict is inconclusive, never effective; NaN is never
// significant.
func TestJudgeNoVariance(t *testing.T) {
	csat, _ := Lookup("csat_mean")
	fives, fours := repeat(5, 40), repeat(4, 40)
	cases := []struct {
		name          string
		kind          VerifyKind
		before, after Group
		ctrl          *[2]Group
		stat, p       float64
	}{
		{"Welch 4 → 5", VerifyMean, Group{Values: fours}, Group{Values: fives}, nil, math.Inf(1), 0},
		{"Welch 5 → 4", VerifyMean, Group{Values: fives}, Group{Values: fours}, nil, math.Inf(-1), 0},
		{"Welch identical", VerifyMean, Group{Values: fives}, Group{Values: fives}, nil, math.NaN(), math.NaN()},
		{"DiD perfect fit", VerifyMean, Group{Values: fours}, Group{Values: fives}, &[2]Group{{Values: fours}, {Values: fours}}, math.Inf(1), 0},
		{"DiD nothing", VerifyMean, Group{Values: fours}, Group{Values: fours}, &[2]Group{{Values: fives}, {Values: fives}}, math.NaN(), math.NaN()},
	}
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := Judge(csat, c.kind, c.before, c.after, c.ctrl, nil)
			if !v.Test.NoVariance || !same(v.Test.Statistic, c.stat) || !same(v.Test.P, c.p) || v.Test.CILow != v.Test.Estimate || v.Test.CIHigh != v.Test.Estimate {
				t.Errorf("test %+v, want statistic %v and p %v", v.Test, c.stat, c.p)
			}
			if v.Verdict != "inconclusive" || v.Code != "no_variance" || v.Supported {
				t.Errorf("verdict %s (%s): %s", v.Verdict, v.Code, v.Reason)
			}
			if c.ctrl == nil && !math.IsNaN(v.Test.Effect) {
				t.Errorf("Cohen's d without spread = %v, want NaN (not shown)", v.Test.Effect)
			}
		})
	}
	// Every duration the same in both windows: nothing to rank.
	frt, _ := Lookup("frt_median")
	v := Judge(frt, VerifyDuration, Group{Values: repeat(10, 60)}, Group{Values: repeat(10, 60)}, nil, nil)
	if !math.IsNaN(v.Test.P) || v.Verdict != "inconclusive" || v.Code != "no_variance" {
		t.Errorf("identical durations: %+v", v)
	}
}

// Heavy ties: first response 50×0 + 50×10 minutes before, 80×0 + 20×10
// after. The Hodges-Lehmann shift is 0 (half the pairs differ by 0), but
// the after window ranks lower, which is what Mann-Whitney tests (p ≈
// 9e-6): the verdict follows the test and the shift is reported as 0.
func TestJudgeHeavyTies(t *testing.T) {
	frt, _ := Lookup("frt_median")
	before := append(repeat(0, 50), repeat(10, 50)...)
	after := append(repeat(0, 80), repeat(10, 20)...)
	v := Judge(frt, VerifyDuration, Group{Values: before}, Group{Values: after}, nil, nil)
	// By hand: mid-ranks 65.5 for the 130 zeros and 165.5 for the 70 tens;
	// R₁ = 50·65.5 + 50·165.5 = 11550, W = 11550 − 5050 = 6500, μ = 5000,
	// σ² = 10000/12·(201 − (130³−130 + 70³−70)/(200·199)) = 114321.608,
	// z = (1500 − 0.5)/σ = 4.434884 → two-sided p = 9.2121691e-6.
	if v.Test.Statistic != 6500 || v.Test.Direction != -1 || math.Abs(v.Test.P-9.212169080739704e-06) > 1e-15 {
		t.Fatalf("W %v, direction %d, p %v", v.Test.Statistic, v.Test.Direction, v.Test.P)
	}
	if v.Test.Estimate != 0 || v.Test.CILow != 0 || v.Test.CIHigh != 0 {
		t.Errorf("shift %v [%v, %v], want 0 [0, 0]", v.Test.Estimate, v.Test.CILow, v.Test.CIHigh)
	}
	if v.Verdict != "effective" || v.Code != "effective" || !v.Supported {
		t.Errorf("verdict %s (%s), p %v: %s", v.Verdict, v.Code, v.Test.P, v.Reason)
	}
	// The same data the other way round is the wrong direction.
	v = Judge(frt, VerifyDuration, Group{Values: after}, Group{Values: before}, nil, nil)
	if v.Verdict != "not_effective" || v.Code != "wrong_direction" {
		t.Errorf("reversed: %s (%s)", v.Verdict, v.Code)
	}
}

// bruteU is the null distribution of U by enumerating every way to pick
// which m of the m+n ranks belong to x: U counts the (x, y) pairs with the
// x above the y.
func bruteU(m, n int) []float64 {
	counts := make([]float64, m*n+1)
	for mask := 0; mask < 1<<(m+n); mask++ {
		if bitsSet(mask) != m {
			continue
		}
		u, ysBelow := 0, 0
		for r := 0; r < m+n; r++ { // ranks from the lowest
			if mask&(1<<r) != 0 {
				u += ysBelow
			} else {
				ysBelow++
			}
		}
		counts[u]++
	}
	return counts
}

func bitsSet(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// The exact cut-off of the Hodges-Lehmann interval, as R's
// wilcox.test(x, y, conf.int = TRUE, exact = TRUE) picks it: C =
// qwilcox(α/2, m, n), the smallest u with P(U ≤ u) ≥ α/2, and the
// interval [D₍C₎, D₍mn+1−C₎] of the sorted differences (R answers C = 0
// with the range of the differences and a warning; the interval is then
// unbounded). Both the distribution and the interval are checked against
// brute force: enumeration of all rankings and sorting all differences.
func TestHodgesLehmannExactCutoff(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for m := 1; m <= 8; m++ {
		for n := 1; n <= 8; n++ {
			want := bruteU(m, n)
			if got := mwCounts(m, n); !slices.Equal(got, want) {
				t.Fatalf("U distribution (%d, %d) = %v, want %v", m, n, got, want)
			}
			var total, cum float64
			for _, c := range want {
				total += c
			}
			c := 0
			for cum += want[0] / total; cum < 0.025-1e-14; cum += want[c] / total {
				c++
			}
			x, y := make([]float64, m), make([]float64, n)
			var diffs []float64
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			for j := range y {
				y[j] = rng.NormFloat64() + 1
			}
			for _, a := range x {
				for _, b := range y {
					diffs = append(diffs, b-a)
				}
			}
			slices.Sort(diffs)
			_, lo, hi := HodgesLehmann(x, y, 0.95)
			wantLo, wantHi := math.Inf(-1), math.Inf(1)
			if c > 0 {
				wantLo, wantHi = diffs[c-1], diffs[m*n-c]
			}
			if lo != wantLo || hi != wantHi {
				t.Errorf("(%d, %d): interval [%v, %v], want [%v, %v] (C = %d)", m, n, lo, hi, wantLo, wantHi, c)
			}
		}
	}
	// m = 2, n = 8: C(10, 2) = 45 rankings, P(U ≤ 0) = 1/45 < 0.025 ≤
	// P(U ≤ 1) = 2/45, so C = 1: the interval is the range of the
	// differences (coverage 1 − 2/45 = 95.6%). The large-sample C,
	// ⌊8 − 1.96·sqrt(16·11/12)⌋ = 0, made it infinite.
	_, lo, hi := HodgesLehmann([]float64{0, 1}, []float64{2, 3, 4, 5, 6, 7, 8, 9}, 0.95)
	if lo != 1 || hi != 9 {
		t.Errorf("(2, 8): [%v, %v], want [1, 9]", lo, hi)
	}
	// Over all size pairs 1..49, the interval is unbounded exactly when no
	// ranking set is rare enough, C(m+n, m) ≤ 40: 91 pairs (the
	// large-sample cut-off made it 119).
	var unbounded int
	for m := 1; m <= 49; m++ {
		for n := 1; n <= 49; n++ {
			x, y := make([]float64, m), make([]float64, n)
			for i := range x {
				x[i] = float64(i)
			}
			for j := range y {
				y[j] = float64(j) + 0.5
			}
			_, lo, _ := HodgesLehmann(x, y, 0.95)
			binom := 1.0
			for i := 1; i <= m; i++ {
				binom = binom * float64(n+i) / float64(i)
			}
			if math.IsInf(lo, -1) != (math.Round(binom) <= 40) {
				t.Errorf("(%d, %d): lower end %v with C(m+n, m) = %v", m, n, lo, binom)
			}
			if math.IsInf(lo, -1) {
				unbounded++
			}
		}
	}
	if unbounded != 91 {
		t.Errorf("%d size pairs give an unbounded interval, want 91", unbounded)
	}
}

// TestCompareSizesBeforeAfter: N1 is the before window's size and N2 the
// after window's for every kind, as the verdict's reason reads them ("1
// before and 0 after"); the mean kind had them the other way round.
func TestCompareSizesBeforeAfter(t *testing.T) {
	before := Group{X: 1, N: 3, Values: []float64{1, 2, 3}}
	after := Group{X: 2, N: 5, Values: []float64{2, 3, 4, 5, 6}}
	for _, kind := range []VerifyKind{VerifyRate, VerifyDuration, VerifyMean} {
		r := Compare(kind, before, after, nil, 0.95)
		if r.N1 != 3 || r.N2 != 5 {
			t.Errorf("kind %v: N1 %d, N2 %d; want 3 before, 5 after", kind, r.N1, r.N2)
		}
		if r.Estimate <= 0 {
			t.Errorf("kind %v: estimate %v, want after - before > 0", kind, r.Estimate)
		}
	}
}
