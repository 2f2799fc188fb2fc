package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestLangSwitchReturns: the language switch returns to the page its
// link names in next, without a Referer (browsers and privacy settings
// that send none); it refuses any next a browser could read as another
// site; without next or Referer a portal customer lands on the portal,
// never on the staff sign-in.
func TestLangSwitchReturns(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := testutil.NewClock(time.Now().UTC().Truncate(time.Second))
		db.Now = clock.Now
		app := webtest.Start(t, db)
		anon := newBrowser(t, app, "zh-CN")
		location := func(b *browser, path string) string {
			t.Helper()
			s, _, h := b.do(mustGet(t, b.base+path))
			if s != 303 {
				t.Fatalf("%s: %d", path, s)
			}
			return h.Get("Location")
		}
		// The links carry the page they are on.
		for page, link := range map[string]string{
			"/portal/login":              `href="/lang/en?next=%2fportal%2flogin"`,
			"/login?next=%2Ftickets%2F7": `href="/lang/en?next=%2flogin%3fnext%3d%252ftickets%252f7"`,
		} {
			if _, body := anon.get(page); !strings.Contains(strings.ToLower(body), link) {
				t.Errorf("%s has no switch link %s", page, link)
			}
		}
		for next, want := range map[string]string{
			"/portal/login":               "/portal/login",
			"/portal/tickets?status=open": "/portal/tickets?status=open",
			"/login?next=%2Ftickets%2F7":  "/login?next=%2Ftickets%2F7",
		} {
			if got := location(anon, "/lang/en?next="+url.QueryEscape(next)); got != want {
				t.Errorf("next=%s: back to %q, want %q", next, got, want)
			}
		}
		for _, evil := range []string{"//evil.example/x", "https://evil.example/", "http:evil.example", `/\evil.example`, `\\evil.example`,
			"/%2F/evil.example", "/%5Cevil.example", "/\t/evil.example", "javascript:alert(1)", "evil.example"} {
			if got := location(anon, "/lang/en?next="+url.QueryEscape(evil)); got != "/" {
				t.Errorf("next=%q: back to %q, want the console home /", evil, got)
			}
		}
		if got := location(anon, "/lang/zh-CN?next="+url.QueryEscape(`/portal/\evil.example`)); got != "/portal" {
			t.Errorf("a refused portal next: back to %q, want /portal", got)
		}
		// A Referer from this site still works; one from elsewhere does not.
		req := mustGet(t, anon.base+"/lang/en")
		req.Header.Set("Referer", anon.base+"/portal/login?x=1")
		if _, _, h := anon.do(req); h.Get("Location") != "/portal/login?x=1" {
			t.Errorf("same-site Referer: back to %q", h.Get("Location"))
		}
		req = mustGet(t, anon.base+"/lang/en")
		req.Header.Set("Referer", "https://evil.example/portal/x")
		if _, _, h := anon.do(req); h.Get("Location") != "/portal" {
			t.Errorf("foreign Referer: back to %q, want /portal", h.Get("Location"))
		}

		// A signed-in customer with neither next nor Referer.
		cust := testutil.MustCustomer(t, app.Ctx, db, "赵女士")
		pu, err := db.InvitePortalUser(app.Ctx, cust.ID, aftersales.PortalInvite{Email: "zhao@example.com", Role: aftersales.PortalAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetPortalPassword(aftersales.NewContextWithPortalUser(context.Background(), pu), "portal-password-1"); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, app, "zh-CN")
		if s, _, _ := b.post("/portal/login", url.Values{"email": {"zhao@example.com"}, "password": {"portal-password-1"}}); s != 303 {
			t.Fatalf("portal sign-in: %d", s)
		}
		if _, body := b.get("/portal/assets"); !strings.Contains(strings.ToLower(body), `href="/lang/en?next=%2fportal%2fassets"`) {
			t.Errorf("the portal header's switch does not carry the page")
		}
		if got := location(b, "/lang/en"); got != "/portal" {
			t.Errorf("a portal customer without Referer: back to %q, want /portal", got)
		}
		staff := newBrowser(t, app, "zh-CN")
		staff.login("admin@example.com", "admin-password-1")
		if _, body := staff.get("/tickets?status=new"); !strings.Contains(strings.ToLower(body), `href="/lang/en?next=%2ftickets%3fstatus%3dnew"`) {
			t.Errorf("the console header's switch does not carry the page")
		}
		if got := location(staff, "/lang/en"); got != "/" {
			t.Errorf("staff without Referer: back to %q, want /", got)
		}
	})
}

func mustGet(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
