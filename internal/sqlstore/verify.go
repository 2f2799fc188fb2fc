package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

// Effect verification, relapse monitoring, reminders and escalation of
// improvement items, and the case library.

type window struct{ from, to time.Time }

func (db *DB) parseWindows(in *aftersales.VerifyInput) ([2]window, error) {
	var v aftersales.Validator
	loc := db.location()
	parse := func(field, s string) time.Time {
		t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), loc)
		v.Check(err == nil, field, "must be a date, YYYY-MM-DD")
		return t
	}
	b := window{parse("before_from", in.BeforeFrom), parse("before_to", in.BeforeTo)}
	a := window{parse("after_from", in.AfterFrom), parse("after_to", in.AfterTo)}
	if err := v.Err(); err != nil {
		return [2]window{}, err
	}
	v.Check(b.to.After(b.from), "before_to", "must be after before_from")
	v.Check(a.to.After(a.from), "after_to", "must be after after_from")
	v.Check(!a.from.Before(b.to), "after_from", "the after window must start when the before window has ended")
	tomorrow := analytics.DayOf(db.Now(), loc).Date(loc).AddDate(0, 0, 1)
	v.Check(!a.to.After(tomorrow), "after_to", "must not be in the future: the window's data is not complete yet")
	return [2]window{b, a}, v.Err()
}

// groups reads the four (or two) groups of a verification: per window,
// the treated scope and, with a control value, the control scope.
func (db *DB) groups(ctx context.Context, k analytics.KPI, kind analytics.VerifyKind, dim aftersales.Dimension, vals []string, ws [2]window) ([][2]analytics.Group, error) {
	out := make([][2]analytics.Group, len(vals))
	if kind == analytics.VerifyRate {
		for i, val := range vals {
			for j, w := range ws {
				res, err := db.metric(ctx, aftersales.MetricQuery{KPI: k.Key, From: w.from, To: w.to, Grain: aftersales.GrainMonth, Filter: dim, Value: val})
				if err != nil {
					return nil, err
				}
				out[i][j] = analytics.Group{X: res.Total.Num, N: res.Total.N}
			}
		}
		return out, nil
	}
	if k.Key == analytics.UtilisationKey {
		return db.utilGroups(ctx, dim, vals, ws)
	}
	// Per-ticket observations come from the stored facts.
	di := -1
	if dim != "" {
		di = slices.Index(aftersales.Dimensions, dim)
	}
	loc := db.location()
	days := [2][2]analytics.Day{}
	for j, w := range ws {
		days[j] = [2]analytics.Day{analytics.DayOf(w.from, loc), analytics.DayOf(w.to, loc)}
	}
	// Only tickets that can hold an observation in the windows are read:
	// for KPIs counted on the creation or resolution day, those created
	// or resolved inside a window; otherwise (arrival) those created
	// before the after window ends and changed after the before window
	// starts. The tickets are chosen first and their facts read by key,
	// so neither engine seeks into tickets once per stored fact.
	q := `SELECT f.fact FROM kpi_facts f WHERE f.ticket_id IN (SELECT t.id FROM tickets t WHERE t.created_at < $2 AND t.updated_at >= $1`
	args := []any{ms(ws[0].from), ms(ws[1].to)}
	switch k.Cohort {
	case "created":
		q += ` AND t.created_at >= $1 AND (t.created_at < $3 OR t.created_at >= $4)`
		args = append(args, ms(ws[0].to), ms(ws[1].from))
	case "resolved":
		q += ` AND (COALESCE(t.resolved_at, t.closed_at) >= $1 AND COALESCE(t.resolved_at, t.closed_at) < $3
			OR COALESCE(t.resolved_at, t.closed_at) >= $4 AND COALESCE(t.resolved_at, t.closed_at) < $2)`
		args = append(args, ms(ws[0].to), ms(ws[1].from))
	}
	q += `)`
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: verification facts: %w", err)
	}
	defer rows.Close()
	for i := range out {
		for j := range out[i] {
			out[i][j].Values = []float64{}
		}
	}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		f, err := analytics.DecodeFact(b)
		if err != nil {
			return nil, err
		}
		for i, val := range vals {
			if di >= 0 && (di >= len(f.Dims) || f.Dims[di] != val) {
				continue
			}
			for j := range ws {
				out[i][j].Values = k.Observe(&f, days[j][0], days[j][1], out[i][j].Values)
			}
		}
	}
	return out, rows.Err()
}

