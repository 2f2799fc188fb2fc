package console_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// ticketRoutes reads the console's route patterns that name a ticket in
// their path from its source, so that a new route is covered without
// being listed here.
func ticketRoutes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	route := regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE) /tickets/\{id\}`)
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && route.MatchString(s) {
					out = append(out, s)
				}
			}
			return true
		})
	}
	slices.Sort(out)
	if len(out) < 9 {
		t.Fatalf("only %d ticket routes found in the console's source: %v", len(out), out)
	}
	return out
}

// TestConsoleTicketRoutesHideOtherTeamsTickets sends every console route
// with a ticket id in its path, as a technician outside the ticket's
// team: each answers 404, as for a ticket that does not exist, whatever
// the form holds, and the ticket stays as it was.
func TestConsoleTicketRoutesHideOtherTeamsTickets(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	ctx := app.Ctx
	teamA, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "a", Name: "一组"})
	if err != nil {
		t.Fatal(err)
	}
	teamB, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "b", Name: "二组"})
	if err != nil {
		t.Fatal(err)
	}
	testutil.MustUser(t, ctx, db, "outsider@example.com", aftersales.RoleTechnician, &teamB.ID)
	cust := testutil.MustCustomer(t, ctx, db, "张三")
	tk := testutil.MustTicket(t, ctx, db, cust.ID, "空调不制冷")
	if tk, err = db.Assign(ctx, tk.ID, tk.Version, &teamA.ID, nil); err != nil {
		t.Fatal(err)
	}
	cost, err := db.AddCost(ctx, tk.ID, aftersales.CostInput{Kind: aftersales.CostLabour, Amount: 5000})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, app, "en")
	b.login("outsider@example.com", "password-123456")
	timeline := func() int {
		ev, err := db.Timeline(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(ev)
	}
	events := timeline()

	// A form that would pass the console's own checks on a visible ticket.
	form := url.Values{"version": {strconv.FormatInt(tk.Version, 10)}, "body": {"hi"}, "to": {"accepted"},
		"assignee_id": {""}, "team_id": {strconv.FormatInt(teamB.ID, 10)}, "kind": {"labour"}, "amount": {"10"},
		"reason": {"wrong"}, "title": {"x"}, "channel": {"phone"}, "nature": {"repair"}, "urgency": {"normal"},
		"customer_id": {strconv.FormatInt(cust.ID, 10)}}
	for _, route := range ticketRoutes(t) {
		method, pattern, _ := strings.Cut(route, " ")
		for _, id := range []int64{tk.ID, 987654} {
			path := strings.NewReplacer("{id}", strconv.FormatInt(id, 10), "{cost}", strconv.FormatInt(cost.ID, 10),
				"{field}", "nature", "{decision}", "accept", "{visit}", "1", "{reservation}", "1").Replace(pattern)
			if strings.Contains(path, "{") {
				t.Fatalf("%s: no value for a parameter", route)
			}
			for _, f := range []url.Values{form, {}} {
				var status int
				if method == "GET" {
					status, _ = b.get(path)
				} else if strings.HasSuffix(path, "/attachments") {
					var buf bytes.Buffer
					mw := multipart.NewWriter(&buf)
					w, _ := mw.CreateFormFile("file", "note.txt")
					w.Write([]byte("hello"))
					mw.Close()
					req, _ := http.NewRequest(method, b.base+path, &buf)
					req.Header.Set("Content-Type", mw.FormDataContentType())
					status, _, _ = b.do(req)
				} else {
					status, _, _ = b.post(path, f)
				}
				if status != http.StatusNotFound {
					t.Errorf("%s %s (form %v): %d, want 404", method, path, len(f) > 0, status)
				}
			}
		}
	}
	if got, err := db.FindTicket(ctx, tk.ID); err != nil || got.Version != tk.Version || timeline() != events {
		t.Errorf("refused requests changed the ticket: version %d → %d, %d → %d events", tk.Version, got.Version, events, timeline())
	}
	costs, _ := db.ListCosts(ctx, tk.ID)
	if len(costs) != 1 || costs[0].VoidedAt != nil {
		t.Errorf("costs changed: %+v", costs)
	}
}
