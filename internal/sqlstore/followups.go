package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

// Follow-up (回访) persistence: policies, the per-resolution selection
// record, tasks and their attempts. The rules (which policy matches, the
// seeded draw) are aftersales.SelectFollowup; this file stores and loads.

const fuPolicyCols = `id, name, position, active, natures, tiers, sample_percent, seed, delay_hours, deadline_hours,
	max_attempts, team_id, script_zh, script_en, applies_from, created_at, version`

func scanFUPolicy(row interface{ Scan(...any) error }) (*aftersales.FollowupPolicy, error) {
	var p aftersales.FollowupPolicy
	var natures, tiers string
	var team sql.NullInt64
	var from, created int64
	if err := row.Scan(&p.ID, &p.Name, &p.Position, &p.Active, &natures, &tiers, &p.SamplePercent, &p.Seed, &p.DelayHours,
		&p.DeadlineHours, &p.MaxAttempts, &team, &p.ScriptZH, &p.ScriptEN, &from, &created, &p.Version); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(natures), &p.Natures); err != nil {
		return nil, fmt.Errorf("sqlstore: policy %d natures: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(tiers), &p.Tiers); err != nil {
		return nil, fmt.Errorf("sqlstore: policy %d tiers: %w", p.ID, err)
	}
	p.TeamID, p.AppliesFrom, p.CreatedAt = int64Ptr(team), fromMS(from), fromMS(created)
	return &p, nil
}

