package app

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

var jobsRunning = regexp.MustCompile(`(?m)^aftersales_jobs_running\{job="([^"]+)"\} (\d+)$`)

// TestServeRoles: --role web serves the screens and starts no background
// job; --role worker runs every job and answers only /healthz, /readyz and
// /metrics; all does both. The jobs start before serve reports ready, so
// aftersales_jobs_running is final when the test reads it.
func TestServeRoles(t *testing.T) {
	// email runs without SMTP too: it waits for a server to be set in
	// the console (the Channels page).
	allJobs := map[string]int{"sla-sweep": 1, "webhooks": 1, "email": 1, "automation": 1, "kpi-rollups": 1, "kpi-recompute": 1,
		"quality-alerts": 1, "improvement-loop": 1, "followup-sweep": 1, "constraint-check": 1,
		"text-train": 1, "text-retrain": 1, "text-analysis": 1, "term-alerts": 1, "segments": 1, "sentiment-train": 1}
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			env := map[string]string{"AFTERSALES_DATA_DIR": t.TempDir(), "AFTERSALES_ADMIN_PASSWORD": "serve-password-1"}
			if e == sqlstore.Postgres {
				env["AFTERSALES_DB"] = testutil.DSN(t, e)
			}
			for _, tc := range []struct {
				name  string
				args  []string
				env   string // AFTERSALES_ROLE
				jobs  map[string]int
				pages int // status of /form and /login
			}{
				{"web", []string{"--role", "web"}, "", map[string]int{}, 200},
				{"worker from the environment", nil, "worker", allJobs, 404},
				{"all by default", nil, "", allJobs, 200},
			} {
				t.Run(tc.name, func(t *testing.T) {
					ctx, cancel := context.WithCancel(context.Background())
					get := func(k string) string {
						if k == "AFTERSALES_ROLE" {
							return tc.env
						}
						return env[k]
					}
					ready := make(chan string, 1)
					done := make(chan int, 1)
					var out syncBuffer
					go func() {
						done <- Main(ctx, Env{Args: append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...), Getenv: get,
							Stdout: &out, Stderr: &out, Ready: func(a string) { ready <- a }})
					}()
					var addr string
					select {
					case addr = <-ready:
					case code := <-done:
						t.Fatalf("serve exited %d: %s", code, out.String())
					}
					defer func() {
						cancel()
						if code := <-done; code != 0 {
							t.Errorf("serve exit %d: %s", code, out.String())
						}
					}()
					status := func(path string) (int, string) {
						t.Helper()
						res, err := http.Get("http://" + addr + path)
						if err != nil {
							t.Fatal(err)
						}
						defer res.Body.Close()
						b, _ := io.ReadAll(res.Body)
						return res.StatusCode, string(b)
					}
					for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
						if s, _ := status(p); s != 200 {
							t.Errorf("%s: %d", p, s)
						}
					}
					for _, p := range []string{"/form", "/login", "/api/v1/openapi.json"} {
						if s, _ := status(p); s != tc.pages {
							t.Errorf("%s: %d, want %d", p, s, tc.pages)
						}
					}
					_, metrics := status("/metrics")
					got := map[string]int{}
					for _, m := range jobsRunning.FindAllStringSubmatch(metrics, -1) {
						got[m[1]], _ = strconv.Atoi(m[2])
					}
					if d := cmp.Diff(tc.jobs, got); d != "" {
						t.Errorf("aftersales_jobs_running (-want +got):\n%s", d)
					}
				})
			}
		})
	}
}
