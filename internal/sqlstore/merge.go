package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"aftersales"
)

// Merging a duplicate ticket. The timeline is append-only, so the source
// keeps its own entries untouched and the target gets copies of the
// source's customer messages, replies, notes and file entries, each with
// its original time and author: both timelines stay true to what happened
// where. The files themselves move to the target (one file, one owner),
// and so do the channel threads (email Message-IDs, chat conversations),
// so that a customer answering either thread reaches the ticket kept. The
// source is cancelled, never resolved: a duplicate is no resolution and no
// first-contact resolution (docs/KPIS.md, "Cancelled tickets").

// mergedKinds are the timeline entries a merge copies to the target.
const mergedKinds = `'customer_message', 'reply', 'note', 'attachment'`

// MergeTicket merges duplicate sourceID into targetID and returns the
// target.
func (db *DB) MergeTicket(ctx context.Context, sourceID, targetID int64, in aftersales.MergeInput) (*aftersales.Ticket, error) {
	if _, err := db.seeTicket(ctx, sourceID); err != nil {
		return nil, err
	}
	u, err := aftersales.Require(ctx, aftersales.PermTicketWrite)
	if err != nil {
		return nil, err
	}
	if _, err := aftersales.Require(ctx, aftersales.PermTicketTransmit); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if sourceID == targetID {
		return nil, mergeRefused(aftersales.EINVALID, "A ticket cannot be merged into itself.", "into", "is this ticket itself")
	}
	if _, err := db.seeTicket(ctx, targetID); err != nil {
		if aftersales.ErrorCode(err) == aftersales.ENOTFOUND {
			return nil, mergeRefused(aftersales.EINVALID, "The ticket to merge into was not found.", "into", "is no ticket you can see")
		}
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error { return db.mergeTx(ctx, tx, u, sourceID, targetID, in) })
	if err != nil {
		return nil, err
	}
	return db.findTicket(ctx, db.w, targetID)
}

func mergeRefused(code, msg, field, reason string) error {
	return &aftersales.Error{Code: code, Message: msg, Fields: []aftersales.FieldError{{Field: field, Reason: reason}}}
}

