package sqlstore

import (
	"context"

	"aftersales"
)

// StringForTest runs a query that returns one string.
func (db *DB) StringForTest(ctx context.Context, q string, args ...any) string {
	var s string
	if err := db.r.QueryRowContext(ctx, q, args...).Scan(&s); err != nil {
		panic(err)
	}
	return s
}

// MergeHeldForTest merges as MergeTicket does and calls held after the
// merge's writes, before its commit: the merge in flight.
func (db *DB) MergeHeldForTest(ctx context.Context, sourceID, targetID int64, in aftersales.MergeInput, held func()) error {
	u, err := aftersales.Require(ctx, aftersales.PermTicketWrite)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if err := db.mergeTx(ctx, tx, u, sourceID, targetID, in); err != nil {
			return err
		}
		held()
		return nil
	})
}

// WaitsForTest counts what waits behind a write: on PostgreSQL the
// sessions of this database waiting for a lock now, on SQLite how often
// a transaction has waited for the writer connection.
func (db *DB) WaitsForTest(ctx context.Context) int64 {
	if db.d.engine != Postgres {
		return db.w.Stats().WaitCount
	}
	var n int64
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
		panic(err)
	}
	return n
}
