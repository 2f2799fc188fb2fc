package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"aftersales"
	"aftersales/internal/field"
)

// A technician's day as a route: field.PlanDay over the day's booked
// visits, the home base (or service point) and the shift. The plan is
// kept in visit_plans and rewritten, in the same transaction, whenever
// a visit of that day is booked, moved, reassigned or cancelled.

// dayBounds returns the local midnight starting day and the next one.
func (db *DB) dayBounds(day aftersales.Date) (time.Time, time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, string(day), db.location())
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return d, time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, d.Location()), nil
}

// loadDay reads what planning technician techID's day needs. A user who
// is not a technician is ENOTFOUND.
// now decides whether a reported position starts the rest of the day
// (dispatch.go).
func (db *DB) loadDay(ctx context.Context, q queryer, techID int64, day aftersales.Date, now time.Time) (*field.Day, error) {
	mid, next, err := db.dayBounds(day)
	if err != nil {
		return nil, err
	}
	ps, err := db.loadProfiles(ctx, q, techID)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Technician %d not found.", techID)
	}
	p := ps[0]
	d := &field.Day{TechnicianID: techID, Midnight: mid, Start: p.Home, StartKind: "home", Shifts: p.Shifts, Leave: p.Leave}
	if p.Home == nil && p.ServiceUnitID != nil {
		var lat, lng sql.NullFloat64
		if err := q.QueryRowContext(ctx, `SELECT lat, lng FROM service_units WHERE id = $1`, *p.ServiceUnitID).Scan(&lat, &lng); err != nil {
			return nil, fmt.Errorf("sqlstore: service point position: %w", err)
		}
		if lat.Valid && lng.Valid {
			d.Start, d.StartKind = &aftersales.Position{Lat: lat.Float64, Lng: lng.Float64}, "service_point"
		}
	}
	if d.Current, err = db.currentPosition(ctx, q, techID, mid, next, now); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT v.id, v.ticket_id, v.number, v.status, v.window_start, v.window_end, v.duration_min, c.lat, c.lng,
			v.checked_in_at, v.checked_out_at, v.route_pin
		FROM visits v JOIN tickets t ON t.id = v.ticket_id LEFT JOIN customers c ON c.id = t.customer_id
		WHERE v.technician_id = $1 AND v.status <> 'cancelled' AND v.window_start >= $2 AND v.window_start < $3 ORDER BY v.id`,
		techID, ms(mid), ms(next))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: day's visits: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v field.DayVisit
		var status string
		var ws, we int64
		var dur int
		var lat, lng sql.NullFloat64
		var in, out, pin sql.NullInt64
		if err := rows.Scan(&v.ID, &v.TicketID, &v.Number, &status, &ws, &we, &dur, &lat, &lng, &in, &out, &pin); err != nil {
			return nil, err
		}
		v.Pin = int(pin.Int64)
		v.CheckedIn, v.CheckedOut = timePtr(in), timePtr(out)
		v.Status, v.WindowStart, v.WindowEnd, v.Duration = aftersales.VisitStatus(status), fromMS(ws), fromMS(we), time.Duration(dur)*time.Minute
		if lat.Valid && lng.Valid {
			v.At = &aftersales.Position{Lat: lat.Float64, Lng: lng.Float64}
		}
		d.Visits = append(d.Visits, v)
	}
	return d, rows.Err()
}

// seeTechnician lets technicians see their own day and those who may
// read every ticket see anyone's; for everyone else the technician does
// not exist, as a ticket they may not see.
func seeTechnician(ctx context.Context, techID int64) error {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return err
	}
	if u.ID != techID && !u.Role.Can(aftersales.PermTicketReadAll) {
		return aftersales.Errorf(aftersales.ENOTFOUND, "Technician %d not found.", techID)
	}
	return nil
}

func checkDay(day aftersales.Date) error {
	var v aftersales.Validator
	v.Check(day != "" && day.Valid(), "date", "must be a date, YYYY-MM-DD")
	return v.Err()
}

// DayRoute plans technician techID's day: the route through the day's
// booked visits with planned times, totals, the visits that cannot fit
// and links for a phone's map app.
func (db *DB) DayRoute(ctx context.Context, techID int64, day aftersales.Date) (*aftersales.DayRoute, error) {
	if err := seeTechnician(ctx, techID); err != nil {
		return nil, err
	}
	if err := checkDay(day); err != nil {
		return nil, err
	}
	d, err := db.loadDay(ctx, db.r, techID, day, db.Now())
	if err != nil {
		return nil, err
	}
	return field.PlanDay(d, field.DefaultTravel)
}

// PlannedVisit is a visit's row of the stored plan of its day.
type PlannedVisit struct {
	VisitID       int64
	Seq           int
	Start, Finish *time.Time
	Reason        string
}

// PlannedDay reads the stored plan of technician techID's day, in route
// order (visits that cannot fit last).
func (db *DB) PlannedDay(ctx context.Context, techID int64, day aftersales.Date) ([]PlannedVisit, error) {
	if err := seeTechnician(ctx, techID); err != nil {
		return nil, err
	}
	if err := checkDay(day); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT visit_id, seq, start_at, finish_at, reason FROM visit_plans
		WHERE technician_id = $1 AND day = $2 ORDER BY seq = 0, seq, visit_id`, techID, string(day))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: planned day: %w", err)
	}
	defer rows.Close()
	out := []PlannedVisit{}
	for rows.Next() {
		var p PlannedVisit
		var s, f sql.NullInt64
		if err := rows.Scan(&p.VisitID, &p.Seq, &s, &f, &p.Reason); err != nil {
			return nil, err
		}
		p.Start, p.Finish = timePtr(s), timePtr(f)
		out = append(out, p)
	}
	return out, rows.Err()
}

