package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"aftersales"
)

// IdempotencyTTL is how long an answered key is replayed.
const IdempotencyTTL = 24 * time.Hour

// BeginIdempotent looks up (r.UserID, r.Key). It claims nothing: the key's
// row is written by the request's own write transaction (see recordKey),
// so it exists exactly when the work committed.
func (db *DB) BeginIdempotent(ctx context.Context, r *aftersales.IdempotentRequest) (*aftersales.StoredResponse, error) {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, ms(db.Now().Add(-IdempotencyTTL))); err != nil {
		return nil, fmt.Errorf("sqlstore: expire idempotency keys: %w", err)
	}
	var m, p, h string
	var status int
	var body []byte
	var headers, kind sql.NullString
	var id sql.NullInt64
	var created bool
	err := db.r.QueryRowContext(ctx, `SELECT method, path, body_hash, status, response, headers, result_kind, result_id, result_created
		FROM idempotency_keys WHERE user_id = $1 AND key = $2`, r.UserID, r.Key).Scan(&m, &p, &h, &status, &body, &headers, &kind, &id, &created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("sqlstore: read idempotency key: %w", err)
	}
	if m != r.Method || p != r.Path || h != r.BodyHash {
		return nil, &aftersales.Error{Code: aftersales.ECONFLICT, Message: "This Idempotency-Key was used for a different request.",
			Fields: []aftersales.FieldError{{Field: "Idempotency-Key", Reason: "was used with another method, path or body"}}}
	}
	out := &aftersales.StoredResponse{Status: status, Body: body}
	if headers.Valid && headers.String != "" {
		if err := json.Unmarshal([]byte(headers.String), &out.Header); err != nil {
			return nil, fmt.Errorf("sqlstore: read idempotency headers: %w", err)
		}
	}
	if status == 0 {
		if !kind.Valid || !id.Valid {
			return nil, &aftersales.Error{Code: aftersales.ECONFLICT,
				Message: "A request with this Idempotency-Key was carried out, but its answer is not available; look the result up instead of retrying.",
				Fields:  []aftersales.FieldError{{Field: "Idempotency-Key", Reason: "was carried out; its answer was lost"}}}
		}
		out.Result = &aftersales.IdempotentResult{Kind: kind.String, ID: id.Int64, Created: created}
	}
	return out, nil
}

// recordKey writes the idempotent request in ctx, if any, into tx, the
// request's write transaction, just before it commits. A second request
// with the same key that committed first makes this one fail with
// ECONFLICT, and its work rolls back with it.
func (db *DB) recordKey(ctx context.Context, tx *Tx) error {
	r := aftersales.IdempotentFromContext(ctx)
	if r == nil {
		return nil
	}
	var kind, id any
	var created bool
	if r.Result != nil {
		kind, id, created = r.Result.Kind, r.Result.ID, r.Result.Created
	}
	if r.Recorded {
		if r.Result == nil {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET result_kind = $1, result_id = $2, result_created = $3 WHERE user_id = $4 AND key = $5`,
			kind, id, created, r.UserID, r.Key)
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, method, path, body_hash, created_at, result_kind, result_id, result_created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.UserID, r.Key, r.Method, r.Path, r.BodyHash, ms(tx.now), kind, id, created)
	if err := mapErr(err); err != nil {
		var e *aftersales.Error
		if errors.As(err, &e) && e.Code == aftersales.ECONFLICT {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "A request with this Idempotency-Key is still in progress.",
				Fields: []aftersales.FieldError{{Field: "Idempotency-Key", Reason: "is in progress; retry later"}}}
		}
		return fmt.Errorf("sqlstore: record idempotency key: %w", err)
	}
	return nil
}

// FinishIdempotent stores the answer for r's key. When the work committed
// the key's row already exists and gains the answer; when no write
// happened (a refused request) the row is created with it. A row written
// by another request with the same key is left alone.
func (db *DB) FinishIdempotent(ctx context.Context, r *aftersales.IdempotentRequest, resp aftersales.StoredResponse) error {
	var headers any
	if len(resp.Header) > 0 {
		headers = mustJSON(resp.Header)
	}
	conflict := `DO NOTHING`
	if r.Recorded {
		conflict = `DO UPDATE SET status = excluded.status, response = excluded.response, headers = excluded.headers WHERE idempotency_keys.status = 0`
	}
	// Do not record the key again.
	ctx = aftersales.NewContextWithIdempotent(ctx, nil)
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, method, path, body_hash, created_at, status, response, headers)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (user_id, key) `+conflict,
			r.UserID, r.Key, r.Method, r.Path, r.BodyHash, ms(tx.now), resp.Status, resp.Body, headers)
		if err != nil {
			return fmt.Errorf("sqlstore: store idempotent answer: %w", err)
		}
		return nil
	})
}
