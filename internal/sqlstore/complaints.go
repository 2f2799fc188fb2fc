package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

// Complaint closure records (issue #20): severity, root cause, the
// customer's confirmation, the attempts to reach them and every closure.
// A complaint moves to closed only through closeComplaintGate, which
// applyTransition calls for every move to closed, whoever makes it.

// complaintField is the timeline field of complaint entries: To names
// what happened (severity, root_cause, attempt, confirmed, rejected,
// closed), From the coded value (a severity, a root-cause code, an
// attempt's "channel result", a closure's basis).
const complaintField = "complaint"

func notComplaint(t *aftersales.Ticket) error {
	return &aftersales.Error{Code: aftersales.EINVALID, Message: "This ticket is not a complaint.",
		Fields: []aftersales.FieldError{{Field: "nature", Reason: "the ticket's nature is " + string(t.Nature) + ", not complaint"}}}
}

// loadComplaint reads a complaint's record, its current round's attempts
// and its closures; a ticket without a record gets an empty pending one
// (Version 0).
func (db *DB) loadComplaint(ctx context.Context, q queryer, t *aftersales.Ticket) (*aftersales.Complaint, error) {
	c := &aftersales.Complaint{TicketID: t.ID, Confirm: aftersales.ConfirmPending, Attempts: []aftersales.ComplaintAttempt{}, Closures: []aftersales.ComplaintClosure{}}
	var sev, rc sql.NullString
	var confirmed sql.NullInt64
	var round int64
	err := q.QueryRowContext(ctx, `SELECT severity, root_cause, confirm, confirm_note, confirmed_at, rejections, round, version
		FROM complaints WHERE ticket_id = $1`, t.ID).Scan(&sev, &rc, &c.Confirm, &c.ConfirmNote, &confirmed, &c.Rejections, &round, &c.Version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("sqlstore: complaint %d: %w", t.ID, err)
	default:
		c.Severity, c.RootCause, c.ConfirmedAt = aftersales.ComplaintSeverity(sev.String), rc.String, timePtr(confirmed)
	}
	if c.Severity != "" {
		var hours int
		if err := q.QueryRowContext(ctx, `SELECT hours FROM complaint_targets WHERE severity = $1`, string(c.Severity)).Scan(&hours); err != nil {
			return nil, fmt.Errorf("sqlstore: complaint target: %w", err)
		}
		due := t.CreatedAt.Add(time.Duration(hours) * time.Hour)
		c.DueAt = &due
	}
	if c.Version > 0 {
		rows, err := q.QueryContext(ctx, `SELECT a.id, a.at, a.channel, a.result, a.note, a.by_id, COALESCE(u.name, '')
			FROM complaint_attempts a LEFT JOIN users u ON u.id = a.by_id WHERE a.ticket_id = $1 AND a.round = $2 ORDER BY a.at, a.id`, t.ID, round)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: complaint attempts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var a aftersales.ComplaintAttempt
			var at int64
			var by sql.NullInt64
			if err := rows.Scan(&a.ID, &at, &a.Channel, &a.Result, &a.Note, &by, &a.ByName); err != nil {
				return nil, err
			}
			a.At = fromMS(at)
			if by.Valid {
				a.ByID = &by.Int64
			}
			c.Attempts = append(c.Attempts, a)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT closed_at, basis, severity, root_cause, due_at, on_time FROM complaint_closures WHERE ticket_id = $1 ORDER BY closed_at, id`, t.ID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: complaint closures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x aftersales.ComplaintClosure
		var at, due int64
		if err := rows.Scan(&at, &x.Basis, &x.Severity, &x.RootCause, &due, &x.OnTime); err != nil {
			return nil, err
		}
		x.At, x.DueAt = fromMS(at), fromMS(due)
		c.Closures = append(c.Closures, x)
	}
	return c, rows.Err()
}

// FindComplaint returns a complaint ticket's closure record.
func (db *DB) FindComplaint(ctx context.Context, ticketID int64) (*aftersales.Complaint, error) {
	_, t, err := db.visibleTicket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	if t.Nature != aftersales.NatureComplaint {
		return nil, notComplaint(t)
	}
	return db.loadComplaint(ctx, db.r, t)
}

// complaintTx runs fn on a locked complaint ticket the user may see and
// change, with its record, and returns the record as it is afterwards.
func (db *DB) complaintTx(ctx context.Context, ticketID int64, fn func(tx *Tx, u *aftersales.User, t *aftersales.Ticket, c *aftersales.Complaint) error) (*aftersales.Complaint, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	// Agents and supervisors handle complaints; a technician reads them.
	u, err := aftersales.Require(ctx, aftersales.PermTicketWrite)
	if err != nil {
		return nil, err
	}
	var out *aftersales.Complaint
	err = db.inTx(ctx, func(tx *Tx) error {
		aftersales.SetResult(ctx, "ticket", ticketID, false)
		t, err := db.lockTicket(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if err := canSee(u, t); err != nil {
			return err
		}
		if t.Nature != aftersales.NatureComplaint {
			return notComplaint(t)
		}
		c, err := db.loadComplaint(ctx, tx, t)
		if err != nil {
			return err
		}
		if c.Version == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO complaints (ticket_id, created_at, updated_at) VALUES ($1, $2, $2)`, t.ID, ms(tx.now)); err != nil {
				return mapErr(fmt.Errorf("sqlstore: create complaint: %w", err))
			}
			c.Version = 1
		}
		if err := fn(tx, u, t, c); err != nil {
			return err
		}
		out, err = db.loadComplaint(ctx, tx, t)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func complaintEvent(ctx context.Context, tx *Tx, ticketID int64, actor *int64, what, value, body string) error {
	return addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: ticketID, ActorID: actor, Kind: aftersales.EventFieldChanged,
		Field: complaintField, From: value, To: what, Body: body})
}

