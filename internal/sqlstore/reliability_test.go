package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestDataQualityMonthsUseDeploymentZone: the data-quality trend counts
// tickets by month of the deployment's zone, like every other date.
func TestDataQualityMonthsUseDeploymentZone(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		// 20:00 UTC on 31 July is 04:00 on 1 August in Shanghai.
		clock := testutil.NewClock(time.Date(2026, 7, 31, 20, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := testutil.Admin(t, db)
		cust := testutil.MustCustomer(t, ctx, db, "周九")
		testutil.MustTicket(t, ctx, db, cust.ID, "八月")
		clock.Advance(-5 * time.Hour) // 23:00 on 31 July in Shanghai
		testutil.MustTicket(t, ctx, db, cust.ID, "七月")
		rep, err := db.DataQuality(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []aftersales.MonthQuality{{Month: "2026-07", Tickets: 1}, {Month: "2026-08", Tickets: 1}}
		if diff := cmp.Diff(want, rep.Months); diff != "" {
			t.Errorf("months (-want +got):\n%s", diff)
		}
	})
}

// TestLockedDatabaseIsUnavailable: a write that waits out busy_timeout
// behind another process's lock is EUNAVAILABLE (503, retry), not an
// internal error.
func TestLockedDatabaseIsUnavailable(t *testing.T) {
	path := testutil.DSN(t, sqlstore.SQLite)
	db, err := sqlstore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, _ := testutil.Admin(t, db)
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), `ROLLBACK`)
	_, err = db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "锁", Phone: "13800138000"})
	if code := aftersales.ErrorCode(err); code != aftersales.EUNAVAILABLE {
		t.Errorf("write behind a lock: %v (%s), want EUNAVAILABLE", err, code)
	}
}
