package sqlstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/field"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// stockFixture is a part and three locations: a warehouse, a service
// point's stock and a technician's van.
type stockFixture struct {
	part               *aftersales.Part
	warehouse, sp, van *aftersales.StockLocation
	tech               *aftersales.User
}

func newStock(t *testing.T, ctx context.Context, db *sqlstore.DB) stockFixture {
	t.Helper()
	var f stockFixture
	var err error
	f.part, err = db.CreatePart(ctx, aftersales.PartInput{Number: "CMP-100", NameZH: "压缩机", NameEN: "Compressor",
		Models: []string{"KFR-35", " KFR-26 ", "KFR-35"}, UnitCost: 45000, Price: 68000})
	if err != nil {
		t.Fatal(err)
	}
	region, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "sw", Name: "西南"})
	if err != nil {
		t.Fatal(err)
	}
	parent := region.ID
	for _, k := range []aftersales.UnitKind{aftersales.UnitBranch, aftersales.UnitWorkstation} {
		u, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: k, Code: "u-" + string(k), Name: string(k), ParentID: &parent})
		if err != nil {
			t.Fatal(err)
		}
		parent = u.ID
	}
	point, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitServicePoint, Code: "cd-1", Name: "成都一站", ParentID: &parent})
	if err != nil {
		t.Fatal(err)
	}
	f.tech = MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
	mk := func(in aftersales.StockLocationInput) *aftersales.StockLocation {
		t.Helper()
		l, err := db.CreateStockLocation(ctx, in)
		if err != nil {
			t.Fatalf("location %s: %v", in.Code, err)
		}
		return l
	}
	f.warehouse = mk(aftersales.StockLocationInput{Kind: aftersales.LocationWarehouse, Code: "wh", Name: "中心仓"})
	f.sp = mk(aftersales.StockLocationInput{Kind: aftersales.LocationServicePoint, Code: "sp-cd-1", Name: "成都一站库", ServiceUnitID: &point.ID})
	f.van = mk(aftersales.StockLocationInput{Kind: aftersales.LocationVan, Code: "van-7", Name: "7号车", TechnicianID: &f.tech.ID})
	return f
}

func mustMove(t *testing.T, ctx context.Context, db *sqlstore.DB, in aftersales.StockMoveInput) []*aftersales.StockMovement {
	t.Helper()
	m, err := db.MoveStock(ctx, in)
	if err != nil {
		t.Fatalf("%s %d: %v", in.Kind, in.Qty, err)
	}
	return m
}

func balance(t *testing.T, ctx context.Context, db *sqlstore.DB, partID, locID int64) [3]int64 {
	t.Helper()
	bs, err := db.ListStock(ctx, aftersales.StockFilter{PartID: partID, LocationID: locID})
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 {
		t.Fatalf("%d balances for part %d at %d", len(bs), partID, locID)
	}
	return [3]int64{bs[0].OnHand, bs[0].Reserved, bs[0].Available}
}

