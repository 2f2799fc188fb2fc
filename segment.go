package aftersales

import (
	"context"
	"fmt"
	"sort"
)

// Customer segments (issue #20): an ordered list of rules computed from a
// customer's history sets the customer's tier. The first rule whose
// conditions all hold wins. With no rules at all, segmentation is off and
// every tier stays as set by hand; with rules, a customer no rule matches
// falls back to TierOrdinary. Every change is recorded with its reason.

// SegmentRule is one rule: the tier it gives and the conditions on the
// customer's history over the last Months months. A nil condition is not
// checked; a rule needs at least one.
type SegmentRule struct {
	Pos           int    `json:"pos,omitempty" readOnly:"true"`
	Tier          string `json:"tier" maxLength:"30"`
	Months        int    `json:"months" minimum:"1" maximum:"120"`
	MinAssets     *int   `json:"min_assets,omitempty" minimum:"0"`
	MinTickets    *int   `json:"min_tickets,omitempty" minimum:"0"`
	MinComplaints *int   `json:"min_complaints,omitempty" minimum:"0"`
	MaxComplaints *int   `json:"max_complaints,omitempty" minimum:"0"`
	// MinSpend is in minor units (fen) of the customer's billable items.
	MinSpend *int64 `json:"min_spend,omitempty" minimum:"0"`
}

// SegmentCounts is a customer's history over one look-back window:
// assets registered (bought), tickets opened, complaints raised, and the
// sum of billable items (minor units).
type SegmentCounts struct {
	Assets     int   `json:"assets"`
	Tickets    int   `json:"tickets"`
	Complaints int   `json:"complaints"`
	Spend      int64 `json:"spend"`
}

// SegmentFacts is what the rules look at for one customer: the counts per
// window length in months.
type SegmentFacts struct {
	CustomerID int64
	Name       string
	Tier       string
	Windows    map[int]SegmentCounts
}

// SegmentReason says why a customer has a tier: the rule (0 when no rule
// matched and the default applied) and the values over its window.
type SegmentReason struct {
	Rule   int          `json:"rule"`
	Tier   string       `json:"tier"`
	Months int          `json:"months,omitempty"`
	Match  *SegmentRule `json:"match,omitempty"`
	SegmentCounts
}

// SegmentChange is one customer whose tier the rules change.
type SegmentChange struct {
	CustomerID int64         `json:"customer_id"`
	Name       string        `json:"name"`
	From       string        `json:"from"`
	To         string        `json:"to"`
	Reason     SegmentReason `json:"reason"`
}

// SegmentOutcome sums an evaluation: customers looked at, the number of
// changes per "from→to", and the changes (all when applied, the first few
// in a dry run).
type SegmentOutcome struct {
	Customers int              `json:"customers"`
	Changed   int              `json:"changed"`
	Moves     []SegmentMove    `json:"moves"`
	Examples  []*SegmentChange `json:"examples"`
	DryRun    bool             `json:"dry_run"`
}

// SegmentMove counts the customers moving from one tier to another.
type SegmentMove struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Count int    `json:"count"`
}

// SegmentService keeps the rules and applies them.
type SegmentService interface {
	ListSegmentRules(ctx context.Context) ([]SegmentRule, error)
	ReplaceSegmentRules(ctx context.Context, rules []SegmentRule) ([]SegmentRule, error)
	// EvaluateSegments applies the stored rules (or, with dry, the given
	// ones without writing anything).
	EvaluateSegments(ctx context.Context, rules []SegmentRule, dry bool) (*SegmentOutcome, error)
	// CustomerTierReason says why a customer has its tier (Tier is empty
	// when it was set by hand).
	CustomerTierReason(ctx context.Context, id int64) (SegmentReason, error)
	// SetTierLock locks a customer's tier against the rules, or unlocks it.
	SetTierLock(ctx context.Context, id int64, locked bool) error
	TierLocked(ctx context.Context, id int64) (bool, error)
}

