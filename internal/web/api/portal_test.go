package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/api"
	"aftersales/internal/web/console"
	"aftersales/internal/web/webtest"

	"github.com/google/go-cmp/cmp"
)

// portalFixture is one customer's world in the portal: a signed-in portal
// user and one of everything the portal shows by id.
type portalFixture struct {
	customer           *aftersales.Customer
	user, colleague    *aftersales.PortalUser
	session            string
	ticket             *aftersales.Ticket
	asset              *aftersales.Asset
	visit              *aftersales.Visit
	attachment         int64
	surveyURL, secrets string // secrets: a text only this customer's data holds
}

func newPortalFixture(t *testing.T, app *webtest.App, name, email string, kind aftersales.CustomerKind, product int64) *portalFixture {
	t.Helper()
	db, ctx := app.DB, app.Ctx
	f := &portalFixture{secrets: "SECRET-" + name}
	var err error
	if f.customer, err = db.CreateCustomer(ctx, aftersales.CustomerInput{Kind: kind, Name: name, Email: email}); err != nil {
		t.Fatal(err)
	}
	if f.asset, err = db.CreateAsset(ctx, aftersales.AssetInput{ProductID: product, CustomerID: f.customer.ID, SerialNo: f.secrets + "-SN", WarrantyEnds: "2030-01-01"}); err != nil {
		t.Fatal(err)
	}
	in := testutil.TicketInput(f.customer.ID, f.secrets+" 空调不制冷")
	in.AssetID = &f.asset.ID
	if f.ticket, err = db.CreateTicket(ctx, in); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 20, 9, 0, 0, 0, time.UTC)
	if f.visit, err = db.CreateVisit(ctx, f.ticket.ID, aftersales.VisitInput{WindowStart: start, WindowEnd: start.Add(2 * time.Hour), DurationMin: 60}); err != nil {
		t.Fatal(err)
	}
	a, err := app.Files.Attach(ctx, db.Services().Tickets, f.ticket.ID, strings.NewReader("photo of "+f.secrets), f.secrets+".txt", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.attachment = a.ID
	link, err := db.SurveyLink(ctx, f.ticket.ID, "link")
	if err != nil {
		t.Fatal(err)
	}
	f.surveyURL = "/s/" + link.Token
	if f.user, err = db.InvitePortalUser(ctx, f.customer.ID, aftersales.PortalInvite{Email: email, Role: aftersales.PortalAdmin}); err != nil {
		t.Fatal(err)
	}
	if f.colleague, err = db.InvitePortalUser(ctx, f.customer.ID, aftersales.PortalInvite{Email: "colleague-" + email}); err != nil {
		t.Fatal(err)
	}
	pctx := aftersales.NewContextWithPortalUser(context.Background(), f.user)
	if err := db.SetPortalPassword(pctx, "portal-password-1"); err != nil {
		t.Fatal(err)
	}
	s, err := db.PortalSignIn(context.Background(), email, "portal-password-1")
	if err != nil {
		t.Fatal(err)
	}
	f.session = s.Token
	return f
}

// portalOp is one operation of the portal's OpenAPI document.
type portalOp struct {
	id, method, path string
	body             bool
	multipart        bool
}

// portalOps reads every operation from the served portal document.
func portalOps(t *testing.T, base string) []portalOp {
	t.Helper()
	res, err := http.Get(base + api.PortalPrefix + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			RequestBody *struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil || res.StatusCode != 200 {
		t.Fatalf("portal document: %d %v", res.StatusCode, err)
	}
	var ops []portalOp
	for path, methods := range doc.Paths {
		for m, op := range methods {
			o := portalOp{id: op.OperationID, method: strings.ToUpper(m), path: path, body: op.RequestBody != nil}
			if o.body {
				_, o.multipart = op.RequestBody.Content["multipart/form-data"]
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].id < ops[j].id })
	if len(ops) < 10 {
		t.Fatalf("the portal document lists only %d operations", len(ops))
	}
	return ops
}

// portalBodies are valid request bodies, by operation: an operation that
// takes a body and is missing here fails the test, so a new operation
// cannot go untested.
func portalBodies(other *portalFixture) map[string]any {
	return map[string]any{
		"portal-set-password":  map[string]any{"password": "another-password-1"},
		"portal-create-ticket": map[string]any{"title": "新工单", "asset_id": other.asset.ID},
		"portal-reply":         map[string]any{"body": "还是不行"},
		"portal-move-visit":    map[string]any{"window_start": "2026-12-21T01:00:00Z", "version": other.visit.Version},
		"portal-set-role":      map[string]any{"role": "company"},
	}
}

func portalCall(t *testing.T, base string, op portalOp, path string, body any, session string) (int, string) {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch {
	case op.multipart:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "photo.txt")
		fw.Write([]byte("a photo"))
		mw.Close()
		rd, ctype = &buf, mw.FormDataContentType()
	case op.body:
		raw, _ := json.Marshal(body)
		rd, ctype = bytes.NewReader(raw), "application/json"
	}
	req, _ := http.NewRequest(op.method, base+api.PortalPrefix+path, rd)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: console.PortalCookie, Value: session})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// fill puts ids into a path template: {id} is the ticket, the asset or
