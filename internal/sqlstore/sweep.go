package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/sla"
)

// SweepSLA fires the warnings and escalations that are due, at most limit
// tickets per call, and returns how many steps it fired. Each ticket is
// handled in its own transaction; a step is recorded in sla_steps under
// its primary key before it acts, so a second sweep, a restart or a second
// instance never fires it twice. Finding due tickets is one probe of the
// next_step_at index, however many tickets are open.
func (db *DB) SweepSLA(ctx context.Context, limit int) (int, error) {
	now := db.Now().UTC()
	rows, err := db.r.QueryContext(ctx, `SELECT ticket_id FROM ticket_sla WHERE next_step_at IS NOT NULL AND next_step_at <= $1
		ORDER BY next_step_at LIMIT `+strconv.Itoa(limit), ms(now))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: due SLA steps: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		return 0, nil
	}
	// Policies and calendars are read once per batch, not per ticket.
	env, err := db.loadSLAEnv(ctx, db.r)
	if err != nil {
		return 0, err
	}
	fired := 0
	for _, id := range ids {
		n, err := db.sweepTicket(ctx, id, env)
		if err != nil {
			return fired, err
		}
		fired += n
	}
	return fired, nil
}

func (db *DB) sweepTicket(ctx context.Context, id int64, env *slaEnv) (int, error) {
	fired := 0
	err := db.inTx(ctx, func(tx *Tx) error {
		fired = 0
		t, err := db.lockTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		_, policy, steps, err := planFor(ctx, tx, env, t, tx.now)
		if err != nil {
			return err
		}
		for _, st := range steps {
			if st.At.After(tx.now) {
				continue
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO sla_steps (ticket_id, step, due_at, fired_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (ticket_id, step) DO NOTHING`, id, st.Key, ms(st.At), ms(tx.now))
			if err != nil {
				return fmt.Errorf("sqlstore: record SLA step: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // fired before
			}
			if err := db.fireStep(ctx, tx, t, policy, st); err != nil {
				return err
			}
			fired++
		}
		return db.refreshSLAWith(ctx, tx, id, nil, env)
	})
	return fired, err
}

// fireStep records a warning or escalation in the timeline, notifies the
// people concerned and, for an escalation that says so, hands the ticket
// to another team or department.
func (db *DB) fireStep(ctx context.Context, tx *Tx, t *aftersales.Ticket, p *aftersales.SLAPolicy, st sla.Step) error {
	clock := map[string]string{"first_response": "首次响应 first response", "resolution": "解决 resolution"}[st.Clock]
	kind, title, body := aftersales.EventKind("sla_warning"), "", ""
	recipients, err := recipientsFor(ctx, tx, t, aftersales.NotifyAssignee)
	if err != nil {
		return err
	}
	switch st.Kind {
	case "warning":
		title = fmt.Sprintf("SLA 预警 warning: %s %.0f%%", t.Number, st.Warn*100)
		body = fmt.Sprintf("%s: %.0f%% of %d min used at %s", clock, st.Warn*100, st.Target, st.At.In(db.location()).Format("2006-01-02 15:04"))
	default:
		step := p.Escalations[st.Level-1]
		kind = "sla_escalation"
		title = fmt.Sprintf("SLA 升级 escalation L%d: %s", st.Level, t.Number)
		body = fmt.Sprintf("%s breached; level %d, %d min after the deadline", clock, st.Level, step.AfterMinutes)
		if step.Notify != aftersales.NotifyAssignee {
			ids, err := recipientsFor(ctx, tx, t, step.Notify)
			if err != nil {
				return err
			}
			recipients = append(recipients, ids...)
		}
		if step.ReassignTeamID != nil || step.DepartmentID != nil {
			if err := reassign(ctx, tx, t, step); err != nil {
				return err
			}
			if step.ReassignTeamID != nil {
				ids, err := teamMembers(ctx, tx, *step.ReassignTeamID, "")
				if err != nil {
					return err
				}
				recipients = append(recipients, ids...)
				body += "; handed to team " + strconv.FormatInt(*step.ReassignTeamID, 10)
			}
		}
	}
	if err := addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: t.ID, Kind: kind, Field: st.Key, To: st.At.UTC().Format(time.RFC3339), Body: body}); err != nil {
		return err
	}
	hook := aftersales.HookSLAWarning
	if kind == "sla_escalation" {
		hook = aftersales.HookSLAEscalation
	}
	if err := db.enqueue(ctx, tx, hook, t.ID, map[string]any{"step": st.Key, "due_at": st.At, "level": st.Level, "message": body}); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, u := range recipients {
		if seen[u] {
			continue
		}
		seen[u] = true
		if err := db.notify(ctx, tx, u, t.ID, string(kind), title, body); err != nil {
			return err
		}
	}
	trigger := aftersales.TriggerSLAWarning
	if kind == "sla_escalation" {
		trigger = aftersales.TriggerSLABreach
	}
	if err := db.runAutomations(ctx, tx, trigger, t.ID); err != nil {
		return err
	}
	return tx.audit(ctx, string(kind), "ticket", t.ID, map[string]any{"step": st.Key, "notified": len(seen)})
}

func reassign(ctx context.Context, tx *Tx, t *aftersales.Ticket, step aftersales.EscalationStep) error {
	team, dept := t.TeamID, t.DepartmentID
	if step.ReassignTeamID != nil {
		team = step.ReassignTeamID
	}
	if step.DepartmentID != nil {
		dept = step.DepartmentID
	}
	_, err := tx.ExecContext(ctx, `UPDATE tickets SET team_id = $1, department_id = $2, assignee_id = CASE WHEN $3 THEN NULL ELSE assignee_id END,
		updated_at = $4, version = version + 1 WHERE id = $5`, nullInt(team), nullInt(dept), step.ReassignTeamID != nil, ms(tx.now), t.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: escalate ticket: %w", err)
	}
	if step.ReassignTeamID != nil && fmtID(t.TeamID) != fmtID(team) {
		if err := addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: t.ID, Kind: aftersales.EventAssigned, Field: "team_id", From: fmtID(t.TeamID), To: fmtID(team), Body: "SLA escalation"}); err != nil {
			return err
		}
	}
	if step.DepartmentID != nil && fmtID(t.DepartmentID) != fmtID(dept) {
		return addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: t.ID, Kind: aftersales.EventFieldChanged, Field: "department_id", From: fmtID(t.DepartmentID), To: fmtID(dept), Body: "SLA escalation"})
	}
	return nil
}

func teamMembers(ctx context.Context, q queryer, teamID int64, role aftersales.Role) ([]int64, error) {
	query, args := `SELECT id FROM users WHERE team_id = $1 AND active`, []any{teamID}
	if role != "" {
		query, args = query+` AND role = $2`, append(args, string(role))
	}
	return ids(ctx, q, query+` ORDER BY id`, args...)
}

// supervisors are those of the ticket's team, or every supervisor when the
// team has none.
func supervisors(ctx context.Context, q queryer, teamID *int64) ([]int64, error) {
	if teamID != nil {
		out, err := teamMembers(ctx, q, *teamID, aftersales.RoleSupervisor)
		if err != nil || len(out) > 0 {
			return out, err
		}
	}
	return ids(ctx, q, `SELECT id FROM users WHERE role = 'supervisor' AND active ORDER BY id`)
}

func ids(ctx context.Context, q queryer, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ListNotifications lists the acting user's notifications, newest first.
func (db *DB) ListNotifications(ctx context.Context, unreadOnly bool, limit int) ([]*aftersales.Notification, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := `SELECT id, user_id, ticket_id, kind, title, body, link, created_at, read_at FROM notifications WHERE user_id = $1`
	if unreadOnly {
		q += ` AND read_at IS NULL`
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit), u.ID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list notifications: %w", err)
	}
	defer rows.Close()
	out := []*aftersales.Notification{}
	for rows.Next() {
		var n aftersales.Notification
		var ticket, read sql.NullInt64
		var created int64
		if err := rows.Scan(&n.ID, &n.UserID, &ticket, &n.Kind, &n.Title, &n.Body, &n.Link, &created, &read); err != nil {
			return nil, err
		}
		n.TicketID, n.CreatedAt, n.ReadAt = int64Ptr(ticket), fromMS(created), timePtr(read)
		out = append(out, &n)
	}
	return out, rows.Err()
}

// UnreadNotifications counts the acting user's unread notifications.
func (db *DB) UnreadNotifications(ctx context.Context) (int, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return 0, err
	}
	var n int
	err = db.r.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, u.ID).Scan(&n)
	return n, err
}

// MarkNotificationRead marks one of the acting user's notifications read.
func (db *DB) MarkNotificationRead(ctx context.Context, id int64) error {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3`, ms(tx.now), id, u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return aftersales.Errorf(aftersales.ENOTFOUND, "Notification %d not found.", id)
		}
		return nil
	})
}

// notify writes an in-console notification and, when email is on and the
// user has an address, the same message to the email outbox, both in tx.
func (db *DB) notify(ctx context.Context, tx *Tx, userID, ticketID int64, kind, title, body string) error {
	return db.notifyLink(ctx, tx, userID, &ticketID, "", kind, title, body)
}

// notifyLink is notify for anything: a ticket, or a console link such as
// an improvement item's page.
func (db *DB) notifyLink(ctx context.Context, tx *Tx, userID int64, ticketID *int64, link, kind, title, body string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, ticket_id, link, kind, title, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		userID, nullInt(ticketID), link, kind, title, body, ms(tx.now)); err != nil {
		return fmt.Errorf("sqlstore: notify: %w", err)
	}
	if on, err := db.mailOn(ctx, tx); err != nil || !on {
		return err
	}
	var email string
	var active bool
	if err := tx.QueryRowContext(ctx, `SELECT email, active FROM users WHERE id = $1`, userID).Scan(&email, &active); err != nil || !active || email == "" {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO email_outbox (to_addr, subject, body, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $4)`,
		email, title, body, ms(tx.now))
	return err
}

// ClaimEmails claims up to limit pending emails whose attempt is due, as
// ClaimDeliveries does for webhooks.
func (db *DB) ClaimEmails(ctx context.Context, limit int, lease time.Duration) ([]*aftersales.Email, error) {
	claim := db.newClaim()
	out := []*aftersales.Email{}
	err := db.inTx(ctx, func(tx *Tx) error {
		if n, err := db.claimDue(ctx, tx, "email_outbox", claim, limit, lease); err != nil || n == 0 {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, to_addr, subject, body, attempts, message_id, in_reply_to, refs, auto_submitted FROM email_outbox
			WHERE claimed_by = $1 AND status = 'pending' ORDER BY id`, claim)
		if err != nil {
			return fmt.Errorf("sqlstore: claimed emails: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			e := aftersales.Email{Claim: claim}
			var refs string
			var auto int
			if err := rows.Scan(&e.ID, &e.To, &e.Subject, &e.Body, &e.Attempts, &e.MessageID, &e.InReplyTo, &refs, &auto); err != nil {
				return err
			}
			e.References, e.AutoSubmitted = strings.Fields(refs), auto != 0
			out = append(out, &e)
		}
		return rows.Err()
	})
	return out, err
}

// RecordEmailAttempt stores the outcome of sending one email under claim:
// sent when errMsg is empty, otherwise retried after Backoff, failed after
// MaxDeliveryAttempts. As with RecordAttempt, a sent email stays sent and
// only the current claim's holder records a failure.
func (db *DB) RecordEmailAttempt(ctx context.Context, id int64, claim string, errMsg string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if errMsg == "" {
			_, err := tx.ExecContext(ctx, `UPDATE email_outbox SET attempts = attempts + 1, status = 'sent', last_error = '', sent_at = $1, claimed_by = ''
				WHERE id = $2 AND status <> 'sent'`, ms(tx.now), id)
			return err
		}
		var attempts int
		err := tx.QueryRowContext(ctx, `UPDATE email_outbox SET attempts = attempts + 1, last_error = $1, claimed_by = ''
			WHERE id = $2 AND status = 'pending' AND claimed_by = $3 RETURNING attempts`, truncate(errMsg, 500), id, claim).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // sent by another sender, or no longer ours
		}
		if err != nil {
			return err
		}
		return retryLater(ctx, tx, "email_outbox", id, attempts)
	})
}