// SetComplaint sets a complaint's severity and root cause. The root cause
// must be an active code of the taxonomy.
func (db *DB) SetComplaint(ctx context.Context, ticketID int64, in aftersales.ComplaintInput) (*aftersales.Complaint, error) {
	// Visibility and permission first: a hidden ticket is not found,
	// a technician refused, whatever the body.
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	if _, err := aftersales.Require(ctx, aftersales.PermTicketWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return db.complaintTx(ctx, ticketID, func(tx *Tx, u *aftersales.User, t *aftersales.Ticket, c *aftersales.Complaint) error {
		if in.Version != 0 && in.Version != c.Version {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "The complaint was changed meanwhile; reload and try again.",
				Fields: []aftersales.FieldError{{Field: "version", Reason: fmt.Sprintf("is %d, not %d", c.Version, in.Version)}}}
		}
		if in.RootCause != nil {
			var active bool
			err := tx.QueryRowContext(ctx, `SELECT active FROM root_cause_codes WHERE code = $1`, *in.RootCause).Scan(&active)
			if errors.Is(err, sql.ErrNoRows) || err == nil && !active {
				return &aftersales.Error{Code: aftersales.EINVALID, Message: "Choose a root cause from the taxonomy.",
					Fields: []aftersales.FieldError{{Field: "root_cause", Reason: fmt.Sprintf("%q is not an active root-cause code", *in.RootCause)}}}
			}
			if err != nil {
				return fmt.Errorf("sqlstore: root cause: %w", err)
			}
		}
		sev, rc := string(c.Severity), c.RootCause
		if in.Severity != nil {
			sev = string(*in.Severity)
		}
		if in.RootCause != nil {
			rc = *in.RootCause
		}
		if _, err := tx.ExecContext(ctx, `UPDATE complaints SET severity = $1, root_cause = $2, updated_at = $3, version = version + 1 WHERE ticket_id = $4`,
			nullStr(sev), nullStr(rc), ms(tx.now), t.ID); err != nil {
			return mapErr(fmt.Errorf("sqlstore: set complaint: %w", err))
		}
		if sev != string(c.Severity) {
			if err := complaintEvent(ctx, tx, t.ID, &u.ID, "severity", sev, ""); err != nil {
				return err
			}
		}
		if rc != c.RootCause {
			if err := complaintEvent(ctx, tx, t.ID, &u.ID, "root_cause", rc, ""); err != nil {
				return err
			}
		}
		return tx.audit(ctx, "complaint.set", "ticket", t.ID, in)
	})
}

