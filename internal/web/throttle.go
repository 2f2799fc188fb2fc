package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"aftersales"
)

// backoff slows down guessing. Each key may fail Free times; then it
// waits Base before its next attempt, and every further failure doubles
// the wait,
// from Base up to Max, so the delay is bounded and nobody is locked out
// for good. A success may reset the key (Reset).
//
// The failures are counted in the database (aftersales.Strikes), so every
// instance on it, and a restarted one, share one count per key: a guesser
// spread over several instances gets no more guesses. Storage stays
// bounded: a key idle for Forget (and no longer waiting) is forgotten, and
// its row pruned. A failing store is an error, never a free guess.
type backoff struct {
	Store  aftersales.Strikes
	Prefix string // names the throttle among the database's keys
	Free   int
	Base   time.Duration
	Max    time.Duration
	Forget time.Duration
	Now    func() time.Time
}

// delay is the wait after fails failures.
func (b *backoff) delay(fails int) time.Duration {
	over := fails - b.Free + 1
	switch {
	case over <= 0:
		return 0
	case over > 40:
		return b.Max
	}
	return time.Duration(math.Min(float64(b.Base)*math.Pow(2, float64(over-1)), float64(b.Max)))
}

// Wait returns how long key must wait before its next attempt; zero when
// it may try now.
func (b *backoff) Wait(ctx context.Context, key string) (time.Duration, error) {
	now := b.Now()
	fails, last, err := b.Store.Strikes(ctx, b.Prefix+key, now)
	if err != nil {
		return 0, err
	}
	if until := last.Add(b.delay(fails)); fails > 0 && now.Before(until) {
		return until.Sub(now), nil
	}
	return 0, nil
}

// Fail records a failed attempt by key.
func (b *backoff) Fail(ctx context.Context, key string) error {
	now := b.Now()
	_, err := b.Store.Strike(ctx, b.Prefix+key, now, now.Add(max(b.Forget, b.Max)))
	return err
}

// Reset forgets key, after a success.
func (b *backoff) Reset(ctx context.Context, key string) error {
	return b.Store.ClearStrikes(ctx, b.Prefix+key)
}

// newGuessBackoff is the policy for secrets guessed per client address
// (API tokens, the chat signature): 20 free failures, then 1 s doubling
// up to 15 minutes.
func newGuessBackoff(store aftersales.Strikes, prefix string, now func() time.Time) *backoff {
	return &backoff{Store: store, Prefix: prefix, Free: 20, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour, Now: now}
}

// loginGuard throttles sign-in per account and address and per address.
// The account alone is deliberately not a key: locking an account on
// failures from anywhere would let anyone lock its owner out. Guessing
// one account from one address is slowed after 5 failures; one address
// guessing many accounts after 20; the owner signing in from elsewhere
// is not affected, and a success clears the account's count there.
type loginGuard struct {
	pair *backoff // account and address
	addr *backoff // address
}

func newLoginGuard(store aftersales.Strikes, now func() time.Time) *loginGuard {
	return &loginGuard{
		pair: &backoff{Store: store, Prefix: "login:", Free: 5, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour, Now: now},
		addr: &backoff{Store: store, Prefix: "login-addr:", Free: 20, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour, Now: now},
	}
}

// pairKey names an account at an address. The account is hashed: the
// database keeps no sign-in names typed (nor their odd bytes), and the
// key has a fixed length.
func pairKey(account, addr string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(account))))
	return hex.EncodeToString(sum[:16]) + "|" + addr
}

// Wait returns how long the address must wait before trying account.
func (g *loginGuard) Wait(ctx context.Context, account, addr string) (time.Duration, error) {
	p, err := g.pair.Wait(ctx, pairKey(account, addr))
	if err != nil {
		return 0, err
	}
	a, err := g.addr.Wait(ctx, addr)
	return max(p, a), err
}

// Failed records a wrong password.
func (g *loginGuard) Failed(ctx context.Context, account, addr string) error {
	if err := g.pair.Fail(ctx, pairKey(account, addr)); err != nil {
		return err
	}
	return g.addr.Fail(ctx, addr)
}

// Succeeded clears the account's failures from this address. The
// address's own count is left to decay: an attacker must not clear it by
// signing in to an account of their own between guesses.
func (g *loginGuard) Succeeded(ctx context.Context, account, addr string) error {
	return g.pair.Reset(ctx, pairKey(account, addr))
}

// retryAfter sets Retry-After to d in whole seconds, rounded up.
func retryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10))
}
