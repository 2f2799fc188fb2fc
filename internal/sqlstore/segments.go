package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"aftersales"
)

// Customer segments (issue #20). The facts (assets bought, tickets,
// complaints and billable spend per customer over each look-back window
// of the rules) come from one grouped query per window; the rules
// themselves are applied in Go (aftersales.EvaluateSegment). Spend is the
// sum of ticket_billables.amount, what the customer pays for
// out-of-warranty work (issue #19), not the internal cost lines.

// segmentExamples is how many changes an outcome lists.
const segmentExamples = 10

// ListSegmentRules lists the rules in order.
func (db *DB) ListSegmentRules(ctx context.Context) ([]aftersales.SegmentRule, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerRead); err != nil {
		return nil, err
	}
	return loadSegmentRules(ctx, db.r)
}

func loadSegmentRules(ctx context.Context, q queryer) ([]aftersales.SegmentRule, error) {
	rows, err := q.QueryContext(ctx, `SELECT pos, tier, months, min_assets, min_tickets, min_complaints, max_complaints, min_spend
		FROM segment_rules ORDER BY pos`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: segment rules: %w", err)
	}
	defer rows.Close()
	out := []aftersales.SegmentRule{}
	for rows.Next() {
		var r aftersales.SegmentRule
		var a, t, kmin, kmax, s sql.NullInt64
		if err := rows.Scan(&r.Pos, &r.Tier, &r.Months, &a, &t, &kmin, &kmax, &s); err != nil {
			return nil, fmt.Errorf("sqlstore: segment rules: %w", err)
		}
		r.MinAssets, r.MinTickets, r.MinComplaints, r.MaxComplaints = segInt(a), segInt(t), segInt(kmin), segInt(kmax)
		r.MinSpend = int64Ptr(s)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: segment rules: %w", err)
	}
	return out, nil
}

func segInt(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func nullIntP(p *int) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

func (db *DB) tierCodes(ctx context.Context, q queryer) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT code FROM customer_tiers`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: tiers: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("sqlstore: tiers: %w", err)
		}
		out[c] = true
	}
	return out, rows.Err()
}

// ValidateSegmentRules checks rules against the defined tiers.
func (db *DB) ValidateSegmentRules(ctx context.Context, rules []aftersales.SegmentRule) error {
	tiers, err := db.tierCodes(ctx, db.r)
	if err != nil {
		return err
	}
	return aftersales.ValidateSegmentRules(rules, tiers)
}

// ReplaceSegmentRules replaces the whole ordered list; an empty list
// turns segmentation off (tiers stay as they are).
func (db *DB) ReplaceSegmentRules(ctx context.Context, rules []aftersales.SegmentRule) ([]aftersales.SegmentRule, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	if err := db.ValidateSegmentRules(ctx, rules); err != nil {
		return nil, err
	}
	var out []aftersales.SegmentRule
	err := db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM segment_rules`); err != nil {
			return fmt.Errorf("sqlstore: replace segment rules: %w", err)
		}
		for i, r := range rules {
			if _, err := tx.ExecContext(ctx, `INSERT INTO segment_rules (pos, tier, months, min_assets, min_tickets, min_complaints, max_complaints, min_spend, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, i+1, r.Tier, r.Months, nullIntP(r.MinAssets), nullIntP(r.MinTickets),
				nullIntP(r.MinComplaints), nullIntP(r.MaxComplaints), nullInt(r.MinSpend), ms(tx.now)); err != nil {
				return mapErr(fmt.Errorf("sqlstore: insert segment rule: %w", err))
			}
		}
		var err error
		if out, err = loadSegmentRules(ctx, tx); err != nil {
			return err
		}
		return tx.audit(ctx, "segment_rules.replace", "segment_rules", 0, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// segmentFacts reads every customer's history over each window.
func (db *DB) segmentFacts(ctx context.Context, q queryer, windows []int) ([]aftersales.SegmentFacts, error) {
	var facts []aftersales.SegmentFacts
	idx := map[int64]int{}
	rows, err := q.QueryContext(ctx, `SELECT id, name, tier FROM customers WHERE NOT tier_locked ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: segment customers: %w", err)
	}
	for rows.Next() {
		f := aftersales.SegmentFacts{Windows: map[int]aftersales.SegmentCounts{}}
		if err := rows.Scan(&f.CustomerID, &f.Name, &f.Tier); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlstore: segment customers: %w", err)
		}
		idx[f.CustomerID] = len(facts)
		facts = append(facts, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: segment customers: %w", err)
	}
	now := db.Now().In(db.Zone)
	for _, m := range windows {
		since := now.AddDate(0, -m, 0)
		rows, err := q.QueryContext(ctx, `
			SELECT c.id, COALESCE(a.n, 0), COALESCE(t.n, 0), COALESCE(k.n, 0), COALESCE(b.s, 0)
			FROM customers c
			LEFT JOIN (SELECT customer_id, count(*) AS n FROM assets
				WHERE purchased_on >= $1 OR (purchased_on IS NULL AND created_at >= $2)
				GROUP BY customer_id) a ON a.customer_id = c.id
			LEFT JOIN (SELECT customer_id, count(*) AS n FROM tickets
				WHERE customer_id IS NOT NULL AND created_at >= $2 GROUP BY customer_id) t ON t.customer_id = c.id
			LEFT JOIN (SELECT tk.customer_id, count(*) AS n FROM complaints k JOIN tickets tk ON tk.id = k.ticket_id
				WHERE tk.customer_id IS NOT NULL AND k.created_at >= $2 GROUP BY tk.customer_id) k ON k.customer_id = c.id
			LEFT JOIN (SELECT tk.customer_id, CAST(sum(b.amount) AS BIGINT) AS s FROM ticket_billables b JOIN tickets tk ON tk.id = b.ticket_id
				WHERE tk.customer_id IS NOT NULL AND b.created_at >= $2 GROUP BY tk.customer_id) b ON b.customer_id = c.id
			WHERE a.n IS NOT NULL OR t.n IS NOT NULL OR k.n IS NOT NULL OR b.s IS NOT NULL`,
			since.Format("2006-01-02"), ms(since))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: segment facts: %w", err)
		}
		for rows.Next() {
			var id int64
			var c aftersales.SegmentCounts
			if err := rows.Scan(&id, &c.Assets, &c.Tickets, &c.Complaints, &c.Spend); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlstore: segment facts: %w", err)
			}
			if i, ok := idx[id]; ok {
				facts[i].Windows[m] = c
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqlstore: segment facts: %w", err)
		}
	}
	return facts, nil
}

