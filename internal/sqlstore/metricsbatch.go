package sqlstore

import (
	"context"
	"slices"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

// A page such as the dashboard asks for some fifty KPI series at once.
// Asked one by one, each read the rollups' watermark and its own few
// columns of kpi_daily: over two hundred round trips a render. Metrics
// answers them together: the watermark is read once, and the queries
// over one scope (a dimension, or one value of it) share one read of
// kpi_daily, of every column and day any of them needs. Each query is
// then evaluated exactly as Metric evaluates it, over the rows of its own
// days and only its own columns, so the answers are Metric's.

// Metrics answers every query as Metric would, in order, with one read
// of the rollups per scope instead of one per query.
func (db *DB) Metrics(ctx context.Context, qs []aftersales.MetricQuery) ([]*aftersales.MetricResult, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	return db.metrics(ctx, qs)
}

func (db *DB) metrics(ctx context.Context, qs []aftersales.MetricQuery) ([]*aftersales.MetricResult, error) {
	return db.metricsIn(ctx, qs, &readBatch{labels: map[string]map[string]string{}, dailyOnly: db.dailyOnly})
}

func (db *DB) metricsIn(ctx context.Context, qs []aftersales.MetricQuery, b *readBatch) ([]*aftersales.MetricResult, error) {
	loc := db.location()
	for _, q := range qs {
		b.plan(q, loc)
	}
	lag, err := db.rollupLag(ctx)
	if err != nil {
		return nil, err
	}
	b.lag = &lag
	ctx = context.WithValue(ctx, batchKey{}, b)
	out := make([]*aftersales.MetricResult, len(qs))
	for i, q := range qs {
		if out[i], err = db.metric(ctx, q); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type batchKey struct{}

// readBatch is what the queries of one Metrics call share.
type readBatch struct {
	lag    *aftersales.RollupLag
	scopes []*scopeRows
	// labels are the names of dimension values, by dimension and
	// language (label).
	labels map[string]map[string]string
	// util is utilisation's calendars and network (utilEnv).
	util *utilisationEnv
	// dailyOnly reads no month from kpi_monthly (DB.dailyOnly).
	dailyOnly bool
	// reads counts the queries of kpi_daily through aggregate.
	reads int
}

func batchOf(ctx context.Context) *readBatch {
	b, _ := ctx.Value(batchKey{}).(*readBatch)
	return b
}

// scopeRows is one read of kpi_daily: the rows of dim (of val only when
// oneVal) over [from, to), with the union of the columns the batch's
// queries of that scope use. It is read when first needed.
type scopeRows struct {
	dim, val string
	oneVal   bool
	from, to analytics.Day
	uses     []analytics.Measure
	hists    []analytics.HistKind
	// spans are the planned readers' days; months, chosen from them
	// once (planned), are read from kpi_monthly (monthsRead).
	// A scope of a daily-only batch starts planned, with no months.
	spans   []span
	months  []analytics.Day
	planned bool
	read    bool
	rows    []scopeRow
}

// monthsOf is the months the scope reads from kpi_monthly, chosen when
// first asked: every query is planned by then.
func (s *scopeRows) monthsOf() []analytics.Day {
	if !s.planned {
		s.months = monthsRead(s.dim, s.from, s.to, s.spans)
	}
	s.planned = true
	return s.months
}

// scopeRow is a row of kpi_daily, or of kpi_monthly (day is then the
// month's first day).
type scopeRow struct {
	val string
	day analytics.Day
	a   *analytics.Agg
}

// plan notes the kpi_daily read q will make, as metric would make it.
// Queries answered another way (pair rollups, the backlog, utilisation)
// or that metric rejects read as they always did.
func (b *readBatch) plan(q aftersales.MetricQuery, loc *time.Location) {
	if q.Validate() != nil {
		return
	}
	k, ok := analytics.Lookup(q.KPI)
	if !ok || k.Unavailable != "" {
		return
	}
	from, to := analytics.DayOf(q.From, loc), analytics.DayOf(q.To, loc)
	switch {
	case k.Key == analytics.UtilisationKey || k.Key == analytics.BacklogKey:
		return
	case k.Key == analytics.CostRatioKey:
		uses := []analytics.Measure{analytics.MCost}
		b.add(string(q.Filter), q.Value, true, span{from, to, true}, uses, nil)
		if q.By != "" && q.By != q.Filter {
			b.add(string(q.By), "", false, span{from, to, true}, uses, nil)
		}
		return
	case q.Filter != "" && q.By != "" && q.Filter != q.By:
		return // the pair rollups
	}
	dim, val := string(q.Filter), q.Value
	if q.By != "" {
		dim = string(q.By)
	}
	uses, hists := k.Columns()
	b.add(dim, val, q.By == "" || val != "", span{from, to, wholeGrain(q.Grain)}, uses, hists)
}

// add widens (or creates) the scope for a read of dim/val over the
// reader's days of uses and hists.
func (b *readBatch) add(dim, val string, oneVal bool, sp span, uses []analytics.Measure, hists []analytics.HistKind) {
	if !oneVal {
		val = ""
	}
	from, to := sp.from, sp.to
	for _, s := range b.scopes {
		if s.dim == dim && s.oneVal == oneVal && s.val == val {
			s.from, s.to = min(s.from, from), max(s.to, to)
			s.spans = append(s.spans, sp)
			for _, m := range uses {
				if !slices.Contains(s.uses, m) {
					s.uses = append(s.uses, m)
				}
			}
			for _, h := range hists {
				if !slices.Contains(s.hists, h) {
					s.hists = append(s.hists, h)
				}
			}
			return
		}
	}
	b.scopes = append(b.scopes, &scopeRows{dim: dim, val: val, oneVal: oneVal, from: from, to: to,
		uses: slices.Clone(uses), hists: slices.Clone(hists), spans: []span{sp}, planned: b.dailyOnly})
}

// find is the planned scope holding the read of dim/val over the
// reader's days of uses and hists, or nil. Each of the scope's monthly
// rows must lie wholly inside the reader's days or outside them.
func (b *readBatch) find(dim, val string, oneVal bool, sp span, uses []analytics.Measure, hists []analytics.HistKind) *scopeRows {
	for _, s := range b.scopes {
		if s.dim != dim || (s.oneVal && (!oneVal || s.val != val)) || sp.from < s.from || sp.to > s.to {
			continue
		}
		if !containsAll(s.uses, uses) || !containsAll(s.hists, hists) {
			continue
		}
		if !slices.ContainsFunc(s.monthsOf(), func(m analytics.Day) bool { return !fitsMonth(m, sp) }) {
			return s
		}
	}
	return nil
}

func containsAll[T comparable](have, want []T) bool {
	for _, x := range want {
		if !slices.Contains(have, x) {
			return false
		}
	}
	return true
}

// load reads the scope's rows once.
func (db *DB) loadScope(ctx context.Context, s *scopeRows) error {
	if s.read {
		return nil
	}
	if b := batchOf(ctx); b != nil {
		b.reads++
	}
	query, args := rollupRead(rollupCols(s.uses, s.hists), s.dim, s.val, s.oneVal, s.from, s.to, s.monthsOf())
	rows, err := db.a.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	blobs := make([][]byte, len(s.hists))
	for rows.Next() {
		r := scopeRow{a: new(analytics.Agg)}
		var day int64
		dest := []any{&r.val, &day}
		for _, m := range s.uses {
			dest = append(dest, &r.a.V[m])
		}
		for i := range s.hists {
			dest = append(dest, &blobs[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		r.day = analytics.Day(day)
		for i, h := range s.hists {
			if r.a.H[h], err = analytics.DecodeHist(blobs[i]); err != nil {
				return err
			}
		}
		s.rows = append(s.rows, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.read = true
	return nil
}

// aggregateRows is aggregate over a scope read already: the rows of its
// days (and value), each with only the columns in uses and hists, as
// aggregate would have read them.
func (s *scopeRows) aggregate(dim, val string, oneVal bool, from, to analytics.Day, uses []analytics.Measure, hists []analytics.HistKind,
	group func(analytics.Key) string) (map[string]*analytics.Agg, *analytics.Agg) {
	groups := map[string]*analytics.Agg{}
	total := new(analytics.Agg)
	var a analytics.Agg
	for _, r := range s.rows {
		if r.day < from || r.day >= to || (oneVal && r.val != val) {
			continue
		}
		for _, m := range uses {
			a.V[m] = r.a.V[m]
		}
		for _, h := range hists {
			a.H[h] = r.a.H[h]
		}
		g := group(analytics.Key{Dim: dim, Val: r.val, Day: r.day})
		if groups[g] == nil {
			groups[g] = new(analytics.Agg)
		}
		groups[g].Merge(&a, 1)
		total.Merge(&a, 1)
	}
	return groups, total
}

// labelsOf is the names label read for memo within the batch, if any.
func (b *readBatch) labelsOf(memo string) (map[string]string, bool) {
	if b == nil {
		return nil, false
	}
	names, ok := b.labels[memo]
	return names, ok
}
