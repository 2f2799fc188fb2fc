package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"aftersales"
	"aftersales/internal/field"
)

// Service checklists (issue #19): admins define them, technicians tick
// them in the work report, and each completed visit keeps the list as it
// was ticked (visit_checks), which standard_compliance counts.

func (db *DB) loadChecklists(ctx context.Context, q queryer, where string, args ...any) ([]*aftersales.Checklist, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, category_id, nature, version, updated_at FROM service_checklists`+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: checklists: %w", err)
	}
	lists, err := collect(rows, func(row interface{ Scan(...any) error }) (*aftersales.Checklist, error) {
		var c aftersales.Checklist
		var cat sql.NullInt64
		var nature string
		var at int64
		if err := row.Scan(&c.ID, &c.Name, &cat, &nature, &c.Version, &at); err != nil {
			return nil, err
		}
		c.CategoryID, c.Nature, c.UpdatedAt, c.Items = int64Ptr(cat), aftersales.Nature(nature), fromMS(at), []aftersales.ChecklistItem{}
		return &c, nil
	})
	if err != nil || len(lists) == 0 {
		return lists, err
	}
	byID := map[int64]*aftersales.Checklist{}
	for _, c := range lists {
		byID[c.ID] = c
	}
	items, err := q.QueryContext(ctx, `SELECT checklist_id, pos, label, required FROM checklist_items ORDER BY checklist_id, pos`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: checklist items: %w", err)
	}
	defer items.Close()
	for items.Next() {
		var id int64
		var it aftersales.ChecklistItem
		if err := items.Scan(&id, &it.Pos, &it.Label, &it.Required); err != nil {
			return nil, err
		}
		if c := byID[id]; c != nil {
			c.Items = append(c.Items, it)
		}
	}
	return lists, items.Err()
}

// ListChecklists lists every service checklist; anyone signed in reads
// them (technicians tick them).
func (db *DB) ListChecklists(ctx context.Context) ([]*aftersales.Checklist, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermTicketRead); err != nil {
		return nil, err
	}
	return db.loadChecklists(ctx, db.r, "")
}

// FindChecklist returns one checklist.
func (db *DB) FindChecklist(ctx context.Context, id int64) (*aftersales.Checklist, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermTicketRead); err != nil {
		return nil, err
	}
	lists, err := db.loadChecklists(ctx, db.r, ` WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(lists) == 0 {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Checklist %d not found.", id)
	}
	return lists[0], nil
}

// ChecklistFor returns the checklist that applies to a ticket.
func (db *DB) ChecklistFor(ctx context.Context, ticketID int64) (*aftersales.Checklist, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	return db.checklistFor(ctx, db.r, ticketID)
}

func (db *DB) checklistFor(ctx context.Context, q queryer, ticketID int64) (*aftersales.Checklist, error) {
	var cat sql.NullInt64
	var nature string
	if err := q.QueryRowContext(ctx, `SELECT category_id, nature FROM tickets WHERE id = $1`, ticketID).Scan(&cat, &nature); err != nil {
		return nil, notFound(err, "Ticket", ticketID)
	}
	lists, err := db.loadChecklists(ctx, q, "")
	if err != nil {
		return nil, err
	}
	c := field.PickChecklist(lists, int64Ptr(cat), aftersales.Nature(nature))
	if c == nil {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "No service checklist applies to ticket %d.", ticketID)
	}
	return c, nil
}

// CreateChecklist adds a checklist for a scope that has none.
func (db *DB) CreateChecklist(ctx context.Context, in aftersales.ChecklistInput) (*aftersales.Checklist, error) {
	return db.writeChecklist(ctx, 0, in)
}

// UpdateChecklist replaces a checklist's name, scope and items. Visits
// already completed keep the items they were ticked against.
func (db *DB) UpdateChecklist(ctx context.Context, id int64, in aftersales.ChecklistInput) (*aftersales.Checklist, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	if in.Version < 1 {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "Updates need the version you last read.",
			Fields: []aftersales.FieldError{{Field: "version", Reason: "is required"}}}
	}
	return db.writeChecklist(ctx, id, in)
}

