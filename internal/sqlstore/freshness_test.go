package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// Reads never wait for the writer (issue #18): KPI, stage and aging
// answers come from the reader pool while an import's transaction is
// open, and say how many changed tickets the rollups do not count yet
// until the rollup job has run.
func TestMetricsReadsNeverWaitForTheWriter(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Date(2026, 6, 15, 9, 30, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "新鲜度")
		for _, title := range []string{"一", "二", "三"} {
			MustTicket(t, ctx, db, c.ID, title)
		}
		june := time.Date(2026, 6, 1, 0, 0, 0, 0, db.Zone)
		q := aftersales.MetricQuery{KPI: "created", From: june, To: june.AddDate(0, 1, 0), Grain: aftersales.GrainMonth}

		// Before the job: the answer does not count them and says so.
		res, err := db.Metric(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(aftersales.RollupLag{Pending: 3, Oldest: &now}, res.Lag); diff != "" {
			t.Errorf("lag before the job (-want +got):\n%s", diff)
		}
		if v := value(res.Total); v == 3 {
			t.Errorf("created = %v before the job: the read folded changes in itself", v)
		}
		lag, err := db.RollupLag(ctx)
		if err != nil || lag.Pending != 3 {
			t.Errorf("RollupLag = %+v, %v, want 3 pending", lag, err)
		}

		// After the job: nothing pending, and the numbers include them.
		catchUp(t, ctx, db)
		res, err = db.Metric(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(aftersales.RollupLag{}, res.Lag); diff != "" {
			t.Errorf("lag after the job (-want +got):\n%s", diff)
		}
		if v := value(res.Total); v != 3 {
			t.Errorf("created = %v after the job, want 3", v)
		}

		// An import holds the writer: reads still answer. The old code
		// folded changes in first and waited here until the deadline.
		release, err := db.HoldWriterForTest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		res, err = db.Metric(rctx, q)
		if err != nil {
			t.Fatalf("KPI while the writer is held: %v", err)
		}
		if v := value(res.Total); v != 3 || res.Lag.Pending != 0 {
			t.Errorf("KPI while the writer is held = %v, lag %+v; want 3 and the committed state", v, res.Lag)
		}
		if _, err := db.Stages(rctx, june, june.AddDate(0, 1, 0), "", "en"); err != nil {
			t.Errorf("stages while the writer is held: %v", err)
		}
		if _, err := db.Aging(rctx, aftersales.AgingQuery{}); err != nil {
			t.Errorf("aging while the writer is held: %v", err)
		}
		if _, err := db.RollupLag(rctx); err != nil {
			t.Errorf("rollup lag while the writer is held: %v", err)
		}
	})
}
