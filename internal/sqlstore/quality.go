package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

// Targets lists the quality targets.
func (db *DB) Targets(ctx context.Context) ([]*aftersales.QualityTarget, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT kpi, target, worst, weight, version, updated_at FROM quality_targets ORDER BY weight DESC, kpi`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: targets: %w", err)
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (*aftersales.QualityTarget, error) {
		var t aftersales.QualityTarget
		var at int64
		err := s.Scan(&t.KPI, &t.Target, &t.Worst, &t.Weight, &t.Version, &at)
		t.UpdatedAt = fromMS(at)
		return &t, err
	})
}

// SetTarget creates or replaces a KPI's target. The total weight of all
// targets may not exceed 100.
func (db *DB) SetTarget(ctx context.Context, t *aftersales.QualityTarget) error {
	if _, err := aftersales.Require(ctx, aftersales.PermQualityWrite); err != nil {
		return err
	}
	var v aftersales.Validator
	k, ok := analytics.Lookup(t.KPI)
	v.Check(ok, "kpi", "unknown KPI")
	v.Check(!ok || (k.Unit != "count" && k.Key != "service_cost"), "kpi", "counts and sums have no target; choose a rate, a duration, a score or the cost per ticket")
	if err := t.Validate(); err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var others float64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(weight), 0) FROM quality_targets WHERE kpi <> $1`, t.KPI).Scan(&others); err != nil {
			return err
		}
		if others+t.Weight > 100+1e-9 {
			return &aftersales.Error{Code: aftersales.EINVALID, Message: "The weights would add up to more than 100%.",
				Fields: []aftersales.FieldError{{Field: "weight", Reason: fmt.Sprintf("the other KPIs already take %.0f%%; at most %.0f%% is left", others, 100-others)}}}
		}
		t.UpdatedAt = tx.now
		err := tx.QueryRowContext(ctx, `INSERT INTO quality_targets (kpi, target, worst, weight, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (kpi) DO UPDATE SET target = excluded.target, worst = excluded.worst, weight = excluded.weight,
				version = quality_targets.version + 1, updated_at = excluded.updated_at
			RETURNING version`, t.KPI, t.Target, t.Worst, t.Weight, ms(tx.now)).Scan(&t.Version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: set target: %w", err))
		}
		return tx.audit(ctx, "quality.target", "kpi", 0, t)
	})
}

// Scores computes the weighted quality score over [from, to), per value
// of by (or overall when by is empty), within the filter when set.
func (db *DB) Scores(ctx context.Context, sq aftersales.ScoreQuery) ([]*aftersales.QualityScore, error) {
	from, to, by, locale := sq.From, sq.To, sq.By, sq.Locale
	targets, err := db.Targets(ctx)
	if err != nil {
		return nil, err
	}
	scores := map[string]*aftersales.QualityScore{}
	var order []string
	get := func(key, label string) *aftersales.QualityScore {
		s := scores[key]
		if s == nil {
			s = &aftersales.QualityScore{Key: key, Label: label}
			scores[key] = s
			order = append(order, key)
		}
		return s
	}
	var weighted []*aftersales.QualityTarget
	for _, t := range targets {
		// A KPI that cannot be split the asked way (the warranty claim
		// rate by team) leaves the score, and coverage says so.
		if k, ok := analytics.Lookup(t.KPI); t.Weight > 0 && ok && k.Groupable(by) && k.Groupable(sq.Filter) {
			weighted = append(weighted, t)
		}
	}
	// One batch for every weighted KPI, read once: the scopes come from
	// its answers, then each scope gets its parts.
	qs := make([]aftersales.MetricQuery, len(weighted))
	for i, t := range weighted {
		qs[i] = aftersales.MetricQuery{KPI: t.KPI, From: from, To: to, By: by, Filter: sq.Filter, Value: sq.Value, Locale: locale}
	}
	var results []*aftersales.MetricResult
	if len(qs) > 0 {
		if results, err = db.Metrics(ctx, qs); err != nil {
			return nil, err
		}
	}
	for _, res := range results {
		pts := res.Points
		if by == "" {
			pts = []aftersales.MetricPoint{res.Total}
		}
		for _, p := range pts {
			get(p.Key, p.Label)
		}
	}
	if by == "" {
		get("", "")
	}
	// Every scope gets every weighted KPI, with or without data.
	for i, t := range weighted {
		res := results[i]
		byKey := map[string]aftersales.MetricPoint{}
		for _, p := range res.Points {
			byKey[p.Key] = p
		}
		if by == "" {
			byKey[""] = res.Total
		}
		for _, key := range order {
			p := byKey[key]
			part := aftersales.ScorePart{KPI: t.KPI, Value: p.Value, N: p.N, Target: t.Target, Worst: t.Worst, Weight: t.Weight}
			if p.Value != nil {
				pts := analytics.Points(*p.Value, t.Target, t.Worst)
				part.Points = &pts
			}
			scores[key].Parts = append(scores[key].Parts, part)
		}
	}
	out := make([]*aftersales.QualityScore, 0, len(order))
	for _, key := range order {
		s := scores[key]
		s.Score, s.Coverage = analytics.WeightedScore(s.Parts)
		out = append(out, s)
	}
	return out, nil
}

