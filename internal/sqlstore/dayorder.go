package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"aftersales"
	"aftersales/internal/field"
)

// A technician's day in a supervisor's order (issue #19): each visit's
// place is pinned in visits.route_pin, and while any visit of the day is
// pinned field.PlanDay keeps that order and only times the day (planned
// times, slack, distance), flagging a visit the order makes start after
// its window with late_min rather than moving it. The promised windows
// do not change, so the customer is not told; the technician is, and
// every visit that changes place gets a line in its ticket's timeline.

// ReorderVisit moves a visit that has not started one place earlier or
// later in its technician's day, as the day is now planned (the route's
// order, then the visits it leaves out).
func (db *DB) ReorderVisit(ctx context.Context, visitID int64, in aftersales.ReorderInput) (*aftersales.DayRoute, error) {
	u, err := aftersales.Require(ctx, aftersales.PermVisitPlan)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	b, err := db.findBoardVisit(ctx, db.r, u, visitID)
	if err != nil {
		return nil, err
	}
	if b.TechnicianID == nil {
		return nil, &aftersales.Error{Code: aftersales.ECONFLICT, Message: fmt.Sprintf("Visit #%d has no technician; assign it before ordering their day.", b.Number),
			Fields: []aftersales.FieldError{{Field: "direction", Reason: "the visit has no technician"}}}
	}
	td := db.techDayOf(b.TechnicianID, b.WindowStart)
	err = db.inTx(ctx, func(tx *Tx) error {
		if err := db.lockRow(ctx, tx, "users", td.tech); err != nil {
			return err
		}
		v, err := db.findVisit(ctx, tx, b.TicketID, visitID)
		if err != nil {
			return err
		}
		if err := staleVisit(v, in.Version); err != nil {
			return err
		}
		if v.TechnicianID == nil || *v.TechnicianID != td.tech || db.techDayOf(v.TechnicianID, v.WindowStart) != td {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: fmt.Sprintf("Visit #%d moved meanwhile; reload and try again.", v.Number),
				Fields: []aftersales.FieldError{{Field: "version", Reason: "is stale"}}}
		}
		order, d, err := db.dayOrder(ctx, tx, td)
		if err != nil {
			return err
		}
		i := slices.Index(order, visitID)
		j := i - 1
		if in.Direction == "later" {
			j = i + 1
		}
		if j < 0 || j >= len(order) {
			where := "first"
			if j >= 0 {
				where = "last"
			}
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: fmt.Sprintf("Visit #%d is already the %s of the day.", v.Number, where),
				Fields: []aftersales.FieldError{{Field: "direction", Reason: "the visit is already the " + where + " of the day"}}}
		}
		for _, k := range []int{i, j} {
			if dv := d[order[k]]; !field.CanReschedule(dv.Status) {
				return &aftersales.Error{Code: aftersales.ECONFLICT,
					Message: fmt.Sprintf("Visit #%d is %s; the visits that have started keep their place.", dv.Number, dv.Status),
					Fields:  []aftersales.FieldError{{Field: "direction", Reason: "visit #" + strconv.Itoa(dv.Number) + " is " + string(dv.Status)}}}
			}
		}
		next := slices.Clone(order)
		next[i], next[j] = next[j], next[i]
		return db.setOrder(ctx, tx, u, td, order, next, in.Reason, in)
	})
	if err != nil {
		return nil, err
	}
	return db.DayRoute(ctx, td.tech, td.day)
}

// SetDayOrder puts technician techID's day in the order given (every
// visit of the day that is not cancelled, once), or with an empty list
// hands it back to the route planner.
func (db *DB) SetDayOrder(ctx context.Context, techID int64, day aftersales.Date, in aftersales.DayOrderInput) (*aftersales.DayRoute, error) {
	u, err := aftersales.Require(ctx, aftersales.PermVisitPlan)
	if err != nil {
		return nil, err
	}
	if err := checkDay(day); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	td := techDay{techID, day}
	err = db.inTx(ctx, func(tx *Tx) error {
		if err := checkTechnician(ctx, tx, "technician_id", &techID); err != nil {
			return aftersales.Errorf(aftersales.ENOTFOUND, "Technician %d not found.", techID)
		}
		if err := db.lockRow(ctx, tx, "users", techID); err != nil {
			return err
		}
		order, d, err := db.dayOrder(ctx, tx, td)
		if err != nil {
			return err
		}
		// Ordering a day moves every visit of it: the caller must see
		// them all.
		for _, id := range order {
			if _, err := db.findBoardVisit(ctx, tx, u, id); err != nil {
				return err
			}
		}
		var v aftersales.Validator
		if len(in.VisitIDs) > 0 {
			for i, id := range in.VisitIDs {
				v.Check(d[id] != nil, "visit_ids["+strconv.Itoa(i)+"]", "is not a visit of the technician's day")
			}
			var missing []string
			for _, id := range order {
				if !slices.Contains(in.VisitIDs, id) {
					missing = append(missing, strconv.FormatInt(id, 10))
				}
			}
			v.Check(len(missing) == 0, "visit_ids", "must list every visit of the day; missing "+strings.Join(missing, ", "))
		}
		if err := v.Err(); err != nil {
			return err
		}
		return db.setOrder(ctx, tx, u, td, order, in.VisitIDs, in.Reason, in)
	})
	if err != nil {
		return nil, err
	}
	return db.DayRoute(ctx, techID, day)
}

