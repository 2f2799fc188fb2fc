package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// backoff slows down guessing. Each key may fail Free times; then it
// waits Base before its next attempt, and every further failure doubles
// the wait,
// from Base up to Max, so the delay is bounded and nobody is locked out
// for good. A success may reset the key (Reset).
//
// The state lives in this process: it is lost on restart, and several
// instances each keep their own (a guesser spread over n instances gets
// n budgets). That is acceptable for slowing guessing down, which is all
// this is for. Memory stays bounded: keys idle for Forget are dropped,
// and at most MaxKeys are kept (the longest idle goes first).
type backoff struct {
	Free    int
	Base    time.Duration
	Max     time.Duration
	Forget  time.Duration
	MaxKeys int
	Now     func() time.Time

	mu    sync.Mutex
	keys  map[string]*strikes
	swept time.Time
}

type strikes struct {
	fails int
	until time.Time // no attempt before
	last  time.Time // last failure
}

// Wait returns how long key must wait before its next attempt; zero when
// it may try now.
func (b *backoff) Wait(key string) time.Duration {
	now := b.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.keys[key]; ok && now.Before(s.until) {
		return s.until.Sub(now)
	}
	return 0
}

// Fail records a failed attempt by key.
func (b *backoff) Fail(key string) {
	now := b.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.keys == nil {
		b.keys = map[string]*strikes{}
	}
	s, ok := b.keys[key]
	if !ok {
		b.makeRoom(now)
		s = &strikes{}
		b.keys[key] = s
	}
	s.fails++
	s.last = now
	if over := s.fails - b.Free + 1; over > 0 {
		d := b.Max
		if over <= 40 {
			d = time.Duration(math.Min(float64(b.Base)*math.Pow(2, float64(over-1)), float64(b.Max)))
		}
		s.until = now.Add(d)
	}
}

// Reset forgets key, after a success.
func (b *backoff) Reset(key string) {
	b.mu.Lock()
	delete(b.keys, key)
	b.mu.Unlock()
}

// makeRoom drops idle keys (at most once per Forget, or when full) and,
// if the map is still full, the key idle the longest.
func (b *backoff) makeRoom(now time.Time) {
	if now.Sub(b.swept) > b.Forget || len(b.keys) >= b.MaxKeys {
		for k, s := range b.keys {
			if now.Sub(s.last) > b.Forget && !now.Before(s.until) {
				delete(b.keys, k)
			}
		}
		b.swept = now
	}
	for len(b.keys) >= b.MaxKeys {
		oldest, at := "", now
		for k, s := range b.keys {
			if !s.last.After(at) {
				oldest, at = k, s.last
			}
		}
		delete(b.keys, oldest)
	}
}

// newGuessBackoff is the policy for secrets guessed per client address
// (API tokens, the chat signature): 20 free failures, then 1 s doubling
// up to 15 minutes.
func newGuessBackoff(now func() time.Time) *backoff {
	return &backoff{Free: 20, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour, MaxKeys: 50_000, Now: now}
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

func newLoginGuard(now func() time.Time) *loginGuard {
	return &loginGuard{
		pair: &backoff{Free: 5, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour, MaxKeys: 50_000, Now: now},
		addr: &backoff{Free: 20, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour, MaxKeys: 50_000, Now: now},
	}
}

func pairKey(account, addr string) string {
	account = strings.ToLower(strings.TrimSpace(account))
	if len(account) > 320 {
		account = account[:320]
	}
	return account + "\x00" + addr
}

// Wait returns how long the address must wait before trying account.
func (g *loginGuard) Wait(account, addr string) time.Duration {
	return max(g.pair.Wait(pairKey(account, addr)), g.addr.Wait(addr))
}

// Failed records a wrong password.
func (g *loginGuard) Failed(account, addr string) {
	g.pair.Fail(pairKey(account, addr))
	g.addr.Fail(addr)
}

// Succeeded clears the account's failures from this address. The
// address's own count is left to decay: an attacker must not clear it by
// signing in to an account of their own between guesses.
func (g *loginGuard) Succeeded(account, addr string) { g.pair.Reset(pairKey(account, addr)) }

// retryAfter sets Retry-After to d in whole seconds, rounded up.
func retryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10))
}
