package sqlstore_test

import (
	"context"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// BenchmarkSweepSLA measures the sweep over 1,000,000 open tickets: "idle"
// with nothing due (what runs every 30 seconds most of the time), and
// "200-due" with a full batch of due tickets among the million.
func BenchmarkSweepSLA(b *testing.B) {
	for _, e := range testutil.Engines() {
		b.Run(string(e), func(b *testing.B) {
			db := testutil.OpenDB(b, e)
			ctx := context.Background()
			fill := `INSERT INTO tickets (id, number, channel, nature, urgency, urgency_rank, status, title, created_at, updated_at, status_changed_at)
				WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000)
				SELECT x, 'AS200001-' || x, 'phone', 'repair', 'normal', 2, 'accepted', 't', 0, 0, 0 FROM n`
			if e == sqlstore.Postgres {
				fill = `INSERT INTO tickets (id, number, channel, nature, urgency, urgency_rank, status, title, created_at, updated_at, status_changed_at)
					SELECT x, 'AS200001-' || x, 'phone', 'repair', 'normal', 2, 'accepted', 't', 0, 0, 0 FROM generate_series(1, 1000000) x`
			}
			if err := db.ExecRaw(ctx, fill); err != nil {
				b.Fatal(err)
			}
			// Every ticket has a step in the future (the year 2286).
			if err := db.ExecRaw(ctx, `INSERT INTO ticket_sla (ticket_id, res_due_at, next_step_at, evaluated_at)
				SELECT id, 9999999999999, 9999999999999 - id, 0 FROM tickets`); err != nil {
				b.Fatal(err)
			}
			if err := db.ExecRaw(ctx, `ANALYZE`); err != nil {
				b.Fatal(err)
			}
			b.Run("idle", func(b *testing.B) {
				for b.Loop() {
					if n, err := db.SweepSLA(ctx, 200); err != nil || n != 0 {
						b.Fatal(n, err)
					}
				}
			})
			b.Run("200-due", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					if err := db.ExecRaw(ctx, `UPDATE ticket_sla SET next_step_at = 1 WHERE ticket_id <= 200`); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if _, err := db.SweepSLA(ctx, 200); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
