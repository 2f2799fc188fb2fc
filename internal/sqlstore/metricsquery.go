package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

// KPIs lists the catalog.
func (db *DB) KPIs() []aftersales.KPIInfo {
	out := make([]aftersales.KPIInfo, len(analytics.Catalog))
	for i, k := range analytics.Catalog {
		out[i] = k.KPIInfo
	}
	return out
}

// Reads never fold pending changes in themselves: that takes the one
// writer (SQLite) or the rollup lock (PostgreSQL), so a dashboard would
// wait behind an open import. The kpi-rollups job catches up within
// seconds, and each answer carries the rollups' watermark instead.

// RollupLag counts the changed tickets the rollups do not include yet,
// through the reader pool.
func (db *DB) RollupLag(ctx context.Context) (aftersales.RollupLag, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return aftersales.RollupLag{}, err
	}
	return db.rollupLag(ctx)
}

func (db *DB) rollupLag(ctx context.Context) (aftersales.RollupLag, error) {
	// kpi_dirty keeps ticket ids only; the ticket's last change stands
	// for when it was queued (an SLA or feedback change that leaves
	// updated_at alone makes it look older, never newer). A rebuild
	// holds its marks as -id until it commits (holdForRebuild).
	var lag aftersales.RollupLag
	var oldest sql.NullInt64
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(DISTINCT abs(d.ticket_id)), MIN(t.updated_at) FROM kpi_dirty d LEFT JOIN tickets t ON t.id = abs(d.ticket_id)`).
		Scan(&lag.Pending, &oldest); err != nil {
		return lag, fmt.Errorf("sqlstore: rollup lag: %w", err)
	}
	lag.Oldest = timePtr(oldest)
	if db.a != db.r {
		// The KPI reads go to a read replica: say how far behind it is.
		var behind sql.NullFloat64
		if err := db.a.QueryRowContext(ctx, `SELECT CASE WHEN pg_is_in_recovery() AND pg_last_wal_receive_lsn() <> pg_last_wal_replay_lsn()
			THEN EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) ELSE 0 END`).Scan(&behind); err != nil {
			return lag, fmt.Errorf("sqlstore: read replica delay: %w", err)
		}
		lag.ReplicaBehind = max(behind.Float64, 0)
	}
	return lag, nil
}

// Metric answers a KPI query from kpi_daily.
func (db *DB) Metric(ctx context.Context, q aftersales.MetricQuery) (*aftersales.MetricResult, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	return db.metric(ctx, q)
}

// metric is Metric without the permission check, for jobs.
func (db *DB) metric(ctx context.Context, q aftersales.MetricQuery) (*aftersales.MetricResult, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	k, ok := analytics.Lookup(q.KPI)
	if !ok {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "Unknown KPI.",
			Fields: []aftersales.FieldError{{Field: "kpi", Reason: "unknown KPI " + strconv.Quote(q.KPI)}}}
	}
	matrix := q.By != "" && q.Grain != ""
	if q.Grain == "" {
		q.Grain = aftersales.GrainMonth
	}
	res := &aftersales.MetricResult{KPI: k.KPIInfo, Query: q}
	if k.Unavailable != "" {
		return res, nil
	}
	// The watermark is read before the rollups: a change folded in
	// between is counted and reported pending, never the reverse.
	var lag aftersales.RollupLag
	var err error
	if b := batchOf(ctx); b != nil && b.lag != nil {
		lag = *b.lag // Metrics read it once for all its queries
	} else if lag, err = db.rollupLag(ctx); err != nil {
		return nil, err
	}
	res.Lag = lag
	loc := db.location()
	from, to := analytics.DayOf(q.From, loc), analytics.DayOf(q.To, loc)
	dim, val := string(q.Filter), q.Value
	if q.By != "" {
		dim, val = string(q.By), q.Value
	}
	if k.Only != nil {
		// The denominator is known for some dimensions only.
		for _, x := range []struct {
			field string
			d     aftersales.Dimension
		}{{"filter", q.Filter}, {"by", q.By}} {
			if !k.Groupable(x.d) {
				return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "This KPI cannot be split that way.",
					Fields: []aftersales.FieldError{{Field: x.field, Reason: "this KPI can be filtered or grouped by " + strings.Join(dimList(k.Only), ", ") + " only"}}}
			}
		}
		if q.Filter != "" && q.By != "" && q.Filter != q.By {
			return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "Filter or group, not both.",
				Fields: []aftersales.FieldError{{Field: "by", Reason: "this KPI is filtered or grouped, not both"}}}
		}
	}
	switch k.Store {
	case analytics.StoreRevenue:
		return db.costRatio(ctx, res, matrix)
	case analytics.StoreCalendars:
		return db.utilisation(ctx, res, matrix)
	case analytics.StoreBacklog:
		if q.Filter != "" && q.By != "" && q.Filter != q.By {
			return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The backlog cannot be grouped within a filter.",
				Fields: []aftersales.FieldError{{Field: "by", Reason: "the backlog is kept per single dimension; filter or group, not both"}}}
		}
		return db.backlog(ctx, res, dim, val, from, to)
	}
	uses, hists := k.Columns()
	group := func(key analytics.Key) string {
		switch {
		case matrix:
			return key.Val + "\x00" + strconv.Itoa(int(periodStart(key.Day, q.Grain)))
		case q.By == "":
			return strconv.Itoa(int(periodStart(key.Day, q.Grain)))
		}
		return key.Val
	}
	var groups map[string]*analytics.Agg
	var total *analytics.Agg
	if q.Filter != "" && q.By != "" && q.Filter != q.By {
		groups, total, err = db.pairAggregate(ctx, q, matrix, from, to, uses, hists, group)
	} else {
		groups, total, err = db.aggregate(ctx, dim, val, q.By == "" || val != "", span{from, to, wholeGrain(q.Grain)}, uses, hists, group)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: metric %s: %w", q.KPI, err)
	}
	res.Total = point(k.Eval(total))
	if h, ok := k.Dist(); ok {
		counts := analytics.Distribute(total.H[h])
		for i, c := range counts {
			b := aftersales.DistBin{From: analytics.DistBins[i], Count: c}
			if i+1 < len(analytics.DistBins) {
				b.To = analytics.DistBins[i+1]
			}
			res.Distribution = append(res.Distribution, b)
		}
	}
	if q.By == "" {
		for p := periodStart(from, q.Grain); p < to; p = nextPeriod(p, q.Grain) {
			pt := aftersales.MetricPoint{}
			if a := groups[strconv.Itoa(int(p))]; a != nil {
				pt = point(k.Eval(a))
			}
			pt.Period = p.Date(loc)
			res.Points = append(res.Points, pt)
		}
		if k.Store == analytics.StorePerUnits {
			return res, db.perUnits(ctx, q, res)
		}
		return res, nil
	}
	for key, a := range groups {
		pt := point(k.Eval(a))
		pt.Key = key
		if matrix {
			val, day, _ := strings.Cut(key, "\x00")
			d, _ := strconv.Atoi(day)
			pt.Key, pt.Period = val, analytics.Day(d).Date(loc)
		}
		res.Points = append(res.Points, pt)
	}
	if err := db.label(ctx, q.By, q.Locale, res.Points); err != nil {
		return nil, err
	}
	slices.SortFunc(res.Points, func(a, b aftersales.MetricPoint) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), a.Period.Compare(b.Period))
	})
	if k.Store == analytics.StorePerUnits {
		return res, db.perUnits(ctx, q, res)
	}
	return res, nil
}

func dimList(ds []aftersales.Dimension) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d)
	}
	return out
}

// perUnits turns warranty-claim counts into claims per 1,000 units in
// service at the end of each point's period (or of the query for the
// total and for groups): registered assets installed, or else purchased,
// before that day, of the point's product or product category. Num is the
// claims and N the units.
func (db *DB) perUnits(ctx context.Context, q aftersales.MetricQuery, res *aftersales.MetricResult) error {
	units := func(end time.Time, dim aftersales.Dimension, val string) (int64, error) {
		query, args := `SELECT COUNT(*) FROM assets WHERE COALESCE(installed_on, purchased_on, '') <> '' AND COALESCE(installed_on, purchased_on) < $1`,
			[]any{end.Format(time.DateOnly)}
		switch dim {
		case aftersales.DimProduct:
			query, args = query+` AND product_id = $2`, append(args, val)
		case aftersales.DimCategory:
			query, args = query+` AND product_id IN (SELECT id FROM products WHERE category_id = $2)`, append(args, val)
		}
		var n int64
		err := db.a.QueryRowContext(ctx, query, args...).Scan(&n)
		return n, err
	}
	rate := func(p *aftersales.MetricPoint, n int64) {
		claims := int64(0)
		if p.Value != nil {
			claims = int64(*p.Value)
		}
		p.Num, p.N, p.Value = claims, n, nil
		if n > 0 {
			v := 1000 * float64(claims) / float64(n)
			p.Value = &v
		}
	}
	scope, val := q.Filter, q.Value
	total, err := units(q.To, scope, val)
	if err != nil {
		return fmt.Errorf("sqlstore: units in service: %w", err)
	}
	rate(&res.Total, total)
	for i := range res.Points {
		p := &res.Points[i]
		end, dim, v := q.To, scope, val
		if q.By != "" {
			dim, v = q.By, p.Key
		}
		if !p.Period.IsZero() {
			end = nextPeriod(analytics.DayOf(p.Period, db.location()), q.Grain).Date(db.location())
			if end.After(q.To) {
				end = q.To
			}
		}
		n, err := units(end, dim, v)
		if err != nil {
			return fmt.Errorf("sqlstore: units in service: %w", err)
		}
		rate(p, n)
	}
	return nil
}

// pairAggregate groups a KPI by q.By within q.Filter = q.Value from the
// monthly pair rollups (analytics.Pairs). The total is the filter's own,
// so tickets without a value for q.By still count in it.
func (db *DB) pairAggregate(ctx context.Context, q aftersales.MetricQuery, matrix bool, from, to analytics.Day, uses []analytics.Measure,
	hists []analytics.HistKind, group func(analytics.Key) string) (map[string]*analytics.Agg, *analytics.Agg, error) {
	fi, bi := slices.Index(aftersales.Dimensions, q.Filter), slices.Index(aftersales.Dimensions, q.By)
	lo, hi := min(fi, bi), max(fi, bi)
	if !analytics.Paired(lo, hi) {
		var with []string
		for _, p := range analytics.Pairs {
			switch fi {
			case p[0]:
				with = append(with, string(aftersales.Dimensions[p[1]]))
			case p[1]:
				with = append(with, string(aftersales.Dimensions[p[0]]))
			}
		}
		reason := fmt.Sprintf("a %s filter cannot be grouped by %s", q.Filter, q.By)
		if len(with) > 0 {
			reason += "; it can be grouped by " + strings.Join(with, ", ")
		}
		return nil, nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "Unsupported grouping within a filter.",
			Fields: []aftersales.FieldError{{Field: "by", Reason: reason}}}
	}
	var v aftersales.Validator
	v.Check(analytics.MonthStart(from) == from && analytics.MonthStart(to) == to, "from",
		"grouping within a filter works on whole months: from and to must be the first day of a month")
	v.Check(!matrix || q.Grain == aftersales.GrainMonth || q.Grain == aftersales.GrainQuarter, "grain",
		"grouping within a filter works by month or quarter")
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	dims := aftersales.Dimensions
	pairDim := string(dims[lo]) + analytics.PairSep + string(dims[hi])
	const skip = "\x01"
	groups, _, err := db.aggregate(ctx, pairDim, "", false, span{from, to, false}, uses, hists, func(key analytics.Key) string {
		a, b, _ := strings.Cut(key.Val, analytics.PairSep)
		fv, gv := a, b
		if fi == hi {
			fv, gv = b, a
		}
		if fv != q.Value {
			return skip
		}
		key.Val = gv
		return group(key)
	})
	if err != nil {
		return nil, nil, err
	}
	delete(groups, skip)
	_, total, err := db.aggregate(ctx, string(q.Filter), q.Value, true, span{from, to, true}, uses, hists, func(analytics.Key) string { return "" })
	return groups, total, err
}

// aggregate sums the rollup rows of one dimension (one value of it when
// oneVal) over the days of sp, grouped by group(row key). Whole months
// come from kpi_monthly when sp.whole says group keeps a month's days
// together (a monthly row's day is its month's first day).
//
// Only the columns in uses and hists are read: a row has some sixty, and
// reading them all made a year of categories 120 ms on SQLite.
func (db *DB) aggregate(ctx context.Context, dim, val string, oneVal bool, sp span, uses []analytics.Measure, hists []analytics.HistKind,
	group func(analytics.Key) string) (map[string]*analytics.Agg, *analytics.Agg, error) {
	from, to := sp.from, sp.to
	if b := batchOf(ctx); b != nil {
		if s := b.find(dim, val, oneVal, sp, uses, hists); s != nil {
			if err := db.loadScope(ctx, s); err != nil {
				return nil, nil, err
			}
			groups, total := s.aggregate(dim, val, oneVal, from, to, uses, hists, group)
			return groups, total, nil
		}
		b.reads++
	}
	groups := map[string]*analytics.Agg{}
	total := new(analytics.Agg)
	query, args := rollupRead(rollupCols(uses, hists), dim, val, oneVal, from, to, db.monthsFor(dim, sp))
	rows, err := db.a.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var day int64
	blobs := make([][]byte, len(hists))
	for rows.Next() {
		key := analytics.Key{Dim: dim}
		a := new(analytics.Agg)
		dest := []any{&key.Val, &day}
		for _, m := range uses {
			dest = append(dest, &a.V[m])
		}
		for i := range hists {
			dest = append(dest, &blobs[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		key.Day = analytics.Day(day)
		for i, h := range hists {
			if a.H[h], err = analytics.DecodeHist(blobs[i]); err != nil {
				return nil, nil, err
			}
		}
		g := group(key)
		if groups[g] == nil {
			groups[g] = new(analytics.Agg)
		}
		groups[g].Merge(a, 1)
		total.Merge(a, 1)
	}
	return groups, total, rows.Err()
}

func point(v analytics.Value) aftersales.MetricPoint {
	p := aftersales.MetricPoint{N: v.N, Num: v.Num}
	if v.OK {
		x := v.V
		p.Value = &x
	}
	return p
}

// backlog is open tickets at the end of each period (or of the range per
// dimension value): everything created minus everything that left.
func (db *DB) backlog(ctx context.Context, res *aftersales.MetricResult, dim, val string, from, to analytics.Day) (*aftersales.MetricResult, error) {
	q := res.Query
	loc := db.location()
	if q.By != "" {
		query, args := db.backlogBefore(`SELECT val, SUM(n) FROM`, `GROUP BY val`, dim, val, val != "", to)
		rows, err := db.a.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: backlog: %w", err)
		}
		defer rows.Close()
		var sum int64
		for rows.Next() {
			var p aftersales.MetricPoint
			var n int64
			if err := rows.Scan(&p.Key, &n); err != nil {
				return nil, err
			}
			if n == 0 {
				continue
			}
			v := float64(n)
			p.Value, p.N = &v, n
			sum += n
			res.Points = append(res.Points, p)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		v := float64(sum)
		res.Total = aftersales.MetricPoint{Value: &v, N: sum}
		if err := db.label(ctx, q.By, q.Locale, res.Points); err != nil {
			return nil, err
		}
		slices.SortFunc(res.Points, func(a, b aftersales.MetricPoint) int { return cmp.Compare(a.Key, b.Key) })
		return res, nil
	}
	var base int64
	query, args := db.backlogBefore(`SELECT COALESCE(SUM(n), 0) FROM`, ``, dim, val, true, from)
	if err := db.a.QueryRowContext(ctx, query, args...).Scan(&base); err != nil {
		return nil, fmt.Errorf("sqlstore: backlog: %w", err)
	}
	change := map[analytics.Day]int64{}
	query, args = rollupRead([]string{"val", "day", "created - done"}, dim, val, true, from, to, db.monthsFor(dim, span{from, to, wholeGrain(q.Grain)}))
	rows, err := db.a.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: backlog: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		var d, n int64
		if err := rows.Scan(&v, &d, &n); err != nil {
			return nil, err
		}
		change[periodStart(analytics.Day(d), q.Grain)] += n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	open := base
	for p := periodStart(from, q.Grain); p < to; p = nextPeriod(p, q.Grain) {
		open += change[p]
		v := float64(open)
		res.Points = append(res.Points, aftersales.MetricPoint{Period: p.Date(loc), Value: &v, N: open})
	}
	if n := len(res.Points); n > 0 {
		res.Total = res.Points[n-1]
		res.Total.Period = time.Time{}
	}
	return res, nil
}

func civil(d analytics.Day) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

func dayOfCivil(t time.Time) analytics.Day { return analytics.Day(t.Unix() / 86400) }

// periodStart is the first day of the period holding d.
func periodStart(d analytics.Day, g aftersales.Grain) analytics.Day {
	t := civil(d)
	switch g {
	case aftersales.GrainWeek:
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		return d - analytics.Day(wd)
	case aftersales.GrainMonth:
		return dayOfCivil(time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC))
	case aftersales.GrainQuarter:
		m := (int(t.Month())-1)/3*3 + 1
		return dayOfCivil(time.Date(t.Year(), time.Month(m), 1, 0, 0, 0, 0, time.UTC))
	}
	return d
}

func nextPeriod(d analytics.Day, g aftersales.Grain) analytics.Day {
	t := civil(d)
	switch g {
	case aftersales.GrainWeek:
		return d + 7
	case aftersales.GrainMonth:
		return dayOfCivil(t.AddDate(0, 1, 0))
	case aftersales.GrainQuarter:
		return dayOfCivil(t.AddDate(0, 3, 0))
	}
	return d + 1
}

// label names dimension values: teams, people, units, categories,
// products and tiers from their tables; channels, natures and urgencies
// keep their codes for the caller's message catalog. Each query reads the
// Chinese (primary) and the English name; aftersales.LocalName picks.
func (db *DB) label(ctx context.Context, by aftersales.Dimension, locale string, pts []aftersales.MetricPoint) error {
	en := strings.HasPrefix(locale, "en")
	var q string
	switch by {
	case aftersales.DimTeam:
		q = `SELECT CAST(id AS TEXT), name, name_en FROM teams`
	case aftersales.DimTechnician:
		q = `SELECT CAST(id AS TEXT), name, '' FROM users`
	case aftersales.DimPoint, aftersales.DimRegion:
		q = `SELECT CAST(id AS TEXT), name, name_en FROM service_units`
	case aftersales.DimProduct:
		q = `SELECT CAST(id AS TEXT), name, '' FROM products`
	case aftersales.DimCategory:
		q = `SELECT CAST(id AS TEXT), name_zh, name_en FROM product_categories`
	case aftersales.DimTier:
		q = `SELECT code, name_zh, name_en FROM customer_tiers`
	default:
		for i := range pts {
			pts[i].Label = pts[i].Key
		}
		return nil
	}
	b := batchOf(ctx)
	memo := fmt.Sprint(by, en)
	if names, ok := b.labelsOf(memo); ok {
		for i := range pts {
			pts[i].Label = cmp.Or(names[pts[i].Key], pts[i].Key)
		}
		return nil
	}
	names := map[string]string{}
	if b != nil {
		b.labels[memo] = names
	}
	rows, err := db.a.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("sqlstore: labels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, zh, nameEN string
		if err := rows.Scan(&k, &zh, &nameEN); err != nil {
			return err
		}
		names[k] = aftersales.LocalName(locale, zh, nameEN)
	}
	for i := range pts {
		pts[i].Label = cmp.Or(names[pts[i].Key], pts[i].Key)
	}
	return rows.Err()
}

// RecordFeedback stores a follow-up answer; a later answer replaces an
// earlier one. Only resolved or closed tickets can be followed up.
func (db *DB) RecordFeedback(ctx context.Context, f *aftersales.Feedback) error {
	if _, err := db.seeTicket(ctx, f.TicketID); err != nil {
		return err
	}
	u, err := aftersales.Require(ctx, aftersales.PermTicketNote)
	if err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		t, err := db.lockTicket(ctx, tx, f.TicketID)
		if err != nil {
			return err
		}
		if err := canSee(u, t); err != nil {
			return err
		}
		if s := t.Status; s != aftersales.StatusResolved && s != aftersales.StatusClosed {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "Only resolved or closed tickets can be followed up.",
				Fields: []aftersales.FieldError{{Field: "ticket_id", Reason: "the ticket is " + string(s)}}}
		}
		f.At = tx.now
		f.RecordedBy = &u.ID
		_, err = tx.ExecContext(ctx, `INSERT INTO ticket_feedback (ticket_id, csat, nps, comment, channel, recorded_by, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (ticket_id) DO UPDATE SET csat = excluded.csat, nps = excluded.nps, comment = excluded.comment,
				channel = excluded.channel, recorded_by = excluded.recorded_by, at = excluded.at`,
			f.TicketID, intPtr(f.CSAT), intPtr(f.NPS), f.Comment, string(f.Channel), nullInt(f.RecordedBy), ms(f.At))
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: record feedback: %w", err))
		}
		return tx.audit(ctx, "ticket.feedback", "ticket", f.TicketID, f)
	})
}

func intPtr(p *int) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

// Stages sums stage durations of tickets that left the backlog in
// [from, to), overall or per value of by.
func (db *DB) Stages(ctx context.Context, from, to time.Time, by aftersales.Dimension, locale string) ([]*aftersales.StageRow, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	var v aftersales.Validator
	v.Check(to.After(from), "to", "must be after from")
	v.Check(by == "" || by.Valid(), "by", "unknown dimension")
	if err := v.Err(); err != nil {
		return nil, err
	}
	loc := db.location()
	uses := []analytics.Measure{analytics.MDone, analytics.MReassignHops}
	for i := range analytics.StageStatuses {
		uses = append(uses, analytics.MStageSum+analytics.Measure(i), analytics.MStageN+analytics.Measure(i))
	}
	groups, total, err := db.aggregate(ctx, string(by), "", by == "", span{analytics.DayOf(from, loc), analytics.DayOf(to, loc), true}, uses, nil,
		func(k analytics.Key) string { return k.Val })
	if err != nil {
		return nil, fmt.Errorf("sqlstore: stages: %w", err)
	}
	if by == "" {
		groups = map[string]*analytics.Agg{"": total}
	}
	var out []*aftersales.StageRow
	var pts []aftersales.MetricPoint
	for key, a := range groups {
		if a.V[analytics.MDone] == 0 {
			continue
		}
		row := &aftersales.StageRow{Key: key, Tickets: a.V[analytics.MDone]}
		row.Stages, row.Slowest = analytics.Stages(a)
		row.Hops = float64(a.V[analytics.MReassignHops]) / float64(row.Tickets)
		out = append(out, row)
		pts = append(pts, aftersales.MetricPoint{Key: key})
	}
	if by != "" {
		if err := db.label(ctx, by, locale, pts); err != nil {
			return nil, err
		}
		names := map[string]string{}
		for _, p := range pts {
			names[p.Key] = p.Label
		}
		for _, r := range out {
			r.Label = names[r.Key]
		}
	}
	slices.SortFunc(out, func(a, b *aftersales.StageRow) int { return cmp.Compare(b.Tickets, a.Tickets) })
	return out, nil
}

// Aging counts the open tickets (not resolved, closed or cancelled) by
// age in whole local days since creation. Overall, per dimension or
// within a filter on the same dimension it reads the rollups' open
// count by creation day; grouped within a filter on another dimension it
// reads the open tickets' stored KPI facts.
func (db *DB) Aging(ctx context.Context, q aftersales.AgingQuery) ([]*aftersales.AgingRow, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	var v aftersales.Validator
	v.Check(q.By == "" || q.By.Valid(), "by", "unknown dimension")
	v.Check(q.Filter == "" || q.Filter.Valid(), "filter", "unknown dimension")
	v.Check(q.Filter == "" || q.Value != "", "value", "is required with a filter")
	if err := v.Err(); err != nil {
		return nil, err
	}
	today := analytics.DayOf(db.Now(), db.location())
	// counts[key][age in days] = open tickets
	counts := map[string]map[int]int64{}
	add := func(key string, age int, n int64) {
		if counts[key] == nil {
			counts[key] = map[int]int64{}
		}
		counts[key][max(0, age)] += n
	}
	if q.Filter != "" && q.By != "" && q.Filter != q.By {
		if err := db.agingFromFacts(ctx, q, today, add); err != nil {
			return nil, err
		}
	} else {
		dim, val := string(q.By), q.Value
		if q.By == "" {
			dim = string(q.Filter)
		}
		// Open counts by creation day, from the covering index
		// kpi_daily_open: only days with open tickets, no histograms read.
		where, args := ` WHERE dim = $1 AND open_now <> 0 AND day <= $2`, []any{dim, int64(today)}
		if q.Filter != "" {
			where, args = where+` AND val = $3`, append(args, val)
		}
		err := db.each(ctx, `SELECT val, day, open_now FROM kpi_daily`+where, args, func(scan func(...any) error) error {
			var v string
			var day, n int64
			if err := scan(&v, &day, &n); err != nil {
				return err
			}
			if q.By == "" {
				v = ""
			}
			add(v, int(today)-int(day), n)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("sqlstore: aging: %w", err)
		}
	}
	var out []*aftersales.AgingRow
	var pts []aftersales.MetricPoint
	for key, byAge := range counts {
		r := &aftersales.AgingRow{Key: key, Counts: make([]int64, len(aftersales.AgingBins))}
		ages := make([]int, 0, len(byAge))
		for age, n := range byAge {
			if n <= 0 {
				continue
			}
			ages = append(ages, age)
			r.Open += n
			i := len(aftersales.AgingBins) - 1
			for i > 0 && age < aftersales.AgingBins[i] {
				i--
			}
			r.Counts[i] += n
		}
		if r.Open == 0 {
			continue
		}
		slices.Sort(ages)
		r.OldestDays = float64(ages[len(ages)-1])
		r.MedianDays = medianAge(byAge, ages, r.Open)
		out = append(out, r)
		pts = append(pts, aftersales.MetricPoint{Key: key})
	}
	if q.By != "" {
		if err := db.label(ctx, q.By, q.Locale, pts); err != nil {
			return nil, err
		}
		labels := map[string]string{}
		for _, p := range pts {
			labels[p.Key] = p.Label
		}
		for _, r := range out {
			r.Label = labels[r.Key]
		}
	}
	// Most open first, then by key.
	slices.SortFunc(out, func(a, b *aftersales.AgingRow) int {
		return cmp.Or(cmp.Compare(b.Open, a.Open), cmp.Compare(a.Key, b.Key))
	})
	if out == nil {
		out = []*aftersales.AgingRow{}
	}
	return out, nil
}

// medianAge is the median of n ages given as counts per age (ages sorted).
func medianAge(byAge map[int]int64, ages []int, n int64) float64 {
	at := func(rank int64) int { // 0-based rank
		var cum int64
		for _, a := range ages {
			if cum += byAge[a]; cum > rank {
				return a
			}
		}
		return ages[len(ages)-1]
	}
	if n%2 == 1 {
		return float64(at(n / 2))
	}
	return float64(at(n/2-1)+at(n/2)) / 2
}

// agingFromFacts is Aging grouped within a filter on another dimension:
// the open tickets' facts give both values.
func (db *DB) agingFromFacts(ctx context.Context, q aftersales.AgingQuery, today analytics.Day, add func(string, int, int64)) error {
	bi, fi := slices.Index(aftersales.Dimensions, q.By), slices.Index(aftersales.Dimensions, q.Filter)
	loc := db.location()
	rows, err := db.a.QueryContext(ctx, `SELECT t.created_at, f.fact FROM tickets t JOIN kpi_facts f ON f.ticket_id = t.id
		WHERE t.status NOT IN ('resolved', 'closed', 'cancelled')`)
	if err != nil {
		return fmt.Errorf("sqlstore: aging: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var created int64
		var b []byte
		if err := rows.Scan(&created, &b); err != nil {
			return err
		}
		f, err := analytics.DecodeFact(b)
		if err != nil {
			return err
		}
		if fi >= len(f.Dims) || bi >= len(f.Dims) || f.Dims[fi] != q.Value || f.Dims[bi] == "" {
			continue
		}
		add(f.Dims[bi], int(today-analytics.DayOf(fromMS(created), loc)), 1)
	}
	return rows.Err()
}
