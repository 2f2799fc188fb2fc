// Package field holds the rules of field service that need no storage:
// the stock ledger's balance arithmetic and reorder suggestions, the
// visit state machine and lateness, technicians' availability, travel
// estimates and booking offers, and the stock CSV formats. internal/sqlstore
// stores and loads; it asks this package what a change means.
package field

import (
	"fmt"

	"aftersales"
)

// Balance is what one location holds of one part. OnHand counts every
// unit on the shelf, Reserved those promised to a ticket; both and their
// difference are never negative.
type Balance struct {
	OnHand   int64
	Reserved int64
}

// Available is what can still be promised or taken.
func (b Balance) Available() int64 { return b.OnHand - b.Reserved }

// Shortage is a movement the balance does not cover.
type Shortage struct {
	Kind aftersales.MovementKind
	// Need is the quantity asked for, Have what the balance offers for
	// it (available units, or reserved units for a release).
	Need, Have int64
}

func (s *Shortage) Error() string {
	return fmt.Sprintf("%s needs %d, only %d there", s.Kind, s.Need, s.Have)
}

// Delta is the change a movement makes: units on hand and units reserved.
// fromHold marks a consumption of reserved units (the hold is used up
// with the stock); qty is positive except for an adjustment.
func Delta(kind aftersales.MovementKind, qty int64, fromHold bool) (onHand, reserved int64) {
	switch kind {
	case aftersales.MoveReceipt, aftersales.MoveTransferIn, aftersales.MoveReturn, aftersales.MoveAdjust:
		return qty, 0
	case aftersales.MoveTransferOut:
		return -qty, 0
	case aftersales.MoveReserve:
		return 0, qty
	case aftersales.MoveRelease:
		return 0, -qty
	case aftersales.MoveConsume:
		if fromHold {
			return -qty, -qty
		}
		return -qty, 0
	}
	return 0, 0
}

// Apply returns the balance after a movement, or a *Shortage when the
// movement would leave a negative quantity on hand, a negative hold, or
// more reserved than on hand. Every ledger write goes through it.
func Apply(b Balance, kind aftersales.MovementKind, qty int64, fromHold bool) (Balance, error) {
	if !kind.Valid() {
		return b, fmt.Errorf("field: unknown movement kind %q", kind)
	}
	if qty == 0 || qty < 0 && kind != aftersales.MoveAdjust {
		return b, fmt.Errorf("field: %s of %d units", kind, qty)
	}
	dh, dr := Delta(kind, qty, fromHold)
	after := Balance{OnHand: b.OnHand + dh, Reserved: b.Reserved + dr}
	if after.OnHand >= 0 && after.Reserved >= 0 && after.Reserved <= after.OnHand {
		return after, nil
	}
	need, have := -dh, b.Available()
	switch {
	case kind == aftersales.MoveRelease || fromHold && after.Reserved < 0:
		need, have = -dr, b.Reserved
	case kind == aftersales.MoveReserve:
		need = dr
	}
	return b, &Shortage{Kind: kind, Need: need, Have: have}
}

// SuggestOrder is the (s, S) reorder rule: when what is available has
// fallen to the reorder point s, order enough to bring it back up to S.
// A location without a policy (S = 0) never suggests an order.
func SuggestOrder(b Balance, reorderPoint, orderUpTo int64) int64 {
	if orderUpTo <= 0 || b.Available() > reorderPoint {
		return 0
	}
	return orderUpTo - b.Available()
}

// FillOrder picks which waiting reservations a location's available
// stock fills, oldest first: each is filled whole or not at all, and a
// later smaller one may go ahead of an earlier one that does not fit.
func FillOrder(available int64, waiting []int64) []int {
	var out []int
	for i, q := range waiting {
		if q <= available {
			available -= q
			out = append(out, i)
		}
	}
	return out
}