// the portal user, as the path's first segment says.
func fill(path string, ids map[string]int64) string {
	key := "ticket"
	switch {
	case strings.HasPrefix(path, "/assets/"):
		key = "asset"
	case strings.HasPrefix(path, "/colleagues/"):
		key = "user"
	}
	r := strings.NewReplacer("{id}", strconv.FormatInt(ids[key], 10), "{visit_id}", strconv.FormatInt(ids["visit"], 10),
		"{attachment_id}", strconv.FormatInt(ids["attachment"], 10))
	return r.Replace(path)
}

func (f *portalFixture) ids() map[string]int64 {
	return map[string]int64{"ticket": f.ticket.ID, "asset": f.asset.ID, "user": f.colleague.ID, "visit": f.visit.ID, "attachment": f.attachment}
}

// TestPortalIsolation calls every operation of the portal's OpenAPI
// document as one customer with another customer's ids (ticket, asset,
// visit, attachment, portal user; the survey by its ticket) and expects
// 404, exactly as for ids that do not exist; operations without ids must
// not show the other customer's data. Each also runs with the caller's
// own ids, so a 404 cannot come from a wrong path.
func TestPortalIsolation(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		base := app.Server.URL
		cat, err := db.CreateCategory(app.Ctx, aftersales.CategoryInput{Code: "ac", NameZH: "空调"})
		if err != nil {
			t.Fatal(err)
		}
		prod, err := db.CreateProduct(app.Ctx, aftersales.ProductInput{CategoryID: cat.ID, Model: "KFR-35GW", Name: "挂机", WarrantyMonths: 36})
		if err != nil {
			t.Fatal(err)
		}
		me := newPortalFixture(t, app, "ALPHA", "a@alpha.example", aftersales.CustomerCompany, prod.ID)
		other := newPortalFixture(t, app, "BRAVO", "b@bravo.example", aftersales.CustomerPerson, prod.ID)
		bodies := portalBodies(other)
		ownBodies := portalBodies(me)
		for _, op := range portalOps(t, base) {
			t.Run(op.id, func(t *testing.T) {
				body, ok := bodies[op.id]
				if op.body && !op.multipart && !ok {
					t.Fatalf("%s %s takes a body: add a valid one to portalBodies", op.method, op.path)
				}
				// Without a session: nothing.
				if s, _ := portalCall(t, base, op, fill(op.path, me.ids()), ownBodies[op.id], ""); s != http.StatusUnauthorized {
					t.Errorf("without a session: %d, want 401", s)
				}
				if !strings.Contains(op.path, "{") {
					// No ids in the path: the answer must not show the other
					// customer's data; a body naming their asset is refused
					// as not found.
					s, out := portalCall(t, base, op, op.path, body, me.session)
					if strings.Contains(out, other.secrets) || strings.Contains(out, other.user.Email) {
						t.Errorf("%s shows the other customer's data: %.300s", op.path, out)
					}
					if op.id == "portal-create-ticket" && s != http.StatusNotFound {
						t.Errorf("create with the other customer's asset: %d %.300s", s, out)
					}
					return
				}
				mixed := me.ids()
				for k, v := range other.ids() {
					if k != "ticket" {
						mixed[k] = v
					}
				}
				tries := []map[string]int64{other.ids()}
				if strings.Count(op.path, "{") > 1 {
					tries = append(tries, mixed) // the caller's ticket, another's visit or file
				}
				for _, ids := range tries {
					path := fill(op.path, ids)
					s, out := portalCall(t, base, op, path, body, me.session)
					if s != http.StatusNotFound {
						t.Errorf("%s %s with another customer's ids: %d, want 404: %.300s", op.method, path, s, out)
					}
					if strings.Contains(out, other.secrets) {
						t.Errorf("%s %s leaks the other customer's data", op.method, path)
					}
				}
				if s, out := portalCall(t, base, op, fill(op.path, me.ids()), ownBodies[op.id], me.session); s == http.StatusNotFound {
					t.Errorf("%s %s with the caller's own ids: 404: %.300s", op.method, fill(op.path, me.ids()), out)
				}
			})
		}
		// The other customer's data is untouched.
		d, err := db.PortalTicket(aftersales.NewContextWithPortalUser(context.Background(), other.user), other.ticket.ID)
		if err != nil || len(d.Messages) != 0 || len(d.Attachments) != 1 || !d.Visits[0].WindowStart.Equal(other.visit.WindowStart) {
			t.Errorf("the other customer's ticket changed: %+v %v", d, err)
		}
		if users, _ := db.ListPortalUsers(app.Ctx, other.customer.ID); users[1].Role != aftersales.PortalMember {
			t.Errorf("the other customer's portal user changed role: %+v", users[1])
		}
	})
}