func listFUPolicies(ctx context.Context, q queryer, activeOnly bool) ([]*aftersales.FollowupPolicy, error) {
	where := ""
	if activeOnly {
		where = ` WHERE active`
	}
	rows, err := q.QueryContext(ctx, `SELECT `+fuPolicyCols+` FROM followup_policies`+where+` ORDER BY position, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list follow-up policies: %w", err)
	}
	return collect(rows, scanFUPolicy)
}

// followupPerm is what working the follow-up queue needs: permission to
// read every ticket, which agents, supervisors and quality staff hold and
// technicians do not, so the customer is asked by someone other than
// whoever did the work.
const followupPerm = aftersales.PermTicketReadAll

// ListFollowupPolicies lists every policy in the order they are tried.
func (db *DB) ListFollowupPolicies(ctx context.Context) ([]*aftersales.FollowupPolicy, error) {
	if _, err := aftersales.Require(ctx, followupPerm); err != nil {
		return nil, err
	}
	return listFUPolicies(ctx, db.r, false)
}

// CreateFollowupPolicy adds a policy; a zero seed is replaced by a random
// one, recorded with the policy.
func (db *DB) CreateFollowupPolicy(ctx context.Context, p aftersales.FollowupPolicy) (*aftersales.FollowupPolicy, error) {
	return db.writeFUPolicy(ctx, 0, 0, p)
}

// UpdateFollowupPolicy changes a policy. Decisions already recorded keep
// the seed and threshold they were made with.
func (db *DB) UpdateFollowupPolicy(ctx context.Context, id, version int64, p aftersales.FollowupPolicy) (*aftersales.FollowupPolicy, error) {
	return db.writeFUPolicy(ctx, id, version, p)
}

func (db *DB) writeFUPolicy(ctx context.Context, id, version int64, p aftersales.FollowupPolicy) (*aftersales.FollowupPolicy, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	if id != 0 && version < 1 {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "Updates need the version you last read.",
			Fields: []aftersales.FieldError{{Field: "version", Reason: "is required"}}}
	}
	// Every bad field at once: the rules, then the references.
	var v aftersales.Validator
	for _, f := range aftersales.ErrorFields(p.Validate()) {
		v.Add(f.Field, f.Reason)
	}
	for i, t := range p.Tiers {
		ok, err := existsWhere(ctx, db.r, `SELECT 1 FROM customer_tiers WHERE code = $1`, strings.TrimSpace(t))
		if err != nil {
			return nil, err
		}
		v.Check(ok, "tiers["+strconv.Itoa(i)+"]", "is not a known customer tier")
	}
	if p.TeamID != nil {
		ok, err := exists(ctx, db.r, "teams", *p.TeamID)
		if err != nil {
			return nil, err
		}
		v.Check(ok, "team_id", "is not a known team")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if p.Natures == nil {
		p.Natures = []aftersales.Nature{}
	}
	tiers := []string{}
	for _, t := range p.Tiers {
		tiers = append(tiers, strings.TrimSpace(t))
	}
	if id == 0 && p.Seed == 0 {
		var b [8]byte
		rand.Read(b[:])
		p.Seed = int64(binary.BigEndian.Uint64(b[:]) >> 1)
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		now := ms(tx.now)
		from := now
		if !p.AppliesFrom.IsZero() {
			from = ms(p.AppliesFrom)
		} else if id != 0 {
			from = 0 // keep
		}
		args := []any{p.Name, p.Position, p.Active, mustJSON(p.Natures), mustJSON(tiers), p.SamplePercent, p.Seed, p.DelayHours,
			p.DeadlineHours, p.MaxAttempts, nullInt(p.TeamID), p.ScriptZH, p.ScriptEN, now, from}
		if id == 0 {
			err := tx.QueryRowContext(ctx, `INSERT INTO followup_policies (name, position, active, natures, tiers, sample_percent, seed,
				delay_hours, deadline_hours, max_attempts, team_id, script_zh, script_en, created_at, updated_at, applies_from)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15) RETURNING id`, args...).Scan(&id)
			if err != nil {
				return mapErr(fmt.Errorf("sqlstore: create follow-up policy: %w", err))
			}
			return tx.audit(ctx, "followup_policy.create", "followup_policy", id, p)
		}
		// The seed stays what it was unless a new one is given.
		res, err := tx.ExecContext(ctx, `UPDATE followup_policies SET name = $1, position = $2, active = $3, natures = $4, tiers = $5,
			sample_percent = $6, seed = CASE WHEN $7 = 0 THEN seed ELSE $7 END, delay_hours = $8, deadline_hours = $9, max_attempts = $10,
			team_id = $11, script_zh = $12, script_en = $13, updated_at = $14,
			applies_from = CASE WHEN $15 = 0 THEN applies_from ELSE $15 END, version = version + 1 WHERE id = $16 AND version = $17`,
			append(args, id, version)...)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update follow-up policy: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "followup_policies", "Follow-up policy", id); err != nil {
			return err
		}
		return tx.audit(ctx, "followup_policy.update", "followup_policy", id, p)
	})
	if err != nil {
		return nil, err
	}
	return scanFUPolicy(db.w.QueryRowContext(ctx, `SELECT `+fuPolicyCols+` FROM followup_policies WHERE id = $1`, id))
}

func existsWhere(ctx context.Context, q queryer, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, err
}

// SweepFollowups decides up to limit resolutions that have no decision
// yet, oldest first, and creates a task for each one a policy selects;
// it also cancels open tasks whose ticket is no longer in the resolution
// they follow up (a reopen that did not pass through a transition, such
// as an import). Each decision is its own transaction, inserted under the
// selection's primary key before anything else: a second sweep or a
// second instance finds it taken and does nothing. With several instances
// on PostgreSQL an advisory lock lets one instance sweep at a time.
// Only resolutions from the earliest active policy's applies_from (by
// default its creation) on are decided: creating a policy never follows
// up the whole history.
func (db *DB) SweepFollowups(ctx context.Context, limit int) (int, error) {
	n, _, err := db.exclusive(ctx, "followup-sweep", func() (int, error) { return db.sweepFollowups(ctx, limit) })
	return n, err
}

type resolution struct {
	ticket   int64
	resolved int64
	nature   aftersales.Nature
	tier     string
	team     sql.NullInt64
}

func (db *DB) sweepFollowups(ctx context.Context, limit int) (int, error) {
	err := db.inTx(ctx, func(tx *Tx) error {
		now := ms(tx.now)
		_, err := tx.ExecContext(ctx, `UPDATE followup_tasks SET status = 'cancelled', cancel_reason = $1, closed_at = $2, updated_at = $2,
			version = version + 1 WHERE status = 'open' AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = followup_tasks.ticket_id
			AND t.resolved_at = followup_tasks.resolved_at AND t.status IN ('resolved', 'closed'))`, aftersales.FollowupCancelReopened, now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: cancel follow-ups of reopened tickets: %w", err)
	}
	policies, err := listFUPolicies(ctx, db.r, true)
	if err != nil || len(policies) == 0 {
		return 0, err
	}
	since := policies[0].AppliesFrom
	for _, p := range policies {
		if p.AppliesFrom.Before(since) {
			since = p.AppliesFrom
		}
	}
	rows, err := db.r.QueryContext(ctx, `SELECT t.id, t.resolved_at, t.nature, COALESCE(c.tier, ''), t.team_id
		FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id
		WHERE t.resolved_at IS NOT NULL AND t.resolved_at >= $1 AND t.status IN ('resolved', 'closed')
		AND NOT EXISTS (SELECT 1 FROM followup_selections s WHERE s.ticket_id = t.id AND s.resolved_at = t.resolved_at)
		ORDER BY t.resolved_at, t.id LIMIT `+strconv.Itoa(limit), ms(since))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: resolutions to decide: %w", err)
	}
	var todo []resolution
	for rows.Next() {
		var r resolution
		if err := rows.Scan(&r.ticket, &r.resolved, &r.nature, &r.tier, &r.team); err != nil {
			rows.Close()
			return 0, err
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, r := range todo {
		if err := db.decideFollowup(ctx, policies, r); err != nil {
			return 0, err
		}
	}
	return len(todo), nil
}

// decideFollowup records the decision for one resolution and creates its
// task when selected.
func (db *DB) decideFollowup(ctx context.Context, policies []*aftersales.FollowupPolicy, r resolution) error {
	return db.inTx(ctx, func(tx *Tx) error {
		// Locked as a reopen locks it, so the two are ordered: a ticket
		// reopened since it was listed is left alone (its resolution is
		// gone), and a reopen after this commits cancels the new task.
		if err := db.lockRow(ctx, tx, "tickets", r.ticket); err != nil {
			return err
		}
		still, err := existsWhere(ctx, tx, `SELECT 1 FROM tickets WHERE id = $1 AND resolved_at = $2 AND status IN ('resolved', 'closed')`, r.ticket, r.resolved)
		if err != nil || !still {
			return err
		}
		resolvedAt := fromMS(r.resolved)
		p, sel := aftersales.SelectFollowup(policies, r.ticket, r.nature, r.tier, resolvedAt)
		res, err := tx.ExecContext(ctx, `INSERT INTO followup_selections (ticket_id, resolved_at, policy_id, seed, draw, threshold, selected, decided_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (ticket_id, resolved_at) DO NOTHING`,
			r.ticket, r.resolved, nullInt(sel.PolicyID), sel.Seed, sel.Draw, sel.Threshold, sel.Selected, ms(tx.now))
		if err != nil {
			return fmt.Errorf("sqlstore: record follow-up selection: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 || !sel.Selected {
			return nil // decided before, or not selected
		}
		team := p.TeamID
		if team == nil {
			team = int64Ptr(r.team)
		}
		assignee, err := nextFollowupAgent(ctx, tx, team)
		if err != nil {
			return err
		}
		hours := func(h float64) int64 { return r.resolved + int64(h*float64(time.Hour/time.Millisecond)) }
		_, err = tx.ExecContext(ctx, `INSERT INTO followup_tasks (ticket_id, resolved_at, policy_id, team_id, assignee_id, due_at, deadline_at,
			max_attempts, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
			r.ticket, r.resolved, p.ID, nullInt(team), nullInt(assignee), hours(p.DelayHours), hours(p.DeadlineHours), p.MaxAttempts, ms(tx.now))
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: create follow-up task: %w", err))
		}
		return nil
	})
}

