package console

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

type tile struct {
	KPI         aftersales.KPIInfo
	Value, Prev *float64
	N           int64
	// Scale shows the tile's value, target and change in one unit, the
	// unit the selected KPI's charts use too.
	Scale  unitScale
	Target *float64
	Spark  opt
	URL    string
	// Count and Of are the drill-down's tickets, Amount its cost (see
	// chartItem).
	Count, Of, Amount *int64
	// Partial, when the last month is not over (or cut by the range),
	// says which days it holds and which days of the month before it is
	// compared with.
	Partial string
	// Good says whether the change since the previous period is an
	// improvement (by the KPI's direction); nil when there is no change.
	Good *bool
}

// Change is the difference with the previous period.
func (t tile) Change() *float64 {
	if t.Value == nil || t.Prev == nil {
		return nil
	}
	d := *t.Value - *t.Prev
	return &d
}

type filterOption struct {
	Dim   aftersales.Dimension
	Value string
	Label string
}

// agingRow is a row of the aging table with the ticket-list link of each
// bin.
type agingRow struct {
	*aftersales.AgingRow
	URLs []string
}

type dashView struct {
	KPI      aftersales.KPIInfo
	KPIs     []aftersales.KPIInfo
	Months   int
	End      string // YYYY-MM
	Filter   aftersales.Dimension
	Value    string
	Scope    string // the filter's label
	Options  []filterOption
	From, To time.Time
	Tiles    []tile
	Trend    opt
	Techs    opt
	Pareto   opt
	Heat     opt
	Dist     opt
	// NotFiltered names the comparison charts the filter cannot apply to.
	NotFiltered bool
	Stages      opt
	StageRows   []*aftersales.StageRow
	Scores      []*aftersales.QualityScore
	Overall     *aftersales.QualityScore
	Aging       []agingRow
	Unavailable string
	// Lag is the rollups' watermark behind the answers; LagNote says it
	// when changes are still being folded in.
	Lag     aftersales.RollupLag
	LagNote string
	// Grain is the trend's period; RangeFrom and RangeTo a free date
	// range (inclusive dates) instead of Months up to End.
	Grain              aftersales.Grain
	RangeFrom, RangeTo string
	// Today is the first day not yet over: a period reaching it is
	// partial.
	Today time.Time
}

func (v *dashView) query() string {
	q := url.Values{"kpi": {v.KPI.Key}, "grain": {string(v.Grain)}}
	if v.RangeFrom != "" {
		q.Set("from", v.RangeFrom)
		q.Set("to", v.RangeTo)
	} else {
		q.Set("months", strconv.Itoa(v.Months))
		q.Set("end", v.End)
	}
	if v.Filter != "" {
		q.Set("filter", string(v.Filter))
		q.Set("value", v.Value)
	}
	return q.Encode()
}

// span is the part of a period (starting at start) inside the range and
// before tomorrow, and whether that is less than the whole period.
func (v *dashView) span(start time.Time, g aftersales.Grain) (from, to time.Time, partial bool) {
	end := nextPeriodStart(start, g)
	from, to = start, end
	if from.Before(v.From) {
		from = v.From
	}
	if to.After(v.To) {
		to = v.To
	}
	if tomorrow := v.Today.AddDate(0, 0, 1); to.After(tomorrow) {
		to = tomorrow
	}
	return from, to, !from.Equal(start) || !to.Equal(end)
}

// nextPeriodStart is the start of the period after the one at t.
func nextPeriodStart(t time.Time, g aftersales.Grain) time.Time {
	switch g {
	case aftersales.GrainDay:
		return t.AddDate(0, 0, 1)
	case aftersales.GrainWeek:
		return t.AddDate(0, 0, 7)
	case aftersales.GrainQuarter:
		return t.AddDate(0, 3, 0)
	}
	return t.AddDate(0, 1, 0)
}

// grainLabel names a period of a grain: 2026-07, 2026-Q3, or its first day.
func grainLabel(t time.Time, g aftersales.Grain) string {
	switch g {
	case aftersales.GrainMonth:
		return fmtPeriod(t)
	case aftersales.GrainQuarter:
		return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())+2)/3)
	}
	return t.Format(time.DateOnly)
}

// Query is the dashboard's own query string, for links that keep it.
func (v *dashView) Query() string { return v.query() }

func fmtPeriod(t time.Time) string { return t.Format("2006-01") }

