package aftersales

import "context"

// StoredResponse is the first answer to an idempotent request, replayed
// for retries with the same key.
type StoredResponse struct {
	Status int
	// Header holds the headers a replay repeats (Content-Type, ETag,
	// Location).
	Header map[string]string
	Body   []byte
	// Result is set, with Status 0, when the request's work committed but
	// its answer was never stored (the server stopped between the commit
	// and the reply): it names what the work created or changed, so the
	// answer can be rebuilt instead of the work being done twice.
	Result *IdempotentResult
}

// IdempotentResult names the record an idempotent request created or
// changed.
type IdempotentResult struct {
	Kind    string // "ticket", "customer"
	ID      int64
	Created bool
}

// IdempotentRequest is a POST carrying an Idempotency-Key. It travels in
// the request's context: the store records the key in the same transaction
// as the request's work, so the key exists exactly when the work
// committed, and a crash between the commit and the reply cannot leave a
// key that is neither answered nor free.
type IdempotentRequest struct {
	UserID   int64
	Key      string
	Method   string
	Path     string
	BodyHash string

	// Set by the store while the request runs.
	Recorded bool              // the key's row was committed with the work
	Result   *IdempotentResult // what the work created or changed
}

// SetResult tells the idempotent request in ctx, if any, which record the
// work created or changed. Stores call it inside the work's transaction.
func SetResult(ctx context.Context, kind string, id int64, created bool) {
	if r := IdempotentFromContext(ctx); r != nil {
		r.Result = &IdempotentResult{Kind: kind, ID: id, Created: created}
	}
}

// NewContextWithIdempotent returns a context carrying an idempotent request.
func NewContextWithIdempotent(ctx context.Context, r *IdempotentRequest) context.Context {
	return context.WithValue(ctx, idempotentKey, r)
}

// IdempotentFromContext returns the idempotent request in ctx, or nil.
func IdempotentFromContext(ctx context.Context) *IdempotentRequest {
	r, _ := ctx.Value(idempotentKey).(*IdempotentRequest)
	return r
}

// IdempotencyStore remembers POST requests by (user, Idempotency-Key).
type IdempotencyStore interface {
	// BeginIdempotent looks the key up. It returns the stored response
	// when the key was already answered, a response with only Result set
	// when the work committed but the answer was lost, nil when the request
	// should run, and ECONFLICT when the key was used with another method,
	// path or body. The request then runs with r in its context.
	BeginIdempotent(ctx context.Context, r *IdempotentRequest) (*StoredResponse, error)
	// FinishIdempotent stores the answer for replay.
	FinishIdempotent(ctx context.Context, r *IdempotentRequest, resp StoredResponse) error
}
