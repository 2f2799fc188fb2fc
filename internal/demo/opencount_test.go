package demo_test

import (
	"testing"
	"time"

	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestSummaryCountsOpenTicketsAtTheEnd: serve --demo prints "N tickets
// (M open)"; M was counted while the history was generated, before the
// follow-ups, field visits and complaints reopened and moved tickets, so
// a fresh 3,000-ticket demo said 20 open while its ticket list and
// backlog showed 29. It is the count of open tickets once loaded.
func TestSummaryCountsOpenTicketsAtTheEnd(t *testing.T) {
	end := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		db.Now = func() time.Time { return end }
		ctx, _ := testutil.Admin(t, db)
		sum, err := demo.Load(ctx, services(db), db, demo.Options{Seed: 3, Tickets: 1500, End: end, Zone: testutil.Shanghai(t)})
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for _, tk := range allTickets(t, ctx, db) {
			if tk.Status.Open() {
				open++
			}
		}
		if sum.OpenTickets != open {
			t.Errorf("the summary says %d open, the store holds %d open tickets", sum.OpenTickets, open)
		}
	})
}
