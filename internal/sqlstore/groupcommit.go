package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"aftersales"
)

// group lets concurrent ticket creates share one write transaction and one
// commit (group commit): on durable PostgreSQL each commit waits for its
// WAL flush, on SQLite each takes the one writer, begins, writes its WAL
// frames and commits; a batch pays that once.
//
// Each request runs inside its own savepoint, so one that fails (a
// reference to nothing, a taken external id, an idempotency key already
// used) rolls back to it and fails alone, with its own error, and nothing
// of it is written; the others go on. A request is answered only after
// the commit, and if the commit fails every request of the batch fails
// with it. An idempotency key is written inside its request's savepoint
// (recordKey), so it commits exactly with its work, as in inTx.
//
// There is no timer and no extra goroutine: a request that finds a lane
// free leads a batch of itself and whatever queued before it; requests
// arriving while every lane is busy queue, and a lane that finishes hands
// the next batch to its first request to lead. So requests are only
// batched when the database is saturated, and a lone request runs as
// before, without a savepoint. SQLite has one lane (its one writer);
// PostgreSQL several: its own commits already share WAL flushes, and one
// shared transaction runs its requests' statements one after the other
// on one connection, so a single lane made 32 clients slower than 8.
type group struct {
	mu      sync.Mutex
	queue   []*groupReq
	leading int // lanes running a batch
	// waited counts the requests that arrived while every lane was
	// busy and so queued (QueuedWrites).
	waited atomic.Uint64
	// queued, when set (tests), is told the queue's length after each
	// arrival, under the lock.
	queued func(n int)
	// ran, when set (tests), is told the size of each batch that ran
	// in a shared transaction.
	ran func(n int)
}

type groupReq struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *Tx) error
	err  error            // the answer, final once done is closed
	done chan struct{}    // closed when err is final
	lead chan []*groupReq // a batch this request leads
}

const (
	// maxGroup bounds a batch: a long batch would hold every member's
	// answer until the last one ran.
	maxGroup = 64
	// pgLanes is how many shared transactions run at once on PostgreSQL:
	// with 8, 32 clients queued behind the lanes and created 641-657/s
	// against 716/s without group commit; with 16, 788/s with 8 clients
	// and 819/s with 32 (durable, docs/BENCHMARKS.md). It stays below the
	// pool's 20 connections, so reads always find one.
	pgLanes = 16
)

func (db *DB) groupLanes() int {
	if db.d.engine == Postgres {
		return pgLanes
	}
	return 1
}

// QueuedWrites is how many grouped writes (ticket creates) this process
// has queued so far because every lane was busy: the requests are
// saturating the writer. Background work that can wait compares two
// readings to yield to them (jobs.YieldToWrites).
func (db *DB) QueuedWrites() uint64 { return db.group.waited.Load() }

// take removes the next batch from the queue; g.mu is held.
func (g *group) take() []*groupReq {
	n := min(len(g.queue), maxGroup)
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	if len(g.queue) == 0 {
		g.queue = nil
	}
	return batch
}

// groupTx runs fn in a write transaction shared with concurrent callers
// and returns once that transaction committed (nil) or fn or the commit
// failed (the error). fn must do all its writes through tx, use the
// context it is given (ctx's values, without its cancellation once it
// runs in a shared transaction) and may run in another goroutine than the
// caller's.
func (db *DB) groupTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	r := &groupReq{ctx: ctx, fn: fn, done: make(chan struct{}), lead: make(chan []*groupReq, 1)}
	g := &db.group
	g.mu.Lock()
	g.queue = append(g.queue, r)
	if g.queued != nil {
		g.queued(len(g.queue))
	}
	var batch []*groupReq
	if g.leading < db.groupLanes() {
		g.leading++
		batch = g.take()
	} else {
		g.waited.Add(1)
	}
	g.mu.Unlock()
	if batch != nil {
		db.leadGroup(batch)
	}
	for {
		select {
		case <-r.done:
			return r.err
		case b := <-r.lead:
			db.leadGroup(b)
		}
	}
}

// leadGroup runs a batch, then hands the next one, if any, to its first
// request, whose goroutine leads it in this lane.
func (db *DB) leadGroup(batch []*groupReq) {
	db.runGroup(batch)
	g := &db.group
	g.mu.Lock()
	if len(g.queue) == 0 {
		g.leading--
		g.mu.Unlock()
		return
	}
	next := g.take()
	g.mu.Unlock()
	next[0].lead <- next
}

