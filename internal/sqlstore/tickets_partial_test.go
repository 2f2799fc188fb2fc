package sqlstore_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"aftersales/internal/dataio"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// The customer and asset indexes of tickets leave out the tickets without
// one (migration 0052), on both engines and after a first load rebuilt
// them; a filter by customer or asset and the foreign keys' checks still
// read them (PostgreSQL: the plans).
func TestTicketCustomerAssetIndexesArePartial(t *testing.T) {
	path := SharedData(t, "nyc_311_sample_2000_2011.csv")
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		m, _ := dataio.Builtin("nyc311")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if s, err := dataio.Import(ctx, db, f, m, "nyc.csv", false, func() time.Time { return importNow }, nil); err != nil || s.Created != 2000 {
			t.Fatalf("import %+v %v", s, err)
		}
		q := `SELECT name || ' ' || sql FROM sqlite_master WHERE type = 'index' AND name IN ('tickets_customer', 'tickets_asset') ORDER BY name`
		if db.Engine() == sqlstore.Postgres {
			q = `SELECT c.relname || ' ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
				WHERE c.relname IN ('tickets_customer', 'tickets_asset') AND c.relnamespace = to_regnamespace(current_schema()) ORDER BY c.relname`
		}
		defs, err := db.LinesForTest(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(defs) != 2 || !strings.Contains(defs[0], "asset_id IS NOT NULL") || !strings.Contains(defs[1], "customer_id IS NOT NULL") {
			t.Fatalf("indexes %q, want both partial", defs)
		}
		if db.Engine() != sqlstore.Postgres {
			return // SQLite's EXPLAIN QUERY PLAN: docs/BENCHMARKS.md, s9/pgimport
		}
		for _, c := range []struct{ q, index string }{
			{`EXPLAIN SELECT id FROM tickets t WHERE t.customer_id = 5 ORDER BY created_at DESC LIMIT 50`, "tickets_customer"},
			{`EXPLAIN SELECT 1 FROM ONLY tickets x WHERE 5 OPERATOR(pg_catalog.=) customer_id FOR KEY SHARE OF x`, "tickets_customer"},
			{`EXPLAIN SELECT id FROM tickets t WHERE t.asset_id = 5`, "tickets_asset"},
			{`EXPLAIN SELECT 1 FROM ONLY tickets x WHERE 5 OPERATOR(pg_catalog.=) asset_id FOR KEY SHARE OF x`, "tickets_asset"},
		} {
			plan, err := db.LinesForTest(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if p := strings.Join(plan, "\n"); !strings.Contains(p, c.index) {
				t.Errorf("%s does not read %s:\n%s", c.q, c.index, p)
			}
		}
	})
}
