package console

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

// The voice of the customer (issue #21): what customers write, from the
// stored text analyses. Top terms and rising terms of a scope and period,
// the sentiment trend, and from every term the list of its tickets.

func (c *Console) vocRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /voc", g(c.voc))
}

// vocTerm is a term with the ticket list behind it.
type vocTerm struct {
	aftersales.TermCount
	URL, SharePct string
}

// vocRising is a rising term with the ticket list behind it, and its
// figures as the page writes them.
type vocRising struct {
	aftersales.RisingTerm
	URL, BeforeText, AfterText, PText, QText, Reading string
}

type vocView struct {
	Filter   aftersales.Dimension
	Value    string
	Scope    string
	Options  []filterOption
	From, To string // inclusive local dates, as the form shows them
	Grain    aftersales.Grain
	Top      *aftersales.TopTerms
	Terms    []vocTerm
	Rising   *aftersales.RisingTerms
	Rises    []vocRising
	PrevFrom string // first day of the comparison period
	PrevTo   string // its last day
	Trend    opt
	// Texts written with the catalog: the counts line, the comparison
	// periods and the meaning of p and q.
	Analysed, Pending, RisingHelp, PQHelp string
}

// scopeParam is the ticket list's parameter for a scope dimension.
func scopeParam(d aftersales.Dimension) string {
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

// termURL lists the tickets of the period and scope whose customer text
// holds term: as many as the term's count.
func (v *vocView) termURL(term, from, to string) string {
	q := url.Values{"term": {term}, "from": {from}, "to": {to}}
	if v.Filter != "" {
		q.Set(scopeParam(v.Filter), v.Value)
	}
	return "/tickets?" + q.Encode()
}

// Query is the page's own query string.
func (v *vocView) Query() string {
	q := url.Values{"from": {v.From}, "to": {v.To}, "grain": {string(v.Grain)}}
	if v.Filter != "" {
		q.Set("scope", string(v.Filter)+":"+v.Value)
	}
	return q.Encode()
}

func (c *Console) voc(w http.ResponseWriter, r *http.Request) {
	c.adminPage(w, r, "voc", "voc", "voc.title", func(p *Page) error {
		ctx := r.Context()
		if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
			return err
		}
		p.Charts = true
		q := r.URL.Query()
		v := &vocView{Grain: aftersales.Grain(cmp.Or(q.Get("grain"), string(aftersales.GrainWeek)))}
		v.Filter, v.Value = splitOption(q.Get("scope"))
		p.Data = v
		now := c.Now().In(c.Zone)
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, c.Zone)
		// The last 28 days by default: four whole weeks against the four
		// before them.
		from, to := today.AddDate(0, 0, -27), today
		var val aftersales.Validator
		if f := q.Get("from"); f != "" {
			t, err := time.ParseInLocation(time.DateOnly, f, c.Zone)
			val.Check(err == nil, "from", "must be a date as YYYY-MM-DD")
			if err == nil {
				from = t
			}
		}
		if s := q.Get("to"); s != "" {
			t, err := time.ParseInLocation(time.DateOnly, s, c.Zone)
			val.Check(err == nil, "to", "must be a date as YYYY-MM-DD")
			if err == nil {
				to = t
			}
		}
		val.Check(!to.Before(from), "to", "must not be before from")
		val.Check(v.Grain == aftersales.GrainDay || v.Grain == aftersales.GrainWeek || v.Grain == aftersales.GrainMonth, "grain", "must be day, week or month")
		val.Check(v.Filter == "" || v.Filter.Valid(), "scope", "unknown dimension")
		v.From, v.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
		if err := val.Err(); err != nil {
			return err
		}
		dv := &dashView{Filter: v.Filter, Value: v.Value}
		if err := c.dashOptions(r, dv, p); err != nil {
			return err
		}
		v.Options, v.Scope = dv.Options, dv.Scope
		end := to.AddDate(0, 0, 1)
		tq := aftersales.TextQuery{From: from, To: end, Filter: v.Filter, Value: v.Value, Grain: v.Grain, Limit: 30}
		var err error
		if v.Top, err = c.S.Text.TopTerms(ctx, tq); err != nil {
			return err
		}
		for _, t := range v.Top.Terms {
			v.Terms = append(v.Terms, vocTerm{TermCount: t, URL: v.termURL(t.Term, v.From, v.To), SharePct: fmt.Sprintf("%.1f%%", 100*t.Share)})
		}
		v.Analysed = fmt.Sprintf(p.T("voc.analysed_n"), thousands(int64(v.Top.Analysed)))
		tq.Limit = 20
		if v.Rising, err = c.S.Text.RisingTerms(ctx, tq); err != nil {
			return err
		}
		v.PrevFrom = v.Rising.PreviousFrom.In(c.Zone).Format(time.DateOnly)
		v.PrevTo = from.AddDate(0, 0, -1).Format(time.DateOnly)
		v.RisingHelp = fmt.Sprintf(p.T("voc.rising_help"), v.From, v.To, v.PrevFrom, v.PrevTo)
		v.PQHelp = fmt.Sprintf(p.T("voc.pq_help"), v.Rising.Tested, fmt.Sprintf("%.0f%%", 100*v.Rising.Alpha))
		for _, t := range v.Rising.Terms {
			before, after := fmt.Sprintf("%.1f%%", 100*t.ShareBefore), fmt.Sprintf("%.1f%%", 100*t.ShareAfter)
			pv, qv := fmt.Sprintf("%.2g", t.P), fmt.Sprintf("%.2g", t.Q)
			v.Rises = append(v.Rises, vocRising{RisingTerm: t, URL: v.termURL(t.Term, v.From, v.To),
				BeforeText: fmt.Sprintf("%d (%s)", t.Before, before), AfterText: fmt.Sprintf("%d (%s)", t.After, after), PText: pv, QText: qv,
				Reading: fmt.Sprintf(p.T("voc.reading_row"), before, after, pv, qv)})
		}
		trend, err := c.S.Text.SentimentTrend(ctx, tq)
		if err != nil {
			return err
		}
		pending, err := c.S.Text.TextPending(ctx)
		if err != nil {
			return err
		}
		if pending > 0 {
			v.Pending = fmt.Sprintf(p.T("voc.pending"), thousands(pending))
		}
		v.Trend = c.sentimentChart(p, v, trend, from, end)
		return nil
	}, nil)
}

