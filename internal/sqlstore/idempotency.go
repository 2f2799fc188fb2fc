package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"aftersales"
)

// IdempotencyTTL is how long an answered key is replayed.
const IdempotencyTTL = 24 * time.Hour

// BeginIdempotent claims (userID, key) or returns its stored answer.
func (db *DB) BeginIdempotent(ctx context.Context, userID int64, key, method, path, bodyHash string) (*aftersales.StoredResponse, error) {
	var out *aftersales.StoredResponse
	err := db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, ms(tx.now.Add(-IdempotencyTTL))); err != nil {
			return err
		}
		var m, p, h string
		var status int
		var body []byte
		err := tx.QueryRowContext(ctx, `SELECT method, path, body_hash, status, response FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
			userID, key).Scan(&m, &p, &h, &status, &body)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, method, path, body_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
				userID, key, method, path, bodyHash, ms(tx.now))
			return mapErr(err)
		case err != nil:
			return fmt.Errorf("sqlstore: read idempotency key: %w", err)
		}
		if m != method || p != path || h != bodyHash {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "This Idempotency-Key was used for a different request.",
				Fields: []aftersales.FieldError{{Field: "Idempotency-Key", Reason: "was used with another method, path or body"}}}
		}
		if status == 0 {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "A request with this Idempotency-Key is still in progress.",
				Fields: []aftersales.FieldError{{Field: "Idempotency-Key", Reason: "is in progress; retry later"}}}
		}
		out = &aftersales.StoredResponse{Status: status, Body: body}
		return nil
	})
	return out, err
}

// FinishIdempotent stores the answer for key.
func (db *DB) FinishIdempotent(ctx context.Context, userID int64, key string, resp aftersales.StoredResponse) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET status = $1, response = $2 WHERE user_id = $3 AND key = $4`,
			resp.Status, resp.Body, userID, key)
		return err
	})
}

// AbortIdempotent forgets a key whose request did not complete.
func (db *DB) AbortIdempotent(ctx context.Context, userID int64, key string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status = 0`, userID, key)
		return err
	})
}
