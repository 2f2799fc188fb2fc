package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
	"aftersales/internal/field"
)

// Visits: a ticket's trips to the customer, numbered per ticket, with
// their history in visit_events (append-only) and a line on the ticket's
// timeline for each change. The state machine and lateness are
// field's; this file stores them. Every booking, move, reassignment and
// cancellation re-plans the technician's days it touches (dayroutes.go)
// in the same transaction.

const visitCols = `id, ticket_id, number, window_start, window_end, duration_min, skills, technician_id, status, checked_in_at,
	checked_out_at, checkin_lat, checkin_lng, checkout_lat, checkout_lng, outcome, note, created_at, updated_at, version`

func scanVisit(row interface{ Scan(...any) error }) (*aftersales.Visit, error) {
	var v aftersales.Visit
	var ws, we, created, updated int64
	var skills, status, outcome string
	var tech, in, out sql.NullInt64
	var inLat, inLng, outLat, outLng sql.NullFloat64
	if err := row.Scan(&v.ID, &v.TicketID, &v.Number, &ws, &we, &v.DurationMin, &skills, &tech, &status, &in, &out,
		&inLat, &inLng, &outLat, &outLng, &outcome, &v.Note, &created, &updated, &v.Version); err != nil {
		return nil, err
	}
	v.WindowStart, v.WindowEnd, v.CreatedAt, v.UpdatedAt = fromMS(ws), fromMS(we), fromMS(created), fromMS(updated)
	v.TechnicianID, v.CheckedInAt, v.CheckedOutAt = int64Ptr(tech), timePtr(in), timePtr(out)
	v.Status, v.Outcome = aftersales.VisitStatus(status), aftersales.VisitOutcome(outcome)
	if inLat.Valid && inLng.Valid {
		v.CheckIn = &aftersales.Position{Lat: inLat.Float64, Lng: inLng.Float64}
	}
	if outLat.Valid && outLng.Valid {
		v.CheckOut = &aftersales.Position{Lat: outLat.Float64, Lng: outLng.Float64}
	}
	v.Skills = []aftersales.Skill{}
	if err := json.Unmarshal([]byte(skills), &v.Skills); err != nil {
		return nil, fmt.Errorf("sqlstore: visit %d skills: %w", v.ID, err)
	}
	v.Late = field.Late(v.WindowEnd, v.CheckedInAt)
	return &v, nil
}

// window formats a visit's window in local time for the timeline:
// "2026-12-01 09:00-11:00".
func (db *DB) window(start, end time.Time) string {
	loc := db.location()
	s, e := start.In(loc), end.In(loc)
	if s.Format(time.DateOnly) == e.Format(time.DateOnly) {
		return s.Format("2006-01-02 15:04") + "-" + e.Format("15:04")
	}
	return s.Format("2006-01-02 15:04") + " - " + e.Format("2006-01-02 15:04")
}

func visitEvent(ctx context.Context, tx *Tx, visitID int64, actor *int64, kind, from, to, reason string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO visit_events (visit_id, at, actor_id, kind, from_value, to_value, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, visitID, ms(tx.now), nullInt(actor), kind, from, to, reason); err != nil {
		return mapErr(fmt.Errorf("sqlstore: visit event: %w", err))
	}
	return nil
}

// ticketVisitEvent is the visit's line on the ticket's timeline: field
// "visit", "#2 scheduled 2026-12-01 09:00-11:00".
func ticketVisitEvent(ctx context.Context, tx *Tx, v *aftersales.Visit, actor *int64, from, to, body string) error {
	return addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: v.TicketID, ActorID: actor, Kind: aftersales.EventFieldChanged,
		Field: "visit", From: from, To: fmt.Sprintf("#%d %s", v.Number, to), Body: body})
}

// checkTechnician checks that id is an active technician.
func checkTechnician(ctx context.Context, q queryer, fieldName string, id *int64) error {
	if id == nil {
		return nil
	}
	var role string
	var active bool
	err := q.QueryRowContext(ctx, `SELECT role, active FROM users WHERE id = $1`, *id).Scan(&role, &active)
	var v aftersales.Validator
	switch {
	case errors.Is(err, sql.ErrNoRows):
		v.Add(fieldName, fmt.Sprintf("%d does not exist", *id))
	case err != nil:
		return fmt.Errorf("sqlstore: check technician: %w", err)
	default:
		v.Check(role == string(aftersales.RoleTechnician), fieldName, "is a "+role+", not a technician")
		v.Check(active, fieldName, "is not active")
	}
	return v.Err()
}

