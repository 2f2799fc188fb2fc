package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestRepairVerificationSizes: a mean-kind verification stored before
// analytics.Compare was fixed says n1 = 5 and n2 = 3 for 3 answers before
// and 5 after, and its reason "5 before and 3 after". Migration 0054
// swaps them back and writes the reason again, once; a rate's
// verification, which always had them right, is left alone. The old code
// had no 0054: the item still showed the swapped sizes.
func TestRepairVerificationSizes(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, u := Admin(t, db)
		it, err := db.CreateItem(ctx, aftersales.ItemInput{Title: "满意度提升", KPI: "csat_mean"})
		if err != nil {
			t.Fatal(err)
		}
		const tail = `"before_from":"2026-11-02","before_to":"2026-11-16","after_from":"2026-11-16","after_to":"2026-11-30","before":4.2,"after":4.5,"target_met":true,"supported":false,"applied":false,"created_at":"2026-11-30T02:00:00Z"`
		old := []string{
			// A mean, too small: stored after-first.
			`{"item_id":%d,` + tail + `,"test":{"method":"Welch t","estimate":0.3,"ci_low":-0.4,"ci_high":1,"statistic":1.1,"p":0.31,"n1":5,"n2":3,"too_small":true,"effect":0.8,"effect_name":"Cohen's d"},"verdict":"inconclusive","reason_code":"too_small","reason":"too little data to conclude: 5 before and 3 after; each window needs at least 30 (and 10 events and non-events for a rate)"}`,
			// A mean, enough data: only the sizes are wrong.
			`{"item_id":%d,` + tail + `,"test":{"method":"Welch t","estimate":0.3,"ci_low":0.1,"ci_high":0.5,"statistic":3.1,"p":0.002,"n1":40,"n2":31,"too_small":false},"verdict":"effective","reason_code":"effective","reason":"csat_mean went from 4.2 to 4.5"}`,
			// A rate: always before-first.
			`{"item_id":%d,` + tail + `,"test":{"method":"two-proportion z","estimate":5,"ci_low":-2,"ci_high":12,"statistic":1.2,"p":0.2,"n1":12,"n2":20,"too_small":true},"verdict":"inconclusive","reason_code":"too_small","reason":"too little data to conclude: 12 before and 20 after; each window needs at least 30 (and 10 events and non-events for a rate)"}`,
		}
		var stmts []string
		for i, r := range old {
			stmts = append(stmts, fmt.Sprintf(`INSERT INTO improvement_verifications (item_id, verdict, result, applied, by_id, created_at) VALUES (%d, '%s', '%s', false, %d, %d)`,
				it.ID, []string{"inconclusive", "effective", "inconclusive"}[i], strings.ReplaceAll(fmt.Sprintf(r, it.ID), "'", "''"), u.ID, 1796004000000+int64(i)))
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
			{3, 5, "too little data to conclude: 3 before and 5 after; each window needs at least 30 (and 10 events and non-events for a rate)"},
			{31, 40, "csat_mean went from 4.2 to 4.5"},
			{12, 20, "too little data to conclude: 12 before and 20 after; each window needs at least 30 (and 10 events and non-events for a rate)"},
		}
		for i, v := range d.Verifications {
			w := want[i]
			if v.Test.N1 != w.n1 || v.Test.N2 != w.n2 || v.Reason != w.reason {
				t.Errorf("verification %d (%s): n1 %d, n2 %d, %q; want %d before, %d after, %q", i, v.Test.Method, v.Test.N1, v.Test.N2, v.Reason, w.n1, w.n2, w.reason)
			}
		}
		v := d.Verifications[0]
		if v.Verdict != aftersales.VerdictInconclusive || v.ReasonCode != "too_small" || float64(v.Test.P) != 0.31 || v.Test.Effect == nil || *v.Test.Effect != 0.8 ||
			v.BeforeFrom != "2026-11-02" || v.Before == nil || *v.Before != 4.2 {
			t.Errorf("the repair changed more than the sizes: %+v", v)
		}
	})
}
