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
