package console_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

var portalLinkPath = regexp.MustCompile(`/portal/link/asl_[A-Z0-9]+`)

// TestPortalSignIn walks the staff invitation and the one-time link: the
// link mailed, asked to be clicked (mail scanners fetch links), spent
// once; a used or expired link gets a clear page; revoking ends access.
func TestPortalSignIn(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		// The store's clock starts at the real time: the session cookies
		// carry the store's expiry (12 hours on), and the test client's
		// cookie jar drops a cookie by the real time, so a fixed date
		// logged nobody in once that date's 12 hours had passed.
		clock := testutil.NewClock(time.Now().UTC().Truncate(time.Second))
		db.Now = clock.Now
		app := webtest.Start(t, db)
		c := testutil.MustCustomer(t, app.Ctx, db, "李女士")
		testutil.MustTicket(t, app.Ctx, db, c.ID, "洗衣机噪音大")
		staff := newBrowser(t, app, "zh-CN")
		staff.login("admin@example.com", "admin-password-1")
		cust := fmt.Sprintf("/customers/%d", c.ID)
		if s, body, _ := staff.post(cust+"/portal", url.Values{"email": {"not-an-email"}, "role": {"admin"}}); s != 422 || !strings.Contains(body, "必须是有效的邮箱地址") {
			t.Fatalf("invite with a bad email: %d", s)
		}
		if s, _, _ := staff.post(cust+"/portal", url.Values{"email": {"Li@Example.com"}, "name": {"李女士"}, "role": {"admin"}}); s != 303 {
			t.Fatalf("invite: %d", s)
		}
		if _, body := staff.get(cust); !strings.Contains(body, "li@example.com") || !strings.Contains(body, "公司管理员") {
			t.Fatalf("the customer page does not list the portal user")
		}

		b := newBrowser(t, app, "zh-CN")
		if s, body, _ := b.post("/portal/login/link", url.Values{"email": {"li@example.com"}}); s != 200 || !strings.Contains(body, `id="link-sent"`) {
			t.Fatalf("ask for a link: %d", s)
		}
		// An unknown address gets the same page.
		if s, body, _ := b.post("/portal/login/link", url.Values{"email": {"nobody@example.com"}}); s != 200 || !strings.Contains(body, `id="link-sent"`) {
			t.Fatalf("ask for a link for an unknown address: %d", s)
		}
		mail, err := db.LatestMailTo(app.Ctx, "li@example.com")
		link := portalLinkPath.FindString(mail)
		if err != nil || link == "" || !strings.Contains(mail, "15 分钟") {
			t.Fatalf("the mail: %q %v", mail, err)
		}
		// Opening the link spends nothing; the click does.
		if s, body := b.get(link); s != 200 || !strings.Contains(body, `id="use-link"`) {
			t.Fatalf("open the link: %d", s)
		}
		if s, _, h := b.post(link, nil); s != 303 || h.Get("Location") != "/portal/tickets" {
			t.Fatalf("use the link: %d", s)
		}
		if s, body := b.get("/portal/tickets"); s != 200 || !strings.Contains(body, "洗衣机噪音大") {
			t.Fatalf("portal tickets: %d", s)
		}
		if s, body, _ := b.post(link, nil); s != 410 || !strings.Contains(body, "此登录链接已使用过") {
			t.Errorf("a used link: %d", s)
		}
		b.post("/portal/login/link", url.Values{"email": {"li@example.com"}})
		mail, _ = db.LatestMailTo(app.Ctx, "li@example.com")
		clock.Advance(aftersales.PortalLinkTTL + time.Minute)
		if s, body, _ := b.post(portalLinkPath.FindString(mail), nil); s != 410 || !strings.Contains(body, "此登录链接已过期") {
			t.Errorf("an expired link: %d", s)
		}
		if s, body, _ := b.post("/portal/link/asl_NOSUCHLINK", nil); s != 404 || !strings.Contains(body, "此登录链接无效") {
			t.Errorf("an unknown link: %d", s)
		}

		// Revoked: the session ends.
		users, _ := db.ListPortalUsers(app.Ctx, c.ID)
		if s, _, _ := staff.post(fmt.Sprintf("%s/portal/%d/revoke", cust, users[0].ID), nil); s != 303 {
			t.Fatalf("revoke: %d", s)
		}
		if s, _ := b.get("/portal/tickets"); s != 303 {
			t.Errorf("after revoke: %d", s)
		}
	})
}
