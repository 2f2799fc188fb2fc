// Package testutil opens real test databases: a SQLite file in t.TempDir()
// always, and a fresh PostgreSQL database per test (cloned from a migrated
// template) when AFTERSALES_TEST_PG holds a server DSN. Tests never mock
// the database.
package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/auth"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil/shareddata"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// PGEnv names the variable holding the PostgreSQL server DSN for tests.
const PGEnv = "AFTERSALES_TEST_PG"

// Engines lists the engines every store test runs on. Without
// AFTERSALES_TEST_PG the PostgreSQL runs are skipped where they open their
// database (DSN), visibly, and fail under CI=true.
func Engines() []sqlstore.Engine {
	return []sqlstore.Engine{sqlstore.SQLite, sqlstore.Postgres}
}

// CI reports whether the tests run in CI (CI=true, as .ci/run sets it),
// where what a developer's machine may lack must be there.
func CI() bool { return shareddata.CI() }

// missing skips the test because something it needs is absent, or fails
// it under CI. The first skip of the process is also printed, so that a
// run without -v says what it did not test.
func missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	shareddata.Missing(tb, format, args...)
}

// ForEachEngine runs fn as a subtest on every engine of this run.
func ForEachEngine(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) { fn(t, OpenDB(t, e)) })
	}
}

// OpenDB opens a migrated, empty store on engine e, closed at cleanup.
// Password hashing uses cheap parameters so tests stay fast.
func OpenDB(tb testing.TB, e sqlstore.Engine) *sqlstore.DB {
	tb.Helper()
	dsn := DSN(tb, e)
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	db.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
	db.Zone = Shanghai(tb)
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// DSN returns a fresh database for engine e: a file path for SQLite, a new
// database cloned from the migrated template for PostgreSQL.
func DSN(tb testing.TB, e sqlstore.Engine) string {
	tb.Helper()
	if e == sqlstore.SQLite {
		return filepath.Join(tb.TempDir(), "test.db")
	}
	server := os.Getenv(PGEnv)
	if server == "" {
		missing(tb, "%s is not set: no PostgreSQL test (bash .ci/pg.sh starts one and prints its DSN)", PGEnv)
	}
	tpl, err := pgTemplate(server)
	if err != nil {
		tb.Fatal(err)
	}
	name := "t_" + strings.ToLower(rand.Text()[:12])
	admin, err := sql.Open("pgx", server)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	pgMu.Lock()
	_, err = admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + tpl)
	pgMu.Unlock()
	if err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", server)
		if err == nil {
			a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			a.Close()
		}
	})
	return withDB(server, name)
}

var (
	pgMu      sync.Mutex
	pgOnce    sync.Once
	pgTplName string
	pgTplErr  error
)

// pgTemplate creates, once per test process, a template database with
// every migration applied; each test then clones it in about 0.1 s.
func pgTemplate(server string) (string, error) {
	pgOnce.Do(func() {
		pgTplName = fmt.Sprintf("tpl_%d_%s", os.Getpid(), strings.ToLower(rand.Text()[:6]))
		admin, err := sql.Open("pgx", server)
		if err != nil {
			pgTplErr = err
			return
		}
		defer admin.Close()
		dropDeadTemplates(admin)
		if _, err := admin.Exec(`CREATE DATABASE ` + pgTplName); err != nil {
			pgTplErr = fmt.Errorf("create template: %w", err)
			return
		}
		db, err := sqlstore.Open(context.Background(), withDB(server, pgTplName))
		if err != nil {
			pgTplErr = err
			return
		}
		pgTplErr = db.Migrate(context.Background())
		db.Close()
	})
	return pgTplName, pgTplErr
}

// ReplicaEnv names the variable holding the DSN of a hot standby of the
// AFTERSALES_TEST_PG server (bash .ci/pg-replica.sh starts one).
const ReplicaEnv = "AFTERSALES_TEST_PG_REPLICA"

