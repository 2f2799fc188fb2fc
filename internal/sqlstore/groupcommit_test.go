package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// inOneBatch runs n requests so that they share one transaction of the
// group commit: first requests hold every lane until all n have queued
// behind them, then let go. It fails the test unless they ran as one batch.
func inOneBatch(t *testing.T, ctx context.Context, db *sqlstore.DB, n int, req func(i int) error) []error {
	t.Helper()
	queued := make(chan int, 4*n)
	var mu sync.Mutex
	var batches []int
	db.WatchGroupForTest(func(k int) { queued <- k }, func(k int) { mu.Lock(); batches = append(batches, k); mu.Unlock() })
	defer db.WatchGroupForTest(nil, nil)
	lanes := db.GroupLanesForTest()
	held, started := make(chan struct{}), make(chan struct{}, lanes)
	holders := make(chan error, lanes)
	for range lanes {
		go func() { holders <- db.GroupExecForTest(ctx, func() { started <- struct{}{}; <-held }) }()
	}
	for range lanes {
		<-started
		<-queued // a holder's own arrival
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = req(i) })
	}
	for k := range queued {
		if k == n {
			break
		}
	}
	close(held)
	wg.Wait()
	for range lanes {
		if err := <-holders; err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(batches, n) {
		t.Fatalf("batches of %v, want the %d requests in one", batches, n)
	}
	return errs
}

// TestGroupCommitOneBadRequest: eight creates share one transaction; one
// takes an external id already in use (on PostgreSQL a failed statement
// aborts the whole transaction unless it is rolled back to a savepoint),
// one names a customer that does not exist. Those two fail with their
// own errors and leave nothing behind; the six others commit, with their
// timelines, SLA and numbers.
func TestGroupCommitOneBadRequest(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "客户")
		first := TicketInput(c.ID, "已有外部编号")
		first.ExternalID = Ptr("EXT-1")
		if _, err := db.CreateTicket(ctx, first); err != nil {
			t.Fatal(err)
		}
		const n = 8
		got := make([]*aftersales.Ticket, n)
		errs := inOneBatch(t, ctx, db, n, func(i int) error {
			in := TicketInput(c.ID, fmt.Sprintf("批量 %d", i))
			switch i {
			case 3:
				in.ExternalID = Ptr("EXT-1")
			case 5:
				in.CustomerID = Ptr(int64(999999))
			}
			var err error
			got[i], err = db.CreateTicket(ctx, in)
			return err
		})
		for i, err := range errs {
			switch i {
			case 3:
				var ae *aftersales.Error
				if !errors.As(err, &ae) || ae.Code != aftersales.ECONFLICT || len(ae.Fields) == 0 || ae.Fields[0].Field != "external_id" {
					t.Errorf("request 3 (taken external id): %v, want ECONFLICT on external_id", err)
				}
			case 5:
				if aftersales.ErrorCode(err) != aftersales.EINVALID {
					t.Errorf("request 5 (no such customer): %v, want EINVALID", err)
				}
			default:
				if err != nil {
					t.Errorf("request %d: %v", i, err)
				} else if got[i].Title != fmt.Sprintf("批量 %d", i) {
					t.Errorf("request %d answered with ticket %q", i, got[i].Title)
				}
			}
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM tickets WHERE title LIKE '批量 %'`); n != 6 {
			t.Errorf("%d tickets of the batch committed, want 6", n)
		}
		for _, title := range []string{"批量 3", "批量 5"} {
			if n := db.CountForTest(ctx, `SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.title = $1`, title); n != 0 {
				t.Errorf("%s failed but left %d events", title, n)
			}
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM ticket_events WHERE kind = 'created'`); n != 7 {
			t.Errorf("%d creation events, want 7", n)
		}
		if n := db.CountForTest(ctx, `SELECT count(DISTINCT number) FROM tickets`); n != 7 {
			t.Errorf("%d distinct numbers among 7 tickets", n)
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM audit_log WHERE action = 'create' AND entity = 'ticket'`); n != 7 {
			t.Errorf("%d audit rows for ticket creation, want 7", n)
		}
	})
}

// TestGroupCommitIdempotency: two creates with one Idempotency-Key in one
// batch make one ticket (the second is told the key is in progress and
// writes nothing), the key commits with its ticket, and a retry after
// the batch finds the key's result.
func TestGroupCommitIdempotency(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, admin := Admin(t, db)
		c := MustCustomer(t, ctx, db, "客户")
		req := func(key string) *aftersales.IdempotentRequest {
			return &aftersales.IdempotentRequest{UserID: admin.ID, Key: key, Method: "POST", Path: "/api/v1/tickets", BodyHash: "h-" + key}
		}
		reqs := []*aftersales.IdempotentRequest{req("k1"), req("k1"), req("k2")}
		got := make([]*aftersales.Ticket, len(reqs))
		errs := inOneBatch(t, ctx, db, len(reqs), func(i int) error {
			var err error
			got[i], err = db.CreateTicket(aftersales.NewContextWithIdempotent(ctx, reqs[i]), TicketInput(c.ID, fmt.Sprintf("幂等 %d", i)))
			return err
		})
		var won int
		switch {
		case errs[0] == nil && aftersales.ErrorCode(errs[1]) == aftersales.ECONFLICT:
			won = 0
		case errs[1] == nil && aftersales.ErrorCode(errs[0]) == aftersales.ECONFLICT:
			won = 1
		default:
			t.Fatalf("same key twice in a batch: %v and %v, want one success and one ECONFLICT", errs[0], errs[1])
		}
		if errs[2] != nil {
			t.Fatalf("another key in the batch: %v", errs[2])
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM tickets WHERE title IN ('幂等 0', '幂等 1')`); n != 1 {
			t.Errorf("%d tickets for key k1, want 1", n)
		}
		for i, r := range reqs {
			if want := i != 1-won; r.Recorded != want {
				t.Errorf("request %d: Recorded = %v, want %v", i, r.Recorded, want)
			}
		}
		for i, key := range []string{"k1", "k2"} {
			stored, err := db.BeginIdempotent(ctx, req(key))
			if err != nil {
				t.Fatal(err)
			}
			id := got[won].ID
			if i == 1 {
				id = got[2].ID
			}
			if stored == nil || stored.Result == nil {
				t.Fatalf("retry of %s: %+v, want the stored result", key, stored)
			}
			if diff := cmp.Diff(aftersales.IdempotentResult{Kind: "ticket", ID: id, Created: true}, *stored.Result); diff != "" {
				t.Errorf("retry of %s (-want +got):\n%s", key, diff)
			}
		}
	})
}

