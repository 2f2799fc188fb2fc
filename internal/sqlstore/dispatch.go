package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/auth"
	"aftersales/internal/field"
)

// The dispatch board (issue #19): a service point's day, suggestions for
// a visit (field.Suggest), assigning and moving visits with the days they
// touch re-planned, the technician told and the customer sent the
// confirmation template; and the technicians' reported positions, which
// today's re-planning starts from.

// positionFresh is how old a reported position may be and still start
// the rest of today's route.
const positionFresh = 3 * time.Hour

// currentPosition returns technician techID's reported position when it
// was reported on the local day starting at mid, no more than
// positionFresh before now, and now falls on that day.
func (db *DB) currentPosition(ctx context.Context, q queryer, techID int64, mid, next, now time.Time) (*aftersales.TechPosition, error) {
	if now.Before(mid) || !now.Before(next) {
		return nil, nil
	}
	var p aftersales.TechPosition
	var at int64
	err := q.QueryRowContext(ctx, `SELECT lat, lng, at, source FROM technician_positions WHERE user_id = $1`, techID).Scan(&p.Lat, &p.Lng, &at, &p.Source)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: technician position: %w", err)
	}
	p.At = fromMS(at)
	if p.At.Before(mid) || p.At.After(now) || now.Sub(p.At) > positionFresh {
		return nil, nil
	}
	return &p, nil
}

