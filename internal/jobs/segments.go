package jobs

import (
	"context"
	"log/slog"
)

// SegmentSweeper is what the daily segment evaluation needs from the store.
type SegmentSweeper interface {
	SweepSegments(ctx context.Context) (int, error)
}

// EvaluateSegments returns a job that applies the customer segment rules
// (issue #20); each tier change is recorded by the store with its reason.
func EvaluateSegments(s SegmentSweeper, log *slog.Logger) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		n, err := s.SweepSegments(ctx)
		if n > 0 {
			log.Info("customer tiers changed by the segment rules", "customers", n)
		}
		return false, err
	}
}
