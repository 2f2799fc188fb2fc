package web

import (
	"sync"
	"time"
)

// limiter is a token bucket per key: Rate actions per Per, refilled
// continuously, at most Rate saved up. Idle keys are dropped, so memory
// stays bounded by the keys active within one period.
type limiter struct {
	Rate int
	Per  time.Duration
	Now  func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// Allow takes one token from key's bucket, if it has one.
func (l *limiter) Allow(key string) bool {
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	if now.Sub(l.swept) > l.Per {
		for k, b := range l.buckets {
			if now.Sub(b.at) > l.Per {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: float64(l.Rate), at: now}
		l.buckets[key] = b
	}
	b.tokens = min(float64(l.Rate), b.tokens+now.Sub(b.at).Seconds()*float64(l.Rate)/l.Per.Seconds())
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
