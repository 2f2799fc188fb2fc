package sqlstore_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"aftersales/internal/dataio"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// A PostgreSQL first load sets the unique indexes on number and external
// id aside with the others (it answers lookups by them from memory) and
// builds them once before commit; the catalog after a failed and a
// successful import is checked by TestImportRollsBackOnFailure, lookups by
// number on a first load by TestExportImportRoundTrip.
func TestImportFirstLoadSetsUniqueIndexesAside(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		if db.Engine() != sqlstore.Postgres {
			t.Skip("PostgreSQL only: SQLite keeps its unique external-id index for the lookups by it")
		}
		ctx, _ := Admin(t, db)
		got, err := db.SetAsideForTest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`ALTER TABLE tickets DROP CONSTRAINT tickets_number_key`, `DROP INDEX tickets_external`,
			`DROP INDEX tickets_status_created`, `ALTER TABLE tickets DROP CONSTRAINT tickets_team_id_fkey`} {
			if !slices.Contains(got, want) {
				t.Errorf("a first load does not run %q; it runs:\n%s", want, strings.Join(got, "\n"))
			}
		}
		for _, q := range got {
			if strings.Contains(q, "pkey") {
				t.Errorf("a first load drops a primary key: %q", q)
			}
		}
	})
}

// The ANALYZE after a large import on PostgreSQL leaves out the external
// id: unique by its index, which is all an equality plan needs; a lookup
// by it still uses the index.
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
		plan, err := db.LinesForTest(ctx, `EXPLAIN SELECT id FROM tickets WHERE external_id = 'x'`)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(plan, "\n"), "tickets_external") {
			t.Errorf("a lookup by external id does not use its index:\n%s", strings.Join(plan, "\n"))
		}
	})
}
