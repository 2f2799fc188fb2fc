package sqlstore

import (
	"context"
	"fmt"
	"strconv"

	"aftersales"
)

// BulkChange applies one change to many tickets in one transaction. Each
// ticket changes inside a savepoint: a ticket the change is refused for
// (a move its status does not allow, a ticket the user may not see) rolls
// back to it and reports why, and the others still change. Each change is
// audited as the single-ticket action is, and the whole as one
// "bulk_change" entry naming what changed and what was refused.
func (db *DB) BulkChange(ctx context.Context, in aftersales.BulkChange) ([]aftersales.BulkOutcome, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return nil, err
	}
	update := in.TeamID != nil || in.AssigneeID != nil || in.Urgency != nil
	for _, need := range []struct {
		on   bool
		perm aftersales.Permission
	}{{in.To != "", aftersales.PermTicketTransmit}, {update, aftersales.PermTicketWrite}, {in.TeamID != nil || in.AssigneeID != nil, aftersales.PermTicketAssign}} {
		if need.on {
			if _, err := aftersales.Require(ctx, need.perm); err != nil {
				return nil, err
			}
		}
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	out := make([]aftersales.BulkOutcome, 0, len(in.IDs))
	err = db.inTx(ctx, func(tx *Tx) error {
		out = out[:0]
		changed, refused := []int64{}, map[string]string{}
		for _, id := range in.IDs {
			o := aftersales.BulkOutcome{ID: id}
			if err := tx.QueryRowContext(ctx, `SELECT number FROM tickets WHERE id = $1`, id).Scan(&o.Number); err != nil {
				o.Err = notFound(err, "Ticket", id)
				if aftersales.ErrorCode(o.Err) != aftersales.ENOTFOUND {
					return o.Err
				}
				out = append(out, o)
				refused[strconv.FormatInt(id, 10)] = aftersales.ErrorMessage(o.Err)
				continue
			}
			if _, err := tx.ExecContext(ctx, `SAVEPOINT bulk_one`); err != nil {
				return fmt.Errorf("sqlstore: bulk change: %w", err)
			}
			err := db.bulkOne(ctx, tx, u, id, in, update)
			switch aftersales.ErrorCode(err) {
			case "":
				if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT bulk_one`); err != nil {
					return fmt.Errorf("sqlstore: bulk change: %w", err)
				}
				changed = append(changed, id)
			case aftersales.EINTERNAL:
				return err
			default:
				if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT bulk_one`); rerr != nil {
					return fmt.Errorf("sqlstore: bulk change: %w", rerr)
				}
				o.Err = err
				refused[strconv.FormatInt(id, 10)] = aftersales.ErrorMessage(err)
			}
			out = append(out, o)
		}
		detail := map[string]any{"changed": changed, "refused": refused}
		if in.To != "" {
			detail["to"] = in.To
		}
		for k, v := range map[string]*int64{"team_id": in.TeamID, "assignee_id": in.AssigneeID} {
			if v != nil {
				detail[k] = *v
			}
		}
		if in.Urgency != nil {
			detail["urgency"] = *in.Urgency
		}
		return tx.audit(ctx, "bulk_change", "ticket", 0, detail)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// bulkOne changes one ticket: its fields first, then its status.
func (db *DB) bulkOne(ctx context.Context, tx *Tx, u *aftersales.User, id int64, in aftersales.BulkChange, update bool) error {
	if update {
		if err := db.updateTx(ctx, tx, u, id, 0, aftersales.TicketInput{TeamID: in.TeamID, AssigneeID: in.AssigneeID, Urgency: in.Urgency}); err != nil {
			return err
		}
	}
	if in.To != "" {
		return db.transitionTx(ctx, tx, u, id, aftersales.TransitionInput{To: in.To, Reason: in.Reason})
	}
	return nil
}