const alertCols = `id, kpi, dim, val, grain, threshold, chart, baseline_from, baseline_to, center, sigma, baseline_n, rules, active, version, created_at, updated_at`

func scanAlertRule(s interface{ Scan(...any) error }) (*aftersales.AlertRule, error) {
	var r aftersales.AlertRule
	var dim, grain, rules string
	var thr, center, sigma sql.NullFloat64
	var bf, bt, bn sql.NullInt64
	var created, updated int64
	err := s.Scan(&r.ID, &r.KPI, &dim, &r.Value, &grain, &thr, &r.Chart, &bf, &bt, &center, &sigma, &bn, &rules, &r.Active, &r.Version, &created, &updated)
	r.Dim, r.Grain = aftersales.Dimension(dim), aftersales.Grain(grain)
	r.Threshold, r.Center, r.Sigma = floatPtr(thr), floatPtr(center), floatPtr(sigma)
	r.BaselineFrom, r.BaselineTo, r.BaselineN = timePtr(bf), timePtr(bt), int(bn.Int64)
	if rules != "" {
		r.Rules = strings.Split(rules, ",")
	}
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return &r, err
}

func floatPtr(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	return &n.Float64
}

// AlertRules lists every alert rule.
func (db *DB) AlertRules(ctx context.Context) ([]*aftersales.AlertRule, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	return db.alertRules(ctx)
}

