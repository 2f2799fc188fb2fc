package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestCheckpointBesideWriter: on SQLite the commits that take the WAL
// past SQLite's automatic checkpoint (1,000 pages) no longer copy it into
// the database file themselves, with its fsyncs, while holding the one
// writer; the checkpointer does it on its own connection, and what it
// copied is what was committed.
func TestCheckpointBesideWriter(t *testing.T) {
	db := OpenDB(t, sqlstore.SQLite)
	ctx := context.Background()
	path := sqlstore.SQLitePath(db.DSN)
	held, hold := make(chan struct{}, 1), make(chan struct{})
	type result struct {
		log, done int
		err       error
	}
	ran := make(chan result, 1)
	db.HoldCheckpointsForTest(func() {
		select {
		case held <- struct{}{}:
		default:
		}
	}, hold, func(log, done int, err error) { ran <- result{log, done, err} })
	defer db.HoldCheckpointsForTest(nil, nil, nil)
	// Wait until the checkpointer is held (and so runs no checkpoint of
	// the migrations any more).
	db.CheckpointForTest()
	<-held
	size := func() int64 {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	// 40 commits of about 50 pages (4 KiB) each: 2,000 pages in the WAL.
	const n = 40
	for i := range n {
		q := fmt.Sprintf(`INSERT INTO settings (name, value, created_at) VALUES ('checkpoint-%d', hex(randomblob(100000)), 0)`, i)
		if err := db.GroupExecForTest(ctx, nil, q); err != nil {
			t.Fatal(err)
		}
	}
	if got := size(); got != before {
		t.Fatalf("the database file went from %d to %d bytes while the checkpointer was held: a commit checkpointed", before, got)
	}
	close(hold)
	var r result
	for try := 0; ; try++ {
		r = <-ran
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.log > 0 && r.done == r.log {
			break
		}
		if try == 100 {
			t.Fatalf("the checkpoint copies %d of %d pages", r.done, r.log)
		}
		db.CheckpointForTest()
	}
	if r.log < n*49 { // the hex of 100,000 bytes fills 49 pages of 4 KiB
		t.Errorf("the checkpoint found %d pages in the WAL, want the %d commits' (≥ %d)", r.log, n, n*49)
	}
	if got := size(); got < before+int64(n)*200_000 {
		t.Errorf("after the checkpoint the database file has %d bytes, want ≥ %d", got, before+int64(n)*200_000)
	}
	if got := db.CountForTest(ctx, `SELECT COUNT(*) FROM settings WHERE name LIKE 'checkpoint-%' AND length(value) = 200000`); got != n {
		t.Errorf("%d rows read back, want %d", got, n)
	}
}
