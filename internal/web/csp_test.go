package web_test

import (
	"net/http"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestContentSecurityPolicy: HTML pages allow scripts from this site only
// (the public form may be framed anywhere, nothing else may be framed);
// the API loads nothing at all. The browser test proves the pages work
// under it.
func TestContentSecurityPolicy(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	for _, tc := range []struct {
		path      string
		want      []string
		forbidden []string
	}{
		{"/login", []string{"script-src 'self';", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"}, []string{"unsafe-eval", "script-src 'self' 'unsafe-inline'"}},
		{"/tickets", []string{"script-src 'self';", "frame-ancestors 'none'"}, []string{"unsafe-eval"}},
		{"/form", []string{"script-src 'self';", "frame-ancestors *"}, []string{"unsafe-eval"}},
		{"/api/v1/openapi.json", []string{"default-src 'none'", "frame-ancestors 'none'"}, []string{"script-src"}},
		{"/api/v1/tickets", []string{"default-src 'none'"}, nil},
	} {
		res, err := http.Get(app.Server.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		csp := res.Header.Get("Content-Security-Policy")
		for _, w := range tc.want {
			if !strings.Contains(csp, w) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", tc.path, csp, w)
			}
		}
		for _, f := range tc.forbidden {
			if strings.Contains(csp, f) {
				t.Errorf("%s: Content-Security-Policy %q has %q", tc.path, csp, f)
			}
		}
	}
}
