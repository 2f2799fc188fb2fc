package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

// The improvement loop (issue #6). Everyone who works tickets can read
// items and the case library; quality managers, supervisors and admins
// run items; an item's owner works it; an action's owner updates it.

func manager(u *aftersales.User) bool {
	return u.Role == aftersales.RoleAdmin || u.Role == aftersales.RoleSupervisor || u.Role == aftersales.RoleQuality
}

const itemCols = `i.id, i.number, i.title, i.description, i.source, i.rule_id, i.kpi, i.dim, i.val, i.baseline, i.target, i.target_date,
	i.severity, i.owner_id, COALESCE(u.name, ''), i.department, i.status, i.evidence, i.breaches, i.root_cause, i.root_note, i.reopen_count,
	i.version, i.created_at, i.updated_at, i.closed_at, i.last_period,
	(SELECT COUNT(*) FROM improvement_actions a WHERE a.item_id = i.id AND a.status IN ('planned','in_progress')),
	(SELECT COUNT(*) FROM improvement_actions a WHERE a.item_id = i.id AND a.status = 'done'),
	(SELECT COUNT(*) FROM improvement_actions a WHERE a.item_id = i.id AND a.status IN ('planned','in_progress') AND a.due_on < $1)`

const itemFrom = ` FROM improvement_items i LEFT JOIN users u ON u.id = i.owner_id`

func scanItem(today string) func(s interface{ Scan(...any) error }) (*aftersales.ImprovementItem, error) {
	return func(s interface{ Scan(...any) error }) (*aftersales.ImprovementItem, error) {
		var it aftersales.ImprovementItem
		var rule, owner, closed, last sql.NullInt64
		var base, target sql.NullFloat64
		var dim, ev, tdate, status string
		var created, updated int64
		var overdueActions int
		err := s.Scan(&it.ID, &it.Number, &it.Title, &it.Description, &it.Source, &rule, &it.KPI, &dim, &it.Value, &base, &target, &tdate,
			&it.Severity, &owner, &it.OwnerName, &it.Department, &status, &ev, &it.Breaches, &it.RootCause, &it.RootNote, &it.ReopenCount,
			&it.Version, &created, &updated, &closed, &last, &it.ActionsOpen, &it.ActionsDone, &overdueActions)
		if err != nil {
			return nil, err
		}
		it.RuleID, it.OwnerID, it.Dim, it.Baseline, it.Target = int64Ptr(rule), int64Ptr(owner), aftersales.Dimension(dim), floatPtr(base), floatPtr(target)
		it.Status, it.LastPeriod, it.ClosedAt = aftersales.ItemStatus(status), timePtr(last), timePtr(closed)
		it.CreatedAt, it.UpdatedAt = fromMS(created), fromMS(updated)
		if tdate != "" {
			d, _ := time.Parse(time.DateOnly, tdate)
			it.TargetDate = &d
		}
		it.Overdue = it.Status != aftersales.ItemClosed && (overdueActions > 0 || (tdate != "" && tdate < today))
		it.Tickets, it.Watchers = []int64{}, []int64{}
		return &it, json.Unmarshal([]byte(ev), &it.Evidence)
	}
}

// today is the deployment's local date.
func (db *DB) today() string { return db.Now().In(db.location()).Format(time.DateOnly) }

// ImprovementItems lists the improvement board, newest first.
func (db *DB) ImprovementItems(ctx context.Context, f aftersales.ItemFilter) ([]*aftersales.ImprovementItem, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	today := db.today()
	q, args := `SELECT `+itemCols+itemFrom+` WHERE 1 = 1`, []any{today}
	if f.Status != "" {
		args = append(args, string(f.Status))
		q += ` AND i.status = $` + strconv.Itoa(len(args))
	}
	if f.OwnerID != 0 {
		args = append(args, f.OwnerID)
		q += ` AND i.owner_id = $` + strconv.Itoa(len(args))
	}
	if f.Department != "" {
		args = append(args, f.Department)
		q += ` AND i.department = $` + strconv.Itoa(len(args))
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY i.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: improvement items: %w", err)
	}
	items, err := collect(rows, scanItem(today))
	if err != nil || !f.Overdue {
		return items, err
	}
	return slices.DeleteFunc(items, func(it *aftersales.ImprovementItem) bool { return !it.Overdue }), nil
}

func (db *DB) item(ctx context.Context, q queryer, id int64) (*aftersales.ImprovementItem, error) {
	today := db.today()
	it, err := scanItem(today)(q.QueryRowContext(ctx, `SELECT `+itemCols+itemFrom+` WHERE i.id = $2`, today, id))
	if err == sql.ErrNoRows {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Improvement item %d not found.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: improvement item: %w", err)
	}
	if it.Tickets, err = ids(ctx, q, `SELECT ticket_id FROM improvement_tickets WHERE item_id = $1 ORDER BY ticket_id`, id); err != nil {
		return nil, err
	}
	if it.Watchers, err = ids(ctx, q, `SELECT user_id FROM improvement_watchers WHERE item_id = $1 ORDER BY user_id`, id); err != nil {
		return nil, err
	}
	return it, nil
}

