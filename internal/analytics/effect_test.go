package analytics

import (
	"math"
	"testing"
)

// T10: statsmodels' two-proportion example.
func TestTwoProportions(t *testing.T) {
	r := TwoProportions(5, 83, 12, 99, 0.95)
	// statsmodels reports z = −1.4078 for (p1 − p2)/SE; ours is after −
	// before, the sign of the estimate p2 − p1 shown with it.
	near(t, "z", r.Statistic, 1.4078, 1e-4)
	near(t, "estimate", r.Estimate, 12.0/99-5.0/83, 1e-15)
	near(t, "p", r.P, 0.159, 1e-3)
	if !r.TooSmall {
		t.Error("5 events is below the floor of 10: too small to conclude")
	}
	// A large, clear change: FCR 70% → 78% on 2,000 tickets each.
	big := TwoProportions(1400, 2000, 1560, 2000, 0.95)
	if big.TooSmall || big.P > 1e-6 || big.CILow < 0.05 || big.CIHigh > 0.11 || math.Abs(big.Estimate-0.08) > 1e-12 {
		t.Errorf("large sample %+v", big)
	}
}

// T11 and the basic_stats case: Welch's t against R's output.
func TestWelch(t *testing.T) {
	g1 := []float64{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0}
	g2 := []float64{1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4}
	r := Welch(g1, g2, 0.95)
	near(t, "t", r.Statistic, -1.8608, 1e-4)
	near(t, "df", r.DF, 17.776, 1e-3)
	near(t, "p", r.P, 0.07939, 1e-5)
	s1 := []float64{14, 15, 15, 15, 16, 18, 22, 23, 24, 25, 25}
	s2 := []float64{10, 12, 14, 15, 18, 22, 24, 27, 31, 33, 34, 34, 34}
	r = Welch(s1, s2, 0.95)
	near(t, "t", r.Statistic, -1.5379, 1e-4)
	near(t, "df", r.DF, 18.137, 1e-3)
	near(t, "p", r.P, 0.1413, 1e-4)
	near(t, "CI low", r.CILow, -10.453875, 1e-5)
	near(t, "CI high", r.CIHigh, 1.614714, 1e-5)
	r = Welch([]float64{2, 1, 3, 4}, []float64{6, 5, 7, 9}, 0.95)
	near(t, "t (moremath)", r.Statistic, -3.9703446152237674, 1e-12)
	near(t, "ν (moremath)", r.DF, 5.584615384615385, 1e-12)
	near(t, "p (moremath)", r.P, 0.0085128631313781695, 1e-9)
}

// T12: Hollander & Wolfe data from R's wilcox.test documentation, and the
// go-moremath cases.
func TestMannWhitney(t *testing.T) {
	x := []float64{0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46}
	y := []float64{1.15, 0.88, 0.90, 0.74, 1.21}
	r := MannWhitney(x, y)
	near(t, "W", r.Statistic, 35, 0)
	near(t, "exact two-sided p", r.P, 0.2544, 1e-4)
	near(t, "common-language A = 35/50", r.Effect, 0.7, 1e-12)
	r = MannWhitney([]float64{2, 1, 3, 5}, []float64{12, 11, 13, 15})
	near(t, "U", r.Statistic, 0, 0)
	near(t, "exact p", r.P, 0.028571428571428577, 1e-12)
	near(t, "Hodges-Lehmann shift", r.Estimate, 10, 1e-12)
	// Large samples: the normal approximation (l1 = 2·(0..499), l2 = 2·(0..599) − 41).
	var l1, l2 []float64
	for i := range 500 {
		l1 = append(l1, float64(2*i))
	}
	for i := range 600 {
		l2 = append(l2, float64(2*i-41))
	}
	r = MannWhitney(l1, l2)
	near(t, "U large", r.Statistic, 135250, 0)
	// R's default continuity correction: without it p is 0.0049320748.
	near(t, "p large", r.P, 0.0049335360814172224, 1e-12)
}

// The normal approximation without continuity correction on the
// Hollander & Wolfe data (R: exact = FALSE, correct = FALSE): two-sided
// 0.2207, and one-sided 0.1103.
func TestMannWhitneyNormal(t *testing.T) {
	n1, n2 := 10.0, 5.0
	mu, v := n1*n2/2, n1*n2*(n1+n2+1)/12
	near(t, "normal two-sided p", mannWhitneyNormal(35, mu, v, false), 0.2207, 1e-4)
	near(t, "normal one-sided p", mannWhitneyNormal(35, mu, v, false)/2, 0.1103, 1e-4)
}

// T14: Card & Krueger's table 3 means.
func TestDiffInDiff(t *testing.T) {
	near(t, "DiD", DiffInDiff(20.44, 21.03, 23.33, 21.17), 2.75, 0.01)
}

func TestDistributions(t *testing.T) {
	near(t, "Φ(1.96)", NormalCDF(1.96), 0.9750021048517795, 1e-12)
	near(t, "Φ⁻¹(0.975)", NormalQuantile(0.975), 1.959963984540054, 1e-9)
	near(t, "t(10) quantile 0.975", StudentQuantile(0.975, 10), 2.2281388519649385, 1e-8)
	near(t, "t(1) CDF(1)", StudentCDF(1, 1), 0.75, 1e-12)
}

// T13: R's power.t.test(delta = 1, sd = 1, power = 0.9) gives n = 22.02110.
func TestPowerTTest(t *testing.T) {
	near(t, "n", PowerTTestN(1, 1, 0.05, 0.9), 22.02110, 1e-4)
	// With ncp = 0 the noncentral t is Student's t.
	near(t, "central", NoncentralTCDF(1.5, 7, 0), StudentCDF(1.5, 7), 1e-9)
}

// The statistic shown beside an estimate has the estimate's sign, for
// every test Compare runs.
func TestStatisticSignFollowsEstimate(t *testing.T) {
	var lo, hi []float64
	for i := range 40 {
		lo, hi = append(lo, float64(i%7)), append(hi, float64(i%7)+2)
	}
	cases := []struct {
		name          string
		kind          VerifyKind
		before, after Group
		ctrl          *[2]Group
	}{
		{"rate up", VerifyRate, Group{X: 50, N: 100}, Group{X: 70, N: 100}, nil},
		{"rate down", VerifyRate, Group{X: 70, N: 100}, Group{X: 50, N: 100}, nil},
		{"mean up", VerifyMean, Group{Values: lo}, Group{Values: hi}, nil},
		{"mean down", VerifyMean, Group{Values: hi}, Group{Values: lo}, nil},
		{"did up", VerifyRate, Group{X: 50, N: 100}, Group{X: 70, N: 100}, &[2]Group{{X: 50, N: 100}, {X: 55, N: 100}}},
		{"did down", VerifyMean, Group{Values: hi}, Group{Values: lo}, &[2]Group{{Values: lo}, {Values: lo}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Compare(c.kind, c.before, c.after, c.ctrl, 0.95)
			if sign(r.Statistic) != sign(r.Estimate) || r.Direction != sign(r.Estimate) || r.Estimate == 0 {
				t.Errorf("estimate %v, statistic %v, direction %d", r.Estimate, r.Statistic, r.Direction)
			}
		})
	}
}
