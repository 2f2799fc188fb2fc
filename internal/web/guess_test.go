package web_test

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web"
	"aftersales/internal/web/webtest"
)

// clientFrom sends from its own loopback address (Linux routes all of
// 127.0.0.0/8 to lo), so a test can play several machines.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// TestSecretGuessingIsThrottled: unknown API tokens and bad chat
// signatures from one address get 429 with Retry-After after 20
// failures; other addresses are not affected, and the wait passes.
func TestSecretGuessingIsThrottled(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	clock := testutil.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	db.Now = clock.Now
	app := webtest.Start(t, db)
	do := func(c *http.Client, req *http.Request) (int, string) {
		t.Helper()
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode, res.Header.Get("Retry-After")
	}
	api := func(c *http.Client, token string) (int, string) {
		req, _ := http.NewRequest("GET", app.Server.URL+"/api/v1/tickets", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return do(c, req)
	}
	chat := func(c *http.Client, secret string) (int, string) {
		body := `{"source":"wechat","conversation_id":"c1","message_id":"m1","text":"冰箱不制冷"}`
		ts := clock.Now().Unix()
		req, _ := http.NewRequest("POST", app.Server.URL+web.ChatPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Aftersales-Timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("X-Aftersales-Signature", web.ChatSignature(secret, ts, []byte(body)))
		return do(c, req)
	}
	for _, tc := range []struct {
		name      string
		try       func(c *http.Client, secret string) (int, string)
		bad, good string
		ok        int
	}{
		{"API token", api, "ast_guessed-token", app.Token, 200},
		{"chat signature", chat, "guessed-secret-0000", webtest.ChatSecret, 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			guesser, other := clientFrom("127.0.0.5"), clientFrom("127.0.0.6")
			if tc.name == "chat signature" {
				guesser, other = clientFrom("127.0.0.7"), clientFrom("127.0.0.8")
			}
			for i := range 20 {
				if s, _ := tc.try(guesser, tc.bad); s != 401 {
					t.Fatalf("guess %d: %d, want 401", i, s)
				}
			}
			if s, wait := tc.try(guesser, tc.good); s != 429 || wait != "1" {
				t.Fatalf("after 20 guesses: %d Retry-After %q, want 429 and 1", s, wait)
			}
			if s, _ := tc.try(other, tc.good); s != tc.ok {
				t.Fatalf("another address: %d, want %d", s, tc.ok)
			}
			clock.Advance(time.Second)
			if s, _ := tc.try(guesser, tc.bad); s != 401 {
				t.Fatalf("guess after the wait: %d, want 401", s)
			}
			if s, wait := tc.try(guesser, tc.bad); s != 429 || wait != "2" {
				t.Fatalf("next guess: %d Retry-After %q, want 429 and 2", s, wait)
			}
		})
	}
}