// EvaluateSegments applies the rules to every customer. With dry, rules
// (or the stored ones when rules is nil) are evaluated and nothing is
// written; otherwise the stored rules are applied, each changed tier is
// written with its reason and recorded in the customer's audit trail.
func (db *DB) EvaluateSegments(ctx context.Context, rules []aftersales.SegmentRule, dry bool) (*aftersales.SegmentOutcome, error) {
	perm := aftersales.PermSettingsWrite
	if _, err := aftersales.Require(ctx, perm); err != nil {
		return nil, err
	}
	if rules != nil {
		if !dry {
			return nil, aftersales.Errorf(aftersales.EINVALID, "Only a dry run evaluates rules that are not saved.")
		}
		if err := db.ValidateSegmentRules(ctx, rules); err != nil {
			return nil, err
		}
	}
	return db.evaluateSegments(ctx, rules, dry)
}

// SweepSegments is the daily job: it applies the stored rules as the
// system and returns how many tiers changed.
func (db *DB) SweepSegments(ctx context.Context) (int, error) {
	o, err := db.evaluateSegments(ctx, nil, false)
	if err != nil {
		return 0, err
	}
	return o.Changed, nil
}

func (db *DB) evaluateSegments(ctx context.Context, rules []aftersales.SegmentRule, dry bool) (*aftersales.SegmentOutcome, error) {
	out := &aftersales.SegmentOutcome{DryRun: dry, Moves: []aftersales.SegmentMove{}, Examples: []*aftersales.SegmentChange{}}
	if dry {
		if rules == nil {
			var err error
			if rules, err = loadSegmentRules(ctx, db.r); err != nil {
				return nil, err
			}
		}
		if len(rules) == 0 {
			return out, nil
		}
		facts, err := db.segmentFacts(ctx, db.r, aftersales.SegmentWindows(rules))
		if err != nil {
			return nil, err
		}
		changes, moves := aftersales.EvaluateSegments(rules, facts)
		out.Customers, out.Changed, out.Moves = len(facts), len(changes), moves
		out.Examples = changes[:min(len(changes), segmentExamples)]
		return out, nil
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		rules, err := loadSegmentRules(ctx, tx)
		if err != nil || len(rules) == 0 {
			return err
		}
		facts, err := db.segmentFacts(ctx, tx, aftersales.SegmentWindows(rules))
		if err != nil {
			return err
		}
		changes, moves := aftersales.EvaluateSegments(rules, facts)
		applied := changes[:0]
		for _, c := range changes {
			reason, err := json.Marshal(c.Reason)
			if err != nil {
				return fmt.Errorf("sqlstore: segment reason: %w", err)
			}
			res, err := tx.ExecContext(ctx, `UPDATE customers SET tier = $1, tier_reason = $2, updated_at = $3, version = version + 1
				WHERE id = $4 AND tier = $5`, c.To, string(reason), ms(tx.now), c.CustomerID, c.From)
			if err != nil {
				return fmt.Errorf("sqlstore: set segment tier: %w", err)
			}
			// The facts were read in this transaction; on PostgreSQL a
			// concurrent hand edit may still have won: it stands.
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				continue
			}
			// The KPI rollups count tickets by their customer's tier: the
			// customer's tickets are folded in again.
			if _, err := tx.ExecContext(ctx, `INSERT INTO kpi_dirty (ticket_id) SELECT id FROM tickets WHERE customer_id = $1 `+markTicketConflict, c.CustomerID); err != nil {
				return fmt.Errorf("sqlstore: segment tier rollups: %w", err)
			}
			if err := tx.audit(ctx, "tier.segment", "customer", c.CustomerID, c); err != nil {
				return err
			}
			applied = append(applied, c)
		}
		if len(applied) < len(changes) {
			moves = aftersales.SegmentMoves(applied)
		}
		out.Customers, out.Changed, out.Moves = len(facts), len(applied), moves
		out.Examples = applied[:min(len(applied), segmentExamples)]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CustomerTierReason returns why the customer has its tier; its Tier is
// empty when the tier was set by hand.
func (db *DB) CustomerTierReason(ctx context.Context, id int64) (aftersales.SegmentReason, error) {
	var r aftersales.SegmentReason
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerRead); err != nil {
		return r, err
	}
	var s string
	if err := db.r.QueryRowContext(ctx, `SELECT tier_reason FROM customers WHERE id = $1`, id).Scan(&s); err != nil {
		if err == sql.ErrNoRows {
			return r, aftersales.Errorf(aftersales.ENOTFOUND, "Customer %d not found.", id)
		}
		return r, fmt.Errorf("sqlstore: tier reason: %w", err)
	}
	if s == "" {
		return r, nil
	}
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return r, fmt.Errorf("sqlstore: tier reason of customer %d: %w", id, err)
	}
	return r, nil
}

// SetTierLock locks or unlocks a customer's tier: the segment rules leave
// a locked tier alone.
func (db *DB) SetTierLock(ctx context.Context, id int64, locked bool) error {
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerWrite); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE customers SET tier_locked = $1, updated_at = $2, version = version + 1 WHERE id = $3`, locked, ms(tx.now), id)
		if err != nil {
			return fmt.Errorf("sqlstore: tier lock: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return aftersales.Errorf(aftersales.ENOTFOUND, "Customer %d not found.", id)
		}
		action := "tier.unlock"
		if locked {
			action = "tier.lock"
		}
		return tx.audit(ctx, action, "customer", id, nil)
	})
}

// TierLocked reports whether the customer's tier is locked.
func (db *DB) TierLocked(ctx context.Context, id int64) (bool, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerRead); err != nil {
		return false, err
	}
	var locked bool
	if err := db.r.QueryRowContext(ctx, `SELECT tier_locked FROM customers WHERE id = $1`, id).Scan(&locked); err != nil {
		if err == sql.ErrNoRows {
			return false, aftersales.Errorf(aftersales.ENOTFOUND, "Customer %d not found.", id)
		}
		return false, fmt.Errorf("sqlstore: tier lock: %w", err)
	}
	return locked, nil
}
