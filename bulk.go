package aftersales

import "context"

// Bulk is a batch of records with their complete history, written in one
// transaction: demo data today, imports later. IDs are assigned by the
// caller and must not collide with existing rows; events carry their own
// times. Ticket numbers are taken as given and the per-month counters are
// moved past them.
type Bulk struct {
	Customers []*Customer
	Assets    []*Asset
	Tickets   []*Ticket
	Events    []*TicketEvent
	// Feedback holds follow-up answers of tickets in this batch.
	Feedback []*Feedback
	// Costs holds service cost lines of tickets in this batch.
	Costs []*CostLine
	// Surveys holds survey invitations of tickets in this batch, with the
	// default CSAT template; one with AnsweredAt set was answered with its
	// scores (its ticket's Feedback should say the same).
	Surveys []*SurveyInvitation
	// Field history (issue #19), for tickets of this batch, with the
	// times they happened: the store stamps nothing.
	Field BulkField
}

// BulkField is a batch's field service history. Its rows carry their own
// ids (from 1 on an empty database), so they can refer to each other.
type BulkField struct {
	// Visits are the tickets' visits with their outcome, planned travel
	// and service-standard checklist.
	Visits []*BulkVisit
	// Reservations are part reservations; one whose FilledAt is missing
	// or after its CreatedAt waited for the part (a stock-out).
	Reservations []*Reservation
	// Movements are the stock ledger in order: each line's OnHand and
	// Reserved are the changes; the store computes the balances after
	// each line and refuses a batch that takes one below zero.
	Movements []*StockMovement
}

// BulkVisit is a visit of the history.
type BulkVisit struct {
	Visit
	// TravelM is the planned road distance of the leg to the visit, in
	// metres; nil when no route planned it.
	TravelM *int64
	// Checks is the service checklist as ticked at completion.
	Checks []VisitCheck
}

// BulkLoader writes a Bulk atomically: all of it or nothing.
type BulkLoader interface {
	BulkLoad(ctx context.Context, b *Bulk) error
	// MaxIDs returns the largest customer, asset and ticket ids in use.
	MaxIDs(ctx context.Context) (customer, asset, ticket int64, err error)
}

// Validate checks what the database cannot name well: every ticket and
// event refers to rows of this batch or earlier ones, ids are set, and
// milestones are in order.
func (b *Bulk) Validate() error {
	var v Validator
	seen := map[int64]bool{}
	for i, t := range b.Tickets {
		f := func(name string) string { return fieldIndex("tickets", i, name) }
		v.Check(t.ID > 0, f("id"), "must be set")
		v.Check(!seen[t.ID], f("id"), "is used twice")
		seen[t.ID] = true
		v.Check(t.Status.Valid(), f("status"), "is not a known status")
		v.Check(t.Channel.Valid(), f("channel"), "is not a known channel")
		v.Check(t.Nature.Valid(), f("nature"), "is not a known nature")
		v.Check(t.Urgency.Valid(), f("urgency"), "is not a known urgency")
		v.Check(t.Title != "", f("title"), "is required")
		if t.ResolvedAt != nil {
			v.Check(!t.ResolvedAt.Before(t.CreatedAt), f("resolved_at"), "is before created_at")
		}
		if t.ClosedAt != nil {
			v.Check(!t.ClosedAt.Before(t.CreatedAt), f("closed_at"), "is before created_at")
		}
		if len(v.fields) > 20 {
			break
		}
	}
	for i, e := range b.Events {
		if !seen[e.TicketID] {
			v.Add(fieldIndex("events", i, "ticket_id"), "is not a ticket of this batch")
			break
		}
	}
	for i, c := range b.Costs {
		f := func(name string) string { return fieldIndex("costs", i, name) }
		v.Check(seen[c.TicketID], f("ticket_id"), "is not a ticket of this batch")
		v.Check(c.Kind.Valid(), f("kind"), "is not a known cost kind")
		v.Check(c.Amount > 0 && c.Amount <= MaxMoney, f("amount"), "must be more than zero and at most "+MaxMoney.String())
		v.Check(c.IncurredOn != "" && c.IncurredOn.Valid(), f("incurred_on"), "must be a date YYYY-MM-DD")
		if len(v.fields) > 20 {
			break
		}
	}
	b.Field.validate(&v, seen)
	return v.Err()
}

