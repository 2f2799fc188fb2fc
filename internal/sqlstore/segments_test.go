package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// TestSegments: a customer who crosses a rule's threshold moves to the
// rule's tier with the reason recorded, a customer with a hand-set tier
// and no history falls back to ordinary, a dry run writes nothing, a
// second evaluation changes nothing, and bad rules name their field.
func TestSegments(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		if _, err := db.ReplaceSegmentRules(ctx, []aftersales.SegmentRule{{Tier: "gold", Months: 12, MinTickets: Ptr(1)}}); fieldsOf(err)["rules[0].tier"] == "" {
			t.Errorf("an unknown tier: %v", err)
		}
		if _, err := db.ReplaceSegmentRules(ctx, []aftersales.SegmentRule{{Tier: "core", Months: 12}}); fieldsOf(err)["rules[0].min_assets"] == "" {
			t.Errorf("a rule without conditions: %v", err)
		}
		// No rules: segmentation is off and hand-set tiers stay.
		vip, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "钱先生", Phone: "13900000009", Tier: aftersales.TierVIP})
		if err != nil {
			t.Fatal(err)
		}
		if o, err := db.EvaluateSegments(ctx, nil, false); err != nil || o.Changed != 0 {
			t.Fatalf("no rules: %+v %v", o, err)
		}
		a := MustCustomer(t, ctx, db, "张三")
		b := MustCustomer(t, ctx, db, "李四")
		for range 3 {
			MustTicket(t, ctx, db, a.ID, "空调不制冷")
		}
		for range 2 {
			MustTicket(t, ctx, db, b.ID, "洗衣机异响")
		}
		rules, err := db.ReplaceSegmentRules(ctx, []aftersales.SegmentRule{
			{Tier: aftersales.TierVIP, Months: 12, MinSpend: Ptr(int64(100000))},
			{Tier: aftersales.TierCore, Months: 12, MinTickets: Ptr(3), MaxComplaints: Ptr(0)},
		})
		if err != nil || len(rules) != 2 || rules[1].Pos != 2 {
			t.Fatalf("rules: %+v %v", rules, err)
		}
		if got, err := db.ListSegmentRules(ctx); err != nil || !cmp.Equal(got, rules) {
			t.Errorf("list: %s %v", cmp.Diff(rules, got), err)
		}

		dry, err := db.EvaluateSegments(ctx, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		wantMoves := []aftersales.SegmentMove{{From: "ordinary", To: "core", Count: 1}, {From: "vip", To: "ordinary", Count: 1}}
		if dry.Changed != 2 || !dry.DryRun || !cmp.Equal(dry.Moves, wantMoves) {
			t.Errorf("dry run: %+v", dry)
		}
		for _, c := range []*aftersales.Customer{a, vip} {
			got, err := db.FindCustomer(ctx, c.ID)
			if err != nil || got.Tier != c.Tier || got.Version != c.Version {
				t.Errorf("the dry run changed customer %d: %+v %v", c.ID, got, err)
			}
		}
		// A dry run of unsaved rules: one ticket is enough for core (a, b),
		// and the VIP without history falls back to ordinary.
		if o, err := db.EvaluateSegments(ctx, []aftersales.SegmentRule{{Tier: "core", Months: 12, MinTickets: Ptr(1)}}, true); err != nil || o.Changed != 3 {
			t.Errorf("dry run of draft rules: %+v %v", o, err)
		}
		if _, err := db.EvaluateSegments(ctx, []aftersales.SegmentRule{{Tier: "core", Months: 0, MinTickets: Ptr(1)}}, true); fieldsOf(err)["rules[0].months"] == "" {
			t.Errorf("dry run of a bad rule: %v", err)
		}

		o, err := db.EvaluateSegments(ctx, nil, false)
		if err != nil || o.Changed != 2 || o.DryRun {
			t.Fatalf("evaluate: %+v %v", o, err)
		}
		got, err := db.FindCustomer(ctx, a.ID)
		if err != nil || got.Tier != aftersales.TierCore {
			t.Fatalf("a: %+v %v", got, err)
		}
		reason, err := db.CustomerTierReason(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := aftersales.SegmentReason{Rule: 2, Tier: "core", Months: 12, Match: &rules[1], SegmentCounts: aftersales.SegmentCounts{Tickets: 3}}
		if d := cmp.Diff(want, reason); d != "" {
			t.Errorf("reason (-want +got):\n%s", d)
		}
		if got, _ := db.FindCustomer(ctx, vip.ID); got.Tier != aftersales.TierOrdinary {
			t.Errorf("vip without history: %+v", got)
		}
		if got, _ := db.FindCustomer(ctx, b.ID); got.Tier != aftersales.TierOrdinary || got.Version != b.Version {
			t.Errorf("b below the threshold changed: %+v", got)
		}
		entries, err := db.ListAudit(ctx, aftersales.AuditFilter{Entity: "customer", EntityID: a.ID, Action: "tier.segment"})
		if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, `"rule":2`) || entries[0].Actor != "admin@example.com" {
			t.Errorf("audit: %+v %v", entries, err)
		}

		// A third ticket for b crosses the threshold; a second run changes
		// only b, a third nothing.
		MustTicket(t, ctx, db, b.ID, "洗衣机又响了")
		if o, err := db.SweepSegments(ctx); err != nil || o != 1 {
			t.Errorf("sweep: %d %v", o, err)
		}
		if o, err := db.SweepSegments(ctx); err != nil || o != 0 {
			t.Errorf("second sweep: %d %v", o, err)
		}
		// Spend from billable items makes a VIP.
		tk := MustTicket(t, ctx, db, b.ID, "保外维修")
		if err := db.ExecRaw(ctx, `INSERT INTO ticket_billables (ticket_id, source, kind, qty, unit_price, amount, created_at)
			VALUES ($1, 'test:1', 'parts', 1, 120000, 120000, $2)`, tk.ID, clock.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if o, err := db.SweepSegments(ctx); err != nil || o != 1 {
			t.Errorf("sweep after spend: %d %v", o, err)
		}
		if r, _ := db.CustomerTierReason(ctx, b.ID); r.Tier != aftersales.TierVIP || r.Spend != 120000 || r.Rule != 1 {
			t.Errorf("b's reason: %+v", r)
		}
		// Thirteen months on, the history is out of the window; b's tier
		// is locked and stays.
		if err := db.SetTierLock(ctx, b.ID, true); err != nil {
			t.Fatal(err)
		}
		if locked, err := db.TierLocked(ctx, b.ID); err != nil || !locked {
			t.Errorf("locked: %v %v", locked, err)
		}
		clock.Advance(400 * 24 * time.Hour)
		if o, err := db.SweepSegments(ctx); err != nil || o != 1 {
			t.Errorf("sweep a year later: %d %v", o, err)
		}
		if got, _ := db.FindCustomer(ctx, b.ID); got.Tier != aftersales.TierVIP {
			t.Errorf("the locked tier changed: %s", got.Tier)
		}
		if err := db.SetTierLock(ctx, 999999, true); err == nil {
			t.Error("locked a customer that does not exist")
		}
		// Editing the tier by hand clears the reason.
		c, _ := db.FindCustomer(ctx, a.ID)
		in := aftersales.CustomerInput{Name: c.Name, Phone: c.Phone, Tier: aftersales.TierVIP}
		if _, err := db.UpdateCustomer(ctx, c.ID, c.Version, in); err != nil {
			t.Fatal(err)
		}
		if r, _ := db.CustomerTierReason(ctx, a.ID); r.Tier != "" {
			t.Errorf("a hand-set tier keeps the rules' reason: %+v", r)
		}
	})
}

// TestTierEditRefreshesRollups: the KPI rollups count tickets by their
// customer's tier, so a tier set by hand folds the customer's tickets in
// again, as a segment rule's change does; before, the created count by
// tier kept the old tier until a full recompute.
func TestTierEditRefreshesRollups(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "手改等级")
		MustTicket(t, ctx, db, c.ID, "空调不制冷")
		now := time.Now()
		q := aftersales.MetricQuery{KPI: "created", From: now.AddDate(0, 0, -1), To: now.AddDate(0, 0, 1), Grain: aftersales.GrainDay,
			Filter: aftersales.DimTier, Value: aftersales.TierVIP}
		if got := value(metric(t, ctx, db, q).Total); got != 0 {
			t.Fatalf("created by VIP customers before the edit = %v, want 0", got)
		}
		in := aftersales.CustomerInput{Kind: c.Kind, Name: c.Name, Phone: c.Phone, Tier: aftersales.TierVIP}
		if _, err := db.UpdateCustomer(ctx, c.ID, c.Version, in); err != nil {
			t.Fatal(err)
		}
		if got := value(metric(t, ctx, db, q).Total); got != 1 {
			t.Errorf("created by VIP customers after the edit = %v, want 1", got)
		}
	})
}
