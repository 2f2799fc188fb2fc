package web

import (
	"context"
	"testing"
	"time"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestBackoffWaits: the waits a key's failures earn, counted in the
// database on both engines: Free failures are free, then Base doubles up
// to Max; a key still waiting is not forgotten, however long ago it
// failed; a reset clears it.
func TestBackoffWaits(t *testing.T) {
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			clock := testutil.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
			db, err := sqlstore.Open(ctx, testutil.DSN(t, e))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			db.Now = clock.Now
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			wait := func(b *backoff, key string) time.Duration {
				t.Helper()
				d, err := b.Wait(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			fail := func(b *backoff, key string) {
				t.Helper()
				if err := b.Fail(ctx, key); err != nil {
					t.Fatal(err)
				}
			}
			b := &backoff{Store: db, Prefix: "t:", Free: 2, Base: time.Second, Max: 5 * time.Second, Forget: time.Hour, Now: clock.Now}
			for i, want := range []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second} {
				fail(b, "k")
				if got := wait(b, "k"); got != want {
					t.Fatalf("after %d failures: wait %v, want %v", i+1, got, want)
				}
				clock.Advance(wait(b, "k"))
			}
			if err := b.Reset(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			fail(b, "k")
			if got := wait(b, "k"); got != 0 {
				t.Fatalf("after a reset and one failure: wait %v", got)
			}

			// A key still waiting is not forgotten, however long ago it failed.
			long := &backoff{Store: db, Prefix: "t:", Free: 1, Base: 2 * time.Hour, Max: 2 * time.Hour, Forget: time.Hour, Now: clock.Now}
			fail(long, "slow")
			clock.Advance(90 * time.Minute)
			fail(long, "other") // prunes what is no longer kept
			if got := wait(long, "slow"); got != 30*time.Minute {
				t.Errorf("slow waits %v, want 30m", got)
			}
			// Idle past Forget, a key starts again.
			clock.Advance(3 * time.Hour)
			fail(b, "k")
			if got := wait(b, "k"); got != 0 {
				t.Errorf("after idling: wait %v", got)
			}
		})
	}
}
