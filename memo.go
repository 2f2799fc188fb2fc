package aftersales

import "context"

// Memo is one request's scratch space for the store that serves it: a
// store may keep there what it read once, so that the request's later
// steps need not read it again (sqlstore keeps the stamps it read with the
// API token throttle's count). The HTTP edge puts an empty one into a
// request's context; only the store looks inside. A request is served by
// one goroutine at a time: a Memo is not safe for concurrent use.
type Memo struct {
	Value any
}

type memoKey struct{}

// NewContextWithMemo returns a context that carries a new, empty Memo.
func NewContextWithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &Memo{})
}

// MemoFromContext returns the request's Memo, nil if it has none.
func MemoFromContext(ctx context.Context) *Memo {
	m, _ := ctx.Value(memoKey{}).(*Memo)
	return m
}
