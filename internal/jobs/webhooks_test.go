package jobs_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/jobs"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// receiver is a real HTTP server on loopback that refuses the first
// `fail` attempts of every delivery and checks each signature.
type receiver struct {
	mu       sync.Mutex
	fail     int
	attempts map[string]int
	bodies   map[string]string
	badSig   int
	secret   string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !jobs.Verify(rc.secret, body, r.Header.Get("X-Aftersales-Signature")) {
		rc.badSig++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	id := r.Header.Get("X-Aftersales-Delivery")
	rc.attempts[id]++
	if prev, ok := rc.bodies[id]; ok && prev != string(body) {
		rc.badSig++ // a retry must resend the same body
	}
	rc.bodies[id] = string(body)
	if rc.attempts[id] <= rc.fail {
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func TestWebhookDelivery(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := testutil.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := testutil.Admin(t, db)
		rc := &receiver{fail: 2, attempts: map[string]int{}, bodies: map[string]string{}, secret: "s3cret-s3cret-s3cret"}
		srv := httptest.NewServer(rc)
		defer srv.Close()

		_, err := db.CreateWebhook(ctx, aftersales.Webhook{URL: "ftp://x", Secret: "short", Events: []string{"ticket.deleted"}})
		f := map[string]bool{}
		for _, fe := range aftersales.ErrorFields(err) {
			f[fe.Field] = true
		}
		if !f["url"] || !f["secret"] || !f["events[0]"] {
			t.Fatalf("bad webhook: %v", err)
		}
		hook, err := db.CreateWebhook(ctx, aftersales.Webhook{URL: srv.URL + "/hook", Secret: rc.secret, Active: true,
			Events: []string{aftersales.HookTicketCreated, aftersales.HookTicketStatusChanged}})
		if err != nil {
			t.Fatal(err)
		}
		c := testutil.MustCustomer(t, ctx, db, "客户")
		tk := testutil.MustTicket(t, ctx, db, c.ID, "漏水")
		// A refused change enqueues nothing: the outbox shares its transaction.
		if _, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusClosed, Version: tk.Version}); err == nil {
			t.Fatal("invalid transition accepted")
		}
		if _, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Version: tk.Version}); err != nil {
			t.Fatal(err)
		}

		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		deliver := jobs.DeliverWebhooks(db, srv.Client(), log)
		step := func(advance time.Duration) {
			t.Helper()
			clock.Advance(advance)
			if _, err := deliver(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		step(0)                // attempt 1 of both: 503
		step(10 * time.Second) // not due yet (backoff 30 s)
		step(25 * time.Second) // attempt 2: 503; next in 60 s
		step(59 * time.Second) // not due
		step(2 * time.Second)  // attempt 3: delivered
		step(24 * time.Hour)   // nothing left
		if rc.badSig != 0 || len(rc.attempts) != 2 {
			t.Fatalf("deliveries %v, bad signatures or changed bodies %d", rc.attempts, rc.badSig)
		}
		for id, n := range rc.attempts {
			if n != 3 {
				t.Errorf("delivery %s attempted %d times, want 3", id, n)
			}
			var payload struct {
				ID     string
				Event  string
				Ticket aftersales.Ticket
			}
			json.Unmarshal([]byte(rc.bodies[id]), &payload)
			if payload.ID != id || payload.Ticket.ID != tk.ID {
				t.Errorf("payload %+v", payload)
			}
		}
		ds, _ := db.ListDeliveries(ctx, hook.ID, 10)
		for _, d := range ds {
			if d.Status != "delivered" || d.Attempts != 3 || d.LastStatus != 204 || d.DeliveredAt == nil || d.Secret != "" {
				t.Errorf("delivery record %+v", d)
			}
		}

		// A receiver that never recovers: the delivery fails after the last attempt.
		rc.fail = 1000
		testutil.MustTicket(t, ctx, db, c.ID, "第二单")
		for range sqlstore.MaxDeliveryAttempts + 2 {
			step(time.Hour)
		}
		ds, _ = db.ListDeliveries(ctx, hook.ID, 1)
		if ds[0].Status != "failed" || ds[0].Attempts != sqlstore.MaxDeliveryAttempts || ds[0].LastStatus != 503 {
			t.Fatalf("never-delivered record %+v", ds[0])
		}
	})
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 8: 64 * time.Minute / 1, 12: time.Hour} {
		if want > time.Hour {
			want = time.Hour
		}
		if got := sqlstore.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
}
