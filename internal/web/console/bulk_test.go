package console_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// The ticket list changes ticked tickets, or every ticket its filters
// match, in one action: it says how many changed and, per ticket, why the
// others were refused, in the page's language.
func TestBulkActions(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		cust := testutil.MustCustomer(t, app.Ctx, db, "钱女士")
		var ids []string
		var tks []*aftersales.Ticket
		for _, title := range []string{"批量空调 1", "批量空调 2", "批量空调 3"} {
			tk := testutil.MustTicket(t, app.Ctx, db, cust.ID, title)
			tks = append(tks, tk)
			ids = append(ids, fmt.Sprint(tk.ID))
		}
		x := tks[2]
		if _, err := db.Transition(app.Ctx, x.ID, aftersales.TransitionInput{To: aftersales.StatusCancelled, Reason: "重复", Version: x.Version}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			lang, result, refusal string
		}{
			{"en", "2 tickets changed, 1 refused.", "A ticket cannot go from “Cancelled” to “Accepted”."},
			{"zh-CN", "已修改 0 张工单，3 张被拒绝。", "工单不能从“已取消”变为“已受理”。"},
		} {
			b := newBrowser(t, app, tc.lang)
			b.c.Timeout = time.Minute
			b.login("admin@example.com", "admin-password-1")
			if s, body := b.get("/tickets?q=%E6%89%B9%E9%87%8F&open="); s != 200 || strings.Count(body, `class="bulk-pick"`) != 3 || !strings.Contains(body, `id="bulk-form"`) {
				t.Fatalf("%s: list: %d, %d checkboxes", tc.lang, s, strings.Count(body, `class="bulk-pick"`))
			}
			s, body, _ := b.post("/tickets/bulk", url.Values{"ids": ids, "to": {"accepted"}, "query": {"q=批量&open="}})
			if s != 200 || !strings.Contains(body, tc.result) || !strings.Contains(body, tc.refusal) || !strings.Contains(body, x.Number) {
				t.Errorf("%s: bulk accept: %d, result %q, want %q and %q", tc.lang, s, between(body, `id="bulk-result"`, "</div>"), tc.result, tc.refusal)
			}
			// The list shown afterwards is the one the action was taken on.
			if strings.Count(body, `class="bulk-pick"`) != 3 {
				t.Errorf("%s: after the bulk action the list shows %d tickets, want the 3 it was taken on", tc.lang, strings.Count(body, `class="bulk-pick"`))
			}
		}
		for _, tk := range tks[:2] {
			if got, _ := db.FindTicket(app.Ctx, tk.ID); got.Status != aftersales.StatusAccepted {
				t.Errorf("ticket %s is %s after the bulk action, want accepted", tk.Number, got.Status)
			}
		}

		// Every matching ticket, not only the ticked ones.
		b := newBrowser(t, app, "en")
		b.c.Timeout = time.Minute
		b.login("admin@example.com", "admin-password-1")
		s, body, _ := b.post("/tickets/bulk", url.Values{"all": {"1"}, "urgency": {"high"}, "query": {"q=批量&open=true"}})
		if s != 200 || !strings.Contains(body, "2 tickets changed, 0 refused.") {
			t.Errorf("bulk urgency of all matching: %d %q", s, between(body, `id="bulk-result"`, "</div>"))
		}
		for i, tk := range tks {
			want := aftersales.UrgencyHigh
			if i == 2 { // cancelled: not open, not matched
				want = tk.Urgency
			}
			if got, _ := db.FindTicket(app.Ctx, tk.ID); got.Urgency != want {
				t.Errorf("ticket %s urgency %s, want %s", tk.Number, got.Urgency, want)
			}
		}
		// Nothing chosen: the reason, and nothing changed.
		s, body, _ = b.post("/tickets/bulk", url.Values{"ids": ids[:1], "query": {"open="}})
		if s != 422 || !strings.Contains(body, "Choose a status, a team, an assignee or an urgency.") {
			t.Errorf("bulk without an action: %d %q", s, between(body, `class="flash`, "</div>"))
		}
	})
}