// dashboard is the quality overview: KPI tiles, the trend of one KPI,
// comparison by technician, the Pareto of complaint causes, a region ×
// month heat map, the resolution-time distribution and quality scores.
// Every bar, point and cell links to the tickets behind it.
func (c *Console) dashboard(w http.ResponseWriter, r *http.Request) {
	c.adminPage(w, r, "dashboard", "dashboard", "dash.title", func(p *Page) error {
		ctx := r.Context()
		if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
			return err
		}
		q := r.URL.Query()
		v := &dashView{KPIs: c.S.Metrics.KPIs(), Months: 12, Filter: aftersales.Dimension(q.Get("filter")), Value: q.Get("value")}
		if s := q.Get("scope"); s != "" {
			v.Filter, v.Value = splitOption(s)
		}
		p.Data = v
		var val aftersales.Validator
		key := cmp.Or(q.Get("kpi"), "res_sla")
		k, ok := analytics.Lookup(key)
		val.Check(ok, "kpi", "unknown KPI")
		if !ok {
			k, _ = analytics.Lookup("res_sla")
		}
		v.KPI = k.KPIInfo
		if m := q.Get("months"); m != "" {
			n, err := strconv.Atoi(m)
			val.Check(err == nil && (n == 3 || n == 6 || n == 12 || n == 24), "months", "must be 3, 6, 12 or 24")
			if err == nil && (n == 3 || n == 6 || n == 12 || n == 24) {
				v.Months = n
			}
		}
		now := c.Now().In(c.Zone)
		v.Today = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, c.Zone)
		v.Grain = aftersales.Grain(cmp.Or(q.Get("grain"), string(aftersales.GrainMonth)))
		val.Check(v.Grain.Valid(), "grain", "must be day, week, month or quarter")
		if !v.Grain.Valid() {
			v.Grain = aftersales.GrainMonth
		}
		endMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, c.Zone)
		if e := q.Get("end"); e != "" {
			t, err := time.ParseInLocation("2006-01", e, c.Zone)
			val.Check(err == nil, "end", "must be a month as YYYY-MM")
			if err == nil {
				endMonth = t
			}
		}
		val.Check(v.Filter == "" || v.Filter.Valid(), "filter", "unknown dimension")
		if err := val.Err(); err != nil {
			return err
		}
		v.End = endMonth.Format("2006-01")
		v.To = endMonth.AddDate(0, 1, 0)
		v.From = endMonth.AddDate(0, 1-v.Months, 0)
		if f, t := q.Get("from"), q.Get("to"); f != "" || t != "" {
			from, err1 := time.ParseInLocation(time.DateOnly, f, c.Zone)
			to, err2 := time.ParseInLocation(time.DateOnly, t, c.Zone)
			val.Check(err1 == nil, "from", "must be a date as YYYY-MM-DD")
			val.Check(err2 == nil, "to", "must be a date as YYYY-MM-DD")
			if err1 == nil && err2 == nil {
				to = to.AddDate(0, 0, 1)
				val.Check(to.After(from), "to", "must not be before from")
				val.Check(!to.After(from.AddDate(5, 0, 0)), "to", "the range is longer than 5 years")
				// A point a day: a year at most stays readable.
				val.Check(v.Grain != aftersales.GrainDay || !to.After(from.AddDate(0, 0, 366)), "grain", "by day, at most a year")
				v.From, v.To, v.RangeFrom, v.RangeTo = from, to, f, t
			}
			if err := val.Err(); err != nil {
				return err
			}
		}
		if err := c.dashOptions(r, v, p); err != nil {
			return err
		}
		targets := map[string]*float64{}
		ts, err := c.S.Quality.Targets(ctx)
		if err != nil {
			return err
		}
		for _, t := range ts {
			targets[t.KPI] = &t.Target
		}
		// within says whether a comparison by a dimension can be drawn
		// under the filter: the same dimension, or a pair the rollups keep.
		paired := func(by aftersales.Dimension) bool {
			return v.Filter == "" || by == v.Filter ||
				analytics.Paired(slices.Index(aftersales.Dimensions, v.Filter), slices.Index(aftersales.Dimensions, by))
		}
		// within is paired for the selected KPI's own comparisons.
		within := func(by aftersales.Dimension) bool { return k.Groupable(by) && paired(by) }
		mqFor := func(kpi string, by aftersales.Dimension, grain aftersales.Grain) aftersales.MetricQuery {
			mq := aftersales.MetricQuery{KPI: kpi, From: v.From, To: v.To, Grain: grain, By: by, Locale: p.Lang}
			mk, _ := analytics.Lookup(kpi)
			if mk.Store == analytics.StoreRevenue {
				// Revenue is kept per month: the cost ratio reads whole
				// months, the range's first to its last.
				mq.From = time.Date(v.From.Year(), v.From.Month(), 1, 0, 0, 0, 0, c.Zone)
				last := v.To.AddDate(0, 0, -1)
				mq.To = time.Date(last.Year(), last.Month()+1, 1, 0, 0, 0, 0, c.Zone)
				if grain == aftersales.GrainDay || grain == aftersales.GrainWeek {
					mq.Grain = aftersales.GrainMonth
				}
			}
			if tomorrow := v.Today.AddDate(0, 0, 1); mk.Store == analytics.StoreCalendars && mq.To.After(tomorrow) && tomorrow.After(mq.From) {
				// Shifts to come have no visits booked yet: the dashboard,
				// like its partial months, counts up to today.
				mq.To = tomorrow
			}
			if v.Filter != "" {
				mq.Filter, mq.Value = v.Filter, v.Value
			}
			return mq
		}
		// Every series the page draws is asked for at once, below, and
		// answered from pre; a series not there is asked for alone.
		pre := map[string]*aftersales.MetricResult{}
		qkey := func(mq aftersales.MetricQuery) string {
			return fmt.Sprint(mq.KPI, mq.From.UnixMilli(), mq.To.UnixMilli(), mq.Grain, mq.By, mq.Filter, mq.Value, mq.Locale)
		}
		answer := func(mq aftersales.MetricQuery) (*aftersales.MetricResult, error) {
			if res, ok := pre[qkey(mq)]; ok {
				return res, nil
			}
			return c.S.Metrics.Metric(ctx, mq)
		}
		metric := func(kpi string, by aftersales.Dimension, grain aftersales.Grain) (*aftersales.MetricResult, error) {
			res, err := answer(mqFor(kpi, by, grain))
			if err == nil && (res.Lag.Pending > v.Lag.Pending || res.Lag.ReplicaBehind > v.Lag.ReplicaBehind) {
				v.Lag = res.Lag
			}
			return res, err
		}
		// prevFor is the query of the same days of the month before, when
		// a tile's last month (from, to) is partial.
		prevFor := func(key string, from, to time.Time) aftersales.MetricQuery {
			days := int(to.Sub(from).Hours()/24 + 0.5)
			pf := from.AddDate(0, -1, 0)
			return aftersales.MetricQuery{KPI: key, From: pf, To: pf.AddDate(0, 0, days), Locale: p.Lang, Filter: v.Filter, Value: v.Value}
		}
		var batch []aftersales.MetricQuery
		ask := func(mq aftersales.MetricQuery) {
			if !slices.ContainsFunc(batch, func(q aftersales.MetricQuery) bool { return qkey(q) == qkey(mq) }) {
				batch = append(batch, mq)
			}
		}
		for _, tk := range analytics.Tiles() {
			key := tk.Key
			if !tk.Groupable(v.Filter) {
				continue
			}
			mq := mqFor(key, "", aftersales.GrainMonth)
			ask(mq)
			if tk.Unavailable == "" && tk.Store != analytics.StoreRevenue {
				// The tile's last month is the one holding the query's
				// last day (checked against the answer below).
				last := mq.To.AddDate(0, 0, -1)
				if from, to, partial := v.span(time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, c.Zone), aftersales.GrainMonth); partial {
					ask(prevFor(key, from, to))
				}
			}
		}
		if k.Unavailable == "" && k.Groupable(v.Filter) {
			ask(mqFor(k.Key, "", v.Grain))
			if within(aftersales.DimTechnician) {
				ask(mqFor(k.Key, aftersales.DimTechnician, ""))
			}
			if paired(aftersales.DimCategory) {
				ask(mqFor("complaints", aftersales.DimCategory, ""))
			}
			if within(aftersales.DimRegion) {
				ask(mqFor(k.Key, aftersales.DimRegion, aftersales.GrainMonth))
			}
			if _, ok := k.Dist(); !ok {
				ask(mqFor("resolution_median", "", aftersales.GrainMonth))
			}
		}
		// A failed batch leaves pre empty: each series is then asked for
		// alone, and the one that fails says why.
		if res, err := c.S.Metrics.Metrics(ctx, batch); err == nil {
			for i, r := range res {
				pre[qkey(batch[i])] = r
			}
		}
		drill := func(kpi analytics.KPI, dim aftersales.Dimension, val string, from, to time.Time) string {
			if kpi.Store == analytics.StoreRevenue {
				// Its value is whole months of cost against their revenue.
				from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, c.Zone)
				last := to.AddDate(0, 0, -1)
				to = time.Date(last.Year(), last.Month()+1, 1, 0, 0, 0, 0, c.Zone)
			}
			if dim == "" && v.Filter != "" {
				dim, val = v.Filter, v.Value
			}
			if kpi.DrillTo == analytics.DrillDispatch {
				// Technicians' days, not tickets: the dispatch board of the
				// period's first day (of the service point, when one is
				// chosen) shows the shifts and the visits booked in them.
				return analytics.DrillPath(kpi, dim, val, from, to)
			}
			q := analytics.DrillQuery(kpi, dim, val, from, to)
			if v.Filter != "" && dim != v.Filter {
				for name, vs := range analytics.DrillQuery(kpi, v.Filter, v.Value, from, to) {
					q[name] = vs
				}
			}
			return "/tickets?" + q.Encode()
		}
		// periodURLs labels a series' periods (a partial one says so) and
		// links each to the tickets of its days within the range.
		periodURLs := func(kpi analytics.KPI, pts []aftersales.MetricPoint, g aftersales.Grain) ([]string, []*float64, []string, []bool) {
			var labels, urls []string
			var vals []*float64
			var partial []bool
			for _, pt := range pts {
				from, to, part := v.span(pt.Period, g)
				label := grainLabel(pt.Period, g)
				if part {
					label = fmt.Sprintf(p.T("dash.partial_label"), label)
				}
				labels = append(labels, label)
				vals = append(vals, pt.Value)
				urls = append(urls, drill(kpi, "", "", from, to))
				partial = append(partial, part)
			}
			return labels, vals, urls, partial
		}

		for _, tk := range analytics.Tiles() {
			key := tk.Key
			if !tk.Groupable(v.Filter) {
				continue // the cost ratio under a channel, say: revenue is not kept that way
			}
			res, err := metric(key, "", aftersales.GrainMonth)
			if err != nil {
				return err
			}
			t := tile{KPI: tk.KPIInfo, Target: targets[key]}
			if n := len(res.Points); n > 0 {
				last := res.Points[n-1]
				t.Value, t.N = last.Value, last.N
				from, to, partial := v.span(last.Period, aftersales.GrainMonth)
				if n > 1 {
					t.Prev = res.Points[n-2].Value
				}
				if partial {
					// Like with like: the same days of the month before.
					days := int(to.Sub(from).Hours()/24 + 0.5)
					pf := from.AddDate(0, -1, 0)
					pt := pf.AddDate(0, 0, days)
					t.Partial = fmt.Sprintf(p.T("dash.partial_tile"), from.Format("01-02"), to.AddDate(0, 0, -1).Format("01-02"),
						pf.Format("01-02"), pt.AddDate(0, 0, -1).Format("01-02"))
					if tk.Store != analytics.StoreRevenue {
						prev, err := answer(prevFor(key, from, to))
						if err != nil {
							return err
						}
						t.Prev = prev.Total.Value
					} else {
						t.Prev = nil // a month's revenue against part of its cost says nothing
					}
				}
				t.URL = drill(tk, "", "", from, to)
				it := chartItem{}.counted(tk, last)
				t.Count, t.Of, t.Amount = it.Count, it.Of, it.Amount
			}
			ref := 0.0
			switch {
			case t.Value != nil:
				ref = *t.Value
			case t.Target != nil:
				ref = *t.Target
			}
			t.Scale = p.scaleFor(tk.Unit, ref)
			if ch := t.Change(); ch != nil && *ch != 0 {
				good := (*ch > 0) == tk.HigherIsBetter
				t.Good = &good
			}
			_, vals, _, _ := periodURLs(tk, res.Points, aftersales.GrainMonth)
			t.Spark = sparkline(vals)
			v.Tiles = append(v.Tiles, t)
		}
		// Reads never wait for the rollups to catch up; they say so.
		if n := v.Lag.Pending; n > 0 {
			v.LagNote = fmt.Sprintf(p.T("dash.lag_count"), thousands(n))
			if at := v.Lag.Oldest; at != nil {
				v.LagNote = fmt.Sprintf(p.T("dash.lag"), thousands(n), at.In(c.Zone).Format("2006-01-02 15:04"))
			}
		}
		if s := v.Lag.ReplicaBehind; s >= 1 {
			v.LagNote = strings.TrimSpace(v.LagNote + " " + fmt.Sprintf(p.T("dash.replica_behind"), thousands(int64(s))))
		}

		if k.Unavailable != "" {
			v.Unavailable = k.Unavailable
			return nil
		}
		if !k.Groupable(v.Filter) {
			v.Unavailable = p.T("dash.per_product_only")
			if k.Store == analytics.StoreCalendars {
				v.Unavailable = p.T("dash.per_technician_only")
			}
			return nil
		}
		unit := p.T("kunit." + k.Unit)
		res, err := metric(k.Key, "", v.Grain)
		if err != nil {
			return err
		}
		// One unit for the KPI on the page: its tile's. Durations are drawn
		// in the hours or days the tile says, not in minutes.
		sc := unitScale{Div: 1}
		if k.Unit == "minutes" {
			ref := 0.0
			if res.Total.Value != nil {
				ref = *res.Total.Value
			}
			for _, t := range v.Tiles {
				if t.KPI.Key == k.Key {
					sc, ref = t.Scale, -1
				}
			}
			if ref >= 0 {
				sc = p.scaleFor(k.Unit, ref)
			}
			unit = strings.TrimSpace(sc.Suffix)
		}
		scaled := func(xs []*float64) []*float64 {
			if sc.Div == 1 {
				return xs
			}
			out := make([]*float64, len(xs))
			for i, x := range xs {
				if x != nil {
					y := *x / sc.Div
					out[i] = &y
				}
			}
			return out
		}
		target := targets[k.Key]
		if target != nil {
			target = scaled([]*float64{target})[0]
		}
		labels, vals, urls, partial := periodURLs(k, res.Points, v.Grain)
		v.Trend = withCounts(lineChart(labels, scaled(vals), urls, unit, target, p.T("dash.target")), k, res.Points)
		markPartial(v.Trend, partial)

		v.NotFiltered = !within(aftersales.DimTechnician) || !within(aftersales.DimCategory) || !within(aftersales.DimRegion)
		if within(aftersales.DimTechnician) {
			res, err := metric(k.Key, aftersales.DimTechnician, "")
			if err != nil {
				return err
			}
			pts := slices.DeleteFunc(res.Points, func(p aftersales.MetricPoint) bool { return p.Value == nil })
			slices.SortFunc(pts, func(a, b aftersales.MetricPoint) int {
				if k.HigherIsBetter {
					return cmp.Compare(*b.Value, *a.Value)
				}
				return cmp.Compare(*a.Value, *b.Value)
			})
			pts = pts[:min(len(pts), 30)]
			var labels, urls []string
			var vals []*float64
			for _, pt := range pts {
				labels, vals = append(labels, pt.Label), append(vals, pt.Value)
				urls = append(urls, drill(k, aftersales.DimTechnician, pt.Key, v.From, v.To))
			}
			v.Techs = withCounts(barChart(labels, scaled(vals), urls, unit, target, p.T("dash.target")), k, pts)
		}

		if paired(aftersales.DimCategory) {
			ck, _ := analytics.Lookup("complaints")
			res, err := metric("complaints", aftersales.DimCategory, "")
			if err != nil {
				return err
			}
			counts, label := map[string]float64{}, map[string]string{}
			for _, pt := range res.Points {
				if pt.Value != nil {
					counts[pt.Key], label[pt.Key] = *pt.Value, pt.Label
				}
			}
			// Complaints without a category are "other", last.
			if res.Total.Value != nil {
				var named float64
				for _, n := range counts {
					named += n
				}
				if rest := *res.Total.Value - named; rest > 0 && v.Filter == "" {
					counts[analytics.OtherKey], label[analytics.OtherKey] = rest, p.T("dash.uncategorised")
				}
			}
			items := analytics.Pareto(counts)
			var labels, urls []string
			for _, it := range items {
				labels = append(labels, label[it.Key])
				u := ""
				if it.Key != analytics.OtherKey {
					u = drill(ck, aftersales.DimCategory, it.Key, v.From, v.To)
				}
				urls = append(urls, u)
			}
			v.Pareto = paretoChart(items, labels, urls, p.T("dash.complaints"), p.T("dash.cumulative"))
			// A bar is a count of complaints: its drill-down lists them.
			bars := v.Pareto["series"].([]opt)[0]["data"].([]chartItem)
			for i, it := range items {
				if urls[i] != "" {
					bars[i].Count = ptr(int64(math.Round(it.Count)))
				}
			}
		}

		if within(aftersales.DimRegion) {
			res, err := metric(k.Key, aftersales.DimRegion, aftersales.GrainMonth)
			if err != nil {
				return err
			}
			var cols []string
			colOf := map[string]int{}
			for m := time.Date(v.From.Year(), v.From.Month(), 1, 0, 0, 0, 0, c.Zone); m.Before(v.To); m = m.AddDate(0, 1, 0) {
				colOf[fmtPeriod(m)] = len(cols)
				cols = append(cols, fmtPeriod(m))
			}
			var rows []string
			rowOf := map[string]int{}
			var cells [][]*float64
			var urls [][]string
			cellPts := map[[2]int]aftersales.MetricPoint{}
			for _, pt := range res.Points {
				y, ok := rowOf[pt.Key]
				if !ok {
					y = len(rows)
					rowOf[pt.Key] = y
					rows = append(rows, pt.Label)
					cells = append(cells, make([]*float64, len(cols)))
					urls = append(urls, make([]string, len(cols)))
				}
				if x, ok := colOf[fmtPeriod(pt.Period)]; ok {
					cellPts[[2]int{x, y}] = pt
					cells[y][x] = pt.Value
					from, to, _ := v.span(pt.Period, aftersales.GrainMonth)
					urls[y][x] = drill(k, aftersales.DimRegion, pt.Key, from, to)
				}
			}
			for i := range cells {
				cells[i] = scaled(cells[i])
			}
			v.Heat = heatmap(cols, rows, cells, urls, unit, k.HigherIsBetter)
			for i, it := range v.Heat["series"].([]opt)[0]["data"].([]chartItem) {
				xy := it.Value.([]any)
				v.Heat["series"].([]opt)[0]["data"].([]chartItem)[i] = it.counted(k, cellPts[[2]int{xy[0].(int), xy[1].(int)}])
			}
		}

		dist, dk := res, k
		if _, ok := k.Dist(); !ok {
			dk, _ = analytics.Lookup("resolution_median")
			if dist, err = metric(dk.Key, "", aftersales.GrainMonth); err != nil {
				return err
			}
		}
		var dl, du []string
		var dc []float64
		for i, b := range dist.Distribution {
			dl = append(dl, durationLabel(b.From, b.To, p))
			dc = append(dc, b.Count)
			du = append(du, "/tickets?"+analytics.DistDrillQuery(dk, i, v.Filter, v.Value, v.From, v.To).Encode())
		}
		v.Dist = distChart(dl, dc, du, p.T("dash.tickets"))

		if v.Filter == "" || v.Filter == aftersales.DimTeam {
			rows, err := c.S.Metrics.Stages(ctx, v.From, v.To, aftersales.DimTeam, p.Lang)
			if err != nil {
				return err
			}
			if v.Filter == aftersales.DimTeam {
				rows = slices.DeleteFunc(rows, func(r *aftersales.StageRow) bool { return r.Key != v.Value })
			}
			var labels, names []string
			var urls [][]string
			var hours [][]float64
			// Time waiting to be closed after resolution is the customer's,
			// not a service stage: the table shows it apart, the chart not.
			for _, st := range analytics.StageStatuses {
				if st != aftersales.StatusResolved {
					names = append(names, p.T("status."+string(st)))
				}
			}
			for _, r := range rows {
				labels = append(labels, r.Label)
				var h []float64
				var us []string
				for j, st := range r.Stages {
					if st.Status == aftersales.StatusResolved {
						continue
					}
					h = append(h, st.MeanHours)
					// The mean's sample: the team's tickets that passed
					// through the stage and left the backlog in the period.
					us = append(us, "/tickets?"+url.Values{analytics.ParamKPI: {stagesKey}, paramStage: {string(analytics.StageStatuses[j])},
						"team_id": {r.Key}, analytics.ParamKPIFrom: {v.From.Format(time.DateOnly)},
						analytics.ParamKPITo: {v.To.AddDate(0, 0, -1).Format(time.DateOnly)}}.Encode())
				}
				hours = append(hours, h)
				urls = append(urls, us)
			}
			v.StageRows = rows
			if len(rows) > 0 {
				v.Stages = stageChart(labels, names, hours, urls)
				service := slices.DeleteFunc(slices.Clone(analytics.StageStatuses[:]), func(s aftersales.Status) bool { return s == aftersales.StatusResolved })
				for j, sr := range v.Stages["series"].([]opt) {
					for i, it := range sr["data"].([]chartItem) {
						if k := slices.IndexFunc(rows[i].Stages, func(st aftersales.StageTime) bool { return st.Status == service[j] }); k >= 0 {
							it.Count = ptr(rows[i].Stages[k].Tickets)
							sr["data"].([]chartItem)[i] = it
						}
					}
				}
			}
		}

		if paired(aftersales.DimTeam) {
			scores, err := c.S.Quality.Scores(ctx, aftersales.ScoreQuery{From: v.From, To: v.To, By: aftersales.DimTeam, Filter: v.Filter, Value: v.Value, Locale: p.Lang})
			if err != nil {
				return err
			}
			v.Scores = scores
		}
		// Ticket aging: the open tickets now by age, overall and per team
		// (within the filter), each count linking to its tickets.
		agingBy := []aftersales.Dimension{""}
		if v.Filter == "" || v.Filter == aftersales.DimTeam {
			// Per team within another filter would read every open
			// ticket; the rollups answer the rest.
			agingBy = append(agingBy, aftersales.DimTeam)
		}
		for _, by := range agingBy {
			rows, err := c.S.Metrics.Aging(ctx, aftersales.AgingQuery{By: by, Filter: v.Filter, Value: v.Value, Locale: p.Lang})
			if err != nil {
				return err
			}
			for _, r := range rows {
				ar := agingRow{AgingRow: r}
				now := c.Now().In(c.Zone)
				for i, lo := range aftersales.AgingBins {
					// Open now, by age: the list's own filters.
					q := url.Values{"open": {"true"}}
					if param := analytics.DimParams[by]; param != "" {
						q.Set(param, r.Key)
					}
					if param := analytics.DimParams[v.Filter]; param != "" {
						q.Set(param, v.Value)
					}
					q.Set("to", now.AddDate(0, 0, -lo).Format(time.DateOnly))
					if i+1 < len(aftersales.AgingBins) {
						q.Set("from", now.AddDate(0, 0, -aftersales.AgingBins[i+1]).Format(time.DateOnly))
					}
					ar.URLs = append(ar.URLs, "/tickets?"+q.Encode())
				}
				v.Aging = append(v.Aging, ar)
			}
		}
		all, err := c.S.Quality.Scores(ctx, aftersales.ScoreQuery{From: v.From, To: v.To, Filter: v.Filter, Value: v.Value, Locale: p.Lang})
		if err != nil {
			return err
		}
		if len(all) > 0 {
			v.Overall = all[0]
		}
		return nil
	}, nil)
}