// utilGroups reads technician_utilisation's groups: one observation
// per technician-day with shift time in the window (its booked ÷ shift
// minutes, in percent), of the technicians in the scope's value.
func (db *DB) utilGroups(ctx context.Context, dim aftersales.Dimension, vals []string, ws [2]window) ([][2]analytics.Group, error) {
	loc := db.location()
	out := make([][2]analytics.Group, len(vals))
	for j, w := range ws {
		ud, err := db.utilDays(ctx, analytics.DayOf(w.from, loc), analytics.DayOf(w.to, loc))
		if err != nil {
			return nil, err
		}
		for i, val := range vals {
			out[i][j].Values = []float64{}
			for _, p := range ud.techs {
				if dim != "" && !slices.Contains(ud.vals(p, dim), val) {
					continue
				}
				for _, u := range ud.days[p.UserID] {
					if x, ok := analytics.UtilisationDay(u.Booked, u.Shift); ok {
						out[i][j].Values = append(out[i][j].Values, x)
					}
				}
			}
		}
	}
	return out, nil
}

// monitor is how a closed item's KPI is watched for a relapse: weekly,
// against a p-chart around the verified level (rates), an XmR chart
// from the after window's weeks, or, with too few weeks for a chart,
// the level before the improvement.
type monitor struct {
	KPI    string               `json:"kpi"`
	Dim    aftersales.Dimension `json:"dim,omitempty"`
	Value  string               `json:"value,omitempty"`
	Chart  string               `json:"chart"` // p, xmr or threshold
	Center float64              `json:"center"`
	Sigma  float64              `json:"sigma,omitempty"`
	Before float64              `json:"before"`
	Since  time.Time            `json:"since"` // first whole week after closing
}

func (db *DB) newMonitor(ctx context.Context, k analytics.KPI, kind analytics.VerifyKind, dim aftersales.Dimension, val string, after window, g analytics.Group, before float64, closed time.Time) (*monitor, error) {
	loc := db.location()
	m := &monitor{KPI: k.Key, Dim: dim, Value: val, Before: before,
		Since: periodStart(analytics.DayOf(closed, loc)+7, aftersales.GrainWeek).Date(loc)}
	if kind == analytics.VerifyRate {
		if g.N == 0 {
			return nil, nil
		}
		m.Chart, m.Center = "p", float64(g.X)/float64(g.N)
		return m, nil
	}
	res, err := db.metric(ctx, aftersales.MetricQuery{KPI: k.Key, From: after.from, To: after.to, Grain: aftersales.GrainWeek, Filter: dim, Value: val})
	if err != nil {
		return nil, err
	}
	var xs []float64
	for _, p := range res.Points {
		if p.Value != nil {
			xs = append(xs, *p.Value)
		}
	}
	if len(xs) >= 4 {
		if l, err := analytics.Baseline(analytics.XmR, xs, nil, nil); err == nil && l.Sigma > 0 {
			m.Chart, m.Center, m.Sigma = "xmr", l.Center, l.Sigma
			return m, nil
		}
	}
	m.Chart, m.Center = "threshold", before
	return m, nil
}

