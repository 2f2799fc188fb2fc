package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// checkpointer runs SQLite's WAL checkpoints on a connection of its own,
// beside the one writer instead of inside a commit.
//
// With SQLite's automatic checkpoint the commit that takes the WAL past
// 1,000 pages copies them into the database file and syncs the WAL and
// the file (synchronous=NORMAL) before it returns, all while holding the
// one writer: every create queued behind it waits for two fsyncs. A
// goroutine blocked in the checkpoint's fsync was the writer's state in
// half of the samples of an 8-client create run (docs/BENCHMARKS.md). A
// passive checkpoint needs no writer lock, so here it runs while the
// writer goes on appending to the WAL.
//
// Durability is unchanged: a commit is in the WAL (synchronous=NORMAL:
// written, synced at the next checkpoint) whoever checkpoints, and the
// checkpoint still syncs the WAL before copying and the file after; the
// WAL is synced about as often as before (every walPages pages written).
//
// Only the writer restarts the WAL (writes it again from its start), and
// only when it begins a transaction with every frame already copied: a
// checkpoint that runs beside a busy writer is always a commit behind.
// So the writer keeps SQLite's automatic checkpoint, at walBackstop
// pages: that checkpoint finds all but the last ~walPages pages copied,
// and the WAL restarts after it. The writer thus checkpoints once per
// walBackstop pages instead of once per walPages, copying a fraction of
// the pages, and the WAL grows to walBackstop pages (32 MiB) instead of
// 4 MiB. The backstop also covers writes not counted here.
type checkpointer struct {
	db   *sql.DB       // one connection, only for checkpoints
	wake chan struct{} // a checkpoint is due (buffered, one pending)
	stop chan struct{}
	done chan struct{}
	once sync.Once
	// commits counts write transactions committed since the last
	// checkpoint; every is how many make walPages pages, learnt from the
	// pages each checkpoint found.
	commits atomic.Int64
	every   atomic.Int64
	hooks   atomic.Pointer[checkpointHooks] // tests
}

// checkpointHooks let a test hold the checkpointer and see what it did.
type checkpointHooks struct {
	held func()                         // told that a checkpoint is due and waits for hold
	hold chan struct{}                  // received from before each checkpoint
	ran  func(log, done int, err error) // told each checkpoint's result
}

const (
	// walPages is the WAL's size, in pages, at which it is checkpointed:
	// SQLite's default for its automatic checkpoint.
	walPages = 1000
	// walBackstop is the writer's own automatic checkpoint, which lets
	// the WAL restart, and covers writes not counted.
	walBackstop = 8 * walPages
)

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	c.every.Store(32)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	go c.loop()
	return c
}

// committed counts a committed write transaction and wakes the loop when
// a checkpoint is due. It never waits.
func (c *checkpointer) committed() {
	if c == nil {
		return
	}
	if c.commits.Add(1) >= c.every.Load() {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

func (c *checkpointer) loop() {
	defer close(c.done)
	ctx := context.Background()
	last := 0 // the WAL's length in pages at the last checkpoint
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
		}
		h := c.hooks.Load()
		if h != nil && h.hold != nil {
			if h.held != nil {
				h.held()
			}
			select {
			case <-c.stop:
				return
			case <-h.hold:
			}
		}
		n := c.commits.Swap(0)
		var busy, log, done int
		// PASSIVE: copies what no reader still needs without waiting for
		// readers or the writer, and never takes the writer's lock.
		err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &done)
		if h != nil && h.ran != nil {
			h.ran(log, done, err)
		}
		if err != nil {
			continue // the writer's backstop checkpoints meanwhile
		}
		// The pages the n commits added: the WAL's length less what it
		// was at the last checkpoint. After a restart that is unknown
		// (some of the commits wrote before it), and every stays.
		fresh := log - last
		last = log
		if fresh > 0 {
			c.every.Store(min(max(n*walPages/int64(fresh), 1), 4096))
		}
	}
}

func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	var err error
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		err = c.db.Close()
	})
	return err
}
