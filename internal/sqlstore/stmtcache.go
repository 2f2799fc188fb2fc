package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// stmtCache keeps the statements that write transactions run again and
// again compiled, on SQLite. modernc's driver compiles every statement
// anew, and in a ticket create that was about 40% of the server's CPU
// (docs/BENCHMARKS.md). The writer pool has one connection, so a
// statement prepared on it is compiled once and reused by every
// transaction (sql.Tx.StmtContext finds it on the transaction's
// connection). It cannot be prepared while a transaction holds that
// connection, so a statement seen often enough is prepared after the
// transaction ends. PostgreSQL needs none of this: pgx caches prepared
// statements per connection itself.
type stmtCache struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	misses map[string]int // statements not prepared yet, by how often they ran
	due    []string       // to prepare when the writer is free
}

const (
	maxStmts       = 256  // prepared statements kept
	maxMisses      = 2048 // statements counted before the count starts again
	stmtWorthAfter = 3    // runs before a statement is prepared: one-off texts stay out
)

// cachedStmt returns the prepared statement for query, or nil.
func (db *DB) cachedStmt(query string) *sql.Stmt {
	if db.d.engine != SQLite {
		return nil
	}
	c := &db.stmtc
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok {
		return s
	}
	// A text with several statements cannot be prepared as one.
	if len(c.stmts)+len(c.due) >= maxStmts || strings.Contains(query, ";") {
		return nil
	}
	if c.misses == nil || len(c.misses) >= maxMisses {
		c.misses = map[string]int{}
	}
	c.misses[query]++
	if c.misses[query] == stmtWorthAfter {
		delete(c.misses, query)
		c.due = append(c.due, query)
	}
	return nil
}

// prepareDue prepares the statements that became worth it, once the
// transaction that ran them has ended.
func (db *DB) prepareDue(ctx context.Context) {
	c := &db.stmtc
	c.mu.Lock()
	due := c.due
	c.due = nil
	c.mu.Unlock()
	for _, q := range due {
		s, err := db.w.PrepareContext(context.WithoutCancel(ctx), q)
		if err != nil {
			continue // it runs unprepared, as before
		}
		c.mu.Lock()
		if c.stmts == nil {
			c.stmts = map[string]*sql.Stmt{}
		}
		if old, ok := c.stmts[q]; ok {
			old.Close()
		}
		c.stmts[q] = s
		c.mu.Unlock()
	}
}

func (db *DB) closeStmts() {
	c := &db.stmtc
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.stmts {
		s.Close()
	}
	c.stmts = nil
}

// stmt is the cached statement for query bound to the transaction, made
// once per transaction (a bulk load runs one statement many times), or nil.
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	s := tx.db.cachedStmt(query)
	if s == nil {
		return nil
	}
	if ts, ok := tx.stmts[s]; ok {
		return ts
	}
	if tx.stmts == nil {
		tx.stmts = map[*sql.Stmt]*sql.Stmt{}
	}
	ts := tx.Tx.StmtContext(ctx, s)
	tx.stmts[s] = ts
	return ts
}

// QueryContext runs a query in the transaction, prepared when cached.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if tx.db.trace != nil {
		tx.db.trace(query)
	}
	if s := tx.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query for one row, prepared when cached.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if tx.db.trace != nil {
		tx.db.trace(query)
	}
	if s := tx.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// ExecContext runs a statement, prepared when cached.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if tx.db.trace != nil {
		tx.db.trace(query)
	}
	if s := tx.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// readStmts keeps the few reads every API request makes (the
// authentication stamp, the failure count, the ticket a create answers
// with) compiled on SQLite's point readers, a pool of its own that does
// not map the file (Open says why). database/sql prepares a pool
// statement on each connection the first time it runs there and keeps it
// as long as the connection lives. PostgreSQL's driver caches by itself.
type readStmts struct {
	pool  *sql.DB // SQLite: the point readers
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// readRow runs a one-row read on the reader pool (SQLite: the point
// readers), compiled once on SQLite.
func (db *DB) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	if db.d.engine != SQLite {
		return db.r.QueryRowContext(ctx, query, args...)
	}
	c := &db.rstmt
	c.mu.Lock()
	s, ok := c.stmts[query]
	c.mu.Unlock()
	if !ok {
		var err error
		if s, err = c.pool.PrepareContext(ctx, query); err != nil {
			return c.pool.QueryRowContext(ctx, query, args...)
		}
		c.mu.Lock()
		if old, ok := c.stmts[query]; ok {
			s.Close()
			s = old
		} else {
			if c.stmts == nil {
				c.stmts = map[string]*sql.Stmt{}
			}
			c.stmts[query] = s
		}
		c.mu.Unlock()
	}
	return s.QueryRowContext(ctx, args...)
}

func (c *readStmts) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.stmts {
		s.Close()
	}
	c.stmts = nil
	if c.pool == nil {
		return nil
	}
	return c.pool.Close()
}
