package console_test

import (
	"net/http"
	"net/url"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
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