func durationLabel(from, to float64, p *Page) string {
	f := func(m float64) string {
		if m >= 1440 {
			return strconv.FormatFloat(m/1440, 'f', -1, 64) + p.T("kunit.d")
		}
		return strconv.FormatFloat(m/60, 'f', -1, 64) + p.T("kunit.h")
	}
	if to == 0 {
		return "> " + f(from)
	}
	if from == 0 {
		return "< " + f(to)
	}
	return f(from) + "–" + f(to)
}

// dashOptions lists the filter choices and names the current one.
func (c *Console) dashOptions(r *http.Request, v *dashView, p *Page) error {
	ctx := r.Context()
	add := func(d aftersales.Dimension, val, label string) {
		v.Options = append(v.Options, filterOption{d, val, label})
		if d == v.Filter && val == v.Value {
			v.Scope = p.T("dim."+string(d)) + ": " + label
		}
	}
	units, err := c.S.Network.ListServiceUnits(ctx)
	if err != nil {
		return err
	}
	for _, u := range units {
		if u.Kind == aftersales.UnitRegion {
			add(aftersales.DimRegion, strconv.FormatInt(u.ID, 10), p.Local(u))
		}
	}
	teams, err := c.S.Network.ListTeams(ctx)
	if err != nil {
		return err
	}
	for _, t := range teams {
		add(aftersales.DimTeam, strconv.FormatInt(t.ID, 10), p.Local(t))
	}
	cats, err := c.S.Catalog.ListCategories(ctx)
	if err != nil {
		return err
	}
	// The category dimension is the category recorded on the ticket, so
	// the choices are the leaves of the tree, named with their parents.
	name := map[int64]string{}
	parent := map[int64]bool{}
	for _, ct := range cats {
		name[ct.ID] = p.L(ct.NameZH, ct.NameEN)
		if ct.ParentID != nil {
			parent[*ct.ParentID] = true
		}
	}
	for _, ct := range cats {
		if parent[ct.ID] {
			continue
		}
		label := name[ct.ID]
		if ct.ParentID != nil {
			label = name[*ct.ParentID] + " / " + label
		}
		add(aftersales.DimCategory, strconv.FormatInt(ct.ID, 10), label)
	}
	for _, ch := range aftersales.Channels {
		add(aftersales.DimChannel, string(ch), p.T("channel."+string(ch)))
	}
	for _, n := range aftersales.Natures {
		add(aftersales.DimNature, string(n), p.T("nature."+string(n)))
	}
	for _, u := range aftersales.Urgencies {
		add(aftersales.DimUrgency, string(u), p.T("urgency."+string(u)))
	}
	if v.Filter != "" && v.Scope == "" {
		v.Scope = p.T("dim."+string(v.Filter)) + ": " + v.Value
	}
	return nil
}