// followupRoles are the roles that make follow-up calls: not the
// technicians, so that the customer is asked by someone other than
// whoever did the work.
const followupRoles = `('agent', 'supervisor', 'quality_manager')`

// nextFollowupAgent takes the team's follow-up agents in turn: the one
// after the last agent given a task of the team, by id, wrapping round.
// No team, or no agent in it, leaves the task for manual assignment.
func nextFollowupAgent(ctx context.Context, tx *Tx, team *int64) (*int64, error) {
	if team == nil {
		return nil, nil
	}
	var last int64
	err := tx.QueryRowContext(ctx, `SELECT assignee_id FROM followup_tasks WHERE team_id = $1 AND assignee_id IS NOT NULL
		ORDER BY id DESC LIMIT 1`, *team).Scan(&last)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("sqlstore: last follow-up agent: %w", err)
	}
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM users WHERE team_id = $1 AND active AND role IN `+followupRoles+`
		ORDER BY CASE WHEN id > $2 THEN 0 ELSE 1 END, id LIMIT 1`, *team, last).Scan(&id)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: next follow-up agent: %w", err)
	}
	return &id, nil
}

// cancelFollowups cancels a ticket's open follow-up task, inside the
// transaction that reopens the ticket.
func cancelFollowups(ctx context.Context, tx *Tx, ticketID int64, reason string) error {
	_, err := tx.ExecContext(ctx, `UPDATE followup_tasks SET status = 'cancelled', cancel_reason = $1, closed_at = $2, updated_at = $2,
		version = version + 1 WHERE ticket_id = $3 AND status = 'open'`, reason, ms(tx.now), ticketID)
	if err != nil {
		return fmt.Errorf("sqlstore: cancel follow-up: %w", err)
	}
	return nil
}

const taskCols = `f.id, f.ticket_id, t.number, t.title, t.nature, COALESCE(c.name, ''), COALESCE(c.phone, ''), f.policy_id, COALESCE(p.name, ''),
	f.status, f.assignee_id, COALESCE(u.name, ''), f.team_id, f.resolved_at, f.due_at, f.deadline_at, f.max_attempts,
	COALESCE(f.outcome, ''), f.reason, f.csat, f.nps, f.comment, f.cancel_reason, f.closed_at, f.created_at,
	s.policy_id, s.seed, s.draw, s.threshold, s.selected, s.decided_at, COALESCE(p.script_zh, ''), COALESCE(p.script_en, ''), f.version`

const taskFrom = ` FROM followup_tasks f JOIN tickets t ON t.id = f.ticket_id
	JOIN followup_selections s ON s.ticket_id = f.ticket_id AND s.resolved_at = f.resolved_at
	LEFT JOIN customers c ON c.id = t.customer_id LEFT JOIN followup_policies p ON p.id = f.policy_id
	LEFT JOIN users u ON u.id = f.assignee_id`

func scanTask(now time.Time) func(row interface{ Scan(...any) error }) (*aftersales.FollowupTask, error) {
	return func(row interface{ Scan(...any) error }) (*aftersales.FollowupTask, error) {
		var k aftersales.FollowupTask
		var policy, assignee, team, csat, nps, closed, selPolicy sql.NullInt64
		var resolved, due, deadline, created, decided int64
		if err := row.Scan(&k.ID, &k.TicketID, &k.TicketNumber, &k.TicketTitle, &k.Nature, &k.CustomerName, &k.CustomerTel, &policy, &k.PolicyName,
			&k.Status, &assignee, &k.AssigneeName, &team, &resolved, &due, &deadline, &k.MaxAttempts,
			&k.Outcome, &k.Reason, &csat, &nps, &k.Comment, &k.CancelReason, &closed, &created,
			&selPolicy, &k.Selection.Seed, &k.Selection.Draw, &k.Selection.Threshold, &k.Selection.Selected, &decided,
			&k.ScriptZH, &k.ScriptEN, &k.Version); err != nil {
			return nil, err
		}
		k.PolicyID, k.AssigneeID, k.TeamID = int64Ptr(policy), int64Ptr(assignee), int64Ptr(team)
		k.ResolvedAt, k.DueAt, k.DeadlineAt, k.CreatedAt = fromMS(resolved), fromMS(due), fromMS(deadline), fromMS(created)
		k.CSAT, k.NPS, k.ClosedAt = intOf(csat), intOf(nps), timePtr(closed)
		k.Selection.TicketID, k.Selection.ResolvedAt, k.Selection.PolicyID, k.Selection.DecidedAt = k.TicketID, k.ResolvedAt, int64Ptr(selPolicy), fromMS(decided)
		switch k.Status {
		case aftersales.FollowupOpen:
			k.Overdue = now.After(k.DeadlineAt)
		case aftersales.FollowupDone:
			k.Overdue = k.ClosedAt != nil && k.ClosedAt.After(k.DeadlineAt)
		}
		k.Attempts = []aftersales.FollowupAttempt{}
		return &k, nil
	}
}

func intOf(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

// ListFollowups lists the follow-up queue: open tasks first by deadline,
// then finished ones, newest first.
func (db *DB) ListFollowups(ctx context.Context, f aftersales.FollowupFilter) ([]*aftersales.FollowupTask, error) {
	u, err := aftersales.Require(ctx, followupPerm)
	if err != nil {
		return nil, err
	}
	var v aftersales.Validator
	v.Check(f.Status == "" || f.Status.Valid(), "status", "must be one of open, done, cancelled")
	v.Check(f.Outcome == "" || f.Outcome.Valid(), "outcome", "must be one of satisfied, dissatisfied, not_solved, unreachable")
	v.Check(f.Limit >= 0 && f.Limit <= 1000, "limit", "must be 0 to 1000")
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := db.Now().UTC()
	var where []string
	var args []any
	arg := func(x any) string {
		args = append(args, x)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Status != "" {
		where = append(where, "f.status = "+arg(string(f.Status)))
	}
	if f.Outcome != "" {
		where = append(where, "f.outcome = "+arg(string(f.Outcome)))
	}
	if f.Mine {
		where = append(where, "f.assignee_id = "+arg(u.ID))
	} else if f.AssigneeID != nil {
		where = append(where, "f.assignee_id = "+arg(*f.AssigneeID))
	}
	if f.TicketID != nil {
		where = append(where, "f.ticket_id = "+arg(*f.TicketID))
	}
	if f.Overdue {
		where = append(where, "f.status = 'open' AND f.deadline_at < "+arg(ms(now)))
	}
	q := `SELECT ` + taskCols + taskFrom
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit == 0 {
		limit = 200
	}
	q += ` ORDER BY CASE WHEN f.status = 'open' THEN 0 ELSE 1 END, CASE WHEN f.status = 'open' THEN f.deadline_at ELSE -f.closed_at END, f.id LIMIT ` + strconv.Itoa(limit)
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list follow-ups: %w", err)
	}
	return collect(rows, scanTask(now))
}

// FindFollowup returns one task with its attempts.
func (db *DB) FindFollowup(ctx context.Context, id int64) (*aftersales.FollowupTask, error) {
	if _, err := aftersales.Require(ctx, followupPerm); err != nil {
		return nil, err
	}
	return db.findTask(ctx, db.r, id)
}

func (db *DB) findTask(ctx context.Context, q queryer, id int64) (*aftersales.FollowupTask, error) {
	k, err := scanTask(db.Now().UTC())(q.QueryRowContext(ctx, `SELECT `+taskCols+taskFrom+` WHERE f.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "Follow-up", id)
	}
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.at, a.channel, a.result, a.note, a.by_id, COALESCE(u.name, '')
		FROM followup_attempts a LEFT JOIN users u ON u.id = a.by_id WHERE a.task_id = $1 ORDER BY a.at, a.id`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: follow-up attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a aftersales.FollowupAttempt
		var at int64
		var by sql.NullInt64
		if err := rows.Scan(&a.ID, &at, &a.Channel, &a.Result, &a.Note, &by, &a.ByName); err != nil {
			return nil, err
		}
		a.At, a.ByID = fromMS(at), int64Ptr(by)
		k.Attempts = append(k.Attempts, a)
	}
	return k, rows.Err()
}

// openTask locks an open task at the version the caller read.
func (db *DB) openTask(ctx context.Context, tx *Tx, id, version int64) (*aftersales.FollowupTask, error) {
	if err := db.lockRow(ctx, tx, "followup_tasks", id); err != nil {
		return nil, err
	}
	k, err := db.findTask(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if k.Version != version {
		return nil, &aftersales.Error{Code: aftersales.ECONFLICT, Message: "The follow-up was changed by someone else; reload and try again.",
			Fields: []aftersales.FieldError{{Field: "version", Reason: "is stale"}}}
	}
	if k.Status != aftersales.FollowupOpen {
		return nil, &aftersales.Error{Code: aftersales.ECONFLICT, Message: "The follow-up is finished.",
			Fields: []aftersales.FieldError{{Field: "status", Reason: "the task is " + string(k.Status)}}}
	}
	return k, nil
}

// AssignFollowup gives an open task to an agent.
func (db *DB) AssignFollowup(ctx context.Context, id, version, assigneeID int64) (*aftersales.FollowupTask, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermTicketAssign); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		if _, err := db.openTask(ctx, tx, id, version); err != nil {
			return err
		}
		ok, err := existsWhere(ctx, tx, `SELECT 1 FROM users WHERE id = $1 AND active`, assigneeID)
		if err != nil {
			return err
		}
		if !ok {
			return &aftersales.Error{Code: aftersales.EINVALID, Message: "The request has invalid fields.",
				Fields: []aftersales.FieldError{{Field: "assignee_id", Reason: "is not an active user"}}}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE followup_tasks SET assignee_id = $1, updated_at = $2, version = version + 1 WHERE id = $3`,
			assigneeID, ms(tx.now), id); err != nil {
			return fmt.Errorf("sqlstore: assign follow-up: %w", err)
		}
		return tx.audit(ctx, "followup.assign", "followup", id, map[string]int64{"assignee_id": assigneeID})
	})
	if err != nil {
		return nil, err
	}
	return db.findTask(ctx, db.w, id)
}

