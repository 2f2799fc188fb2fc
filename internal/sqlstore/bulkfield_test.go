package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestBulkFieldHistory: a bulk load writes visits, checklists,
// reservations and the stock ledger with the times they carry (months
// before the store's clock), the field KPIs count them after a rollup
// refresh, and a ledger that would go below zero refuses the whole batch,
// naming the line.
func TestBulkFieldHistory(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "客户")
		part, err := db.CreatePart(ctx, aftersales.PartInput{Number: "P-1", NameZH: "主板", UnitCost: 100, Price: 200})
		if err != nil {
			t.Fatal(err)
		}
		loc, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Kind: aftersales.LocationWarehouse, Code: "wh", Name: "仓库"})
		if err != nil {
			t.Fatal(err)
		}
		at := func(d, h int) time.Time { return time.Date(2026, 6, d, h, 0, 0, 0, time.UTC) }
		_, _, maxID, _ := db.MaxIDs(ctx)
		ticket := func(id int64) *aftersales.Ticket {
			return &aftersales.Ticket{ID: id, Number: fmt.Sprintf("AS202606-%06d", id), Channel: aftersales.ChannelPhone, Nature: aftersales.NatureRepair, Urgency: aftersales.UrgencyNormal,
				Status: aftersales.StatusResolved, Title: "维修", CustomerID: &c.ID, CreatedAt: at(1, 1), UpdatedAt: at(4, 5),
				StatusChangedAt: at(4, 5), ResolvedAt: bfPtr(at(4, 5))}
		}
		id := maxID + 1
		b := aftersales.Bulk{Tickets: []*aftersales.Ticket{ticket(id)}, Field: aftersales.BulkField{
			Visits: []*aftersales.BulkVisit{
				{Visit: aftersales.Visit{ID: 1, TicketID: id, Number: 1, WindowStart: at(2, 1), WindowEnd: at(2, 3), DurationMin: 60,
					Status: aftersales.VisitCompleted, CheckedInAt: bfPtr(at(2, 4)), CheckedOutAt: bfPtr(at(2, 5)), Outcome: aftersales.OutcomeNeedsParts,
					CreatedAt: at(1, 2)}, TravelM: bfPtr(int64(12000)),
					Checks: []aftersales.VisitCheck{{Pos: 1, Label: "鞋套", Required: true, Done: false}}},
				{Visit: aftersales.Visit{ID: 2, TicketID: id, Number: 2, WindowStart: at(4, 1), WindowEnd: at(4, 3), DurationMin: 60,
					Status: aftersales.VisitCompleted, CheckedInAt: bfPtr(at(4, 2)), CheckedOutAt: bfPtr(at(4, 5)), Outcome: aftersales.OutcomeFixed,
					CreatedAt: at(3, 2)}, TravelM: bfPtr(int64(4000)),
					Checks: []aftersales.VisitCheck{{Pos: 1, Label: "鞋套", Required: true, Done: true}}},
			},
			Reservations: []*aftersales.Reservation{{ID: 1, PartID: part.ID, LocationID: loc.ID, TicketID: id, VisitID: bfPtr(int64(2)), Qty: 1,
				Status: aftersales.ReservationConsumed, CreatedAt: at(2, 5), FilledAt: bfPtr(at(3, 5)), ClosedAt: bfPtr(at(4, 5))}},
			Movements: []*aftersales.StockMovement{
				{ID: 1, PartID: part.ID, LocationID: loc.ID, Kind: aftersales.MoveReceipt, OnHand: 3, At: at(3, 5)},
				{ID: 2, PartID: part.ID, LocationID: loc.ID, Kind: aftersales.MoveReserve, Reserved: 1, ReservationID: bfPtr(int64(1)), TicketID: &id, At: at(3, 5)},
				{ID: 3, PartID: part.ID, LocationID: loc.ID, Kind: aftersales.MoveConsume, OnHand: -1, Reserved: -1, ReservationID: bfPtr(int64(1)), TicketID: &id, At: at(4, 5)},
			},
		}}
		if err := db.BulkLoad(ctx, &b); err != nil {
			t.Fatal(err)
		}
		for {
			n, err := db.RefreshRollups(ctx, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		want := map[string]float64{"first_time_fix": 0, "window_on_time": 50, "standard_compliance": 50, "stock_out_rate": 100,
			"parts_wait_median": 24 * 60, "visits_per_ticket": 2, "travel_per_visit": 8}
		for kpi, w := range want {
			res, err := db.Metric(ctx, aftersales.MetricQuery{KPI: kpi, From: at(1, 0), To: at(30, 0)})
			if err != nil {
				t.Fatal(err)
			}
			// parts_wait_median comes from a sketch with a stated relative error.
			if v := res.Total.Value; v == nil || *v < w*0.98-0.01 || *v > w*1.02+0.01 {
				t.Errorf("%s = %v, want %v", kpi, v, w)
			}
		}
		stock, err := db.ListStock(ctx, aftersales.StockFilter{PartID: part.ID})
		if err != nil || len(stock) != 1 || stock[0].OnHand != 2 || stock[0].Reserved != 0 {
			t.Fatalf("stock %+v %v, want 2 on hand", stock, err)
		}
		moves, err := db.ListMovements(ctx, aftersales.StockFilter{PartID: part.ID})
		if err != nil || len(moves) != 3 || !moves[2].At.Equal(at(4, 5)) || moves[2].OnHandAfter != 2 {
			t.Fatalf("movements %+v %v", moves, err)
		}

		// Taking three more than the two on hand refuses the batch: no
		// ticket of it is stored.
		bad := aftersales.Bulk{Tickets: []*aftersales.Ticket{ticket(id + 1)}, Field: aftersales.BulkField{
			Movements: []*aftersales.StockMovement{{ID: 4, PartID: part.ID, LocationID: loc.ID, Kind: aftersales.MoveConsume, OnHand: -3,
				TicketID: bfPtr(id + 1), At: at(5, 1)}}}}
		err = db.BulkLoad(ctx, &bad)
		if aftersales.ErrorCode(err) != aftersales.EINVALID || fieldsOf(err)["field.movements[0].on_hand"] == "" {
			t.Fatalf("ledger below zero: %v, want EINVALID naming field.movements[0].on_hand", err)
		}
		if _, err := db.FindTicket(ctx, id+1); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("ticket of the refused batch: %v", err)
		}
		// A visit of a ticket outside the batch is refused before writing.
		bad = aftersales.Bulk{Field: aftersales.BulkField{Visits: []*aftersales.BulkVisit{{Visit: aftersales.Visit{ID: 9, TicketID: id + 5, Number: 1,
			WindowStart: at(2, 1), WindowEnd: at(2, 3), DurationMin: 60, Status: aftersales.VisitScheduled}}}}}
		if err := db.BulkLoad(ctx, &bad); fieldsOf(err)["field.visits[0].ticket_id"] == "" {
			t.Errorf("visit of another ticket: %v", err)
		}
	})
}

func bfPtr[T any](v T) *T { return &v }
