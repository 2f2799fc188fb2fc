package console_test

import (
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

var navHref = regexp.MustCompile(`<a href="([^"]+)"`)

// navLinks returns the links of the header's navigation on a page.
func navLinks(t *testing.T, body string) []string {
	t.Helper()
	start, end := strings.Index(body, "<nav>"), strings.Index(body, "</nav>")
	if start < 0 || end < start {
		t.Fatalf("no navigation on the page: %.300q", body)
	}
	var out []string
	for _, m := range navHref.FindAllStringSubmatch(body[start:end], -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// TestNavShowsOnlyWhatTheRoleMayOpen signs in with every role: each link
// its navigation shows opens (200), and each link of the full navigation
// it does not show is a page it may not open (403).
func TestNavShowsOnlyWhatTheRoleMayOpen(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		var all []string
		for _, role := range aftersales.Roles {
			t.Run(string(role), func(t *testing.T) {
				email := string(role) + "-nav@example.com"
				testutil.MustUser(t, app.Ctx, db, email, role, nil)
				b := newBrowser(t, app, "zh-CN")
				b.login(email, "password-123456")
				s, body := b.get("/tickets")
				if s != http.StatusOK {
					t.Fatalf("/tickets: %d", s)
				}
				shown := navLinks(t, body)
				if role == aftersales.RoleAdmin {
					all = shown
					if len(all) < 13 {
						t.Fatalf("an admin sees only %d links: %v", len(all), all)
					}
				}
				if len(all) == 0 {
					t.Fatal("the admin's navigation is unknown: admin must be the first role")
				}
				for _, href := range all {
					s, _ := b.get(href)
					want := http.StatusForbidden
					if slices.Contains(shown, href) {
						want = http.StatusOK
					}
					if s != want {
						t.Errorf("%s: %s answers %d; shown in the navigation: %v", role, href, s, slices.Contains(shown, href))
					}
				}
			})
		}
	})
}

var selectedRole = regexp.MustCompile(`<option value="([a-z_]+)"\s*selected>`)

// TestNewUserStartsLeastPrivileged: the form for a new user starts on the
// least privileged role, not on the first of the list (admin); a form
// sent back with an error keeps the role that was chosen.
func TestNewUserStartsLeastPrivileged(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	testutil.MustUser(t, app.Ctx, db, "boss@example.com", aftersales.RoleAdmin, nil)
	b := newBrowser(t, app, "en")
	b.login("boss@example.com", "password-123456")
	roleSelect := func(body string) string {
		start := strings.Index(body, `<select id="u-role"`)
		if start < 0 {
			t.Fatalf("no role field: %.300q", body)
		}
		end := strings.Index(body[start:], "</select>")
		var got []string
		for _, m := range selectedRole.FindAllStringSubmatch(body[start:start+end], -1) {
			got = append(got, m[1])
		}
		return strings.Join(got, ",")
	}
	s, body := b.get("/users")
	if s != http.StatusOK {
		t.Fatalf("/users: %d", s)
	}
	if diff := cmp.Diff("technician", roleSelect(body)); diff != "" {
		t.Errorf("new user's role (-want +got):\n%s", diff)
	}
	s, body, _ = b.post("/users", map[string][]string{"email": {"bad"}, "name": {"x"}, "role": {"agent"}, "password": {"0123456789"}})
	if s != http.StatusUnprocessableEntity && s != http.StatusBadRequest {
		t.Fatalf("bad new user: %d", s)
	}
	if diff := cmp.Diff("agent", roleSelect(body)); diff != "" {
		t.Errorf("rejected form's role (-want +got):\n%s", diff)
	}
}

// TestFavicon: /favicon.ico leads to the SVG icon the pages link.
func TestFavicon(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	b := newBrowser(t, app, "en")
	req, _ := http.NewRequest("GET", app.Server.URL+"/favicon.ico", nil)
	s, _, h := b.do(req)
	icon := h.Get("Location")
	if s != http.StatusFound || !strings.HasPrefix(icon, "/static/") || !strings.HasSuffix(icon, "/favicon.svg") {
		t.Fatalf("/favicon.ico: %d to %q", s, icon)
	}
	req, _ = http.NewRequest("GET", app.Server.URL+icon, nil)
	s, svg, h := b.do(req)
	if s != http.StatusOK || h.Get("Content-Type") != "image/svg+xml" || !strings.Contains(svg, "<svg") {
		t.Fatalf("%s: %d %s %.80q", icon, s, h.Get("Content-Type"), svg)
	}
	_, login := b.get("/login")
	if !strings.Contains(login, `<link rel="icon" href="`+icon+`"`) {
		t.Errorf("the login page does not link %s", icon)
	}
}