func (db *DB) writeChecklist(ctx context.Context, id int64, in aftersales.ChecklistInput) (*aftersales.Checklist, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	var v aftersales.Validator
	for _, f := range aftersales.ErrorFields(in.Validate()) {
		v.Add(f.Field, f.Reason)
	}
	if in.CategoryID != nil && *in.CategoryID > 0 {
		ok, err := exists(ctx, db.r, "product_categories", *in.CategoryID)
		if err != nil {
			return nil, err
		}
		v.Check(ok, "category_id", "is not a known product category")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		now := ms(tx.now)
		if id == 0 {
			if err := tx.QueryRowContext(ctx, `INSERT INTO service_checklists (name, category_id, nature, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $4) RETURNING id`, in.Name, nullInt(in.CategoryID), string(in.Nature), now).Scan(&id); err != nil {
				return scopeTaken(mapErr(fmt.Errorf("sqlstore: create checklist: %w", err)))
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE service_checklists SET name = $1, category_id = $2, nature = $3, updated_at = $4,
				version = version + 1 WHERE id = $5 AND version = $6`, in.Name, nullInt(in.CategoryID), string(in.Nature), now, id, in.Version)
			if err != nil {
				return scopeTaken(mapErr(fmt.Errorf("sqlstore: update checklist: %w", err)))
			}
			if err := checkVersion(ctx, tx, res, "service_checklists", "Checklist", id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM checklist_items WHERE checklist_id = $1`, id); err != nil {
				return fmt.Errorf("sqlstore: checklist items: %w", err)
			}
		}
		for _, it := range in.Items {
			if _, err := tx.ExecContext(ctx, `INSERT INTO checklist_items (checklist_id, pos, label, required) VALUES ($1, $2, $3, $4)`,
				id, it.Pos, it.Label, it.Required); err != nil {
				return mapErr(fmt.Errorf("sqlstore: checklist item: %w", err))
			}
		}
		action := "checklist.update"
		if in.Version == 0 {
			action = "checklist.create"
		}
		return tx.audit(ctx, action, "checklist", id, in)
	})
	if err != nil {
		return nil, err
	}
	lists, err := db.loadChecklists(ctx, db.w, ` WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	return lists[0], nil
}

// scopeTaken names the field of a second checklist for one scope.
func scopeTaken(err error) error {
	if aftersales.ErrorCode(err) == aftersales.ECONFLICT {
		return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "Another checklist already applies to this product category and nature.",
			Fields: []aftersales.FieldError{{Field: "category_id", Reason: "another checklist has this category and nature"}}}
	}
	return err
}

// DeleteChecklist removes a checklist; completed visits keep what they
// recorded.
func (db *DB) DeleteChecklist(ctx context.Context, id int64) error {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM checklist_items WHERE checklist_id = $1`, id); err != nil {
			return fmt.Errorf("sqlstore: delete checklist items: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM service_checklists WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("sqlstore: delete checklist: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return aftersales.Errorf(aftersales.ENOTFOUND, "Checklist %d not found.", id)
		}
		return tx.audit(ctx, "checklist.delete", "checklist", id, nil)
	})
}

// recordChecks keeps the applicable checklist as ticked for a visit being
// completed; nothing when no checklist applies.
func (db *DB) recordChecks(ctx context.Context, tx *Tx, ticketID, visitID int64, done []int) error {
	c, err := db.checklistFor(ctx, tx, ticketID)
	if aftersales.ErrorCode(err) == aftersales.ENOTFOUND {
		if len(done) > 0 {
			return &aftersales.Error{Code: aftersales.EINVALID, Message: "No service checklist applies to this ticket.",
				Fields: []aftersales.FieldError{{Field: "report.checks_done", Reason: "no service checklist applies to the ticket"}}}
		}
		return nil
	}
	if err != nil {
		return err
	}
	checks, bad := field.Checks(c, done)
	if bad != 0 {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: fmt.Sprintf("Checklist %q has no item %d.", c.Name, bad),
			Fields: []aftersales.FieldError{{Field: "report.checks_done", Reason: fmt.Sprintf("%d is not an item of checklist %q", bad, c.Name)}}}
	}
	for _, x := range checks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO visit_checks (visit_id, pos, label, required, done) VALUES ($1, $2, $3, $4, $5)`,
			visitID, x.Pos, x.Label, x.Required, x.Done); err != nil {
			return mapErr(fmt.Errorf("sqlstore: visit check: %w", err))
		}
	}
	return nil
}

// visitChecks reads what a completed visit ticked.
func visitChecks(ctx context.Context, q queryer, visitID int64) ([]aftersales.VisitCheck, error) {
	rows, err := q.QueryContext(ctx, `SELECT pos, label, required, done FROM visit_checks WHERE visit_id = $1 ORDER BY pos`, visitID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: visit checks: %w", err)
	}
	defer rows.Close()
	var out []aftersales.VisitCheck
	for rows.Next() {
		var c aftersales.VisitCheck
		if err := rows.Scan(&c.Pos, &c.Label, &c.Required, &c.Done); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