// LogComplaintAttempt documents one attempt to reach the customer about
// the closure.
func (db *DB) LogComplaintAttempt(ctx context.Context, ticketID int64, in aftersales.ComplaintAttemptInput) (*aftersales.Complaint, error) {
	// Visibility and permission first: a hidden ticket is not found,
	// a technician refused, whatever the body.
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	if _, err := aftersales.Require(ctx, aftersales.PermTicketWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return db.complaintTx(ctx, ticketID, func(tx *Tx, u *aftersales.User, t *aftersales.Ticket, c *aftersales.Complaint) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO complaint_attempts (ticket_id, round, at, channel, result, note, by_id)
			SELECT ticket_id, round, $2, $3, $4, $5, $6 FROM complaints WHERE ticket_id = $1`,
			t.ID, ms(tx.now), string(in.Channel), string(in.Result), in.Note, u.ID); err != nil {
			return mapErr(fmt.Errorf("sqlstore: complaint attempt: %w", err))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE complaints SET updated_at = $1, version = version + 1 WHERE ticket_id = $2`, ms(tx.now), t.ID); err != nil {
			return mapErr(fmt.Errorf("sqlstore: complaint attempt: %w", err))
		}
		if err := complaintEvent(ctx, tx, t.ID, &u.ID, "attempt", string(in.Channel)+" "+string(in.Result), in.Note); err != nil {
			return err
		}
		return tx.audit(ctx, "complaint.attempt", "ticket", t.ID, in)
	})
}

