package sqlstore

import "context"

// ExecRaw runs raw SQL on the writer, for tests that prove database-level
// invariants (append-only tables, constraints).
func (db *DB) ExecRaw(ctx context.Context, q string, args ...any) error {
	_, err := db.w.ExecContext(ctx, q, args...)
	return err
}