// sentimentChart draws the negative share per period (a click lists the
// negative tickets of the period) over the number of analysed tickets,
// with a description for screen readers.
func (c *Console) sentimentChart(p *Page, v *vocView, pts []aftersales.SentimentPoint, from, end time.Time) opt {
	k, _ := analytics.Lookup(analytics.NegativeShareKey)
	labels := make([]string, len(pts))
	share := make([]chartItem, len(pts))
	counts := make([]any, len(pts))
	worst, worstAt := -1.0, ""
	for i, pt := range pts {
		labels[i] = grainLabel(pt.Period, v.Grain)
		pf, pe := pt.Period, nextPeriodStart(pt.Period, v.Grain)
		if pf.Before(from) {
			pf = from
		}
		if pe.After(end) {
			pe = end
		}
		var s *float64
		if pt.NegativeShare != nil {
			x := 100 * *pt.NegativeShare
			s = &x
			if x > worst {
				worst, worstAt = x, labels[i]
			}
		}
		q := analytics.DrillQuery(k, v.Filter, v.Value, pf, pe)
		share[i] = chartItem{Value: num(s), URL: "/tickets?" + q.Encode()}
		if pt.NegativeShare != nil {
			n, of := int64(pt.Negative), int64(pt.Analysed)
			share[i].Count, share[i].Of = &n, &of
		}
		counts[i] = pt.Analysed
	}
	shareName, countName := p.T("voc.negative_share"), p.T("voc.analysed")
	o := baseOpt()
	desc := fmt.Sprintf(p.T("voc.trend_aria_empty"), v.From, v.To)
	if worst >= 0 {
		desc = fmt.Sprintf(p.T("voc.trend_aria"), p.T("grain."+string(v.Grain)), v.From, v.To, worst, worstAt)
	}
	o["aria"] = opt{"enabled": true, "label": opt{"description": desc}}
	o["legend"] = opt{"data": []string{shareName, countName}, "top": 0}
	o["grid"] = opt{"left": 48, "right": 24, "top": 56, "bottom": 32, "containLabel": true}
	o["xAxis"] = opt{"type": "category", "data": labels}
	o["yAxis"] = []opt{{"type": "value", "name": "%", "min": 0, "max": 100}, {"type": "value", "name": countName}}
	o["series"] = []opt{
		{"type": "line", "name": shareName, "data": share, "connectNulls": false, "itemStyle": opt{"color": colorVital}},
		{"type": "bar", "name": countName, "yAxisIndex": 1, "data": counts, "itemStyle": opt{"color": colorOther}},
	}
	return o
}
