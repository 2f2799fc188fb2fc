// Package sqlstore is the only package that speaks SQL. One implementation
// serves SQLite (modernc, pure Go) and PostgreSQL (pgx through
// database/sql): the SQL is shared, engine differences live in dialect,
// and the schemas are embedded per engine under migrations/.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"aftersales"
	"aftersales/internal/auth"
	"aftersales/internal/textan"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// dialect holds the few fragments that differ between engines.
type dialect struct {
	engine Engine
	like   string // case-insensitive LIKE
	// skipLocked ends a SELECT that picks rows to claim: on PostgreSQL
	// rows another instance is claiming are passed over; SQLite's single
	// writer already serialises claims.
	skipLocked string
}

// DB is the store. On SQLite, w is a single-connection writer pool
// (BEGIN IMMEDIATE) and r a reader pool; on PostgreSQL both are one pool.
type DB struct {
	w, r *sql.DB
	// a answers the KPI and dashboard reads: r, or a read replica
	// (UseReadReplica), since those reads already tolerate lag.
	a        *sql.DB
	d        dialect
	DSN      string
	Now      func() time.Time
	Password auth.Params
	// Zone is the deployment's time zone (ticket numbers follow its months).
	Zone *time.Location
	// EmailNotifications copies every notification to the user's email
	// outbox; set when SMTP is configured.
	EmailNotifications bool
	// MailDomain is the domain of the Message-IDs of mail sent to
	// customers (the SMTP sender's domain).
	MailDomain string
	// AfterCommit, when set, runs after every committed write
	// transaction. Tests use it to stop a request between its commit and
	// its answer, as a crash would.
	AfterCommit func(ctx context.Context)
	// Instance names this process in outbox claims (host and process id
	// by default), so an operator can tell who holds a row.
	Instance string

	cfg atomic.Pointer[configSnap] // the configuration ticket writes read (config.go)
	// dailyOnly makes the KPI reads take every day from kpi_daily, never
	// a month from kpi_monthly: tests compare the two (monthly.go).
	dailyOnly bool
	// Text is the process's one word segmenter (its dictionary loads
	// once, on the first text): classification (textclass.go), the
	// knowledge base's index (kb.go), the background text analysis and
	// the complaint topics share it, and the domain dictionary's words
	// reach them all.
	Text  *textan.Segmenter
	textc textClassCache
	sentc sentimentCache // the active sentiment model, decoded once (sentiment.go)

	numMu   sync.Mutex
	numbers map[string]*numberBlock // PostgreSQL: ticket numbers reserved, by counter name
	seq     *sql.DB                 // PostgreSQL: one connection for reserving them
	ckpt    *checkpointer           // SQLite: WAL checkpoints beside the writer (checkpoint.go)
	stmtc   stmtCache               // SQLite: the writer's compiled statements (stmtcache.go)
	rstmt   readStmts               // SQLite: the point readers and their compiled hot reads (stmtcache.go)
	authc   authCache               // API tokens' owners (authcache.go)
	trace   func(query string)      // tests: sees every statement of a write transaction
	group   group                   // ticket creates sharing a commit (groupcommit.go)
	// rebuildHeld, set by tests, runs inside a rollup rebuild's
	// transaction after it read the tickets (metrics.go).
	rebuildHeld func()
	// checkHeld, set by tests, runs in the daily rollup check's snapshot
	// after it compared (metrics.go).
	checkHeld func()
	// rollupMu lets one refresh or rebuild of the rollups run at a time
	// in this process (a rebuild reads beside the writer: metrics.go).
	rollupMu sync.Mutex
	// rebuildBatch, set by tests, replaces both batch sizes of a rebuild
	// beside the writer (facts and rollup rows per transaction).
	rebuildBatch int
	// PublicURL is where customers reach this deployment (for survey
	// links in mail and SMS); empty makes the links relative.
	PublicURL string
	// Messages translates a message-catalog key into a language, for the
	// texts the store writes to customers (survey invitations).
	Messages func(lang, key string) string

	kb kbIndex // the knowledge base's search index (kb.go)
}

// IsPostgres reports whether dsn names a PostgreSQL database (Open
// treats anything else as a SQLite file).
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// SQLitePath is the file a SQLite DSN names: without a "sqlite:" or
// "file:" prefix and without query parameters.
func SQLitePath(dsn string) string {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path
}