// Verify runs an effect verification and records it. When the item is
// verifying, the verdict moves it: effective closes it (and starts
// relapse monitoring), not effective sends it back to analysing with
// the reason; inconclusive leaves it waiting for more data.
func (db *DB) Verify(ctx context.Context, itemID int64, in aftersales.VerifyInput) (*aftersales.Verification, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return nil, err
	}
	it, err := db.item(ctx, db.r, itemID)
	if err != nil {
		return nil, err
	}
	if !manager(u) && (it.OwnerID == nil || *it.OwnerID != u.ID) {
		return nil, aftersales.Errorf(aftersales.EFORBIDDEN, "Only the item's owner, quality managers, supervisors and admins can verify it.")
	}
	if in.KPI == "" {
		in.KPI = it.KPI
	}
	if in.Dim == "" && in.Value == "" {
		in.Dim, in.Value = it.Dim, it.Value
	}
	in.Value, in.ControlValue = strings.TrimSpace(in.Value), strings.TrimSpace(in.ControlValue)
	var v aftersales.Validator
	k, ok := analytics.Lookup(in.KPI)
	v.Check(in.KPI != "", "kpi", "choose the KPI to verify (the item has none)")
	v.Check(in.KPI == "" || ok, "kpi", "unknown KPI")
	var kind analytics.VerifyKind
	if ok {
		var kerr error
		kind, kerr = k.Verification()
		v.Check(kerr == nil, "kpi", fmt.Sprint(kerr))
	}
	v.Check(in.Dim == "" || in.Dim.Valid(), "dim", "unknown dimension")
	v.Check(!ok || !in.Dim.Valid() || k.Groupable(in.Dim), "dim", "this KPI can be verified within "+strings.Join(dimList(k.Only), ", ")+" only")
	v.Check((in.Dim == "") == (in.Value == ""), "value", "a scope needs both a dimension and a value")
	v.Check(in.ControlValue == "" || in.Dim != "", "control_value", "a control group is another value of the scope's dimension; set dim and value first")
	v.Check(in.ControlValue == "" || in.ControlValue != in.Value, "control_value", "the control group must differ from the treated scope")
	if err := v.Err(); err != nil {
		return nil, err
	}
	ws, err := db.parseWindows(&in)
	if err != nil {
		return nil, err
	}
	// A request reads the rollups as they are, never folding pending
	// changes in itself (the job does within seconds).
	vals := []string{in.Value}
	if in.ControlValue != "" {
		vals = append(vals, in.ControlValue)
	}
	gs, err := db.groups(ctx, k, kind, in.Dim, vals, ws)
	if err != nil {
		return nil, err
	}
	var target *float64
	if in.KPI == it.KPI {
		target = it.Target
	}
	var ctrl *[2]analytics.Group
	if len(gs) > 1 {
		ctrl = &gs[1]
	}
	vd := analytics.Judge(k, kind, gs[0][0], gs[0][1], ctrl, target)
	res := &aftersales.Verification{ItemID: itemID, VerifyInput: in, Target: target, TargetMet: vd.TargetMet, Supported: vd.Supported,
		Verdict: vd.Verdict, ReasonCode: vd.Code, Reason: vd.Reason, ByID: u.ID}
	if vd.HasBefore {
		res.Before = &vd.Before
	}
	if vd.HasAfter {
		res.After = &vd.After
	}
	if ctrl != nil {
		if l, ok := ctrl[0].Level(k, kind); ok {
			res.ControlBefore = &l
		}
		if l, ok := ctrl[1].Level(k, kind); ok {
			res.ControlAfter = &l
		}
	}
	t := vd.Test
	res.Test = aftersales.EffectTest{Method: t.Method, Estimate: aftersales.Number(t.Estimate), CILow: aftersales.Number(t.CILow),
		CIHigh: aftersales.Number(t.CIHigh), Stat: aftersales.Number(t.Statistic), P: aftersales.Number(t.P), N1: t.N1, N2: t.N2, TooSmall: t.TooSmall}
	if t.EffectName != "" && !math.IsNaN(t.Effect) && !math.IsInf(t.Effect, 0) {
		res.Test.Effect, res.Test.EffectName = &t.Effect, t.EffectName
	}
	if kind == analytics.VerifyDuration && ctrl == nil {
		res.Test.Shift = &res.Test.Estimate
	}
	var mon *monitor
	if it.Status == aftersales.ItemVerifying && vd.Verdict == aftersales.VerdictEffective {
		if mon, err = db.newMonitor(ctx, k, kind, in.Dim, in.Value, ws[1], gs[0][1], vd.Before, db.Now()); err != nil {
			return nil, err
		}
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		cur, err := db.item(ctx, tx, itemID)
		if err != nil {
			return err
		}
		res.CreatedAt = tx.now
		apply := cur.Status == aftersales.ItemVerifying && vd.Verdict != aftersales.VerdictInconclusive
		if apply && vd.Verdict == aftersales.VerdictEffective && mon == nil {
			// The item moved to verifying after the monitor was prepared.
			apply = false
		}
		res.Applied = apply
		if err := tx.QueryRowContext(ctx, `INSERT INTO improvement_verifications (item_id, verdict, result, applied, by_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, itemID, vd.Verdict, mustJSON(res), apply, u.ID, ms(tx.now)).Scan(&res.ID); err != nil {
			return fmt.Errorf("sqlstore: record verification: %w", err)
		}
		if err := itemEvent(ctx, tx, itemID, &u.ID, "verification", "", vd.Verdict, vd.Reason); err != nil {
			return err
		}
		if apply {
			to := aftersales.ItemAnalysing
			q, args := `UPDATE improvement_items SET status = 'analysing' WHERE id = $1`, []any{itemID}
			if vd.Verdict == aftersales.VerdictEffective {
				to = aftersales.ItemClosed
				q, args = `UPDATE improvement_items SET status = 'closed', closed_at = $2, monitor = $3 WHERE id = $1`, append(args, ms(tx.now), mustJSON(mon))
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
			if err := itemEvent(ctx, tx, itemID, &u.ID, "status", string(cur.Status), string(to), vd.Reason); err != nil {
				return err
			}
			if err := db.notifyWatchers(ctx, tx, cur, u.ID, "improvement.verified", fmt.Sprintf("%s: %s", cur.Number, vd.Verdict), vd.Reason); err != nil {
				return err
			}
		}
		if err := bump(ctx, tx, itemID, 0); err != nil {
			return err
		}
		return tx.audit(ctx, "improvement.verified", "improvement_item", itemID, res)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// reminderDays is how long before an action's due date its owner is
// reminded.
const reminderDays = 2

// SweepImprovements runs the loop's clock: reminders before actions are
// due, escalation of overdue actions and items to their owners and the
// supervisors, and relapse checks on closed items. It returns how many
// notifications and reopenings it made.
//
// With several instances on PostgreSQL one runs the sweep and the others
// skip it (an advisory lock); each step is a guarded update besides, so
// even two runs never remind, escalate or reopen twice.
func (db *DB) SweepImprovements(ctx context.Context) (int, error) {
	n, _, err := db.exclusive(ctx, "improvement-loop", func() (int, error) { return db.sweepImprovements(ctx) })
	return n, err
}

func (db *DB) sweepImprovements(ctx context.Context) (int, error) {
	n, err := db.remindActions(ctx)
	if err != nil {
		return n, err
	}
	m, err := db.escalateItems(ctx)
	n += m
	if err != nil {
		return n, err
	}
	m, err = db.checkRelapses(ctx)
	return n + m, err
}

func (db *DB) remindActions(ctx context.Context) (int, error) {
	loc := db.location()
	now := db.Now().In(loc)
	today, soon := now.Format(time.DateOnly), now.AddDate(0, 0, reminderDays).Format(time.DateOnly)
	type due struct {
		id, item, owner int64
		desc, due, num  string
		itemOwner       sql.NullInt64
		late            bool
	}
	rows, err := db.r.QueryContext(ctx, `SELECT a.id, a.item_id, a.owner_id, a.description, a.due_on, i.number, i.owner_id, a.due_on < $1
		FROM improvement_actions a JOIN improvement_items i ON i.id = a.item_id
		WHERE a.status IN ('planned','in_progress') AND i.status <> 'closed'
		  AND ((a.due_on < $1 AND a.escalated_at IS NULL) OR (a.due_on >= $1 AND a.due_on <= $2 AND a.reminded_at IS NULL))
		ORDER BY a.id`, today, soon)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: due actions: %w", err)
	}
	var ds []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.item, &d.owner, &d.desc, &d.due, &d.num, &d.itemOwner, &d.late); err != nil {
			rows.Close()
			return 0, err
		}
		ds = append(ds, d)
	}
	rows.Close()
	sent := 0
	for _, d := range ds {
		err := db.inTx(ctx, func(tx *Tx) error {
			if !d.late {
				res, err := tx.ExecContext(ctx, `UPDATE improvement_actions SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL`, ms(tx.now), d.id)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					return nil
				}
				sent++
				if err := itemEvent(ctx, tx, d.item, nil, "reminder", "", "", d.desc+" (due "+d.due+")"); err != nil {
					return err
				}
				return db.notifyItem(ctx, tx, d.owner, d.item, "improvement.reminder", fmt.Sprintf("%s: action due %s", d.num, d.due), d.desc)
			}
			res, err := tx.ExecContext(ctx, `UPDATE improvement_actions SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL`, ms(tx.now), d.id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			to, err := supervisors(ctx, tx, nil)
			if err != nil {
				return err
			}
			to = append(to, d.owner)
			if d.itemOwner.Valid {
				to = append(to, d.itemOwner.Int64)
			}
			for _, uid := range dedupeIDs(to) {
				sent++
				if err := db.notifyItem(ctx, tx, uid, d.item, "improvement.overdue", fmt.Sprintf("%s: action overdue since %s", d.num, d.due), d.desc); err != nil {
					return err
				}
			}
			return itemEvent(ctx, tx, d.item, nil, "escalated", "", "", "action overdue since "+d.due+": "+d.desc)
		})
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// lateItem is an open item past its target date, not yet escalated.
type lateItem struct {
	id                 int64
	num, title, target string
	owner              sql.NullInt64
}

func (db *DB) escalateItems(ctx context.Context) (int, error) {
	ls, err := db.lateItems(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, l := range ls {
		n, err := db.escalateItem(ctx, l)
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

func (db *DB) lateItems(ctx context.Context) ([]lateItem, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, number, title, target_date, owner_id FROM improvement_items
		WHERE status <> 'closed' AND target_date <> '' AND target_date < $1 AND escalated_at IS NULL ORDER BY id`, db.today())
	if err != nil {
		return nil, fmt.Errorf("sqlstore: overdue items: %w", err)
	}
	defer rows.Close()
	var ls []lateItem
	for rows.Next() {
		var l lateItem
		if err := rows.Scan(&l.id, &l.num, &l.title, &l.target, &l.owner); err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, rows.Err()
}

// escalateItem escalates one late item unless someone did since the list
// was read: the update that stamps escalated_at is the guard, so two
// sweeps working from the same list notify once.
func (db *DB) escalateItem(ctx context.Context, l lateItem) (int, error) {
	sent := 0
	err := db.inTx(ctx, func(tx *Tx) error {
		sent = 0
		res, err := tx.ExecContext(ctx, `UPDATE improvement_items SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL
			AND status <> 'closed'`, ms(tx.now), l.id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // escalated (or closed) since the list was read
		}
		to, err := supervisors(ctx, tx, nil)
		if err != nil {
			return err
		}
		if l.owner.Valid {
			to = append(to, l.owner.Int64)
		}
		for _, uid := range dedupeIDs(to) {
			sent++
			if err := db.notifyItem(ctx, tx, uid, l.id, "improvement.overdue", fmt.Sprintf("%s is past its target date %s", l.num, l.target), l.title); err != nil {
				return err
			}
		}
		return itemEvent(ctx, tx, l.id, nil, "escalated", "", "", "past the target date "+l.target)
	})
	if err != nil {
		return 0, err
	}
	return sent, nil
}

// checkRelapses watches closed items' KPIs week by week after closing:
// a complete week beyond the control limit in the bad direction (or, for
// a threshold monitor, as bad as before the improvement) reopens the
// item with the evidence.
func (db *DB) checkRelapses(ctx context.Context) (int, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, monitor FROM improvement_items WHERE status = 'closed' AND monitor <> '' ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: monitored items: %w", err)
	}
	mons := map[int64]*monitor{}
	var order []int64
	for rows.Next() {
		var id int64
		var js string
		if err := rows.Scan(&id, &js); err != nil {
			rows.Close()
			return 0, err
		}
		var m monitor
		if json.Unmarshal([]byte(js), &m) == nil {
			mons[id] = &m
			order = append(order, id)
		}
	}
	rows.Close()
	if len(order) == 0 {
		return 0, nil
	}
	if err := db.refreshAll(ctx); err != nil {
		return 0, err
	}
	loc := db.location()
	end := periodStart(analytics.DayOf(db.Now(), loc), aftersales.GrainWeek).Date(loc)
	reopened := 0
	for _, id := range order {
		m := mons[id]
		if !end.After(m.Since) {
			continue
		}
		k, ok := analytics.Lookup(m.KPI)
		if !ok {
			continue
		}
		res, err := db.metric(ctx, aftersales.MetricQuery{KPI: m.KPI, From: m.Since, To: end, Grain: aftersales.GrainWeek, Filter: m.Dim, Value: m.Value})
		if err != nil {
			return reopened, err
		}
		var found []aftersales.AlertEvidence
		for i, p := range res.Points {
			if p.Value == nil {
				continue
			}
			limit, bad := relapseLimit(k, m, p)
			if !bad {
				continue
			}
			to := end
			if i+1 < len(res.Points) {
				to = res.Points[i+1].Period
			}
			found = append(found, aftersales.AlertEvidence{Period: p.Period, Value: *p.Value, N: p.N, Rule: "relapse", Limit: limit,
				Tickets: "/tickets?" + analytics.DrillQuery(k, m.Dim, m.Value, p.Period, to).Encode()})
		}
		if len(found) == 0 {
			continue
		}
		err = db.inTx(ctx, func(tx *Tx) error {
			// Another instance may be checking the same item: the lock
			// makes it wait, and the guarded updates below see its work.
			if err := db.lockRow(ctx, tx, "improvement_items", id); err != nil {
				return err
			}
			it, err := db.item(ctx, tx, id)
			if err != nil || it.Status != aftersales.ItemClosed {
				return err
			}
			if it.RuleID != nil {
				// The alert rule already opened a new item for the same
				// problem (the unique open item per rule): point to it.
				var other string
				err := tx.QueryRowContext(ctx, `SELECT number FROM improvement_items WHERE rule_id = $1 AND status <> 'closed' AND id <> $2`, *it.RuleID, id).Scan(&other)
				if err == nil {
					res, err := tx.ExecContext(ctx, `UPDATE improvement_items SET monitor = '' WHERE id = $1 AND monitor <> ''`, id)
					if err != nil {
						return err
					}
					if n, _ := res.RowsAffected(); n == 0 {
						return nil // checked by another run
					}
					return itemEvent(ctx, tx, id, nil, "relapse", "", "", "relapse tracked in "+other)
				}
				if err != sql.ErrNoRows {
					return err
				}
			}
			ev := append(it.Evidence, found...)
			res, err := tx.ExecContext(ctx, `UPDATE improvement_items SET status = 'reopened', closed_at = NULL, monitor = '', reopen_count = reopen_count + 1,
				escalated_at = NULL, evidence = $1, breaches = breaches + $2, version = version + 1, updated_at = $3
				WHERE id = $4 AND status = 'closed' AND monitor <> ''`,
				mustJSON(ev), len(found), ms(tx.now), id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // reopened by another run
			}
			f := found[0]
			body := fmt.Sprintf("relapse in the week of %s: %s %.4g (n = %d) beyond the limit %.4g", f.Period.In(loc).Format(time.DateOnly), m.KPI, f.Value, f.N, f.Limit)
			if err := itemEvent(ctx, tx, id, nil, "status", string(aftersales.ItemClosed), string(aftersales.ItemReopened), body); err != nil {
				return err
			}
			to, err := supervisors(ctx, tx, nil)
			if err != nil {
				return err
			}
			to = append(to, it.Watchers...)
			if it.OwnerID != nil {
				to = append(to, *it.OwnerID)
			}
			for _, uid := range dedupeIDs(to) {
				if err := db.notifyItem(ctx, tx, uid, id, "improvement.relapse", it.Number+" reopened: the problem is back", body); err != nil {
					return err
				}
			}
			reopened++
			return tx.audit(ctx, "improvement.relapse", "improvement_item", id, found)
		})
		if err != nil {
			return reopened, err
		}
	}
	return reopened, nil
}

