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
	"aftersales/internal/sla"
)

const calendarCols = `id, code, name, time_zone, week, holidays, workdays, version`

func scanCalendar(row interface{ Scan(...any) error }) (*aftersales.BusinessCalendar, error) {
	var c aftersales.BusinessCalendar
	var week, hol, work string
	if err := row.Scan(&c.ID, &c.Code, &c.Name, &c.TimeZone, &week, &hol, &work, &c.Version); err != nil {
		return nil, err
	}
	for _, j := range []struct {
		s string
		v any
	}{{week, &c.Week}, {hol, &c.Holidays}, {work, &c.Workdays}} {
		if err := json.Unmarshal([]byte(j.s), j.v); err != nil {
			return nil, fmt.Errorf("sqlstore: calendar %d: %w", c.ID, err)
		}
	}
	return &c, nil
}

// CreateCalendar stores a business calendar.
func (db *DB) CreateCalendar(ctx context.Context, c aftersales.BusinessCalendar) (*aftersales.BusinessCalendar, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO business_calendars (code, name, time_zone, week, holidays, workdays, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, c.Code, c.Name, c.TimeZone, mustJSON(weekOrEmpty(c.Week)),
			mustJSON(orEmptyDates(c.Holidays)), mustJSON(orEmptyMakeup(c.Workdays)), ms(tx.now)).Scan(&c.ID)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert calendar: %w", err))
		}
		return tx.audit(ctx, "create", "business_calendar", c.ID, map[string]string{"code": c.Code})
	})
	if err != nil {
		return nil, err
	}
	c.Version = 1
	return &c, nil
}

// UpdateCalendar replaces a calendar. Deadlines already computed keep
// their values until the ticket's next event re-evaluates them.
func (db *DB) UpdateCalendar(ctx context.Context, id, version int64, c aftersales.BusinessCalendar) (*aftersales.BusinessCalendar, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE business_calendars SET code = $1, name = $2, time_zone = $3, week = $4, holidays = $5,
			workdays = $6, updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9`,
			c.Code, c.Name, c.TimeZone, mustJSON(weekOrEmpty(c.Week)), mustJSON(orEmptyDates(c.Holidays)), mustJSON(orEmptyMakeup(c.Workdays)),
			ms(tx.now), id, version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update calendar: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "business_calendars", "Calendar", id); err != nil {
			return err
		}
		return tx.audit(ctx, "update", "business_calendar", id, map[string]string{"code": c.Code})
	})
	if err != nil {
		return nil, err
	}
	return scanCalendar(db.w.QueryRowContext(ctx, `SELECT `+calendarCols+` FROM business_calendars WHERE id = $1`, id))
}

// ListCalendars lists calendars by name.
func (db *DB) ListCalendars(ctx context.Context) ([]*aftersales.BusinessCalendar, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	return listCalendars(ctx, db.r)
}

func listCalendars(ctx context.Context, q queryer) ([]*aftersales.BusinessCalendar, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+calendarCols+` FROM business_calendars ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list calendars: %w", err)
	}
	return collect(rows, scanCalendar)
}

func weekOrEmpty(w map[string][]aftersales.TimeRange) map[string][]aftersales.TimeRange {
	if w == nil {
		return map[string][]aftersales.TimeRange{}
	}
	return w
}

func orEmptyDates(d []aftersales.Date) []aftersales.Date {
	if d == nil {
		return []aftersales.Date{}
	}
	return d
}

func orEmptyMakeup(d []aftersales.MakeupDay) []aftersales.MakeupDay {
	if d == nil {
		return []aftersales.MakeupDay{}
	}
	return d
}

const policyCols = `id, name, priority, active, conditions, calendar_id, first_response_minutes, resolution_minutes, pause_statuses, warn_at,
	escalations, version, use_ticket_calendar, arrival_minutes, next_response_minutes`

