package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"aftersales"
)

const automationCols = `id, name, priority, active, trigger_on, conditions, actions, version`

func scanAutomation(row interface{ Scan(...any) error }) (*aftersales.AutomationRule, error) {
	var r aftersales.AutomationRule
	var cond, acts string
	if err := row.Scan(&r.ID, &r.Name, &r.Priority, &r.Active, &r.Trigger, &cond, &acts, &r.Version); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cond), &r.Conditions); err != nil {
		return nil, err
	}
	return &r, json.Unmarshal([]byte(acts), &r.Actions)
}

func (db *DB) writeAutomation(ctx context.Context, r *aftersales.AutomationRule, id, version int64) error {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var refs []ref
		for i, a := range r.Actions {
			refs = append(refs, ref{fmt.Sprintf("actions[%d].team_id", i), "teams", a.TeamID}, ref{fmt.Sprintf("actions[%d].user_id", i), "users", a.UserID})
		}
		if err := checkRefs(ctx, tx, refs...); err != nil {
			return err
		}
		args := []any{r.Name, r.Priority, r.Active, r.Trigger, mustJSON(r.Conditions), mustJSON(r.Actions), ms(tx.now)}
		if id == 0 {
			err := tx.QueryRowContext(ctx, `INSERT INTO automation_rules (name, priority, active, trigger_on, conditions, actions, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, args...).Scan(&r.ID)
			if err != nil {
				return mapErr(fmt.Errorf("sqlstore: insert automation: %w", err))
			}
			return tx.audit(ctx, "create", "automation_rule", r.ID, r)
		}
		res, err := tx.ExecContext(ctx, `UPDATE automation_rules SET name = $1, priority = $2, active = $3, trigger_on = $4, conditions = $5,
			actions = $6, updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9`, append(args, id, version)...)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update automation: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "automation_rules", "Automation rule", id); err != nil {
			return err
		}
		r.ID = id
		return tx.audit(ctx, "update", "automation_rule", id, r)
	})
}

// CreateAutomation stores an automation rule.
func (db *DB) CreateAutomation(ctx context.Context, r aftersales.AutomationRule) (*aftersales.AutomationRule, error) {
	if err := db.writeAutomation(ctx, &r, 0, 0); err != nil {
		return nil, err
	}
	return scanAutomation(db.w.QueryRowContext(ctx, `SELECT `+automationCols+` FROM automation_rules WHERE id = $1`, r.ID))
}

// UpdateAutomation replaces an automation rule.
func (db *DB) UpdateAutomation(ctx context.Context, id, version int64, r aftersales.AutomationRule) (*aftersales.AutomationRule, error) {
	if err := db.writeAutomation(ctx, &r, id, version); err != nil {
		return nil, err
	}
	return scanAutomation(db.w.QueryRowContext(ctx, `SELECT `+automationCols+` FROM automation_rules WHERE id = $1`, id))
}

// ListAutomations lists rules in the order they run.
func (db *DB) ListAutomations(ctx context.Context) ([]*aftersales.AutomationRule, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	return listAutomations(ctx, db.r, "")
}

func listAutomations(ctx context.Context, q queryer, trigger string) ([]*aftersales.AutomationRule, error) {
	query, args := `SELECT `+automationCols+` FROM automation_rules`, []any{}
	if trigger != "" {
		query, args = query+` WHERE active AND trigger_on = $1`, append(args, trigger)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY priority, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list automations: %w", err)
	}
	return collect(rows, scanAutomation)
}

// runAutomations runs the active rules of trigger whose conditions hold
// for the ticket, inside the transaction of the triggering change.
// Actions taken here never call runAutomations, so rules cannot loop.
func (db *DB) runAutomations(ctx context.Context, tx *Tx, trigger string, ticketID int64) error {
	_, err := db.automate(ctx, tx, trigger, ticketID)
	return err
}

// automate is runAutomations, and says whether any rule matched (and so
// may have changed the ticket).
func (db *DB) automate(ctx context.Context, tx *Tx, trigger string, ticketID int64) (bool, error) {
	cfg, err := db.config(ctx, tx)
	if err != nil {
		return false, err
	}
	rules := cfg.autos[trigger]
	if len(rules) == 0 {
		return false, nil
	}
	// Every rule's conditions are judged on the ticket as the triggering
	// event left it, before any rule acts: one rule's action must not make
	// another rule of the same event match.
	t, facts, err := db.lockWithFacts(ctx, tx, ticketID)
	if err != nil {
		return false, err
	}
	var matched []*aftersales.AutomationRule
	for _, r := range rules {
		if r.Conditions.Matches(facts, t.Status) {
			matched = append(matched, r)
		}
	}
	for _, r := range matched {
		if err := db.runActions(ctx, tx, r, ticketID); err != nil {
			return false, err
		}
	}
	return len(matched) > 0, nil
}

// ticketFacts reads what rule conditions look at.
func (db *DB) ticketFacts(ctx context.Context, tx *Tx, t *aftersales.Ticket) (aftersales.SLAFacts, error) {
	env, err := db.loadSLAEnv(ctx, tx)
	if err != nil {
		return aftersales.SLAFacts{}, err
	}
	tier, err := customerTier(ctx, tx, t.CustomerID)
	if err != nil {
		return aftersales.SLAFacts{}, err
	}
	return env.facts(t, tier), nil
}

// lockWithFacts locks a ticket and reads what rule conditions look at.
func (db *DB) lockWithFacts(ctx context.Context, tx *Tx, id int64) (*aftersales.Ticket, aftersales.SLAFacts, error) {
	t, err := db.lockTicket(ctx, tx, id)
	if err != nil {
		return nil, aftersales.SLAFacts{}, err
	}
	f, err := db.ticketFacts(ctx, tx, t)
	return t, f, err
}

// runRule checks one rule's conditions on the ticket as it is now and
// performs its actions (time rules, which have no triggering event).
func (db *DB) runRule(ctx context.Context, tx *Tx, r *aftersales.AutomationRule, ticketID int64) error {
	t, facts, err := db.lockWithFacts(ctx, tx, ticketID)
	if err != nil {
		return err
	}
	if !r.Conditions.Matches(facts, t.Status) {
		return nil
	}
	return db.runActions(ctx, tx, r, ticketID)
}

// runActions performs a rule's actions in order, each on the ticket as the
// previous one left it, recording each in the timeline and the audit log.
func (db *DB) runActions(ctx context.Context, tx *Tx, r *aftersales.AutomationRule, ticketID int64) error {
	for _, a := range r.Actions {
		t, err := db.lockTicket(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		note, err := db.act(ctx, tx, r, a, t)
		if err != nil {
			return err
		}
		if err := addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: ticketID, Kind: "automation", Field: r.Name, To: a.Kind, Body: note}); err != nil {
			return err
		}
		if err := tx.audit(ctx, "automation", "ticket", ticketID, map[string]any{"rule": r.Name, "action": a.Kind, "result": note}); err != nil {
			return err
		}
	}
	return nil
}

// act performs one action and describes what it did.
func (db *DB) act(ctx context.Context, tx *Tx, r *aftersales.AutomationRule, a aftersales.AutomationAction, t *aftersales.Ticket) (string, error) {
	update := func(q string, args ...any) error {
		_, err := tx.ExecContext(ctx, `UPDATE tickets SET `+q+`, updated_at = $1, version = version + 1 WHERE id = $2`, append([]any{ms(tx.now), t.ID}, args...)...)
		return err
	}
	switch a.Kind {
	case aftersales.ActionSetStatus:
		if t.Status == a.Status {
			return "already " + string(a.Status), nil
		}
		if !aftersales.CanTransition(t.Status, a.Status) {
			return fmt.Sprintf("skipped: %s → %s is not allowed", t.Status, a.Status), nil
		}
		if a.Status == aftersales.StatusClosed {
			if _, missing, err := db.complaintClosable(ctx, tx, t); err != nil {
				return "", err
			} else if len(missing) > 0 {
				return "skipped: the complaint cannot close yet (" + missing[0].Field + ")", nil
			}
		}
		return fmt.Sprintf("%s → %s", t.Status, a.Status), db.applyTransition(ctx, tx, t, a.Status, "automation: "+r.Name, nil)
	case aftersales.ActionSetUrgency:
		if t.Urgency == a.Urgency {
			return "already " + string(a.Urgency), nil
		}
		if err := update(`urgency = $3, urgency_rank = $4`, a.Urgency, a.Urgency.Rank()); err != nil {
			return "", err
		}
		if err := addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: t.ID, Kind: aftersales.EventFieldChanged, Field: "urgency", From: string(t.Urgency), To: string(a.Urgency)}); err != nil {
			return "", err
		}
		return fmt.Sprintf("urgency %s → %s", t.Urgency, a.Urgency), db.refreshSLA(ctx, tx, t.ID, nil)
	case aftersales.ActionAssignTeam:
		if err := update(`team_id = $3`, *a.TeamID); err != nil {
			return "", err
		}
		return "team " + strconv.FormatInt(*a.TeamID, 10), addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: t.ID, Kind: aftersales.EventAssigned, Field: "team_id", From: fmtID(t.TeamID), To: fmtID(a.TeamID)})
	case aftersales.ActionAssignUser:
		if err := update(`assignee_id = $3, assign_count = assign_count + 1`, *a.UserID); err != nil {
			return "", err
		}
		return "assignee " + strconv.FormatInt(*a.UserID, 10), addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: t.ID, Kind: aftersales.EventAssigned, Field: "assignee_id", From: fmtID(t.AssigneeID), To: fmtID(a.UserID)})
	case aftersales.ActionAddNote:
		return "note added", addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: t.ID, Kind: aftersales.EventNote, Body: a.Text})
	case aftersales.ActionNotify:
		ids, err := recipientsFor(ctx, tx, t, a.Notify)
		if err != nil {
			return "", err
		}
		for _, u := range ids {
			if err := db.notify(ctx, tx, u, t.ID, "automation", r.Name+": "+t.Number, a.Text); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("notified %d (%s)", len(ids), a.Notify), nil
	default: // webhook
		return "webhook queued", db.enqueue(ctx, tx, aftersales.HookAutomation, t.ID, map[string]any{"rule": r.Name, "trigger": r.Trigger})
	}
}

// recipientsFor finds who "assignee", "supervisor" or "team" means for t.
func recipientsFor(ctx context.Context, q queryer, t *aftersales.Ticket, who string) ([]int64, error) {
	switch who {
	case aftersales.NotifyAssignee:
		if t.AssigneeID != nil {
			return []int64{*t.AssigneeID}, nil
		}
		if t.TeamID != nil { // unassigned: the team hears of it
			return teamMembers(ctx, q, *t.TeamID, "")
		}
		return nil, nil
	case aftersales.NotifySupervisor:
		return supervisors(ctx, q, t.TeamID)
	default:
		if t.TeamID == nil {
			return nil, nil
		}
		return teamMembers(ctx, q, *t.TeamID, "")
	}
}

// SweepAutomations runs time rules: tickets that have stayed in a status
// longer than a rule allows. Each rule runs once per status spell (the
// spell is keyed by the time the status was entered), so sweeps repeat
// safely.
func (db *DB) SweepAutomations(ctx context.Context, limit int) (int, error) {
	rules, err := listAutomations(ctx, db.r, aftersales.TriggerTime)
	if err != nil {
		return 0, err
	}
	ran := 0
	now := db.Now().UTC()
	for _, r := range rules {
		cutoff := now.Add(-time.Duration(r.Conditions.AfterHours * float64(time.Hour)))
		ids, err := ids(ctx, db.r, `SELECT t.id FROM tickets t WHERE t.status = $1 AND t.status_changed_at <= $2 AND NOT EXISTS
			(SELECT 1 FROM automation_runs a WHERE a.rule_id = $3 AND a.ticket_id = t.id AND a.run_key = CAST(t.status_changed_at AS TEXT))
			ORDER BY t.status_changed_at LIMIT `+strconv.Itoa(limit), string(r.Conditions.Status[0]), ms(cutoff), r.ID)
		if err != nil {
			return ran, fmt.Errorf("sqlstore: time rule %s: %w", r.Name, err)
		}
		for _, id := range ids {
			err := db.inTx(ctx, func(tx *Tx) error {
				t, err := db.lockTicket(ctx, tx, id)
				if err != nil {
					return err
				}
				if t.Status != r.Conditions.Status[0] || t.StatusChangedAt.After(cutoff) {
					return nil // moved on since the query
				}
				res, err := tx.ExecContext(ctx, `INSERT INTO automation_runs (rule_id, ticket_id, run_key, ran_at) VALUES ($1, $2, $3, $4)
					ON CONFLICT (rule_id, ticket_id, run_key) DO NOTHING`, r.ID, id, strconv.FormatInt(ms(t.StatusChangedAt), 10), ms(tx.now))
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					return nil
				}
				ran++
				return db.runRule(ctx, tx, r, id)
			})
			if err != nil {
				return ran, err
			}
		}
	}
	return ran, nil
}

// CheckAutomation tries a rule on a ticket as it is now and changes
// nothing: each condition, and whether the rule would run.
func (db *DB) CheckAutomation(ctx context.Context, ticketID int64, rule aftersales.AutomationRule) (*aftersales.RuleDryRun, error) {
	t, err := db.FindTicket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	env, err := db.loadSLAEnv(ctx, db.r)
	if err != nil {
		return nil, err
	}
	tier, err := customerTier(ctx, db.r, t.CustomerID)
	if err != nil {
		return nil, err
	}
	hours := db.Now().Sub(t.StatusChangedAt).Hours()
	res := &aftersales.RuleDryRun{Matched: rule.Active, Checks: rule.Explain(env.facts(t, tier), t.Status, hours)}
	for _, c := range res.Checks {
		res.Matched = res.Matched && c.OK
	}
	if rule.Trigger == aftersales.TriggerTime {
		res.HoursInStatus = math.Round(hours*10) / 10
	}
	return res, nil
}
