package sqlstore

import "context"

// QueryForTest runs a read query and calls each for every row, so that
// tests can compute the truth from the raw tables.
func (db *DB) QueryForTest(ctx context.Context, q string, args []any, each func(scan func(...any) error) error) error {
	return db.each(ctx, q, args, each)
}
