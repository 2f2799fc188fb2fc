package sqlstore_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"aftersales/internal/dataio"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// The ANALYZE after a large import on PostgreSQL leaves out the external
// id: unique by its index, which is all an equality plan needs; a lookup
// by it still uses the index. It samples few rows.
func TestImportAnalyzeLeavesUniqueExternalID(t *testing.T) {
	path := SharedData(t, "nyc_311_sample_2000_2011.csv")
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		if db.Engine() != sqlstore.Postgres {
			t.Skip("PostgreSQL only: SQLite analyses samples of its indexes")
		}
		ctx, _ := Admin(t, db)
		// Only the import's ANALYZE, not autovacuum's of every column.
		if err := db.ExecRaw(ctx, `ALTER TABLE tickets SET (autovacuum_enabled = false)`); err != nil {
			t.Fatal(err)
		}
		m, _ := dataio.Builtin("nyc311")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if s, err := dataio.Import(ctx, db, f, m, "nyc.csv", false, func() time.Time { return importNow }, nil); err != nil || s.Created <= 1000 {
			t.Fatalf("import %+v %v", s, err)
		}
		got, err := db.LinesForTest(ctx, `SELECT attname FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'tickets'
			AND attname IN ('status', 'created_at', 'external_id') ORDER BY attname`)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []string{"created_at", "status"}) {
			t.Errorf("columns of tickets with statistics: %q, want created_at and status, not external_id", got)
		}
		// From a sample of 3,000 rows (default_statistics_target 10; the
		// server's default of 100 sampled 30,000 and drew a histogram of
		// 101 bounds): autovacuum analyses again after the commit.
		bounds, err := db.LinesForTest(ctx, `SELECT COALESCE(array_length(histogram_bounds::text::text[], 1), 0) FROM pg_stats
			WHERE schemaname = current_schema() AND tablename = 'tickets' AND attname = 'created_at'`)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := strconv.Atoi(strings.Join(bounds, "")); len(bounds) != 1 || n < 1 || n > 11 {
			t.Errorf("histogram bounds of tickets.created_at: %q, want 1-11 (a sample for statistics target 10)", bounds)
		}
		plan, err := db.LinesForTest(ctx, `EXPLAIN SELECT id FROM tickets WHERE external_id = 'x'`)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(plan, "\n"), "tickets_external") {
			t.Errorf("a lookup by external id does not use its index:\n%s", strings.Join(plan, "\n"))
		}
	})
}
