package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
	return db.enqueueFor(ctx, tx, event, ticketID, nil, data)
}

// enqueueTicket is enqueue for a ticket the caller holds as a read in tx
// would return it (a new ticket's insertTicket).
func (db *DB) enqueueTicket(ctx context.Context, tx *Tx, event string, t *aftersales.Ticket, data map[string]any) error {
	return db.enqueueFor(ctx, tx, event, t.ID, t, data)
}

func (db *DB) enqueueFor(ctx context.Context, tx *Tx, event string, ticketID int64, t *aftersales.Ticket, data map[string]any) error {
	cfg, err := db.config(ctx, tx)
	if err != nil {
		return err
	}
	var hooks []int64
	for _, h := range cfg.hooks {
		if slices.Contains(h.events, event) {
			hooks = append(hooks, h.id)
		}
	}
	if len(hooks) == 0 {
		return nil
	}
	if t == nil {
		if t, err = db.findTicket(ctx, tx, ticketID); err != nil {
			return err
		}
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

// ClaimDeliveries claims up to limit pending deliveries whose attempt is
// due and returns them with the webhook's URL and secret, for the sender.
// The claim pushes each row's next attempt to the end of the lease: no
// other sender sees the row until then, and if this one dies the row
// falls due again by itself (at-least-once across a crash; exactly once
// while senders finish within their lease). On PostgreSQL rows another
// instance is claiming are skipped (FOR UPDATE SKIP LOCKED); on SQLite the
// single writer serialises claims. The rows are picked in a WITH clause:
// PostgreSQL runs it once, where a LIMIT subquery inside IN (...) may be
// run again for every row and claim far more than limit.
func (db *DB) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*aftersales.WebhookDelivery, error) {
	claim := db.newClaim()
	var out []*aftersales.WebhookDelivery
	err := db.inTx(ctx, func(tx *Tx) error {
		n, err := db.claimDue(ctx, tx, "webhook_outbox", claim, limit, lease)
		if err != nil {
			return err
		}
		if n == 0 {
			out = []*aftersales.WebhookDelivery{}
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+deliveryCols+` FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook_id
			WHERE o.claimed_by = $1 AND o.status = 'pending' ORDER BY o.id`, claim)
		if err != nil {
			return fmt.Errorf("sqlstore: claimed deliveries: %w", err)
		}
		out, err = collect(rows, scanDelivery)
		return err
	})
	for _, d := range out {
		d.Claim = claim
	}
	return out, err
}

// claimDue claims up to limit due pending rows of an outbox table (a
// constant: email_outbox or webhook_outbox) for claim, as ClaimDeliveries
// describes, and returns how many it claimed.
func (db *DB) claimDue(ctx context.Context, tx *Tx, table, claim string, limit int, lease time.Duration) (int64, error) {
	res, err := tx.ExecContext(ctx, `WITH due AS (SELECT id FROM `+table+` WHERE status = 'pending' AND next_attempt_at <= $3
			ORDER BY next_attempt_at, id LIMIT `+strconv.Itoa(limit)+db.d.skipLocked+`)
		UPDATE `+table+` SET next_attempt_at = $1, claimed_by = $2 WHERE status = 'pending' AND id IN (SELECT id FROM due)`, ms(tx.now.Add(lease)), claim, ms(tx.now))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: claim %s: %w", table, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// retryLater schedules the next attempt of an outbox row after its
// attempts-th failure, or fails it for good after MaxDeliveryAttempts.
func retryLater(ctx context.Context, tx *Tx, table string, id int64, attempts int) error {
	state := "pending"
	if attempts >= MaxDeliveryAttempts {
		state = "failed"
	}
	_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET status = $1, next_attempt_at = $2 WHERE id = $3`, state, ms(tx.now.Add(Backoff(attempts))), id)
	return err
}

// RecordAttempt stores the outcome of one attempt under claim: delivered
// on a 2xx, otherwise retried after Backoff, and failed after
// MaxDeliveryAttempts. A success is recorded whoever sent it, unless the
// row is delivered already; a failure only by the holder of the row's
// current claim, so a sender whose lease ran out cannot overwrite the
// outcome of the one that took over. Nothing turns a delivered row back
// to pending. Attempts are counted in SQL, not read and written back.
func (db *DB) RecordAttempt(ctx context.Context, id int64, claim string, status int, errMsg string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if status >= 200 && status < 300 {
			_, err := tx.ExecContext(ctx, `UPDATE webhook_outbox SET attempts = attempts + 1, status = 'delivered', last_status = $1, last_error = '',
				delivered_at = $2, claimed_by = '' WHERE id = $3 AND status <> 'delivered'`, status, ms(tx.now), id)
			return err
		}
		var attempts int
		err := tx.QueryRowContext(ctx, `UPDATE webhook_outbox SET attempts = attempts + 1, last_status = $1, last_error = $2, claimed_by = ''
			WHERE id = $3 AND status = 'pending' AND claimed_by = $4 RETURNING attempts`, status, truncate(errMsg, 500), id, claim).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // delivered by another sender, or no longer ours
		}
		if err != nil {
			return err
		}
		return retryLater(ctx, tx, "webhook_outbox", id, attempts)
	})
}
