package jobs

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"aftersales"
)

// Sign returns the X-Aftersales-Signature value of a body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature in constant time; receivers in Go can use it.
func Verify(secret string, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(signature))
}

// Outbox is what the sender needs from the store.
type Outbox interface {
	ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*aftersales.WebhookDelivery, error)
	RecordAttempt(ctx context.Context, id int64, claim string, status int, errMsg string) error
}

// DeliverBatch is how many deliveries one call sends.
const DeliverBatch = 50

// Lease is how long a claimed outbox row belongs to the sender that
// claimed it. A sender stops sending its batch after half the lease (a
// slow receiver), so no row is sent after another instance may have
// claimed it again; a sender that dies leaves its rows to be retried once
// the lease has run out.
const Lease = 10 * time.Minute

// DeliverWebhooks returns a job function for Every that claims and sends
// due deliveries. Several instances share the outbox: each row is claimed
// by one of them, so it is sent once in normal operation and at least once
// across a crash; the receiver recognises a retry by
// X-Aftersales-Delivery, which never changes between attempts.
func DeliverWebhooks(o Outbox, client *http.Client, log *slog.Logger) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		due, err := o.ClaimDeliveries(ctx, DeliverBatch, Lease)
		if err != nil {
			return false, err
		}
		start := time.Now()
		for i, d := range due {
			if time.Since(start) > Lease/2 {
				log.Warn("webhook batch outran half its lease; the rest waits for the lease to end", "left", len(due)-i)
				return false, nil
			}
			status, errMsg := send(ctx, client, d)
			if status < 200 || status > 299 {
				log.Warn("webhook delivery failed", "delivery", d.DeliveryID, "url", d.URL, "status", status, "err", errMsg, "attempt", d.Attempts+1)
			}
			if err := o.RecordAttempt(ctx, d.ID, d.Claim, status, errMsg); err != nil {
				return false, err
			}
		}
		return len(due) == DeliverBatch, nil
	}
}

func send(ctx context.Context, client *http.Client, d *aftersales.WebhookDelivery) (int, string) {
	body := []byte(d.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "aftersales-webhooks")
	req.Header.Set("X-Aftersales-Event", d.Event)
	req.Header.Set("X-Aftersales-Delivery", d.DeliveryID)
	req.Header.Set("X-Aftersales-Signature", Sign(d.Secret, body))
	res, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(res.Body, 300))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Sprintf("HTTP %d: %s", res.StatusCode, snippet)
	}
	return res.StatusCode, ""
}
