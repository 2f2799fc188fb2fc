package jobs

import (
	"context"
	"log/slog"

	"aftersales"
)

// EmailOutbox is what the email job needs from the store.
type EmailOutbox interface {
	DueEmails(ctx context.Context, limit int) ([]*aftersales.Email, error)
	RecordEmailAttempt(ctx context.Context, id int64, errMsg string) error
}

// Mailer sends one message.
type Mailer interface {
	Send(ctx context.Context, e *aftersales.Email) error
}

// SendEmails returns a job function for Every that sends due emails.
func SendEmails(o EmailOutbox, m Mailer, log *slog.Logger) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		due, err := o.DueEmails(ctx, DeliverBatch)
		if err != nil {
			return false, err
		}
		for _, e := range due {
			msg := ""
			if err := m.Send(ctx, e); err != nil {
				msg = err.Error()
				log.Warn("email failed", "to", e.To, "attempt", e.Attempts+1, "err", err)
			}
			if err := o.RecordEmailAttempt(ctx, e.ID, msg); err != nil {
				return false, err
			}
		}
		return len(due) == DeliverBatch, nil
	}
}
