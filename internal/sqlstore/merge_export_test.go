package sqlstore

import "context"

// StringForTest runs a query that returns one string.
func (db *DB) StringForTest(ctx context.Context, q string, args ...any) string {
	var s string
	if err := db.r.QueryRowContext(ctx, q, args...).Scan(&s); err != nil {
		panic(err)
	}
	return s
}