// TestGroupCommitFailure: when the shared commit fails (here a deferred
// foreign key one request of the batch broke, which the engine checks
// only at commit), no request of the batch is acknowledged and nothing of
// any is written; the next create works.
func TestGroupCommitFailure(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "客户")
		if err := db.ExecRaw(ctx, `CREATE TABLE gc_parent (id INTEGER PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		if err := db.ExecRaw(ctx, `CREATE TABLE gc_child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES gc_parent(id) DEFERRABLE INITIALLY DEFERRED)`); err != nil {
			t.Fatal(err)
		}
		const n = 5
		errs := inOneBatch(t, ctx, db, n, func(i int) error {
			if i == 2 {
				return db.GroupExecForTest(ctx, nil, `INSERT INTO gc_child (id, parent_id) VALUES (1, 42)`)
			}
			_, err := db.CreateTicket(ctx, TicketInput(c.ID, fmt.Sprintf("提交失败 %d", i)))
			return err
		})
		for i, err := range errs {
			if err == nil {
				t.Errorf("request %d succeeded although the commit failed", i)
			}
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM tickets`); n != 0 {
			t.Errorf("%d tickets written by a batch whose commit failed", n)
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM gc_child`); n != 0 {
			t.Errorf("%d rows of the failed batch in gc_child", n)
		}
		if _, err := db.CreateTicket(ctx, TicketInput(c.ID, "之后")); err != nil {
			t.Fatalf("create after a failed batch: %v", err)
		}
	})
}

// TestQueuedWrites: creates that find every lane busy count as queued
// (the background text analysis yields to them: jobs.YieldToWrites); a
// lone create, which finds a lane free, does not.
func TestQueuedWrites(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "客户")
		before := db.QueuedWrites()
		if _, err := db.CreateTicket(ctx, TicketInput(c.ID, "单独")); err != nil {
			t.Fatal(err)
		}
		if n := db.QueuedWrites() - before; n != 0 {
			t.Fatalf("a lone create counted %d queued writes, want 0", n)
		}
		const n = 5
		for i, err := range inOneBatch(t, ctx, db, n, func(i int) error {
			_, err := db.CreateTicket(ctx, TicketInput(c.ID, fmt.Sprintf("排队 %d", i)))
			return err
		}) {
			if err != nil {
				t.Errorf("request %d: %v", i, err)
			}
		}
		if got := db.QueuedWrites() - before; got != n {
			t.Errorf("%d queued writes counted, want the %d creates that waited for a lane", got, n)
		}
	})
}
