package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// A bulk change applies to every ticket it may and reports, per ticket,
// why it refused the rest; a refused ticket keeps all of its state (the
// urgency changed before the refused move is rolled back with it), and
// the changes are audited, each and as a whole.
func TestBulkChange(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		db.Now = NewClock(time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)).Now
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "钱七")
		a, b, x := MustTicket(t, ctx, db, c.ID, "空调不制冷"), MustTicket(t, ctx, db, c.ID, "洗衣机漏水"), MustTicket(t, ctx, db, c.ID, "重复报修")
		if _, err := db.Transition(ctx, x.ID, aftersales.TransitionInput{To: aftersales.StatusCancelled, Reason: "重复", Version: x.Version}); err != nil {
			t.Fatal(err)
		}
		high := aftersales.UrgencyHigh
		out, err := db.BulkChange(ctx, aftersales.BulkChange{IDs: []int64{a.ID, x.ID, b.ID, 999999}, To: aftersales.StatusAccepted, Urgency: &high})
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			ID   int64
			Code string
		}
		var got []row
		for _, o := range out {
			got = append(got, row{o.ID, aftersales.ErrorCode(o.Err)})
		}
		want := []row{{a.ID, ""}, {x.ID, aftersales.EINVALID}, {b.ID, ""}, {999999, aftersales.ENOTFOUND}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("outcomes (-want +got):\n%s", d)
		}
		for _, tc := range []struct {
			id      int64
			status  aftersales.Status
			urgency aftersales.Urgency
		}{{a.ID, aftersales.StatusAccepted, high}, {b.ID, aftersales.StatusAccepted, high}, {x.ID, aftersales.StatusCancelled, x.Urgency}} {
			tk, err := db.FindTicket(ctx, tc.id)
			if err != nil || tk.Status != tc.status || tk.Urgency != tc.urgency {
				t.Errorf("ticket %d after the bulk change: %v %v (%v), want %v %v", tc.id, tk.Status, tk.Urgency, err, tc.status, tc.urgency)
			}
		}
		log, err := db.AuditLog(ctx, aftersales.AuditFilter{Action: "bulk_change"})
		if err != nil || len(log.Entries) != 1 || !strings.Contains(log.Entries[0].Detail, `"refused"`) {
			t.Fatalf("bulk audit = %+v, %v", log, err)
		}
		tr, err := db.AuditLog(ctx, aftersales.AuditFilter{Action: "transition", Entity: "ticket", EntityID: a.ID})
		if err != nil || len(tr.Entries) != 1 {
			t.Errorf("ticket %d's transition audit = %+v, %v", a.ID, tr, err)
		}

		// Nothing to change, or too much at once, is refused as a whole.
		for _, in := range []aftersales.BulkChange{{IDs: []int64{a.ID}}, {IDs: make([]int64, aftersales.MaxBulk+1), To: aftersales.StatusClosed}} {
			if _, err := db.BulkChange(ctx, in); aftersales.ErrorCode(err) != aftersales.EINVALID {
				t.Errorf("bulk change of %d tickets: %v, want EINVALID", len(in.IDs), err)
			}
		}
	})
}