func scanPolicy(row interface{ Scan(...any) error }) (*aftersales.SLAPolicy, error) {
	var p aftersales.SLAPolicy
	var cond, pause, warn, esc string
	var cal sql.NullInt64
	if err := row.Scan(&p.ID, &p.Name, &p.Priority, &p.Active, &cond, &cal, &p.FirstResponseMin, &p.ResolutionMin, &pause, &warn, &esc, &p.Version, &p.UseTicketCalendar, &p.ArrivalMin, &p.NextResponseMin); err != nil {
		return nil, err
	}
	p.CalendarID = int64Ptr(cal)
	for _, j := range []struct {
		s string
		v any
	}{{cond, &p.Conditions}, {pause, &p.PauseStatuses}, {warn, &p.WarnAt}, {esc, &p.Escalations}} {
		if err := json.Unmarshal([]byte(j.s), j.v); err != nil {
			return nil, fmt.Errorf("sqlstore: policy %d: %w", p.ID, err)
		}
	}
	return &p, nil
}

func (db *DB) writePolicy(ctx context.Context, p *aftersales.SLAPolicy, id, version int64) error {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if p.PauseStatuses == nil {
		p.PauseStatuses = aftersales.DefaultPauseStatuses
	}
	if p.WarnAt == nil {
		p.WarnAt = []float64{}
	}
	if p.Escalations == nil {
		p.Escalations = []aftersales.EscalationStep{}
	}
	return db.inTx(ctx, func(tx *Tx) error {
		refs := []ref{{"calendar_id", "business_calendars", p.CalendarID}}
		for i, e := range p.Escalations {
			refs = append(refs, ref{fmt.Sprintf("escalations[%d].reassign_team_id", i), "teams", e.ReassignTeamID},
				ref{fmt.Sprintf("escalations[%d].department_id", i), "departments", e.DepartmentID})
		}
		if err := checkRefs(ctx, tx, refs...); err != nil {
			return err
		}
		args := []any{p.Name, p.Priority, p.Active, mustJSON(p.Conditions), nullInt(p.CalendarID), p.FirstResponseMin, p.ResolutionMin,
			mustJSON(p.PauseStatuses), mustJSON(p.WarnAt), ms(tx.now), mustJSON(p.Escalations), p.UseTicketCalendar, p.ArrivalMin, p.NextResponseMin}
		if id == 0 {
			err := tx.QueryRowContext(ctx, `INSERT INTO sla_policies (name, priority, active, conditions, calendar_id, first_response_minutes,
				resolution_minutes, pause_statuses, warn_at, created_at, updated_at, escalations, use_ticket_calendar, arrival_minutes, next_response_minutes)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14) RETURNING id`, args...).Scan(&p.ID)
			if err != nil {
				return mapErr(fmt.Errorf("sqlstore: insert policy: %w", err))
			}
			return tx.audit(ctx, "create", "sla_policy", p.ID, p)
		}
		res, err := tx.ExecContext(ctx, `UPDATE sla_policies SET name = $1, priority = $2, active = $3, conditions = $4, calendar_id = $5,
			first_response_minutes = $6, resolution_minutes = $7, pause_statuses = $8, warn_at = $9, updated_at = $10, escalations = $11,
			use_ticket_calendar = $12, arrival_minutes = $13, next_response_minutes = $14, version = version + 1 WHERE id = $15 AND version = $16`,
			append(args, id, version)...)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update policy: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "sla_policies", "SLA policy", id); err != nil {
			return err
		}
		p.ID = id
		return tx.audit(ctx, "update", "sla_policy", id, p)
	})
}

// CreatePolicy stores an SLA policy. It applies to tickets from their next event on.
func (db *DB) CreatePolicy(ctx context.Context, p aftersales.SLAPolicy) (*aftersales.SLAPolicy, error) {
	if err := db.writePolicy(ctx, &p, 0, 0); err != nil {
		return nil, err
	}
	return scanPolicy(db.w.QueryRowContext(ctx, `SELECT `+policyCols+` FROM sla_policies WHERE id = $1`, p.ID))
}

