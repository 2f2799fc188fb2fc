package app

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"aftersales/internal/bench"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

var benchLine = regexp.MustCompile(`(?m)^(\w+)\s+(\d+)\s+(\d+)\s`)

// TestBench runs `aftersales bench` for a fixed number of requests
// against a real server on each engine: every operation runs its share of
// the mix and none fails. Bad flags are refused naming the flag.
func TestBench(t *testing.T) {
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			env := map[string]string{"AFTERSALES_DATA_DIR": t.TempDir(), "AFTERSALES_ADMIN_PASSWORD": "serve-password-1"}
			if e == sqlstore.Postgres {
				env["AFTERSALES_DB"] = testutil.DSN(t, e)
			}
			if code, out := run(t, env, "migrate"); code != 0 {
				t.Fatalf("migrate: %d %s", code, out)
			}
			if code, out := run(t, env, "user", "create", "--email", "bench@example.com", "--name", "Bench", "--role", "admin"); code != 0 {
				t.Fatalf("user create: %d %s", code, out)
			}
			code, tok := run(t, env, "token", "create", "--user", "bench@example.com")
			if code != 0 {
				t.Fatalf("token create: %d %s", code, tok)
			}
			tok = strings.TrimSpace(tok)

			ctx, cancel := context.WithCancel(context.Background())
			ready := make(chan string, 1)
			done := make(chan int, 1)
			var out syncBuffer
			go func() {
				done <- Main(ctx, Env{Args: []string{"serve", "--addr", "127.0.0.1:0"}, Getenv: func(k string) string { return env[k] },
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

			// A bounded number of requests, with a duration far longer
			// than the run needs, so the request count ends it.
			code, res := run(t, map[string]string{"AFTERSALES_TOKEN": tok}, "bench", "--url", "http://"+addr,
				"--mix", "create=30,update=20,list=30,dashboard=20", "--clients", "4", "--requests", "200", "--duration", "10m")
			if code != 0 {
				t.Fatalf("bench: %d %s", code, res)
			}
			got := map[string][2]string{}
			for _, m := range benchLine.FindAllStringSubmatch(res, -1) {
				got[m[1]] = [2]string{m[2], m[3]}
			}
			want := map[string][2]string{"create": {"60", "0"}, "update": {"40", "0"}, "list": {"60", "0"}, "dashboard": {"40", "0"}, "total": {"200", "0"}}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("requests and errors per operation (-want +got):\n%s\n%s", d, res)
			}

			// The package API: the same counts, latencies present.
			mix, _ := bench.ParseMix("create=50,update=50")
			rep, err := bench.Run(context.Background(), bench.Config{URL: "http://" + addr, Token: tok, Mix: mix, Clients: 2,
				Requests: 40, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Total.Count != 40 || rep.Total.ErrorCount() != 0 || rep.Ops[0].Count != 20 || rep.Ops[1].Count != 20 ||
				rep.Total.P50 <= 0 || rep.Total.P99 < rep.Total.P50 {
				t.Errorf("report: %+v", rep)
			}

			// A bad token stops the run at its setup, with the status.
			code, res = run(t, nil, "bench", "--url", "http://"+addr, "--token", "ast_wrong", "--requests", "5")
			if code != 1 || !strings.Contains(res, "401") {
				t.Errorf("bad token: %d %s", code, res)
			}
		})
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--mix", "create=50,list=40"}, "--mix: shares sum to 90"},
		{[]string{"--mix", "create=50,browse=50"}, `--mix: unknown operation "browse"`},
		{[]string{"--clients", "0"}, "--clients"},
		{[]string{"--duration", "0"}, "--duration or --requests"},
		{[]string{"--token", ""}, "--token"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		code, out := run(t, nil, append([]string{"bench", "--token", "ast_x"}, tc.args...)...)
		if code != 1 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: %d %q, want an error with %q", tc.args, code, out, tc.want)
		}
	}
	code, out := run(t, nil, "bench", "-h")
	for _, f := range []string{"-url", "-token", "-mix", "-clients", "-duration", "-requests", "-warmup", "-timeout", "dashboard"} {
		if code != 0 || !strings.Contains(out, f) {
			t.Errorf("bench -h lacks %s: %d %s", f, code, out)
		}
	}
}
