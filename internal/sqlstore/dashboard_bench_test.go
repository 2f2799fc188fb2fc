package sqlstore_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// BenchmarkDashboard renders the console's default dashboard (GET
// /dashboard: every tile, the trend, the comparisons, stages, scores and
// aging) through the real handler, first over the demo company (24,000
// tickets with their events, feedback, complaints, visits and costs),
// then after fillTickets has added tickets up to benchTickets
// (AFTERSALES_BENCH_TICKETS, default 1,000,000), with a field visit for
// every third closed one, and the rollups were recomputed. It runs only under -bench: generating a million tickets
// takes minutes.
//
// Each size reports the median and the best render (p50-ms, min-ms) and
// the CPU time of this process per render (cpu-ms: the handler and, on
// SQLite, the database engine; PostgreSQL's own CPU is not in it). On
// PostgreSQL each render is bracketed by two marker statements, so with
// log_statement = 'all' the statements of one render can be counted in
// the server log (docs/BENCHMARKS.md).
func BenchmarkDashboard(b *testing.B) {
	end := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, e := range testutil.Engines() {
		b.Run(string(e), func(b *testing.B) {
			db := testutil.OpenDB(b, e)
			db.Now = func() time.Time { return end }
			app := webtest.Start(b, db)
			ctx := app.Ctx
			t0 := time.Now()
			sum, err := demo.Load(ctx, db.Services(), db, demo.Options{Seed: 1, Tickets: 24000, End: end, Zone: db.Zone})
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("demo: %d tickets, %d events in %v", sum.Tickets, sum.Events, time.Since(t0).Round(time.Millisecond))
			refresh(b, ctx, db)
			c := dashboardClient(b, app.Server.URL)
			b.Run("demo", func(b *testing.B) { renderDashboard(b, ctx, db, c, app.Server.URL) })

			n := benchTickets(b) - sum.Tickets
			if n <= 0 {
				return
			}
			t0 = time.Now()
			base := db.CountForTest(ctx, `SELECT MAX(id) FROM tickets`)
			fillTickets(b, ctx, db, n, end)
			// A completed visit by the assignee for every third closed
			// ticket, the day after it came in: utilisation reads visits.
			if err := db.ExecRaw(ctx, `INSERT INTO visits (ticket_id, number, window_start, window_end, duration_min, technician_id, status,
				checked_in_at, checked_out_at, outcome, created_at, updated_at)
				SELECT id, 1, created_at + 86400000, created_at + 93600000, 60 + id % 90, assignee_id, 'completed',
					created_at + 87000000, created_at + 87000000 + (60 + id % 90) * 60000, 'fixed', created_at, created_at
				FROM tickets WHERE id > $1 AND id % 3 = 0 AND status = 'closed'`, base); err != nil {
				b.Fatal(err)
			}
			fill := time.Since(t0)
			t0 = time.Now()
			check, err := db.RecomputeRollups(ctx, true)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%d tickets: generated in %v, full recompute in %v (%d rollup rows)", check.Tickets, fill.Round(time.Millisecond),
				time.Since(t0).Round(time.Millisecond), check.Rows)
			if e == sqlstore.Postgres {
				if err := db.ExecRaw(ctx, `VACUUM ANALYZE`); err != nil {
					b.Fatal(err)
				}
			}
			refresh(b, ctx, db)
			b.Run("1M", func(b *testing.B) { renderDashboard(b, ctx, db, c, app.Server.URL) })
		})
	}
}

// refresh folds every pending change into the rollups: the dashboard is
// measured with its rollups up to date.
func refresh(b *testing.B, ctx context.Context, db *sqlstore.DB) {
	b.Helper()
	for {
		n, err := db.RefreshRollups(ctx, 50000)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// dashboardClient logs the administrator in. The session cookie is sent
// by hand: its expiry follows the store's clock, which stands in the
// past, and a cookie jar would drop it.
func dashboardClient(b *testing.B, base string) func(*http.Request) {
	b.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(base+"/login", url.Values{"email": {"admin@example.com"}, "password": {"admin-password-1"}, "next": {"/dashboard"}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		b.Fatalf("login: %d", res.StatusCode)
	}
	cookies := res.Cookies()
	return func(r *http.Request) {
		for _, ck := range cookies {
			r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
		}
	}
}

func renderDashboard(b *testing.B, ctx context.Context, db *sqlstore.DB, auth func(*http.Request), base string) {
	get := func() {
		req, _ := http.NewRequest("GET", base+"/dashboard", nil)
		auth(req)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK || !strings.Contains(string(body), `id="chart-trend"`) {
			b.Fatalf("dashboard: %d %v", res.StatusCode, err)
		}
	}
	get() // warm: templates, statement caches, pages
	pg := db.Engine() == sqlstore.Postgres
	var server int64 // the postmaster, whose children are the server's processes
	if pg {
		server = parentOf(db.CountForTest(ctx, `SELECT pg_backend_pid()`))
	}
	var times []time.Duration
	var cpu, pgCPU time.Duration
	for b.Loop() {
		if pg {
			_ = db.ExecRaw(ctx, `SELECT 'dashboard render begins'`)
		}
		c0, p0 := cpuTime(b), childrenCPU(server)
		t := time.Now()
		get()
		times = append(times, time.Since(t))
		cpu += cpuTime(b) - c0
		pgCPU += childrenCPU(server) - p0
		if pg {
			_ = db.ExecRaw(ctx, `SELECT 'dashboard render ends'`)
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[0].Microseconds())/1000, "min-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(times)), "cpu-ms")
	if pg {
		b.ReportMetric(float64(pgCPU.Microseconds())/1000/float64(len(times)), "pg-cpu-ms")
	}
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		b.Logf("load average: %s", strings.TrimSpace(string(la)))
	}
}

// cpuTime is this process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procStat is the fields of /proc/pid/stat after the command name: [0]
// is the state, [1] the parent, [11] and [12] the user and system time in
// clock ticks.
func procStat(pid string) []string {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
}

func parentOf(pid int64) int64 {
	f := procStat(strconv.FormatInt(pid, 10))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseInt(f[1], 10, 64)
	return n
}

// childrenCPU is the CPU time of parent's child processes (PostgreSQL's
// backends and workers when parent is the postmaster), at the kernel's
// 100 ticks a second: 10 ms steps, fine over several renders.
func childrenCPU(parent int64) time.Duration {
	if parent == 0 {
		return 0
	}
	ents, _ := os.ReadDir("/proc")
	var ticks int64
	want := strconv.FormatInt(parent, 10)
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		if f := procStat(e.Name()); len(f) > 12 && f[1] == want {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			ticks += u + s
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
