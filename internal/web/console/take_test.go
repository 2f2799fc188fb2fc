package console_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// TestTicketAssignToMe: an agent takes a ticket from the queue with one
// button on its page (before, only by finding their own name in the
// assignee list); the ticket keeps its team, and once it is theirs the
// button is gone.
func TestTicketAssignToMe(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		agent := testutil.MustUser(t, app.Ctx, db, "agent-take@example.com", aftersales.RoleAgent, nil)
		c := testutil.MustCustomer(t, app.Ctx, db, "王女士")
		tk := testutil.MustTicket(t, app.Ctx, db, c.ID, "洗衣机不脱水")
		for _, lang := range []string{"en", "zh-CN"} {
			b := newBrowser(t, app, lang)
			b.login("agent-take@example.com", "password-123456")
			page := fmt.Sprintf("/tickets/%d", tk.ID)
			_, body := b.get(page)
			start := strings.Index(body, `id="take-form"`)
			if start < 0 {
				t.Fatalf("%s: no assign-to-me button on an unassigned ticket", lang)
			}
			form := body[start : start+strings.Index(body[start:], "</form>")]
			if want := map[string]string{"zh-CN": "派给我", "en": "Assign to me"}[lang]; !strings.Contains(form, want) {
				t.Errorf("%s: button %q, want %q", lang, form, want)
			}
			if lang == "en" {
				continue
			}
			values := url.Values{}
			for _, m := range hiddenInput.FindAllStringSubmatch(form, -1) {
				values.Set(m[1], m[2])
			}
			if s, _, h := b.post(page+"/assign", values); s != 303 || !strings.Contains(h.Get("Location"), "ok=") {
				t.Fatalf("assign to me: %d %q", s, h.Get("Location"))
			}
			got, err := db.FindTicket(app.Ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.AssigneeID == nil || *got.AssigneeID != agent.ID {
				t.Fatalf("assignee %v, want %d", got.AssigneeID, agent.ID)
			}
			if team := func(p *int64) int64 {
				if p == nil {
					return 0
				}
				return *p
			}; team(got.TeamID) != team(tk.TeamID) {
				t.Errorf("team changed from %d to %d", team(tk.TeamID), team(got.TeamID))
			}
			if _, body = b.get(page); strings.Contains(body, `id="take-form"`) {
				t.Error("the button is still there on the agent's own ticket")
			}
		}
	})
}