// UpdatePolicy replaces a policy.
func (db *DB) UpdatePolicy(ctx context.Context, id, version int64, p aftersales.SLAPolicy) (*aftersales.SLAPolicy, error) {
	if err := db.writePolicy(ctx, &p, id, version); err != nil {
		return nil, err
	}
	return scanPolicy(db.w.QueryRowContext(ctx, `SELECT `+policyCols+` FROM sla_policies WHERE id = $1`, id))
}

// ListPolicies lists policies in the order they are tried.
func (db *DB) ListPolicies(ctx context.Context) ([]*aftersales.SLAPolicy, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	return listPolicies(ctx, db.r)
}

func listPolicies(ctx context.Context, q queryer) ([]*aftersales.SLAPolicy, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+policyCols+` FROM sla_policies ORDER BY priority, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list policies: %w", err)
	}
	return collect(rows, scanPolicy)
}

// slaEnv is the reference data SLA evaluation needs, loaded once per
// transaction (or once per bulk load).
type slaEnv struct {
	policies   []*aftersales.SLAPolicy
	calendars  map[int64]*sla.Calendar
	always     *sla.Calendar
	catPath    map[int64][]int64
	unitParent map[int64]int64
	teamCal    map[int64]int64 // team -> calendar
	unitCal    map[int64]int64 // service unit -> calendar
}

// loadSLAEnv returns the SLA part of the cached configuration; callers
// share it and must not change it.
func (db *DB) loadSLAEnv(ctx context.Context, q queryer) (*slaEnv, error) {
	c, err := db.config(ctx, q)
	if err != nil {
		return nil, err
	}
	return c.sla, nil
}

func (db *DB) loadSLAEnvFresh(ctx context.Context, q queryer) (*slaEnv, error) {
	env := &slaEnv{calendars: map[int64]*sla.Calendar{}, always: sla.AlwaysOpen(db.location()), catPath: map[int64][]int64{}, unitParent: map[int64]int64{},
		teamCal: map[int64]int64{}, unitCal: map[int64]int64{}}
	var err error
	if env.policies, err = listPolicies(ctx, q); err != nil {
		return nil, err
	}
	cals, err := listCalendars(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, bc := range cals {
		c, err := sla.FromData(bc)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: calendar %s: %w", bc.Code, err)
		}
		env.calendars[bc.ID] = c
	}
	rows, err := q.QueryContext(ctx, `SELECT id, path FROM product_categories`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var path string
		if err := rows.Scan(&id, &path); err != nil {
			rows.Close()
			return nil, err
		}
		for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
			if n, err := strconv.ParseInt(p, 10, 64); err == nil {
				env.catPath[id] = append(env.catPath[id], n)
			}
		}
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT id, parent_id, calendar_id FROM service_units`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var parent, cal sql.NullInt64
		if err := rows.Scan(&id, &parent, &cal); err != nil {
			rows.Close()
			return nil, err
		}
		if parent.Valid {
			env.unitParent[id] = parent.Int64
		}
		if cal.Valid {
			env.unitCal[id] = cal.Int64
		}
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT id, calendar_id FROM teams WHERE calendar_id IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, cal int64
		if err := rows.Scan(&id, &cal); err != nil {
			return nil, err
		}
		env.teamCal[id] = cal
	}
	return env, rows.Err()
}

// plan finds the ticket's policy and computes its clocks and the scheduled
// warning and escalation steps.
func (env *slaEnv) plan(t *aftersales.Ticket, tier string, in sla.Input) (*aftersales.TicketSLA, *aftersales.SLAPolicy, []sla.Step) {
	f := env.facts(t, tier)
	for _, p := range env.policies {
		if !p.Active || !p.Conditions.Matches(f) {
			continue
		}
		cal, business := env.calendarFor(p, t, f.UnitPath)
		s, steps := sla.Plan(p, cal, in)
		s.TicketID, s.Business = t.ID, business
		return &s, p, steps
	}
	return &aftersales.TicketSLA{TicketID: t.ID, EvaluatedAt: in.Now}, nil, nil
}