// CreateVisit books the ticket's next visit.
func (db *DB) CreateVisit(ctx context.Context, ticketID int64, in aftersales.VisitInput) (*aftersales.Visit, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	u, err := aftersales.Require(ctx, aftersales.PermVisitPlan)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err = db.inTx(ctx, func(tx *Tx) error {
		t, err := db.lockTicket(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if err := canSee(u, t); err != nil {
			return err
		}
		if !t.Status.Open() {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: fmt.Sprintf("Ticket %s is %s; visits are booked for open tickets only.", t.Number, t.Status)}
		}
		if err := checkTechnician(ctx, tx, "technician_id", in.TechnicianID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM visits WHERE ticket_id = $1`, ticketID).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: next visit number: %w", err)
		}
		skills := in.Skills
		if skills == nil {
			skills = []aftersales.Skill{}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO visits (ticket_id, number, window_start, window_end, duration_min, skills,
				technician_id, status, note, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'scheduled', $8, $9, $10, $10) RETURNING id`,
			ticketID, n, ms(in.WindowStart), ms(in.WindowEnd), in.DurationMin, mustJSON(skills), nullInt(in.TechnicianID), in.Note,
			u.ID, ms(tx.now)).Scan(&id); err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert visit: %w", err))
		}
		win := db.window(in.WindowStart, in.WindowEnd)
		if err := visitEvent(ctx, tx, id, &u.ID, "created", "", win, ""); err != nil {
			return err
		}
		if in.TechnicianID != nil {
			if err := visitEvent(ctx, tx, id, &u.ID, "assigned", "", fmt.Sprint(*in.TechnicianID), ""); err != nil {
				return err
			}
		}
		v := &aftersales.Visit{TicketID: ticketID, Number: n}
		if err := ticketVisitEvent(ctx, tx, v, &u.ID, "", "scheduled "+win, in.Note); err != nil {
			return err
		}
		if err := db.replanVisit(ctx, tx, id, db.techDayOf(in.TechnicianID, in.WindowStart)); err != nil {
			return err
		}
		booked := &aftersales.Visit{ID: id, TicketID: ticketID, Number: n, WindowStart: in.WindowStart, WindowEnd: in.WindowEnd, TechnicianID: in.TechnicianID}
		if err := db.visitChanged(ctx, tx, t, nil, booked); err != nil {
			return err
		}
		return tx.audit(ctx, "visit.create", "visit", id, in)
	})
	if err != nil {
		return nil, err
	}
	return db.findVisit(ctx, db.w, ticketID, id)
}

func (db *DB) findVisit(ctx context.Context, q queryer, ticketID, id int64) (*aftersales.Visit, error) {
	v, err := scanVisit(q.QueryRowContext(ctx, `SELECT `+visitCols+` FROM visits WHERE id = $1 AND ticket_id = $2`, id, ticketID))
	if err != nil {
		return nil, notFound(err, "Visit", id)
	}
	return v, nil
}

// FindVisit returns one visit of a ticket the caller may see.
func (db *DB) FindVisit(ctx context.Context, ticketID, id int64) (*aftersales.Visit, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	return db.findVisit(ctx, db.r, ticketID, id)
}

// ListVisits lists a ticket's visits by number.
func (db *DB) ListVisits(ctx context.Context, ticketID int64) ([]*aftersales.Visit, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+visitCols+` FROM visits WHERE ticket_id = $1 ORDER BY number`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list visits: %w", err)
	}
	return collect(rows, scanVisit)
}

// VisitReport returns the work report of a completed visit (ENOTFOUND
// when none was given).
func (db *DB) VisitReport(ctx context.Context, ticketID, id int64) (*aftersales.VisitReport, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	if _, err := db.findVisit(ctx, db.r, ticketID, id); err != nil {
		return nil, err
	}
	var r aftersales.VisitReport
	if err := db.r.QueryRowContext(ctx, `SELECT diagnosis, work_done, confirmed_by FROM visit_reports WHERE visit_id = $1`, id).Scan(
		&r.Diagnosis, &r.WorkDone, &r.ConfirmedBy); err != nil {
		return nil, notFound(err, "Visit report", id)
	}
	var err error
	if r.Checks, err = visitChecks(ctx, db.r, id); err != nil {
		return nil, err
	}
	return &r, nil
}