func TestStockLedger(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		f := newStock(t, ctx, db)
		if diff := cmp.Diff([]string{"KFR-26", "KFR-35"}, f.part.Models); diff != "" {
			t.Errorf("models (-want +got):\n%s", diff)
		}
		for q, want := range map[string]int{"kfr-26": 1, "压缩": 1, "compressor": 1, "cmp-1": 1, "KFR-9": 0, "%": 0} {
			if got, err := db.ListParts(ctx, q); err != nil || len(got) != want {
				t.Errorf("parts matching %q: %d %v, want %d", q, len(got), err, want)
			}
		}
		if _, err := db.CreatePart(ctx, aftersales.PartInput{Number: "CMP-100", NameEN: "again"}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("duplicate part number: %v", err)
		}
		if _, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Kind: aftersales.LocationVan, Code: "van-x", Name: "x",
			TechnicianID: &f.part.ID}); fieldsOf(err)["technician_id"] == "" {
			t.Errorf("van of a non-technician: %v", err)
		}
		p, wh, sp := f.part.ID, f.warehouse.ID, f.sp.ID
		mustMove(t, ctx, db, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: p, LocationID: wh, Qty: 10})
		tr := mustMove(t, ctx, db, aftersales.StockMoveInput{Kind: aftersales.MoveTransfer, PartID: p, LocationID: wh, ToID: &sp, Qty: 4})
		if len(tr) != 2 || tr[0].Kind != aftersales.MoveTransferOut || tr[1].Kind != aftersales.MoveTransferIn ||
			*tr[0].PeerID != tr[1].ID || *tr[1].PeerID != tr[0].ID {
			t.Errorf("transfer: %+v %+v", tr[0], tr[1])
		}
		if got := balance(t, ctx, db, p, wh); got != [3]int64{6, 0, 6} {
			t.Errorf("warehouse after transfer: %v", got)
		}
		if got := balance(t, ctx, db, p, sp); got != [3]int64{4, 0, 4} {
			t.Errorf("service point after transfer: %v", got)
		}
		// A transfer larger than the stock changes neither side.
		_, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveTransfer, PartID: p, LocationID: sp, ToID: &wh, Qty: 5})
		if aftersales.ErrorCode(err) != aftersales.ECONFLICT || !strings.Contains(err.Error(), "CMP-100") || !strings.Contains(err.Error(), "sp-cd-1") {
			t.Errorf("transfer beyond stock: %v", err)
		}
		if got := balance(t, ctx, db, p, wh); got != [3]int64{6, 0, 6} {
			t.Errorf("warehouse after refused transfer: %v", got)
		}
		_, err = db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveAdjust, PartID: p, LocationID: wh, Qty: -1})
		if fieldsOf(err)["reason"] == "" {
			t.Errorf("adjustment without a reason: %v", err)
		}
		mustMove(t, ctx, db, aftersales.StockMoveInput{Kind: aftersales.MoveAdjust, PartID: p, LocationID: wh, Qty: -1, Reason: "盘点少一件"})
		_, err = db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveAdjust, PartID: p, LocationID: wh, Qty: -6, Reason: "盘亏"})
		if aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("adjustment below zero: %v", err)
		}

		// Reorder policy: at or below 2 available, order up to 8.
		if _, err := db.SetStockLevel(ctx, p, sp, aftersales.StockLevelInput{ReorderPoint: 2, OrderUpTo: 2}); fieldsOf(err)["order_up_to"] == "" {
			t.Errorf("order-up-to not above the reorder point: %v", err)
		}
		b, err := db.SetStockLevel(ctx, p, sp, aftersales.StockLevelInput{ReorderPoint: 2, OrderUpTo: 8})
		if err != nil || b.Suggested != 0 {
			t.Fatalf("level: %+v %v", b, err)
		}

		// Reservations: a held one lowers what is available; a missing
		// part waits, the ticket waits for parts naming it, and a receipt
		// fills the wait and returns the ticket to work.
		c := MustCustomer(t, ctx, db, "备件客户")
		tk := MustTicket(t, ctx, db, c.ID, "空调不制冷")
		if _, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
		held, err := db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: p, LocationID: sp, Qty: 3})
		if err != nil || held.Status != aftersales.ReservationHeld {
			t.Fatalf("reserve: %+v %v", held, err)
		}
		if got := balance(t, ctx, db, p, sp); got != [3]int64{4, 3, 1} {
			t.Errorf("after reserving 3: %v", got)
		}
		if bs, _ := db.ListStock(ctx, aftersales.StockFilter{Reorder: true}); len(bs) != 1 || bs[0].Suggested != 7 {
			t.Errorf("reorder list: %+v", bs)
		}
		_, err = db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: p, LocationID: sp, Qty: 2})
		if aftersales.ErrorCode(err) != aftersales.ECONFLICT || !strings.Contains(err.Error(), "CMP-100") {
			t.Errorf("reserve beyond stock: %v", err)
		}
		db.Now = func() time.Time { return time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) }
		wait, err := db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: p, LocationID: sp, Qty: 2, Wait: true})
		if err != nil || wait.Status != aftersales.ReservationWaiting || wait.FilledAt != nil {
			t.Fatalf("waiting reservation: %+v %v", wait, err)
		}
		got, _ := db.FindTicket(ctx, tk.ID)
		if got.Status != aftersales.StatusAwaitingParts {
			t.Errorf("ticket status %s, want awaiting_parts", got.Status)
		}
		events, _ := db.Timeline(ctx, tk.ID)
		named := false
		for _, e := range events {
			named = named || e.Kind == aftersales.EventStatusChanged && e.To == "awaiting_parts" && strings.Contains(e.Body, "CMP-100")
		}
		if !named {
			t.Errorf("no status change naming the part: %+v", events)
		}
		db.Now = func() time.Time { return time.Date(2026, 12, 3, 5, 0, 0, 0, time.UTC) }
		mustMove(t, ctx, db, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: p, LocationID: sp, Qty: 5})
		rs, err := db.ListReservations(ctx, tk.ID)
		if err != nil || len(rs) != 2 || rs[1].ID != wait.ID {
			t.Fatalf("reservations: %+v %v", rs, err)
		}
		wait = rs[1]
		if wait.Status != aftersales.ReservationHeld || wait.FilledAt == nil || wait.FilledAt.Sub(wait.CreatedAt) != 51*time.Hour {
			t.Errorf("filled reservation: %+v", wait)
		}
		if got, _ := db.FindTicket(ctx, tk.ID); got.Status != aftersales.StatusInService {
			t.Errorf("ticket status after receipt %s, want in_service", got.Status)
		}
		if got := balance(t, ctx, db, p, sp); got != [3]int64{9, 5, 4} {
			t.Errorf("after receipt: %v", got)
		}
		if _, err := db.ConsumeReservation(ctx, tk.ID, held.ID, aftersales.ConsumeInput{}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConsumeReservation(ctx, tk.ID, held.ID, aftersales.ConsumeInput{}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("consumed twice: %v", err)
		}
		if _, err := db.ReleaseReservation(ctx, tk.ID, wait.ID); err != nil {
			t.Fatal(err)
		}
		if got := balance(t, ctx, db, p, sp); got != [3]int64{6, 0, 6} {
			t.Errorf("after consuming 3 and releasing 2: %v", got)
		}

		// The ledger adds up to the balances, and cannot be rewritten.
		moves, err := db.ListMovements(ctx, aftersales.StockFilter{PartID: p})
		if err != nil {
			t.Fatal(err)
		}
		sums := map[int64][2]int64{}
		for _, m := range moves {
			s := sums[m.LocationID]
			sums[m.LocationID] = [2]int64{s[0] + m.OnHand, s[1] + m.Reserved}
			if m.OnHandAfter != sums[m.LocationID][0] || m.ReservedAfter != sums[m.LocationID][1] {
				t.Errorf("movement %d (%s) leaves %d/%d, the sum is %v", m.ID, m.Kind, m.OnHandAfter, m.ReservedAfter, sums[m.LocationID])
			}
		}
		if sums[wh] != [2]int64{5, 0} || sums[sp] != [2]int64{6, 0} {
			t.Errorf("ledger sums %v", sums)
		}
		if err := db.ExecRaw(ctx, `UPDATE stock_movements SET on_hand = 100 WHERE id = $1`, moves[0].ID); err == nil {
			t.Error("a ledger line was rewritten")
		}
		if err := db.ExecRaw(ctx, `DELETE FROM stock_movements WHERE id = $1`, moves[0].ID); err == nil {
			t.Error("a ledger line was deleted")
		}
		if err := db.ExecRaw(ctx, `UPDATE stock_balances SET reserved = on_hand + 1`); err == nil {
			t.Error("the balance took more reserved than on hand")
		}
	})
}

