package sqlstore

import (
	"context"
	"crypto/rand"
	"fmt"
	"hash/fnv"
	"os"
)

// defaultInstance names this process: host and process id.
func defaultInstance() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

// newClaim returns a fresh claim name: the instance and a random part, so
// a claim taken again after its lease ran out is a different claim even
// in the same process.
func (db *DB) newClaim() string {
	return db.Instance + "/" + rand.Text()[:12]
}

// exclusive runs fn unless another instance is running the job of the same
// name. On PostgreSQL the job holds a transaction-scoped advisory lock
// (pg_try_advisory_xact_lock) on a connection of its own while fn runs:
// a second instance finds it taken and skips the run (ran is false); the
// lock goes with the transaction, also when the process dies. fn does its
// own transactions as usual; the lock's transaction sits idle between
// statements and holds no snapshot, so it does not hold back vacuum. On SQLite it always runs: one process owns
// the file, and the sweeps' guarded updates keep even a second process
// from doing a step twice.
func (db *DB) exclusive(ctx context.Context, job string, fn func() (int, error)) (n int, ran bool, err error) {
	if db.d.engine != Postgres {
		n, err = fn()
		return n, true, err
	}
	h := fnv.New64a()
	h.Write([]byte("aftersales job " + job))
	key := int64(h.Sum64())
	lock, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, fmt.Errorf("sqlstore: job lock %s: %w", job, err)
	}
	defer lock.Rollback()
	if err := lock.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock($1)`, key).Scan(&ran); err != nil {
		return 0, false, fmt.Errorf("sqlstore: job lock %s: %w", job, err)
	}
	if !ran {
		return 0, false, nil
	}
	n, err = fn()
	return n, true, err
}

// lockRow locks one row of table (a constant) for the rest of tx on
// PostgreSQL, so a read-then-write on it is not interleaved with another
// instance's; SQLite's single writer already serialises write
// transactions.
func (db *DB) lockRow(ctx context.Context, tx *Tx, table string, id int64) error {
	if db.d.engine != Postgres {
		return nil
	}
	var got int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE id = $1 FOR UPDATE`, id).Scan(&got); err != nil {
		return notFound(err, table, id)
	}
	return nil
}

// Exclusive wraps a periodic job so that with several instances on
// PostgreSQL only one runs it at a time and the others skip their tick
// (see exclusive). For jobs whose steps are not row-guarded, such as the
// daily rollup recompute and repair.
func (db *DB) Exclusive(job string, fn func(context.Context) (bool, error)) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		more := false
		_, _, err := db.exclusive(ctx, job, func() (int, error) {
			var err error
			more, err = fn(ctx)
			return 0, err
		})
		return more, err
	}
}
