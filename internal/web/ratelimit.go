package web

import (
	"context"
	"time"

	"aftersales"
)

// sharedLimiter allows about Rate actions per key in any period Per,
// counted in the database, so that every instance on it, and a restarted
// one, share one budget per key. The database keeps a count per fixed
// window; the period ending now is this window's count plus the previous
// window's, weighted by the part of it the period still covers (a sliding
// window without a row per action). An action refused is not counted.
type sharedLimiter struct {
	Store  aftersales.SharedState
	Prefix string // names the limit among the database's counts
	Rate   int
	Per    time.Duration
	Now    func() time.Time
}

// Allow counts one action for key, unless its budget is spent.
func (l *sharedLimiter) Allow(ctx context.Context, key string) (bool, error) {
	now := l.Now()
	win := now.Truncate(l.Per)
	key = l.Prefix + key
	prev, err := l.Store.Hits(ctx, key, win.Add(-l.Per))
	if err != nil {
		return false, err
	}
	covered := 1 - float64(now.Sub(win))/float64(l.Per)
	return l.Store.CountHit(ctx, key, win, l.Rate-int(float64(prev)*covered), win.Add(2*l.Per))
}
