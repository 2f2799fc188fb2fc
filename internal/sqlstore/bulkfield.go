package sqlstore

import (
	"context"
	"fmt"
	"strconv"

	"aftersales"
)

// bulkField writes a batch's field history (issue #19): visits with
// their checklists, part reservations and the stock ledger, each with
// the times it carries. The ledger's balances are computed here, line by
// line from the balances already stored, and a line that would take a
// balance below zero (or hold more than is on hand) refuses the batch.
func bulkField(ctx context.Context, w bulkWriter, f *aftersales.BulkField) error {
	if len(f.Visits) == 0 && len(f.Reservations) == 0 && len(f.Movements) == 0 {
		return nil
	}
	rows := make([][]any, 0, len(f.Visits))
	var checks [][]any
	for _, v := range f.Visits {
		skills := v.Skills
		if skills == nil {
			skills = []aftersales.Skill{}
		}
		var inLat, inLng, outLat, outLng any
		if v.CheckIn != nil {
			inLat, inLng = v.CheckIn.Lat, v.CheckIn.Lng
		}
		if v.CheckOut != nil {
			outLat, outLng = v.CheckOut.Lat, v.CheckOut.Lng
		}
		created := v.CreatedAt
		updated := v.UpdatedAt
		if updated.Before(created) {
			updated = created
		}
		rows = append(rows, []any{v.ID, v.TicketID, int64(v.Number), ms(v.WindowStart), ms(v.WindowEnd), int64(v.DurationMin), mustJSON(skills),
			nullInt(v.TechnicianID), string(v.Status), nullMS(v.CheckedInAt), nullMS(v.CheckedOutAt), inLat, inLng, outLat, outLng,
			string(v.Outcome), v.Note, ms(created), ms(updated), int64(1), nullInt(v.TravelM)})
		for _, c := range v.Checks {
			checks = append(checks, []any{v.ID, int64(c.Pos), c.Label, c.Required, c.Done})
		}
	}
	if err := w.copy(ctx, "visits", []string{"id", "ticket_id", "number", "window_start", "window_end", "duration_min", "skills",
		"technician_id", "status", "checked_in_at", "checked_out_at", "checkin_lat", "checkin_lng", "checkout_lat", "checkout_lng",
		"outcome", "note", "created_at", "updated_at", "version", "travel_m"}, rows); err != nil {
		return fmt.Errorf("sqlstore: bulk visits: %w", err)
	}
	if err := w.copy(ctx, "visit_checks", []string{"visit_id", "pos", "label", "required", "done"}, checks); err != nil {
		return fmt.Errorf("sqlstore: bulk visit checks: %w", err)
	}
	rows = rows[:0]
	for _, r := range f.Reservations {
		waited := r.FilledAt == nil || r.FilledAt.After(r.CreatedAt)
		rows = append(rows, []any{r.ID, r.PartID, r.LocationID, r.TicketID, nullInt(r.VisitID), r.Qty, string(r.Status), ms(r.CreatedAt),
			nullMS(r.FilledAt), nullMS(r.ClosedAt), waited})
	}
	if err := w.copy(ctx, "stock_reservations", []string{"id", "part_id", "location_id", "ticket_id", "visit_id", "qty", "status",
		"created_at", "filled_at", "closed_at", "waited"}, rows); err != nil {
		return fmt.Errorf("sqlstore: bulk reservations: %w", err)
	}
	type key struct{ part, loc int64 }
	type bal struct{ onHand, reserved int64 }
	bals := map[key]*bal{}
	err := w.query(ctx, `SELECT part_id, location_id, on_hand, reserved FROM stock_balances`, nil, func(scan func(...any) error) error {
		var k key
		var b bal
		if err := scan(&k.part, &k.loc, &b.onHand, &b.reserved); err != nil {
			return err
		}
		bals[k] = &b
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: bulk stock balances: %w", err)
	}
	touched := map[key]bool{}
	var order []key
	rows = rows[:0]
	for i, m := range f.Movements {
		k := key{m.PartID, m.LocationID}
		b := bals[k]
		if b == nil {
			b = &bal{}
			bals[k] = b
		}
		if !touched[k] {
			touched[k] = true
			order = append(order, k)
		}
		b.onHand += m.OnHand
		b.reserved += m.Reserved
		if b.onHand < 0 || b.reserved < 0 || b.reserved > b.onHand {
			return &aftersales.Error{Code: aftersales.EINVALID, Message: "The stock ledger would go below zero.",
				Fields: []aftersales.FieldError{{Field: "field.movements[" + strconv.Itoa(i) + "].on_hand",
					Reason: fmt.Sprintf("takes part %d at location %d to %d on hand, %d reserved", m.PartID, m.LocationID, b.onHand, b.reserved)}}}
		}
		rows = append(rows, []any{m.ID, m.PartID, m.LocationID, string(m.Kind), m.OnHand, m.Reserved, b.onHand, b.reserved,
			nullInt(m.PeerID), nullInt(m.ReservationID), nullInt(m.TicketID), m.Reason, nullInt(m.ActorID), ms(m.At)})
	}
	if err := w.copy(ctx, "stock_movements", []string{"id", "part_id", "location_id", "kind", "on_hand", "reserved", "on_hand_after",
		"reserved_after", "peer_id", "reservation_id", "ticket_id", "reason", "actor_id", "at"}, rows); err != nil {
		return fmt.Errorf("sqlstore: bulk stock movements: %w", err)
	}
	for _, k := range order {
		b := bals[k]
		if err := w.exec(ctx, `INSERT INTO stock_balances (part_id, location_id, on_hand, reserved) VALUES ($1, $2, $3, $4)
			ON CONFLICT (part_id, location_id) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved`,
			k.part, k.loc, b.onHand, b.reserved); err != nil {
			return fmt.Errorf("sqlstore: bulk stock balance: %w", mapErr(err))
		}
	}
	return nil
}