// ImprovementItem returns an item with its analysis, actions,
// verifications, timeline and published case.
func (db *DB) ImprovementItem(ctx context.Context, id int64) (*aftersales.ItemDetail, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	it, err := db.item(ctx, db.r, id)
	if err != nil {
		return nil, err
	}
	d := &aftersales.ItemDetail{ImprovementItem: it, Whys: []aftersales.WhyStep{}, Causes: []aftersales.Cause{}}
	var mon string
	if err := db.r.QueryRowContext(ctx, `SELECT monitor FROM improvement_items WHERE id = $1`, id).Scan(&mon); err != nil {
		return nil, err
	}
	if m := (monitor{}); mon != "" && json.Unmarshal([]byte(mon), &m) == nil {
		d.Watch = &aftersales.RelapseWatch{Chart: m.Chart, Center: m.Center, Sigma: m.Sigma, Before: m.Before, Since: m.Since}
		if m.Chart == "p" {
			d.Watch.Center *= 100
		}
	}
	rows, err := db.r.QueryContext(ctx, `SELECT question, answer, evidence FROM improvement_whys WHERE item_id = $1 ORDER BY step`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var w aftersales.WhyStep
		if err := rows.Scan(&w.Question, &w.Answer, &w.Evidence); err != nil {
			rows.Close()
			return nil, err
		}
		d.Whys = append(d.Whys, w)
	}
	rows.Close()
	rows, err = db.r.QueryContext(ctx, `SELECT id, parent_id, category, text, status, evidence FROM improvement_causes WHERE item_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c aftersales.Cause
		var parent sql.NullInt64
		if err := rows.Scan(&c.ID, &parent, &c.Category, &c.Text, &c.Status, &c.Evidence); err != nil {
			rows.Close()
			return nil, err
		}
		c.ParentID = int64Ptr(parent)
		d.Causes = append(d.Causes, c)
	}
	rows.Close()
	if d.Actions, err = db.actions(ctx, db.r, id); err != nil {
		return nil, err
	}
	rows, err = db.r.QueryContext(ctx, `SELECT id, result, applied, by_id, created_at FROM improvement_verifications WHERE item_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	if d.Verifications, err = collect(rows, func(s interface{ Scan(...any) error }) (*aftersales.Verification, error) {
		var v aftersales.Verification
		var res string
		var by sql.NullInt64
		var at int64
		var vid int64
		var applied bool
		if err := s.Scan(&vid, &res, &applied, &by, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(res), &v); err != nil {
			return nil, err
		}
		v.ID, v.Applied, v.ByID, v.CreatedAt = vid, applied, by.Int64, fromMS(at)
		return &v, nil
	}); err != nil {
		return nil, err
	}
	rows, err = db.r.QueryContext(ctx, `SELECT e.id, e.at, e.actor_id, COALESCE(u.name, ''), e.kind, e.from_val, e.to_val, e.body
		FROM improvement_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.item_id = $1 ORDER BY e.id`, id)
	if err != nil {
		return nil, err
	}
	if d.Events, err = collect(rows, func(s interface{ Scan(...any) error }) (*aftersales.ItemEvent, error) {
		var e aftersales.ItemEvent
		var actor sql.NullInt64
		var at int64
		err := s.Scan(&e.ID, &at, &actor, &e.Actor, &e.Kind, &e.From, &e.To, &e.Body)
		e.At, e.ActorID = fromMS(at), int64Ptr(actor)
		return &e, err
	}); err != nil {
		return nil, err
	}
	cs, err := db.cases(ctx, `WHERE c.item_id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(cs) > 0 {
		d.Case = cs[0]
	}
	return d, nil
}

func (db *DB) actions(ctx context.Context, q queryer, itemID int64) ([]*aftersales.Action, error) {
	today := db.today()
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.item_id, a.description, a.owner_id, COALESCE(u.name, ''), a.start_on, a.due_on, a.resources, a.budget,
		a.status, a.evidence, a.done_at, a.version FROM improvement_actions a LEFT JOIN users u ON u.id = a.owner_id WHERE a.item_id = $1 ORDER BY a.due_on, a.id`, itemID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: actions: %w", err)
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (*aftersales.Action, error) {
		var a aftersales.Action
		var budget sql.NullFloat64
		var done sql.NullInt64
		err := s.Scan(&a.ID, &a.ItemID, &a.Description, &a.OwnerID, &a.OwnerName, &a.Start, &a.Due, &a.Resources, &budget, &a.Status, &a.Evidence, &done, &a.Version)
		a.Budget, a.DoneAt = floatPtr(budget), timePtr(done)
		a.Overdue = (a.Status == "planned" || a.Status == "in_progress") && a.Due < today
		return &a, err
	})
}

// itemEvent appends to an item's timeline.
func itemEvent(ctx context.Context, tx *Tx, itemID int64, actor *int64, kind, from, to, body string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO improvement_events (item_id, at, actor_id, kind, from_val, to_val, body) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		itemID, ms(tx.now), nullInt(actor), kind, from, to, body)
	if err != nil {
		return fmt.Errorf("sqlstore: item event: %w", err)
	}
	return nil
}

