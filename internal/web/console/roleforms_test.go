package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
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
	postForm  = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	formAttr  = regexp.MustCompile(`\b(method|action)="([^"]*)"`)
	formInput = regexp.MustCompile(`(?s)<(input|select|textarea)\b([^>]*)>(.*?)(?:</select>|</textarea>|$)`)
	attr      = regexp.MustCompile(`\b(name|value|type|checked|selected)(?:="([^"]*)")?`)
	firstOpt  = regexp.MustCompile(`<option\b[^>]*?(?:value="([^"]*)")?[^>]*>([^<]*)`)
)

// saveForms lists the POST forms of a page: where each posts and the
// values it would send as shown.
func saveForms(page, body string) map[string]url.Values {
	out := map[string]url.Values{}
	for _, m := range postForm.FindAllStringSubmatch(body, -1) {
		method, action := "get", page
		for _, a := range formAttr.FindAllStringSubmatch(m[1], -1) {
			if a[1] == "method" {
				method = strings.ToLower(a[2])
			} else {
				action = html.UnescapeString(a[2])
			}
		}
		if method != "post" || strings.HasPrefix(action, "/logout") || strings.HasPrefix(action, "/lang/") {
			continue
		}
		v := url.Values{}
		for _, in := range formInput.FindAllStringSubmatch(m[2], -1) {
			as := map[string]string{}
			for _, a := range attr.FindAllStringSubmatch(in[2], -1) {
				as[a[1]] = html.UnescapeString(a[2])
			}
			name := as["name"]
			if name == "" {
				continue
			}
			switch {
			case in[1] == "select":
				if o := firstOpt.FindStringSubmatch(in[3]); o != nil {
					v.Add(name, html.UnescapeString(o[1]))
				}
			case in[1] == "textarea":
				v.Add(name, html.UnescapeString(in[3]))
			case as["type"] == "checkbox" || as["type"] == "radio":
				if _, on := as["checked"]; on {
					v.Add(name, cmpOr(as["value"], "on"))
				}
			case as["type"] == "file":
			default:
				v.Add(name, as["value"])
			}
		}
		out[action] = v
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestFormsSaveForTheirRole opens, as every role, the pages its menu
// offers and the pages they link to, and posts every form such a page
// shows: a form a role is shown must not answer "your role may not do
// this". Agents were shown the forms of users, custom fields, products,
// the service network, rules and SLA policies, and every save answered
// 403; such a page is now read-only for them.
func TestFormsSaveForTheirRole(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	if _, err := demo.Load(app.Ctx, db.Services(), db,
		demo.Options{Seed: 1, Tickets: 60, End: time.Now(), Zone: testutil.Shanghai(t)}); err != nil {
		t.Fatal(err)
	}
	// The dispatch board and the technician's day are walked with the
	// rest (their forms ask CanSave like every other); a bulk action over
	// tickets would change every ticket the later pages show.
	skip := regexp.MustCompile(`^/(logout|lang/|visits|parts|tickets/bulk)|/export|\.(csv|xlsx|pdf)$|/files/|/attachments/`)
	walkVisits(t, app, db)
	for _, role := range aftersales.Roles {
		t.Run(string(role), func(t *testing.T) {
			email := string(role) + "-forms@example.com"
			if role == aftersales.RoleAdmin {
				email = app.Admin.Email
			} else if role != aftersales.RoleTechnician {
				testutil.MustUser(t, app.Ctx, db, email, role, nil)
			}
			b := newBrowser(t, app, "zh-CN")
			if role == aftersales.RoleAdmin {
				b.login(email, "admin-password-1")
			} else {
				b.login(email, "password-123456")
			}
			s, body := b.get("/tickets")
			if s != http.StatusOK {
				t.Fatalf("/tickets: %d", s)
			}
			nav := body[strings.Index(body, "<nav"):strings.Index(body, "</nav>")]
			var pages []string
			seen := map[string]bool{}
			visit := func(u string) {
				if !seen[u] && !skip.MatchString(u) {
					seen[u] = true
					pages = append(pages, u)
				}
			}
			for _, m := range pageLink.FindAllStringSubmatch(nav, -1) {
				visit(html.UnescapeString(m[1]))
			}
			for i := 0; i < len(pages); i++ {
				page := pages[i]
				s, body := b.get(page)
				if s != http.StatusOK {
					continue
				}
				if i < 40 { // the menu's pages and one level of their links
					for _, m := range pageLink.FindAllStringSubmatch(body, -1) {
						visit(html.UnescapeString(m[1]))
					}
				}
				if page == "/users" || page == "/products" || page == "/network" || page == "/sla" || page == "/fields" {
					if len(saveForms(page, body)) == 0 && !strings.Contains(body, `class="muted readonly-note"`) {
						t.Errorf("%s is read-only for %s without saying who can change it", page, role)
					}
				}
				for action, form := range saveForms(page, body) {
					if skip.MatchString(action) {
						continue
					}
					if s, _, _ := b.post(action, form); s == http.StatusForbidden {
						t.Errorf("%s shows a form to %s that answers 403", page, action)
					}
				}
			}
		})
	}
}

// walkVisits books today's visits the walk's pages show with their forms:
// one at the dispatch board's first service point that nobody has yet (its
// move form and suggestions), and one for the walking technician (the
// steps of their day).
func walkVisits(t *testing.T, app *webtest.App, db *sqlstore.DB) {
	t.Helper()
	ctx := app.Ctx
	tech := testutil.MustUser(t, ctx, db, string(aftersales.RoleTechnician)+"-forms@example.com", aftersales.RoleTechnician, nil)
	units, err := db.ListServiceUnits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var point int64
	for _, u := range units {
		if u.Kind == aftersales.UnitServicePoint {
			point = u.ID
			break
		}
	}
	cust := testutil.MustCustomer(t, ctx, db, "走查客户")
	var tks []*aftersales.Ticket
	for _, title := range []string{"空调不制冷", "冰箱异响"} {
		in := testutil.TicketInput(cust.ID, title)
		in.ServiceUnitID = &point
		tk, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		tks = append(tks, tk)
	}
	now := time.Now().In(testutil.Shanghai(t))
	mid := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	in := aftersales.VisitInput{WindowStart: mid.Add(9 * time.Hour), WindowEnd: mid.Add(11 * time.Hour), DurationMin: 60}
	if _, err := db.CreateVisit(ctx, tks[0].ID, in); err != nil {
		t.Fatal(err)
	}
	tk := tks[1]
	if tk, err = db.Assign(ctx, tk.ID, tk.Version, nil, &tech.ID); err != nil {
		t.Fatal(err)
	}
	in.TechnicianID = &tech.ID
	in.WindowStart, in.WindowEnd = mid, mid.Add(23*time.Hour)
	if _, err := db.CreateVisit(ctx, tk.ID, in); err != nil {
		t.Fatal(err)
	}
}