// facts are what policy and rule conditions look at: the ticket's fields,
// its customer's tier, and its category and service unit with their ancestors.
func (env *slaEnv) facts(t *aftersales.Ticket, tier string) aftersales.SLAFacts {
	f := aftersales.SLAFacts{Urgency: t.Urgency, Nature: t.Nature, Channel: t.Channel, Tier: tier}
	if t.CategoryID != nil {
		f.CategoryPath = env.catPath[*t.CategoryID]
	}
	if t.ServiceUnitID != nil {
		for u, depth := *t.ServiceUnitID, 0; u != 0 && depth < 8; u, depth = env.unitParent[u], depth+1 {
			f.UnitPath = append(f.UnitPath, u)
		}
	}
	return f
}

// planFor reads a ticket's customer tier and status history and plans its
// clocks as of now.
func planFor(ctx context.Context, q queryer, env *slaEnv, t *aftersales.Ticket, now time.Time) (*aftersales.TicketSLA, *aftersales.SLAPolicy, []sla.Step, error) {
	tier, err := customerTier(ctx, q, t.CustomerID)
	if err != nil {
		return nil, nil, nil, err
	}
	in, err := slaInput(ctx, q, t, now)
	if err != nil {
		return nil, nil, nil, err
	}
	s, p, steps := env.plan(t, tier, in)
	return s, p, steps, nil
}

// nextStep is the earliest step not yet fired, or nil.
func nextStep(steps []sla.Step, fired map[string]bool) *time.Time {
	var next *time.Time
	for _, st := range steps {
		if !fired[st.Key] && (next == nil || st.At.Before(*next)) {
			at := st.At
			next = &at
		}
	}
	return next
}

func firedSteps(ctx context.Context, q queryer, ticketID int64) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT step FROM sla_steps WHERE ticket_id = $1`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: fired steps: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out[k] = true
	}
	return out, rows.Err()
}

// slaInput reads a ticket's status history for evaluation.
func slaInput(ctx context.Context, q queryer, t *aftersales.Ticket, now time.Time) (sla.Input, error) {
	in := sla.Input{Created: t.CreatedAt, FirstResponseAt: t.FirstResponseAt, Now: now}
	rows, err := q.QueryContext(ctx, `SELECT at, to_value FROM ticket_events WHERE ticket_id = $1 AND kind = 'status_changed' ORDER BY id`, t.ID)
	// (rows is closed by hand below: a second query follows.)
	if err != nil {
		return in, fmt.Errorf("sqlstore: status history: %w", err)
	}
	for rows.Next() {
		var at int64
		var to string
		if err := rows.Scan(&at, &to); err != nil {
			rows.Close()
			return in, err
		}
		in.Changes = append(in.Changes, sla.StatusChange{At: fromMS(at), To: aftersales.Status(to)})
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT at, kind FROM ticket_events WHERE ticket_id = $1 AND kind IN ('reply', 'customer_message') ORDER BY id`, t.ID)
	if err != nil {
		return in, fmt.Errorf("sqlstore: message history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var at int64
		var kind string
		if err := rows.Scan(&at, &kind); err != nil {
			return in, err
		}
		in.Messages = append(in.Messages, sla.Message{At: fromMS(at), FromCustomer: kind == string(aftersales.EventCustomerMessage)})
	}
	return in, rows.Err()
}

func customerTier(ctx context.Context, q queryer, customerID *int64) (string, error) {
	if customerID == nil {
		return "", nil
	}
	if c := pinnedCustomer(q, *customerID); c != nil {
		return c.tier, nil
	}
	var tier string
	err := q.QueryRowContext(ctx, `SELECT tier FROM customers WHERE id = $1`, *customerID).Scan(&tier)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return tier, err
}