// checkItemInput validates what needs the database: the KPI, the owner,
// tickets and watchers.
func checkItemInput(ctx context.Context, q queryer, in *aftersales.ItemInput) error {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return err
	}
	var v aftersales.Validator
	if in.KPI != "" {
		k, ok := analytics.Lookup(in.KPI)
		v.Check(ok, "kpi", "unknown KPI")
		if ok {
			_, err := k.Verification()
			v.Check(err == nil, "kpi", fmt.Sprint(err))
		}
	}
	if in.OwnerID != nil {
		if err := activeUser(ctx, q, *in.OwnerID); err != nil {
			v.Add("owner_id", err.Error())
		}
	}
	for i, t := range in.Tickets {
		ok, err := exists(ctx, q, "tickets", t)
		if err != nil {
			return err
		}
		v.Check(ok, fmt.Sprintf("tickets[%d]", i), fmt.Sprintf("ticket %d does not exist", t))
	}
	for i, w := range in.Watchers {
		if err := activeUser(ctx, q, w); err != nil {
			v.Add(fmt.Sprintf("watchers[%d]", i), err.Error())
		}
	}
	return v.Err()
}

func activeUser(ctx context.Context, q queryer, id int64) error {
	var active bool
	err := q.QueryRowContext(ctx, `SELECT active FROM users WHERE id = $1`, id).Scan(&active)
	switch {
	case err == sql.ErrNoRows:
		return fmt.Errorf("user %d does not exist", id)
	case err != nil:
		return err
	case !active:
		return fmt.Errorf("user %d is deactivated", id)
	}
	return nil
}

func dedupeIDs(xs []int64) []int64 {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

func setItemLinks(ctx context.Context, tx *Tx, id int64, in *aftersales.ItemInput) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM improvement_tickets WHERE item_id = $1`, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM improvement_watchers WHERE item_id = $1`, id); err != nil {
		return err
	}
	for _, t := range dedupeIDs(in.Tickets) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO improvement_tickets (item_id, ticket_id) VALUES ($1, $2)`, id, t); err != nil {
			return err
		}
	}
	for _, w := range dedupeIDs(in.Watchers) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO improvement_watchers (item_id, user_id) VALUES ($1, $2)`, id, w); err != nil {
			return err
		}
	}
	return nil
}

func requireManager(ctx context.Context) (*aftersales.User, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return nil, err
	}
	if !manager(u) {
		return nil, aftersales.Errorf(aftersales.EFORBIDDEN, "Only quality managers, supervisors and admins can do this.")
	}
	return u, nil
}