// ReplicaDSN names database dsn (made by DSN) on the hot standby, once
// the standby has replayed everything the primary had written when it was
// called, so the database exists there.
func ReplicaDSN(tb testing.TB, dsn string) string {
	tb.Helper()
	server := os.Getenv(ReplicaEnv)
	if server == "" {
		missing(tb, "%s is not set: no read-replica test (bash .ci/pg-replica.sh starts a standby and prints its DSN)", ReplicaEnv)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	r := withDB(server, strings.TrimPrefix(u.Path, "/"))
	WaitForReplay(tb, dsn, server)
	return r
}

// WaitForReplay waits until the standby at replica has replayed the WAL
// the primary at primary had written when called.
func WaitForReplay(tb testing.TB, primary, replica string) {
	tb.Helper()
	p, err := sql.Open("pgx", primary)
	if err != nil {
		tb.Fatal(err)
	}
	defer p.Close()
	var lsn string
	if err := p.QueryRow(`SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		tb.Fatal(err)
	}
	r, err := sql.Open("pgx", replica)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	for deadline := time.Now().Add(time.Minute); ; {
		var done bool
		if err := r.QueryRow(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, lsn).Scan(&done); err != nil {
			tb.Fatal(err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the standby did not replay %s within a minute", lsn)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, not timing
	}
}

// dropDeadTemplates drops the templates (and test databases left by a
// killed run) of test processes on this machine that no longer run: a
// template lives as long as its process, which has no hook to drop it.
func dropDeadTemplates(admin *sql.DB) {
	rows, err := admin.Query(`SELECT datname FROM pg_database WHERE datname LIKE 'tpl\_%'`)
	if err != nil {
		return
	}
	var dead []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		parts := strings.SplitN(name, "_", 3)
		pid, err := strconv.Atoi(parts[1])
		if len(parts) == 3 && err == nil && pid > 0 && pid != os.Getpid() && syscall.Kill(pid, 0) == syscall.ESRCH {
			dead = append(dead, name)
		}
	}
	rows.Close()
	for _, name := range dead {
		admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	}
}

func withDB(server, name string) string {
	u, err := url.Parse(server)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Shanghai returns Asia/Shanghai, the default deployment zone.
func Shanghai(tb testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// Clock is a settable clock for db.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Admin creates an administrator and returns a context acting as them.
func Admin(tb testing.TB, db *sqlstore.DB) (context.Context, *aftersales.User) {
	tb.Helper()
	u, err := db.BootstrapUser(context.Background(), aftersales.UserInput{Email: "admin@example.com", Name: "管理员", Role: aftersales.RoleAdmin, Password: "admin-password-1"})
	if err != nil {
		tb.Fatal(err)
	}
	return aftersales.NewContextWithUser(context.Background(), u), u
}

// MustUser creates a user with role r acting through ctx.
func MustUser(tb testing.TB, ctx context.Context, db *sqlstore.DB, email string, r aftersales.Role, teamID *int64) *aftersales.User {
	tb.Helper()
	u, err := db.CreateUser(ctx, aftersales.UserInput{Email: email, Name: strings.Split(email, "@")[0], Role: r, TeamID: teamID, Password: "password-123456"})
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// MustCustomer creates a customer.
func MustCustomer(tb testing.TB, ctx context.Context, db *sqlstore.DB, name string) *aftersales.Customer {
	tb.Helper()
	c, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: name, Phone: "13800138000"})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// Ptr returns a pointer to v.
func Ptr[T any](v T) *T { return &v }

// TicketInput returns a valid creation input for customer id.
func TicketInput(customerID int64, title string) aftersales.TicketInput {
	return aftersales.TicketInput{
		Channel: Ptr(aftersales.ChannelPhone), Nature: Ptr(aftersales.NatureRepair), Urgency: Ptr(aftersales.UrgencyNormal),
		Title: Ptr(title), Description: Ptr("描述: " + title), CustomerID: Ptr(customerID),
	}
}

// MustTicket creates a ticket.
func MustTicket(tb testing.TB, ctx context.Context, db *sqlstore.DB, customerID int64, title string) *aftersales.Ticket {
	tb.Helper()
	t, err := db.CreateTicket(ctx, TicketInput(customerID, title))
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// SharedData returns the path of a file in ../shared/data (beside the
// repository), skipping the test when it is absent (failing it under
// CI=true). Tests only read there: what they write goes to t.TempDir().
func SharedData(tb testing.TB, name string) string {
	tb.Helper()
	return shareddata.Path(tb, name)
}
