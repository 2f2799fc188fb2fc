package jobs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/auth"
	"aftersales/internal/jobs"
	"aftersales/internal/mail"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// counter is a webhook receiver that counts deliveries by delivery id.
type counter struct {
	mu  sync.Mutex
	got map[string]int
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	c.mu.Lock()
	c.got[r.Header.Get("X-Aftersales-Delivery")]++
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (c *counter) distinct() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

// TestTwoInstancesDeliverOnce runs two instances (two stores on one
// database, each with its webhook and email jobs) against a real receiver
// and SMTP sink until the outboxes are drained: every webhook delivery and
// every email arrives exactly once.
func TestTwoInstancesDeliverOnce(t *testing.T) {
	const n = 120 // tickets; each enqueues one webhook delivery and one email
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			dsn := testutil.DSN(t, e)
			var dbs []*sqlstore.DB
			for i := range 2 {
				db, err := sqlstore.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				db.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
				db.Zone = testutil.Shanghai(t)
				db.EmailNotifications = true
				db.Instance = fmt.Sprintf("instance-%d", i)
				if i == 0 {
					if err := db.Migrate(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
				dbs = append(dbs, db)
			}
			a := dbs[0]
			ctx, _ := testutil.Admin(t, a)
			rc := &counter{got: map[string]int{}}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			sk := testutil.StartSMTP(t, 0)
			hook, err := a.CreateWebhook(ctx, aftersales.Webhook{URL: srv.URL + "/hook", Secret: "s3cret-s3cret-s3cret", Active: true,
				Events: []string{aftersales.HookTicketCreated}})
			if err != nil {
				t.Fatal(err)
			}
			testutil.MustUser(t, ctx, a, "supervisor@example.com", aftersales.RoleSupervisor, nil)
			if _, err := a.CreateAutomation(ctx, aftersales.AutomationRule{Name: "新工单提醒", Active: true, Trigger: aftersales.TriggerCreated,
				Actions: []aftersales.AutomationAction{{Kind: aftersales.ActionNotify, Notify: aftersales.NotifySupervisor, Text: "有新的工单"}}}); err != nil {
				t.Fatal(err)
			}
			c := testutil.MustCustomer(t, ctx, a, "客户")
			numbers := map[string]bool{}
			for i := range n {
				numbers[testutil.MustTicket(t, ctx, a, c.ID, fmt.Sprintf("工单 %d", i)).Number] = true
			}

			// Each instance runs both jobs, all four at once, ticking until
			// the receivers have everything (bounded, no sleeping). A loop
			// that runs out of ticks is not a failure by itself: its twin
			// on the other instance may hold every row it could claim and
			// still be sending them; what counts is what arrived.
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			run := func(job func(context.Context) (bool, error), done func() bool) {
				wg.Go(func() {
					for range 10000 {
						if done() {
							return
						}
						if _, err := job(context.Background()); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			for _, db := range dbs {
				run(jobs.DeliverWebhooks(db, srv.Client(), log), func() bool { return rc.distinct() >= n })
				sender := &mail.Sender{Addr: sk.Addr, From: "aftersales@example.com", TLS: mail.TLSNone, Timeout: 5 * time.Second}
				run(jobs.SendEmails(db, sender, log), func() bool { return len(sk.Messages()) >= n })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if got, mails := rc.distinct(), len(sk.Messages()); got < n || mails < n {
				t.Fatalf("outbox not drained: %d of %d webhooks, %d of %d emails arrived", got, n, mails, n)
			}
			// One more tick of every job: nothing is left to send.
			for _, db := range dbs {
				for _, job := range []func(context.Context) (bool, error){jobs.DeliverWebhooks(db, srv.Client(), log),
					jobs.SendEmails(db, &mail.Sender{Addr: sk.Addr, From: "aftersales@example.com", TLS: mail.TLSNone, Timeout: 5 * time.Second}, log)} {
					if _, err := job(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
			}

			twice := 0
			for id, k := range rc.got {
				if k != 1 {
					twice++
					t.Errorf("delivery %s arrived %d times", id, k)
				}
			}
			if len(rc.got) != n || twice != 0 {
				t.Errorf("webhooks: %d distinct deliveries, %d more than once; want %d once each", len(rc.got), twice, n)
			}
			ds, err := a.ListDeliveries(ctx, hook.ID, 500)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				if d.Status != "delivered" || d.Attempts != 1 {
					t.Errorf("delivery record %s: %s after %d attempts", d.DeliveryID, d.Status, d.Attempts)
				}
			}

			perTicket := map[string]int{}
			for _, m := range sk.Messages() {
				for num := range numbers {
					if strings.Contains(m.Data, num) {
						perTicket[num]++
					}
				}
			}
			for num := range numbers {
				if perTicket[num] != 1 {
					t.Errorf("email for %s arrived %d times", num, perTicket[num])
				}
			}
			if got := len(sk.Messages()); got != n {
				t.Errorf("emails: %d, want %d", got, n)
			}
		})
	}
}