func (db *DB) alertRules(ctx context.Context) ([]*aftersales.AlertRule, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+alertCols+` FROM alert_rules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: alert rules: %w", err)
	}
	return collect(rows, scanAlertRule)
}

// SaveAlertRule creates (ID 0) or replaces a rule. A control chart's
// limits are computed here from the baseline window and frozen: later
// data never moves them (methods.md §2.3).
func (db *DB) SaveAlertRule(ctx context.Context, r *aftersales.AlertRule) error {
	if _, err := aftersales.Require(ctx, aftersales.PermQualityWrite); err != nil {
		return err
	}
	k, err := db.checkRule(r)
	if err != nil {
		return err
	}
	if r.Chart != "" {
		if err := db.baseline(ctx, k, r); err != nil {
			return err
		}
	} else {
		r.Center, r.Sigma, r.BaselineN = nil, nil, 0
	}
	return db.inTx(ctx, func(tx *Tx) error {
		args := []any{r.KPI, string(r.Dim), r.Value, string(r.Grain), r.Threshold, r.Chart, nullMS(r.BaselineFrom), nullMS(r.BaselineTo),
			r.Center, r.Sigma, r.BaselineN, strings.Join(r.Rules, ","), r.Active, ms(tx.now)}
		var err error
		if r.ID == 0 {
			r.Version, r.CreatedAt = 1, tx.now
			err = tx.QueryRowContext(ctx, `INSERT INTO alert_rules (kpi, dim, val, grain, threshold, chart, baseline_from, baseline_to,
				center, sigma, baseline_n, rules, active, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id`, args...).Scan(&r.ID)
		} else {
			err = tx.QueryRowContext(ctx, `UPDATE alert_rules SET kpi = $1, dim = $2, val = $3, grain = $4, threshold = $5, chart = $6,
				baseline_from = $7, baseline_to = $8, center = $9, sigma = $10, baseline_n = $11, rules = $12, active = $13,
				updated_at = $14, version = version + 1 WHERE id = $15 AND version = $16 RETURNING version`,
				append(args, r.ID, r.Version)...).Scan(&r.Version)
			if err == sql.ErrNoRows {
				return aftersales.Errorf(aftersales.ECONFLICT, "The alert rule was changed by someone else or does not exist; reload it.")
			}
		}
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: save alert rule: %w", err))
		}
		r.UpdatedAt = tx.now
		return tx.audit(ctx, "quality.alert_rule", "alert_rule", r.ID, r)
	})
}

func (db *DB) checkRule(r *aftersales.AlertRule) (analytics.KPI, error) {
	var v aftersales.Validator
	k, ok := analytics.Lookup(r.KPI)
	v.Check(ok, "kpi", "unknown KPI")
	v.Check(!ok || k.Unavailable == "", "kpi", "this KPI cannot be computed yet: "+k.Unavailable)
	v.Check(r.Grain == aftersales.GrainWeek || r.Grain == aftersales.GrainMonth, "grain", "must be week or month")
	v.Check(r.Dim == "" || r.Dim.Valid(), "dim", "unknown dimension")
	v.Check(!ok || k.Groupable(r.Dim), "dim", "this KPI can be scoped by "+strings.Join(dimList(k.Only), ", ")+" only")
	v.Check(!ok || k.Store != analytics.StoreRevenue || r.Grain == aftersales.GrainMonth, "grain", "sales revenue is recorded per month")
	v.Check((r.Dim == "") == (r.Value == ""), "value", "a scope needs both a dimension and a value")
	v.Check(r.Threshold != nil || r.Chart != "", "threshold", "give a threshold, a control chart or both")
	switch r.Chart {
	case "":
	case "p":
		v.Check(!ok || k.Proportion(), "chart", "a p-chart needs a share of tickets or answers")
	case "u":
		v.Check(!ok || k.Key == "complaints", "chart", "a u-chart counts complaints per 1,000 installed units")
	case "xmr":
	default:
		v.Add("chart", "must be p, u or xmr")
	}
	if r.Chart != "" {
		v.Check(r.BaselineFrom != nil && r.BaselineTo != nil && r.BaselineTo.After(*r.BaselineFrom), "baseline_to",
			"a control chart needs a baseline window (from before to)")
	}
	for _, rule := range r.Rules {
		v.Check(rule == "we1" || rule == "we2" || rule == "we3" || rule == "we4", "rules", "unknown rule "+rule)
	}
	if r.Chart != "" && len(r.Rules) == 0 {
		r.Rules = []string{"we1", "we2", "we4"}
	}
	return k, v.Err()
}

// minBaseline is the fewest baseline periods with data a chart accepts;
// methods.md §2.3 recommends 20-25, which is two years of months, so
// fewer are allowed and the count is shown with the limits.
const minBaseline = 8

// ruleSeries is a rule's KPI per period over [from, to) in its scope,
// with the exposure of each period for u-charts (installed units / 1000).
func (db *DB) ruleSeries(ctx context.Context, r *aftersales.AlertRule, from, to time.Time) ([]aftersales.MetricPoint, []float64, error) {
	res, err := db.metric(ctx, aftersales.MetricQuery{KPI: r.KPI, From: from, To: to, Grain: r.Grain, Filter: r.Dim, Value: r.Value})
	if err != nil {
		return nil, nil, err
	}
	pts := res.Points
	var exp []float64
	if r.Chart == "u" {
		scope, args := "", []any{}
		switch r.Dim {
		case aftersales.DimProduct:
			scope, args = ` AND product_id = $2`, []any{r.Value}
		case aftersales.DimCategory:
			scope, args = ` AND product_id IN (SELECT id FROM products WHERE category_id = $2)`, []any{r.Value}
		}
		for i := range pts {
			end := to
			if i+1 < len(pts) {
				end = pts[i+1].Period
			}
			var n int64
			if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM assets WHERE COALESCE(installed_on, purchased_on, '') <> ''
				AND COALESCE(installed_on, purchased_on) < $1`+scope, append([]any{end.Format(time.DateOnly)}, args...)...).Scan(&n); err != nil {
				return nil, nil, fmt.Errorf("sqlstore: installed units: %w", err)
			}
			exp = append(exp, float64(n)/1000)
		}
	}
	return pts, exp, nil
}

// chartData turns points into what analytics charts read: xs (counts
// for p and u, values for XmR), ns, and which points have data.
func chartData(chart string, pts []aftersales.MetricPoint, exp []float64) (xs, ns []float64, idx []int) {
	for i, p := range pts {
		if p.Value == nil {
			continue
		}
		switch chart {
		case "p":
			if p.N == 0 {
				continue
			}
			xs, ns = append(xs, float64(p.Num)), append(ns, float64(p.N))
		case "u":
			if exp[i] <= 0 {
				continue
			}
			xs, ns = append(xs, *p.Value), append(ns, exp[i])
		default:
			xs = append(xs, *p.Value)
		}
		idx = append(idx, i)
	}
	if chart == "xmr" {
		ns = nil
	}
	return xs, ns, idx
}

var chartKinds = map[string]analytics.ChartKind{"p": analytics.PChart, "u": analytics.UChart, "xmr": analytics.XmR}

