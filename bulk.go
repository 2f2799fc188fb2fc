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
	return v.Err()
}