// LogFollowupAttempt records one attempt. The failed attempt that
// reaches the policy's maximum ends the task as unreachable.
func (db *DB) LogFollowupAttempt(ctx context.Context, id, version int64, a aftersales.FollowupAttempt) (*aftersales.FollowupTask, error) {
	u, err := aftersales.Require(ctx, followupPerm)
	if err != nil {
		return nil, err
	}
	a.Note = strings.TrimSpace(a.Note)
	if err := a.Validate(); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		k, err := db.openTask(ctx, tx, id, version)
		if err != nil {
			return err
		}
		if err := addAttempt(ctx, tx, id, a, u.ID); err != nil {
			return err
		}
		failed := k.FailedAttempts()
		if a.Result.Failed() {
			failed++
		}
		if failed >= k.MaxAttempts {
			if err := closeTask(ctx, tx, id, aftersales.FollowupAnswer{Outcome: aftersales.OutcomeUnreachable}); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE followup_tasks SET updated_at = $1, version = version + 1 WHERE id = $2`, ms(tx.now), id); err != nil {
			return fmt.Errorf("sqlstore: follow-up attempt: %w", err)
		}
		return tx.audit(ctx, "followup.attempt", "followup", id, a)
	})
	if err != nil {
		return nil, err
	}
	return db.findTask(ctx, db.w, id)
}

func addAttempt(ctx context.Context, tx *Tx, task int64, a aftersales.FollowupAttempt, by int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO followup_attempts (task_id, at, channel, result, note, by_id) VALUES ($1, $2, $3, $4, $5, $6)`,
		task, ms(tx.now), string(a.Channel), string(a.Result), a.Note, by)
	if err != nil {
		return mapErr(fmt.Errorf("sqlstore: add follow-up attempt: %w", err))
	}
	return nil
}

