package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestIdempotentCrashAfterCommit stops a request between the commit of its
// work and its answer, as kill -9 would, and retries it with the same key:
// the retry gets the original ticket, and there is one ticket.
func TestIdempotentCrashAfterCommit(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		var crash atomic.Bool
		db.AfterCommit = func(ctx context.Context) {
			if aftersales.IdempotentFromContext(ctx) != nil && crash.CompareAndSwap(true, false) {
				panic(http.ErrAbortHandler) // the connection drops; nothing after the commit runs
			}
		}
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := testutil.MustCustomer(t, app.Ctx, db, "赵六")
		body := `{"channel":"phone","nature":"repair","urgency":"high","title":"断电后不启动","customer_id":` + strconv.FormatInt(cust.ID, 10) + `}`

		target := testutil.MustTicket(t, app.Ctx, db, cust.ID, "待受理")
		for _, tc := range []struct {
			name, path, body string
			status           int
			etag             string
			// done checks that the work was done exactly once and that
			// the retry answered with its result.
			done func(t *testing.T, retry resp)
		}{
			{"create", "/tickets", body, 201, `"1"`, func(t *testing.T, retry resp) {
				list := c.do("GET", "/tickets?limit=500&open=&q="+url.QueryEscape("断电后不启动"), nil)
				tickets, _ := list.Body["tickets"].([]any)
				if len(tickets) != 1 {
					t.Fatalf("%d tickets titled like the request, want 1: %s", len(tickets), list.Raw)
				}
				first := tickets[0].(map[string]any)
				if first["id"] != retry.Body["id"] || first["number"] != retry.Body["number"] {
					t.Errorf("retry answered ticket %v %v, the crashed request created %v %v", retry.Body["id"], retry.Body["number"], first["id"], first["number"])
				}
			}},
			{"transition", "/tickets/" + strconv.FormatInt(target.ID, 10) + "/transition", `{"to":"accepted","version":1}`, 200, `"2"`, func(t *testing.T, retry resp) {
				if retry.id() != target.ID || retry.Body["status"] != "accepted" {
					t.Errorf("retry answered %s", retry.Raw)
				}
				tl := c.do("GET", "/tickets/"+strconv.FormatInt(target.ID, 10)+"/timeline", nil)
				if n := strings.Count(string(tl.Raw), `"accepted"`); n != 1 {
					t.Errorf("the timeline shows the transition %d times: %s", n, tl.Raw)
				}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := count(t, c)
				crash.Store(true)
				req, _ := http.NewRequest("POST", c.base+tc.path, strings.NewReader(tc.body))
				req.Header.Set("Authorization", "Bearer "+c.token)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", "crash-"+tc.name)
				// A connection of its own: the transport retries idempotent
				// requests only on reused connections.
				hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
				if res, err := hc.Do(req); err == nil {
					res.Body.Close()
					t.Fatalf("the crashed request was answered: %d", res.StatusCode)
				}
				if crash.Load() {
					t.Fatal("the request never committed")
				}
				after := count(t, c)
				r := c.do("POST", tc.path, tc.body, "Idempotency-Key", "crash-"+tc.name)
				if r.Status != tc.status || r.Header.Get("Idempotent-Replayed") != "true" || r.Header.Get("ETag") != tc.etag {
					t.Fatalf("retry: %d %v %s", r.Status, r.Header, r.Raw)
				}
				tc.done(t, r)
				if n := count(t, c); n != after || tc.status == 201 && after != before+1 {
					t.Errorf("tickets: %d before, %d after the crash, %d after the retry", before, after, n)
				}
				again := c.do("POST", tc.path, tc.body, "Idempotency-Key", "crash-"+tc.name)
				if again.Status != tc.status || string(again.Raw) != string(r.Raw) {
					t.Fatalf("second retry: %d %s", again.Status, again.Raw)
				}
			})
		}
	})
}

// TestIdempotentReplayHeaders checks that a replay repeats the original
// ETag, and the problem content type of a refused request.
func TestIdempotentReplayHeaders(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := testutil.MustCustomer(t, app.Ctx, db, "钱七")
		valid := map[string]any{"channel": "phone", "nature": "repair", "urgency": "high", "title": "噪音大", "customer_id": cust.ID}
		for _, tc := range []struct {
			name        string
			body        any
			status      int
			contentType string
			etag        string
		}{
			{"created", valid, 201, "application/json", `"1"`},
			{"refused", merge(valid, "channel", "fax"), 422, "application/problem+json", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				first := c.do("POST", "/tickets", tc.body, "Idempotency-Key", "replay-"+tc.name)
				again := c.do("POST", "/tickets", tc.body, "Idempotency-Key", "replay-"+tc.name)
				for _, r := range []resp{first, again} {
					if r.Status != tc.status || !strings.HasPrefix(r.Header.Get("Content-Type"), tc.contentType) || r.Header.Get("ETag") != tc.etag {
						t.Errorf("%d %q %q, want %d %q %q: %s", r.Status, r.Header.Get("Content-Type"), r.Header.Get("ETag"), tc.status, tc.contentType, tc.etag, r.Raw)
					}
				}
				if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Raw) != string(first.Raw) {
					t.Errorf("not a replay: %v %s", again.Header, again.Raw)
				}
			})
		}
	})
}
