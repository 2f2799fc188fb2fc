package sqlstore

import "context"

// CopyAsyncForTest COPYs rows into table as a first load does
// (copyAsync: the binary stream, or pgx for what it does not know), in
// one transaction that runs before first.
func (db *DB) CopyAsyncForTest(ctx context.Context, first, table string, cols []string, rows [][]any) error {
	return db.withBulk(ctx, func(b bulkWriter) error {
		if err := b.exec(ctx, first); err != nil {
			return err
		}
		p := b.(pgBulk)
		if err := p.copyAsync(ctx, []copyJob{{table, cols, rows}, {table, cols, rows[:1]}}); err != nil {
			return err
		}
		return p.settle()
	})
}
