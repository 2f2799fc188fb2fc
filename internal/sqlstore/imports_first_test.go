package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"aftersales/internal/dataio"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// A first load whose keys come back later in the file, in the same chunk
// and in later chunks (dataio.ChunkSize rows each), unchanged or changed:
// PostgreSQL knows the tickets it wrote without looking them up, and both
// engines end with the same summary and the same tickets, numbers,
// fingerprints and queues.
func TestImportFirstLoadRepeatsSameOnBothEngines(t *testing.T) {
	const mapping = `{"name": "rep", "time_zone": "Asia/Shanghai", "key": {"column": "id"},
	  "fields": {"title": {"column": "title", "required": true}, "created_at": {"column": "at", "required": true}}}`
	m, err := dataio.ReadMapping(strings.NewReader(mapping))
	if err != nil {
		t.Fatal(err)
	}
	const first, again = 3000, 1500 // again: rows repeating every second key, from K0
	if dataio.ChunkSize*2 >= first+again || dataio.ChunkSize > first {
		t.Fatalf("chunk size %d: the file no longer spans three chunks", dataio.ChunkSize)
	}
	var b strings.Builder
	b.WriteString("id,title,at\n")
	title := func(k int) string { return fmt.Sprintf("request %d", k) }
	at := func(k int) string {
		return time.Date(2026, time.Month(1+k%6), 1+k%28, 8, 0, 0, 0, time.UTC).Format("2006-01-02 15:04")
	}
	for k := range first {
		fmt.Fprintf(&b, "K%d,%s,%s\n", k, title(k), at(k))
	}
	changed := 0
	for j := range again {
		k := 2 * j
		tt := title(k)
		if j%4 != 0 {
			tt += " (changed)"
			changed++
		}
		fmt.Fprintf(&b, "K%d,%s,%s\n", k, tt, at(k))
	}
	dumps := map[sqlstore.Engine][]string{}
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		s, err := dataio.Import(ctx, db, strings.NewReader(b.String()), m, "rep.csv", false, func() time.Time { return importNow }, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.Total != first+again || s.Created != first || s.Updated != changed || s.Duplicates != again-changed {
			t.Fatalf("summary %+v, want %d created, %d updated, %d duplicates", s, first, changed, again-changed)
		}
		var dump []string
		for _, q := range []string{
			`SELECT external_id || '|' || number || '|' || title || '|' || CAST(created_at AS TEXT) || '|' || CAST(import_hash AS TEXT) || '|' ||
				CAST(version AS TEXT) FROM tickets ORDER BY external_id`,
			`SELECT 'kpi_dirty ' || CAST(count(*) AS TEXT) FROM kpi_dirty d JOIN tickets t ON t.id = d.ticket_id`,
			`SELECT 'text_pending ' || CAST(count(*) AS TEXT) FROM text_pending p JOIN tickets t ON t.id = p.ticket_id`,
			`SELECT name || ' ' || CAST(value AS TEXT) FROM counters WHERE name LIKE 'ticket:%' ORDER BY name`,
		} {
			lines, err := db.LinesForTest(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			dump = append(dump, lines...)
		}
		if len(dump) < first {
			t.Fatalf("%d lines", len(dump))
		}
		dumps[db.Engine()] = dump
	})
	if len(dumps) == 2 {
		if diff := cmp.Diff(dumps[sqlstore.SQLite], dumps[sqlstore.Postgres]); diff != "" {
			t.Errorf("SQLite and PostgreSQL differ (-sqlite +postgres):\n%s", diff)
		}
	}
}

// Statements sent without waiting (an import's flush on PostgreSQL) report
// their error at the next statement or, when they were the last, instead
// of the commit; either way nothing of the transaction remains.
func TestBulkSendReportsItsError(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		if db.Engine() != sqlstore.Postgres {
			t.Skip("PostgreSQL only: SQLite runs every statement to its end")
		}
		ctx, _ := Admin(t, db)
		for _, c := range []struct {
			name, sent, then string
			fails            bool
		}{
			{"next statement", `INSERT INTO counters (name, value) VALUES ('t:a', 1); SELECT 1/0`, `INSERT INTO counters (name, value) VALUES ('t:b', 1)`, true},
			{"last statement", `INSERT INTO counters (name, value) VALUES ('t:c', 1); SELECT 1/0`, ``, true},
			{"success", `INSERT INTO counters (name, value) VALUES ('t:d', 1)`, `INSERT INTO counters (name, value) VALUES ('t:e', 1)`, false},
		} {
			err := db.BulkSendForTest(ctx, c.sent, c.then)
			if (err != nil) != c.fails || (c.fails && !strings.Contains(err.Error(), "division by zero")) {
				t.Fatalf("%s: err = %v", c.name, err)
			}
		}
		got, err := db.LinesForTest(ctx, `SELECT name FROM counters WHERE name LIKE 't:%' ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"t:d", "t:e"}, got); diff != "" {
			t.Errorf("counters (-want +got):\n%s", diff)
		}
	})
}