// recordPosition keeps where technician techID's phone said it was and
// re-plans the rest of their day from there.
func (db *DB) recordPosition(ctx context.Context, tx *Tx, techID int64, p aftersales.Position, source string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO technician_positions (user_id, lat, lng, at, source) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET lat = excluded.lat, lng = excluded.lng, at = excluded.at, source = excluded.source`,
		techID, p.Lat, p.Lng, ms(tx.now), source); err != nil {
		return mapErr(fmt.Errorf("sqlstore: record position: %w", err))
	}
	return db.replanDay(ctx, tx, techID, aftersales.DateOf(tx.now.In(db.location())))
}

// ReportPosition records where the acting technician is now; the rest of
// today's route is planned again from there.
func (db *DB) ReportPosition(ctx context.Context, p aftersales.Position) (*aftersales.TechPosition, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTicketTransmit)
	if err != nil {
		return nil, err
	}
	var v aftersales.Validator
	v.Check(u.Role == aftersales.RoleTechnician, "position", "only a technician reports their position")
	v.Check(p.Lat >= -90 && p.Lat <= 90, "lat", "must be between -90 and 90")
	v.Check(p.Lng >= -180 && p.Lng <= 180, "lng", "must be between -180 and 180")
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out aftersales.TechPosition
	err = db.inTx(ctx, func(tx *Tx) error {
		out = aftersales.TechPosition{Position: p, At: tx.now, Source: "update"}
		return db.recordPosition(ctx, tx, u.ID, p, "update")
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// startOf is where a technician's day starts: the home base, else the
// service point.
func (db *DB) startOf(ctx context.Context, q queryer, p *aftersales.TechnicianProfile) (*aftersales.Position, string, error) {
	if p.Home != nil {
		return p.Home, "home", nil
	}
	if p.ServiceUnitID == nil {
		return nil, "", nil
	}
	var lat, lng sql.NullFloat64
	if err := q.QueryRowContext(ctx, `SELECT lat, lng FROM service_units WHERE id = $1`, *p.ServiceUnitID).Scan(&lat, &lng); err != nil {
		return nil, "", fmt.Errorf("sqlstore: service point position: %w", err)
	}
	if !lat.Valid || !lng.Valid {
		return nil, "", nil
	}
	return &aftersales.Position{Lat: lat.Float64, Lng: lng.Float64}, "service_point", nil
}

const boardCols = `v.id, v.ticket_id, t.number, t.title, COALESCE(c.name, ''), v.number, v.status, v.window_start, v.window_end,
	v.duration_min, v.skills, v.technician_id, v.version, ts.res_due_at, t.assignee_id, t.team_id, c.lat, c.lng,
	p.seq, p.start_at, p.finish_at, p.reason, v.route_pin, p.late_min`

const boardFrom = ` FROM visits v JOIN tickets t ON t.id = v.ticket_id LEFT JOIN customers c ON c.id = t.customer_id
	LEFT JOIN ticket_sla ts ON ts.ticket_id = t.id AND ts.res_met IS NULL LEFT JOIN visit_plans p ON p.visit_id = v.id`

type boardRow struct {
	aftersales.BoardVisit
	assignee, team *int64
	at             *aftersales.Position
}

func scanBoard(row interface{ Scan(...any) error }) (*boardRow, error) {
	var b boardRow
	var status, skills string
	var ws, we int64
	var tech, due, assignee, team, seq, start, finish sql.NullInt64
	var lat, lng sql.NullFloat64
	var reason sql.NullString
	var pin, late sql.NullInt64
	if err := row.Scan(&b.VisitID, &b.TicketID, &b.TicketNumber, &b.Title, &b.Customer, &b.Number, &status, &ws, &we, &b.DurationMin,
		&skills, &tech, &b.Version, &due, &assignee, &team, &lat, &lng, &seq, &start, &finish, &reason, &pin, &late); err != nil {
		return nil, err
	}
	b.Pinned, b.LateMin = pin.Valid, int(late.Int64)
	b.Status, b.WindowStart, b.WindowEnd = aftersales.VisitStatus(status), fromMS(ws), fromMS(we)
	b.TechnicianID, b.SLADue, b.assignee, b.team = int64Ptr(tech), timePtr(due), int64Ptr(assignee), int64Ptr(team)
	b.Seq, b.PlannedStart, b.PlannedEnd, b.Unplanned = int(seq.Int64), timePtr(start), timePtr(finish), reason.String
	b.Skills = []aftersales.Skill{}
	if err := json.Unmarshal([]byte(skills), &b.Skills); err != nil {
		return nil, fmt.Errorf("sqlstore: visit %d skills: %w", b.VisitID, err)
	}
	if lat.Valid && lng.Valid {
		b.at = &aftersales.Position{Lat: lat.Float64, Lng: lng.Float64}
	}
	return &b, nil
}

func (b *boardRow) visible(u *aftersales.User) bool {
	return canSee(u, &aftersales.Ticket{ID: b.TicketID, AssigneeID: b.assignee, TeamID: b.team}) == nil
}

// Board is service point unitID's day: its technicians (and any other
// technician with a visit of its tickets that day) with their visits in
// route order, and the day's visits nobody has yet, most urgent first.
func (db *DB) Board(ctx context.Context, unitID int64, day aftersales.Date) (*aftersales.Board, error) {
	u, err := aftersales.Require(ctx, aftersales.PermVisitPlan)
	if err != nil {
		return nil, err
	}
	if err := checkDay(day); err != nil {
		return nil, err
	}
	var one int
	if err := db.r.QueryRowContext(ctx, `SELECT 1 FROM service_units WHERE id = $1`, unitID).Scan(&one); err != nil {
		return nil, notFound(err, "Service point", unitID)
	}
	mid, next, err := db.dayBounds(day)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+boardCols+boardFrom+` WHERE v.status <> 'cancelled' AND v.window_start >= $1 AND v.window_start < $2
		AND (t.service_unit_id = $3 OR v.technician_id IN (SELECT user_id FROM technician_profiles WHERE service_unit_id = $3))
		ORDER BY v.window_start, v.id`, ms(mid), ms(next), unitID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: board visits: %w", err)
	}
	visits, err := collect(rows, scanBoard)
	if err != nil {
		return nil, err
	}
	profiles, err := db.loadProfiles(ctx, db.r, 0)
	if err != nil {
		return nil, err
	}
	out := &aftersales.Board{ServiceUnitID: unitID, Date: day, Technicians: []aftersales.BoardTechnician{}, Unassigned: []aftersales.BoardVisit{}}
	byTech := map[int64][]aftersales.BoardVisit{}
	for _, v := range visits {
		if !v.visible(u) {
			continue
		}
		if v.TechnicianID == nil {
			out.Unassigned = append(out.Unassigned, v.BoardVisit)
			continue
		}
		byTech[*v.TechnicianID] = append(byTech[*v.TechnicianID], v.BoardVisit)
	}
	now := db.Now()
	for _, p := range profiles {
		vs, busy := byTech[p.UserID]
		if !busy && (p.ServiceUnitID == nil || *p.ServiceUnitID != unitID) {
			continue
		}
		bt := aftersales.BoardTechnician{TechnicianID: p.UserID, Name: p.Name, Capacity: p.CapacityVisits, Visits: []aftersales.BoardVisit{}}
		if a, b, ok := field.WorkingDay(&field.Calendar{Shifts: p.Shifts, Leave: p.Leave}, mid); ok {
			bt.ShiftStart, bt.ShiftEnd = &a, &b
		}
		if bt.Position, err = db.currentPosition(ctx, db.r, p.UserID, mid, next, now); err != nil {
			return nil, err
		}
		if err := db.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(travel_km), 0), COALESCE(SUM(travel_min), 0) FROM visit_plans
			WHERE technician_id = $1 AND day = $2`, p.UserID, string(day)).Scan(&bt.DistanceKM, &bt.DriveMin); err != nil {
			return nil, fmt.Errorf("sqlstore: board totals: %w", err)
		}
		slices.SortStableFunc(vs, func(a, b aftersales.BoardVisit) int {
			if (a.Seq == 0) != (b.Seq == 0) {
				if a.Seq == 0 {
					return 1
				}
				return -1
			}
			return a.Seq - b.Seq
		})
		for _, v := range vs {
			bt.Manual = bt.Manual || v.Pinned
		}
		bt.Visits = append(bt.Visits, vs...)
		out.Technicians = append(out.Technicians, bt)
	}
	slices.SortStableFunc(out.Unassigned, func(a, b aftersales.BoardVisit) int { return compareDue(a.SLADue, b.SLADue) })
	return out, nil
}

