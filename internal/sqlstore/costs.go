package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"aftersales"
	"aftersales/internal/analytics"
)

// Service costs per ticket and sales revenue per month: the cost per
// ticket and the after-sales cost ratio (docs/KPIS.md). A cost line
// marks its ticket for the rollups through a trigger; revenue is read
// when the ratio is asked for, so a correction shows at once.

const costCols = `id, ticket_id, kind, description, amount, incurred_on, created_by, created_at, voided_at, voided_by, void_reason, COALESCE(source, '')`

func scanCost(row interface{ Scan(...any) error }) (*aftersales.CostLine, error) {
	var c aftersales.CostLine
	var kind, on string
	var created int64
	var by, voided, voidedBy sql.NullInt64
	if err := row.Scan(&c.ID, &c.TicketID, &kind, &c.Description, &c.Amount, &on, &by, &created, &voided, &voidedBy, &c.VoidReason, &c.Source); err != nil {
		return nil, err
	}
	c.Kind, c.IncurredOn, c.CreatedAt = aftersales.CostKind(kind), aftersales.Date(on), fromMS(created)
	c.CreatedBy, c.VoidedAt, c.VoidedBy = int64Ptr(by), timePtr(voided), int64Ptr(voidedBy)
	return &c, nil
}

// costEvent is the timeline's line for a cost: "parts 125.50 compressor".
func costEvent(c *aftersales.CostLine) string {
	return strings.TrimSpace(string(c.Kind) + " " + c.Amount.String() + " " + c.Description)
}