// optionValue is how a filter choice travels in the select.
func (o filterOption) Key() string { return string(o.Dim) + ":" + o.Value }

// splitOption reads it back.
func splitOption(s string) (aftersales.Dimension, string) {
	d, v, _ := strings.Cut(s, ":")
	return aftersales.Dimension(d), v
}

type alertsView struct {
	Rules []*aftersales.AlertRule
	Items []*aftersales.ImprovementItem
	// RuleItem is the improvement item each rule last opened, so a rule
	// links to the work it caused.
	RuleItem map[int64]*aftersales.ImprovementItem
	KPIs     []aftersales.KPIInfo
	Options  []filterOption
	Now      time.Time
}

func (c *Console) alertsPage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "dashboard", "alerts", "alerts.title", func(p *Page) error {
		ctx := r.Context()
		v := &alertsView{KPIs: c.S.Metrics.KPIs(), Now: c.Now()}
		p.Data = v
		var err error
		if v.Rules, err = c.S.Quality.AlertRules(ctx); err != nil {
			return err
		}
		if v.Items, err = c.S.Improve.ImprovementItems(ctx, aftersales.ItemFilter{}); err != nil {
			return err
		}
		v.RuleItem = ruleItems(v.Items)
		d := &dashView{}
		if err := c.dashOptions(r, d, p); err != nil {
			return err
		}
		v.Options = d.Options
		return nil
	}, formErr)
}