// baseline computes and freezes a rule's Phase I limits.
// It reads the rollups as they are: saving a rule is a request, and
// requests never fold pending changes in (the job does within seconds).
func (db *DB) baseline(ctx context.Context, k analytics.KPI, r *aftersales.AlertRule) error {
	pts, exp, err := db.ruleSeries(ctx, r, *r.BaselineFrom, *r.BaselineTo)
	if err != nil {
		return err
	}
	xs, ns, _ := chartData(r.Chart, pts, exp)
	if len(xs) < minBaseline {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: "The baseline has too little data.",
			Fields: []aftersales.FieldError{{Field: "baseline_from", Reason: fmt.Sprintf("the baseline window has %d periods with data; a control chart needs at least %d", len(xs), minBaseline)}}}
	}
	l, err := analytics.Baseline(chartKinds[r.Chart], xs, ns, nil)
	if err != nil {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: "The baseline has too little data.",
			Fields: []aftersales.FieldError{{Field: "baseline_from", Reason: "no data in the baseline window"}}}
	}
	r.Center, r.BaselineN = &l.Center, l.Points
	if r.Chart == "xmr" {
		r.Sigma = &l.Sigma
	} else {
		r.Sigma = nil
	}
	return nil
}

func ruleLimits(r *aftersales.AlertRule) analytics.Limits {
	l := analytics.Limits{Kind: chartKinds[r.Chart], Points: r.BaselineN}
	if r.Center != nil {
		l.Center = *r.Center
	}
	if r.Sigma != nil {
		l.Sigma = *r.Sigma
	}
	return l
}

// alertWindow is how many periods back an evaluation looks when a rule
// has no baseline (threshold only) or its baseline is older.
const alertWindow = 12

// EvaluateAlerts checks every active rule on its complete periods after
// the baseline (at most the last alertWindow) and records breaches not
// recorded before: a new improvement item, or more evidence on the
// rule's item that is not closed yet.
func (db *DB) EvaluateAlerts(ctx context.Context) (int, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return 0, err
	}
	n, _, err := db.exclusive(ctx, "quality-alerts", func() (int, error) { return db.sweepAlerts(ctx, false) })
	return n, err
}

// SweepAlerts is EvaluateAlerts for the hourly job (no acting user).
// With several instances on PostgreSQL one evaluates and the others skip
// (an advisory lock); recordBreaches also locks the rule, so even two
// evaluations never add the same evidence twice.
func (db *DB) SweepAlerts(ctx context.Context) (int, error) {
	n, _, err := db.exclusive(ctx, "quality-alerts", func() (int, error) { return db.sweepAlerts(ctx, true) })
	return n, err
}

