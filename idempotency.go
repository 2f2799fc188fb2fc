package aftersales

import "context"

// StoredResponse is the first answer to an idempotent request, replayed
// for retries with the same key.
type StoredResponse struct {
	Status int
	Body   []byte
}

// IdempotencyStore remembers POST requests by (user, Idempotency-Key).
type IdempotencyStore interface {
	// BeginIdempotent claims key for a request. It returns the stored
	// response when the key was already answered; ECONFLICT when the key is
	// in flight or was used with another method, path or body.
	BeginIdempotent(ctx context.Context, userID int64, key, method, path, bodyHash string) (*StoredResponse, error)
	// FinishIdempotent stores the answer for replay.
	FinishIdempotent(ctx context.Context, userID int64, key string, resp StoredResponse) error
	// AbortIdempotent releases a key whose request failed, so a retry runs.
	AbortIdempotent(ctx context.Context, userID int64, key string) error
}