// relapseLimit returns the week's limit and whether the value is beyond
// it in the KPI's bad direction.
func relapseLimit(k analytics.KPI, m *monitor, p aftersales.MetricPoint) (float64, bool) {
	v := *p.Value
	var limit float64
	switch m.Chart {
	case "p":
		if p.N == 0 {
			return 0, false
		}
		w := 3 * math.Sqrt(m.Center*(1-m.Center)/float64(p.N))
		if k.HigherIsBetter {
			limit = 100 * math.Max(0, m.Center-w)
		} else {
			limit = 100 * math.Min(1, m.Center+w)
		}
	case "xmr":
		if k.HigherIsBetter {
			limit = m.Center - 3*m.Sigma
		} else {
			limit = m.Center + 3*m.Sigma
		}
	default:
		limit = m.Before
		return limit, !analytics.Worse(k, limit, v) // as bad as before, or worse
	}
	return limit, analytics.Worse(k, v, limit)
}

// PublishCase publishes a closed item's lesson to the case library.
// Parts left empty are written from the item.
func (db *DB) PublishCase(ctx context.Context, itemID int64, in aftersales.CaseInput) (*aftersales.Case, error) {
	d, err := db.ImprovementItem(ctx, itemID)
	if err != nil {
		return nil, err
	}
	u := aftersales.UserFromContext(ctx)
	if !manager(u) && (d.OwnerID == nil || *d.OwnerID != u.ID) {
		return nil, aftersales.Errorf(aftersales.EFORBIDDEN, "Only the item's owner, quality managers, supervisors and admins can publish its case.")
	}
	if d.Status != aftersales.ItemClosed {
		return nil, aftersales.Errorf(aftersales.ECONFLICT, "Only a closed item's case can be published; this one is %s.", d.Status)
	}
	if d.Case != nil {
		return nil, aftersales.Errorf(aftersales.ECONFLICT, "This item's case is already published.")
	}
	c := &aftersales.Case{ItemID: itemID, Number: d.Number, Title: strings.TrimSpace(in.Title), Problem: strings.TrimSpace(in.Problem),
		RootCause: strings.TrimSpace(in.RootCause), Actions: strings.TrimSpace(in.Actions), Effect: strings.TrimSpace(in.Effect), PublishedBy: u.ID}
	for _, t := range in.Tags {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(c.Tags, t) {
			c.Tags = append(c.Tags, t)
		}
	}
	if c.Title == "" {
		c.Title = d.Title
	}
	if c.Problem == "" {
		c.Problem = d.Description
		if d.KPI != "" && d.Baseline != nil {
			c.Problem = strings.TrimSpace(c.Problem + fmt.Sprintf("\n%s at %.4g", d.KPI, *d.Baseline))
		}
		if c.Problem == "" {
			c.Problem = d.Title
		}
	}
	if c.RootCause == "" {
		var parts []string
		for _, w := range d.Whys {
			parts = append(parts, w.Question+" → "+w.Answer)
		}
		if d.RootCause != "" {
			parts = append(parts, "["+d.RootCause+"]")
		}
		if d.RootNote != "" {
			parts = append(parts, d.RootNote)
		}
		c.RootCause = strings.Join(parts, "\n")
	}
	if c.Actions == "" {
		var parts []string
		for _, a := range d.Actions {
			if a.Status == "done" {
				parts = append(parts, fmt.Sprintf("%s (%s, %s): %s", a.Description, a.OwnerName, a.Due, a.Evidence))
			}
		}
		c.Actions = strings.Join(parts, "\n")
	}
	if c.Effect == "" {
		for _, v := range slices.Backward(d.Verifications) {
			if v.Verdict == aftersales.VerdictEffective {
				c.Effect = v.Reason
				break
			}
		}
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		c.PublishedAt = tx.now
		if err := tx.QueryRowContext(ctx, `INSERT INTO improvement_cases (item_id, title, problem, root_cause, actions, effect, tags, published_by, published_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, itemID, c.Title, c.Problem, c.RootCause, c.Actions, c.Effect,
			strings.Join(c.Tags, ","), u.ID, ms(tx.now)).Scan(&c.ID); err != nil {
			return mapErr(fmt.Errorf("sqlstore: publish case: %w", err))
		}
		if err := itemEvent(ctx, tx, itemID, &u.ID, "published", "", "", c.Title); err != nil {
			return err
		}
		return tx.audit(ctx, "improvement.case", "improvement_item", itemID, c)
	})
	if c.Tags == nil {
		c.Tags = []string{}
	}
	return c, err
}

// Cases searches the case library (title, problem, root cause, actions,
// effect and tags contain the query), newest first.
func (db *DB) Cases(ctx context.Context, query string) ([]*aftersales.Case, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	if err := checkSearch(query); err != nil {
		return nil, err
	}
	query = strings.TrimSpace(query)
	if query == "" {
		return db.cases(ctx, "")
	}
	like := "%" + strings.ToLower(escapeLike(query)) + "%"
	return db.cases(ctx, `WHERE LOWER(c.title || ' ' || c.problem || ' ' || c.root_cause || ' ' || c.actions || ' ' || c.effect || ' ' || c.tags) LIKE $1 ESCAPE '\'`, like)
}

func (db *DB) cases(ctx context.Context, where string, args ...any) ([]*aftersales.Case, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT c.id, c.item_id, i.number, c.title, c.problem, c.root_cause, c.actions, c.effect, c.tags, c.published_by, c.published_at
		FROM improvement_cases c JOIN improvement_items i ON i.id = c.item_id `+where+` ORDER BY c.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: cases: %w", err)
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (*aftersales.Case, error) {
		var c aftersales.Case
		var tags string
		var at int64
		err := s.Scan(&c.ID, &c.ItemID, &c.Number, &c.Title, &c.Problem, &c.RootCause, &c.Actions, &c.Effect, &tags, &c.PublishedBy, &at)
		c.PublishedAt, c.Tags = fromMS(at), []string{}
		if tags != "" {
			c.Tags = strings.Split(tags, ",")
		}
		return &c, err
	})
}
