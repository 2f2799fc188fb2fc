package console_test

import (
	"net/url"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestTicketFormBadTimeInPageLanguage types an impossible "occurred at"
// into the new-ticket form: the page comes back with the field marked,
// the reason in the page's language (the Chinese page said "must be a
// date and time") and everything else typed still in the form.
func TestTicketFormBadTimeInPageLanguage(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	for _, tc := range []struct{ lang, want string }{
		{"zh-CN", "必须是日期和时间"}, {"en", "must be a date and time"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			b := newBrowser(t, app, tc.lang)
			b.login(app.Admin.Email, "admin-password-1")
			s, body, _ := b.post("/tickets", url.Values{"title": {"热水器不点火"}, "description": {"客户说打不着火"},
				"channel": {"phone"}, "nature": {"repair"}, "urgency": {"normal"}, "occurred_at": {"2026-13-45T10:00"}})
			if s != 422 {
				t.Fatalf("status %d", s)
			}
			i := strings.Index(body, `<label for="occurred_at">`)
			if i < 0 || !strings.Contains(body[i:min(len(body), i+600)], `<span class="err">`+tc.want+`<`) && !strings.Contains(body[i:min(len(body), i+600)], `>`+tc.want+`<`) {
				t.Errorf("the time's reason is not %q: %s", tc.want, body[max(0, i-40):min(len(body), i+600)])
			}
			for _, kept := range []string{`value="热水器不点火"`, "客户说打不着火"} {
				if !strings.Contains(body, kept) {
					t.Errorf("the form lost %s", kept)
				}
			}
		})
	}
}
