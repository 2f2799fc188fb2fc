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

// A first load into PostgreSQL commits its foreign keys NOT VALID (they
// guard new writes already) and ValidateConstraints validates them after
// the commit. A row that violates a key (written here past the key, as a
// replica's apply would) keeps that key NOT VALID: the call fails naming
// it, the failure is stored in constraint_checks and audited once, and
// the next successful validation clears the record.
func TestImportForeignKeysValidatedAfterCommit(t *testing.T) {
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
		if db.Engine() != sqlstore.Postgres {
			// SQLite keeps its keys during a load: nothing to validate.
			if n, err := db.ValidateConstraints(ctx); n != 0 || err != nil {
				t.Fatalf("SQLite validated %d: %v", n, err)
			}
			return
		}
		notValid := `SELECT count(*) FROM pg_constraint WHERE NOT convalidated AND contype = 'f'
			AND conrelid IN ('tickets'::regclass, 'ticket_events'::regclass, 'import_issues'::regclass, 'ticket_tags'::regclass, 'text_pending'::regclass)`
		if n := db.CountForTest(ctx, notValid); n < 15 {
			t.Fatalf("%d foreign keys NOT VALID after the first load, want all of the load tables'", n)
		}
		// A NOT VALID key still refuses a new violating row.
		if commit, err := db.OpenWriteForTest(ctx, `UPDATE tickets SET team_id = 999999 WHERE id = (SELECT min(id) FROM tickets)`); err == nil {
			commit()
			t.Fatal("a NOT VALID foreign key let a violating update through")
		}
		// One row made to violate tickets_team_id_fkey past its trigger.
		commit, err := db.OpenWriteForTest(ctx, `SET LOCAL session_replication_role = replica;
			UPDATE tickets SET team_id = 999999 WHERE id = (SELECT min(id) FROM tickets)`)
		if err != nil {
			t.Fatal(err)
		}
		if err := commit(); err != nil {
			t.Fatal(err)
		}
		for try := range 2 {
			n, err := db.ValidateConstraints(ctx)
			if err == nil || !strings.Contains(err.Error(), "tickets.tickets_team_id_fkey") {
				t.Fatalf("try %d: validated %d, err %v; want the team key named", try, n, err)
			}
			if try == 0 && n < 14 {
				t.Fatalf("validated %d keys, want every other one", n)
			}
			if try == 1 && n != 0 {
				t.Fatalf("second try validated %d again", n)
			}
		}
		if n := db.CountForTest(ctx, notValid); n != 1 {
			t.Fatalf("%d keys NOT VALID, want the violated one", n)
		}
		lines, err := db.LinesForTest(ctx, `SELECT table_name || '.' || constraint_name || ' ' || error FROM constraint_checks`)
		if err != nil || len(lines) != 1 || !strings.HasPrefix(lines[0], "tickets.tickets_team_id_fkey ") || !strings.Contains(lines[0], "999999") {
			t.Fatalf("constraint_checks %q %v", lines, err)
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM audit_log WHERE action = 'constraint_invalid' AND detail LIKE '%tickets_team_id_fkey%'`); n != 1 {
			t.Fatalf("%d audit entries for the invalid key, want 1 over two failed tries", n)
		}
		// Repaired, it validates and its record goes.
		commit, err = db.OpenWriteForTest(ctx, `UPDATE tickets SET team_id = NULL WHERE team_id = 999999`)
		if err != nil {
			t.Fatal(err)
		}
		if err := commit(); err != nil {
			t.Fatal(err)
		}
		if n, err := db.ValidateConstraints(ctx); n != 1 || err != nil {
			t.Fatalf("after the repair: validated %d, %v", n, err)
		}
		if n := db.CountForTest(ctx, notValid) + db.CountForTest(ctx, `SELECT count(*) FROM constraint_checks`); n != 0 {
			t.Fatalf("%d keys NOT VALID or records left", n)
		}
	})
}
