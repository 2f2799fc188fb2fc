package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"aftersales"
	"aftersales/internal/field"
)

// Technicians' field profiles and calendars, and booking offers built
// from them by field.Offers.

// loadProfiles reads technician only's profile (every active
// technician's when only is 0), with skills, certifications, shifts and
// leave. A technician without a profile row gets an empty one.
func (db *DB) loadProfiles(ctx context.Context, q queryer, only int64) ([]*aftersales.TechnicianProfile, error) {
	args := []any{string(aftersales.RoleTechnician), true}
	where := "u.role = $1 AND u.active = $2"
	if only > 0 {
		where = "u.role = $1 AND u.id = $2"
		args[1] = only
	}
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name, p.service_unit_id, p.home_lat, p.home_lng, COALESCE(p.capacity_visits, 0),
			COALESCE(p.capacity_minutes, 0), COALESCE(p.version, 0)
		FROM users u LEFT JOIN technician_profiles p ON p.user_id = u.id WHERE `+where+` ORDER BY u.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: load technicians: %w", err)
	}
	out, err := collect(rows, func(row interface{ Scan(...any) error }) (*aftersales.TechnicianProfile, error) {
		var p aftersales.TechnicianProfile
		var unit sql.NullInt64
		var lat, lng sql.NullFloat64
		if err := row.Scan(&p.UserID, &p.Name, &unit, &lat, &lng, &p.CapacityVisits, &p.CapacityMinutes, &p.Version); err != nil {
			return nil, err
		}
		p.ServiceUnitID = int64Ptr(unit)
		if lat.Valid && lng.Valid {
			p.Home = &aftersales.Position{Lat: lat.Float64, Lng: lng.Float64}
		}
		p.Skills, p.Certs, p.Shifts, p.Leave = []aftersales.Skill{}, []aftersales.Certification{}, []aftersales.Shift{}, []aftersales.Leave{}
		return &p, nil
	})
	if err != nil {
		return nil, err
	}
	byID := map[int64]*aftersales.TechnicianProfile{}
	for _, p := range out {
		byID[p.UserID] = p
	}
	// One technician's day (every booking plans one) reads that
	// technician's calendar only, not everyone's.
	one, oneArgs := "", []any(nil)
	if only > 0 {
		one, oneArgs = " WHERE user_id = $1", []any{only}
	}
	for _, load := range []struct {
		query string
		scan  func(row *sql.Rows) error
	}{
		{`SELECT user_id, category_id, level FROM user_skills` + one + ` ORDER BY user_id, category_id`, func(row *sql.Rows) error {
			var uid int64
			var s aftersales.Skill
			if err := row.Scan(&uid, &s.CategoryID, &s.Level); err != nil {
				return err
			}
			if p := byID[uid]; p != nil {
				p.Skills = append(p.Skills, s)
			}
			return nil
		}},
		{`SELECT user_id, code, name, expires_on FROM technician_certs` + one + ` ORDER BY user_id, code`, func(row *sql.Rows) error {
			var uid int64
			var c aftersales.Certification
			var exp string
			if err := row.Scan(&uid, &c.Code, &c.Name, &exp); err != nil {
				return err
			}
			c.Expires = aftersales.Date(exp)
			if p := byID[uid]; p != nil {
				p.Certs = append(p.Certs, c)
			}
			return nil
		}},
		{`SELECT user_id, weekday, start_min, end_min FROM technician_shifts` + one + ` ORDER BY user_id, weekday, start_min`, func(row *sql.Rows) error {
			var uid int64
			var s aftersales.Shift
			if err := row.Scan(&uid, &s.Weekday, &s.StartMin, &s.EndMin); err != nil {
				return err
			}
			if p := byID[uid]; p != nil {
				p.Shifts = append(p.Shifts, s)
			}
			return nil
		}},
		{`SELECT user_id, starts_at, ends_at, reason FROM technician_leave` + one + ` ORDER BY user_id, starts_at`, func(row *sql.Rows) error {
			var uid, s, e int64
			var l aftersales.Leave
			if err := row.Scan(&uid, &s, &e, &l.Reason); err != nil {
				return err
			}
			l.Start, l.End = fromMS(s), fromMS(e)
			if p := byID[uid]; p != nil {
				p.Leave = append(p.Leave, l)
			}
			return nil
		}},
	} {
		rows, err := q.QueryContext(ctx, load.query, oneArgs...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: load technician calendars: %w", err)
		}
		for rows.Next() {
			if err := load.scan(rows); err != nil {
				rows.Close()
				return nil, err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FindTechnician returns a technician's field profile.
func (db *DB) FindTechnician(ctx context.Context, userID int64) (*aftersales.TechnicianProfile, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	ps, err := db.loadProfiles(ctx, db.r, userID)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Technician %d not found.", userID)
	}
	return ps[0], nil
}

// ListTechnicians lists every active technician's profile.
func (db *DB) ListTechnicians(ctx context.Context) ([]*aftersales.TechnicianProfile, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	return db.loadProfiles(ctx, db.r, 0)
}

// SetTechnician writes a technician's profile, replacing certifications,
// shifts and leave. Version 0 creates it; otherwise it must match.
func (db *DB) SetTechnician(ctx context.Context, userID int64, in aftersales.TechnicianProfileInput) (*aftersales.TechnicianProfile, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermVisitPlan); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		var role string
		if err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = $1`, userID).Scan(&role); err != nil {
			return notFound(err, "Technician", userID)
		}
		if role != string(aftersales.RoleTechnician) {
			return aftersales.Errorf(aftersales.ENOTFOUND, "Technician %d not found.", userID)
		}
		if in.ServiceUnitID != nil {
			loc := aftersales.StockLocationInput{Kind: aftersales.LocationServicePoint, ServiceUnitID: in.ServiceUnitID}
			if err := checkLocationRefs(ctx, tx, &loc); err != nil {
				return err
			}
		}
		var lat, lng any
		if in.Home != nil {
			lat, lng = in.Home.Lat, in.Home.Lng
		}
		var version int64
		err := tx.QueryRowContext(ctx, `SELECT version FROM technician_profiles WHERE user_id = $1`, userID).Scan(&version)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if in.Version != 0 {
				return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "The profile does not exist yet; send version 0 to create it.",
					Fields: []aftersales.FieldError{{Field: "version", Reason: "is stale"}}}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO technician_profiles (user_id, service_unit_id, home_lat, home_lng, capacity_visits,
				capacity_minutes, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				userID, nullInt(in.ServiceUnitID), lat, lng, in.CapacityVisits, in.CapacityMinutes, ms(tx.now)); err != nil {
				return mapErr(fmt.Errorf("sqlstore: insert technician profile: %w", err))
			}
		case err != nil:
			return fmt.Errorf("sqlstore: technician profile: %w", err)
		default:
			if in.Version != version {
				return &aftersales.Error{Code: aftersales.ECONFLICT,
					Message: fmt.Sprintf("The profile was changed by someone else (version %d, you sent %d); reload and try again.", version, in.Version),
					Fields:  []aftersales.FieldError{{Field: "version", Reason: "is stale"}}}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE technician_profiles SET service_unit_id = $1, home_lat = $2, home_lng = $3,
				capacity_visits = $4, capacity_minutes = $5, updated_at = $6, version = version + 1 WHERE user_id = $7`,
				nullInt(in.ServiceUnitID), lat, lng, in.CapacityVisits, in.CapacityMinutes, ms(tx.now), userID); err != nil {
				return mapErr(fmt.Errorf("sqlstore: update technician profile: %w", err))
			}
		}
		for _, table := range []string{"technician_certs", "technician_shifts", "technician_leave"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE user_id = $1`, userID); err != nil {
				return fmt.Errorf("sqlstore: clear %s: %w", table, err)
			}
		}
		for _, c := range in.Certs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO technician_certs (user_id, code, name, expires_on) VALUES ($1, $2, $3, $4)`,
				userID, c.Code, c.Name, string(c.Expires)); err != nil {
				return mapErr(fmt.Errorf("sqlstore: insert certification: %w", err))
			}
		}
		for _, s := range in.Shifts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO technician_shifts (user_id, weekday, start_min, end_min) VALUES ($1, $2, $3, $4)`,
				userID, s.Weekday, s.StartMin, s.EndMin); err != nil {
				return mapErr(fmt.Errorf("sqlstore: insert shift: %w", err))
			}
		}
		for _, l := range in.Leave {
			if _, err := tx.ExecContext(ctx, `INSERT INTO technician_leave (user_id, starts_at, ends_at, reason) VALUES ($1, $2, $3, $4)`,
				userID, ms(l.Start), ms(l.End), l.Reason); err != nil {
				return mapErr(fmt.Errorf("sqlstore: insert leave: %w", err))
			}
		}
		return tx.audit(ctx, "technician.profile", "user", userID, in)
	})
	if err != nil {
		return nil, err
	}
	ps, err := db.loadProfiles(ctx, db.w, userID)
	if err != nil {
		return nil, err
	}
	return ps[0], nil
}

// Offers proposes the next windows in which a technician can visit the
// ticket's customer: field.Offers over every active technician's shifts,
// leave, booked visits, capacity and stock. The customer's coordinates
// give the drives; without them drives count as zero.
func (db *DB) Offers(ctx context.Context, ticketID int64, in aftersales.OfferRequest) ([]*aftersales.Offer, error) {
	_, t, err := db.visibleTicket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	return db.offers(ctx, t, in)
}

// offers computes the booking offers for ticket t; its callers decide
// who may see the ticket.
func (db *DB) offers(ctx context.Context, t *aftersales.Ticket, in aftersales.OfferRequest) ([]*aftersales.Offer, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	from := in.From
	if from.IsZero() {
		from = db.Now()
	}
	need := &field.Need{Duration: time.Duration(in.DurationMin) * time.Minute, Skills: in.Skills, Certs: in.Certs, From: from,
		Days: in.Days, Count: in.Count, Window: time.Duration(in.WindowMin) * time.Minute}
	if t.CustomerID != nil {
		var lat, lng sql.NullFloat64
		if err := db.r.QueryRowContext(ctx, `SELECT lat, lng FROM customers WHERE id = $1`, *t.CustomerID).Scan(&lat, &lng); err != nil {
			return nil, fmt.Errorf("sqlstore: customer position: %w", err)
		}
		if lat.Valid && lng.Valid {
			need.At = &aftersales.Position{Lat: lat.Float64, Lng: lng.Float64}
		}
	}
	profiles, err := db.loadProfiles(ctx, db.r, 0)
	if err != nil {
		return nil, err
	}
	end := time.Date(from.Year(), from.Month(), from.Day()+in.Days+2, 0, 0, 0, 0, time.UTC)
	var cals []*field.Calendar
	for _, p := range profiles {
		c := &field.Calendar{ID: p.UserID, Name: p.Name, Skills: p.Skills, Certs: p.Certs, Shifts: p.Shifts, Leave: p.Leave,
			CapacityVisits: p.CapacityVisits, CapacityMinutes: p.CapacityMinutes, Start: p.Home, StartKind: "home"}
		if p.Home == nil && p.ServiceUnitID != nil {
			var lat, lng sql.NullFloat64
			if err := db.r.QueryRowContext(ctx, `SELECT lat, lng FROM service_units WHERE id = $1`, *p.ServiceUnitID).Scan(&lat, &lng); err != nil {
				return nil, fmt.Errorf("sqlstore: service point position: %w", err)
			}
			if lat.Valid && lng.Valid {
				c.Start, c.StartKind = &aftersales.Position{Lat: lat.Float64, Lng: lng.Float64}, "service_point"
			}
		}
		if c.Start == nil {
			c.StartKind = ""
		}
		if c.Parts, c.PartsFrom, err = db.partsAtHand(ctx, p, in.Parts); err != nil {
			return nil, err
		}
		rows, err := db.r.QueryContext(ctx, `SELECT v.window_start, v.duration_min, c.lat, c.lng FROM visits v
			JOIN tickets t ON t.id = v.ticket_id LEFT JOIN customers c ON c.id = t.customer_id
			WHERE v.technician_id = $1 AND v.status <> 'cancelled' AND v.window_start >= $2 AND v.window_start < $3`,
			p.UserID, ms(from.Add(-24*time.Hour)), ms(end))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: booked visits: %w", err)
		}
		for rows.Next() {
			var start int64
			var dur int
			var lat, lng sql.NullFloat64
			if err := rows.Scan(&start, &dur, &lat, &lng); err != nil {
				rows.Close()
				return nil, err
			}
			b := field.Booked{Start: fromMS(start), Duration: time.Duration(dur) * time.Minute}
			if lat.Valid && lng.Valid {
				b.At = &aftersales.Position{Lat: lat.Float64, Lng: lng.Float64}
			}
			c.Visits = append(c.Visits, b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		cals = append(cals, c)
	}
	return field.Offers(cals, need, field.DefaultTravel, db.location()), nil
}

// partsAtHand reports whether the technician's van, or else the stock of
// their service point, has every part available, and which one.
func (db *DB) partsAtHand(ctx context.Context, p *aftersales.TechnicianProfile, parts []aftersales.PartQty) (bool, string, error) {
	if len(parts) == 0 {
		return true, "", nil
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, code FROM stock_locations WHERE active = $1 AND (technician_id = $2 OR service_unit_id = $3)
		ORDER BY CASE kind WHEN 'van' THEN 0 ELSE 1 END, id`, true, p.UserID, nullInt(p.ServiceUnitID))
	if err != nil {
		return false, "", fmt.Errorf("sqlstore: technician stock: %w", err)
	}
	type loc struct {
		id   int64
		code string
	}
	var locs []loc
	for rows.Next() {
		var l loc
		if err := rows.Scan(&l.id, &l.code); err != nil {
			rows.Close()
			return false, "", err
		}
		locs = append(locs, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, "", err
	}
	for _, l := range locs {
		ok := true
		for _, pq := range parts {
			var avail int64
			err := db.r.QueryRowContext(ctx, `SELECT on_hand - reserved FROM stock_balances WHERE part_id = $1 AND location_id = $2`,
				pq.PartID, l.id).Scan(&avail)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return false, "", fmt.Errorf("sqlstore: technician stock: %w", err)
			}
			ok = ok && avail >= pq.Qty
		}
		if ok {
			return true, l.code, nil
		}
	}
	return false, "", nil
}