func (f *BulkField) validate(v *Validator, tickets map[int64]bool) {
	visits := map[int64]bool{}
	for i, x := range f.Visits {
		n := func(name string) string { return fieldIndex("field.visits", i, name) }
		v.Check(x.ID > 0 && !visits[x.ID], n("id"), "must be set and unique")
		visits[x.ID] = true
		v.Check(tickets[x.TicketID], n("ticket_id"), "is not a ticket of this batch")
		v.Check(x.Number > 0, n("number"), "must be 1 or more")
		v.Check(x.WindowEnd.After(x.WindowStart), n("window_end"), "must be after window_start")
		v.Check(x.DurationMin > 0, n("duration_min"), "must be more than zero")
		v.Check(x.Status.Valid(), n("status"), "is not a known status")
		v.Check((x.Status == VisitCompleted) == (x.Outcome != ""), n("outcome"), "is set exactly when the visit is completed")
		v.Check(x.Outcome == "" || x.Outcome.Valid(), n("outcome"), "is not a known outcome")
		v.Check(x.CheckedOutAt == nil || x.CheckedInAt != nil && !x.CheckedOutAt.Before(*x.CheckedInAt), n("checked_out_at"),
			"needs a check-in before it")
		v.Check(len(x.Checks) == 0 || x.Status == VisitCompleted, n("checks"), "are ticked when the visit is completed")
		if len(v.fields) > 20 {
			return
		}
	}
	res := map[int64]bool{}
	for i, r := range f.Reservations {
		n := func(name string) string { return fieldIndex("field.reservations", i, name) }
		v.Check(r.ID > 0 && !res[r.ID], n("id"), "must be set and unique")
		res[r.ID] = true
		v.Check(tickets[r.TicketID], n("ticket_id"), "is not a ticket of this batch")
		v.Check(r.VisitID == nil || visits[*r.VisitID], n("visit_id"), "is not a visit of this batch")
		v.Check(r.Qty > 0 && r.Qty <= MaxQty, n("qty"), "must be between 1 and 1000000")
		switch r.Status {
		case ReservationWaiting:
			v.Check(r.FilledAt == nil && r.ClosedAt == nil, n("status"), "waiting: neither filled nor closed")
		case ReservationHeld:
			v.Check(r.FilledAt != nil && r.ClosedAt == nil, n("status"), "held: filled, not closed")
		case ReservationConsumed, ReservationReleased:
			v.Check(r.ClosedAt != nil, n("closed_at"), "is required once consumed or released")
		default:
			v.Add(n("status"), "is not a known status")
		}
		v.Check(r.FilledAt == nil || !r.FilledAt.Before(r.CreatedAt), n("filled_at"), "is before created_at")
		if len(v.fields) > 20 {
			return
		}
	}
	moves := map[int64]bool{}
	for i, m := range f.Movements {
		n := func(name string) string { return fieldIndex("field.movements", i, name) }
		v.Check(m.ID > 0 && !moves[m.ID], n("id"), "must be set and unique")
		moves[m.ID] = true
		v.Check(m.Kind.Valid(), n("kind"), "is not a known movement kind")
		v.Check(m.OnHand != 0 || m.Reserved != 0, n("on_hand"), "a movement changes the quantity on hand or reserved")
		v.Check(m.Kind != MoveAdjust || m.Reason != "", n("reason"), "is required for an adjustment")
		v.Check(m.PeerID == nil || moves[*m.PeerID], n("peer_id"), "is not an earlier movement of this batch")
		v.Check(m.ReservationID == nil || res[*m.ReservationID], n("reservation_id"), "is not a reservation of this batch")
		v.Check(m.TicketID == nil || tickets[*m.TicketID], n("ticket_id"), "is not a ticket of this batch")
		v.Check(i == 0 || !m.At.Before(f.Movements[i-1].At), n("at"), "is before the line above: the ledger is in order")
		if len(v.fields) > 20 {
			return
		}
	}
}