func (db *DB) mergeTx(ctx context.Context, tx *Tx, u *aftersales.User, sourceID, targetID int64, in aftersales.MergeInput) error {
	aftersales.SetResult(ctx, "ticket", targetID, false)
	// Lock in id order, so two merges of the same pair cannot deadlock.
	first, second := sourceID, targetID
	if first > second {
		first, second = second, first
	}
	locked := map[int64]*aftersales.Ticket{}
	for _, id := range []int64{first, second} {
		t, err := db.lockTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := canSee(u, t); err != nil {
			return err
		}
		locked[id] = t
	}
	src, dst := locked[sourceID], locked[targetID]
	if src.MergedInto != nil {
		return mergeRefused(aftersales.ECONFLICT, fmt.Sprintf("Ticket %s is merged into %s already.", src.Number, src.MergedIntoNumber),
			"id", "is merged into "+src.MergedIntoNumber+" already")
	}
	if err := staleTicket(src, in.Version); err != nil {
		return err
	}
	if !src.Status.Open() {
		return mergeRefused(aftersales.EINVALID, fmt.Sprintf("Ticket %s is %s; only open tickets can be merged away.", src.Number, src.Status),
			"id", "is not open; only an open ticket can be merged into another")
	}
	if dst.MergedInto != nil {
		return mergeRefused(aftersales.EINVALID, fmt.Sprintf("Ticket %s is itself merged into %s.", dst.Number, dst.MergedIntoNumber),
			"into", "is merged into "+dst.MergedIntoNumber+"; merge into that ticket instead")
	}
	if dst.Status == aftersales.StatusClosed || dst.Status == aftersales.StatusCancelled {
		return mergeRefused(aftersales.EINVALID, fmt.Sprintf("Ticket %s is %s.", dst.Number, dst.Status),
			"into", "is closed or cancelled; merge only into a ticket still worked on")
	}
	// Two customers' tickets are never merged: the kept ticket's customer
	// would read the duplicate's public messages and replies on the
	// portal, download its files, and the next reply could be mailed to
	// the duplicate's address.
	if src.CustomerID != nil && dst.CustomerID != nil && *src.CustomerID != *dst.CustomerID {
		return mergeRefused(aftersales.EINVALID,
			fmt.Sprintf("Ticket %s is %s's and %s is %s's.", src.Number, src.CustomerName, dst.Number, dst.CustomerName),
			"into", fmt.Sprintf("the tickets belong to different customers (%s, %s): each would see the other's messages and files; move the ticket to the right customer first", src.CustomerName, dst.CustomerName))
	}
	if err := refuseOpenFieldWork(ctx, tx, src); err != nil {
		return err
	}

	// The target's copies first, then its one entry saying where they came from.
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO ticket_events (ticket_id, at, actor_id, kind, field, from_value, to_value, body, public, channel, attachment_id)
		SELECT $1, at, actor_id, kind, field, from_value, to_value, body, public, channel, attachment_id
		FROM ticket_events WHERE ticket_id = $2 AND kind IN (`+mergedKinds+`) ORDER BY id`, targetID, sourceID); err != nil {
		return mapErr(fmt.Errorf("sqlstore: merge: copy timeline: %w", err))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE attachments SET ticket_id = $1 WHERE ticket_id = $2`, targetID, sourceID); err != nil {
		return mapErr(fmt.Errorf("sqlstore: merge: move files: %w", err))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE channel_messages SET ticket_id = $1 WHERE ticket_id = $2`, targetID, sourceID); err != nil {
		return mapErr(fmt.Errorf("sqlstore: merge: move threads: %w", err))
	}
	if err := addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: targetID, ActorID: &u.ID, Kind: aftersales.EventFieldChanged,
		Field: aftersales.MergedFromField, To: src.Number, Body: in.Note}); err != nil {
		return err
	}
	// The target's row changes too (updated_at), which marks its KPI fact
	// dirty like any change; its version stays, as for a comment.
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET updated_at = $1 WHERE id = $2`, ms(tx.now), targetID); err != nil {
		return mapErr(fmt.Errorf("sqlstore: merge: touch target: %w", err))
	}

	// The source: its entry, then cancelled (SLA clocks stop, KPI fact
	// marked dirty by the row's update), then the link to the target.
	if err := addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: sourceID, ActorID: &u.ID, Kind: aftersales.EventFieldChanged,
		Field: aftersales.MergedIntoField, To: dst.Number, Body: in.Note}); err != nil {
		return err
	}
	reason := "merged into " + dst.Number
	if in.Note != "" {
		reason += ": " + in.Note
	}
	if err := db.applyTransition(ctx, tx, src, aftersales.StatusCancelled, reason, &u.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET merged_into = $1 WHERE id = $2`, targetID, sourceID); err != nil {
		return mapErr(fmt.Errorf("sqlstore: merge: link source: %w", err))
	}
	return tx.audit(ctx, "merge", "ticket", sourceID, map[string]string{"into": dst.Number, "from": src.Number})
}

// refuseOpenFieldWork refuses to merge a ticket that still has visits
// planned or under way, or spare parts waiting or held for it: those
// belong to a technician's day and a store's shelf, and moving them
// silently would surprise both. They are named so the agent can cancel or
// finish them first.
func refuseOpenFieldWork(ctx context.Context, tx *Tx, t *aftersales.Ticket) error {
	var visits []string
	rows, err := tx.QueryContext(ctx, `SELECT number FROM visits WHERE ticket_id = $1
		AND status IN ('scheduled', 'en_route', 'checked_in') ORDER BY number`, t.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: merge: open visits: %w", err)
	}
	err = scanEach(rows, func(scan func(...any) error) error {
		var n int64
		err := scan(&n)
		visits = append(visits, fmt.Sprintf("#%d", n))
		return err
	})
	rows.Close()
	if err != nil {
		return fmt.Errorf("sqlstore: merge: open visits: %w", err)
	}
	var parts int64
	err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM stock_reservations WHERE ticket_id = $1 AND status IN ('waiting', 'held')`, t.ID).Scan(&parts)
	if err != nil {
		return fmt.Errorf("sqlstore: merge: open reservations: %w", err)
	}
	var fields []aftersales.FieldError
	if len(visits) > 0 {
		fields = append(fields, aftersales.FieldError{Field: "id",
			Reason: "has open visits " + strings.Join(visits, ", ") + "; cancel or complete them first"})
	}
	if parts > 0 {
		fields = append(fields, aftersales.FieldError{Field: "id",
			Reason: fmt.Sprintf("has %d spare-part reservations waiting or held; release them first", parts)})
	}
	if len(fields) == 0 {
		return nil
	}
	return &aftersales.Error{Code: aftersales.ECONFLICT,
		Message: fmt.Sprintf("Ticket %s still has field work open; finish or cancel it before merging.", t.Number), Fields: fields}
}
