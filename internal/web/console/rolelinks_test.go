package console_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/demo"
	"aftersales/internal/jobs"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/textan"
	"aftersales/internal/web/webtest"
)

var (
	pageLink   = regexp.MustCompile(`<a [^>]*href="(/[^"#]*)"`)
	ticketLink = regexp.MustCompile(`<td data-label="[^"]*"><a href="(/tickets/\d+)">`)
)

// TestLinksOpenForTheirRole follows, as an agent and as a technician,
// every link of the pages their menu offers (and of a few tickets): none
// may end on "your role may not do this". An agent opened the
// improvement board from the menu and every item on it answered 403, and
// the board, the follow-up queue, the knowledge base and a ticket linked
// to the dashboard, the alerts, the knowledge-base report and the voice
// of the customer, which only the roles that read the metrics may open.
func TestLinksOpenForTheirRole(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	if _, err := demo.Load(app.Ctx, db.Services(), db,
		demo.Options{Seed: 1, Tickets: 200, End: time.Now(), Zone: testutil.Shanghai(t)}); err != nil {
		t.Fatal(err)
	}
	// A ticket shows its keywords, and the link to the voice of the
	// customer beside them, once its texts are analysed.
	if _, err := jobs.AnalyseAllTexts(app.Ctx, db, textan.NewAnalyser(textan.NewSegmenter())); err != nil {
		t.Fatal(err)
	}
	items, err := db.ImprovementItems(app.Ctx, aftersales.ItemFilter{})
	if err != nil || len(items) == 0 {
		t.Fatal(len(items), err)
	}
	skip := regexp.MustCompile(`^/(logout|lang/)|/export|\.(csv|xlsx|pdf)$|/files/|/attachments/`)
	for _, role := range []aftersales.Role{aftersales.RoleAgent, aftersales.RoleTechnician} {
		t.Run(string(role), func(t *testing.T) {
			email := string(role) + "-links@example.com"
			testutil.MustUser(t, app.Ctx, db, email, role, nil)
			b := newBrowser(t, app, "zh-CN")
			b.login(email, "password-123456")
			s, body := b.get("/tickets")
			if s != http.StatusOK {
				t.Fatalf("/tickets: %d", s)
			}
			nav := body[strings.Index(body, "<nav"):strings.Index(body, "</nav>")]
			var starts []string
			for _, m := range pageLink.FindAllStringSubmatch(nav, -1) {
				if u := html.UnescapeString(m[1]); !skip.MatchString(u) {
					starts = append(starts, u)
				}
			}
			if !strings.Contains(strings.Join(starts, " "), "/quality/items") {
				t.Fatalf("the menu has no improvement board: %v", starts)
			}
			// The first tickets the role's own list shows.
			for _, m := range ticketLink.FindAllStringSubmatch(body, 5) {
				starts = append(starts, m[1])
			}
			seen := map[string]bool{}
			for _, from := range starts {
				s, body := b.get(from)
				if s != http.StatusOK {
					t.Errorf("%s, from the menu: %d", from, s)
					continue
				}
				for _, m := range pageLink.FindAllStringSubmatch(body, -1) {
					u := html.UnescapeString(m[1])
					if seen[u] || skip.MatchString(u) {
						continue
					}
					seen[u] = true
					if s, _ := b.get(u); s == http.StatusForbidden || s >= 500 {
						t.Errorf("%s links to %s: %d", from, u, s)
					}
				}
			}
			for _, it := range items {
				if !seen[fmt.Sprintf("/quality/items/%d", it.ID)] {
					t.Errorf("the board does not link item %d", it.ID)
				}
			}
		})
	}
}
