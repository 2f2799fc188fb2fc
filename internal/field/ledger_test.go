package field

import (
	"errors"
	"testing"

	"aftersales"

	"github.com/google/go-cmp/cmp"
)

func TestApply(t *testing.T) {
	b := Balance{OnHand: 5, Reserved: 2}
	tests := []struct {
		name     string
		kind     aftersales.MovementKind
		qty      int64
		fromHold bool
		want     Balance
		short    *Shortage
	}{
		{"receipt", aftersales.MoveReceipt, 3, false, Balance{8, 2}, nil},
		{"transfer in", aftersales.MoveTransferIn, 1, false, Balance{6, 2}, nil},
		{"transfer out of the available", aftersales.MoveTransferOut, 3, false, Balance{2, 2}, nil},
		{"transfer out of reserved units", aftersales.MoveTransferOut, 4, false, b, &Shortage{aftersales.MoveTransferOut, 4, 3}},
		{"reserve", aftersales.MoveReserve, 3, false, Balance{5, 5}, nil},
		{"reserve too many", aftersales.MoveReserve, 4, false, b, &Shortage{aftersales.MoveReserve, 4, 3}},
		{"release", aftersales.MoveRelease, 2, false, Balance{5, 0}, nil},
		{"release more than held", aftersales.MoveRelease, 3, false, b, &Shortage{aftersales.MoveRelease, 3, 2}},
		{"consume a hold", aftersales.MoveConsume, 2, true, Balance{3, 0}, nil},
		{"consume more than held", aftersales.MoveConsume, 3, true, b, &Shortage{aftersales.MoveConsume, 3, 2}},
		{"consume from the shelf", aftersales.MoveConsume, 3, false, Balance{2, 2}, nil},
		{"consume a reserved unit", aftersales.MoveConsume, 4, false, b, &Shortage{aftersales.MoveConsume, 4, 3}},
		{"return", aftersales.MoveReturn, 1, false, Balance{6, 2}, nil},
		{"adjust down", aftersales.MoveAdjust, -3, false, Balance{2, 2}, nil},
		{"adjust below the reserved", aftersales.MoveAdjust, -4, false, b, &Shortage{aftersales.MoveAdjust, 4, 3}},
		{"adjust up", aftersales.MoveAdjust, 10, false, Balance{15, 2}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Apply(b, tc.kind, tc.qty, tc.fromHold)
			var s *Shortage
			errors.As(err, &s)
			if tc.short == nil && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if diff := cmp.Diff(tc.short, s); diff != "" {
				t.Errorf("shortage (-want +got):\n%s", diff)
			}
			if got != tc.want {
				t.Errorf("balance %+v, want %+v", got, tc.want)
			}
		})
	}
	for _, bad := range []struct {
		kind aftersales.MovementKind
		qty  int64
	}{{aftersales.MoveReceipt, 0}, {aftersales.MoveReceipt, -1}, {"steal", 1}} {
		if _, err := Apply(b, bad.kind, bad.qty, false); err == nil {
			t.Errorf("%s of %d accepted", bad.kind, bad.qty)
		}
	}
}

func TestSuggestOrder(t *testing.T) {
	tests := []struct {
		b          Balance
		s, S, want int64
	}{
		{Balance{10, 0}, 3, 12, 0},
		{Balance{5, 2}, 3, 12, 9},
		{Balance{0, 0}, 0, 4, 4},
		{Balance{0, 0}, 0, 0, 0},
	}
	for _, tc := range tests {
		if got := SuggestOrder(tc.b, tc.s, tc.S); got != tc.want {
			t.Errorf("SuggestOrder(%+v, %d, %d) = %d, want %d", tc.b, tc.s, tc.S, got, tc.want)
		}
	}
	if diff := cmp.Diff([]int{0, 2}, FillOrder(5, []int64{3, 4, 2})); diff != "" {
		t.Errorf("FillOrder (-want +got):\n%s", diff)
	}
}
