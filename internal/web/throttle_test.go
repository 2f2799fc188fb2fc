package web

import (
	"fmt"
	"testing"
	"time"

	"aftersales/internal/testutil"
)

// TestBackoffMemoryIsBounded: idle keys are forgotten, and a flood of new
// keys never grows the map past MaxKeys (the longest idle goes first).
func TestBackoffMemoryIsBounded(t *testing.T) {
	clock := testutil.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	b := &backoff{Free: 1, Base: time.Second, Max: time.Minute, Forget: time.Hour, MaxKeys: 100, Now: clock.Now}
	b.Fail("blocked")
	if b.Wait("blocked") != time.Second {
		t.Fatalf("wait = %v", b.Wait("blocked"))
	}
	for i := range 1000 {
		clock.Advance(time.Millisecond)
		b.Fail(fmt.Sprint("flood-", i))
		if len(b.keys) > b.MaxKeys {
			t.Fatalf("%d keys after %d failures", len(b.keys), i+1)
		}
	}
	if _, ok := b.keys["blocked"]; ok {
		t.Error("the longest idle key was kept")
	}
	if _, ok := b.keys["flood-999"]; !ok {
		t.Error("the newest key was dropped")
	}
	// After Forget, idle keys go at the next sweep.
	clock.Advance(2 * time.Hour)
	b.Fail("late")
	if len(b.keys) != 1 {
		t.Errorf("%d keys after everything went idle, want 1", len(b.keys))
	}
	// A key still waiting is not forgotten, however long ago it failed.
	long := &backoff{Free: 1, Base: 2 * time.Hour, Max: 2 * time.Hour, Forget: time.Hour, MaxKeys: 100, Now: clock.Now}
	long.Fail("slow")
	clock.Advance(90 * time.Minute)
	long.Fail("other")
	if long.Wait("slow") != 30*time.Minute {
		t.Errorf("slow waits %v, want 30m", long.Wait("slow"))
	}
}
