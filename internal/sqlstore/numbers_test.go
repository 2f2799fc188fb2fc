package sqlstore_test

import (
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestNumberTakenByImport: a number a bulk load keeps for its own ticket
// is skipped by the next create, even when (on PostgreSQL) this instance
// had reserved it in its block before the load.
func TestNumberTakenByImport(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "客户")
		first := MustTicket(t, ctx, db, c.ID, "第一")
		if first.Number != "AS202612-000001" {
			t.Fatalf("first number %s", first.Number)
		}
		_, _, maxID, _ := db.MaxIDs(ctx)
		at := clock.Now()
		b := aftersales.Bulk{Tickets: []*aftersales.Ticket{{ID: maxID + 1, Number: "AS202612-000002", Channel: aftersales.ChannelPhone,
			Nature: aftersales.NatureRepair, Urgency: aftersales.UrgencyNormal, Status: aftersales.StatusNew, Title: "导入", CustomerID: &c.ID,
			CreatedAt: at, UpdatedAt: at, StatusChangedAt: at}}}
		if err := db.BulkLoad(ctx, &b); err != nil {
			t.Fatal(err)
		}
		next, err := db.CreateTicket(ctx, TicketInput(c.ID, "第三"))
		if err != nil {
			t.Fatalf("create after the load took a number: %v", err)
		}
		if next.Number != "AS202612-000003" {
			t.Errorf("number after the load: %s, want AS202612-000003", next.Number)
		}
	})
}