// CreateItem opens an item by hand (from complaints, an audit, or any
// observation).
func (db *DB) CreateItem(ctx context.Context, in aftersales.ItemInput) (*aftersales.ImprovementItem, error) {
	u, err := requireManager(ctx)
	if err != nil {
		return nil, err
	}
	var id int64
	err = db.inTx(ctx, func(tx *Tx) error {
		if err := checkItemInput(ctx, tx, &in); err != nil {
			return err
		}
		month := tx.now.In(db.location()).Format("200601")
		seq, err := nextSeq(ctx, tx, "improvement:"+month)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO improvement_items (number, title, description, source, kpi, dim, val, baseline, target, target_date,
			severity, owner_id, department, evidence, breaches, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, '[]', 0, $14, $14) RETURNING id`,
			fmt.Sprintf("IM%s-%04d", month, seq), in.Title, in.Description, in.Source, in.KPI, string(in.Dim), in.Value, in.Baseline, in.Target,
			in.TargetDate, in.Severity, nullInt(in.OwnerID), in.Department, ms(tx.now)).Scan(&id)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: create item: %w", err))
		}
		if err := setItemLinks(ctx, tx, id, &in); err != nil {
			return err
		}
		if err := itemEvent(ctx, tx, id, &u.ID, "created", "", string(aftersales.ItemOpen), in.Title); err != nil {
			return err
		}
		if err := db.notifyNewOwner(ctx, tx, id, nil, &in, u.ID); err != nil {
			return err
		}
		return tx.audit(ctx, "improvement.created", "improvement_item", id, in)
	})
	if err != nil {
		return nil, err
	}
	return db.item(ctx, db.r, id)
}

// notifyNewOwner tells the item's owner, when it is someone new and not
// the actor, that the item is theirs.
func (db *DB) notifyNewOwner(ctx context.Context, tx *Tx, itemID int64, was *int64, in *aftersales.ItemInput, actor int64) error {
	if in.OwnerID == nil || sameInt(was, in.OwnerID) || *in.OwnerID == actor {
		return nil
	}
	return db.notifyItem(ctx, tx, *in.OwnerID, itemID, "improvement.assigned", "You own an improvement item: "+in.Title, in.Description)
}

func (db *DB) notifyItem(ctx context.Context, tx *Tx, userID, itemID int64, kind, title, body string) error {
	return db.notifyLink(ctx, tx, userID, nil, "/quality/items/"+strconv.FormatInt(itemID, 10), kind, title, body)
}

// lockItem reads an item in tx and checks the caller may work on it.
func (db *DB) workItem(ctx context.Context, tx *Tx, id int64) (*aftersales.User, *aftersales.ImprovementItem, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return nil, nil, err
	}
	it, err := db.item(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	if !manager(u) && (it.OwnerID == nil || *it.OwnerID != u.ID) {
		return nil, nil, aftersales.Errorf(aftersales.EFORBIDDEN, "Only the item's owner, quality managers, supervisors and admins can change it.")
	}
	return u, it, nil
}

// bump advances an item's version, failing on a stale one when version
// is not zero.
func bump(ctx context.Context, tx *Tx, id, version int64) error {
	q, args := `UPDATE improvement_items SET version = version + 1, updated_at = $1 WHERE id = $2`, []any{ms(tx.now), id}
	if version != 0 {
		q += ` AND version = $3`
		args = append(args, version)
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return aftersales.Errorf(aftersales.ECONFLICT, "The improvement item was changed by someone else; reload it.")
	}
	return nil
}

// UpdateItem changes what a person set on an item.
func (db *DB) UpdateItem(ctx context.Context, id, version int64, in aftersales.ItemInput) (*aftersales.ImprovementItem, error) {
	err := db.inTx(ctx, func(tx *Tx) error {
		u, it, err := db.workItem(ctx, tx, id)
		if err != nil {
			return err
		}
		if it.Source == aftersales.SourceAlert && in.Source == aftersales.SourceManual {
			in.Source = "" // an alert's item keeps its source
		}
		if err := checkItemInput(ctx, tx, &in); err != nil {
			return err
		}
		source := in.Source
		if it.Source == aftersales.SourceAlert {
			source = aftersales.SourceAlert
		}
		if err := bump(ctx, tx, id, version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE improvement_items SET title = $1, description = $2, source = $3, kpi = $4, dim = $5, val = $6,
			baseline = $7, target = $8, target_date = $9, severity = $10, owner_id = $11, department = $12 WHERE id = $13`,
			in.Title, in.Description, source, in.KPI, string(in.Dim), in.Value, in.Baseline, in.Target, in.TargetDate, in.Severity,
			nullInt(in.OwnerID), in.Department, id); err != nil {
			return mapErr(fmt.Errorf("sqlstore: update item: %w", err))
		}
		if err := setItemLinks(ctx, tx, id, &in); err != nil {
			return err
		}
		var changed []string
		add := func(name string, differs bool) {
			if differs {
				changed = append(changed, name)
			}
		}
		add("title", it.Title != in.Title)
		add("description", it.Description != in.Description)
		add("kpi", it.KPI != in.KPI || it.Dim != in.Dim || it.Value != in.Value)
		add("baseline", !sameFloat(it.Baseline, in.Baseline))
		add("target", !sameFloat(it.Target, in.Target))
		add("target_date", dateStr(it.TargetDate) != in.TargetDate)
		add("severity", it.Severity != in.Severity)
		add("owner", !sameInt(it.OwnerID, in.OwnerID))
		add("department", it.Department != in.Department)
		add("tickets", !slices.Equal(it.Tickets, dedupeIDs(in.Tickets)))
		add("watchers", !slices.Equal(it.Watchers, dedupeIDs(in.Watchers)))
		if err := itemEvent(ctx, tx, id, &u.ID, "edited", "", "", strings.Join(changed, ", ")); err != nil {
			return err
		}
		if err := db.notifyNewOwner(ctx, tx, id, it.OwnerID, &in, u.ID); err != nil {
			return err
		}
		return tx.audit(ctx, "improvement.updated", "improvement_item", id, in)
	})
	if err != nil {
		return nil, err
	}
	return db.item(ctx, db.r, id)
}

