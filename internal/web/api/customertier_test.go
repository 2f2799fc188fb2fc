package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"

	"github.com/google/go-cmp/cmp"
)

// TestCustomerTierAPI: a customer's GET says why the segment rules gave
// it its tier and whether the tier is locked; the lock is set and cleared
// through the API with the console's permission and audit entry, and the
// rules leave a locked tier alone. Bad input names its field. On the old
// code the GET had neither and the lock had no endpoint.
func TestCustomerTierAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := testutil.MustCustomer(t, app.Ctx, db, "张三")
		testutil.MustTicket(t, app.Ctx, db, cust.ID, "空调不制冷")
		testutil.MustTicket(t, app.Ctx, db, cust.ID, "洗衣机漏水")
		path := fmt.Sprintf("/customers/%d", cust.ID)
		type standing struct {
			Tier       string                    `json:"tier"`
			TierLocked *bool                     `json:"tier_locked"`
			TierReason *aftersales.SegmentReason `json:"tier_reason"`
		}
		get := func(t *testing.T, r resp) standing {
			t.Helper()
			var s standing
			if err := json.Unmarshal(r.Raw, &s); err != nil || s.TierLocked == nil {
				t.Fatalf("%d %s: no tier_locked (%v)", r.Status, r.Raw, err)
			}
			return s
		}
		evaluate := func(rules ...map[string]any) {
			t.Helper()
			if r := c.do("PUT", "/segment-rules", map[string]any{"rules": rules}); r.Status != 200 {
				t.Fatalf("rules: %d %s", r.Status, r.Raw)
			}
			if r := c.do("POST", "/segment-rules/evaluate", nil); r.Status != 200 {
				t.Fatalf("evaluate: %d %s", r.Status, r.Raw)
			}
		}

		// Set by hand: no reason.
		if s := get(t, c.do("GET", path, nil)); s.Tier != aftersales.TierOrdinary || *s.TierLocked || s.TierReason != nil {
			t.Errorf("before any rule: %+v", s)
		}
		evaluate(map[string]any{"tier": "core", "months": 12, "min_tickets": 2})
		r := c.do("GET", path, nil)
		s := get(t, r)
		two := 2
		want := &aftersales.SegmentReason{Rule: 1, Tier: aftersales.TierCore, Months: 12,
			Match: &aftersales.SegmentRule{Pos: 1, Tier: aftersales.TierCore, Months: 12, MinTickets: &two}, SegmentCounts: aftersales.SegmentCounts{Tickets: 2}}
		if s.Tier != aftersales.TierCore || *s.TierLocked || r.Header.Get("ETag") == "" {
			t.Errorf("after the rules: %+v, ETag %q", s, r.Header.Get("ETag"))
		}
		if diff := cmp.Diff(want, s.TierReason); diff != "" {
			t.Errorf("tier reason (-want +got):\n%s", diff)
		}

		// Bad input names the field; an unknown customer is not found.
		// (huma names a missing property in the message, at "body".)
		if r := c.do("PUT", path+"/tier-lock", map[string]any{}); r.Status != 422 || !strings.Contains(r.locations()["body"], "property locked") {
			t.Errorf("lock without locked: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", path+"/tier-lock", map[string]any{"locked": "yes"}); r.Status != 422 || r.locations()["body.locked"] == "" {
			t.Errorf("lock with a string: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", "/customers/999999/tier-lock", map[string]any{"locked": true}); r.Status != 404 {
			t.Errorf("lock of an unknown customer: %d %s", r.Status, r.Raw)
		}
		// A technician may read customers, not lock their tiers.
		tech := testutil.MustUser(t, app.Ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		tok, err := db.CreateToken(app.Ctx, tech.ID, "t")
		if err != nil {
			t.Fatal(err)
		}
		tc := &client{t: t, base: c.base, token: tok.Secret}
		if r := tc.do("PUT", path+"/tier-lock", map[string]any{"locked": true}); r.Status != 403 {
			t.Errorf("a technician's lock: %d %s", r.Status, r.Raw)
		}
		if r := tc.do("GET", path, nil); r.Status != 200 {
			t.Errorf("a technician's read: %d %s", r.Status, r.Raw)
		}

		// Locked: the rules leave the tier alone; unlocked, they move it.
		if s := get(t, c.do("PUT", path+"/tier-lock", map[string]any{"locked": true})); !*s.TierLocked || s.Tier != aftersales.TierCore {
			t.Errorf("after the lock: %+v", s)
		}
		evaluate(map[string]any{"tier": "core", "months": 12, "min_tickets": 3})
		if s := get(t, c.do("GET", path, nil)); !*s.TierLocked || s.Tier != aftersales.TierCore || s.TierReason == nil || s.TierReason.Rule != 1 {
			t.Errorf("locked, after rules it no longer meets: %+v", s)
		}
		if s := get(t, c.do("PUT", path+"/tier-lock", map[string]any{"locked": false})); *s.TierLocked {
			t.Errorf("after the unlock: %+v", s)
		}
		if r := c.do("POST", "/segment-rules/evaluate", nil); r.Status != 200 {
			t.Fatalf("evaluate: %d %s", r.Status, r.Raw)
		}
		if s := get(t, c.do("GET", path, nil)); s.Tier != aftersales.TierOrdinary || s.TierReason == nil || s.TierReason.Rule != 0 || s.TierReason.Tier != aftersales.TierOrdinary {
			t.Errorf("unlocked, after the rules: %+v %+v", s, s.TierReason)
		}

		// The audit log has the console's entries.
		r = c.do("GET", fmt.Sprintf("/audit?entity=customer&entity_id=%d", cust.ID), nil)
		var entries []struct {
			Action string `json:"action"`
		}
		if err := json.Unmarshal(r.Raw, &entries); err != nil {
			t.Fatalf("audit: %d %s", r.Status, r.Raw)
		}
		var actions []string
		for _, e := range entries {
			if e.Action == "tier.lock" || e.Action == "tier.unlock" {
				actions = append(actions, e.Action)
			}
		}
		if len(actions) != 2 {
			t.Errorf("audit actions %v, want a tier.lock and a tier.unlock", actions)
		}
	})
}
