package mailin_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"aftersales/internal/auth"
	"aftersales/internal/files"
	"aftersales/internal/mailin"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestTwoInstancesReadOneMailbox: two instances on one PostgreSQL
// database (two stores, two pollers, nothing shared but the database and
// the Dovecot folder) read the same mailbox at the same time, as two
// `serve --role all` processes do. Every message becomes one ticket with
// one acknowledgement, also those without a Message-ID, and the instance
// that comes second records no failure: before, both created the ticket,
// one lost on the unique message id and counted a failed attempt (a
// message without a Message-ID of its own is hashed, so it too was only
// kept once by that index).
func TestTwoInstancesReadOneMailbox(t *testing.T) {
	dsn := testutil.DSN(t, sqlstore.Postgres)
	b := dovecotBox(t)
	open := func(name string) *sqlstore.DB {
		db, err := sqlstore.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		db.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
		db.Zone, db.Instance, db.EmailNotifications, db.MailDomain = testutil.Shanghai(t), name, true, "acme.cn"
		return db
	}
	a := open("a")
	if err := a.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	dbs := []*sqlstore.DB{a, open("b")}

	const n = 24
	for i := range n {
		if i%3 == 2 { // no Message-ID: the poller derives one from the content
			b.deliver(t, plain(fmt.Sprintf("c%d@example.com", i), fmt.Sprintf("热水器不加热 %d", i), "没有热水"))
			continue
		}
		b.deliver(t, plain(fmt.Sprintf("c%d@example.com", i), fmt.Sprintf("热水器不加热 %d", i), "没有热水",
			fmt.Sprintf("Message-ID: <two-%d@example.com>", i)))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([][]error, len(dbs))
	for i, db := range dbs {
		store, err := files.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		p := &mailin.Poller{Intake: db, Files: store, Now: db.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Timeout: 10 * time.Second, Batch: 4}
		wg.Go(func() {
			// Passes until a whole pass finds nothing new: the other
			// instance may still be receiving what this one fetched.
			for idle := 0; idle < 2 && ctx.Err() == nil; {
				more, err := p.Poll(ctx, b.mb)
				if err != nil {
					errs[i] = append(errs[i], err)
				}
				if !more && err == nil {
					idle++
				}
			}
		})
	}
	wg.Wait()
	for i, e := range errs {
		for _, err := range e {
			t.Errorf("instance %d: %v", i, err)
		}
	}

	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	count := func(q string) int {
		t.Helper()
		var c int
		if err := raw.QueryRow(q).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	if got := count(`SELECT count(*) FROM tickets`); got != n {
		t.Errorf("tickets: %d, want %d", got, n)
	}
	if got := count(`SELECT count(DISTINCT title) FROM tickets`); got != n {
		t.Errorf("distinct titles: %d, want %d", got, n)
	}
	if got := count(`SELECT count(*) FROM channel_messages WHERE direction = 'in'`); got != n {
		t.Errorf("inbound messages recorded: %d, want %d", got, n)
	}
	if got := count(`SELECT count(*) FROM email_outbox`); got != n {
		t.Errorf("acknowledgements queued: %d, want %d", got, n)
	}
	if got := count(`SELECT count(*) FROM mail_failures`); got != 0 {
		t.Errorf("failures recorded: %d, want none", got)
	}
}
