package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/auth"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// twoInstances opens one database twice, as two servers would: a is
// migrated, b shares it. Both read the same clock.
func twoInstances(t *testing.T, e sqlstore.Engine, clock *Clock) (a, b *sqlstore.DB) {
	t.Helper()
	dsn := DSN(t, e)
	open := func(name string) *sqlstore.DB {
		db, err := sqlstore.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		db.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
		db.Zone = Shanghai(t)
		db.Now = clock.Now
		db.Instance = name
		return db
	}
	a = open("a")
	if err := a.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a, open("b")
}

// claimAll claims on both instances at once until neither finds work and
// returns how often each row id was handed out.
func claimAll(t *testing.T, claim func(db *sqlstore.DB) ([]int64, error), dbs ...*sqlstore.DB) map[int64]int {
	t.Helper()
	var mu sync.Mutex
	got := map[int64]int{}
	var wg sync.WaitGroup
	errs := make([]error, len(dbs))
	for i, db := range dbs {
		wg.Go(func() {
			for range 1000 {
				ids, err := claim(db)
				if err != nil {
					errs[i] = err
					return
				}
				if len(ids) == 0 {
					return
				}
				mu.Lock()
				for _, id := range ids {
					got[id]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return got
}

// TestOutboxClaims: two instances claiming the same outboxes at once get
// each due row exactly once; a claim whose lease ran out is claimed again
// (a crashed sender's rows are retried); and no attempt recorded late
// turns a delivered row back to pending or counts twice.
func TestOutboxClaims(t *testing.T) {
	const n, lease = 60, time.Minute
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := NewClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
			a, b := twoInstances(t, e, clock)
			ctx, _ := Admin(t, a)
			hook, err := a.CreateWebhook(ctx, aftersales.Webhook{URL: "http://127.0.0.1:1/hook", Secret: "s3cret-s3cret-s3cret", Active: true,
				Events: []string{aftersales.HookTicketCreated}})
			if err != nil {
				t.Fatal(err)
			}
			c := MustCustomer(t, ctx, a, "客户")
			for i := range n {
				MustTicket(t, ctx, a, c.ID, fmt.Sprintf("工单 %d", i))
				if err := a.ExecRaw(ctx, `INSERT INTO email_outbox (to_addr, subject, body, next_attempt_at, created_at) VALUES ($1, $2, 'b', $3, $3)`,
					fmt.Sprintf("u%d@example.com", i), fmt.Sprintf("s%d", i), clock.Now().UnixMilli()); err != nil {
					t.Fatal(err)
				}
			}
			deliveries := func(db *sqlstore.DB) ([]int64, error) {
				ds, err := db.ClaimDeliveries(ctx, 7, lease)
				var ids []int64
				for _, d := range ds {
					ids = append(ids, d.ID)
				}
				return ids, err
			}
			emails := func(db *sqlstore.DB) ([]int64, error) {
				es, err := db.ClaimEmails(ctx, 7, lease)
				var ids []int64
				for _, e := range es {
					ids = append(ids, e.ID)
				}
				return ids, err
			}
			for name, claim := range map[string]func(*sqlstore.DB) ([]int64, error){"webhooks": deliveries, "emails": emails} {
				got := claimAll(t, claim, a, b)
				if len(got) != n {
					t.Errorf("%s: %d rows claimed, want %d", name, len(got), n)
				}
				for id, k := range got {
					if k != 1 {
						t.Errorf("%s: row %d claimed %d times", name, id, k)
					}
				}
				if again := claimAll(t, claim, a, b); len(again) != 0 {
					t.Errorf("%s: claimed again within the lease: %v", name, again)
				}
			}

			// The claims' holders "crash": after the lease the rows are due again.
			clock.Advance(lease + time.Second)
			if got := claimAll(t, deliveries, b); len(got) != n {
				t.Fatalf("after the lease %d deliveries claimed again, want %d", len(got), n)
			}

			// One row, two senders: a's lease runs out, b takes over.
			clock.Advance(lease + time.Second)
			first, err := a.ClaimDeliveries(ctx, 1, lease)
			if err != nil || len(first) != 1 {
				t.Fatalf("claim: %v %v", first, err)
			}
			id, claimA := first[0].ID, first[0].Claim
			clock.Advance(lease + time.Second)
			var claimB string
			for _, d := range must(b.ClaimDeliveries(ctx, n, lease)) {
				if d.ID == id {
					claimB = d.Claim
				}
			}
			if claimB == "" || claimB == claimA {
				t.Fatalf("b did not take the expired claim over: %q vs %q", claimB, claimA)
			}
			// a's late failure does not count against b's claim...
			if err := a.RecordAttempt(ctx, id, claimA, 503, "late"); err != nil {
				t.Fatal(err)
			}
			// ...b delivers, and neither a late failure nor a second
			// success changes the delivered row.
			steps := []struct {
				db     *sqlstore.DB
				claim  string
				status int
			}{{b, claimB, 204}, {a, claimA, 500}, {b, claimB, 500}, {a, claimA, 200}}
			for _, s := range steps {
				if err := s.db.RecordAttempt(ctx, id, s.claim, s.status, "x"); err != nil {
					t.Fatal(err)
				}
			}
			var rec *aftersales.WebhookDelivery
			for _, d := range must(a.ListDeliveries(ctx, hook.ID, 500)) {
				if d.ID == id {
					rec = d
				}
			}
			if rec == nil || rec.Status != "delivered" || rec.Attempts != 1 || rec.LastStatus != 204 || rec.DeliveredAt == nil {
				t.Fatalf("delivery after late attempts: %+v", rec)
			}

			// The same for an email: sent stays sent.
			clock.Advance(lease + time.Second)
			es, err := a.ClaimEmails(ctx, 1, lease)
			if err != nil || len(es) != 1 {
				t.Fatalf("claim email: %v %v", es, err)
			}
			if err := b.RecordEmailAttempt(ctx, es[0].ID, "stale", "not mine"); err != nil {
				t.Fatal(err)
			}
			for _, msg := range []string{"", "421 later", ""} {
				if err := a.RecordEmailAttempt(ctx, es[0].ID, es[0].Claim, msg); err != nil {
					t.Fatal(err)
				}
			}
			if got := a.CountForTest(ctx, `SELECT count(*) FROM email_outbox WHERE id = $1 AND status = 'sent' AND attempts = 1 AND last_error = ''`, es[0].ID); got != 1 {
				t.Fatal("the sent email was changed by later attempts")
			}

			// A failure by the claim's holder is counted once and backs off.
			clock.Advance(lease + time.Second)
			es, err = a.ClaimEmails(ctx, 1, lease)
			if err != nil || len(es) != 1 {
				t.Fatalf("claim email: %v %v", es, err)
			}
			if err := a.RecordEmailAttempt(ctx, es[0].ID, es[0].Claim, "421 later"); err != nil {
				t.Fatal(err)
			}
			if err := a.RecordEmailAttempt(ctx, es[0].ID, es[0].Claim, "421 again"); err != nil {
				t.Fatal(err)
			}
			want := clock.Now().Add(sqlstore.Backoff(es[0].Attempts + 1)).UnixMilli()
			if got := a.CountForTest(ctx, `SELECT count(*) FROM email_outbox WHERE id = $1 AND status = 'pending' AND attempts = $2 AND next_attempt_at = $3 AND claimed_by = ''`,
				es[0].ID, es[0].Attempts+1, want); got != 1 {
				t.Fatal("a failed attempt was not recorded once with its backoff")
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestImprovementEscalationOnce: two sweeps that read the same late items
// escalate each once; with two instances on PostgreSQL, one sweeps while
// the other skips.
func TestImprovementEscalationOnce(t *testing.T) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := NewClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
			a, b := twoInstances(t, e, clock)
			ctx, _ := Admin(t, a)
			sup := MustUser(t, ctx, a, "sup@example.com", aftersales.RoleSupervisor, nil)
			item := func(title string) {
				if _, err := a.CreateItem(ctx, aftersales.ItemInput{Title: title, KPI: "frt_mean", TargetDate: "2026-12-02", OwnerID: &sup.ID}); err != nil {
					t.Fatal(err)
				}
			}
			overdue := func() int64 {
				return a.CountForTest(ctx, `SELECT count(*) FROM notifications WHERE kind = 'improvement.overdue'`)
			}
			item("首次响应太慢")
			clock.Advance(3 * 24 * time.Hour)

			first, second, err := a.EscalateLateItemsTwiceForTest(ctx)
			if err != nil || first != 1 || second != 0 || overdue() != 1 {
				t.Fatalf("escalations from one list: first %d, second %d, notifications %d, %v", first, second, overdue(), err)
			}

			item("上门不准时")
			if e == sqlstore.Postgres {
				var skipped int
				ran, err := a.HoldJobForTest(ctx, "improvement-loop", func() {
					skipped, err = b.SweepImprovements(ctx)
				})
				if err != nil || !ran || skipped != 0 || overdue() != 1 {
					t.Fatalf("a second instance swept while the first held the job: ran %v, %d, %d notifications, %v", ran, skipped, overdue(), err)
				}
			}
			// Both instances at once: one escalation.
			var wg sync.WaitGroup
			ns := make([]int, 2)
			errs := make([]error, 2)
			for i, db := range []*sqlstore.DB{a, b} {
				wg.Go(func() { ns[i], errs[i] = db.SweepImprovements(ctx) })
			}
			wg.Wait()
			if errs[0] != nil || errs[1] != nil || ns[0]+ns[1] != 1 || overdue() != 2 {
				t.Fatalf("two sweeps at once: %v %v, notifications %d, %v", ns, slices.Clone(errs), overdue(), errs)
			}
		})
	}
}

// TestExclusiveJob: a job wrapped with Exclusive skips its tick while
// another instance runs it (PostgreSQL), and runs otherwise.
func TestExclusiveJob(t *testing.T) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			a, b := twoInstances(t, e, NewClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)))
			calls := 0
			job := b.Exclusive("kpi-recompute", func(context.Context) (bool, error) { calls++; return false, nil })
			var err error
			ran, herr := a.HoldJobForTest(context.Background(), "kpi-recompute", func() { _, err = job(context.Background()) })
			if herr != nil || err != nil || !ran {
				t.Fatal(herr, err, ran)
			}
			want := 0
			if e == sqlstore.SQLite {
				want = 1 // one process owns the file: no lock
			}
			if calls != want {
				t.Fatalf("while held elsewhere the job ran %d times, want %d", calls, want)
			}
			if _, err := job(context.Background()); err != nil || calls != want+1 {
				t.Fatalf("released: calls %d, %v", calls, err)
			}
		})
	}
}
