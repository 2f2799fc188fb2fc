package web

import (
	"context"
	"testing"
	"time"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestSharedLimiterSlides: the budget of the period ending now counts the
// previous window's actions by the part of it the period still covers.
func TestSharedLimiterSlides(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	var now time.Time
	l := &sharedLimiter{Store: db, Prefix: "test:", Rate: 10, Per: time.Hour, Now: func() time.Time { return now }}
	for _, tc := range []struct {
		name    string
		at      time.Duration // after t0
		key     string
		tries   int
		allowed int
	}{
		{"a fresh address gets the rate", 10 * time.Minute, "192.0.2.1", 12, 10},
		{"another address has its own budget", 20 * time.Minute, "192.0.2.2", 1, 1},
		{"half into the next window, half the last window still counts", 90 * time.Minute, "192.0.2.1", 8, 5},
		{"a quarter of it, a quarter still counts", 105 * time.Minute, "192.0.2.1", 8, 3},
		{"an idle window later, the whole rate again", 3 * time.Hour, "192.0.2.1", 12, 10},
	} {
		now = t0.Add(tc.at)
		got := 0
		for range tc.tries {
			ok, err := l.Allow(context.Background(), tc.key)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				got++
			}
		}
		if got != tc.allowed {
			t.Errorf("%s: %d of %d allowed, want %d", tc.name, got, tc.tries, tc.allowed)
		}
	}
}
