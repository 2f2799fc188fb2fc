package sqlstore

import "context"

// MmapSizesForTest returns the memory-map limit of the connections that
// answer readRow and of the reader pool.
func (db *DB) MmapSizesForTest(ctx context.Context) (point, readers int64, err error) {
	if err := db.readRow(ctx, `PRAGMA mmap_size`).Scan(&point); err != nil {
		return 0, 0, err
	}
	err = db.r.QueryRowContext(ctx, `PRAGMA mmap_size`).Scan(&readers)
	return point, readers, err
}
