package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

// Rising-term alert rules (issue #21): the terms of a scope whose share of
// tickets rose significantly from one complete period to the next open an
// improvement item (#6) with the term's tickets linked as evidence.

const termRuleCols = `id, dim, val, grain, alpha, min_count, active, version, created_at, updated_at`

func scanTermRule(s interface{ Scan(...any) error }) (*aftersales.TermAlertRule, error) {
	var r aftersales.TermAlertRule
	var dim, grain string
	var created, updated int64
	err := s.Scan(&r.ID, &dim, &r.Value, &grain, &r.Alpha, &r.MinCount, &r.Active, &r.Version, &created, &updated)
	r.Dim, r.Grain = aftersales.Dimension(dim), aftersales.Grain(grain)
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return &r, err
}

// TermAlertRules lists the rising-term rules.
func (db *DB) TermAlertRules(ctx context.Context) ([]*aftersales.TermAlertRule, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	return db.termRules(ctx)
}

func (db *DB) termRules(ctx context.Context) ([]*aftersales.TermAlertRule, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+termRuleCols+` FROM term_alert_rules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: term alert rules: %w", err)
	}
	return collect(rows, scanTermRule)
}

// SaveTermAlertRule creates (ID 0) or replaces a rule (optimistic on
// Version).
func (db *DB) SaveTermAlertRule(ctx context.Context, r *aftersales.TermAlertRule) error {
	if _, err := aftersales.Require(ctx, aftersales.PermQualityWrite); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if _, _, err := db.textScope(ctx, nil, r.Dim, r.Value, db.Now(), db.Now()); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		args := []any{string(r.Dim), r.Value, string(r.Grain), r.Alpha, r.MinCount, r.Active, ms(tx.now)}
		var err error
		if r.ID == 0 {
			r.Version, r.CreatedAt = 1, tx.now
			err = tx.QueryRowContext(ctx, `INSERT INTO term_alert_rules (dim, val, grain, alpha, min_count, active, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, args...).Scan(&r.ID)
		} else {
			err = tx.QueryRowContext(ctx, `UPDATE term_alert_rules SET dim = $1, val = $2, grain = $3, alpha = $4, min_count = $5,
				active = $6, updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9 RETURNING version`,
				append(args, r.ID, r.Version)...).Scan(&r.Version)
			if err == sql.ErrNoRows {
				return aftersales.Errorf(aftersales.ECONFLICT, "The rising-term rule was changed by someone else or does not exist; reload it.")
			}
		}
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: save term alert rule: %w", err))
		}
		r.UpdatedAt = tx.now
		return tx.audit(ctx, "quality.term_alert_rule", "term_alert_rule", r.ID, r)
	})
}

// termEvidenceTickets caps the tickets linked to an item per rising term.
const termEvidenceTickets = 500

// SweepTermAlerts evaluates every active rising-term rule on the last
// complete period against the one before it. Each rising term of a period
// is recorded once (term_alert_hits): while the term's item from the rule
// is not closed, a later period adds evidence to it; otherwise a new item
// opens. With several instances one evaluates (an advisory lock).
func (db *DB) SweepTermAlerts(ctx context.Context) (int, error) {
	n, _, err := db.exclusive(ctx, "term-alerts", func() (int, error) { return db.sweepTermAlerts(ctx) })
	return n, err
}

func (db *DB) sweepTermAlerts(ctx context.Context) (int, error) {
	rules, err := db.termRules(ctx)
	if err != nil {
		return 0, err
	}
	loc := db.location()
	today := analytics.DayOf(db.Now(), loc)
	total := 0
	for _, r := range rules {
		if !r.Active {
			continue
		}
		end := periodStart(today, r.Grain)
		from := periodStart(end-1, r.Grain)
		prev := periodStart(from-1, r.Grain)
		res, err := db.rising(ctx, nil, r.Dim, r.Value, prev.Date(loc), from.Date(loc), end.Date(loc), r.Alpha, r.MinCount)
		if err != nil {
			return total, err
		}
		for _, t := range res.Terms {
			opened, err := db.recordRisingTerm(ctx, r, t, res.After, from, end)
			if err != nil {
				return total, err
			}
			if opened {
				total++
			}
		}
	}
	return total, nil
}

