package console_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestConsoleSegments: the administrator edits the segment rules as a
// form in both languages; a bad row shows its field's error in the page's
// language, the dry run counts the moves and changes nothing, applying
// them sets the tier, and the customer page says why.
func TestConsoleSegments(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		cust := testutil.MustCustomer(t, app.Ctx, db, "张三")
		for range 2 {
			testutil.MustTicket(t, app.Ctx, db, cust.ID, "空调不制冷")
		}
		rule := url.Values{"rows": {"2"}, "tier_0": {"core"}, "months_0": {"12"}, "min_tickets_0": {"2"}, "order_0": {"1"}}
		for _, tt := range []struct{ lang, noCond, dry, reason string }{
			{"zh-CN", "至少需要一个条件", "1 位客户的等级变化", "规则 1：近 12 个月 2 张工单（至少 2 张） → 核心客户"},
			{"en", "needs at least one condition", "Customers changing tier: 1 of 1", "Rule 1: last 12 months 2 tickets (at least 2) → Core"},
		} {
			b := newBrowser(t, app, tt.lang)
			b.login("admin@example.com", "admin-password-1")
			if s, body := b.get("/admin/segments"); s != 200 || missingKey.MatchString(body) || !strings.Contains(body, `name="tier_1"`) {
				t.Errorf("%s: page: %d %s", tt.lang, s, missingKey.FindString(body))
			}
			bad := url.Values{"rows": {"3"}, "tier_1": {"vip"}, "months_1": {"12"}}
			if s, body, _ := b.post("/admin/segments", bad); s != 422 || !strings.Contains(body, tt.noCond) {
				t.Errorf("%s: a rule without conditions: %d", tt.lang, s)
			}
			if s, body, _ := b.post("/admin/segments", url.Values{"rows": {"1"}, "tier_0": {"core"}, "months_0": {"0"}, "min_tickets_0": {"1"}}); s != 422 || !strings.Contains(body, `id="sg-months-0"`) || strings.Contains(body, "rules[0]") {
				t.Errorf("%s: zero months: %d", tt.lang, s)
			}
			if s, body, _ := b.post("/admin/segments/dry-run", rule); s != 200 || !strings.Contains(body, tt.dry) || !strings.Contains(body, tt.reason) {
				t.Errorf("%s: dry run: %d %s", tt.lang, s, body[strings.Index(body, "<main"):])
			}
			if c, _ := db.FindCustomer(app.Ctx, cust.ID); c.Tier != aftersales.TierOrdinary {
				t.Errorf("%s: the dry run changed the tier: %s", tt.lang, c.Tier)
			}
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		if s, _, h := b.post("/admin/segments", rule); s != 303 || h.Get("Location") != "/admin/segments" {
			t.Fatalf("save: %d", s)
		}
		if s, body, _ := b.post("/admin/segments/evaluate", url.Values{}); s != 200 || !strings.Contains(body, "执行结果") {
			t.Errorf("evaluate: %d", s)
		}
		if c, _ := db.FindCustomer(app.Ctx, cust.ID); c.Tier != aftersales.TierCore {
			t.Errorf("tier after evaluation: %s", c.Tier)
		}
		if s, body := b.get(fmt.Sprintf("/customers/%d", cust.ID)); s != 200 || !strings.Contains(body, "规则 1：近 12 个月 2 张工单（至少 2 张） → 核心客户") {
			t.Errorf("customer page: %d", s)
		}
		if s, _, _ := b.post(fmt.Sprintf("/customers/%d/tier-lock", cust.ID), url.Values{"locked": {"1"}}); s != 303 {
			t.Errorf("lock: %d", s)
		}
		if s, body := b.get(fmt.Sprintf("/customers/%d", cust.ID)); s != 200 || !strings.Contains(body, "等级已锁定") {
			t.Errorf("customer page after the lock: %d", s)
		}
		if locked, err := db.TierLocked(app.Ctx, cust.ID); err != nil || !locked {
			t.Errorf("locked: %v %v", locked, err)
		}
	})
}
