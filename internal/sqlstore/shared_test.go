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

// TestStrikes: failures recorded on two instances add up to one count,
// which a success clears; a count idle past its keep time starts again,
// and the next new key prunes it.
func TestStrikes(t *testing.T) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			clock := NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
			a, b := twoInstances(t, e, clock)
			t0 := clock.Now()
			keep := t0.Add(time.Hour)

			var wg sync.WaitGroup
			for i := range 20 {
				db := a
				if i%2 == 1 {
					db = b
				}
				wg.Go(func() {
					if _, err := db.Strike(ctx, "login:x|192.0.2.1", t0, keep); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			for _, db := range []*sqlstore.DB{a, b} {
				if n, last, err := db.Strikes(ctx, "login:x|192.0.2.1", t0); err != nil || n != 20 || !last.Equal(t0) {
					t.Fatalf("strikes = %d at %v, %v; want 20 at %v", n, last, err, t0)
				}
			}
			if n, err := b.Strike(ctx, "login:x|192.0.2.1", t0.Add(time.Second), keep); err != nil || n != 21 {
				t.Fatalf("21st strike = %d, %v", n, err)
			}
			if err := a.ClearStrikes(ctx, "login:x|192.0.2.1"); err != nil {
				t.Fatal(err)
			}
			if n, _, err := b.Strikes(ctx, "login:x|192.0.2.1", t0); err != nil || n != 0 {
				t.Fatalf("after clearing: %d, %v", n, err)
			}

			// Idle past keep: forgotten, and a further failure starts at 1.
			for range 3 {
				if _, err := a.Strike(ctx, "token:192.0.2.2", t0, keep); err != nil {
					t.Fatal(err)
				}
				if _, err := a.Strike(ctx, "token:192.0.2.3", t0, keep); err != nil {
					t.Fatal(err)
				}
			}
			clock.Advance(2 * time.Hour)
			later := clock.Now()
			if n, _, err := b.Strikes(ctx, "token:192.0.2.2", later); err != nil || n != 0 {
				t.Fatalf("idle key: %d, %v", n, err)
			}
			if n, err := b.Strike(ctx, "token:192.0.2.2", later, later.Add(time.Hour)); err != nil || n != 1 {
				t.Fatalf("strike after idling = %d, %v; want 1", n, err)
			}
			// That first strike pruned the other idle row: even read as of
			// before it went idle, it is gone.
			if n, _, err := a.Strikes(ctx, "token:192.0.2.3", t0); err != nil || n != 0 {
				t.Fatalf("idle row not pruned: %d, %v", n, err)
			}
		})
	}
}
