package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

func run(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := Main(context.Background(), Env{Args: args, Getenv: func(k string) string { return env[k] }, Stdout: &out, Stderr: &out})
	return code, out.String()
}

func TestCommands(t *testing.T) {
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"AFTERSALES_DATA_DIR": dir, "AFTERSALES_USER_PASSWORD": "cli-password-123"}
			if e == sqlstore.Postgres {
				env["AFTERSALES_DB"] = testutil.DSN(t, e)
			}
			if code, out := run(t, env, "version"); code != 0 || !strings.HasPrefix(out, "aftersales ") {
				t.Fatalf("version: %d %q", code, out)
			}
			for _, cmd := range [][]string{{"serve", "-h"}, {"migrate", "-h"}, {"user", "create", "-h"}, {"token", "create", "-h"}} {
				code, out := run(t, env, cmd...)
				if code != 0 || !strings.Contains(out, "-data-dir") || !strings.Contains(out, "AFTERSALES_DB") {
					t.Errorf("%v: %d %q", cmd, code, out)
				}
			}
			if code, out := run(t, env, "openapi"); code != 0 || !strings.HasPrefix(out, "{") || !strings.Contains(out, `"/tickets/{id}/feedback"`) {
				t.Errorf("openapi: %d %.200q", code, out)
			}
			if code, out := run(t, env, "frobnicate"); code != 2 || !strings.Contains(out, "unknown command") {
				t.Errorf("unknown command: %d %q", code, out)
			}
			if code, out := run(t, env, "migrate"); code != 0 || !strings.Contains(out, "migrated "+string(e)) {
				t.Fatalf("migrate: %d %q", code, out)
			}
			code, out := run(t, env, "user", "create", "--email", "not-an-email", "--name", "", "--role", "boss")
			if code != 1 || !strings.Contains(out, "--email") || !strings.Contains(out, "--role") {
				t.Fatalf("bad user: %d %q", code, out)
			}
			if code, out := run(t, env, "user", "create", "--email", "ops@example.com", "--name", "运维", "--role", "admin"); code != 0 || !strings.Contains(out, "created user") {
				t.Fatalf("user create: %d %q", code, out)
			}
			// Without --role a new user gets the least privileged role.
			if code, out := run(t, env, "user", "create", "--email", "field@example.com", "--name", "师傅"); code != 0 ||
				!strings.Contains(out, "field@example.com ("+string(aftersales.DefaultRole)+")") || aftersales.DefaultRole == aftersales.RoleAdmin {
				t.Fatalf("user create without a role: %d %q", code, out)
			}
			if code, out := run(t, env, "token", "create"); code != 1 || !strings.Contains(out, "--user") {
				t.Fatalf("token without user: %d %q", code, out)
			}
			if code, out := run(t, env, "token", "create", "--user", "nobody@example.com"); code != 1 || !strings.Contains(out, "no user") {
				t.Fatalf("token for nobody: %d %q", code, out)
			}
			code, tok := run(t, env, "token", "create", "--user", "ops@example.com")
			tok = strings.TrimSpace(tok)
			if code != 0 || !strings.HasPrefix(tok, "ast_") || strings.Contains(tok, "\n") {
				t.Fatalf("token create: %d %q", code, tok)
			}

			// serve --demo twice: the second start adds nothing.
			serveEnv := map[string]string{"AFTERSALES_ADMIN_PASSWORD": "serve-password-1"}
			for k, v := range env {
				serveEnv[k] = v
			}
			args := []string{"serve", "--addr", "127.0.0.1:0", "--demo", "--demo-tickets", "250"}
			var counts []float64
			for range 2 {
				ctx, cancel := context.WithCancel(context.Background())
				ready := make(chan string, 1)
				done := make(chan int, 1)
				var out syncBuffer
				go func() {
					done <- Main(ctx, Env{Args: args, Getenv: func(k string) string { return serveEnv[k] }, Stdout: &out, Stderr: &out,
						Ready: func(a string) { ready <- a }})
				}()
				var addr string
				select {
				case addr = <-ready:
				case code := <-done:
					t.Fatalf("serve exited %d: %s", code, out.String())
				}
				req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/tickets?limit=500&open=", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var page struct{ Tickets []any }
				json.NewDecoder(res.Body).Decode(&page)
				res.Body.Close()
				counts = append(counts, float64(len(page.Tickets)))
				for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
					if r, err := http.Get("http://" + addr + p); err != nil || r.StatusCode != 200 {
						t.Errorf("%s: %v %v", p, r, err)
					}
				}
				cancel()
				if code := <-done; code != 0 {
					t.Fatalf("serve exit %d: %s", code, out.String())
				}
			}
			if counts[0] != 250 || counts[1] != 250 {
				t.Fatalf("tickets after first and second --demo start: %v", counts)
			}
		})
	}
}
