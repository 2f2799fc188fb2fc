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

// TestConsoleFollowups: the policy form names its bad fields in the
// page's language and saves nothing; a task is worked from its page (an
// attempt, then "not solved", which reopens the ticket); the queue
// filters by overdue and outcome.
func TestConsoleFollowups(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		for _, tc := range []struct{ lang, want string }{
			{"zh-CN", "须在 0 到 100 之间"},
			{"en", "must be 0 to 100"},
		} {
			b := newBrowser(t, app, tc.lang)
			b.login("admin@example.com", "admin-password-1")
			s, body, _ := b.post("/followup-policies", url.Values{"name": {""}, "sample_percent": {"150"}, "delay_hours": {"10"},
				"deadline_hours": {"5"}, "max_attempts": {"3"}, "tiers": {"gold"}})
			if s != 422 || !strings.Contains(body, tc.want) || !strings.Contains(body, `id="pf-sample" name="sample_percent" value="150"`) {
				t.Errorf("%s: bad policy: %d %s", tc.lang, s, between(body, `id="policy-form"`, "</form>"))
			}
			for _, field := range []string{"name", "deadline_hours", "tiers"} {
				if !strings.Contains(body, fmt.Sprintf(`name="%s"`, field)) {
					t.Errorf("%s: the form lacks %s", tc.lang, field)
				}
			}
		}
		if ps, _ := db.ListFollowupPolicies(app.Ctx); len(ps) != 0 {
			t.Fatal("a rejected policy was stored")
		}
		b := newBrowser(t, app, "en")
		b.login("admin@example.com", "admin-password-1")
		if s, _, h := b.post("/followup-policies", url.Values{"name": {"All complaints"}, "position": {"10"}, "active": {"1"}, "natures": {"complaint"},
			"sample_percent": {"100"}, "delay_hours": {"0"}, "deadline_hours": {"48"}, "max_attempts": {"2"}, "script_en": {"Hello, about your complaint."}}); s != 303 || h.Get("Location") != "/followup-policies?ok=saved" {
			t.Fatalf("create policy: %d %v", s, h)
		}
		cust := testutil.MustCustomer(t, app.Ctx, db, "孙女士")
		in := testutil.TicketInput(cust.ID, "安装师傅迟到")
		in.Nature = testutil.Ptr(aftersales.NatureComplaint)
		tk, err := db.CreateTicket(app.Ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
			if tk, err = db.Transition(app.Ctx, tk.ID, aftersales.TransitionInput{To: to, Reason: "已道歉", Version: tk.Version}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.SweepFollowups(app.Ctx, 100); err != nil {
			t.Fatal(err)
		}
		_, body := b.get("/followups")
		if !strings.Contains(body, tk.Number) || !strings.Contains(body, `id="sum-open">1<`) {
			t.Fatalf("queue lacks the task: %s", between(body, `id="followup-rows"`, "</table>"))
		}
		tasks, _ := db.ListFollowups(app.Ctx, aftersales.FollowupFilter{})
		k := tasks[0]
		loc := fmt.Sprintf("/followups/%d", k.ID)
		if _, body := b.get(loc); !strings.Contains(body, "Hello, about your complaint.") || !strings.Contains(body, `id="followup-draw"`) {
			t.Errorf("task page lacks the script or the selection record")
		}
		if s, _, _ := b.post(loc+"/attempts", url.Values{"channel": {"phone"}, "result": {"busy"}, "version": {fmt.Sprint(k.Version)}}); s != 303 {
			t.Fatalf("log attempt: %d", s)
		}
		// Not solved without saying what: the field is named, nothing changes.
		s, body, _ := b.post(loc+"/answer", url.Values{"outcome": {"not_solved"}, "version": {fmt.Sprint(k.Version + 1)}})
		if s != 422 || !strings.Contains(body, "is required: say what is not solved") {
			t.Fatalf("not solved without a reason: %d %s", s, between(body, `id="followup-answer"`, "</form>"))
		}
		if s, _, _ := b.post(loc+"/answer", url.Values{"outcome": {"not_solved"}, "reason": {"师傅还没来装"}, "channel": {"phone"},
			"version": {fmt.Sprint(k.Version + 1)}}); s != 303 {
			t.Fatalf("not solved: %d", s)
		}
		if got, _ := db.FindTicket(app.Ctx, tk.ID); got.Status != aftersales.StatusAccepted || got.ReopenCount != 1 {
			t.Errorf("ticket after not solved: %s reopened %d", got.Status, got.ReopenCount)
		}
		if _, body := b.get("/followups?status=done&outcome=not_solved"); !strings.Contains(body, tk.Number) || !strings.Contains(body, "Not solved") {
			t.Errorf("the done filter lacks the task")
		}
		if _, body := b.get("/followups?status=&overdue=1"); strings.Contains(body, tk.Number) {
			t.Errorf("the overdue filter shows a finished task")
		}
	})
}
