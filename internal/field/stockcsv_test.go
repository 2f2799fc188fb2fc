package field

import (
	"strings"
	"testing"

	"aftersales"

	"github.com/google/go-cmp/cmp"
)

func TestReadStock(t *testing.T) {
	text := "类型;备件号;库位;调入库位;数量;原因\n" +
		"receipt;CMP-100;wh;;10;\n" +
		"transfer;CMP-100;wh;van-7;4;\n" +
		"adjust;CMP-100;wh;;-1;\n" + // no reason
		"steal;CMP-100;wh;;1;\n" +
		"consume;CMP 100;;;0;\n" +
		"transfer;CMP-100;wh;wh;1;\n"
	rows, bad, err := ReadStock(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := []aftersales.StockImportRow{
		{Line: 2, Kind: aftersales.MoveReceipt, PartNumber: "CMP-100", Location: "wh", Qty: 10},
		{Line: 3, Kind: aftersales.MoveTransfer, PartNumber: "CMP-100", Location: "wh", ToLocation: "van-7", Qty: 4},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	wantBad := []aftersales.RejectedRow{
		{Line: 4, Field: "reason", Reason: "is required for an adjustment"},
		{Line: 5, Field: "kind", Reason: "must be receipt, transfer, consume, return or adjust"},
		{Line: 6, Field: "part_number", Reason: "must be 1 to 60 characters without spaces"},
		{Line: 6, Field: "location", Reason: "is required"},
		{Line: 6, Field: "qty", Reason: "must be between 1 and 1000000"},
		{Line: 7, Field: "to_location", Reason: "must differ from location"},
	}
	if diff := cmp.Diff(wantBad, bad); diff != "" {
		t.Errorf("rejected (-want +got):\n%s", diff)
	}
	if _, _, err := ReadStock(strings.NewReader("a,b\n1,2\n")); aftersales.ErrorCode(err) != aftersales.EINVALID {
		t.Errorf("unknown header: %v", err)
	}
}

func TestWriteStockReadsBack(t *testing.T) {
	var sb strings.Builder
	bs := []*aftersales.StockBalance{{PartNumber: "CMP-100", Location: "wh", OnHand: 7, Reserved: 2, Available: 5, ReorderPoint: 5, OrderUpTo: 20, Suggested: 15}}
	if err := WriteStock(&sb, bs); err != nil {
		t.Fatal(err)
	}
	rows, bad, err := ReadStock(strings.NewReader(sb.String()))
	if err != nil || len(bad) > 0 {
		t.Fatalf("%v %+v", err, bad)
	}
	five, twenty := int64(5), int64(20)
	want := []aftersales.StockImportRow{{Line: 2, Kind: aftersales.MoveCount, PartNumber: "CMP-100", Location: "wh", Qty: 7,
		ReorderPoint: &five, OrderUpTo: &twenty}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func FuzzReadStock(f *testing.F) {
	f.Add([]byte("part_number,location,on_hand\nCMP-100,wh,3\n"))
	f.Add([]byte("kind,part_number,location,qty,to_location,reason\ntransfer,A,wh,2,van,\nadjust,A,wh,-1,,x\n"))
	f.Add([]byte("\ufeff类型\t备件号\t库位\t数量\nreceipt\tA\twh\t1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, _, err := ReadStock(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		for _, r := range rows {
			if !aftersales.ValidPartNumber(r.PartNumber) || r.Location == "" {
				t.Fatalf("bad row accepted: %+v", r)
			}
			if r.Kind != aftersales.MoveAdjust && r.Qty < 0 || r.Qty > aftersales.MaxQty || r.Qty < -aftersales.MaxQty {
				t.Fatalf("quantity out of range accepted: %+v", r)
			}
		}
	})
}
