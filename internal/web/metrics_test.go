package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"aftersales/internal/files"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web"
)

// TestMetricsToken: with a token configured, /metrics answers only to it;
// without one it stays open.
func TestMetricsToken(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	ctx, admin := testutil.Admin(t, db)
	userToken, err := db.CreateToken(ctx, admin.ID, "api")
	if err != nil {
		t.Fatal(err)
	}
	fs, err := files.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	const token = "metrics-token-0123456789"
	for _, tc := range []struct {
		name, configured, auth string
		want                   int
	}{
		{"open without a token", "", "", 200},
		{"no header", token, "", 401},
		{"wrong token", token, "Bearer metrics-token-wrong", 401},
		{"not bearer", token, "Basic " + token, 401},
		{"a user's API token is not the metrics token", token, "Bearer " + userToken.Secret, 401},
		{"right token", token, "Bearer " + token, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &web.Server{Services: db.Services(), Idempotency: db, DB: db, Files: fs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Now: db.Now, MetricsToken: tc.configured, FormKey: []byte("test-form-key-0123456789"), Shared: db}
			hs := httptest.NewServer(srv.Handler())
			defer hs.Close()
			req, _ := http.NewRequest("GET", hs.URL+"/metrics", nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.want, b)
			}
			if tc.want == 200 && !strings.Contains(string(b), "go_goroutines") {
				t.Fatalf("no metrics in %q", b[:min(len(b), 200)])
			}
			if tc.want == 401 && (strings.Contains(string(b), "go_goroutines") || res.Header.Get("WWW-Authenticate") == "") {
				t.Fatalf("refusal leaks metrics or lacks WWW-Authenticate: %v %q", res.Header, b)
			}
		})
	}
}
