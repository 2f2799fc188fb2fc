package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"aftersales"
	"aftersales/internal/auth"
)

// authCache keeps the owners of the API tokens this process has seen, so
// an API request authenticates with one primary-key read (auth_stamp)
// instead of four (the token, the user, the skills, and the stamp of
// their use). An entry is good while its stamp is the database's:
// migration 0048's triggers change the stamp in the same transaction as a
// revocation or any change of a user or their skills, so a revoked token
// or a changed role takes effect at the next request on every instance.
// The stamp is read before the rows: an entry can be newer than its
// stamp, never older.
type authCache struct {
	mu     sync.Mutex
	stamp  int64
	tokens map[string]*tokenEntry // by token hash
}

type tokenEntry struct {
	id   int64
	user *aftersales.User
	used int64 // last_used_at as last written or read, unix ms
}

// maxCachedTokens bounds the cache; past it the cache starts again.
const maxCachedTokens = 4096

// authStamp reads the current stamp on the reader pool.
func (db *DB) authStamp(ctx context.Context) (int64, error) {
	var stamp int64
	if err := db.readRow(ctx, `SELECT stamp FROM auth_stamp WHERE id = 1`).Scan(&stamp); err != nil {
		return 0, fmt.Errorf("sqlstore: auth stamp: %w", err)
	}
	return stamp, nil
}

// requestStamps is what a request's first read learnt, kept in its
// aftersales.Memo: the API middleware asks for the token throttle's count
// of the client's address before it authenticates, and the same read
// takes the auth stamp along (strikesWithStamps), so that an API request
// reads the reader pool once before UserByToken instead of twice. The
// stamp is used once, by UserByToken, before the request writes
// anything; a stamp read earlier in the request is as good as one read
// later for the rule the cache follows (the stamp is read before the
// rows). A create reads its configuration with its customer, inside its
// write (pinForCreate).
type requestStamps struct {
	db       *DB // the store that read them
	auth     int64
	authUsed bool
}

// stampsQuery reads a throttle key's failures with the auth stamp.
const stampsQuery = `SELECT a.stamp, s.fails, s.last_at FROM auth_stamp a
	LEFT JOIN strikes s ON s.key = $1 AND s.keep_until > $2
	WHERE a.id = 1`

// strikesWithStamps is Strikes for a request whose Memo is still empty:
// one read returns the failures and fills the Memo with the stamps.
func (db *DB) strikesWithStamps(ctx context.Context, m *aftersales.Memo, key string, now time.Time) (int, time.Time, error) {
	var auth int64
	var fails, last sql.NullInt64
	if err := db.readRow(ctx, stampsQuery, key, ms(now)).Scan(&auth, &fails, &last); err != nil {
		return 0, time.Time{}, mapErr(fmt.Errorf("sqlstore: read strikes and stamps: %w", err))
	}
	m.Value = &requestStamps{db: db, auth: auth}
	if !fails.Valid {
		return 0, time.Time{}, nil
	}
	return int(fails.Int64), fromMS(last.Int64), nil
}

// memoStamps returns the stamps this store read earlier in the request,
// nil if none.
func (db *DB) memoStamps(ctx context.Context) *requestStamps {
	m := aftersales.MemoFromContext(ctx)
	if m == nil {
		return nil
	}
	if s, ok := m.Value.(*requestStamps); ok && s.db == db {
		return s
	}
	return nil
}

// requestAuthStamp is the auth stamp read earlier in this request, once;
// else a read of it.
func (db *DB) requestAuthStamp(ctx context.Context) (int64, error) {
	if s := db.memoStamps(ctx); s != nil && !s.authUsed {
		s.authUsed = true
		return s.auth, nil
	}
	return db.authStamp(ctx)
}

// cached returns a copy of the user of token hash if the cache holds it
// under stamp.
func (c *authCache) cached(stamp int64, hash string) (*tokenEntry, *aftersales.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stamp != stamp {
		c.stamp, c.tokens = stamp, nil
		return nil, nil
	}
	e := c.tokens[hash]
	if e == nil {
		return nil, nil
	}
	return e, copyUser(e.user)
}

func (c *authCache) put(stamp int64, hash string, e *tokenEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stamp != stamp {
		// The stamp moved since this entry was read: a newer read
		// decides. Entries are only kept under the stamp read before them.
		if c.stamp != 0 && stamp != c.stamp {
			return
		}
		c.stamp, c.tokens = stamp, nil
	}
	if c.tokens == nil || len(c.tokens) >= maxCachedTokens {
		c.tokens = map[string]*tokenEntry{}
	}
	c.tokens[hash] = e
}

// used records that the entry's use was written at ms.
func (c *authCache) setUsed(e *tokenEntry, ms int64) {
	c.mu.Lock()
	e.used = ms
	c.mu.Unlock()
}

func (c *authCache) lastUsed(e *tokenEntry) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.used
}

// copyUser gives each request its own user: handlers may not share one.
func copyUser(u *aftersales.User) *aftersales.User {
	c := *u
	c.Skills = slices.Clone(u.Skills)
	return &c
}

// UserByToken returns the owner of a live token.
func (db *DB) UserByToken(ctx context.Context, secret string) (*aftersales.User, error) {
	hash := auth.HashSecret(secret)
	stamp, err := db.requestAuthStamp(ctx)
	if err != nil {
		return nil, err
	}
	if e, u := db.authc.cached(stamp, hash); e != nil {
		if err := db.touchToken(ctx, e); err != nil {
			return nil, err
		}
		return u, nil
	}
	var id, uid int64
	var revoked, used sql.NullInt64
	err = db.r.QueryRowContext(ctx, `SELECT id, user_id, revoked_at, last_used_at FROM api_tokens WHERE token_hash = $1`,
		hash).Scan(&id, &uid, &revoked, &used)
	unknown := aftersales.Errorf(aftersales.EUNAUTHORIZED, "The API token is unknown or revoked.")
	if errors.Is(err, sql.ErrNoRows) || err == nil && revoked.Valid {
		return nil, unknown
	}
	if err != nil {
		// A token that could not be looked up is not unknown.
		return nil, fmt.Errorf("sqlstore: find API token: %w", err)
	}
	u, err := db.findUser(ctx, db.r, uid)
	if aftersales.ErrorCode(err) == aftersales.ENOTFOUND || err == nil && !u.Active {
		return nil, unknown
	}
	if err != nil {
		return nil, err
	}
	e := &tokenEntry{id: id, user: u, used: used.Int64}
	if !used.Valid {
		e.used = -1 << 62
	}
	if err := db.touchToken(ctx, e); err != nil {
		return nil, err
	}
	db.authc.put(stamp, hash, e)
	return copyUser(u), nil
}

// touchToken records a token's use at most once a minute, to keep reads
// from becoming writes.
func (db *DB) touchToken(ctx context.Context, e *tokenEntry) error {
	now := ms(db.Now())
	if now-db.authc.lastUsed(e) <= 60_000 {
		return nil
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, ms(tx.now), e.id)
		return err
	})
	if err != nil {
		return err
	}
	db.authc.setUsed(e, now)
	return nil
}
