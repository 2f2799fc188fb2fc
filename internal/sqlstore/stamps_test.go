package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestRequestStamps: an API request reads the token throttle's count of
// its address and, in the same read, the stamps that say whether the
// cached token owners and configuration are current; its authentication
// and its text models' suggestion use those stamps instead of reading
// them again. So a change committed through another instance after the
// request's first read is not seen by that request (as if it had come a
// moment earlier), and is by the next. A stamp is used once, and only by
// the store that read it; the count read along is the throttle's.
func TestRequestStamps(t *testing.T) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := NewClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
			a, b := twoInstances(t, e, clock)
			ctx, _ := Admin(t, a)
			agent := MustUser(t, ctx, a, "agent@example.com", aftersales.RoleAgent, nil)
			tok, err := a.CreateToken(ctx, agent.ID, "bench")
			if err != nil {
				t.Fatal(err)
			}
			const key = "token:192.0.2.7"
			// request is the API middleware's first read: the throttle's count.
			request := func(db *sqlstore.DB) (context.Context, int) {
				t.Helper()
				rctx := aftersales.NewContextWithMemo(ctx)
				fails, _, err := db.Strikes(rctx, key, clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				return rctx, fails
			}
			if _, err := b.UserByToken(ctx, tok.Secret); err != nil { // cached at b
				t.Fatal(err)
			}

			for i := range 3 {
				if _, err := a.Strike(ctx, key, clock.Now(), clock.Now().Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
				if _, n := request(b); n != i+1 {
					t.Errorf("after %d failures the request's read counts %d", i+1, n)
				}
			}

			// Revoked through a between b's first read and its authentication.
			rctx, _ := request(b)
			if err := a.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := b.UserByToken(rctx, tok.Secret); err != nil {
				t.Errorf("revoked after the request's first read: %v, want its owner (the stamp read first)", err)
			}
			if _, err := b.UserByToken(rctx, tok.Secret); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
				t.Errorf("a second authentication in the same request: %v, want EUNAUTHORIZED (a stamp is used once)", err)
			}
			rctx, _ = request(b)
			if _, err := b.UserByToken(rctx, tok.Secret); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
				t.Errorf("the next request: %v, want EUNAUTHORIZED", err)
			}
			// Stamps read by another store are not taken for b's.
			tok2, err := a.CreateToken(ctx, agent.ID, "second")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.UserByToken(ctx, tok2.Secret); err != nil {
				t.Fatal(err)
			}
			actx, _ := request(a)
			if err := a.RevokeToken(ctx, tok2.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := b.UserByToken(actx, tok2.Secret); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
				t.Errorf("b with a's stamps: %v, want EUNAUTHORIZED", err)
			}

			cu := MustCustomer(t, ctx, a, "客户")
			create := func(ctx context.Context, db *sqlstore.DB, title string, nature *aftersales.Nature) *aftersales.Ticket {
				t.Helper()
				in := TicketInput(cu.ID, title)
				in.Description = Ptr("")
				in.Nature = nature
				tk, err := db.CreateTicket(ctx, in)
				if err != nil {
					t.Fatalf("create %q: %v", title, err)
				}
				return tk
			}
			for range 2 {
				for i := range repairTexts {
					create(ctx, a, repairTexts[i], Ptr(aftersales.NatureRepair))
					create(ctx, a, complaintTexts[i], Ptr(aftersales.NatureComplaint))
				}
			}
			if m, err := a.TrainTextModel(ctx, aftersales.SuggestNature); err != nil || m.Status != aftersales.ModelActive {
				t.Fatalf("model = %+v, %v", m, err)
			}
			if err := a.SetSuggestThreshold(ctx, aftersales.SuggestNature, 0.55); err != nil {
				t.Fatal(err)
			}
			if tk := create(ctx, b, "客服态度恶劣，投诉", nil); tk.Nature != aftersales.NatureComplaint { // b loads the model
				t.Errorf("threshold 0.55: nature %q, want complaint applied", tk.Nature)
			}
			// A create's suggestion follows the configuration its
			// transaction reads, not the request's first read: a raise
			// committed in between applies to it.
			rctx, _ = request(b)
			if err := a.SetSuggestThreshold(ctx, aftersales.SuggestNature, 1.01); err != nil {
				t.Fatal(err)
			}
			in := TicketInput(cu.ID, "客服态度恶劣，投诉")
			in.Description, in.Nature = Ptr(""), nil
			if _, err := b.CreateTicket(rctx, in); aftersales.ErrorCode(err) != aftersales.EINVALID {
				t.Errorf("threshold raised after the request's first read, no nature: %v, want EINVALID", err)
			}
		})
	}
}
