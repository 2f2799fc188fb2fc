package jobs

import (
	"context"
	"log/slog"
	"time"

	"aftersales"
)

// EmailOutbox is what the email job needs from the store.
type EmailOutbox interface {
	ClaimEmails(ctx context.Context, limit int, lease time.Duration) ([]*aftersales.Email, error)
	RecordEmailAttempt(ctx context.Context, id int64, claim string, errMsg string) error
}

// Mailer sends one message.
type Mailer interface {
	Send(ctx context.Context, e *aftersales.Email) error
}

// SendEmails returns a job function for Every that claims and sends due
// emails, once each across instances as DeliverWebhooks does.
func SendEmails(o EmailOutbox, m Mailer, log *slog.Logger) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		due, err := o.ClaimEmails(ctx, DeliverBatch, Lease)
		if err != nil {
			return false, err
		}
		start := time.Now()
		for i, e := range due {
			if time.Since(start) > Lease/2 {
				log.Warn("email batch outran half its lease; the rest waits for the lease to end", "left", len(due)-i)
				return false, nil
			}
			msg := ""
			if err := m.Send(ctx, e); err != nil {
				msg = err.Error()
				log.Warn("email failed", "to", e.To, "attempt", e.Attempts+1, "err", err)
			}
			if err := o.RecordEmailAttempt(ctx, e.ID, e.Claim, msg); err != nil {
				return false, err
			}
		}
		return len(due) == DeliverBatch, nil
	}
}
