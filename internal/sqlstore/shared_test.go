package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestSharedState: two instances starting at once on an empty database
// make one secret between them, which a restarted instance reads again;
// hits counted on both add up to one limit; old windows are pruned.
func TestSharedState(t *testing.T) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			clock := NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
			a, b := twoInstances(t, e, clock)

			keys := make([][]byte, 8)
			var wg sync.WaitGroup
			for i := range keys {
				db := a
				if i%2 == 1 {
					db = b
				}
				wg.Go(func() {
					k, err := db.Secret(ctx, "form-key")
					if err != nil {
						t.Error(err)
					}
					keys[i] = k
				})
			}
			wg.Wait()
			if len(keys[0]) < 16 {
				t.Fatalf("secret %q is too short", keys[0])
			}
			for i, k := range keys {
				if string(k) != string(keys[0]) {
					t.Fatalf("instance call %d got secret %q, call 0 %q", i, k, keys[0])
				}
			}
			restarted, err := sqlstore.Open(ctx, a.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer restarted.Close()
			if k, err := restarted.Secret(ctx, "form-key"); err != nil || string(k) != string(keys[0]) {
				t.Fatalf("after a restart: %q, %v; want %q", k, err, keys[0])
			}
			if k, err := a.Secret(ctx, "other"); err != nil || string(k) == string(keys[0]) {
				t.Fatalf("another name: %q, %v", k, err)
			}

			// 20 hits at once, half on each instance, against a limit of 7.
			win := clock.Now()
			keep := win.Add(2 * time.Hour)
			var mu sync.Mutex
			counted := 0
			for i := range 20 {
				db := a
				if i%2 == 1 {
					db = b
				}
				wg.Go(func() {
					ok, err := db.CountHit(ctx, "form:192.0.2.1", win, 7, keep)
					if err != nil {
						t.Error(err)
					}
					if ok {
						mu.Lock()
						counted++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if counted != 7 {
				t.Fatalf("%d hits counted against a limit of 7", counted)
			}
			for _, db := range []*sqlstore.DB{a, b} {
				if n, err := db.Hits(ctx, "form:192.0.2.1", win); err != nil || n != 7 {
					t.Fatalf("hits = %d, %v; want 7", n, err)
				}
			}
			if n, err := a.Hits(ctx, "form:192.0.2.2", win); err != nil || n != 0 {
				t.Fatalf("hits of another key = %d, %v", n, err)
			}
			if ok, err := b.CountHit(ctx, "form:192.0.2.2", win, 0, keep); err != nil || ok {
				t.Fatalf("limit 0 counted: %v %v", ok, err)
			}

			// Once keep has passed, the first hit of a new window prunes.
			clock.Advance(3 * time.Hour)
			later := clock.Now()
			if ok, err := b.CountHit(ctx, "form:192.0.2.3", later, 7, later.Add(2*time.Hour)); err != nil || !ok {
				t.Fatalf("new window: %v %v", ok, err)
			}
			if n, err := a.Hits(ctx, "form:192.0.2.1", win); err != nil || n != 0 {
				t.Fatalf("hits of a pruned window = %d, %v", n, err)
			}
		})
	}
}
