package sqlstore

import (
	"context"
	"errors"
)

// BulkSendForTest runs, in one bulk transaction on PostgreSQL, sent
// without waiting for it (as an import's flush is), then then (when not
// empty) as the next statement.
func (db *DB) BulkSendForTest(ctx context.Context, sent, then string) error {
	return db.withBulk(ctx, func(b bulkWriter) error {
		p, ok := b.(pgBulk)
		if !ok {
			return errors.New("not PostgreSQL")
		}
		if err := p.send(ctx, sent); err != nil {
			return err
		}
		if then == "" {
			return nil
		}
		return b.exec(ctx, then)
	})
}
