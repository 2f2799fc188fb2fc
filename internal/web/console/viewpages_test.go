package console_test

import (
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

var (
	heading    = regexp.MustCompile(`(?s)<h1>(.*?)</h1>`)
	mainBlock  = regexp.MustCompile(`(?s)<main\b.*</main>`)
	docTitle   = regexp.MustCompile(`<title>([^<]*)</title>`)
	readonlyBy = `class="muted readonly-note"`
)

// TestEditPagesReadAsViews opens, as every role, each edit page by its
// address. A role that may not save the page's form was shown its values
// disabled under an "Edit" heading (and a technician the ticket's whole
// form with a Save button that answered 403); such a page now reads as a
// view: its heading says "View", it has no submit button, and a line
// names the roles that can change it. A role that may save it still gets
// the form with its Save button.
func TestEditPagesReadAsViews(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		if _, err := demo.Load(app.Ctx, db.Services(), db,
			demo.Options{Seed: 1, Tickets: 30, End: time.Now(), Zone: testutil.Shanghai(t)}); err != nil {
			t.Fatal(err)
		}
		admin := newBrowser(t, app, "en")
		admin.login(app.Admin.Email, "admin-password-1")
		first := func(page, pattern string) string {
			t.Helper()
			_, body := admin.get(page)
			m := regexp.MustCompile(pattern).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("%s links to no %s", page, pattern)
			}
			return html.UnescapeString(m[1])
		}
		ticket := first("/tickets", `href="(/tickets/\d+)"`)
		customer := first("/customers", `href="(/customers/\d+)"`)
		pages := []struct {
			url  string
			perm aftersales.Permission
		}{
			{ticket + "/edit", aftersales.PermTicketWrite},
			{customer + "/edit", aftersales.PermCustomerWrite},
			{first(customer, `href="(/assets/\d+/edit)"`), aftersales.PermCustomerWrite},
			{first("/users", `href="(/users/\d+/edit)"`), aftersales.PermUserWrite},
			{first("/products", `href="(/products/\d+/edit)"`), aftersales.PermCatalogWrite},
			{first("/network", `href="(/network/units/\d+/edit)"`), aftersales.PermNetworkWrite},
			{first("/network", `href="(/network/teams/\d+/edit)"`), aftersales.PermNetworkWrite},
			{first("/sla", `href="(/sla/calendars/\d+)"`), aftersales.PermSettingsWrite},
			{first("/sla", `href="(/sla/policies/\d+)"`), aftersales.PermSettingsWrite},
			{"/rules/routing/new", aftersales.PermSettingsWrite},
			{first("/surveys", `href="(/surveys/templates/edit\?code=[^"]+)"`), aftersales.PermSettingsWrite},
			{first("/kb", `href="(/kb/\d+)"`) + "/edit", aftersales.PermKBWrite},
		}
		// The technician works the ticket's team, so the ticket is theirs
		// to open.
		tk, err := db.FindTicket(app.Ctx, mustID(t, ticket))
		if err != nil {
			t.Fatal(err)
		}
		opened := 0
		for _, role := range aftersales.Roles {
			t.Run(string(role), func(t *testing.T) {
				b := newBrowser(t, app, "en")
				if role == aftersales.RoleAdmin {
					b.login(app.Admin.Email, "admin-password-1")
				} else {
					email := string(role) + "-view@example.com"
					testutil.MustUser(t, app.Ctx, db, email, role, tk.TeamID)
					b.login(email, "password-123456")
				}
				for _, pg := range pages {
					s, body := b.get(pg.url)
					if s != http.StatusOK {
						if role.Can(pg.perm) {
							t.Errorf("%s cannot open %s: %d", role, pg.url, s)
						}
						continue
					}
					opened++
					main := mainBlock.FindString(body)
					h := ""
					if m := heading.FindStringSubmatch(main); m != nil {
						h = m[1]
					}
					saves := strings.Contains(main, `type="submit"`)
					if role.Can(pg.perm) {
						if strings.Contains(h, "View") || !saves {
							t.Errorf("%s may save %s but it reads as a view (heading %q, submit %v)", role, pg.url, h, saves)
						}
						continue
					}
					if !strings.HasPrefix(strings.TrimSpace(h), "View") {
						t.Errorf("%s cannot save %s but its heading is %q", role, pg.url, h)
					}
					if m := docTitle.FindStringSubmatch(body); m == nil || !strings.HasPrefix(m[1], "View") {
						t.Errorf("%s cannot save %s but its title is %q", role, pg.url, m)
					}
					if saves {
						t.Errorf("%s cannot save %s but it has a submit button", role, pg.url)
					}
					if !strings.Contains(main, readonlyBy) {
						t.Errorf("%s cannot save %s but it does not say who can", role, pg.url)
					}
				}
			})
		}
		if opened == 0 {
			t.Fatal("no edit page opened")
		}
	})
}

// mustID is the number at the end of a page's address.
func mustID(t *testing.T, u string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(u[strings.LastIndex(u, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return n
}

// TestNewPagesRefuseWhoCannotCreate opens, as every role, the pages that
// create a ticket, a customer and an article. A role that may not create
// one was shown an empty disabled form titled "View"; it now gets 403 and
// a line naming the roles that may, and a role that may gets the form.
func TestNewPagesRefuseWhoCannotCreate(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		pages := []struct {
			url  string
			perm aftersales.Permission
		}{
			{"/tickets/new", aftersales.PermTicketWrite},
			{"/customers/new", aftersales.PermCustomerWrite},
			{"/kb/new", aftersales.PermKBWrite},
		}
		refused := 0
		for _, role := range aftersales.Roles {
			t.Run(string(role), func(t *testing.T) {
				b := newBrowser(t, app, "en")
				if role == aftersales.RoleAdmin {
					b.login(app.Admin.Email, "admin-password-1")
				} else {
					email := string(role) + "-new@example.com"
					testutil.MustUser(t, app.Ctx, db, email, role, nil)
					b.login(email, "password-123456")
				}
				for _, pg := range pages {
					s, body := b.get(pg.url)
					main := mainBlock.FindString(body)
					if role.Can(pg.perm) {
						if s != http.StatusOK || !strings.Contains(main, `type="submit"`) {
							t.Errorf("%s may create through %s but got %d (submit %v)", role, pg.url, s, strings.Contains(main, `type="submit"`))
						}
						continue
					}
					refused++
					if s != http.StatusForbidden {
						t.Errorf("%s may not create through %s but got %d", role, pg.url, s)
					}
					if strings.Contains(main, `type="submit"`) || !strings.Contains(main, readonlyBy) {
						t.Errorf("%s refused %s: the page should say who can and offer no form:\n%s", role, pg.url, main)
					}
				}
			})
		}
		if refused == 0 {
			t.Fatal("every role may create everything: nothing refused was checked")
		}
	})
}
