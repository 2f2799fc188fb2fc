package aftersales

import (
	"context"
	"time"
)

// SharedState is what the instances serving one database must agree on
// besides the records: values made once (the key that signs the public
// web form's tokens), rate-limit counts and the guess throttles' failures. Kept in the database, it is the
// same for every instance and survives a restart.
type SharedState interface {
	// Secret returns the named secret. The first call on a database makes
	// it; every later call, on any instance, returns the same bytes.
	Secret(ctx context.Context, name string) ([]byte, error)
	// CountHit adds one to key's count in the window starting at window,
	// unless the count has reached limit, and reports whether it did. The
	// count is kept at least until keep.
	CountHit(ctx context.Context, key string, window time.Time, limit int, keep time.Time) (bool, error)
	// Hits returns key's count in the window starting at window.
	Hits(ctx context.Context, key string, window time.Time) (int, error)
	Strikes
}

// Strikes counts failed guesses per key (a throttle's), shared like the
// rate counts. A key's count lives until the keep time its last failure
// set; after that it is forgotten and may be pruned.
type Strikes interface {
	// Strike records a failure by key at at, to be kept until keep, and
	// returns key's failures (1 when none were kept).
	Strike(ctx context.Context, key string, at, keep time.Time) (int, error)
	// Strikes returns key's failures and the time of the last one, as kept
	// at now: zero when none are.
	Strikes(ctx context.Context, key string, now time.Time) (int, time.Time, error)
	// ClearStrikes forgets key's failures, after a success.
	ClearStrikes(ctx context.Context, key string) error
}
