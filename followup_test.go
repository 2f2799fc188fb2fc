package aftersales

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSelectFollowup(t *testing.T) {
	complaints := &FollowupPolicy{ID: 1, Active: true, Natures: []Nature{NatureComplaint}, SamplePercent: 100, Seed: 7}
	vip := &FollowupPolicy{ID: 2, Active: true, Tiers: []string{TierVIP, TierCore}, SamplePercent: 100, Seed: 8}
	off := &FollowupPolicy{ID: 3, Active: false, SamplePercent: 100, Seed: 9}
	rest := &FollowupPolicy{ID: 4, Active: true, SamplePercent: 10, Seed: 42}
	policies := []*FollowupPolicy{complaints, vip, off, rest}
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		nature Nature
		tier   string
		want   int64
	}{
		{"a complaint of an ordinary customer", NatureComplaint, TierOrdinary, 1},
		{"a complaint of a VIP: the first policy decides", NatureComplaint, TierVIP, 1},
		{"a core customer's repair", NatureRepair, TierCore, 2},
		{"an ordinary repair falls to the sample", NatureRepair, TierOrdinary, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, sel := SelectFollowup(policies, 11, tc.nature, tc.tier, at)
			if p == nil || p.ID != tc.want || sel.PolicyID == nil || *sel.PolicyID != tc.want {
				t.Fatalf("policy %+v, selection %+v; want policy %d", p, sel, tc.want)
			}
			if p.SamplePercent == 100 && !sel.Selected {
				t.Errorf("a 100%% policy did not select: %+v", sel)
			}
		})
	}
	if p, sel := SelectFollowup([]*FollowupPolicy{complaints}, 11, NatureRepair, TierOrdinary, at); p != nil || sel.Selected || sel.PolicyID != nil {
		t.Errorf("no policy matches, got %+v %+v", p, sel)
	}
	// A policy applies to resolutions from its applies_from on.
	later := &FollowupPolicy{ID: 5, Active: true, SamplePercent: 100, AppliesFrom: at.Add(time.Hour)}
	if p, _ := SelectFollowup([]*FollowupPolicy{later, rest}, 11, NatureRepair, TierOrdinary, at); p != rest {
		t.Errorf("a policy applying from later decided an earlier resolution: %+v", p)
	}
	if p, _ := SelectFollowup([]*FollowupPolicy{later, rest}, 11, NatureRepair, TierOrdinary, at.Add(time.Hour)); p != later {
		t.Errorf("the policy does not apply from its applies_from: %+v", p)
	}
}

// TestFollowupSampleReproducible checks that the draw depends on the
// recorded seed, ticket and resolution only, and that a 10% sample of
// many resolutions selects close to 10%.
func TestFollowupSampleReproducible(t *testing.T) {
	rest := &FollowupPolicy{ID: 4, Active: true, SamplePercent: 10, Seed: 20261207}
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	selected := 0
	const n = 20000
	for id := int64(1); id <= n; id++ {
		resolved := at.Add(time.Duration(id) * time.Minute)
		_, sel := SelectFollowup([]*FollowupPolicy{rest}, id, NatureRepair, TierOrdinary, resolved)
		again := FollowupDraw(sel.Seed, id, resolved)
		if again != sel.Draw || sel.Draw < 0 || sel.Draw >= 1 {
			t.Fatalf("ticket %d: draw %v, reproduced %v", id, sel.Draw, again)
		}
		if sel.Selected != (again < sel.Threshold) {
			t.Fatalf("ticket %d: selected %v with draw %v threshold %v", id, sel.Selected, sel.Draw, sel.Threshold)
		}
		if sel.Selected {
			selected++
		}
	}
	// Binomial(20000, 0.1): sd = 42; 5 sd either side.
	if share := float64(selected) / n; math.Abs(share-0.1) > 0.0106 {
		t.Errorf("10%% sample selected %.4f", share)
	}
	if FollowupDraw(1, 5, at) == FollowupDraw(2, 5, at) || FollowupDraw(1, 5, at) == FollowupDraw(1, 5, at.Add(time.Millisecond)) {
		t.Error("the draw ignores the seed or the resolution instant")
	}
	// A fixed vector, so that a change of the draw's definition (which
	// would make recorded samples unreproducible) fails here.
	if got := FollowupDraw(42, 1001, time.UnixMilli(1772352000000)); math.Abs(got-golden) > 1e-15 {
		t.Errorf("FollowupDraw(42, 1001, 1772352000000) = %.17g, want %.17g", got, golden)
	}
}

const golden = 0.16106047496721765

func TestFollowupValidate(t *testing.T) {
	five, eleven := 5, 11
	for _, tc := range []struct {
		name string
		err  error
		want []string
	}{
		{"policy without name and deadline", (&FollowupPolicy{Natures: []Nature{"x"}, SamplePercent: 120, MaxAttempts: 0, DelayHours: 10}).Validate(),
			[]string{"deadline_hours", "deadline_hours", "max_attempts", "name", "natures[0]", "sample_percent"}},
		{"dissatisfied without a reason code", (&FollowupAnswer{Outcome: OutcomeDissatisfied, CSAT: &five, Version: 1}).Validate(), []string{"reason"}},
		{"satisfied without a score", (&FollowupAnswer{Outcome: OutcomeSatisfied, NPS: &eleven, Version: 1}).Validate(), []string{"nps"}},
		{"not solved without what", (&FollowupAnswer{Outcome: OutcomeNotSolved}).Validate(), []string{"reason", "version"}},
		{"attempt", (&FollowupAttempt{Channel: "fax", Result: "maybe"}).Validate(), []string{"channel", "result"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range ErrorFields(tc.err) {
				got = append(got, f.Field)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s\n%v", diff, tc.err)
			}
		})
	}
}