// compareDue orders by due time, those without one last.
func compareDue(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return a.Compare(*b)
}

// findBoardVisit reads one visit as the board shows it, for the caller.
func (db *DB) findBoardVisit(ctx context.Context, q queryer, u *aftersales.User, visitID int64) (*boardRow, error) {
	b, err := scanBoard(q.QueryRowContext(ctx, `SELECT `+boardCols+boardFrom+` WHERE v.id = $1`, visitID))
	if err != nil {
		return nil, notFound(err, "Visit", visitID)
	}
	if !b.visible(u) {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Visit %d not found.", visitID)
	}
	return b, nil
}

// Suggest ranks the technicians for a visit (see field.Suggest): the
// service point's technicians, or every technician when the ticket has
// no service point or the point has none.
func (db *DB) Suggest(ctx context.Context, visitID int64) ([]*aftersales.TechSuggestion, error) {
	u, err := aftersales.Require(ctx, aftersales.PermVisitPlan)
	if err != nil {
		return nil, err
	}
	v, err := db.findBoardVisit(ctx, db.r, u, visitID)
	if err != nil {
		return nil, err
	}
	var unit sql.NullInt64
	if err := db.r.QueryRowContext(ctx, `SELECT service_unit_id FROM tickets WHERE id = $1`, v.TicketID).Scan(&unit); err != nil {
		return nil, fmt.Errorf("sqlstore: suggest: %w", err)
	}
	loc := db.location()
	day := aftersales.DateOf(v.WindowStart.In(loc))
	mid, next, err := db.dayBounds(day)
	if err != nil {
		return nil, err
	}
	profiles, err := db.loadProfiles(ctx, db.r, 0)
	if err != nil {
		return nil, err
	}
	if unit.Valid && slices.ContainsFunc(profiles, func(p *aftersales.TechnicianProfile) bool {
		return p.ServiceUnitID != nil && *p.ServiceUnitID == unit.Int64
	}) {
		profiles = slices.DeleteFunc(profiles, func(p *aftersales.TechnicianProfile) bool {
			return p.ServiceUnitID == nil || *p.ServiceUnitID != unit.Int64
		})
	}
	now := db.Now()
	var cals []*field.Calendar
	for _, p := range profiles {
		c := &field.Calendar{ID: p.UserID, Name: p.Name, Skills: p.Skills, Certs: p.Certs, Shifts: p.Shifts, Leave: p.Leave,
			CapacityVisits: p.CapacityVisits, CapacityMinutes: p.CapacityMinutes, Parts: true}
		if c.Start, c.StartKind, err = db.startOf(ctx, db.r, p); err != nil {
			return nil, err
		}
		cur, err := db.currentPosition(ctx, db.r, p.UserID, mid, next, now)
		if err != nil {
			return nil, err
		}
		if cur != nil {
			c.Start, c.StartKind = &cur.Position, "position"
		}
		rows, err := db.r.QueryContext(ctx, `SELECT v.window_start, v.duration_min, p.start_at, c.lat, c.lng FROM visits v
			JOIN tickets t ON t.id = v.ticket_id LEFT JOIN customers c ON c.id = t.customer_id LEFT JOIN visit_plans p ON p.visit_id = v.id
			WHERE v.technician_id = $1 AND v.status <> 'cancelled' AND v.id <> $2 AND v.window_start >= $3 AND v.window_start < $4`,
			p.UserID, visitID, ms(mid), ms(next))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: suggest: day's visits: %w", err)
		}
		for rows.Next() {
			var start int64
			var planned sql.NullInt64
			var dur int
			var lat, lng sql.NullFloat64
			if err := rows.Scan(&start, &dur, &planned, &lat, &lng); err != nil {
				rows.Close()
				return nil, err
			}
			b := field.Booked{Start: fromMS(start), Duration: time.Duration(dur) * time.Minute}
			if planned.Valid {
				b.Start = fromMS(planned.Int64)
			}
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
	sv := &field.SuggestVisit{WindowStart: v.WindowStart, WindowEnd: v.WindowEnd, Duration: time.Duration(v.DurationMin) * time.Minute,
		Skills: v.Skills, At: v.at, SLADue: v.SLADue}
	out := field.Suggest(cals, sv, mid, now, field.DefaultTravel)
	names, err := db.categoryNames(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range out {
		for i, f := range s.Why.Skills {
			n := names[f.CategoryID]
			s.Why.Skills[i].Category, s.Why.Skills[i].CategoryEN = n[0], n[1]
		}
	}
	return out, nil
}

// categoryNames are the product categories' Chinese and English names.
func (db *DB) categoryNames(ctx context.Context) (map[int64][2]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, code, name_zh, name_en FROM product_categories`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: category names: %w", err)
	}
	defer rows.Close()
	out := map[int64][2]string{}
	for rows.Next() {
		var id int64
		var code, zh, en string
		if err := rows.Scan(&id, &code, &zh, &en); err != nil {
			return nil, err
		}
		out[id] = [2]string{cmp.Or(zh, en, code), cmp.Or(en, zh, code)}
	}
	return out, rows.Err()
}

// Dispatch assigns a visit that has not started to a technician (or
// takes it from one) and may move its window. The days it leaves and
// joins are planned again; the technicians concerned are notified; the
// customer gets the confirmation when the window moves.
func (db *DB) Dispatch(ctx context.Context, visitID int64, in aftersales.DispatchInput) (*aftersales.Visit, error) {
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
	ticketID := b.TicketID
	err = db.inTx(ctx, func(tx *Tx) error {
		t, err := db.lockTicket(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if err := canSee(u, t); err != nil {
			return err
		}
		v, err := db.findVisit(ctx, tx, ticketID, visitID)
		if err != nil {
			return err
		}
		if err := staleVisit(v, in.Version); err != nil {
			return err
		}
		if !field.CanReschedule(v.Status) {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: fmt.Sprintf("Visit #%d is %s; only a visit that has not started can move.", v.Number, v.Status),
				Fields: []aftersales.FieldError{{Field: "technician_id", Reason: "the visit is " + string(v.Status)}}}
		}
		if err := checkTechnician(ctx, tx, "technician_id", in.TechnicianID); err != nil {
			return err
		}
		ws, we := v.WindowStart, v.WindowEnd
		if !in.WindowStart.IsZero() {
			ws, we = in.WindowStart, in.WindowEnd
		}
		moved := !ws.Equal(v.WindowStart) || !we.Equal(v.WindowEnd)
		reassigned := fmtID(in.TechnicianID) != fmtID(v.TechnicianID)
		if !moved && !reassigned {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE visits SET window_start = $1, window_end = $2, technician_id = $3, status = 'scheduled',
			route_pin = NULL, updated_at = $4, version = version + 1 WHERE id = $5`, ms(ws), ms(we), nullInt(in.TechnicianID), ms(tx.now), visitID); err != nil {
			return mapErr(fmt.Errorf("sqlstore: dispatch visit: %w", err))
		}
		from, to := db.window(v.WindowStart, v.WindowEnd), db.window(ws, we)
		if moved {
			if err := visitEvent(ctx, tx, visitID, &u.ID, "rescheduled", from, to, in.Reason); err != nil {
				return err
			}
			if err := ticketVisitEvent(ctx, tx, v, &u.ID, from, "rescheduled "+to, in.Reason); err != nil {
				return err
			}
		}
		if reassigned {
			if err := visitEvent(ctx, tx, visitID, &u.ID, "assigned", fmtID(v.TechnicianID), fmtID(in.TechnicianID), in.Reason); err != nil {
				return err
			}
		}
		if err := db.replanVisit(ctx, tx, visitID, db.techDayOf(v.TechnicianID, v.WindowStart), db.techDayOf(in.TechnicianID, ws)); err != nil {
			return err
		}
		after := *v
		after.WindowStart, after.WindowEnd, after.TechnicianID = ws, we, in.TechnicianID
		if err := db.visitChanged(ctx, tx, t, v, &after); err != nil {
			return err
		}
		return tx.audit(ctx, "visit.dispatch", "visit", visitID, in)
	})
	if err != nil {
		return nil, err
	}
	return db.findVisit(ctx, db.w, ticketID, visitID)
}

