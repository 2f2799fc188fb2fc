package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// A record the tickets table refuses (here a closing time before the
// opening, which its check constraint forbids) in the middle of a first
// load fails the whole import with EINVALID and leaves nothing behind:
// no ticket, no batch, no queued mark. On PostgreSQL the check runs when
// the staged rows move into tickets, after the COPY, and its error comes
// back at the next statement or instead of the commit.
func TestImportRefusedRowMidLoadLeavesNothing(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		qs := []string{`SELECT count(*) FROM tickets`, `SELECT count(*) FROM import_batches`, `SELECT count(*) FROM kpi_dirty`,
			`SELECT count(*) FROM text_pending`, `SELECT count(*) FROM import_issues`, `SELECT count(*) FROM audit_log`}
		before := map[string]int64{}
		for _, q := range qs {
			before[q] = db.CountForTest(context.Background(), q)
		}
		for _, at := range []string{"middle", "last"} {
			chunk := func(from, n int, bad int) []*aftersales.ImportRecord {
				recs := make([]*aftersales.ImportRecord, n)
				for i := range recs {
					k := from + i
					created := importNow.Add(-time.Duration(k+1) * time.Hour)
					r := &aftersales.ImportRecord{Lines: []int{k + 2}, ExternalID: fmt.Sprintf("ref:%d", k), Channel: aftersales.ChannelPhone,
						Nature: aftersales.NatureRepair, Urgency: aftersales.UrgencyNormal, Status: aftersales.StatusNew,
						Title: fmt.Sprintf("request %d", k), CreatedAt: created}
					if k == bad {
						closed := created.Add(-time.Hour)
						r.Status, r.ClosedAt = aftersales.StatusClosed, &closed
					}
					recs[i] = r
				}
				return recs
			}
			bad := 2500
			if at == "last" {
				bad = 5999
			}
			s := &aftersales.ImportSummary{Mapping: "refused", File: "refused.csv"}
			err := db.Import(ctx, s, func(w aftersales.ImportWriter) error {
				for from := 0; from < 6000; from += 2000 {
					if _, err := w.Write(ctx, chunk(from, 2000, bad)); err != nil {
						return err
					}
				}
				return nil
			})
			var e *aftersales.Error
			if !errors.As(err, &e) || e.Code != aftersales.EINVALID {
				t.Fatalf("%s: err = %v, want EINVALID", at, err)
			}
			for _, q := range qs {
				if n := db.CountForTest(context.Background(), q); n != before[q] {
					t.Errorf("%s: %s = %d, want %d as before", at, q, n, before[q])
				}
			}
		}
	})
}