// VisitHistory lists a visit's events, oldest first.
func (db *DB) VisitHistory(ctx context.Context, ticketID, id int64) ([]*aftersales.VisitEvent, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	if _, err := db.findVisit(ctx, db.r, ticketID, id); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, visit_id, at, actor_id, kind, from_value, to_value, reason FROM visit_events
		WHERE visit_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: visit history: %w", err)
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (*aftersales.VisitEvent, error) {
		var e aftersales.VisitEvent
		var at int64
		var actor sql.NullInt64
		if err := row.Scan(&e.ID, &e.VisitID, &at, &actor, &e.Kind, &e.From, &e.To, &e.Reason); err != nil {
			return nil, err
		}
		e.At, e.ActorID = fromMS(at), int64Ptr(actor)
		return &e, nil
	})
}

func staleVisit(v *aftersales.Visit, version int64) error {
	if v.Version == version {
		return nil
	}
	return &aftersales.Error{Code: aftersales.ECONFLICT,
		Message: fmt.Sprintf("Visit #%d was changed by someone else (version %d, you sent %d); reload and try again.", v.Number, v.Version, version),
		Fields:  []aftersales.FieldError{{Field: "version", Reason: "is stale"}}}
}

// RescheduleVisit moves a visit that has not started to another window
// (and technician), keeping the old one in its history.
func (db *DB) RescheduleVisit(ctx context.Context, ticketID, id int64, in aftersales.RescheduleInput) (*aftersales.Visit, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	u, err := aftersales.Require(ctx, aftersales.PermVisitPlan)
	if err != nil {
		return nil, err
	}
	return db.rescheduleVisit(ctx, ticketID, id, in, &u.ID, func(_ *Tx, t *aftersales.Ticket) error { return canSee(u, t) })
}

// rescheduleVisit moves a visit for actor (nil: the customer in the
// portal, who has no staff id) once see allows the ticket.
func (db *DB) rescheduleVisit(ctx context.Context, ticketID, id int64, in aftersales.RescheduleInput, actor *int64, see func(*Tx, *aftersales.Ticket) error) (*aftersales.Visit, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		t, err := db.lockTicket(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if err := see(tx, t); err != nil {
			return err
		}
		v, err := db.findVisit(ctx, tx, ticketID, id)
		if err != nil {
			return err
		}
		if err := staleVisit(v, in.Version); err != nil {
			return err
		}
		if !field.CanReschedule(v.Status) {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: fmt.Sprintf("Visit #%d is %s; only a visit that has not started can move.", v.Number, v.Status),
				Fields: []aftersales.FieldError{{Field: "window_start", Reason: "the visit is " + string(v.Status)}}}
		}
		tech := v.TechnicianID
		if in.TechnicianID != nil {
			if err := checkTechnician(ctx, tx, "technician_id", in.TechnicianID); err != nil {
				return err
			}
			tech = in.TechnicianID
		}
		if _, err := tx.ExecContext(ctx, `UPDATE visits SET window_start = $1, window_end = $2, technician_id = $3, status = 'scheduled',
			route_pin = NULL, updated_at = $4, version = version + 1 WHERE id = $5`, ms(in.WindowStart), ms(in.WindowEnd), nullInt(tech), ms(tx.now), id); err != nil {
			return mapErr(fmt.Errorf("sqlstore: reschedule visit: %w", err))
		}
		from, to := db.window(v.WindowStart, v.WindowEnd), db.window(in.WindowStart, in.WindowEnd)
		if err := visitEvent(ctx, tx, id, actor, "rescheduled", from, to, in.Reason); err != nil {
			return err
		}
		if fmtID(tech) != fmtID(v.TechnicianID) {
			if err := visitEvent(ctx, tx, id, actor, "assigned", fmtID(v.TechnicianID), fmtID(tech), in.Reason); err != nil {
				return err
			}
		}
		if err := ticketVisitEvent(ctx, tx, v, actor, from, "rescheduled "+to, in.Reason); err != nil {
			return err
		}
		if err := db.replanVisit(ctx, tx, id, db.techDayOf(v.TechnicianID, v.WindowStart), db.techDayOf(tech, in.WindowStart)); err != nil {
			return err
		}
		after := *v
		after.WindowStart, after.WindowEnd, after.TechnicianID = in.WindowStart, in.WindowEnd, tech
		if err := db.visitChanged(ctx, tx, t, v, &after); err != nil {
			return err
		}
		return tx.audit(ctx, "visit.reschedule", "visit", id, in)
	})
	if err != nil {
		return nil, err
	}
	return db.findVisit(ctx, db.w, ticketID, id)
}