// Open opens a store. dsn is "postgres://..." / "postgresql://..." for
// PostgreSQL, or a file path (optionally "sqlite:" or "file:" prefixed)
// for SQLite.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{DSN: dsn, Now: time.Now, Password: auth.DefaultParams(), Instance: defaultInstance(), Text: textan.NewSegmenter()}
	if IsPostgres(dsn) {
		p, err := sql.Open("pgx", withConnectTimeout(dsn))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
		}
		p.SetMaxOpenConns(20)
		p.SetMaxIdleConns(10)
		p.SetConnMaxIdleTime(5 * time.Minute)
		db.w, db.r = p, p
		// Ticket number blocks are reserved on a connection of their own
		// (ticketSeq): from the main pool, a reservation could wait for a
		// connection held by a create that waits for the reservation.
		if db.seq, err = sql.Open("pgx", withConnectTimeout(dsn)); err != nil {
			p.Close()
			return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
		}
		db.seq.SetMaxOpenConns(1)
		db.seq.SetConnMaxIdleTime(5 * time.Minute)
		db.d = dialect{engine: Postgres, like: "ILIKE", skipLocked: " FOR UPDATE SKIP LOCKED"}
	} else {
		path := SQLitePath(dsn)
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("sqlstore: create database directory: %w", err)
		}
		// busy_timeout first, so that switching to WAL waits for other
		// openers instead of failing with SQLITE_BUSY.
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)"
		u := "file:" + (&url.URL{Path: path}).EscapedPath()
		// The writer gets a 64 MiB page cache (bulk writes touch many index
		// pages) and keeps statement journals in memory.
		// Its automatic checkpoint is only a backstop: the checkpointer
		// (checkpoint.go) checkpoints beside it.
		w, err := sql.Open("sqlite", u+"?"+pragmas+"&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)"+
			fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", walBackstop)+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("sqlstore: open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		// Readers map the file (2 GiB at most, SQLite's own limit): pages
		// come from the operating system's cache shared by all
		// connections, without a read system call per page. At 256 MiB a
		// million tickets' file outgrew the map, and a year of one
		// dimension's rollups took 79 ms instead of 14 ms through the
		// readers' small page caches. Mapped pages are clean file pages
		// the kernel can drop at any time.
		r, err := sql.Open("sqlite", u+"?"+pragmas+"&_pragma=query_only(ON)&_pragma=mmap_size(2147483648)")
		if err != nil {
			return nil, fmt.Errorf("sqlstore: open sqlite reader: %w", err)
		}
		r.SetMaxOpenConns(4)
		// Keep every reader open: database/sql keeps two idle by default,
		// and opening a SQLite connection (its pragmas, the map) cost 7%
		// of a ticket create's CPU under 8 clients, the others being
		// closed and reopened between requests.
		r.SetMaxIdleConns(4)
		// The one-row reads of every request (readRow: the stamps, the
		// failure count, a ticket by id) go through connections that do
		// not map the file. A reader that starts a transaction after any
		// commit drops its page cache and, when it maps the file, unmaps
		// the whole map (SQLite's pagerBeginReadTransaction) and faults
		// the pages in again: under 8 clients creating tickets that was
		// half of the failure-count read's CPU. A few pages read with
		// pread cost less.
		pr, err := sql.Open("sqlite", u+"?"+pragmas+"&_pragma=query_only(ON)&_pragma=mmap_size(0)")
		if err != nil {
			w.Close()
			r.Close()
			return nil, fmt.Errorf("sqlstore: open sqlite point reader: %w", err)
		}
		pr.SetMaxOpenConns(4)
		pr.SetMaxIdleConns(4)
		db.rstmt.pool = pr
		c, err := sql.Open("sqlite", u+"?"+pragmas)
		if err != nil {
			w.Close()
			r.Close()
			pr.Close()
			return nil, fmt.Errorf("sqlstore: open sqlite checkpointer: %w", err)
		}
		db.w, db.r = w, r
		db.ckpt = newCheckpointer(c)
		db.d = dialect{engine: SQLite, like: "LIKE"}
	}
	db.a = db.r
	if err := db.w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: connect: %w", err)
	}
	return db, nil
}

// ConnectTimeout bounds opening a PostgreSQL connection when the DSN sets
// no connect_timeout: a server that is down or unreachable fails the
// request (503 at the HTTP edge) instead of holding it.
const ConnectTimeout = 5 * time.Second