// recordRisingTerm records one rising term of one period: evidence on the
// term's open item from the rule, or a new item, with the term's tickets of
// the period and scope linked.
func (db *DB) recordRisingTerm(ctx context.Context, r *aftersales.TermAlertRule, t aftersales.RisingTerm, docs int, from, end analytics.Day) (bool, error) {
	loc := db.location()
	period := ms(from.Date(loc))
	where, args, err := db.textScope(ctx, nil, r.Dim, r.Value, from.Date(loc), end.Date(loc))
	if err != nil {
		return false, err
	}
	recorded := false
	err = db.inTx(ctx, func(tx *Tx) error {
		if err := db.lockRow(ctx, tx, "term_alert_rules", r.ID); err != nil {
			return err
		}
		var seen int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM term_alert_hits WHERE rule_id = $1 AND term = $2 AND period = $3`,
			r.ID, t.Term, period).Scan(&seen); err != nil {
			return err
		}
		if seen > 0 {
			return nil
		}
		recorded = true
		q := url.Values{"term": {t.Term}, "from": {from.Date(loc).Format(time.DateOnly)}, "to": {(end - 1).Date(loc).Format(time.DateOnly)}}
		if r.Dim != "" {
			q.Set(ticketParam(r.Dim), r.Value)
		}
		ev := aftersales.AlertEvidence{Period: from.Date(loc), Value: 100 * t.ShareAfter, N: int64(docs), Rule: "rising_term", Limit: t.Q,
			Tickets: "/tickets?" + q.Encode()}
		var id int64
		var evJSON string
		err := tx.QueryRowContext(ctx, `SELECT i.id, i.evidence FROM term_alert_hits h JOIN improvement_items i ON i.id = h.item_id
			WHERE h.rule_id = $1 AND h.term = $2 AND i.status <> 'closed' ORDER BY i.id DESC LIMIT 1`, r.ID, t.Term).Scan(&id, &evJSON)
		switch {
		case err == sql.ErrNoRows:
			month := tx.now.In(loc).Format("200601")
			seq, err := nextSeq(ctx, tx, "improvement:"+month)
			if err != nil {
				return err
			}
			scope := "all tickets"
			if r.Dim != "" {
				scope = string(r.Dim) + " " + r.Value
			}
			title := fmt.Sprintf("Rising term %q in %s", t.Term, scope)
			desc := fmt.Sprintf("%s: %d of %d tickets (%.1f%%) against %d tickets (%.1f%%) in the period before; G² = %.2f, p = %.2g, q = %.2g (Benjamini–Hochberg).",
				t.Term, t.After, docs, 100*t.ShareAfter, t.Before, 100*t.ShareBefore, t.G2, t.P, t.Q)
			err = tx.QueryRowContext(ctx, `INSERT INTO improvement_items (number, title, description, source, dim, val, baseline, evidence, breaches,
				last_period, created_at, updated_at) VALUES ($1, $2, $3, 'alert', $4, $5, $6, $7, 1, $8, $9, $9) RETURNING id`,
				fmt.Sprintf("IM%s-%04d", month, seq), title, desc, string(r.Dim), r.Value, 100*t.ShareBefore,
				mustJSON([]aftersales.AlertEvidence{ev}), period, ms(tx.now)).Scan(&id)
			if err != nil {
				return mapErr(fmt.Errorf("sqlstore: open improvement item for a rising term: %w", err))
			}
			if err := tx.audit(ctx, "improvement.opened", "improvement_item", id, ev); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			var evs []aftersales.AlertEvidence
			if err := json.Unmarshal([]byte(evJSON), &evs); err != nil {
				return err
			}
			evs = append(evs, ev)
			if _, err := tx.ExecContext(ctx, `UPDATE improvement_items SET evidence = $1, breaches = breaches + 1, last_period = $2,
				updated_at = $3, version = version + 1 WHERE id = $4`, mustJSON(evs), period, ms(tx.now), id); err != nil {
				return err
			}
			if err := tx.audit(ctx, "improvement.evidence", "improvement_item", id, ev); err != nil {
				return err
			}
		}
		n := len(args)
		if _, err := tx.ExecContext(ctx, `INSERT INTO improvement_tickets (item_id, ticket_id)
			SELECT $`+strconv.Itoa(n+1)+`, t.id FROM tickets t WHERE `+where+` AND t.id IN (SELECT ticket_id FROM ticket_terms WHERE term = $`+strconv.Itoa(n+2)+`)
			AND t.id NOT IN (SELECT ticket_id FROM improvement_tickets WHERE item_id = $`+strconv.Itoa(n+1)+`)
			ORDER BY t.id LIMIT `+strconv.Itoa(termEvidenceTickets), append(args, id, t.Term)...); err != nil {
			return fmt.Errorf("sqlstore: link rising-term tickets: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO term_alert_hits (rule_id, term, period, item_id, q) VALUES ($1, $2, $3, $4, $5)`,
			r.ID, t.Term, period, id, t.Q)
		return err
	})
	return recorded, err
}

// ticketParam is the ticket list's query parameter for a dimension.
func ticketParam(d aftersales.Dimension) string {
	switch d {
	case aftersales.DimTeam:
		return "team_id"
	case aftersales.DimTechnician:
		return "assignee_id"
	case aftersales.DimPoint:
		return "unit_id"
	case aftersales.DimRegion:
		return "region_id"
	case aftersales.DimCategory:
		return "category_id"
	case aftersales.DimProduct:
		return "product_id"
	}
	return string(d)
}