// visitChanged tells those concerned that a visit was booked, moved,
// reassigned or cancelled: the technician it leaves and the one it joins
// (in the console, and by email when they have one), and, when it is
// booked or its window moves, the customer with the confirmation
// template. before is nil for a new visit; after.Status cancelled for a
// cancellation.
func (db *DB) visitChanged(ctx context.Context, tx *Tx, t *aftersales.Ticket, before, after *aftersales.Visit) error {
	win := db.window(after.WindowStart, after.WindowEnd)
	link := "/my/day?date=" + string(aftersales.DateOf(after.WindowStart.In(db.location())))
	tell := func(tech int64, key string) error {
		var title, body []string
		for _, l := range []string{"zh-CN", "en"} {
			title = append(title, db.msg(l, "dispatch.notify."+key, "number", t.Number, "visit", fmt.Sprint(after.Number), "window", win))
			body = append(body, db.msg(l, "dispatch.notify.body", "title", t.Title, "window", win))
		}
		return db.notifyLink(ctx, tx, tech, &t.ID, link, "visit."+key, strings.Join(title, " / "), strings.Join(body, "\n"))
	}
	cancelled := after.Status == aftersales.VisitCancelled
	if before != nil && before.TechnicianID != nil {
		key := "moved"
		switch {
		case cancelled:
			key = "cancelled"
		case after.TechnicianID == nil || *after.TechnicianID != *before.TechnicianID:
			key = "unassigned"
		}
		if key != "moved" || !before.WindowStart.Equal(after.WindowStart) || !before.WindowEnd.Equal(after.WindowEnd) {
			if err := tell(*before.TechnicianID, key); err != nil {
				return err
			}
		}
	}
	if !cancelled && after.TechnicianID != nil && (before == nil || before.TechnicianID == nil || *before.TechnicianID != *after.TechnicianID) {
		if err := tell(*after.TechnicianID, "assigned"); err != nil {
			return err
		}
	}
	if cancelled || before != nil && before.WindowStart.Equal(after.WindowStart) && before.WindowEnd.Equal(after.WindowEnd) {
		return nil
	}
	return db.confirmVisit(ctx, tx, t, after, win)
}

