package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestReadReplica sends KPI reads to a real hot standby (streaming
// replication on loopback) while tickets are read and written on the
// primary. With the standby's replay paused, a KPI answers from the
// standby's state and says how far it trails; a new ticket still opens at
// once from the primary; once replay resumes the KPI counts it.
func TestReadReplica(t *testing.T) {
	ctx := context.Background()
	dsn := DSN(t, sqlstore.Postgres)
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Zone = Shanghai(t)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	actx, _ := Admin(t, db)
	c := MustCustomer(t, actx, db, "只读副本")
	MustTicket(t, actx, db, c.ID, "一")
	catchUp(t, actx, db)
	rdsn := ReplicaDSN(t, dsn)
	if err := db.UseReadReplica(ctx, rdsn); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	q := aftersales.MetricQuery{KPI: "created", From: now.AddDate(0, -1, 0), To: now.AddDate(0, 0, 1), Grain: aftersales.GrainMonth}
	created := func() float64 {
		t.Helper()
		res, err := db.Metric(actx, q)
		if err != nil {
			t.Fatal(err)
		}
		return value(res.Total)
	}
	// The standby answers once it has replayed the ticket and its
	// rollups; on a busy machine it may trail the primary for a moment.
	WaitForReplay(t, dsn, rdsn)
	if v := created(); v != 1 {
		t.Fatalf("created through the standby = %v, want 1", v)
	}

	standby, err := sql.Open("pgx", rdsn)
	if err != nil {
		t.Fatal(err)
	}
	defer standby.Close()
	if _, err := standby.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			if _, err := standby.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer resume()
	tk := MustTicket(t, actx, db, c.ID, "二")
	catchUp(t, actx, db)
	if got, err := db.FindTicket(actx, tk.ID); err != nil || got.Title != "二" {
		t.Fatalf("a ticket just written, read back: %+v %v (must come from the primary)", got, err)
	}
	if v := created(); v != 1 {
		t.Errorf("created with replay paused = %v, want the standby's 1", v)
	}
	// The standby has received the new ticket's WAL but not replayed it.
	for deadline := time.Now().Add(time.Minute); ; {
		lag, err := db.RollupLag(actx)
		if err != nil {
			t.Fatal(err)
		}
		if lag.ReplicaBehind > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("RollupLag never said the standby trails: %+v", lag)
		}
		time.Sleep(20 * time.Millisecond) // waiting for WAL to arrive, not timing
	}
	resume()
	WaitForReplay(t, dsn, rdsn)
	// The standby has replayed the primary's position; under a loaded
	// machine its hot-standby snapshot can still trail by a moment, so the
	// answer is polled (a condition, not a timing) up to a minute.
	for deadline := time.Now().Add(time.Minute); ; {
		v := created()
		if v == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("created after replay = %v, want 2", v)
			break
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, not timing
	}
	// Whether the standby reads as current now depends on what other
	// databases of the cluster write meanwhile (tests run in parallel), so
	// only the answer itself is checked after the replay.
}

func TestReadReplicaNeedsPostgres(t *testing.T) {
	db := OpenDB(t, sqlstore.SQLite)
	if err := db.UseReadReplica(context.Background(), "postgres://127.0.0.1:1/x"); err == nil {
		t.Error("a SQLite store took a read replica")
	}
}