// withConnectTimeout adds connect_timeout to a postgres:// DSN without one.
// Statements need no timeout of their own: they run with the request's
// context, which has a deadline (web's RequestTimeout), and background
// jobs may legitimately run long.
func withConnectTimeout(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn // pgx reports the bad DSN
	}
	q := u.Query()
	if q.Has("connect_timeout") {
		return dsn
	}
	q.Set("connect_timeout", fmt.Sprint(int(ConnectTimeout.Seconds())))
	u.RawQuery = q.Encode()
	return u.String()
}

// Engine reports which engine the store runs on.
func (db *DB) Engine() Engine { return db.d.engine }

// Close closes both pools.
func (db *DB) Close() error {
	// Before the writer: a checkpoint must not outlive the store.
	ckerr := db.ckpt.close()
	db.closeStmts()
	err := errors.Join(db.rstmt.close(), db.w.Close())
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	if db.a != nil && db.a != db.r {
		err = errors.Join(err, db.a.Close())
	}
	if db.seq != nil {
		err = errors.Join(err, db.seq.Close())
	}
	return errors.Join(err, ckerr)
}

// UseReadReplica sends the KPI and dashboard reads to a PostgreSQL read
// replica of this database (a hot standby), keeping the primary for
// everything a user expects to see at once after writing it. Those reads
// state their lag, and RollupLag adds how far the replica trails.
func (db *DB) UseReadReplica(ctx context.Context, dsn string) error {
	if db.d.engine != Postgres || !IsPostgres(dsn) {
		return fmt.Errorf("sqlstore: a read replica needs PostgreSQL for both the database and the replica")
	}
	p, err := sql.Open("pgx", withConnectTimeout(dsn))
	if err != nil {
		return fmt.Errorf("sqlstore: open read replica: %w", err)
	}
	p.SetMaxOpenConns(20)
	p.SetMaxIdleConns(10)
	p.SetConnMaxIdleTime(5 * time.Minute)
	var migrated int
	if err := p.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&migrated); err != nil {
		p.Close()
		return fmt.Errorf("sqlstore: read replica: not a copy of an aftersales database: %w", err)
	}
	db.a = p
	return nil
}

// Ping checks that the database answers; used by /readyz.
func (db *DB) Ping(ctx context.Context) error { return db.r.PingContext(ctx) }

// Tx is a write transaction with the time fixed at its start, so every row
// it writes agrees on "now".
type Tx struct {
	*sql.Tx
	db  *DB
	now time.Time
	cfg *configSnap // pinned for the span of one ticket write (pinConfig)
	// cust is a new ticket's customer, pinned for the span of its write
	// (pinCustomer).
	cust *customerRow
	// suggested holds a new ticket's text model suggestions for routing
	// (textclass.go).
	suggested map[string]aftersales.Predicted
	// stmts holds the cached statements bound to this transaction.
	stmts map[*sql.Stmt]*sql.Stmt
}

func (db *DB) begin(ctx context.Context) (*Tx, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapErr(fmt.Errorf("sqlstore: begin: %w", err))
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC().Truncate(time.Millisecond)}, nil
}

// inTx runs fn in a write transaction and commits it when fn succeeds.
func (db *DB) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer db.prepareDue(ctx) // after the rollback below: the writer is free again
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	// An idempotent request's key commits with its work, never apart.
	if err := db.recordKey(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapErr(fmt.Errorf("sqlstore: commit: %w", err))
	}
	db.ckpt.committed()
	if r := aftersales.IdempotentFromContext(ctx); r != nil {
		r.Recorded = true
	}
	if db.AfterCommit != nil {
		db.AfterCommit(ctx)
	}
	return nil
}

// queryer is what both *sql.DB and *Tx offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// mapErr turns constraint violations into application errors; anything
// else passes through as an internal error.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "A record with this value already exists.", Fields: uniqueField(se.Error())}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return aftersales.Errorf(aftersales.EINVALID, "A referenced record does not exist.")
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return aftersales.Errorf(aftersales.EINVALID, "A value is out of range.")
		}
		// Another process held the database past busy_timeout (a long
		// import, a backup on a slow disk): the caller may retry.
		if c := se.Code() & 0xff; c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED {
			return fmt.Errorf("%w: %w", errBusy, err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "A record with this value already exists.", Fields: uniqueField(pe.Detail)}
		case "23503":
			return aftersales.Errorf(aftersales.EINVALID, "A referenced record does not exist.")
		case "23514", "23502":
			return aftersales.Errorf(aftersales.EINVALID, "A value is out of range.")
		}
	}
	return err
}

