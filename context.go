package aftersales

import "context"

type ctxKey int

const (
	userKey ctxKey = iota
	clientKey
	idempotentKey
)

// NewContextWithUser returns a context that carries the acting user.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// UserFromContext returns the acting user, or nil for an anonymous caller.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userKey).(*User)
	return u
}

// Client describes where a request came from, for the audit log.
type Client struct {
	IP        string
	UserAgent string
	RequestID string
}

// NewContextWithClient returns a context that carries the caller's address.
func NewContextWithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey, c)
}

// ClientFromContext returns the caller's address, zero if unknown.
func ClientFromContext(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey).(Client)
	return c
}

// Require returns the acting user if it holds permission p, and an
// EUNAUTHORIZED or EFORBIDDEN error otherwise. Every service method that
// reads or changes data starts with it.
func Require(ctx context.Context, p Permission) (*User, error) {
	u := UserFromContext(ctx)
	if u == nil {
		return nil, Errorf(EUNAUTHORIZED, "You must sign in.")
	}
	if !u.Active {
		return nil, Errorf(EUNAUTHORIZED, "This account is disabled.")
	}
	if !u.Role.Can(p) {
		return nil, Errorf(EFORBIDDEN, "Your role (%s) may not %s.", u.Role, p)
	}
	return u, nil
}
