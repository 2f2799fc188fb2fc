package analytics

// Rule names a Western Electric run rule (methods.md §2.4), evaluated on
// standardised values z = (x − centre)/σ of each point, which is how
// variable-limit p and u charts are judged.
type Rule string

const (
	WE1 Rule = "we1" // one point beyond 3σ
	WE2 Rule = "we2" // 2 of 3 consecutive beyond 2σ, same side
	WE3 Rule = "we3" // 4 of 5 consecutive beyond 1σ, same side
	WE4 Rule = "we4" // 8 consecutive on the same side of the centre
)

// AllRules is the full Western Electric set; DefaultRules the subset
// methods.md recommends per metric to keep the false-alarm budget
// (ARL₀ ≈ 370 for WE1 alone, 91.75 for all four).
var (
	AllRules     = []Rule{WE1, WE2, WE3, WE4}
	DefaultRules = []Rule{WE1, WE2, WE4}
)

// Signal is a rule that fired at a point (0-based index).
type Signal struct {
	Point int  `json:"point"`
	Rule  Rule `json:"rule"`
	// High is true when the signal lies above the centre line.
	High bool `json:"high"`
}

// Check evaluates rules on z and returns every (point, rule) that fires,
// the point being the last of the window that completes the pattern.
func Check(z []float64, rules []Rule) []Signal {
	var out []Signal
	for i := range z {
		for _, r := range rules {
			if high, ok := fires(z, i, r); ok {
				out = append(out, Signal{Point: i, Rule: r, High: high})
			}
		}
	}
	return out
}

// fires reports whether rule r is completed by the window ending at i.
func fires(z []float64, i int, r Rule) (high, ok bool) {
	switch r {
	case WE1:
		if z[i] > 3 || z[i] < -3 {
			return z[i] > 0, true
		}
	case WE2:
		return kOfN(z, i, 2, 3, 2)
	case WE3:
		return kOfN(z, i, 4, 5, 1)
	case WE4:
		if i < 7 {
			return false, false
		}
		up, down := true, true
		for j := i - 7; j <= i; j++ {
			up = up && z[j] > 0
			down = down && z[j] < 0
		}
		if up || down {
			return up, true
		}
	}
	return false, false
}

// kOfN: at least k of the n points ending at i lie beyond ±limit on the
// same side, and point i is one of them (so a signal is raised once, when
// the pattern completes, not again for every later window containing it).
// At the start of a series the window is the points so far: [2.5, 2.5]
// already holds 2 of 3 beyond 2σ whatever the third point is, so WE2
// fires at point 1 (as in Champ and Woodall's ARL chains, which start
// with no points beyond).
func kOfN(z []float64, i, k, n int, limit float64) (high, ok bool) {
	var up, down int
	for j := max(0, i-n+1); j <= i; j++ {
		if z[j] > limit {
			up++
		}
		if z[j] < -limit {
			down++
		}
	}
	if up >= k && z[i] > limit {
		return true, true
	}
	if down >= k && z[i] < -limit {
		return false, true
	}
	return false, false
}