// sweepAlerts evaluates every active rule; the job first folds in every
// pending change, a request (EvaluateAlerts) reads the rollups as they
// are rather than wait for the writer.
func (db *DB) sweepAlerts(ctx context.Context, catchUp bool) (int, error) {
	if catchUp {
		if err := db.refreshAll(ctx); err != nil {
			return 0, err
		}
	}
	rules, err := db.alertRules(ctx)
	if err != nil {
		return 0, err
	}
	loc := db.location()
	now := db.Now().In(loc)
	total := 0
	for _, r := range rules {
		if !r.Active {
			continue
		}
		k, _ := analytics.Lookup(r.KPI)
		// Periods end at the start of the current (incomplete) one.
		end := periodStart(analytics.DayOf(now, loc), r.Grain).Date(loc)
		start := end
		for range alertWindow {
			start = periodStart(analytics.DayOf(start.AddDate(0, 0, -1), loc), r.Grain).Date(loc)
		}
		if r.BaselineTo != nil && r.BaselineTo.After(start) {
			start = r.BaselineTo.In(loc)
		}
		if !end.After(start) {
			continue
		}
		pts, exp, err := db.ruleSeries(ctx, r, start, end)
		if err != nil {
			return total, err
		}
		var found []aftersales.AlertEvidence
		link := func(i int) string {
			to := end
			if i+1 < len(pts) {
				to = pts[i+1].Period
			}
			return analytics.DrillPath(k, r.Dim, r.Value, pts[i].Period, to)
		}
		if r.Threshold != nil {
			for i, p := range pts {
				if p.Value != nil && analytics.Worse(k, *p.Value, *r.Threshold) {
					found = append(found, aftersales.AlertEvidence{Period: p.Period, Value: *p.Value, N: p.N, Rule: "threshold", Limit: *r.Threshold, Tickets: link(i)})
				}
			}
		}
		if r.Chart != "" && r.Center != nil {
			xs, ns, idx := chartData(r.Chart, pts, exp)
			plotted := analytics.Plot(ruleLimits(r), xs, ns)
			z := make([]float64, len(plotted))
			for i, p := range plotted {
				z[i] = p.Z
			}
			var rules []analytics.Rule
			for _, s := range r.Rules {
				rules = append(rules, analytics.Rule(s))
			}
			for _, sig := range analytics.Check(z, rules) {
				// Only signals in the bad direction start improvement work.
				if sig.High != !k.HigherIsBetter && r.Chart != "u" {
					continue
				}
				if r.Chart == "u" && !sig.High {
					continue
				}
				i, p := idx[sig.Point], plotted[sig.Point]
				limit := p.UCL
				if !sig.High {
					limit = p.LCL
				}
				found = append(found, aftersales.AlertEvidence{Period: pts[i].Period, Value: *pts[i].Value, N: pts[i].N, Rule: string(sig.Rule), Limit: limit, Tickets: link(i)})
			}
		}
		if len(found) == 0 {
			continue
		}
		n, err := db.recordBreaches(ctx, r, k, found)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// recordBreaches adds the breaches of periods after the rule's last
// recorded one to its open item, or opens one.
func (db *DB) recordBreaches(ctx context.Context, r *aftersales.AlertRule, k analytics.KPI, found []aftersales.AlertEvidence) (int, error) {
	added := 0
	err := db.inTx(ctx, func(tx *Tx) error {
		// The rule's lock orders two evaluations: the second reads the
		// last period the first recorded and adds nothing twice.
		if err := db.lockRow(ctx, tx, "alert_rules", r.ID); err != nil {
			return err
		}
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(last_period) FROM improvement_items WHERE rule_id = $1`, r.ID).Scan(&last); err != nil {
			return err
		}
		var fresh []aftersales.AlertEvidence
		var lastPeriod int64
		for _, e := range found {
			if !last.Valid || ms(e.Period) > last.Int64 {
				fresh = append(fresh, e)
				lastPeriod = max(lastPeriod, ms(e.Period))
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		added = len(fresh)
		var id int64
		var evJSON string
		err := tx.QueryRowContext(ctx, `SELECT id, evidence FROM improvement_items WHERE rule_id = $1 AND status <> 'closed'`, r.ID).Scan(&id, &evJSON)
		switch {
		case err == sql.ErrNoRows:
			seq, err := nextSeq(ctx, tx, "improvement:"+tx.now.In(db.location()).Format("200601"))
			if err != nil {
				return err
			}
			number := fmt.Sprintf("IM%s-%04d", tx.now.In(db.location()).Format("200601"), seq)
			scope := "all tickets"
			if r.Dim != "" {
				scope = string(r.Dim) + " " + r.Value
			}
			title := fmt.Sprintf("%s out of bounds for %s", r.KPI, scope)
			err = tx.QueryRowContext(ctx, `INSERT INTO improvement_items (number, title, source, rule_id, kpi, dim, val, baseline, evidence, breaches,
				last_period, created_at, updated_at) VALUES ($1, $2, 'alert', $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
				number, title, r.ID, r.KPI, string(r.Dim), r.Value, baselineValue(r, k), mustJSON(fresh), len(fresh), lastPeriod, ms(tx.now)).Scan(&id)
			if err != nil {
				return mapErr(fmt.Errorf("sqlstore: open improvement item: %w", err))
			}
			return tx.audit(ctx, "improvement.opened", "improvement_item", id, fresh)
		case err != nil:
			return err
		}
		var ev []aftersales.AlertEvidence
		if err := json.Unmarshal([]byte(evJSON), &ev); err != nil {
			return fmt.Errorf("sqlstore: improvement evidence: %w", err)
		}
		ev = append(ev, fresh...)
		if _, err := tx.ExecContext(ctx, `UPDATE improvement_items SET evidence = $1, breaches = breaches + $2, last_period = $3,
			updated_at = $4, version = version + 1 WHERE id = $5`, mustJSON(ev), len(fresh), lastPeriod, ms(tx.now), id); err != nil {
			return err
		}
		return tx.audit(ctx, "improvement.evidence", "improvement_item", id, fresh)
	})
	return added, err
}

// baselineValue is the value the item is measured against: the chart's
// centre (as a percent for p-charts) or the threshold.
func baselineValue(r *aftersales.AlertRule, k analytics.KPI) any {
	switch {
	case r.Center != nil && r.Chart == "p":
		return *r.Center * 100
	case r.Center != nil:
		return *r.Center
	case r.Threshold != nil:
		return *r.Threshold
	}
	return nil
}