// AnswerComplaint records the customer's answer to the closure. A
// confirmation lets the complaint close. A rejection escalates: the
// attempts start over (a new round), the ticket is reopened when it was
// resolved or closed, its urgency rises one level, the supervisors of its
// team are notified and the complaint.rejected rules run.
func (db *DB) AnswerComplaint(ctx context.Context, ticketID int64, in aftersales.ComplaintAnswer) (*aftersales.Complaint, error) {
	// Visibility and permission first: a hidden ticket is not found,
	// a technician refused, whatever the body.
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	if _, err := aftersales.Require(ctx, aftersales.PermTicketWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return db.complaintTx(ctx, ticketID, func(tx *Tx, u *aftersales.User, t *aftersales.Ticket, c *aftersales.Complaint) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO complaint_attempts (ticket_id, round, at, channel, result, note, by_id)
			SELECT ticket_id, round, $2, $3, 'reached', $4, $5 FROM complaints WHERE ticket_id = $1`,
			t.ID, ms(tx.now), string(in.Channel), in.Note, u.ID); err != nil {
			return mapErr(fmt.Errorf("sqlstore: complaint answer: %w", err))
		}
		if in.Accepted {
			if _, err := tx.ExecContext(ctx, `UPDATE complaints SET confirm = 'confirmed', confirm_note = $1, confirmed_at = $2, updated_at = $2,
				version = version + 1 WHERE ticket_id = $3`, in.Note, ms(tx.now), t.ID); err != nil {
				return mapErr(fmt.Errorf("sqlstore: confirm complaint: %w", err))
			}
			if err := complaintEvent(ctx, tx, t.ID, &u.ID, "confirmed", string(in.Channel), in.Note); err != nil {
				return err
			}
			return tx.audit(ctx, "complaint.confirm", "ticket", t.ID, in)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE complaints SET confirm = 'rejected', confirm_note = $1, confirmed_at = NULL, updated_at = $2,
			rejections = rejections + 1, round = round + 1, version = version + 1 WHERE ticket_id = $3`, in.Note, ms(tx.now), t.ID); err != nil {
			return mapErr(fmt.Errorf("sqlstore: reject complaint: %w", err))
		}
		if err := complaintEvent(ctx, tx, t.ID, &u.ID, "rejected", string(in.Channel), in.Note); err != nil {
			return err
		}
		if aftersales.CanTransition(t.Status, aftersales.StatusAccepted) && aftersales.IsReopen(t.Status, aftersales.StatusAccepted) {
			if err := db.transition(ctx, tx, t, aftersales.StatusAccepted, in.Note, &u.ID); err != nil {
				return err
			}
		}
		if up := raiseUrgency(t.Urgency); up != t.Urgency {
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET urgency = $1, urgency_rank = $2, updated_at = $3, version = version + 1 WHERE id = $4`,
				string(up), up.Rank(), ms(tx.now), t.ID); err != nil {
				return mapErr(fmt.Errorf("sqlstore: escalate complaint: %w", err))
			}
			if err := addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: t.ID, ActorID: &u.ID, Kind: aftersales.EventFieldChanged,
				Field: "urgency", From: string(t.Urgency), To: string(up)}); err != nil {
				return err
			}
			if err := db.refreshSLA(ctx, tx, t.ID, &u.ID); err != nil {
				return err
			}
		}
		sups, err := recipientsFor(ctx, tx, t, aftersales.NotifySupervisor)
		if err != nil {
			return err
		}
		for _, id := range sups {
			if err := db.notify(ctx, tx, id, t.ID, "complaint_rejected", "投诉结案被客户拒绝 complaint closure rejected: "+t.Number, in.Note); err != nil {
				return err
			}
		}
		if err := db.runAutomations(ctx, tx, aftersales.TriggerComplaintRejected, t.ID); err != nil {
			return err
		}
		return tx.audit(ctx, "complaint.reject", "ticket", t.ID, in)
	})
}

// raiseUrgency is the next urgency up, urgent staying urgent.
func raiseUrgency(u aftersales.Urgency) aftersales.Urgency {
	for i, x := range aftersales.Urgencies {
		if x == u && i > 0 {
			return aftersales.Urgencies[i-1]
		}
	}
	return u
}

// complaintClosable reports why a complaint ticket cannot close now (nil
// when it can, or when the ticket is not a complaint).
func (db *DB) complaintClosable(ctx context.Context, q queryer, t *aftersales.Ticket) (*aftersales.Complaint, []aftersales.FieldError, error) {
	if t.Nature != aftersales.NatureComplaint {
		return nil, nil, nil
	}
	c, err := db.loadComplaint(ctx, q, t)
	if err != nil {
		return nil, nil, err
	}
	return c, c.ClosureCheck(), nil
}

// closeComplaintGate refuses to close a complaint without its root cause
// and the customer's confirmation (or the documented attempts), and
// records the closure when it may close.
func (db *DB) closeComplaintGate(ctx context.Context, tx *Tx, t *aftersales.Ticket) error {
	c, missing, err := db.complaintClosable(ctx, tx, t)
	if err != nil || c == nil {
		return err
	}
	if len(missing) > 0 {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: "A complaint closes only with its severity, root cause and the customer's confirmation (or the documented attempts to reach them).",
			Fields: missing}
	}
	now := tx.now
	onTime := !now.After(*c.DueAt)
	if _, err := tx.ExecContext(ctx, `INSERT INTO complaint_closures (ticket_id, closed_at, basis, severity, root_cause, due_at, on_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.ID, ms(now), string(c.Basis()), string(c.Severity), c.RootCause, ms(*c.DueAt), onTime); err != nil {
		return mapErr(fmt.Errorf("sqlstore: record complaint closure: %w", err))
	}
	return complaintEvent(ctx, tx, t.ID, nil, "closed", string(c.Basis()), "")
}

// resetComplaintConfirmation: a reopened complaint needs a new
// confirmation, and new attempts, before it closes again.
func resetComplaintConfirmation(ctx context.Context, tx *Tx, ticketID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE complaints SET confirm = 'pending', confirmed_at = NULL, round = round + 1,
		updated_at = $1, version = version + 1 WHERE ticket_id = $2 AND confirm = 'confirmed'`, ms(tx.now), ticketID); err != nil {
		return mapErr(fmt.Errorf("sqlstore: reset complaint confirmation: %w", err))
	}
	return nil
}

// ComplaintTargets lists the timeliness target of every severity.
func (db *DB) ComplaintTargets(ctx context.Context) ([]aftersales.ComplaintTarget, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermTicketRead); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT severity, hours FROM complaint_targets`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: complaint targets: %w", err)
	}
	defer rows.Close()
	by := map[aftersales.ComplaintSeverity]int{}
	for rows.Next() {
		var s string
		var h int
		if err := rows.Scan(&s, &h); err != nil {
			return nil, err
		}
		by[aftersales.ComplaintSeverity(s)] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]aftersales.ComplaintTarget, 0, len(aftersales.ComplaintSeverities))
	for _, s := range aftersales.ComplaintSeverities {
		out = append(out, aftersales.ComplaintTarget{Severity: s, Hours: by[s]})
	}
	return out, nil
}

