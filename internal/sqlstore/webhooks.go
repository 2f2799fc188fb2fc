package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"aftersales"
)

// MaxDeliveryAttempts is how often a delivery is tried before it is
// marked failed (the backoff reaches an hour, so about half a day).
const MaxDeliveryAttempts = 12

// Backoff is the wait before retry n (1-based): 30 s doubling, at most 1 h.
func Backoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func scanWebhook(row interface{ Scan(...any) error }) (*aftersales.Webhook, error) {
	var w aftersales.Webhook
	var events string
	var created int64
	if err := row.Scan(&w.ID, &w.URL, &events, &w.Active, &w.Version, &created); err != nil {
		return nil, err
	}
	w.CreatedAt = fromMS(created)
	return &w, json.Unmarshal([]byte(events), &w.Events)
}

const webhookCols = `id, url, events, active, version, created_at`

// CreateWebhook registers a webhook.
func (db *DB) CreateWebhook(ctx context.Context, w aftersales.Webhook) (*aftersales.Webhook, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	if err := w.Validate(true); err != nil {
		return nil, err
	}
	var id int64
	err := db.inTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO webhooks (url, secret, events, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
			w.URL, w.Secret, mustJSON(w.Events), w.Active, ms(tx.now)).Scan(&id)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert webhook: %w", err))
		}
		return tx.audit(ctx, "create", "webhook", id, map[string]any{"url": w.URL, "events": w.Events})
	})
	if err != nil {
		return nil, err
	}
	return scanWebhook(db.w.QueryRowContext(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = $1`, id))
}

// UpdateWebhook replaces a webhook; an empty secret keeps the old one.
func (db *DB) UpdateWebhook(ctx context.Context, id, version int64, w aftersales.Webhook) (*aftersales.Webhook, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	if err := w.Validate(false); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET url = $1, secret = CASE WHEN $2 = '' THEN secret ELSE $2 END, events = $3, active = $4,
			updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7`, w.URL, w.Secret, mustJSON(w.Events), w.Active, ms(tx.now), id, version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update webhook: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "webhooks", "Webhook", id); err != nil {
			return err
		}
		return tx.audit(ctx, "update", "webhook", id, map[string]any{"url": w.URL, "events": w.Events, "active": w.Active})
	})
	if err != nil {
		return nil, err
	}
	return scanWebhook(db.w.QueryRowContext(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = $1`, id))
}

// ListWebhooks lists webhooks without their secrets.
func (db *DB) ListWebhooks(ctx context.Context) ([]*aftersales.Webhook, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+webhookCols+` FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanWebhook)
}

const deliveryCols = `o.id, o.webhook_id, o.delivery_id, o.event, o.payload, o.status, o.attempts, o.next_attempt_at, o.last_status, o.last_error,
	o.created_at, o.delivered_at, w.url, w.secret`

func scanDelivery(row interface{ Scan(...any) error }) (*aftersales.WebhookDelivery, error) {
	var d aftersales.WebhookDelivery
	var next, created int64
	var last, delivered sql.NullInt64
	if err := row.Scan(&d.ID, &d.WebhookID, &d.DeliveryID, &d.Event, &d.Payload, &d.Status, &d.Attempts, &next, &last, &d.LastError,
		&created, &delivered, &d.URL, &d.Secret); err != nil {
		return nil, err
	}
	d.NextAttemptAt, d.CreatedAt, d.DeliveredAt, d.LastStatus = fromMS(next), fromMS(created), timePtr(delivered), int(last.Int64)
	return &d, nil
}

// ListDeliveries lists a webhook's deliveries, newest first.
func (db *DB) ListDeliveries(ctx context.Context, webhookID int64, limit int) ([]*aftersales.WebhookDelivery, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+deliveryCols+` FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook_id
		WHERE o.webhook_id = $1 ORDER BY o.id DESC LIMIT `+strconv.Itoa(limit), webhookID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*aftersales.WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		d.Secret = ""
		out = append(out, d)
	}
	return out, rows.Err()
}

// enqueue writes a delivery for every active webhook subscribed to event,
// inside the transaction of the change it reports.
func (db *DB) enqueue(ctx context.Context, tx *Tx, event string, ticketID int64, data map[string]any) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, events FROM webhooks WHERE active`)
	if err != nil {
		return fmt.Errorf("sqlstore: webhooks: %w", err)
	}
	var hooks []int64
	for rows.Next() {
		var id int64
		var events string
		var list []string
		if err := rows.Scan(&id, &events); err != nil {
			rows.Close()
			return err
		}
		json.Unmarshal([]byte(events), &list)
		for _, e := range list {
			if e == event {
				hooks = append(hooks, id)
			}
		}
	}
	rows.Close()
	if len(hooks) == 0 {
		return nil
	}
	t, err := db.findTicket(ctx, tx, ticketID)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		id := "dlv_" + rand.Text()
		payload := mustJSON(map[string]any{"id": id, "event": event, "occurred_at": tx.now.Format(time.RFC3339Nano), "ticket": t, "data": data})
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_outbox (webhook_id, delivery_id, event, payload, next_attempt_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $5)`, h, id, event, payload, ms(tx.now)); err != nil {
			return fmt.Errorf("sqlstore: enqueue webhook: %w", err)
		}
	}
	return nil
}

// DueDeliveries returns pending deliveries whose attempt is due, with the
// webhook's URL and secret, for the sender.
func (db *DB) DueDeliveries(ctx context.Context, limit int) ([]*aftersales.WebhookDelivery, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+deliveryCols+` FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook_id
		WHERE o.status = 'pending' AND o.next_attempt_at <= $1 ORDER BY o.next_attempt_at, o.id LIMIT `+strconv.Itoa(limit), ms(db.Now()))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: due deliveries: %w", err)
	}
	return collect(rows, scanDelivery)
}

// RecordAttempt stores the outcome of one attempt: delivered on a 2xx,
// otherwise retried after Backoff, and failed after MaxDeliveryAttempts.
func (db *DB) RecordAttempt(ctx context.Context, id int64, status int, errMsg string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		var attempts int
		if err := tx.QueryRowContext(ctx, `SELECT attempts FROM webhook_outbox WHERE id = $1`, id).Scan(&attempts); err != nil {
			return notFound(err, "Delivery", id)
		}
		attempts++
		ok := status >= 200 && status < 300
		state, next := "pending", tx.now.Add(Backoff(attempts))
		switch {
		case ok:
			state = "delivered"
		case attempts >= MaxDeliveryAttempts:
			state = "failed"
		}
		var delivered any
		if ok {
			delivered = ms(tx.now)
		}
		_, err := tx.ExecContext(ctx, `UPDATE webhook_outbox SET attempts = $1, status = $2, next_attempt_at = $3, last_status = $4,
			last_error = $5, delivered_at = $6 WHERE id = $7`, attempts, state, ms(next), status, truncate(errMsg, 500), delivered, id)
		return err
	})
}