// StepVisit moves a visit along its life: en route, check in (with the
// phone's position), complete with an outcome, or cancel. Technicians
// step their own visits; cancelling is for those who book. A cancelled
// visit gives back every part reserved for it.
func (db *DB) StepVisit(ctx context.Context, ticketID, id int64, in aftersales.VisitStep) (*aftersales.Visit, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	perm := aftersales.PermTicketTransmit
	if in.To == aftersales.VisitCancelled {
		perm = aftersales.PermVisitPlan
	}
	u, err := aftersales.Require(ctx, perm)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		// Balances before the ticket (see parts.go): lock the stock of
		// every open reservation of the visit first.
		var holds []int64
		if in.To == aftersales.VisitCancelled {
			if holds, err = db.lockVisitStock(ctx, tx, id); err != nil {
				return err
			}
		}
		t, err := db.lockTicket(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if err := canSee(u, t); err != nil {
			return err
		}
		v, err := db.findVisit(ctx, tx, ticketID, id)
		if err != nil {
			return err
		}
		if u.Role == aftersales.RoleTechnician && in.To != aftersales.VisitCancelled && (v.TechnicianID == nil || *v.TechnicianID != u.ID) {
			return aftersales.Errorf(aftersales.EFORBIDDEN, "Visit #%d is not yours.", v.Number)
		}
		if err := staleVisit(v, in.Version); err != nil {
			return err
		}
		if !field.CanStep(v.Status, in.To) {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: fmt.Sprintf("Visit #%d cannot go from %s to %s.", v.Number, v.Status, in.To),
				Fields: []aftersales.FieldError{{Field: "to", Reason: fmt.Sprintf("not allowed from %s; allowed: %v", v.Status, field.NextSteps(v.Status))}}}
		}
		set := []string{"status = $1", "updated_at = $2", "version = version + 1"}
		args := []any{string(in.To), ms(tx.now)}
		add := func(col string, val any) {
			args = append(args, val)
			set = append(set, fmt.Sprintf("%s = $%d", col, len(args)))
		}
		switch in.To {
		case aftersales.VisitCheckedIn:
			add("checked_in_at", ms(tx.now))
			if in.Position != nil {
				add("checkin_lat", in.Position.Lat)
				add("checkin_lng", in.Position.Lng)
			}
		case aftersales.VisitCompleted:
			add("checked_out_at", ms(tx.now))
			add("outcome", string(in.Outcome))
			if in.Position != nil {
				add("checkout_lat", in.Position.Lat)
				add("checkout_lng", in.Position.Lng)
			}
		}
		args = append(args, id)
		if _, err := tx.ExecContext(ctx, `UPDATE visits SET `+strings.Join(set, ", ")+fmt.Sprintf(` WHERE id = $%d`, len(args)), args...); err != nil {
			return mapErr(fmt.Errorf("sqlstore: step visit: %w", err))
		}
		to := string(in.To)
		if in.Outcome != "" {
			to += " " + string(in.Outcome)
		}
		if in.To == aftersales.VisitCheckedIn && field.Late(v.WindowEnd, &tx.now) {
			to += " late"
		}
		if err := visitEvent(ctx, tx, id, &u.ID, "status", string(v.Status), to, in.Reason); err != nil {
			return err
		}
		if err := ticketVisitEvent(ctx, tx, v, &u.ID, string(v.Status), to, in.Reason); err != nil {
			return err
		}
		for _, r := range holds {
			if err := db.closeReservationTx(ctx, tx, r, aftersales.ReservationReleased, 0, &u.ID); err != nil {
				return err
			}
		}
		if r := in.Report; r != nil && in.To == aftersales.VisitCompleted {
			if _, err := tx.ExecContext(ctx, `INSERT INTO visit_reports (visit_id, diagnosis, work_done, confirmed_by, created_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, id, r.Diagnosis, r.WorkDone, r.ConfirmedBy, u.ID, ms(tx.now)); err != nil {
				return mapErr(fmt.Errorf("sqlstore: visit report: %w", err))
			}
		}
		if in.To == aftersales.VisitCompleted {
			var done []int
			if in.Report != nil {
				done = in.Report.ChecksDone
			}
			if err := db.recordChecks(ctx, tx, ticketID, id, done); err != nil {
				return err
			}
			if err := db.visitCosts(ctx, tx, v, &u.ID); err != nil {
				return err
			}
		}
		if in.To == aftersales.VisitCancelled {
			if err := db.replanVisit(ctx, tx, id, db.techDayOf(v.TechnicianID, v.WindowStart)); err != nil {
				return err
			}
			after := *v
			after.Status = aftersales.VisitCancelled
			if err := db.visitChanged(ctx, tx, t, v, &after); err != nil {
				return err
			}
		}
		// Setting off or arriving with a position: the rest of today is
		// planned from there (dispatch.go).
		if p := in.Position; p != nil && (in.To == aftersales.VisitEnRoute || in.To == aftersales.VisitCheckedIn) &&
			u.Role == aftersales.RoleTechnician && v.TechnicianID != nil && *v.TechnicianID == u.ID {
			source := "check_in"
			if in.To == aftersales.VisitEnRoute {
				source = "en_route"
			}
			if err := db.recordPosition(ctx, tx, u.ID, *p, source); err != nil {
				return err
			}
		}
		return tx.audit(ctx, "visit.step", "visit", id, in)
	})
	if err != nil {
		return nil, err
	}
	return db.findVisit(ctx, db.w, ticketID, id)
}

// lockVisitStock locks the balances behind a visit's open reservations,
// in one order, and returns the reservations.
func (db *DB) lockVisitStock(ctx context.Context, tx *Tx, visitID int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, part_id, location_id FROM stock_reservations
		WHERE visit_id = $1 AND status IN ('waiting', 'held') ORDER BY part_id, location_id, id`, visitID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: visit reservations: %w", err)
	}
	var ids []int64
	var keys [][2]int64
	for rows.Next() {
		var id, p, l int64
		if err := rows.Scan(&id, &p, &l); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
		if !slices.Contains(keys, [2]int64{p, l}) {
			keys = append(keys, [2]int64{p, l})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if _, err := db.lockBalance(ctx, tx, k[0], k[1]); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// visitFactSQL reads the visits that count for the field KPIs, in order;
// the caller appends a condition on ticket_id. A visit was checked when
// a service checklist applied at completion, compliant when none of its
// required items was left undone.
const visitFactSQL = `SELECT ticket_id, window_end, checked_in_at, checked_out_at, outcome, travel_m,
	EXISTS (SELECT 1 FROM visit_checks c WHERE c.visit_id = visits.id),
	NOT EXISTS (SELECT 1 FROM visit_checks c WHERE c.visit_id = visits.id AND c.required AND NOT c.done)
FROM visits WHERE status <> 'cancelled'`

// loadVisitFacts reads the visits of the tickets matched by where
// (" AND ticket_id ...") for their KPI records.
func loadVisitFacts(ctx context.Context, b bulkReader, where string, args []any) (map[int64][]analytics.Visit, error) {
	out := map[int64][]analytics.Visit{}
	err := b.query(ctx, visitFactSQL+where+` ORDER BY ticket_id, number`, args, func(scan func(...any) error) error {
		var id, end int64
		var in, out2, travel sql.NullInt64
		var outcome string
		var checked, compliant bool
		if err := scan(&id, &end, &in, &out2, &outcome, &travel, &checked, &compliant); err != nil {
			return err
		}
		out[id] = append(out[id], analytics.Visit{WindowEnd: fromMS(end), CheckedIn: timePtr(in), CheckedOut: timePtr(out2),
			Fixed: outcome == string(aftersales.OutcomeFixed), Checked: checked, Compliant: checked && compliant,
			TravelM: travel.Int64, Planned: travel.Valid})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("visits: %w", err)
	}
	return out, nil
}

// reservationFactSQL reads part reservations for the stock-out rate and
// the parts wait (from the reservation to the receipt that filled it).
const reservationFactSQL = `SELECT ticket_id, created_at, filled_at, waited FROM stock_reservations WHERE true`

func loadReservationFacts(ctx context.Context, b bulkReader, where string, args []any) (map[int64][]analytics.Reservation, error) {
	out := map[int64][]analytics.Reservation{}
	err := b.query(ctx, reservationFactSQL+where+` ORDER BY ticket_id, id`, args, func(scan func(...any) error) error {
		var id, created int64
		var filled sql.NullInt64
		var waited bool
		if err := scan(&id, &created, &filled, &waited); err != nil {
			return err
		}
		r := analytics.Reservation{Created: fromMS(created)}
		if waited {
			r.StockOut, r.Filled = true, timePtr(filled)
		}
		out[id] = append(out[id], r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reservations: %w", err)
	}
	return out, nil
}