// TestPortalSessionIsApart checks that a portal session never reaches a
// staff page or /api/v1, that a staff session is not a portal session,
// and that every portal form refuses a cross-site post (CSRF).
func TestPortalSessionIsApart(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	c := testutil.MustCustomer(t, app.Ctx, db, "门户客户")
	tk := testutil.MustTicket(t, app.Ctx, db, c.ID, "热水器漏水")
	u, err := db.InvitePortalUser(app.Ctx, c.ID, aftersales.PortalInvite{Email: "p@example.com", Role: aftersales.PortalAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPortalPassword(aftersales.NewContextWithPortalUser(context.Background(), u), "portal-password-1"); err != nil {
		t.Fatal(err)
	}
	s, err := db.PortalSignIn(context.Background(), "p@example.com", "portal-password-1")
	if err != nil {
		t.Fatal(err)
	}
	staff, err := db.CreateSession(app.Ctx, app.Admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path, cookie, value string, hdr map[string]string) (int, string) {
		t.Helper()
		var body io.Reader
		if method == http.MethodPost {
			body = strings.NewReader("body=x&title=x&password=x&email=x%40example.com&role=member")
		}
		req, _ := http.NewRequest(method, app.Server.URL+path, body)
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		req.AddCookie(&http.Cookie{Name: cookie, Value: value})
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		return res.StatusCode, res.Header.Get("Location")
	}
	for _, path := range []string{"/tickets", fmt.Sprintf("/tickets/%d", tk.ID), "/customers", "/dashboard", "/users"} {
		if st, loc := do("GET", path, console.PortalCookie, s.Token, nil); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Errorf("portal session on staff page %s: %d %s", path, st, loc)
		}
	}
	for _, path := range []string{"/api/v1/tickets", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), "/api/v1/customers"} {
		if st, _ := do("GET", path, console.PortalCookie, s.Token, nil); st != http.StatusUnauthorized {
			t.Errorf("portal session on %s: %d", path, st)
		}
		// The portal's cookie under the console's name is no staff session either.
		if st, _ := do("GET", path, console.SessionCookie, s.Token, nil); st != http.StatusUnauthorized {
			t.Errorf("portal token as a staff session on %s: %d", path, st)
		}
	}
	if st, _ := do("GET", api.PortalPrefix+"/tickets", console.SessionCookie, staff.Token, nil); st != http.StatusUnauthorized {
		t.Errorf("staff session on the portal API: %d", st)
	}
	if st, loc := do("GET", "/portal/tickets", console.SessionCookie, staff.Token, nil); st != http.StatusSeeOther || loc != "/portal/login" {
		t.Errorf("staff session on the portal pages: %d %s", st, loc)
	}
	if st, _ := do("GET", "/portal/tickets", console.PortalCookie, s.Token, nil); st != http.StatusOK {
		t.Errorf("portal session on the portal: %d", st)
	}
	// Every form of the portal refuses a post from another site.
	for _, path := range []string{"/portal/login", "/portal/login/link", "/portal/link/asl_X", "/portal/logout", "/portal/tickets",
		fmt.Sprintf("/portal/tickets/%d/reply", tk.ID), fmt.Sprintf("/portal/tickets/%d/attachments", tk.ID),
		fmt.Sprintf("/portal/tickets/%d/visits/1/move", tk.ID), "/portal/account/password", fmt.Sprintf("/portal/account/colleagues/%d/role", u.ID)} {
		if st, _ := do("POST", path, console.PortalCookie, s.Token, map[string]string{"Sec-Fetch-Site": "cross-site"}); st != http.StatusForbidden {
			t.Errorf("cross-site post to %s: %d, want 403", path, st)
		}
	}
}

// TestPortalOpenAPISnapshot keeps the portal's document committed beside
// the staff API's (-update rewrites testdata/portal-openapi.json), and
// checks that the server serves it.
func TestPortalOpenAPISnapshot(t *testing.T) {
	got, err := api.PortalDocument(snapshotVersion)
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "portal-openapi.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the portal API changed: %s differs from the code (review, then run with -update):\n%s", path, firstDiff(string(want), string(got)))
	}
	app := webtest.Start(t, testutil.OpenDB(t, sqlstore.SQLite))
	res, err := http.Get(app.Server.URL + api.PortalPrefix + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var served, generated map[string]any
	if err := json.NewDecoder(res.Body).Decode(&served); err != nil {
		t.Fatalf("served document: %v", err)
	}
	json.Unmarshal(got, &generated)
	served["info"].(map[string]any)["version"] = snapshotVersion
	if diff := cmp.Diff(generated, served); diff != "" {
		t.Errorf("the served portal document differs from api.PortalDocument (-generated +served):\n%.3000s", diff)
	}
}
