package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"aftersales"
)

var _ aftersales.SharedState = (*DB)(nil)

// Secret returns the named secret, making it on first use. Two instances
// starting at once both insert; ON CONFLICT DO NOTHING keeps the first
// (the second waits for its commit on PostgreSQL), and both read it back.
func (db *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	if _, err := db.w.ExecContext(ctx, `INSERT INTO settings (name, value, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, name, rand.Text(), ms(db.Now())); err != nil {
		return nil, mapErr(fmt.Errorf("sqlstore: make secret %s: %w", name, err))
	}
	var v string
	if err := db.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v); err != nil {
		return nil, mapErr(fmt.Errorf("sqlstore: read secret %s: %w", name, err))
	}
	return []byte(v), nil
}

// CountHit adds one to key's count in a window, unless it reached limit,
// in one statement: concurrent hits on any instance each see the count the
// others left. A refused hit is not counted. The first hit of a window
// also prunes the counts kept until its start or before: the window is
// the caller's clock, which need not be the store's.
func (db *DB) CountHit(ctx context.Context, key string, window time.Time, limit int, keep time.Time) (bool, error) {
	if limit < 1 {
		return false, nil
	}
	counted := false
	err := db.inTx(ctx, func(tx *Tx) error {
		var hits int
		err := tx.QueryRowContext(ctx, `INSERT INTO rate_counts (key, window_start, hits, keep_until) VALUES ($1, $2, 1, $3)
			ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_counts.hits + 1 WHERE rate_counts.hits < $4
			RETURNING hits`, key, ms(window), ms(keep), limit).Scan(&hits)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // at the limit
		}
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: count hit: %w", err))
		}
		counted = true
		if hits == 1 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM rate_counts WHERE keep_until <= $1`, ms(window)); err != nil {
				return mapErr(fmt.Errorf("sqlstore: prune rate counts: %w", err))
			}
		}
		return nil
	})
	return counted, err
}

// Hits returns key's count in the window starting at window.
func (db *DB) Hits(ctx context.Context, key string, window time.Time) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT hits FROM rate_counts WHERE key = $1 AND window_start = $2`, key, ms(window)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, mapErr(fmt.Errorf("sqlstore: read hits: %w", err))
	}
	return n, nil
}

// Strike records a failure by key in one statement, so that failures on
// any instance add up. A row kept until at or before restarts at 1; the
// first failure of a key also prunes the rows no longer kept.
func (db *DB) Strike(ctx context.Context, key string, at, keep time.Time) (int, error) {
	var fails int
	err := db.inTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO strikes (key, fails, last_at, keep_until) VALUES ($1, 1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET
				fails = CASE WHEN strikes.keep_until <= excluded.last_at THEN 1 ELSE strikes.fails + 1 END,
				last_at = excluded.last_at, keep_until = excluded.keep_until
			RETURNING fails`, key, ms(at), ms(keep)).Scan(&fails)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: strike: %w", err))
		}
		if fails == 1 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM strikes WHERE keep_until <= $1`, ms(at)); err != nil {
				return mapErr(fmt.Errorf("sqlstore: prune strikes: %w", err))
			}
		}
		return nil
	})
	return fails, err
}

// Strikes returns key's failures and the last one's time, if still kept.
func (db *DB) Strikes(ctx context.Context, key string, now time.Time) (int, time.Time, error) {
	if m := aftersales.MemoFromContext(ctx); m != nil && m.Value == nil {
		return db.strikesWithStamps(ctx, m, key, now)
	}
	var fails int
	var last int64
	err := db.readRow(ctx, `SELECT fails, last_at FROM strikes WHERE key = $1 AND keep_until > $2`, key, ms(now)).Scan(&fails, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, mapErr(fmt.Errorf("sqlstore: read strikes: %w", err))
	}
	return fails, fromMS(last), nil
}

// ClearStrikes forgets key's failures.
func (db *DB) ClearStrikes(ctx context.Context, key string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM strikes WHERE key = $1`, key); err != nil {
		return mapErr(fmt.Errorf("sqlstore: clear strikes: %w", err))
	}
	return nil
}