// dayOrder is a technician's day as now planned: its visits (cancelled
// ones aside) in route order, the ones the route leaves out last, and
// the visits by id.
func (db *DB) dayOrder(ctx context.Context, tx *Tx, td techDay) ([]int64, map[int64]*field.DayVisit, error) {
	d, err := db.loadDay(ctx, tx, td.tech, td.day, tx.now)
	if err != nil {
		return nil, nil, err
	}
	r, err := field.PlanDay(d, field.DefaultTravel)
	if err != nil {
		return nil, nil, err
	}
	byID := map[int64]*field.DayVisit{}
	for i := range d.Visits {
		byID[d.Visits[i].ID] = &d.Visits[i]
	}
	var order []int64
	for _, s := range r.Stops {
		order = append(order, s.VisitID)
	}
	for _, u := range r.Unplanned {
		order = append(order, u.VisitID)
	}
	return order, byID, nil
}

// setOrder pins the day's visits in order next (none when empty),
// re-plans the day, and records the change: a visit and ticket timeline
// line for each visit whose place changed (with the late risk the new
// order gives it), the technician's notification and the audit.
func (db *DB) setOrder(ctx context.Context, tx *Tx, u *aftersales.User, td techDay, before, next []int64, reason string, detail any) error {
	if len(next) == 0 {
		for _, id := range before {
			if _, err := tx.ExecContext(ctx, `UPDATE visits SET route_pin = NULL, updated_at = $1, version = version + 1
				WHERE id = $2 AND route_pin IS NOT NULL`, ms(tx.now), id); err != nil {
				return fmt.Errorf("sqlstore: clear day order: %w", err)
			}
		}
	}
	for i, id := range next {
		if _, err := tx.ExecContext(ctx, `UPDATE visits SET route_pin = $1, updated_at = $2, version = version + 1
			WHERE id = $3 AND (route_pin IS NULL OR route_pin <> $1)`, i+1, ms(tx.now), id); err != nil {
			return mapErr(fmt.Errorf("sqlstore: pin visit: %w", err))
		}
	}
	if err := db.replanDay(ctx, tx, td.tech, td.day); err != nil {
		return err
	}
	after, _, err := db.dayOrder(ctx, tx, td)
	if err != nil {
		return err
	}
	late := map[int64]int{}
	rows, err := tx.QueryContext(ctx, `SELECT visit_id, late_min FROM visit_plans WHERE technician_id = $1 AND day = $2 AND late_min > 0`, td.tech, string(td.day))
	if err != nil {
		return fmt.Errorf("sqlstore: late visits: %w", err)
	}
	for rows.Next() {
		var id int64
		var m int
		if err := rows.Scan(&id, &m); err != nil {
			rows.Close()
			return err
		}
		late[id] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	changed := 0
	for i, id := range after {
		was := slices.Index(before, id)
		if was == i {
			continue
		}
		changed++
		var ticketID int64
		if err := tx.QueryRowContext(ctx, `SELECT ticket_id FROM visits WHERE id = $1`, id).Scan(&ticketID); err != nil {
			return fmt.Errorf("sqlstore: reordered visit: %w", err)
		}
		v, err := db.findVisit(ctx, tx, ticketID, id)
		if err != nil {
			return err
		}
		to := "reordered " + strconv.Itoa(i+1)
		if m := late[id]; m > 0 {
			to += " late_risk " + strconv.Itoa(m) + " min"
		}
		if err := visitEvent(ctx, tx, id, &u.ID, "reordered", strconv.Itoa(was+1), strconv.Itoa(i+1), reason); err != nil {
			return err
		}
		if err := ticketVisitEvent(ctx, tx, v, &u.ID, strconv.Itoa(was+1), to, reason); err != nil {
			return err
		}
	}
	if err := tx.audit(ctx, "visit.reorder", "user", td.tech, map[string]any{"date": td.day, "order": after, "late_min": late, "input": detail}); err != nil {
		return err
	}
	if changed == 0 {
		return nil
	}
	var title, body []string
	for _, l := range []string{"zh-CN", "en"} {
		title = append(title, db.msg(l, "dispatch.notify.reordered", "date", string(td.day)))
		line := db.msg(l, "dispatch.notify.reordered_body", "count", strconv.Itoa(len(after)))
		if len(late) > 0 {
			line += " " + db.msg(l, "dispatch.notify.late_risk", "count", strconv.Itoa(len(late)))
		}
		body = append(body, line)
	}
	return db.notifyLink(ctx, tx, td.tech, nil, "/my/day?date="+string(td.day), "visit.reordered", strings.Join(title, " / "), strings.Join(body, "\n"))
}