// call runs the request's work. A panic in it becomes its error: it may
// run on another request's goroutine, and the batch must go on and hand
// the lead on.
func (r *groupReq) call(ctx context.Context, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlstore: panic in a grouped write: %v", p)
		}
	}()
	return r.fn(ctx, tx)
}

// runGroup runs a batch and answers each of its requests.
func (db *DB) runGroup(batch []*groupReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err // its client gave up before its turn: nothing ran
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		r := live[0]
		r.err = db.inTx(r.ctx, func(tx *Tx) error { return r.call(r.ctx, tx) })
		close(r.done)
		return
	}
	if f := db.group.ran; f != nil {
		f(len(live))
	}
	rerun, err := db.runShared(live)
	if err != nil {
		// The transaction broke under one request (the engine rolled it
		// back): that one has its error; the others run again, anew.
		db.runGroup(rerun)
	}
}

// runShared runs live in one transaction, each in a savepoint, and
// commits. When the transaction itself breaks it returns the requests to
// run again (all but the one it broke under, which is answered) and the
// error; otherwise every request is answered.
func (db *DB) runShared(live []*groupReq) ([]*groupReq, error) {
	// The batch is no request's own: one client hanging up must not roll
	// back the others' work. Each request's statements keep its values
	// (user, idempotency key) but not its cancellation, and a request
	// whose client left before its turn is skipped.
	bctx := context.WithoutCancel(live[0].ctx)
	tx, err := db.begin(bctx)
	if err != nil {
		for _, r := range live {
			r.err = err
			close(r.done)
		}
		return nil, nil
	}
	defer db.prepareDue(bctx)
	defer tx.Rollback()
	var ok []*groupReq
	// open: a savepoint of the previous request is still open. It is
	// released as the next one is taken, on PostgreSQL in the same round
	// trip (a text without arguments goes as one simple query), and the
	// last one by the commit.
	open := false
	for i, r := range live {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			close(r.done)
			continue
		}
		tx.now = db.Now().UTC().Truncate(1e6)
		if err := db.nextSavepoint(bctx, tx, open); err != nil {
			if open {
				return db.brokenGroup(nil, err, ok, live[i:])
			}
			return db.brokenGroup(r, fmt.Errorf("sqlstore: savepoint: %w", err), ok, live[i+1:])
		}
		open = true
		rctx := context.WithoutCancel(r.ctx)
		err := r.call(rctx, tx)
		if err == nil {
			err = db.recordKey(rctx, tx)
		}
		if err != nil {
			if _, rerr := tx.ExecContext(bctx, `ROLLBACK TO SAVEPOINT group_req`); rerr != nil {
				return db.brokenGroup(r, err, ok, live[i+1:])
			}
			r.err = err
			close(r.done)
		} else {
			ok = append(ok, r)
		}
	}
	var cerr error
	if len(ok) > 0 {
		if err := tx.Commit(); err != nil {
			cerr = mapErr(fmt.Errorf("sqlstore: commit: %w", err))
		} else {
			db.ckpt.committed()
		}
	}
	for _, r := range ok {
		if cerr != nil {
			r.err = cerr
		} else {
			if k := aftersales.IdempotentFromContext(r.ctx); k != nil {
				k.Recorded = true
			}
			if db.AfterCommit != nil {
				db.AfterCommit(r.ctx)
			}
		}
		close(r.done)
	}
	return nil, nil
}

// nextSavepoint releases the savepoint of the previous request, if open,
// and sets the next request's.
func (db *DB) nextSavepoint(ctx context.Context, tx *Tx, open bool) error {
	if !open {
		_, err := tx.ExecContext(ctx, `SAVEPOINT group_req`)
		return err
	}
	if db.d.engine == Postgres {
		_, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT group_req; SAVEPOINT group_req`)
		return err
	}
	// SQLite: two statements, each kept compiled (a text of two is not).
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT group_req`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `SAVEPOINT group_req`)
	return err
}

// brokenGroup answers the request the transaction broke under (if any)
// and returns the others, done and to do, to run again.
func (db *DB) brokenGroup(r *groupReq, err error, done, todo []*groupReq) ([]*groupReq, error) {
	if r != nil {
		r.err = err
		close(r.done)
	}
	if err == nil {
		err = errors.New("sqlstore: group transaction broke")
	}
	return append(append([]*groupReq(nil), done...), todo...), err
}