// refreshSLA re-evaluates a ticket's clocks inside the transaction that
// changed it, stores them, and records a change of policy in the timeline.
func (db *DB) refreshSLA(ctx context.Context, tx *Tx, id int64, actor *int64) error {
	return db.refreshSLAWith(ctx, tx, id, actor, nil)
}

// refreshSLAWith is refreshSLA with reference data already loaded (nil
// loads it).
func (db *DB) refreshSLAWith(ctx context.Context, tx *Tx, id int64, actor *int64, env *slaEnv) error {
	if env == nil {
		var err error
		if env, err = db.loadSLAEnv(ctx, tx); err != nil {
			return err
		}
	}
	// Without any active policy there is nothing to evaluate, unless the
	// ticket still carries clocks from a policy since removed: one cheap
	// query.
	if !slices.ContainsFunc(env.policies, func(p *aftersales.SLAPolicy) bool { return p.Active }) {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM ticket_sla WHERE ticket_id = $1`, id).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: sla clocks: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
	t, err := db.findTicket(ctx, tx, id)
	if err != nil {
		return err
	}
	s, _, steps, err := planFor(ctx, tx, env, t, tx.now)
	if err != nil {
		return err
	}
	fired, err := firedSteps(ctx, tx, id)
	if err != nil {
		return err
	}
	var old sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT policy_id FROM ticket_sla WHERE ticket_id = $1`, id).Scan(&old)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	if fmtID(int64Ptr(old)) != fmtID(s.PolicyID) {
		from := policyName(env, int64Ptr(old))
		if err := addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: id, ActorID: actor, Kind: "sla_changed", Field: "sla_policy",
			From: from, To: s.PolicyName, Body: deadlineNote(s, db.location())}); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM ticket_sla WHERE ticket_id = $1`, id)
	if err == nil {
		_, err = tx.ExecContext(ctx, slaInsert, slaRow(s, nextStep(steps, fired))...)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: store ticket SLA: %w", err)
	}
	return nil
}

// planNewSLA plans the clocks of a ticket inserted by tx a moment ago: it
// has no status history, messages, fired steps or clocks yet, so only its
// customer's tier is read (pinned by insertTicket); t is the ticket as
// written, and gets its resolution deadline and breach flag as a read
// would show them. It returns the ticket_sla row to insert (nil when no
// policy is active) and the timeline event of the policy that applies
// (nil when none does); the caller writes both.
func (db *DB) planNewSLA(ctx context.Context, tx *Tx, t *aftersales.Ticket, actor *int64) ([]any, *aftersales.TicketEvent, error) {
	env, err := db.loadSLAEnv(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	if !slices.ContainsFunc(env.policies, func(p *aftersales.SLAPolicy) bool { return p.Active }) {
		return nil, nil, nil
	}
	tier, err := customerTier(ctx, tx, t.CustomerID)
	if err != nil {
		return nil, nil, err
	}
	s, _, steps := env.plan(t, tier, sla.Input{Created: t.CreatedAt, FirstResponseAt: t.FirstResponseAt, Now: tx.now})
	var ev *aftersales.TicketEvent
	if s.PolicyID != nil {
		ev = &aftersales.TicketEvent{TicketID: t.ID, ActorID: actor, Kind: "sla_changed", Field: "sla_policy",
			To: s.PolicyName, Body: deadlineNote(s, db.location())}
	}
	row := slaRow(s, nextStep(steps, nil))
	// As ticketCols reads them back: res_due_at, and res_met or fr_met false.
	if c := s.Resolution; c != nil {
		t.ResolutionDueAt = msTime(c.DueAt)
	}
	missed := func(c *aftersales.SLAClock) bool { return c != nil && c.Met != nil && !*c.Met }
	t.SLABreached = missed(s.FirstResponse) || missed(s.Resolution)
	return row, ev, nil
}

func policyName(env *slaEnv, id *int64) string {
	for _, p := range env.policies {
		if id != nil && p.ID == *id {
			return p.Name
		}
	}
	return ""
}

// deadlineNote says in the timeline what the new deadlines are.
func deadlineNote(s *aftersales.TicketSLA, loc *time.Location) string {
	var parts []string
	if c := s.FirstResponse; c != nil && c.DueAt != nil {
		parts = append(parts, "first response due "+c.DueAt.In(loc).Format("2006-01-02 15:04"))
	}
	if c := s.Resolution; c != nil && c.DueAt != nil {
		parts = append(parts, "resolution due "+c.DueAt.In(loc).Format("2006-01-02 15:04"))
	}
	return strings.Join(parts, "; ")
}

const slaInsert = `INSERT INTO ticket_sla (ticket_id, policy_id, fr_due_at, fr_met, fr_breached_at, res_due_at, res_met, res_breached_at,
	res_paused, res_paused_minutes, evaluated_at, next_step_at, arr_due_at, arr_met, nr_due_at, nr_met)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`

var slaColumns = []string{"ticket_id", "policy_id", "fr_due_at", "fr_met", "fr_breached_at", "res_due_at", "res_met", "res_breached_at",
	"res_paused", "res_paused_minutes", "evaluated_at", "next_step_at", "arr_due_at", "arr_met", "nr_due_at", "nr_met"}

func slaRow(s *aftersales.TicketSLA, next *time.Time) []any {
	clock := func(c *aftersales.SLAClock) (due, met, breached any) {
		if c == nil {
			return nil, nil, nil
		}
		if c.Met != nil {
			met = *c.Met
		}
		return nullMS(c.DueAt), met, nullMS(c.BreachedAt)
	}
	frDue, frMet, frBr := clock(s.FirstResponse)
	resDue, resMet, resBr := clock(s.Resolution)
	paused, pausedMin := false, 0.0
	if s.Resolution != nil {
		paused, pausedMin = s.Resolution.Paused, s.Resolution.PausedMinutes
	}
	arrDue, arrMet, _ := clock(s.Arrival)
	nrDue, nrMet, _ := clock(s.NextResponse)
	return []any{s.TicketID, nullInt(s.PolicyID), frDue, frMet, frBr, resDue, resMet, resBr, paused, pausedMin, ms(s.EvaluatedAt), nullMS(next),
		arrDue, arrMet, nrDue, nrMet}
}

// TicketSLA evaluates a ticket's clocks as of now.
func (db *DB) TicketSLA(ctx context.Context, ticketID int64) (*aftersales.TicketSLA, error) {
	t, err := db.FindTicket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	env, err := db.loadSLAEnv(ctx, db.r)
	if err != nil {
		return nil, err
	}
	s, _, _, err := planFor(ctx, db.r, env, t, db.Now().UTC().Truncate(time.Millisecond))
	return s, err
}

// calendarFor picks the calendar a policy counts time in for ticket t:
// with UseTicketCalendar, the team's, else the nearest unit's up the
// network (unitPath starts at the ticket's unit), else the policy's own;
// without a calendar, 24x7 time.
func (env *slaEnv) calendarFor(p *aftersales.SLAPolicy, t *aftersales.Ticket, unitPath []int64) (*sla.Calendar, bool) {
	if p.UseTicketCalendar {
		if t.TeamID != nil {
			if c := env.calendars[env.teamCal[*t.TeamID]]; c != nil {
				return c, true
			}
		}
		for _, u := range unitPath {
			if c := env.calendars[env.unitCal[u]]; c != nil {
				return c, true
			}
		}
	}
	if p.CalendarID != nil && env.calendars[*p.CalendarID] != nil {
		return env.calendars[*p.CalendarID], true
	}
	return env.always, false
}
