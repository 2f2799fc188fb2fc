package demo

import (
	"fmt"

	"aftersales"
)

// segments gives the demo company segment rules that fit its history
// (issue #20) and applies them once at the end of loading, so the tiers
// the customers show follow the rules and each says why. The VIPs are key
// accounts by contract: their tier is locked and the rules leave it alone
// (the SLA policies plan deadlines from the customer's current tier, so
// the history's VIP deadlines stay as generated). The rules sort the
// others: regular service or several appliances make a core customer.
func (g *gen) segments(b *aftersales.Bulk) error {
	if g.s.Segments == nil {
		return nil
	}
	for _, c := range b.Customers {
		if c.Tier == aftersales.TierVIP {
			if err := g.s.Segments.SetTierLock(g.ctx, c.ID, true); err != nil {
				return fmt.Errorf("lock the tier of customer %d: %w", c.ID, err)
			}
		}
	}
	rules := []aftersales.SegmentRule{
		{Tier: aftersales.TierCore, Months: 12, MinTickets: ptr(5), MaxComplaints: ptr(2)},
		{Tier: aftersales.TierCore, Months: 24, MinAssets: ptr(3)},
		{Tier: aftersales.TierCore, Months: 12, MinSpend: ptr(int64(200000))},
	}
	if _, err := g.s.Segments.ReplaceSegmentRules(g.ctx, rules); err != nil {
		return fmt.Errorf("segment rules: %w", err)
	}
	o, err := g.s.Segments.EvaluateSegments(g.ctx, nil, false)
	if err != nil {
		return fmt.Errorf("evaluate segments: %w", err)
	}
	g.sum.TierChanges = o.Changed
	return nil
}
