package testutil

import (
	"context"
	"database/sql"
	"net/url"
	"testing"

	"aftersales/internal/sqlstore"
)

// rollupLock is sqlstore's advisory lock key for rollup maintenance.
const rollupLock = 7283010

// HoldWriter opens, on a second connection to db's database, what a long
// import holds while it runs: a write transaction that has changed every
// ticket (on SQLite the one write lock) and, on PostgreSQL, the rollup
// lock a rebuild takes. It is rolled back at cleanup. Tests use it to
// prove that reads never wait for the writer.
func HoldWriter(tb testing.TB, db *sqlstore.DB) {
	tb.Helper()
	ctx := context.Background()
	driver, dsn := "pgx", db.DSN
	qs := []string{`UPDATE tickets SET updated_at = updated_at + 1`, `SELECT pg_advisory_xact_lock($1)`}
	if db.Engine() == sqlstore.SQLite {
		driver, dsn = "sqlite", "file:"+(&url.URL{Path: db.DSN}).EscapedPath()+"?_txlock=immediate"
		qs = qs[:1]
	}
	h, err := sql.Open(driver, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tx, err := h.BeginTx(ctx, nil)
	if err != nil {
		h.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() { tx.Rollback(); h.Close() })
	for _, q := range qs {
		var args []any
		if q != qs[0] {
			args = []any{rollupLock}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			tb.Fatal(err)
		}
	}
}
