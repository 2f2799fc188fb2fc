package analytics

import (
	"net/url"
	"time"

	"aftersales"
)

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

// DrillQuery is the ticket-list query (console /tickets parameters) for
// the tickets behind a KPI value in a scope and [from, to) (local dates).
// The date range applies to the KPI's cohort: creation or resolution.
func DrillQuery(k KPI, dim aftersales.Dimension, val string, from, to time.Time) url.Values {
	q := url.Values{}
	last := to.AddDate(0, 0, -1).Format(time.DateOnly)
	switch k.Cohort {
	case "resolved":
		q.Set("resolved_from", from.Format(time.DateOnly))
		q.Set("resolved_to", last)
	case "snapshot":
		q.Set("open", "true")
	case "incurred":
		q.Set("cost_from", from.Format(time.DateOnly))
		q.Set("cost_to", last)
	default:
		q.Set("from", from.Format(time.DateOnly))
		q.Set("to", last)
	}
	switch k.Key {
	case "complaints", "complaint_timeliness", "complaint_closure", "complaint_csat":
		q.Set("nature", string(aftersales.NatureComplaint))
	}
	param := map[aftersales.Dimension]string{
		aftersales.DimTeam: "team_id", aftersales.DimTechnician: "assignee_id", aftersales.DimPoint: "unit_id",
		aftersales.DimRegion: "region_id", aftersales.DimCategory: "category_id", aftersales.DimProduct: "product_id",
		aftersales.DimChannel: "channel", aftersales.DimNature: "nature", aftersales.DimUrgency: "urgency", aftersales.DimTier: "tier",
	}[dim]
	if param != "" && val != "" {
		q.Set(param, val)
	}
	return q
}