// AddCost records a service cost on a ticket the caller may see. The day
// it arose may not be before the ticket was created nor after today.
func (db *DB) AddCost(ctx context.Context, ticketID int64, in aftersales.CostInput) (*aftersales.CostLine, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	u, err := aftersales.Require(ctx, aftersales.PermCostWrite)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var c *aftersales.CostLine
	err = db.inTx(ctx, func(tx *Tx) error {
		t, err := db.lockTicket(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if err := canSee(u, t); err != nil {
			return err
		}
		loc := db.location()
		today, opened := aftersales.DateOf(tx.now.In(loc)), aftersales.DateOf(t.CreatedAt.In(loc))
		on := cmp.Or(in.IncurredOn, today)
		var v aftersales.Validator
		v.Check(on <= today, "incurred_on", "is after today ("+string(today)+")")
		v.Check(on >= opened, "incurred_on", "is before the ticket was created ("+string(opened)+")")
		if err := v.Err(); err != nil {
			return err
		}
		c = &aftersales.CostLine{TicketID: ticketID, Kind: in.Kind, Description: in.Description, Amount: in.Amount,
			IncurredOn: on, CreatedBy: &u.ID, CreatedAt: tx.now}
		err = tx.QueryRowContext(ctx, `INSERT INTO ticket_costs (ticket_id, kind, description, amount, incurred_on, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			ticketID, string(c.Kind), c.Description, int64(c.Amount), string(on), u.ID, ms(tx.now)).Scan(&c.ID)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: add cost: %w", err))
		}
		if err := addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: ticketID, ActorID: &u.ID, Kind: aftersales.EventFieldChanged,
			Field: "cost", To: costEvent(c)}); err != nil {
			return err
		}
		return tx.audit(ctx, "ticket.cost", "ticket_cost", c.ID, c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// VoidCost withdraws a cost line with a reason. People void their own
// lines; supervisors and administrators anyone's.
func (db *DB) VoidCost(ctx context.Context, ticketID, costID int64, reason string) (*aftersales.CostLine, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	u, err := aftersales.Require(ctx, aftersales.PermCostWrite)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var v aftersales.Validator
	v.Check(reason != "", "reason", "is required to void a cost line")
	v.Check(len(reason) <= 500, "reason", "is longer than 500 bytes")
	if err := v.Err(); err != nil {
		return nil, err
	}
	var c *aftersales.CostLine
	err = db.inTx(ctx, func(tx *Tx) error {
		t, err := db.lockTicket(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if err := canSee(u, t); err != nil {
			return err
		}
		c, err = scanCost(tx.QueryRowContext(ctx, `SELECT `+costCols+` FROM ticket_costs WHERE id = $1 AND ticket_id = $2`, costID, ticketID))
		if err != nil {
			return notFound(err, "Cost line", costID)
		}
		if c.VoidedAt != nil {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "The cost line is already voided.",
				Fields: []aftersales.FieldError{{Field: "id", Reason: "voided on " + c.VoidedAt.In(db.location()).Format("2006-01-02 15:04")}}}
		}
		if (c.CreatedBy == nil || *c.CreatedBy != u.ID) && !u.Role.Can(aftersales.PermCostVoid) {
			return aftersales.Errorf(aftersales.EFORBIDDEN, "Only a supervisor or an administrator can void someone else's cost line.")
		}
		now := tx.now
		c.VoidedAt, c.VoidedBy, c.VoidReason = &now, &u.ID, reason
		if _, err := tx.ExecContext(ctx, `UPDATE ticket_costs SET voided_at = $1, voided_by = $2, void_reason = $3 WHERE id = $4`,
			ms(now), u.ID, reason, costID); err != nil {
			return mapErr(fmt.Errorf("sqlstore: void cost: %w", err))
		}
		if err := addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: ticketID, ActorID: &u.ID, Kind: aftersales.EventFieldChanged,
			Field: "cost", From: costEvent(c), Body: reason}); err != nil {
			return err
		}
		return tx.audit(ctx, "ticket.cost_void", "ticket_cost", c.ID, c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ListCosts returns a ticket's cost lines, voided ones included, oldest
// first.
func (db *DB) ListCosts(ctx context.Context, ticketID int64) ([]*aftersales.CostLine, error) {
	if _, err := db.FindTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+costCols+` FROM ticket_costs WHERE ticket_id = $1 ORDER BY incurred_on, id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list costs: %w", err)
	}
	return collect(rows, scanCost)
}

// costSQL reads the cost lines that count, for the KPI records; the
// caller appends a condition on ticket_id.
const costSQL = `SELECT ticket_id, incurred_on, amount FROM ticket_costs WHERE voided_at IS NULL`

// loadCosts reads the counted cost lines of the tickets matched by where
// (" AND ticket_id ...").
func loadCosts(ctx context.Context, b bulkReader, where string, args []any) (map[int64][]analytics.Cost, error) {
	out := map[int64][]analytics.Cost{}
	err := b.query(ctx, costSQL+where, args, func(scan func(...any) error) error {
		var id, amount int64
		var on string
		if err := scan(&id, &on, &amount); err != nil {
			return err
		}
		d, ok := analytics.DayOfDate(on)
		if !ok {
			return fmt.Errorf("cost of ticket %d: bad date %q", id, on)
		}
		out[id] = append(out[id], analytics.Cost{Day: d, Amount: amount})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("costs: %w", err)
	}
	return out, nil
}

// SetRevenue stores revenue entries in one transaction: every entry is
// checked first, and one bad entry stores none, with each bad field named
// rows[i].field. A scope value may be an id or a name: a category name, a
// product model or name, a region code or name.
func (db *DB) SetRevenue(ctx context.Context, rows []*aftersales.Revenue) error {
	u, err := aftersales.Require(ctx, aftersales.PermRevenueWrite)
	if err != nil {
		return err
	}
	var v aftersales.Validator
	if len(rows) == 0 {
		v.Add("rows", "give at least one revenue entry")
	}
	if len(rows) > 100000 {
		v.Add("rows", "more than 100,000 entries in one request")
	}
	seen := map[string]int{}
	for i, r := range rows {
		prefix := "rows[" + strconv.Itoa(i) + "]."
		r.Validate(&v, prefix)
		if r.Dim != "" && r.Value != "" {
			id, err := db.scopeID(ctx, r.Dim, r.Value)
			switch {
			case aftersales.ErrorCode(err) == aftersales.ENOTFOUND:
				v.Add(prefix+"value", "no "+string(r.Dim)+" "+strconv.Quote(r.Value))
			case err != nil:
				return err
			default:
				r.Value = id
			}
		}
		key := r.Month + "\x00" + string(r.Dim) + "\x00" + r.Value
		if j, dup := seen[key]; dup {
			v.Add(prefix+"month", "the same month and scope as rows["+strconv.Itoa(j)+"]")
		}
		seen[key] = i
	}
	if err := v.Err(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		for _, r := range rows {
			r.UpdatedBy, r.UpdatedAt = &u.ID, tx.now
			if _, err := tx.ExecContext(ctx, `INSERT INTO sales_revenue (month, dim, val, amount, note, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (dim, val, month) DO UPDATE SET amount = excluded.amount, note = excluded.note,
					updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				r.Month, string(r.Dim), r.Value, int64(r.Amount), r.Note, u.ID, ms(tx.now)); err != nil {
				return mapErr(fmt.Errorf("sqlstore: set revenue: %w", err))
			}
		}
		return tx.audit(ctx, "revenue.set", "sales_revenue", 0, rows)
	})
}

// scopeID resolves a revenue scope's value to its id.
func (db *DB) scopeID(ctx context.Context, dim aftersales.Dimension, val string) (string, error) {
	var q string
	switch dim {
	case aftersales.DimCategory:
		q = `SELECT id FROM product_categories WHERE CAST(id AS TEXT) = $1 OR code = $1 OR name_zh = $1 OR name_en = $1 ORDER BY id LIMIT 1`
	case aftersales.DimProduct:
		q = `SELECT id FROM products WHERE CAST(id AS TEXT) = $1 OR model = $1 OR name = $1 ORDER BY id LIMIT 1`
	case aftersales.DimRegion:
		q = `SELECT id FROM service_units WHERE kind = 'region' AND (CAST(id AS TEXT) = $1 OR code = $1 OR name = $1) ORDER BY id LIMIT 1`
	default:
		return "", aftersales.Errorf(aftersales.EINVALID, "Revenue has no scope %q.", dim)
	}
	var id int64
	if err := db.r.QueryRowContext(ctx, q, val).Scan(&id); err != nil {
		return "", notFound(err, string(dim), val)
	}
	return strconv.FormatInt(id, 10), nil
}

// DeleteRevenue removes one month's revenue in one scope.
func (db *DB) DeleteRevenue(ctx context.Context, month string, dim aftersales.Dimension, value string) error {
	if _, err := aftersales.Require(ctx, aftersales.PermRevenueWrite); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sales_revenue WHERE month = $1 AND dim = $2 AND val = $3`, month, string(dim), value)
		if err != nil {
			return fmt.Errorf("sqlstore: delete revenue: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return aftersales.Errorf(aftersales.ENOTFOUND, "No revenue for %s in that scope.", month)
		}
		return tx.audit(ctx, "revenue.delete", "sales_revenue", 0, map[string]string{"month": month, "dim": string(dim), "value": value})
	})
}

// ListRevenue returns revenue entries by scope, then month.
func (db *DB) ListRevenue(ctx context.Context, f aftersales.RevenueFilter) ([]*aftersales.Revenue, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	where, args := ` WHERE 1 = 1`, []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where += fmt.Sprintf(cond, len(args))
	}
	if f.From != "" {
		add(` AND month >= $%d`, f.From)
	}
	if f.To != "" {
		add(` AND month <= $%d`, f.To)
	}
	if f.Dim != nil {
		add(` AND dim = $%d`, string(*f.Dim))
	}
	rows, err := db.r.QueryContext(ctx, `SELECT month, dim, val, amount, note, updated_by, updated_at FROM sales_revenue`+where+
		` ORDER BY dim, val, month`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list revenue: %w", err)
	}
	out, err := collect(rows, func(row interface{ Scan(...any) error }) (*aftersales.Revenue, error) {
		var r aftersales.Revenue
		var dim string
		var by sql.NullInt64
		var at int64
		if err := row.Scan(&r.Month, &dim, &r.Value, &r.Amount, &r.Note, &by, &at); err != nil {
			return nil, err
		}
		r.Dim, r.UpdatedBy, r.UpdatedAt = aftersales.Dimension(dim), int64Ptr(by), fromMS(at)
		return &r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list revenue: %w", err)
	}
	// Name the scopes the way KPI groupings are named.
	for _, d := range []aftersales.Dimension{aftersales.DimCategory, aftersales.DimProduct, aftersales.DimRegion} {
		var pts []aftersales.MetricPoint
		var idx []int
		for i, r := range out {
			if r.Dim == d {
				pts, idx = append(pts, aftersales.MetricPoint{Key: r.Value}), append(idx, i)
			}
		}
		if len(pts) == 0 {
			continue
		}
		if err := db.label(ctx, d, f.Locale, pts); err != nil {
			return nil, fmt.Errorf("sqlstore: revenue labels: %w", err)
		}
		for j, i := range idx {
			out[i].Label = pts[j].Label
		}
	}
	return out, nil
}

// costRatio answers the after-sales cost ratio: for every month with
// recorded revenue in a scope, that month's service cost in the scope
// over the revenue. Months without revenue leave both out, so a month
// whose revenue is not entered yet does not make the ratio look good.
func (db *DB) costRatio(ctx context.Context, res *aftersales.MetricResult, matrix bool) (*aftersales.MetricResult, error) {
	q := res.Query
	loc := db.location()
	from, to := analytics.DayOf(q.From, loc), analytics.DayOf(q.To, loc)
	month := aftersales.GrainMonth
	var v aftersales.Validator
	v.Check(q.Grain == aftersales.GrainMonth || q.Grain == aftersales.GrainQuarter, "grain", "sales revenue is recorded per month: use month or quarter")
	v.Check(periodStart(from, month) == from, "from", "must be the first day of a month: sales revenue is recorded per month")
	v.Check(periodStart(to, month) == to, "to", "must be the first day of a month: sales revenue is recorded per month")
	if err := v.Err(); err != nil {
		return nil, err
	}
	monthKey := func(k analytics.Key) string { return k.Val + "\x00" + strconv.Itoa(int(periodStart(k.Day, month))) }
	uses := []analytics.Measure{analytics.MCost}
	scopeDim, scopeVal := string(q.Filter), q.Value
	scopeCost, _, err := db.aggregate(ctx, scopeDim, scopeVal, true, span{from, to, true}, uses, nil, monthKey)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: cost ratio: %w", err)
	}
	groupCost := scopeCost
	if q.By != "" && q.By != q.Filter {
		if groupCost, _, err = db.aggregate(ctx, string(q.By), "", false, span{from, to, true}, uses, nil, monthKey); err != nil {
			return nil, fmt.Errorf("sqlstore: cost ratio: %w", err)
		}
	}
	revenue := map[string]int64{} // dim, val, month day
	vals := map[string]bool{}     // the grouping's values with revenue
	rows, err := db.r.QueryContext(ctx, `SELECT dim, val, month, amount FROM sales_revenue WHERE month >= $1 AND month < $2 AND dim IN ($3, $4)`,
		civil(from).Format("2006-01"), civil(to).Format("2006-01"), scopeDim, string(q.By))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: revenue: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var dim, val, m string
		var amount int64
		if err := rows.Scan(&dim, &val, &m, &amount); err != nil {
			return nil, fmt.Errorf("sqlstore: revenue: %w", err)
		}
		d, ok := analytics.DayOfDate(m + "-01")
		if !ok {
			return nil, fmt.Errorf("sqlstore: revenue: bad month %q", m)
		}
		revenue[dim+"\x00"+val+"\x00"+strconv.Itoa(int(d))] = amount
		if q.By != "" && dim == string(q.By) {
			vals[val] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: revenue: %w", err)
	}
	ratio := func(dim, val string, lo, hi analytics.Day, cost map[string]*analytics.Agg) aftersales.MetricPoint {
		var c, r int64
		for m := periodStart(lo, month); m < hi; m = nextPeriod(m, month) {
			key := strconv.Itoa(int(m))
			rev, ok := revenue[dim+"\x00"+val+"\x00"+key]
			if !ok {
				continue
			}
			r += rev
			if a := cost[val+"\x00"+key]; a != nil {
				c += a.V[analytics.MCost]
			}
		}
		p := aftersales.MetricPoint{Num: c, N: r}
		if r > 0 {
			x := 100 * float64(c) / float64(r)
			p.Value = &x
		}
		return p
	}
	res.Total = ratio(scopeDim, scopeVal, from, to, scopeCost)
	periods := func(each func(lo, hi analytics.Day)) {
		for p := periodStart(from, q.Grain); p < to; p = nextPeriod(p, q.Grain) {
			each(max(p, from), min(nextPeriod(p, q.Grain), to))
		}
	}
	switch {
	case q.By == "":
		periods(func(lo, hi analytics.Day) {
			pt := ratio(scopeDim, scopeVal, lo, hi, scopeCost)
			pt.Period = periodStart(lo, q.Grain).Date(loc)
			res.Points = append(res.Points, pt)
		})
		return res, nil
	case q.By == q.Filter:
		vals = map[string]bool{scopeVal: true}
	}
	for _, val := range slices.Sorted(maps.Keys(vals)) {
		if !matrix {
			pt := ratio(string(q.By), val, from, to, groupCost)
			pt.Key = val
			res.Points = append(res.Points, pt)
			continue
		}
		periods(func(lo, hi analytics.Day) {
			pt := ratio(string(q.By), val, lo, hi, groupCost)
			pt.Key, pt.Period = val, periodStart(lo, q.Grain).Date(loc)
			res.Points = append(res.Points, pt)
		})
	}
	if err := db.label(ctx, q.By, q.Locale, res.Points); err != nil {
		return nil, err
	}
	return res, nil
}