// errBusy is the application error of a database that stayed locked.
var errBusy = &aftersales.Error{Code: aftersales.EUNAVAILABLE, Message: "The database is busy; please try again shortly."}

// uniqueField names the column of a unique violation from the engine's
// message: SQLite says "UNIQUE constraint failed: users.email", PostgreSQL
// "Key (email)=(a@b) already exists."
func uniqueField(msg string) []aftersales.FieldError {
	col := ""
	if i := strings.LastIndex(msg, "failed: index '"); i >= 0 {
		// Partial unique indexes are reported by name.
		name := strings.TrimSuffix(strings.Fields(msg[i+len("failed: index '"):] + " ")[0], "'")
		col = uniqueIndexFields[name]
	} else if i := strings.LastIndex(msg, "failed: "); i >= 0 {
		col = msg[i+len("failed: "):]
		col = strings.TrimSuffix(strings.Fields(col + " ")[0], ",")
		if j := strings.LastIndexByte(col, '.'); j >= 0 {
			col = col[j+1:]
		}
		col = strings.TrimRight(col, ")")
	} else if i := strings.Index(msg, "Key ("); i >= 0 {
		col = msg[i+5:]
		if j := strings.IndexByte(col, ')'); j >= 0 {
			col = col[:j]
		}
	}
	if col == "" {
		return nil
	}
	return []aftersales.FieldError{{Field: col, Reason: "is already in use"}}
}

// uniqueIndexFields names the field behind each partial unique index.
var uniqueIndexFields = map[string]string{"tickets_external": "external_id", "customers_external": "external_id"}

// notFound returns ENOTFOUND for sql.ErrNoRows and wraps anything else.
func notFound(err error, what string, id any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return aftersales.Errorf(aftersales.ENOTFOUND, "%s %v not found.", what, id)
	}
	return fmt.Errorf("sqlstore: find %s %v: %w", what, id, err)
}

// Time helpers: instants are UTC unix milliseconds in both engines.

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func timePtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMS(n.Int64)
	return &t
}

func int64Ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sqlstore: marshal %T: %v", v, err))
	}
	return string(b)
}

// checkSearch refuses a search text ("q") the engines would read
// differently: invalid UTF-8 or a NUL character.
func checkSearch(q string) error {
	var v aftersales.Validator
	v.Text("q", q)
	return v.Err()
}

// escapeLike escapes LIKE wildcards so a search for "50%" finds "50%".
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// exists reports whether a row with id exists in table (a constant).
func exists(ctx context.Context, q queryer, table string, id int64) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, "SELECT 1 FROM "+table+" WHERE id = $1", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// checkRefs verifies that each named id exists, naming the field of each
// one that does not. Tables are constants chosen by callers.
func checkRefs(ctx context.Context, q queryer, refs ...ref) error {
	var v aftersales.Validator
	for _, r := range refs {
		if r.id == nil {
			continue
		}
		ok, err := exists(ctx, q, r.table, *r.id)
		if err != nil {
			return fmt.Errorf("sqlstore: check %s: %w", r.field, err)
		}
		v.Check(ok, r.field, fmt.Sprintf("%d does not exist", *r.id))
	}
	return v.Err()
}

type ref struct {
	field string
	table string
	id    *int64
}

// staff allows any signed-in, active staff member: reference data (the
// catalog, the network, tiers, custom fields) is for everyone who works
// tickets, and for no one else.
func staff(ctx context.Context) error {
	_, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	return err
}

// collect scans every row with scan and closes rows. An empty result is
// an empty slice, so the API answers [] rather than null.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (*T, error)) ([]*T, error) {
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Services returns the store as every service it implements.
func (db *DB) Services() aftersales.Services {
	return aftersales.Services{Users: db, Tickets: db, Customers: db, Catalog: db, Network: db, Settings: db, SLA: db, Notify: db,
		Webhooks: db, Routing: db, Automate: db, Imports: db, Intake: db, Metrics: db, Quality: db, Improve: db, Costs: db,
		Parts: db, Visits: db, Followups: db, Surveys: db, Dispatch: db,
		TextClass: db, Complaints: db, Portal: db, KB: db,
		Checklists: db, FieldCosts: db, Text: db, Segments: db,
		Sentiment: db, Channels: db}
}