// TestStockConcurrentConsumers has 8 technicians take one unit at a time
// from one van until it is empty: the units taken add up to the stock,
// the balance never goes negative, and every refusal is a conflict naming
// the part and the van.
func TestStockConcurrentConsumers(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		f := newStock(t, ctx, db)
		const stock, workers, tries = 37, 8, 8
		mustMove(t, ctx, db, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: f.part.ID, LocationID: f.van.ID, Qty: stock})
		var mu sync.Mutex
		taken, refused := 0, 0
		var bad []error
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range tries {
					_, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveConsume, PartID: f.part.ID, LocationID: f.van.ID, Qty: 1})
					mu.Lock()
					switch {
					case err == nil:
						taken++
					case aftersales.ErrorCode(err) == aftersales.ECONFLICT && strings.Contains(err.Error(), "CMP-100") && strings.Contains(err.Error(), "van-7"):
						refused++
					default:
						bad = append(bad, err)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for _, err := range bad {
			t.Errorf("unexpected error: %v", err)
		}
		if taken != stock || refused != workers*tries-stock {
			t.Errorf("taken %d refused %d; want %d and %d", taken, refused, stock, workers*tries-stock)
		}
		if got := balance(t, ctx, db, f.part.ID, f.van.ID); got != [3]int64{0, 0, 0} {
			t.Errorf("balance %v", got)
		}
	})
}

