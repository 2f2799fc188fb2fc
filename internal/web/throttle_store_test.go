package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web"
	"aftersales/internal/web/webtest"
)

// strikesDown is a real database whose throttle counts cannot be read
// (reads) or written (writes), as when the database fails between two
// statements.
type strikesDown struct {
	*sqlstore.DB
	reads, writes bool
}

var errStrikes = &aftersales.Error{Code: aftersales.EUNAVAILABLE, Message: "strikes unavailable"}

func (s strikesDown) Strike(ctx context.Context, key string, at, keep time.Time) (int, error) {
	if s.writes {
		return 0, errStrikes
	}
	return s.DB.Strike(ctx, key, at, keep)
}

func (s strikesDown) Strikes(ctx context.Context, key string, now time.Time) (int, time.Time, error) {
	if s.reads {
		return 0, time.Time{}, errStrikes
	}
	return s.DB.Strikes(ctx, key, now)
}

func (s strikesDown) ClearStrikes(ctx context.Context, key string) error {
	if s.writes {
		return errStrikes
	}
	return s.DB.ClearStrikes(ctx, key)
}

// TestThrottleStoreFailure: when the throttle's counts cannot be read or
// written, a guess is neither let through uncounted nor answered as
// wrong: sign-in, API tokens and the chat webhook answer 503 with
// Retry-After, like every other storage failure.
func TestThrottleStoreFailure(t *testing.T) {
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			for _, mode := range []strikesDown{{reads: true}, {writes: true}} {
				db := testutil.OpenDB(t, e)
				mode.DB = db
				app := webtest.StartWith(t, db, func(s *web.Server) { s.Shared = mode })
				testutil.MustUser(t, app.Ctx, db, "li@example.com", aftersales.RoleAgent, nil)
				client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				send := func(req *http.Request) (int, string, string) {
					t.Helper()
					res, err := client.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					defer res.Body.Close()
					io.Copy(io.Discard, res.Body)
					return res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get("Content-Type")
				}
				login := func(pw string) *http.Request {
					f := url.Values{"email": {"li@example.com"}, "password": {pw}}
					req, _ := http.NewRequest("POST", app.Server.URL+"/login", strings.NewReader(f.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					return req
				}
				token := func(secret string) *http.Request {
					req, _ := http.NewRequest("GET", app.Server.URL+"/api/v1/tickets", nil)
					req.Header.Set("Authorization", "Bearer "+secret)
					return req
				}
				chat := func() *http.Request {
					body := `{"channel":"wecom","from":"x","text":"hi"}`
					ts := db.Now().Unix()
					req, _ := http.NewRequest("POST", app.Server.URL+web.ChatPath, strings.NewReader(body))
					req.Header.Set("X-Aftersales-Timestamp", strconv.FormatInt(ts, 10))
					req.Header.Set("X-Aftersales-Signature", "wrong")
					return req
				}
				// A valid token with failing writes passes: it counts nothing.
				validToken := 503
				if mode.writes {
					validToken = 200
				}
				cases := []struct {
					name    string
					req     *http.Request
					want    int
					problem bool
				}{
					{"wrong password", login("guess"), 503, false},
					{"right password", login("password-123456"), 503, false},
					{"unknown token", token("not-a-token"), 503, true},
					{"valid token", token(app.Token), validToken, true},
					{"bad chat signature", chat(), 503, true},
				}
				for _, c := range cases {
					s, wait, typ := send(c.req)
					if s != c.want || s == 503 && (wait == "" || c.problem != (typ == "application/problem+json")) {
						t.Errorf("reads %v writes %v, %s: %d Retry-After %q %s, want %d", mode.reads, mode.writes, c.name, s, wait, typ, c.want)
					}
				}
			}
		})
	}
}