func (c *Console) listAlerts(w http.ResponseWriter, r *http.Request) { c.alertsPage(w, r, nil) }

// createAlertRule reads the rule form: KPI, scope, grain, an optional
// threshold and an optional chart with its baseline months.
func (c *Console) createAlertRule(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	rule := &aftersales.AlertRule{KPI: f.str("kpi"), Grain: aftersales.Grain(f.str("grain")), Threshold: f.float("threshold"),
		Chart: f.str("chart"), Active: true}
	if s := f.str("scope"); s != "" {
		rule.Dim, rule.Value = splitOption(s)
	}
	for _, b := range []struct {
		name string
		dst  **time.Time
	}{{"baseline_from", &rule.BaselineFrom}, {"baseline_to", &rule.BaselineTo}} {
		if s := f.str(b.name); s != "" {
			t, err := time.ParseInLocation("2006-01", s, c.Zone)
			if err != nil {
				f.v.Add(b.name, "must be a month as YYYY-MM")
				continue
			}
			if b.name == "baseline_to" {
				t = t.AddDate(0, 1, 0) // the whole month
			}
			*b.dst = &t
		}
	}
	err := f.v.Err()
	if err == nil {
		err = c.S.Quality.SaveAlertRule(r.Context(), rule)
	}
	c.done(w, r, "/quality/alerts?ok=created", err, c.alertsPage)
}

