package sqlstore_test

import (
	"os"
	"testing"
	"time"

	"aftersales/internal/dataio"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// A first load moves its rows through the staging tables (PostgreSQL) with
// the per-row rollup and text triggers set aside: every imported ticket is
// still queued for the rollups and the text analysis, once, and a second
// import of the same file changes nothing and leaves no staging table.
func TestImportQueuesRollupsAndText(t *testing.T) {
	path := SharedData(t, "nyc_311_sample_2000_2011.csv")
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		m, _ := dataio.Builtin("nyc311")
		for run := range 2 {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := dataio.Import(ctx, db, f, m, "nyc.csv", false, func() time.Time { return importNow }, nil)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if want := [2]int{2000, 0}[run]; s.Created != want {
				t.Fatalf("run %d created %d, want %d", run, s.Created, want)
			}
		}
		for _, q := range []string{
			`SELECT count(*) FROM kpi_dirty d JOIN tickets t ON t.id = d.ticket_id`,
			`SELECT count(*) FROM text_pending p JOIN tickets t ON t.id = p.ticket_id`,
			`SELECT count(*) FROM tickets`,
		} {
			if n := db.CountForTest(ctx, q); n != 2000 {
				t.Errorf("%s = %d, want 2000", q, n)
			}
		}
		if db.Engine() == sqlstore.Postgres {
			if n := db.CountForTest(ctx, `SELECT count(*) FROM pg_class WHERE relname LIKE 'import_stage_%'`); n != 0 {
				t.Errorf("%d staging tables left", n)
			}
		}
	})
}