// TestStockImport loads a count and then movements from files: a file
// with any bad row changes nothing and names every bad row.
func TestStockImport(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		f := newStock(t, ctx, db)
		read := func(text string) []aftersales.StockImportRow {
			t.Helper()
			rows, bad, err := field.ReadStock(strings.NewReader(text))
			if err != nil || len(bad) > 0 {
				t.Fatalf("read: %v %+v", err, bad)
			}
			return rows
		}
		rep, err := db.ImportStock(ctx, read("part_number,location,on_hand,reorder_point,order_up_to\nCMP-100,wh,12,3,20\nCMP-100,van-7,2,,\n"))
		if err != nil || rep.Applied != 2 {
			t.Fatalf("count: %+v %v", rep, err)
		}
		if got := balance(t, ctx, db, f.part.ID, f.warehouse.ID); got != [3]int64{12, 0, 12} {
			t.Errorf("warehouse after count: %v", got)
		}
		before, _ := db.ListMovements(ctx, aftersales.StockFilter{})
		bad := "kind,part_number,location,to_location,qty,reason\n" +
			"transfer,CMP-100,wh,van-7,5,\n" + // good
			"consume,CMP-100,van-7,,9,\n" + // 7 there after the transfer
			"receipt,NOPE-1,wh,,1,\n" + // unknown part
			"transfer,CMP-100,wh,nowhere,1,\n" // unknown location
		rep, err = db.ImportStock(ctx, read(bad))
		if aftersales.ErrorCode(err) != aftersales.EINVALID {
			t.Fatalf("bad file: %v", err)
		}
		var lines []int
		for _, r := range rep.Rejected {
			lines = append(lines, r.Line)
		}
		if diff := cmp.Diff([]int{3, 4, 5}, lines); diff != "" || rep.Applied != 0 || !strings.Contains(rep.Rejected[0].Reason, "CMP-100") {
			t.Errorf("rejected %+v (-want +got lines):\n%s", rep, diff)
		}
		after, _ := db.ListMovements(ctx, aftersales.StockFilter{})
		if len(after) != len(before) {
			t.Errorf("a refused import wrote %d ledger lines", len(after)-len(before))
		}
		if got := balance(t, ctx, db, f.part.ID, f.warehouse.ID); got != [3]int64{12, 0, 12} {
			t.Errorf("warehouse after a refused import: %v", got)
		}
		// The balance export reads back as a count that changes nothing.
		bs, _ := db.ListStock(ctx, aftersales.StockFilter{})
		var buf strings.Builder
		if err := field.WriteStock(&buf, bs); err != nil {
			t.Fatal(err)
		}
		if rep, err := db.ImportStock(ctx, read(buf.String())); err != nil || rep.Applied != 2 {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
		if again, _ := db.ListMovements(ctx, aftersales.StockFilter{}); len(again) != len(before) {
			t.Errorf("re-importing the export wrote %d ledger lines", len(again)-len(before))
		}
	})
}