func closeTask(ctx context.Context, tx *Tx, id int64, a aftersales.FollowupAnswer) error {
	_, err := tx.ExecContext(ctx, `UPDATE followup_tasks SET status = 'done', outcome = $1, reason = $2, csat = $3, nps = $4, comment = $5,
		closed_at = $6, updated_at = $6, version = version + 1 WHERE id = $7`,
		string(a.Outcome), a.Reason, intPtr(a.CSAT), intPtr(a.NPS), a.Comment, ms(tx.now), id)
	if err != nil {
		return mapErr(fmt.Errorf("sqlstore: close follow-up: %w", err))
	}
	return nil
}

// AnswerFollowup closes a task with the customer's answer. A satisfied
// or dissatisfied answer becomes the ticket's feedback (channel
// "followup"), which the CSAT, NPS and follow-up rate KPIs read; a
// dissatisfied one runs the followup.dissatisfied automation rules. "Not
// solved" reopens the ticket through the ordinary reopen (so it counts
// against first-contact resolution and in the reopen rate), with the
// customer's words as the reason. "Unreachable" needs the policy's number
// of failed attempts.
func (db *DB) AnswerFollowup(ctx context.Context, id int64, a aftersales.FollowupAnswer) (*aftersales.FollowupTask, error) {
	u, err := aftersales.Require(ctx, followupPerm)
	if err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		// The ticket is locked before the task, in the order a reopen
		// takes them, so that the two cannot deadlock.
		k0, err := db.findTask(ctx, tx, id)
		if err != nil {
			return err
		}
		t, err := db.lockTicket(ctx, tx, k0.TicketID)
		if err != nil {
			return err
		}
		k, err := db.openTask(ctx, tx, id, a.Version)
		if err != nil {
			return err
		}
		if a.Outcome == aftersales.OutcomeUnreachable {
			if n := k.FailedAttempts(); n < k.MaxAttempts {
				return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "Log the failed attempts before giving up.",
					Fields: []aftersales.FieldError{{Field: "outcome", Reason: fmt.Sprintf("unreachable needs %d failed attempts; %d logged", k.MaxAttempts, n)}}}
			}
		} else if err := addAttempt(ctx, tx, id, aftersales.FollowupAttempt{Channel: a.Channel, Result: aftersales.AttemptReached}, u.ID); err != nil {
			return err
		}
		if err := closeTask(ctx, tx, id, a); err != nil {
			return err
		}
		switch a.Outcome {
		case aftersales.OutcomeSatisfied, aftersales.OutcomeDissatisfied:
			_, err := tx.ExecContext(ctx, `INSERT INTO ticket_feedback (ticket_id, csat, nps, comment, channel, recorded_by, at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (ticket_id) DO UPDATE SET csat = excluded.csat, nps = excluded.nps, comment = excluded.comment,
					channel = excluded.channel, recorded_by = excluded.recorded_by, at = excluded.at`,
				t.ID, intPtr(a.CSAT), intPtr(a.NPS), a.Comment, string(aftersales.FollowupFeedbackChannel), u.ID, ms(tx.now))
			if err != nil {
				return mapErr(fmt.Errorf("sqlstore: follow-up feedback: %w", err))
			}
		case aftersales.OutcomeNotSolved:
			if err := db.transition(ctx, tx, t, aftersales.StatusAccepted, a.Reason, &u.ID); err != nil {
				return err
			}
		}
		if a.Outcome.Answered() {
			if err := db.enqueue(ctx, tx, aftersales.HookFollowupAnswered, t.ID, map[string]any{"followup_id": id, "outcome": a.Outcome,
				"reason": a.Reason, "csat": a.CSAT, "nps": a.NPS}); err != nil {
				return err
			}
		}
		if a.Outcome == aftersales.OutcomeDissatisfied {
			if err := db.runAutomations(ctx, tx, aftersales.TriggerFollowupDissatisfied, t.ID); err != nil {
				return err
			}
		}
		return tx.audit(ctx, "followup.answer", "followup", id, a)
	})
	if err != nil {
		return nil, err
	}
	return db.findTask(ctx, db.w, id)
}