// ValidateSegmentRules checks a rule list against the known tiers; fields
// are named rules[i].field.
func ValidateSegmentRules(rules []SegmentRule, tiers map[string]bool) error {
	var v Validator
	if len(rules) > 50 {
		v.Add("rules", "at most 50 rules")
	}
	neg := func(field string, p *int) {
		if p != nil {
			v.Check(*p >= 0 && *p <= 1000000, field, "must be between 0 and 1000000")
		}
	}
	for i, r := range rules {
		f := func(name string) string { return fmt.Sprintf("rules[%d].%s", i, name) }
		v.Check(tiers[r.Tier], f("tier"), "is not a known customer tier")
		v.Check(r.Months >= 1 && r.Months <= 120, f("months"), "must be between 1 and 120")
		neg(f("min_assets"), r.MinAssets)
		neg(f("min_tickets"), r.MinTickets)
		neg(f("min_complaints"), r.MinComplaints)
		neg(f("max_complaints"), r.MaxComplaints)
		if r.MinSpend != nil {
			v.Check(*r.MinSpend >= 0 && *r.MinSpend <= 1e13, f("min_spend"), "must be between 0 and 10000000000000")
		}
		if r.MinComplaints != nil && r.MaxComplaints != nil && *r.MinComplaints > *r.MaxComplaints {
			v.Add(f("max_complaints"), "must not be below the minimum")
		}
		v.Check(r.MinAssets != nil || r.MinTickets != nil || r.MinComplaints != nil || r.MaxComplaints != nil || r.MinSpend != nil,
			f("min_assets"), "needs at least one condition")
	}
	return v.Err()
}

// Matches reports whether the counts satisfy every condition of r.
func (r SegmentRule) Matches(c SegmentCounts) bool {
	ge := func(p *int, n int) bool { return p == nil || n >= *p }
	return ge(r.MinAssets, c.Assets) && ge(r.MinTickets, c.Tickets) && ge(r.MinComplaints, c.Complaints) &&
		(r.MaxComplaints == nil || c.Complaints <= *r.MaxComplaints) &&
		(r.MinSpend == nil || c.Spend >= *r.MinSpend)
}

// EvaluateSegment picks the tier for one customer: the first matching
// rule's, or TierOrdinary when none matches. Rules must not be empty
// (no rules means segmentation is off).
func EvaluateSegment(rules []SegmentRule, f SegmentFacts) SegmentReason {
	for i, r := range rules {
		c := f.Windows[r.Months]
		if r.Matches(c) {
			m := r
			m.Pos = i + 1
			return SegmentReason{Rule: i + 1, Tier: r.Tier, Months: r.Months, Match: &m, SegmentCounts: c}
		}
	}
	return SegmentReason{Tier: TierOrdinary}
}

// EvaluateSegments evaluates every customer and returns the changes, in
// customer order, and the outcome's from→to counts.
func EvaluateSegments(rules []SegmentRule, facts []SegmentFacts) ([]*SegmentChange, []SegmentMove) {
	var out []*SegmentChange
	for _, f := range facts {
		r := EvaluateSegment(rules, f)
		if r.Tier == f.Tier {
			continue
		}
		out = append(out, &SegmentChange{CustomerID: f.CustomerID, Name: f.Name, From: f.Tier, To: r.Tier, Reason: r})
	}
	return out, SegmentMoves(out)
}

// SegmentMoves counts changes per from→to, largest first.
func SegmentMoves(changes []*SegmentChange) []SegmentMove {
	moves := map[[2]string]int{}
	for _, c := range changes {
		moves[[2]string{c.From, c.To}]++
	}
	ms := make([]SegmentMove, 0, len(moves))
	for k, n := range moves {
		ms = append(ms, SegmentMove{From: k[0], To: k[1], Count: n})
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Count != ms[j].Count {
			return ms[i].Count > ms[j].Count
		}
		return ms[i].From+ms[i].To < ms[j].From+ms[j].To
	})
	return ms
}

// SegmentWindows lists the distinct look-back windows of the rules.
func SegmentWindows(rules []SegmentRule) []int {
	seen := map[int]bool{}
	var out []int
	for _, r := range rules {
		if !seen[r.Months] {
			seen[r.Months] = true
			out = append(out, r.Months)
		}
	}
	sort.Ints(out)
	return out
}
