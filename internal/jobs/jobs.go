// Package jobs runs periodic background work: the SLA sweep today. The
// work itself is idempotent SQL in the store; this package only decides
// when to call it and keeps going after a failure.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"aftersales"
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

// RollupBatch is how many changed tickets one rollup refresh folds in.
const RollupBatch = 2000

// RollupChecker is what the daily rollup check needs from the store.
type RollupChecker interface {
	RecomputeRollups(ctx context.Context, repair bool) (*aftersales.RollupCheck, error)
}

// CheckRollups returns a job that recomputes every KPI rollup from the
// tickets and compares. A difference is a bug (a write path that escaped
// the triggers): it is logged as an error with the first rows that differ,
// then repaired so dashboards are right again.
// The first call (at start-up) is skipped: the check waits a day.
func CheckRollups(s RollupChecker, log *slog.Logger) func(context.Context) (bool, error) {
	started := false
	return func(ctx context.Context) (bool, error) {
		if !started {
			started = true
			return false, nil
		}
		c, err := s.RecomputeRollups(ctx, false)
		if err != nil {
			return false, err
		}
		if c.Differences == 0 {
			log.Info("kpi rollups verified", "tickets", c.Tickets, "rows", c.Rows)
			return false, nil
		}
		log.Error("kpi rollups differ from the tickets; repairing", "differences", c.Differences, "first", c.Mismatches)
		_, err = s.RecomputeRollups(ctx, true)
		return false, err
	}
}
