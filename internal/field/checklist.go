package field

import "aftersales"

// PickChecklist returns the service checklist that applies to a ticket
// of the given product category (nil: none) and nature: among those whose
// scope matches (an empty scope matches anything), the most specific —
// category and nature, then category alone, then nature alone, then
// neither. nil when none matches.
func PickChecklist(lists []*aftersales.Checklist, category *int64, nature aftersales.Nature) *aftersales.Checklist {
	var best *aftersales.Checklist
	bestScore := -1
	for _, c := range lists {
		score := 0
		if c.CategoryID != nil {
			if category == nil || *category != *c.CategoryID {
				continue
			}
			score += 2
		}
		if c.Nature != "" {
			if c.Nature != nature {
				continue
			}
			score++
		}
		if score > bestScore || score == bestScore && c.ID < best.ID {
			best, bestScore = c, score
		}
	}
	return best
}

// Checks records a checklist as ticked: done lists the positions of the
// items done. bad is the first position that is not an item's (0 when
// all are).
func Checks(c *aftersales.Checklist, done []int) (checks []aftersales.VisitCheck, bad int) {
	ticked := map[int]bool{}
	for _, p := range done {
		ticked[p] = true
	}
	for _, it := range c.Items {
		checks = append(checks, aftersales.VisitCheck{Pos: it.Pos, Label: it.Label, Required: it.Required, Done: ticked[it.Pos]})
		delete(ticked, it.Pos)
	}
	for _, p := range done {
		if ticked[p] {
			return nil, p
		}
	}
	return checks, 0
}
