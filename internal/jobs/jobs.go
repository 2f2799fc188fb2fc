// Package jobs runs periodic background work: the SLA sweep today. The
// work itself is idempotent SQL in the store; this package only decides
// when to call it and keeps going after a failure.
package jobs

import (
	"context"
	"log/slog"
	"time"
)

// Every calls fn now and then every interval until ctx ends. An error is
// logged and retried at the next tick. When fn reports it did a full
// batch (more is true), it is called again at once.
func Every(ctx context.Context, name string, interval time.Duration, log *slog.Logger, fn func(context.Context) (more bool, err error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			more, err := fn(ctx)
			if err != nil {
				if ctx.Err() == nil {
					log.Error("job failed", "job", name, "err", err)
				}
				break
			}
			if !more || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SLASweeper is what the SLA sweep needs from the store.
type SLASweeper interface {
	SweepSLA(ctx context.Context, limit int) (int, error)
}

// SweepBatch is how many tickets one sweep call handles.
const SweepBatch = 200

// SweepSLA returns a job function for Every.
func SweepSLA(s SLASweeper, log *slog.Logger) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		n, err := s.SweepSLA(ctx, SweepBatch)
		if n > 0 {
			log.Info("sla steps fired", "steps", n)
		}
		return n >= SweepBatch, err
	}
}
