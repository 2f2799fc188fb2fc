package sqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// BenchmarkRebuildWriterWait rebuilds the rollups of the demo company
// (24,000 tickets) while a probe commits a one-row write after another,
// as the desk's creates do, and reports how long the longest probe waited
// for the writer (wait-max-ms: on SQLite, the longest the rebuild held the
// one writer at a stretch), the sum of the probe waits over 20 ms
// (wait-held-ms) and the rebuild's duration (rebuild-ms). On PostgreSQL,
// where the desk's writes wait for no rebuild, the probe's transaction
// also takes the rollups' lock, as a delta refresh does: wait-max-ms is
// the longest the rebuild held that lock at a stretch. Wall-clock
// figures: compare old and new on the same machine, side by side.
func BenchmarkRebuildWriterWait(b *testing.B) {
	end := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, e := range testutil.Engines() {
		b.Run(string(e), func(b *testing.B) {
			db := testutil.OpenDB(b, e)
			db.Now = func() time.Time { return end }
			ctx, _ := testutil.Admin(b, db)
			if _, err := demo.Load(ctx, db.Services(), db, demo.Options{Seed: 1, Tickets: 24000, End: end, Zone: db.Zone}); err != nil {
				b.Fatal(err)
			}
			probe := `INSERT INTO counters (name, value) VALUES ('bench:probe', 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1`
			var waits, rebuilds []time.Duration
			for b.Loop() {
				stop, done := make(chan struct{}), make(chan []time.Duration)
				go func() {
					var ws []time.Duration
					for {
						select {
						case <-stop:
							done <- ws
							return
						default:
						}
						t0 := time.Now()
						if err := db.ExecRaw(context.Background(), probe); err != nil {
							b.Error(err)
						}
						if e == sqlstore.Postgres {
							if err := db.LockRollupsForTest(context.Background()); err != nil {
								b.Error(err)
							}
						}
						ws = append(ws, time.Since(t0))
					}
				}()
				t0 := time.Now()
				if _, err := db.RecomputeRollups(ctx, true); err != nil {
					b.Fatal(err)
				}
				rebuilds = append(rebuilds, time.Since(t0))
				close(stop)
				waits = append(waits, <-done...)
			}
			var held time.Duration
			for _, w := range waits {
				if w > 20*time.Millisecond {
					held += w
				}
			}
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			n := float64(len(rebuilds))
			var sum time.Duration
			for _, r := range rebuilds {
				sum += r
			}
			b.ReportMetric(ms(slices.Max(waits)), "wait-max-ms")
			b.ReportMetric(ms(held)/n, "wait-held-ms")
			b.ReportMetric(ms(sum)/n, "rebuild-ms")
			b.ReportMetric(float64(len(waits))/n, "probes/op")
		})
	}
}