func (c *Console) evaluateAlerts(w http.ResponseWriter, r *http.Request) {
	_, err := c.S.Quality.EvaluateAlerts(r.Context())
	c.done(w, r, "/quality/alerts?ok=saved", err, c.alertsPage)
}

type targetsView struct {
	Targets []*aftersales.QualityTarget
	KPIs    []aftersales.KPIInfo
	Total   float64
	// Complaint holds the complaint severities' closure targets (#20).
	Complaint []aftersales.ComplaintTarget
}

func (c *Console) targetsPage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "dashboard", "targets", "targets.title", func(p *Page) error {
		ts, err := c.S.Quality.Targets(r.Context())
		v := &targetsView{Targets: ts}
		for _, k := range c.S.Metrics.KPIs() {
			if k.Unit != "count" && k.Key != "service_cost" && k.Unavailable == "" {
				v.KPIs = append(v.KPIs, k)
			}
		}
		for _, t := range ts {
			v.Total += t.Weight
		}
		p.Data = v
		if err == nil && c.S.Complaints != nil {
			v.Complaint, err = c.S.Complaints.ComplaintTargets(r.Context())
		}
		return err
	}, formErr)
}

func (c *Console) listTargets(w http.ResponseWriter, r *http.Request) { c.targetsPage(w, r, nil) }

func (c *Console) setTarget(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	t := &aftersales.QualityTarget{KPI: f.str("kpi")}
	for _, x := range []struct {
		name string
		dst  *float64
	}{{"target", &t.Target}, {"worst", &t.Worst}, {"weight", &t.Weight}} {
		if v := f.float(x.name); v != nil {
			*x.dst = *v
		} else if x.name != "weight" {
			f.v.Add(x.name, "is required")
		}
	}
	err := f.v.Err()
	if err == nil {
		err = c.S.Quality.SetTarget(r.Context(), t)
	}
	c.done(w, r, "/quality/targets?ok=saved", err, c.targetsPage)
}

// ruleItems maps each alert rule to the item it opened last (the highest
// id): an open item collects a rule's new breaches, so that is the one to
// follow.
func ruleItems(items []*aftersales.ImprovementItem) map[int64]*aftersales.ImprovementItem {
	out := map[int64]*aftersales.ImprovementItem{}
	for _, it := range items {
		if it.RuleID == nil {
			continue
		}
		if cur := out[*it.RuleID]; cur == nil || it.ID > cur.ID {
			out[*it.RuleID] = it
		}
	}
	return out
}
