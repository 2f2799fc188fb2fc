package sqlstore_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"aftersales/internal/dataio"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// A second first load (the tickets table still under 10,000 rows) that
// changes tickets of the one before queues exactly those for the rollups,
// and for the text analysis those whose text changed (bumping the mark a
// running analysis holds), as the triggers do outside a first load; the
// queues have their primary keys again after it.
func TestImportFirstLoadQueuesUpdatedTickets(t *testing.T) {
	const mapping = `{"name": "q", "time_zone": "Asia/Shanghai", "key": {"column": "id"},
	  "fields": {"title": {"column": "title", "required": true}, "created_at": {"column": "at", "required": true}}}`
	m, err := dataio.ReadMapping(strings.NewReader(mapping))
	if err != nil {
		t.Fatal(err)
	}
	file := func(keys int, title func(k int) string, at func(k int) string) string {
		var b strings.Builder
		b.WriteString("id,title,at\n")
		for k := range keys {
			fmt.Fprintf(&b, "K%d,%s,%s\n", k, title(k), at(k))
		}
		return b.String()
	}
	at := func(k int) string { return fmt.Sprintf("2026-03-%02d 08:00", 1+k%28) }
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		load := func(body string) {
			t.Helper()
			if _, err := dataio.Import(ctx, db, strings.NewReader(body), m, "q.csv", false, func() time.Time { return importNow }, nil); err != nil {
				t.Fatal(err)
			}
		}
		load(file(40, func(k int) string { return fmt.Sprintf("request %d", k) }, at))
		// The jobs took the first load's tickets; K3 still waits with
		// gen 1 (an analysis of it is running).
		if err := db.ExecRaw(ctx, `DELETE FROM kpi_dirty`); err != nil {
			t.Fatal(err)
		}
		if err := db.ExecRaw(ctx, `DELETE FROM text_pending WHERE ticket_id <> (SELECT id FROM tickets WHERE external_id = 'q:K3')`); err != nil {
			t.Fatal(err)
		}
		// K0-K9 change: even keys their title, odd keys their date; K3
		// (odd) its title too. K40-K44 are new.
		load(file(45, func(k int) string {
			if k < 10 && (k%2 == 0 || k == 3) {
				return fmt.Sprintf("request %d (changed)", k)
			}
			return fmt.Sprintf("request %d", k)
		}, func(k int) string {
			if k < 10 && k%2 == 1 {
				return fmt.Sprintf("2026-04-%02d 08:00", 1+k)
			}
			return at(k)
		}))
		got, err := db.LinesForTest(ctx, `SELECT 'kpi ' || t.external_id FROM kpi_dirty d JOIN tickets t ON t.id = d.ticket_id
			UNION ALL SELECT 'text ' || t.external_id || ' ' || CAST(p.gen AS TEXT) FROM text_pending p JOIN tickets t ON t.id = p.ticket_id
`)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for k := range 45 {
			if k < 10 || k >= 40 {
				want = append(want, fmt.Sprintf("kpi q:K%d", k))
			}
		}
		for _, k := range []int{0, 2, 3, 4, 6, 8, 40, 41, 42, 43, 44} {
			gen := 1
			if k == 3 {
				gen = 2
			}
			want = append(want, fmt.Sprintf("text q:K%d %d", k, gen))
		}
		slices.Sort(got)
		slices.Sort(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("queues (-want +got):\n%s", diff)
		}
		if db.Engine() == sqlstore.Postgres {
			if n := db.CountForTest(ctx, `SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND conrelid IN ('kpi_dirty'::regclass, 'text_pending'::regclass)`); n != 2 {
				t.Errorf("%d primary keys on the queues, want 2", n)
			}
			if n := db.CountForTest(ctx, `SELECT count(*) FROM pg_trigger WHERE tgrelid = 'tickets'::regclass AND NOT tgisinternal AND tgenabled = 'D'`); n != 0 {
				t.Errorf("%d triggers on tickets left disabled", n)
			}
		}
	})
}