// confirmVisit sends the customer the visit confirmation, filled from
// the templates in both languages, by email when email is configured and
// the customer has an address. The link follows the ticket.
func (db *DB) confirmVisit(ctx context.Context, tx *Tx, t *aftersales.Ticket, v *aftersales.Visit, win string) error {
	if on, err := db.mailOn(ctx, tx); err != nil || !on || t.CustomerID == nil {
		return err
	}
	var email string
	if err := tx.QueryRowContext(ctx, `SELECT email FROM customers WHERE id = $1`, *t.CustomerID).Scan(&email); err != nil {
		return fmt.Errorf("sqlstore: visit customer: %w", err)
	}
	if email = strings.TrimSpace(email); email == "" {
		return nil
	}
	tech := ""
	if v.TechnicianID != nil {
		if err := tx.QueryRowContext(ctx, `SELECT name FROM users WHERE id = $1`, *v.TechnicianID).Scan(&tech); err != nil {
			return fmt.Errorf("sqlstore: visit technician: %w", err)
		}
	}
	tok := auth.NewSecret("")
	if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_follow_links (token_hash, ticket_id, created_at) VALUES ($1, $2, $3)`,
		auth.HashSecret(tok), t.ID, ms(tx.now)); err != nil {
		return fmt.Errorf("sqlstore: follow link: %w", err)
	}
	link := strings.TrimRight(db.PublicURL, "/") + "/follow/" + url.PathEscape(t.Number) + "?t=" + url.QueryEscape(tok)
	tmpls, err := visitTemplates(ctx, tx)
	if err != nil {
		return err
	}
	var subject, body []string
	for _, tm := range tmpls {
		name := tech
		if name == "" {
			name = db.msg(tm.Lang, "dispatch.mail.technician_tbd")
		}
		r := strings.NewReplacer("{window}", win, "{technician}", name, "{number}", t.Number, "{link}", link)
		subject = append(subject, r.Replace(tm.Subject))
		body = append(body, r.Replace(tm.Body))
	}
	return db.mailCustomer(ctx, tx, t, email, strings.Join(subject, " / "), strings.Join(body, "\n\n---\n\n")+"\n", "", nil, true)
}

// followTokens are the hashes that open a ticket's follow page: the
// customer's own token and those sent with visit confirmations.
const followTokens = `(SELECT ticket_id, token_hash FROM ticket_follow_tokens
	UNION ALL SELECT ticket_id, token_hash FROM ticket_follow_links)`

func visitTemplates(ctx context.Context, q queryer) ([]*aftersales.VisitTemplate, error) {
	rows, err := q.QueryContext(ctx, `SELECT lang, subject, body, updated_at, version FROM visit_templates ORDER BY lang = 'en', lang`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: visit templates: %w", err)
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (*aftersales.VisitTemplate, error) {
		var t aftersales.VisitTemplate
		var at int64
		if err := row.Scan(&t.Lang, &t.Subject, &t.Body, &at, &t.Version); err != nil {
			return nil, err
		}
		t.UpdatedAt = fromMS(at)
		return &t, nil
	})
}

// VisitTemplates lists the customer's visit confirmation templates,
// Chinese first.
func (db *DB) VisitTemplates(ctx context.Context) ([]*aftersales.VisitTemplate, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	return visitTemplates(ctx, db.r)
}

// SetVisitTemplate edits the confirmation template of one language.
func (db *DB) SetVisitTemplate(ctx context.Context, lang string, in aftersales.VisitTemplateInput) (*aftersales.VisitTemplate, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	if lang != "zh-CN" && lang != "en" {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Visit template %q not found.", lang)
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *aftersales.VisitTemplate
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE visit_templates SET subject = $1, body = $2, updated_at = $3, version = version + 1
			WHERE lang = $4 AND version = $5`, in.Subject, in.Body, ms(tx.now), lang, in.Version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: set visit template: %w", err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: fmt.Sprintf("The %s template was changed by someone else; reload and try again.", lang),
				Fields: []aftersales.FieldError{{Field: "version", Reason: "is stale"}}}
		}
		all, err := visitTemplates(ctx, tx)
		if err != nil {
			return err
		}
		for _, t := range all {
			if t.Lang == lang {
				out = t
			}
		}
		return tx.audit(ctx, "update", "visit_template", 0, in)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
