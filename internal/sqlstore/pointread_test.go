package sqlstore_test

import (
	"context"
	"testing"

	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestPointReadsUnmapped: on SQLite the one-row reads every request makes
// (the stamps and failure count, a ticket by id) run on connections that
// do not map the file, while the reader pool keeps its map for the
// dashboards. A mapping reader unmaps its whole map at the start of every
// read transaction that follows a commit, which under concurrent creates
// cost more than the few pages these reads need.
func TestPointReadsUnmapped(t *testing.T) {
	db := OpenDB(t, sqlstore.SQLite)
	point, readers, err := db.MmapSizesForTest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if point != 0 {
		t.Errorf("point reads: mmap_size = %d, want 0", point)
	}
	if readers < 1<<30 {
		t.Errorf("reader pool: mmap_size = %d, want about 2 GiB", readers)
	}
}
