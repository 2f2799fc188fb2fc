package aftersales_test

import (
	"testing"

	"aftersales"

	"github.com/google/go-cmp/cmp"
)

func ip(n int) *int { return &n }

func TestEvaluateSegment(t *testing.T) {
	spend := int64(500000)
	rules := []aftersales.SegmentRule{
		{Tier: aftersales.TierVIP, Months: 12, MinSpend: &spend, MaxComplaints: ip(1)},
		{Tier: aftersales.TierCore, Months: 12, MinAssets: ip(3)},
		{Tier: aftersales.TierCore, Months: 6, MinTickets: ip(4), MinComplaints: ip(0)},
	}
	tests := []struct {
		name     string
		windows  map[int]aftersales.SegmentCounts
		wantTier string
		wantRule int
	}{
		{"no history", nil, aftersales.TierOrdinary, 0},
		{"big spender", map[int]aftersales.SegmentCounts{12: {Spend: 500000}}, aftersales.TierVIP, 1},
		{"big spender who complains", map[int]aftersales.SegmentCounts{12: {Spend: 900000, Complaints: 2, Assets: 3}}, aftersales.TierCore, 2},
		{"two assets are not three", map[int]aftersales.SegmentCounts{12: {Assets: 2}}, aftersales.TierOrdinary, 0},
		{"tickets in the short window", map[int]aftersales.SegmentCounts{12: {Tickets: 9}, 6: {Tickets: 4}}, aftersales.TierCore, 3},
		{"tickets only in the long window", map[int]aftersales.SegmentCounts{12: {Tickets: 9}, 6: {Tickets: 3}}, aftersales.TierOrdinary, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := aftersales.EvaluateSegment(rules, aftersales.SegmentFacts{Windows: tt.windows})
			if r.Tier != tt.wantTier || r.Rule != tt.wantRule {
				t.Errorf("got tier %q rule %d, want %q rule %d", r.Tier, r.Rule, tt.wantTier, tt.wantRule)
			}
			if r.Rule > 0 && (r.Match == nil || r.Match.Pos != r.Rule || r.Months != rules[r.Rule-1].Months) {
				t.Errorf("reason does not name its rule: %+v", r)
			}
		})
	}
	changes, moves := aftersales.EvaluateSegments(rules, []aftersales.SegmentFacts{
		{CustomerID: 1, Tier: aftersales.TierOrdinary, Windows: map[int]aftersales.SegmentCounts{12: {Assets: 3}}},
		{CustomerID: 2, Tier: aftersales.TierCore, Windows: map[int]aftersales.SegmentCounts{12: {Assets: 4}}},
		{CustomerID: 3, Tier: aftersales.TierVIP},
		{CustomerID: 4, Tier: aftersales.TierOrdinary, Windows: map[int]aftersales.SegmentCounts{12: {Assets: 5}}},
	})
	if len(changes) != 3 {
		t.Fatalf("changes: %+v", changes)
	}
	want := []aftersales.SegmentMove{{From: "ordinary", To: "core", Count: 2}, {From: "vip", To: "ordinary", Count: 1}}
	if d := cmp.Diff(want, moves); d != "" {
		t.Errorf("moves (-want +got):\n%s", d)
	}
}

func TestValidateSegmentRules(t *testing.T) {
	tiers := map[string]bool{"vip": true, "core": true, "ordinary": true}
	tests := []struct {
		name  string
		rules []aftersales.SegmentRule
		field string
	}{
		{"unknown tier", []aftersales.SegmentRule{{Tier: "gold", Months: 12, MinAssets: ip(1)}}, "rules[0].tier"},
		{"zero months", []aftersales.SegmentRule{{Tier: "core", Months: 0, MinAssets: ip(1)}}, "rules[0].months"},
		{"no condition", []aftersales.SegmentRule{{Tier: "core", Months: 12}}, "rules[0].min_assets"},
		{"max below min", []aftersales.SegmentRule{{Tier: "core", Months: 12}, {Tier: "vip", Months: 1, MinComplaints: ip(3), MaxComplaints: ip(1)}}, "rules[1].max_complaints"},
		{"negative tickets", []aftersales.SegmentRule{{Tier: "core", Months: 12, MinTickets: ip(-1)}}, "rules[0].min_tickets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := aftersales.ValidateSegmentRules(tt.rules, tiers)
			found := false
			for _, f := range aftersales.ErrorFields(err) {
				found = found || f.Field == tt.field
			}
			if !found {
				t.Errorf("want an error on %s, got %v", tt.field, err)
			}
		})
	}
	if err := aftersales.ValidateSegmentRules([]aftersales.SegmentRule{{Tier: "core", Months: 12, MinAssets: ip(3)}}, tiers); err != nil {
		t.Errorf("a good rule: %v", err)
	}
}
