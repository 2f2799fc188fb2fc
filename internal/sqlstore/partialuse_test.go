package sqlstore_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestConsumePartOfReservation: a technician who reserved 4 and fitted 3
// records 3 used. The reservation keeps the 3 (its cost line is 3 units),
// the 4th goes back to the location's available stock through a release
// line of the ledger, and the timeline says both. More than reserved, or
// less than one, is refused naming qty and writes nothing. Before, the
// reservation was consumed whole: 4 units off the shelf and on the bill.
func TestConsumePartOfReservation(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		f := newStock(t, ctx, db)
		mustMove(t, ctx, db, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: f.part.ID, LocationID: f.warehouse.ID, Qty: 10})
		cust := MustCustomer(t, ctx, db, "钱先生")
		tk := MustTicket(t, ctx, db, cust.ID, "空调滤网更换")
		res, err := db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: f.part.ID, LocationID: f.warehouse.ID, Qty: 4})
		if err != nil {
			t.Fatal(err)
		}
		balance := func() (onHand, reserved int64) {
			t.Helper()
			bs, err := db.ListStock(ctx, aftersales.StockFilter{PartID: f.part.ID, LocationID: f.warehouse.ID})
			if err != nil || len(bs) != 1 {
				t.Fatalf("balance: %v %v", bs, err)
			}
			return bs[0].OnHand, bs[0].Reserved
		}
		for _, n := range []int64{5, -1} {
			_, err := db.ConsumeReservation(ctx, tk.ID, res.ID, aftersales.ConsumeInput{Qty: n})
			if aftersales.ErrorCode(err) != aftersales.EINVALID || fieldsOf(err)["qty"] == "" {
				t.Errorf("using %d of 4: %v, want EINVALID naming qty", n, err)
			}
		}
		// 0 is allowed (all the units reserved), and the reason says so.
		for _, n := range []int64{-1, aftersales.MaxQty + 1} {
			_, err := db.ConsumeReservation(ctx, tk.ID, res.ID, aftersales.ConsumeInput{Qty: n})
			if r, want := fieldsOf(err)["qty"], "must be between 0 and 1000000; 0 uses all the units reserved"; r != want {
				t.Errorf("using %d: the reason is %q, want %q", n, r, want)
			}
		}
		if h, r := balance(); h != 10 || r != 4 {
			t.Errorf("after the refusals: on hand %d, reserved %d; want 10 and 4", h, r)
		}

		got, err := db.ConsumeReservation(ctx, tk.ID, res.ID, aftersales.ConsumeInput{Qty: 3})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != aftersales.ReservationConsumed || got.Qty != 3 {
			t.Errorf("reservation after using 3 of 4: %s ×%d", got.Status, got.Qty)
		}
		if h, r := balance(); h != 7 || r != 0 {
			t.Errorf("balance after using 3 of 4: on hand %d, reserved %d; want 7 and 0 (the 4th available again)", h, r)
		}
		ms, err := db.ListMovements(ctx, aftersales.StockFilter{TicketID: tk.ID})
		if err != nil {
			t.Fatal(err)
		}
		type line struct {
			Kind             aftersales.MovementKind
			OnHand, Reserved int64
			ReservationNamed bool
		}
		var lines []line
		for _, m := range ms {
			lines = append(lines, line{m.Kind, m.OnHand, m.Reserved, m.ReservationID != nil && *m.ReservationID == res.ID})
		}
		want := []line{{aftersales.MoveReserve, 0, 4, true}, {aftersales.MoveConsume, -3, -3, true}, {aftersales.MoveRelease, 0, -1, true}}
		if diff := cmp.Diff(want, lines); diff != "" {
			t.Errorf("ledger of the ticket (-want +got):\n%s", diff)
		}
		costs, err := db.ListCosts(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(costs) != 1 || costs[0].Kind != aftersales.CostParts || costs[0].Amount != 3*45000 {
			t.Errorf("cost lines: %+v; want one parts line of 3 × 450.00", costs)
		}
		ev, err := db.Timeline(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(ev, func(e *aftersales.TicketEvent) bool {
			return e.Field == "parts" && e.To == "used CMP-100 ×3 @ wh · released ×1"
		}) {
			t.Errorf("the timeline does not say 3 used and 1 released")
		}
		if _, err := db.ConsumeReservation(ctx, tk.ID, res.ID, aftersales.ConsumeInput{Qty: 1}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("using the rest of a consumed reservation: %v", err)
		}

		// Without a quantity the whole reservation is used, as before.
		all, err := db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: f.part.ID, LocationID: f.warehouse.ID, Qty: 2})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.ConsumeReservation(ctx, tk.ID, all.ID, aftersales.ConsumeInput{}); err != nil || got.Qty != 2 {
			t.Fatalf("using all: %+v %v", got, err)
		}
		if h, r := balance(); h != 5 || r != 0 {
			t.Errorf("balance after using all of 2: on hand %d, reserved %d; want 5 and 0", h, r)
		}
	})
}
