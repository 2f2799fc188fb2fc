package analytics

import "aftersales"

// Points normalises v linearly between worst (0) and target (100),
// clamped, so a KPI where lower is better simply has worst > target.
func Points(v, target, worst float64) float64 {
	p := (v - worst) / (target - worst) * 100
	return max(0, min(100, p))
}

// WeightedScore combines parts that have data, rescaling their weights;
// coverage is the percent of the total weight that had data.
func WeightedScore(parts []aftersales.ScorePart) (score *float64, coverage float64) {
	var sw, total, sum float64
	for _, p := range parts {
		total += p.Weight
		if p.Points != nil && p.Weight > 0 {
			sw += p.Weight
			sum += p.Weight * *p.Points
		}
	}
	if total > 0 {
		coverage = 100 * sw / total
	}
	if sw == 0 {
		return nil, coverage
	}
	s := sum / sw
	return &s, coverage
}

// Worse reports whether v is on the wrong side of threshold for a KPI.
func Worse(k KPI, v, threshold float64) bool {
	if k.HigherIsBetter {
		return v < threshold
	}
	return v > threshold
}
