package console_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"

	"github.com/google/go-cmp/cmp"
)

// TestLoginRedirectStaysOnSite signs in with hostile "next" values: the
// browser must land on a path of this site, whatever it would make of
// tabs, backslashes, encoded slashes or schemes.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	for _, tc := range []struct{ next, want string }{
		{"/tickets/7?tab=sla", "/tickets/7?tab=sla"},
		{"/quality/revenue", "/quality/revenue"},
		{"/customers?q=%E5%BC%A0", "/customers?q=%E5%BC%A0"},
		{"", "/tickets"},
		{"/%09/evil.example/", "/tickets"},
		{"/\t/evil.example/", "/tickets"},
		{"/\n/evil.example/", "/tickets"},
		{"/\r\n//evil.example/", "/tickets"},
		{"//evil.example/", "/tickets"},
		{"///evil.example/", "/tickets"},
		{"/\\evil.example/", "/tickets"},
		{"\\\\evil.example/", "/tickets"},
		{"/%5Cevil.example/", "/tickets"},
		{"/%5C%5Cevil.example/", "/tickets"},
		{"/%2F/evil.example/", "/tickets"},
		{"/%2f%2fevil.example/", "/tickets"},
		{"https://evil.example/", "/tickets"},
		{"HTTPS://evil.example/", "/tickets"},
		{"javascript:alert(1)", "/tickets"},
		{"data:text/html,hi", "/tickets"},
		{"http:/evil.example", "/tickets"},
		{"//user@evil.example", "/tickets"},
		{"evil.example", "/tickets"},
		{"tickets", "/tickets"},
		{"/%00/evil.example", "/tickets"},
		{"/\x00", "/tickets"},
		{"/\xff", "/tickets"},
	} {
		b := newBrowser(t, app, "en")
		s, _, h := b.post("/login", url.Values{"email": {"admin@example.com"}, "password": {"admin-password-1"}, "next": {tc.next}})
		if s != http.StatusSeeOther || h.Get("Location") != tc.want {
			t.Errorf("next=%q: %d Location %q, want %q", tc.next, s, h.Get("Location"), tc.want)
		}
	}
}

// fromAddr is a browser whose connections come from a loopback address
// of its own (Linux routes all of 127.0.0.0/8 to lo), so tests can sign
// in from "another machine".
func fromAddr(t *testing.T, app *webtest.App, ip string) *browser {
	b := newBrowser(t, app, "en")
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	b.c.Transport = &http.Transport{DialContext: d.DialContext}
	return b
}

// TestLoginThrottle: wrong passwords from one address are answered with
// a growing wait (429 and Retry-After), the right password included,
// while the owner signing in from another address is not affected; the
// wait is bounded, and a success starts the count again.
func TestLoginThrottle(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	clock := testutil.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	db.Now = clock.Now
	app := webtest.Start(t, db)
	testutil.MustUser(t, app.Ctx, db, "li@example.com", aftersales.RoleAgent, nil)
	attacker, owner := fromAddr(t, app, "127.0.0.2"), fromAddr(t, app, "127.0.0.3")
	try := func(b *browser, email, pw string) (int, string, string) {
		t.Helper()
		s, body, h := b.post("/login", url.Values{"email": {email}, "password": {pw}})
		return s, h.Get("Retry-After"), body
	}

	// Five free mistakes, then 1 s, 2 s, 4 s... capped at 15 minutes.
	for i := range 5 {
		if s, _, _ := try(attacker, "li@example.com", fmt.Sprint("guess-", i)); s != 401 {
			t.Fatalf("guess %d: %d, want 401", i, s)
		}
	}
	var waits []string
	for range 13 {
		s, wait, body := try(attacker, "li@example.com", "password-123456") // the right one: refused too
		if s != 429 || !strings.Contains(body, "Too many failed sign-ins; try again in "+wait+" seconds") {
			t.Fatalf("at once: %d Retry-After %q", s, wait)
		}
		waits = append(waits, wait)
		n, _ := strconv.Atoi(wait)
		clock.Advance(time.Duration(n)*time.Second - time.Millisecond)
		if s, _, _ := try(attacker, "li@example.com", "guess-x"); s != 429 {
			t.Fatalf("a moment too early: %d, want 429", s)
		}
		clock.Advance(time.Millisecond)
		if s, _, _ := try(attacker, "li@example.com", "guess-x"); s != 401 {
			t.Fatalf("guess after waiting: %d, want 401", s)
		}
	}
	want := []string{"1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "900", "900", "900"}
	if diff := cmp.Diff(want, waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}

	// The owner, elsewhere, signs in at once.
	if s, _, _ := try(owner, "li@example.com", "password-123456"); s != 303 {
		t.Fatalf("owner from another address: %d, want 303", s)
	}
	// Once the wait is over the right password works.
	clock.Advance(15 * time.Minute)
	if s, _, _ := try(attacker, "li@example.com", "password-123456"); s != 303 {
		t.Fatalf("after the wait: %d", s)
	}
	// A success clears the count: four typos, a success, and five free
	// typos again; the next failure brings the wait back.
	for i := range 4 {
		if s, _, _ := try(owner, "li@example.com", fmt.Sprint("typo-", i)); s != 401 {
			t.Fatalf("typo %d: %d, want 401", i, s)
		}
	}
	if s, _, _ := try(owner, "li@example.com", "password-123456"); s != 303 {
		t.Fatal("owner's success")
	}
	for i := range 5 {
		if s, _, _ := try(owner, "li@example.com", fmt.Sprint("typo-", i)); s != 401 {
			t.Fatalf("typo %d after a success: %d, want 401", i, s)
		}
	}
	if s, _, _ := try(owner, "li@example.com", "password-123456"); s != 429 {
		t.Fatalf("at once after the fifth typo: %d, want 429", s)
	}

	// One address trying many accounts is slowed after 20 failures in all,
	// whatever the accounts.
	sprayer := fromAddr(t, app, "127.0.0.4")
	for i := range 20 {
		if s, _, _ := try(sprayer, fmt.Sprintf("user%d@example.com", i), "Spring2026!"); s != 401 {
			t.Fatalf("spray %d: %d", i, s)
		}
	}
	if s, wait, _ := try(sprayer, "someone-else@example.com", "Spring2026!"); s != 429 || wait != "1" {
		t.Fatalf("spray 21: %d Retry-After %q, want 429 after 1 s", s, wait)
	}
	clock.Advance(time.Second) // the owner's own wait
	if s, _, _ := try(owner, "li@example.com", "password-123456"); s != 303 {
		t.Fatalf("owner while another address sprays: %d", s)
	}
}

// TestTemplatesHaveNoInlineScript: the policy allows scripts from files
// only, so no template may carry an inline script, an inline event
// handler or a javascript: URL (JSON data blocks are not scripts).
func TestTemplatesHaveNoInlineScript(t *testing.T) {
	paths, _ := filepath.Glob("templates/*.html")
	if len(paths) < 30 {
		t.Fatalf("%d templates found", len(paths))
	}
	script := regexp.MustCompile(`(?i)<script\b[^>]*>`)
	handler := regexp.MustCompile(`(?i)\son[a-z]+\s*=|javascript:|\shx-on`)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range script.FindAllString(string(b), -1) {
			if !strings.Contains(tag, " src=") && !strings.Contains(tag, `type="application/json"`) {
				t.Errorf("%s: inline script %s", p, tag)
			}
		}
		if m := handler.FindString(string(b)); m != "" {
			t.Errorf("%s: inline handler %q", p, m)
		}
	}
}
