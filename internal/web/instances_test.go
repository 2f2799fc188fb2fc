package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/auth"
	"aftersales/internal/files"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web"
)

var formToken = regexp.MustCompile(`name="ft" value="([^"]+)"`)

// TestWebFormAcrossInstances: two servers on one database, as behind a
// load balancer, and a third started later, as after a restart. A form
// shown by one is accepted by the others, and an address's submissions
// count against one budget whichever instance takes them.
func TestWebFormAcrossInstances(t *testing.T) {
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			clock := testutil.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
			dsn := testutil.DSN(t, e)
			const rate = 4
			start := func(name string) (string, *sqlstore.DB) {
				db, err := sqlstore.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				db.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
				db.Zone, db.Now, db.Instance = testutil.Shanghai(t), clock.Now, name
				if err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				key, err := db.Secret(ctx, web.FormKeySecret)
				if err != nil {
					t.Fatal(err)
				}
				fs, err := files.Open(t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { fs.Close() })
				srv := &web.Server{Services: db.Services(), Idempotency: db, DB: db, Files: fs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
					Now: clock.Now, Zone: testutil.Shanghai(t), FormRate: rate, FormKey: key, Shared: db}
				hs := httptest.NewServer(srv.Handler())
				t.Cleanup(hs.Close)
				return hs.URL, db
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			show := func(base string) string {
				t.Helper()
				res, err := client.Get(base + "/form?lang=en")
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				m := formToken.FindSubmatch(b)
				if res.StatusCode != 200 || m == nil {
					t.Fatalf("form: %d", res.StatusCode)
				}
				return string(m[1])
			}
			submit := func(base, token string) (int, string) {
				t.Helper()
				clock.Advance(20 * time.Second) // a person typing
				f := url.Values{"ft": {token}, "lang": {"en"}, "name": {"陈先生"}, "phone": {"138 0013 8000"}, "nature": {"repair"},
					"title": {"洗衣机不脱水"}, "description": {"滚筒洗衣机脱水时报 E21。"}}
				res, err := client.PostForm(base+"/form", f)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(b)
			}

			a, db := start("a")
			b, _ := start("b")
			for _, tc := range []struct{ name, shownBy, postedTo string }{
				{"shown by a, posted to b", a, b},
				{"shown by b, posted to a", b, a},
			} {
				if s, body := submit(tc.postedTo, show(tc.shownBy)); s != http.StatusSeeOther {
					t.Fatalf("%s: %d %s", tc.name, s, firstLine(body, "Flash", "expired"))
				}
			}
			// A form shown before a restart is accepted after it.
			token := show(a)
			restarted, _ := start("a2")
			if s, body := submit(restarted, token); s != http.StatusSeeOther {
				t.Fatalf("form shown before a restart: %d %s", s, firstLine(body, "expired"))
			}
			// Three submissions so far, on three instances: one more is
			// allowed, then every instance refuses the address.
			if s, _ := submit(b, show(b)); s != http.StatusSeeOther {
				t.Fatalf("submission %d of %d: %d", rate, rate, s)
			}
			for _, base := range []string{a, b, restarted} {
				if s, _ := submit(base, show(base)); s != http.StatusTooManyRequests {
					t.Errorf("submission over the limit: %d, want 429", s)
				}
			}
			actx, _ := testutil.Admin(t, db)
			page, err := db.ListTickets(actx, aftersales.TicketFilter{Limit: 100})
			if err != nil || len(page.Tickets) != rate {
				t.Fatalf("tickets: %d, %v; want %d", len(page.Tickets), err, rate)
			}
		})
	}
}

// firstLine returns the first line of body that mentions any of words.
func firstLine(body string, words ...string) string {
	for l := range strings.Lines(body) {
		for _, w := range words {
			if strings.Contains(l, w) {
				return strings.TrimSpace(l)
			}
		}
	}
	return ""
}

// TestThrottlesAcrossInstances: failed guesses count in the database, so
// a guesser gets one budget however many instances serve it, and a
// restart forgets nothing: after 5 wrong passwords through one instance,
// the 6th through another, or through one started later, is refused; so
// is the 21st unknown API token.
func TestThrottlesAcrossInstances(t *testing.T) {
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			clock := testutil.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
			dsn := testutil.DSN(t, e)
			var first *sqlstore.DB
			start := func(name string) string {
				db, err := sqlstore.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				db.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
				db.Zone, db.Now, db.Instance = testutil.Shanghai(t), clock.Now, name
				if err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				if first == nil {
					first = db
				}
				key, err := db.Secret(ctx, web.FormKeySecret)
				if err != nil {
					t.Fatal(err)
				}
				fs, err := files.Open(t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { fs.Close() })
				srv := &web.Server{Services: db.Services(), Idempotency: db, DB: db, Files: fs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
					Now: clock.Now, Zone: testutil.Shanghai(t), FormKey: key, Shared: db}
				hs := httptest.NewServer(srv.Handler())
				t.Cleanup(hs.Close)
				return hs.URL
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			login := func(base, pw string) (int, string) {
				t.Helper()
				res, err := client.PostForm(base+"/login?lang=en", url.Values{"email": {"li@example.com"}, "password": {pw}})
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res.StatusCode, res.Header.Get("Retry-After")
			}
			token := func(base string) int {
				t.Helper()
				req, _ := http.NewRequest("GET", base+"/api/v1/tickets", nil)
				req.Header.Set("Authorization", "Bearer not-a-token")
				res, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res.StatusCode
			}

			a, b := start("a"), start("b")
			actx, _ := testutil.Admin(t, first)
			testutil.MustUser(t, actx, first, "li@example.com", aftersales.RoleAgent, nil)
			for i := range 5 {
				if s, _ := login(a, fmt.Sprint("guess-", i)); s != http.StatusUnauthorized {
					t.Fatalf("guess %d through a: %d, want 401", i, s)
				}
			}
			if s, wait := login(b, "guess-5"); s != http.StatusTooManyRequests || wait != "1" {
				t.Fatalf("6th guess through b: %d Retry-After %q, want 429 and 1", s, wait)
			}
			for i := range 20 {
				if s := token([]string{a, b}[i%2]); s != http.StatusUnauthorized {
					t.Fatalf("unknown token %d: %d, want 401", i, s)
				}
			}
			restarted := start("a2")
			if s, wait := login(restarted, "guess-5"); s != http.StatusTooManyRequests || wait != "1" {
				t.Fatalf("6th guess after a restart: %d Retry-After %q, want 429 and 1", s, wait)
			}
			if s := token(restarted); s != http.StatusTooManyRequests {
				t.Fatalf("21st unknown token after a restart: %d, want 429", s)
			}
			// The wait over, the owner's password works on any instance.
			clock.Advance(time.Second)
			if s, _ := login(b, "password-123456"); s != http.StatusSeeOther {
				t.Fatalf("right password after the wait: %d, want 303", s)
			}
		})
	}
}