// replanDay rewrites the stored plan of a technician's day inside tx.
func (db *DB) replanDay(ctx context.Context, tx *Tx, techID int64, day aftersales.Date) error {
	// Two changes to one technician's day on PostgreSQL would each delete
	// the rows they see and insert their own plan; the technician's row
	// lock makes the second wait for the first and plan after it.
	if err := db.lockRow(ctx, tx, "users", techID); err != nil {
		return err
	}
	d, err := db.loadDay(ctx, tx, techID, day, tx.now)
	if err != nil {
		return err
	}
	r, err := field.PlanDay(d, field.DefaultTravel)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM visit_plans WHERE technician_id = $1 AND day = $2`, techID, string(day)); err != nil {
		return fmt.Errorf("sqlstore: clear day plan: %w", err)
	}
	for _, s := range r.Stops {
		if _, err := tx.ExecContext(ctx, `INSERT INTO visit_plans (visit_id, technician_id, day, seq, arrive_at, start_at, finish_at, wait_min,
				slack_min, travel_km, travel_min, planned_at, late_min) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			s.VisitID, techID, string(day), s.Seq, ms(s.Arrive), ms(s.Start), ms(s.Finish), s.WaitMin, s.SlackMin, s.TravelKM, s.TravelMin,
			ms(tx.now), s.LateMin); err != nil {
			return mapErr(fmt.Errorf("sqlstore: store day plan: %w", err))
		}
	}
	for _, u := range r.Unplanned {
		if _, err := tx.ExecContext(ctx, `INSERT INTO visit_plans (visit_id, technician_id, day, seq, reason, planned_at)
				VALUES ($1, $2, $3, 0, $4, $5)`, u.VisitID, techID, string(day), u.Reason, ms(tx.now)); err != nil {
			return mapErr(fmt.Errorf("sqlstore: store day plan: %w", err))
		}
	}
	return nil
}

// replanVisit re-plans the days a visit leaves and joins: its stored row
// goes, then each (technician, day) given is planned again. A visit
// without a technician belongs to no day.
func (db *DB) replanVisit(ctx context.Context, tx *Tx, visitID int64, days ...techDay) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM visit_plans WHERE visit_id = $1`, visitID); err != nil {
		return fmt.Errorf("sqlstore: clear visit plan: %w", err)
	}
	done := map[techDay]bool{}
	for _, d := range days {
		if d.tech == 0 || done[d] {
			continue
		}
		done[d] = true
		if err := db.replanDay(ctx, tx, d.tech, d.day); err != nil {
			return err
		}
	}
	return nil
}

// techDay is one technician's local day.
type techDay struct {
	tech int64
	day  aftersales.Date
}

func (db *DB) techDayOf(tech *int64, windowStart time.Time) techDay {
	if tech == nil {
		return techDay{}
	}
	return techDay{*tech, aftersales.DateOf(windowStart.In(db.location()))}
}
