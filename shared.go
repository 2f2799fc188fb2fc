package aftersales

import (
	"context"
	"time"
)

// SharedState is what the instances serving one database must agree on
// besides the records: values made once (the key that signs the public
// web form's tokens) and rate-limit counts. Kept in the database, it is the
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
}
