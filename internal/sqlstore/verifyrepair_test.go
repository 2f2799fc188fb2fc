package sqlstore_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestRepairVerificationSizes: the ces_mean windows of TestVerifyCES hold
// 30 answers before and 32 after. Beside the verification stored by
// today's code (n1 30, n2 32), a copy is stored the way the code before
// the analytics.Compare fix wrote it (n1 32, n2 30, and a too-small reason
// saying "32 before and 30 after"), and one whose sizes match neither
// window. Migration 0054 swaps the second back and rewrites its reason,
// and leaves the first (right already: a database that ran a build with
// the fix) and the third (cannot be told) alone; run again, it changes
// nothing. The old code had no 0054 (the copy kept 32 and 30); swapping
// every Welch row, as a first version of 0054 did, broke the first.
func TestRepairVerificationSizes(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := cesAnswers(t, db)
		it, err := db.CreateItem(ctx, aftersales.ItemInput{Title: "降低客户费力度", KPI: "ces_mean"})
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.Verify(ctx, it.ID, aftersales.VerifyInput{BeforeFrom: "2026-11-02", BeforeTo: "2026-11-16", AfterFrom: "2026-11-16", AfterTo: "2026-11-30"})
		if err != nil {
			t.Fatal(err)
		}
		if v.Test.N1 != 30 || v.Test.N2 != 32 {
			t.Fatalf("today's verification: n1 %d, n2 %d; want 30 before, 32 after", v.Test.N1, v.Test.N2)
		}
		stored := func(n1, n2 int, tooSmall bool) string {
			c := *v
			c.Test.N1, c.Test.N2 = n1, n2
			if tooSmall {
				c.ReasonCode = "too_small"
				c.Reason = fmt.Sprintf("too little data to conclude: %d before and %d after; each window needs at least 30 (and 10 events and non-events for a rate)", n1, n2)
			}
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			return strings.ReplaceAll(string(b), "'", "''")
		}
		var stmts []string
		for i, r := range []string{stored(32, 30, true), stored(5, 3, false)} {
			stmts = append(stmts, fmt.Sprintf(`INSERT INTO improvement_verifications (item_id, verdict, result, applied, by_id, created_at) VALUES (%d, 'inconclusive', '%s', false, %d, %d)`,
				it.ID, r, v.ByID, 1796004000000+int64(i)))
		}
		// The rows were there before 0054 ran: run it again over them.
		stmts = append(stmts, `DELETE FROM schema_migrations WHERE name LIKE '%0054_verification_sizes.sql'`)
		if err := db.GroupExecForTest(ctx, nil, stmts...); err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second run finds 0054 applied and changes nothing
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		d, err := db.ImprovementItem(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Verifications) != 3 {
			t.Fatalf("%d verifications, want 3", len(d.Verifications))
		}
		want := []struct {
			n1, n2 int
			reason string
		}{
			{30, 32, v.Reason},
			{30, 32, "too little data to conclude: 30 before and 32 after; each window needs at least 30 (and 10 events and non-events for a rate)"},
			{5, 3, v.Reason},
		}
		for i, got := range d.Verifications {
			w := want[i]
			if got.Test.N1 != w.n1 || got.Test.N2 != w.n2 || got.Reason != w.reason {
				t.Errorf("verification %d: n1 %d, n2 %d, %q; want %d before, %d after, %q", i, got.Test.N1, got.Test.N2, got.Reason, w.n1, w.n2, w.reason)
			}
			if got.Test.P != v.Test.P || got.Before == nil || *got.Before != *v.Before || got.BeforeFrom != v.BeforeFrom {
				t.Errorf("verification %d: the repair changed more than the sizes: %+v", i, got)
			}
		}
	})
}