// SaveComplaintTarget changes a severity's target; closures already
// recorded keep the target they were measured against.
func (db *DB) SaveComplaintTarget(ctx context.Context, t aftersales.ComplaintTarget) error {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE complaint_targets SET hours = $1, updated_at = $2 WHERE severity = $3`, t.Hours, ms(tx.now), string(t.Severity)); err != nil {
			return mapErr(fmt.Errorf("sqlstore: complaint target: %w", err))
		}
		return tx.audit(ctx, "complaint.target", "complaint_target", int64(t.Severity.Index()), t)
	})
}

// complaintFactSQL reads, for every complaint, its latest closure and
// whether its customer or asset had a complaint closed in the 30 days
// before it was created. The caller's condition on ticket_id is applied
// to t.id, inside, so that only the tickets asked for are read.
const complaintFactSQL = `SELECT t.id, cc.closed_at, cc.severity, cc.on_time,
		EXISTS (SELECT 1 FROM complaint_closures p JOIN tickets pt ON pt.id = p.ticket_id
			WHERE pt.id <> t.id AND (pt.customer_id = t.customer_id OR pt.asset_id = t.asset_id)
			AND p.closed_at < t.created_at AND p.closed_at >= t.created_at - 2592000000)
	FROM tickets t
	LEFT JOIN complaint_closures cc ON cc.id = (SELECT MAX(x.id) FROM complaint_closures x WHERE x.ticket_id = t.id)
	WHERE t.nature = 'complaint'`

type complaintFact struct {
	closure *analytics.ComplaintClosure
	repeat  bool
}

// loadComplaintFacts reads the complaint facts of the tickets matched by
// where (" AND ticket_id ...").
func loadComplaintFacts(ctx context.Context, b bulkReader, where string, args []any) (map[int64]complaintFact, error) {
	out := map[int64]complaintFact{}
	err := b.query(ctx, complaintFactSQL+strings.ReplaceAll(where, "ticket_id", "t.id"), args, func(scan func(...any) error) error {
		var id int64
		var at sql.NullInt64
		var sev sql.NullString
		var onTime sql.NullBool
		var f complaintFact
		if err := scan(&id, &at, &sev, &onTime, &f.repeat); err != nil {
			return err
		}
		if at.Valid {
			f.closure = &analytics.ComplaintClosure{At: fromMS(at.Int64), Severity: aftersales.ComplaintSeverity(sev.String).Index(), OnTime: onTime.Bool}
		}
		out[id] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("complaint facts: %w", err)
	}
	return out, nil
}

// cesSQL reads the survey answers' customer effort scores.
const cesSQL = `SELECT ticket_id, ces FROM survey_responses WHERE ces IS NOT NULL`

func loadCES(ctx context.Context, b bulkReader, where string, args []any) (map[int64]int, error) {
	out := map[int64]int{}
	err := b.query(ctx, cesSQL+where, args, func(scan func(...any) error) error {
		var id, v int64
		if err := scan(&id, &v); err != nil {
			return err
		}
		out[id] = int(v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ces answers: %w", err)
	}
	return out, nil
}
