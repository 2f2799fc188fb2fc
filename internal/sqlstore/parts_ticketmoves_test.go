package sqlstore_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestListMovementsOfATicket: StockFilter.TicketID keeps the ledger lines
// written for one ticket (the ticket page's parts card reads its returns
// so), not another ticket's nor the receipt that wrote for none.
func TestListMovementsOfATicket(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := testutil.Admin(t, db)
		part, err := db.CreatePart(ctx, aftersales.PartInput{Number: "CMP-100", NameZH: "压缩机", Active: testutil.Ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		wh, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Code: "wh", Name: "中心仓", Kind: aftersales.LocationWarehouse, Active: testutil.Ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: part.ID, LocationID: wh.ID, Qty: 9}); err != nil {
			t.Fatal(err)
		}
		cust := testutil.MustCustomer(t, ctx, db, "李女士")
		a := testutil.MustTicket(t, ctx, db, cust.ID, "压缩机异响")
		b := testutil.MustTicket(t, ctx, db, cust.ID, "不制冷")
		for _, tk := range []*aftersales.Ticket{a, b} {
			if _, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveConsume, PartID: part.ID, LocationID: wh.ID, Qty: 2, TicketID: &tk.ID}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveReturn, PartID: part.ID, LocationID: wh.ID, Qty: 1, TicketID: &a.ID, Reason: "多领"}); err != nil {
			t.Fatal(err)
		}
		ms, err := db.ListMovements(ctx, aftersales.StockFilter{PartID: part.ID, TicketID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		type line struct {
			Kind   aftersales.MovementKind
			OnHand int64
			Ticket int64
		}
		var got []line
		for _, m := range ms {
			got = append(got, line{m.Kind, m.OnHand, *m.TicketID})
		}
		want := []line{{aftersales.MoveConsume, -2, a.ID}, {aftersales.MoveReturn, 1, a.ID}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ticket %d's lines (-want +got):\n%s", a.ID, diff)
		}
	})
}
