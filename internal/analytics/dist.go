package analytics

import "math"

// NormalCDF is Φ(x).
func NormalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// NormalQuantile is Φ⁻¹(p), by Newton steps from a rational start
// (accurate to about 1e-12 for 1e-300 < p < 1).
func NormalQuantile(p float64) float64 {
	if p <= 0 {
		return math.Inf(-1)
	}
	if p >= 1 {
		return math.Inf(1)
	}
	// Start: the inverse of the logistic approximation, then refine.
	x := math.Sqrt(2) * math.Erfinv(2*p-1)
	for range 3 {
		d := (NormalCDF(x) - p) / (math.Exp(-x*x/2) / math.Sqrt(2*math.Pi))
		x -= d
	}
	return x
}

// StudentCDF is the CDF of Student's t with df degrees of freedom (df may
// be fractional, as Welch's test needs).
func StudentCDF(t, df float64) float64 {
	x := df / (df + t*t)
	tail := 0.5 * RegIncBeta(df/2, 0.5, x)
	if t > 0 {
		return 1 - tail
	}
	return tail
}

// StudentQuantile inverts StudentCDF by bisection on a bracket that
// doubles until it holds p.
func StudentQuantile(p, df float64) float64 {
	if p == 0.5 {
		return 0
	}
	lo, hi := -1.0, 1.0
	for StudentCDF(lo, df) > p {
		lo *= 2
	}
	for StudentCDF(hi, df) < p {
		hi *= 2
	}
	for range 200 {
		mid := (lo + hi) / 2
		if StudentCDF(mid, df) < p {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo < 1e-12 {
			break
		}
	}
	return (lo + hi) / 2
}

// RegIncBeta is the regularized incomplete beta function I_x(a, b),
// evaluated with Lentz's continued fraction on the side where it
// converges fast.
func RegIncBeta(a, b, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

// betaCF is the continued fraction of the incomplete beta function.
func betaCF(a, b, x float64) float64 {
	const tiny = 1e-300
	c, d := 1.0, 1-(a+b)*x/(a+1)
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 500; m++ {
		fm := float64(m)
		// Even step.
		num := fm * (b - fm) * x / ((a + 2*fm - 1) * (a + 2*fm))
		d = 1 + num*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + num/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		// Odd step.
		num = -(a + fm) * (a + b + fm) * x / ((a + 2*fm) * (a + 2*fm + 1))
		d = 1 + num*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + num/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-15 {
			break
		}
	}
	return h
}

// NoncentralTCDF is P(T ≤ t) for a noncentral t with df degrees of
// freedom and noncentrality ncp, by integrating Φ(t·√(u/df) − ncp)
// against the χ²(df) density of u (Simpson's rule on a fine grid over
// the bulk of the χ² distribution).
func NoncentralTCDF(t, df, ncp float64) float64 {
	lg, _ := math.Lgamma(df / 2)
	logc := -df/2*math.Ln2 - lg
	dens := func(u float64) float64 {
		if u <= 0 {
			return 0
		}
		return math.Exp(logc + (df/2-1)*math.Log(u) - u/2)
	}
	f := func(u float64) float64 { return NormalCDF(t*math.Sqrt(u/df)-ncp) * dens(u) }
	hi := df + 40*math.Sqrt(2*df) + 40
	const n = 20000 // even
	h := hi / n
	s := f(0) + f(hi)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		s += w * f(float64(i)*h)
	}
	return s * h / 3
}

// PowerTTestN is the per-group sample size of a two-sample, two-sided t
// test detecting a difference delta with standard deviation sd at level
// alpha with the given power (R's power.t.test with strict = FALSE:
// power = 1 − P(T' ≤ t₁₋α/₂) for T' noncentral with df = 2(n−1), ncp =
// delta·√(n/2)/sd). The answer is fractional, as R reports it.
func PowerTTestN(delta, sd, alpha, power float64) float64 {
	pow := func(n float64) float64 {
		df := 2 * (n - 1)
		q := StudentQuantile(1-alpha/2, df)
		return 1 - NoncentralTCDF(q, df, delta*math.Sqrt(n/2)/sd)
	}
	lo, hi := 2.0, 4.0
	for pow(hi) < power {
		lo, hi = hi, hi*2
	}
	for range 100 {
		mid := (lo + hi) / 2
		if pow(mid) < power {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo < 1e-7 {
			break
		}
	}
	return (lo + hi) / 2
}