// FollowupSummary counts the tasks created in [from, to): status, overdue
// open tasks, the response rate (answered ÷ done), timeliness (done by
// the deadline ÷ done), the outcome mix and the dissatisfied reasons.
func (db *DB) FollowupSummary(ctx context.Context, from, to time.Time) (*aftersales.FollowupSummary, error) {
	if _, err := aftersales.Require(ctx, followupPerm); err != nil {
		return nil, err
	}
	var v aftersales.Validator
	v.Check(!from.IsZero() && !to.IsZero(), "from", "from and to are required")
	v.Check(to.After(from), "to", "must be after from")
	if err := v.Err(); err != nil {
		return nil, err
	}
	s := &aftersales.FollowupSummary{From: from, To: to, Outcomes: map[aftersales.FollowupOutcome]int64{}, Reasons: map[string]int64{}}
	for _, o := range aftersales.FollowupOutcomes {
		s.Outcomes[o] = 0
	}
	rows, err := db.r.QueryContext(ctx, `SELECT status, COALESCE(outcome, ''), reason, COUNT(*),
		SUM(CASE WHEN status = 'open' AND deadline_at < $3 THEN 1 ELSE 0 END),
		SUM(CASE WHEN status = 'done' AND closed_at <= deadline_at THEN 1 ELSE 0 END)
		FROM followup_tasks WHERE created_at >= $1 AND created_at < $2 GROUP BY status, outcome, reason`, ms(from), ms(to), ms(db.Now()))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: follow-up summary: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status, outcome, reason string
		var n, overdue, onTime int64
		if err := rows.Scan(&status, &outcome, &reason, &n, &overdue, &onTime); err != nil {
			return nil, err
		}
		switch aftersales.FollowupStatus(status) {
		case aftersales.FollowupOpen:
			s.Open += n
			s.Overdue += overdue
		case aftersales.FollowupCancelled:
			s.Cancelled += n
		case aftersales.FollowupDone:
			s.Done += n
			s.OnTime += onTime
			o := aftersales.FollowupOutcome(outcome)
			s.Outcomes[o] += n
			if o.Answered() {
				s.Answered += n
			}
			if o == aftersales.OutcomeDissatisfied {
				s.Reasons[reason] += n
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if s.Done > 0 {
		r, t := 100*float64(s.Answered)/float64(s.Done), 100*float64(s.OnTime)/float64(s.Done)
		s.ResponseRate, s.OnTimeRate = &r, &t
	}
	return s, nil
}

// followupSQL reads the done follow-up tasks for the KPI facts.
const followupSQL = `SELECT ticket_id, closed_at, outcome, closed_at <= deadline_at FROM followup_tasks WHERE status = 'done'`

// loadFollowups reads the done follow-up tasks of the tickets matched by
// where (" AND ticket_id ..."), oldest first.
func loadFollowups(ctx context.Context, b bulkReader, where string, args []any) (map[int64][]analytics.Followup, error) {
	out := map[int64][]analytics.Followup{}
	err := b.query(ctx, followupSQL+where+` ORDER BY ticket_id, closed_at, id`, args, func(scan func(...any) error) error {
		var id, at int64
		var x analytics.Followup
		if err := scan(&id, &at, &x.Outcome, &x.OnTime); err != nil {
			return err
		}
		x.Done = fromMS(at)
		out[id] = append(out[id], x)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("follow-ups: %w", err)
	}
	return out, nil
}