func sameFloat(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func sameInt(a, b *int64) bool     { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func dateStr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// TransitionItem moves an item through the loop, enforcing the states'
// preconditions: a root cause before planning, an action before
// implementing, every action finished before verifying (unless a
// supervisor overrides with a reason), and a reason for every move back,
// dismissal or reopening.
func (db *DB) TransitionItem(ctx context.Context, id, version int64, to aftersales.ItemStatus, reason string, override bool) (*aftersales.ImprovementItem, error) {
	reason = strings.TrimSpace(reason)
	err := db.inTx(ctx, func(tx *Tx) error {
		u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
		if err != nil {
			return err
		}
		it, err := db.item(ctx, tx, id)
		if err != nil {
			return err
		}
		if why := aftersales.ItemRoleCheck(u, it.OwnerID, it.Status, to); why != "" {
			return aftersales.Errorf(aftersales.EFORBIDDEN, "You cannot move this item: %s.", why)
		}
		if !to.Valid() {
			return &aftersales.Error{Code: aftersales.EINVALID, Message: "Unknown state.", Fields: []aftersales.FieldError{{Field: "status", Reason: "unknown state " + strconv.Quote(string(to))}}}
		}
		if !aftersales.CanItemTransition(it.Status, to) {
			return aftersales.Errorf(aftersales.ECONFLICT, "An item cannot move from %s to %s.", it.Status, to)
		}
		var v aftersales.Validator
		back := slices.Index(aftersales.ItemStatuses, to) < slices.Index(aftersales.ItemStatuses, it.Status) && it.Status != aftersales.ItemReopened
		needReason := back || to == aftersales.ItemClosed || to == aftersales.ItemReopened
		v.Check(!needReason || reason != "", "reason", "say why the item moves back, is dismissed or is reopened")
		switch to {
		case aftersales.ItemPlanning:
			v.Check(it.RootCause != "" || it.RootNote != "", "root_cause", "record the root cause (5-Why or fishbone, then a taxonomy code or a description) before planning")
		case aftersales.ItemImplementing:
			v.Check(it.ActionsOpen+it.ActionsDone > 0, "actions", "plan at least one action before implementing")
		case aftersales.ItemVerifying:
			if it.ActionsOpen > 0 {
				switch {
				case !override:
					v.Add("actions", fmt.Sprintf("%d actions are still open; finish or cancel them, or have a supervisor override", it.ActionsOpen))
				case !aftersales.CanOverrideActions(u.Role):
					return aftersales.Errorf(aftersales.EFORBIDDEN, "Only a supervisor or an admin can override open actions.")
				case reason == "":
					v.Add("reason", "an override needs a reason")
				}
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := bump(ctx, tx, id, version); err != nil {
			return err
		}
		var q string
		args := []any{string(to), id}
		switch to {
		case aftersales.ItemClosed:
			q, args = `UPDATE improvement_items SET status = $1, closed_at = $3, monitor = '' WHERE id = $2`, append(args, ms(tx.now))
		case aftersales.ItemReopened:
			q = `UPDATE improvement_items SET status = $1, closed_at = NULL, monitor = '', reopen_count = reopen_count + 1, escalated_at = NULL WHERE id = $2`
		default:
			q = `UPDATE improvement_items SET status = $1 WHERE id = $2`
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		body := reason
		if override && it.ActionsOpen > 0 && to == aftersales.ItemVerifying {
			body = fmt.Sprintf("override with %d open actions: %s", it.ActionsOpen, reason)
		}
		if err := itemEvent(ctx, tx, id, &u.ID, "status", string(it.Status), string(to), body); err != nil {
			return err
		}
		if err := db.notifyWatchers(ctx, tx, it, u.ID, "improvement.status", fmt.Sprintf("%s: %s → %s", it.Number, it.Status, to), body); err != nil {
			return err
		}
		return tx.audit(ctx, "improvement.status", "improvement_item", id, map[string]any{"from": it.Status, "to": to, "reason": reason, "override": override})
	})
	if err != nil {
		return nil, err
	}
	return db.item(ctx, db.r, id)
}

// notifyWatchers tells the owner and watchers (but not the actor).
func (db *DB) notifyWatchers(ctx context.Context, tx *Tx, it *aftersales.ImprovementItem, actor int64, kind, title, body string) error {
	to := slices.Clone(it.Watchers)
	if it.OwnerID != nil {
		to = append(to, *it.OwnerID)
	}
	for _, uid := range dedupeIDs(to) {
		if uid == actor {
			continue
		}
		if err := db.notifyItem(ctx, tx, uid, it.ID, kind, title, body); err != nil {
			return err
		}
	}
	return nil
}

// itemNote is the timeline entry an analysis change writes.
type itemNote struct{ kind, from, to, body string }

// analyse runs change on an item that is not closed, in one transaction,
// as someone who may work on it; then it advances the item's version and
// writes the timeline entry change returns.
func (db *DB) analyse(ctx context.Context, id int64, change func(tx *Tx, it *aftersales.ImprovementItem) (itemNote, error)) error {
	return db.inTx(ctx, func(tx *Tx) error {
		u, it, err := db.workItem(ctx, tx, id)
		if err != nil {
			return err
		}
		if it.Status == aftersales.ItemClosed {
			return aftersales.Errorf(aftersales.ECONFLICT, "The item is closed; reopen it to change its analysis.")
		}
		n, err := change(tx, it)
		if err != nil {
			return err
		}
		if err := bump(ctx, tx, id, 0); err != nil {
			return err
		}
		return itemEvent(ctx, tx, id, &u.ID, n.kind, n.from, n.to, n.body)
	})
}

// SetWhys replaces the 5-Why chain.
func (db *DB) SetWhys(ctx context.Context, id int64, steps []aftersales.WhyStep) error {
	var v aftersales.Validator
	v.Check(len(steps) <= 10, "steps", "at most 10 steps")
	for i := range steps {
		s := &steps[i]
		s.Question, s.Answer, s.Evidence = strings.TrimSpace(s.Question), strings.TrimSpace(s.Answer), strings.TrimSpace(s.Evidence)
		v.Check(s.Question != "", fmt.Sprintf("steps[%d].question", i), "is required")
		v.Check(s.Answer != "" || i == len(steps)-1, fmt.Sprintf("steps[%d].answer", i), "every step but the last needs an answer")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return db.analyse(ctx, id, func(tx *Tx, _ *aftersales.ImprovementItem) (itemNote, error) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM improvement_whys WHERE item_id = $1`, id); err != nil {
			return itemNote{}, err
		}
		for i, s := range steps {
			if _, err := tx.ExecContext(ctx, `INSERT INTO improvement_whys (item_id, step, question, answer, evidence) VALUES ($1, $2, $3, $4, $5)`,
				id, i+1, s.Question, s.Answer, s.Evidence); err != nil {
				return itemNote{}, err
			}
		}
		body := fmt.Sprintf("%d steps", len(steps))
		if len(steps) > 0 && steps[len(steps)-1].Answer != "" {
			body += ": " + steps[len(steps)-1].Answer
		}
		return itemNote{kind: "five_why", body: body}, nil
	})
}

// SetRootCause records the root cause: a taxonomy code, free text, or
// both.
func (db *DB) SetRootCause(ctx context.Context, id int64, code, note string) error {
	code, note = strings.TrimSpace(code), strings.TrimSpace(note)
	return db.analyse(ctx, id, func(tx *Tx, it *aftersales.ImprovementItem) (itemNote, error) {
		var v aftersales.Validator
		v.Check(code != "" || note != "", "root_cause", "choose a code from the taxonomy or describe the root cause")
		if code != "" {
			var active bool
			err := tx.QueryRowContext(ctx, `SELECT active FROM root_cause_codes WHERE code = $1`, code).Scan(&active)
			if err != nil && err != sql.ErrNoRows {
				return itemNote{}, err
			}
			v.Check(err == nil, "root_cause", "not in the root-cause taxonomy")
			v.Check(err != nil || active, "root_cause", "this code is retired")
		}
		if err := v.Err(); err != nil {
			return itemNote{}, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE improvement_items SET root_cause = $1, root_note = $2 WHERE id = $3`, code, note, id); err != nil {
			return itemNote{}, err
		}
		return itemNote{kind: "root_cause", from: it.RootCause, to: code, body: note}, nil
	})
}

// SaveCause adds (ID 0) or changes a fishbone cause.
func (db *DB) SaveCause(ctx context.Context, itemID int64, c *aftersales.Cause) error {
	if _, err := aftersales.Require(ctx, aftersales.PermTicketRead); err != nil {
		return err
	}
	c.Text, c.Evidence = strings.TrimSpace(c.Text), strings.TrimSpace(c.Evidence)
	if c.Status == "" {
		c.Status = "suspected"
	}
	var v aftersales.Validator
	v.Check(slices.Contains(aftersales.CauseCategories, c.Category), "category", "must be one of the 6M: man, machine, material, method, measurement, environment")
	v.Check(c.Text != "", "text", "is required")
	v.Check(slices.Contains(aftersales.CauseStatuses, c.Status), "status", "must be suspected, verified or ruled_out")
	v.Check(c.Status != "verified" || c.Evidence != "", "evidence", "a verified cause needs its evidence")
	v.Check(c.ParentID == nil || c.ID == 0 || *c.ParentID != c.ID, "parent_id", "a cause cannot be its own parent")
	if err := v.Err(); err != nil {
		return err
	}
	return db.analyse(ctx, itemID, func(tx *Tx, _ *aftersales.ImprovementItem) (itemNote, error) {
		if c.ParentID != nil {
			var cat string
			var grand sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT category, parent_id FROM improvement_causes WHERE id = $1 AND item_id = $2`, *c.ParentID, itemID).Scan(&cat, &grand)
			if err == sql.ErrNoRows {
				return itemNote{}, &aftersales.Error{Code: aftersales.EINVALID, Message: "Unknown parent cause.", Fields: []aftersales.FieldError{{Field: "parent_id", Reason: "no such cause on this item"}}}
			}
			if err != nil {
				return itemNote{}, err
			}
			if grand.Valid {
				return itemNote{}, &aftersales.Error{Code: aftersales.EINVALID, Message: "Causes nest one level.", Fields: []aftersales.FieldError{{Field: "parent_id", Reason: "sub-causes cannot have sub-causes; attach to the top cause"}}}
			}
			c.Category = cat
		}
		if c.ID == 0 {
			if err := tx.QueryRowContext(ctx, `INSERT INTO improvement_causes (item_id, parent_id, category, text, status, evidence) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
				itemID, nullInt(c.ParentID), c.Category, c.Text, c.Status, c.Evidence).Scan(&c.ID); err != nil {
				return itemNote{}, mapErr(fmt.Errorf("sqlstore: save cause: %w", err))
			}
			return itemNote{kind: "cause_added", from: c.Category, to: c.Status, body: c.Text}, nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE improvement_causes SET parent_id = $1, category = $2, text = $3, status = $4, evidence = $5 WHERE id = $6 AND item_id = $7`,
			nullInt(c.ParentID), c.Category, c.Text, c.Status, c.Evidence, c.ID, itemID)
		if err != nil {
			return itemNote{}, mapErr(fmt.Errorf("sqlstore: save cause: %w", err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itemNote{}, aftersales.Errorf(aftersales.ENOTFOUND, "Cause %d not found on this item.", c.ID)
		}
		return itemNote{kind: "cause_changed", from: c.Category, to: c.Status, body: c.Text}, nil
	})
}

// DeleteCause removes a fishbone cause and its sub-causes.
func (db *DB) DeleteCause(ctx context.Context, itemID, causeID int64) error {
	return db.analyse(ctx, itemID, func(tx *Tx, _ *aftersales.ImprovementItem) (itemNote, error) {
		var text string
		err := tx.QueryRowContext(ctx, `SELECT text FROM improvement_causes WHERE id = $1 AND item_id = $2`, causeID, itemID).Scan(&text)
		if err == sql.ErrNoRows {
			return itemNote{}, aftersales.Errorf(aftersales.ENOTFOUND, "Cause %d not found on this item.", causeID)
		}
		if err != nil {
			return itemNote{}, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM improvement_causes WHERE parent_id = $1 OR id = $1`, causeID); err != nil {
			return itemNote{}, err
		}
		return itemNote{kind: "cause_removed", body: text}, nil
	})
}

// SaveAction adds (actionID 0) or changes an action. The item's owner and
// managers plan actions; an action's owner may update it.
func (db *DB) SaveAction(ctx context.Context, itemID, actionID, version int64, in aftersales.ActionInput) (*aftersales.Action, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		it, err := db.item(ctx, tx, itemID)
		if err != nil {
			return err
		}
		worker := manager(u) || (it.OwnerID != nil && *it.OwnerID == u.ID)
		if it.Status == aftersales.ItemClosed {
			return aftersales.Errorf(aftersales.ECONFLICT, "The item is closed; reopen it to change its actions.")
		}
		if err := activeUser(ctx, tx, in.OwnerID); err != nil {
			return &aftersales.Error{Code: aftersales.EINVALID, Message: "Unknown owner.", Fields: []aftersales.FieldError{{Field: "owner_id", Reason: err.Error()}}}
		}
		var done any
		if in.Status == "done" {
			done = ms(tx.now)
		}
		if actionID == 0 {
			if !worker {
				return aftersales.Errorf(aftersales.EFORBIDDEN, "Only the item's owner, quality managers, supervisors and admins can plan actions.")
			}
			err = tx.QueryRowContext(ctx, `INSERT INTO improvement_actions (item_id, description, owner_id, start_on, due_on, resources, budget, status, evidence,
				done_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
				itemID, in.Description, in.OwnerID, in.Start, in.Due, in.Resources, in.Budget, in.Status, in.Evidence, done, ms(tx.now)).Scan(&actionID)
			if err != nil {
				return mapErr(fmt.Errorf("sqlstore: add action: %w", err))
			}
			if err := itemEvent(ctx, tx, itemID, &u.ID, "action_added", "", in.Status, in.Description+" (due "+in.Due+")"); err != nil {
				return err
			}
			if in.OwnerID != u.ID {
				if err := db.notifyItem(ctx, tx, in.OwnerID, itemID, "improvement.action", "Action for "+it.Number+", due "+in.Due, in.Description); err != nil {
					return err
				}
			}
		} else {
			var owner int64
			var status, due string
			err := tx.QueryRowContext(ctx, `SELECT owner_id, status, due_on FROM improvement_actions WHERE id = $1 AND item_id = $2`, actionID, itemID).Scan(&owner, &status, &due)
			if err == sql.ErrNoRows {
				return aftersales.Errorf(aftersales.ENOTFOUND, "Action %d not found on this item.", actionID)
			}
			if err != nil {
				return err
			}
			if !worker && owner != u.ID {
				return aftersales.Errorf(aftersales.EFORBIDDEN, "Only the action's owner, the item's owner, quality managers, supervisors and admins can change it.")
			}
			if !worker && in.OwnerID != owner {
				return aftersales.Errorf(aftersales.EFORBIDDEN, "Only the item's owner or a manager can hand an action to someone else.")
			}
			res, err := tx.ExecContext(ctx, `UPDATE improvement_actions SET description = $1, owner_id = $2, start_on = $3, due_on = $4, resources = $5,
				budget = $6, status = $7, evidence = $8, done_at = CASE WHEN $7 = 'done' THEN COALESCE(done_at, $9) ELSE NULL END,
				reminded_at = CASE WHEN due_on = $4 THEN reminded_at ELSE NULL END, escalated_at = CASE WHEN due_on = $4 THEN escalated_at ELSE NULL END,
				version = version + 1, updated_at = $10 WHERE id = $11 AND version = $12`,
				in.Description, in.OwnerID, in.Start, in.Due, in.Resources, in.Budget, in.Status, in.Evidence, done, ms(tx.now), actionID, version)
			if err != nil {
				return mapErr(fmt.Errorf("sqlstore: update action: %w", err))
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return aftersales.Errorf(aftersales.ECONFLICT, "The action was changed by someone else; reload it.")
			}
			body := in.Description
			if due != in.Due {
				body += " (due " + due + " → " + in.Due + ")"
			}
			if in.Status == "done" {
				body += ": " + in.Evidence
			}
			if err := itemEvent(ctx, tx, itemID, &u.ID, "action_changed", status, in.Status, body); err != nil {
				return err
			}
		}
		if err := bump(ctx, tx, itemID, 0); err != nil {
			return err
		}
		return tx.audit(ctx, "improvement.action", "improvement_item", itemID, in)
	})
	if err != nil {
		return nil, err
	}
	as, err := db.actions(ctx, db.r, itemID)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		if a.ID == actionID {
			return a, nil
		}
	}
	return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Action %d not found.", actionID)
}

// CommentItem adds a comment to the timeline.
func (db *DB) CommentItem(ctx context.Context, id int64, body string) error {
	if _, err := aftersales.Require(ctx, aftersales.PermTicketRead); err != nil {
		return err
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: "Empty comment.", Fields: []aftersales.FieldError{{Field: "body", Reason: "is required"}}}
	}
	return db.inTx(ctx, func(tx *Tx) error {
		u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
		if err != nil {
			return err
		}
		it, err := db.item(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := itemEvent(ctx, tx, id, &u.ID, "comment", "", "", body); err != nil {
			return err
		}
		return db.notifyWatchers(ctx, tx, it, u.ID, "improvement.comment", it.Number+": "+u.Name, body)
	})
}

// RootCauseCodes lists the taxonomy.
func (db *DB) RootCauseCodes(ctx context.Context) ([]*aftersales.RootCauseCode, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT code, category, name_zh, name_en, active FROM root_cause_codes ORDER BY category, code`)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (*aftersales.RootCauseCode, error) {
		var c aftersales.RootCauseCode
		return &c, s.Scan(&c.Code, &c.Category, &c.NameZH, &c.NameEN, &c.Active)
	})
}

// SaveRootCauseCode adds or changes a taxonomy entry; codes are never
// deleted (items refer to them), only retired.
func (db *DB) SaveRootCauseCode(ctx context.Context, c *aftersales.RootCauseCode) error {
	if _, err := aftersales.Require(ctx, aftersales.PermQualityWrite); err != nil {
		return err
	}
	c.Code, c.NameZH, c.NameEN = strings.TrimSpace(c.Code), strings.TrimSpace(c.NameZH), strings.TrimSpace(c.NameEN)
	var v aftersales.Validator
	v.Check(codeOK(c.Code), "code", "lower-case letters, digits, dots and underscores, starting with a letter")
	v.Check(slices.Contains(aftersales.CauseCategories, c.Category), "category", "must be one of the 6M")
	v.Check(c.NameZH != "", "name_zh", "is required")
	v.Check(c.NameEN != "", "name_en", "is required")
	if err := v.Err(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO root_cause_codes (code, category, name_zh, name_en, active) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (code) DO UPDATE SET category = excluded.category, name_zh = excluded.name_zh, name_en = excluded.name_en, active = excluded.active`,
			c.Code, c.Category, c.NameZH, c.NameEN, c.Active); err != nil {
			return mapErr(err)
		}
		return tx.audit(ctx, "improvement.root_cause_code", "root_cause_code", 0, c)
	})
}

func codeOK(s string) bool {
	if len(s) < 2 || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// RootCausePareto counts items by root cause across the whole loop, so
// the causes that keep coming back stand out. Items with only a free-text
// root cause count as "other".
func (db *DB) RootCausePareto(ctx context.Context, locale string) ([]aftersales.CauseCount, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	codes, err := db.RootCauseCodes(ctx)
	if err != nil {
		return nil, err
	}
	byCode := map[string]*aftersales.RootCauseCode{}
	for _, c := range codes {
		byCode[c.Code] = c
	}
	rows, err := db.r.QueryContext(ctx, `SELECT CASE WHEN root_cause = '' THEN $1 ELSE root_cause END, COUNT(*) FROM improvement_items
		WHERE root_cause <> '' OR root_note <> '' GROUP BY 1`, analytics.OtherKey)
	if err != nil {
		return nil, err
	}
	counts := map[string]float64{}
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			rows.Close()
			return nil, err
		}
		counts[code] = float64(n)
	}
	rows.Close()
	out := []aftersales.CauseCount{}
	for _, p := range analytics.Pareto(counts) {
		c := aftersales.CauseCount{Code: p.Key, Label: p.Key, Items: int(p.Count), CumPct: p.CumPct, Vital: p.Vital}
		if rc := byCode[p.Key]; rc != nil {
			c.Label, c.Category = rc.Name(locale), rc.Category
		} else if strings.HasPrefix(locale, "zh") {
			c.Label = "其他（自由描述）"
		} else {
			c.Label = "Other (free text)"
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
