package analytics

import (
	"cmp"
	"slices"
)

// ParetoItem is one category of a Pareto analysis.
type ParetoItem struct {
	Key     string  `json:"key"`
	Count   float64 `json:"count"`
	Percent float64 `json:"percent"`
	CumPct  float64 `json:"cum_percent"`
	Vital   bool    `json:"vital"` // among the vital few
}

// OtherKey is the category that always sorts last, whatever its size.
const OtherKey = "other"

// Pareto sorts categories by count descending (ties by key, "other"
// last), accumulates percentages and marks the vital few: categories in
// order until the cumulative share first reaches 80%, the crossing one
// included (methods.md §4.1).
func Pareto(counts map[string]float64) []ParetoItem {
	items := make([]ParetoItem, 0, len(counts))
	var total float64
	for k, c := range counts {
		if c <= 0 {
			continue
		}
		items = append(items, ParetoItem{Key: k, Count: c})
		total += c
	}
	slices.SortFunc(items, func(a, b ParetoItem) int {
		if (a.Key == OtherKey) != (b.Key == OtherKey) {
			if a.Key == OtherKey {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	var cum float64
	reached := false
	for i := range items {
		cum += items[i].Count
		items[i].Percent = 100 * items[i].Count / total
		items[i].CumPct = 100 * cum / total
		items[i].Vital = !reached
		// Round to 1e-9 so that a share of exactly 80% counts as reached.
		if items[i].CumPct >= 80-1e-9 {
			reached = true
		}
	}
	return items
}
