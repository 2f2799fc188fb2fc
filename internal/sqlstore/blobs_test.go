package sqlstore_test

import (
	"testing"
	"time"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

func TestDatabaseIsABlobStore(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		testutil.CheckBlobStore(t, db, now)
	})
}
