package console

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

// A drill-down lands on the ticket list with the filters that produced
// the number it came from. The list shows every filter as a chip, a link
// that removes just that filter, with names instead of ids, and, for a
// KPI's population, what it counts and the sample it is a share of.

// chip is one applied filter of the ticket list.
type chip struct {
	Param  string // the first parameter it stands for, as an id suffix
	Label  string
	Remove string // the list without the filter
}

// drillParams are the drill-down's own parameters (analytics.Param*).
var drillParams = []string{analytics.ParamKPI, analytics.ParamPart, analytics.ParamBin, analytics.ParamKPIFrom, analytics.ParamKPITo, paramStage}

// paramStage names a bottleneck stage: the tickets that passed through it
// and left the backlog in the period (the stage chart's population).
const paramStage = "kpi_stage"

// stagesKey is the stage chart's pseudo-KPI in drill-down links.
const stagesKey = "stages"

// drillPopulation reads the drill-down parameters: the population shown,
// its sample when the value is a share, and the KPI.
func drillPopulation(q url.Values) (show analytics.Population, of *analytics.Population, k analytics.KPI, err error) {
	var v aftersales.Validator
	key := q.Get(analytics.ParamKPI)
	if key == stagesKey {
		st := aftersales.Status(q.Get(paramStage))
		i := analytics.StageIndex(st)
		v.Check(i >= 0, paramStage, "is not a stage")
		k.Key = stagesKey
		show = analytics.Population{Measure: analytics.MStageN + analytics.Measure(max(i, 0)), Except: analytics.NoMeasure, Hist: analytics.NoHist, Bin: -1}
		return show, nil, k, v.Err()
	}
	k, ok := analytics.Lookup(key)
	d, ok2 := analytics.DrillOf(k)
	v.Check(ok && ok2, analytics.ParamKPI, "is not a KPI with a drill-down")
	if err := v.Err(); err != nil {
		return show, nil, k, err
	}
	show = d.Show
	if d.Ratio {
		of = &d.Of
		if q.Get(analytics.ParamPart) == "all" {
			show, of = d.Of, nil
		}
	}
	if s := q.Get(analytics.ParamBin); s != "" {
		b, err := strconv.Atoi(s)
		v.Check(err == nil && b >= 0 && b < len(analytics.DistBins), analytics.ParamBin, "is not a distribution bin")
		v.Check(show.Hist != analytics.NoHist, analytics.ParamBin, "needs a duration KPI")
		show.Bin = b
	}
	return show, of, k, v.Err()
}

// countedFilter is a population over the list's period parameters.
func countedFilter(p analytics.Population, from, to *time.Time) *aftersales.CountedFilter {
	c := &aftersales.CountedFilter{Bin: p.Bin, From: from, To: to}
	if p.Hist != analytics.NoHist {
		c.Hist = analytics.HistNames[p.Hist]
	} else {
		c.Measure = analytics.MeasureNames[p.Measure]
	}
	if p.Except != analytics.NoMeasure {
		c.Except = analytics.MeasureNames[p.Except]
	}
	return c
}

// drillFilter sets f.Counted from the drill-down parameters and returns
// the sample's filter when the population is a share of one.
func (c *Console) drillFilter(q url.Values, f *aftersales.TicketFilter, v *aftersales.Validator) *aftersales.TicketFilter {
	if q.Get(analytics.ParamKPI) == "" {
		return nil
	}
	show, of, k, err := drillPopulation(q)
	if err != nil {
		for _, fe := range aftersales.ErrorFields(err) {
			v.Add(fe.Field, fe.Reason)
		}
		return nil
	}
	var from, to *time.Time
	for _, d := range []struct {
		name string
		dst  **time.Time
		add  int
	}{{analytics.ParamKPIFrom, &from, 0}, {analytics.ParamKPITo, &to, 1}} {
		if s := q.Get(d.name); s != "" {
			t, err := time.ParseInLocation(time.DateOnly, s, c.Zone)
			v.Check(err == nil, d.name, "must be a date as YYYY-MM-DD")
			t = t.AddDate(0, 0, d.add)
			*d.dst = &t
		}
	}
	f.Counted = countedFilter(show, from, to)
	d, _ := analytics.DrillOf(k)
	if d.Money {
		f.Counted.Sum = analytics.MeasureNames[analytics.MCost]
	}
	f.Counted.Entries = d.Counts != analytics.CountsTickets
	if of == nil {
		return nil
	}
	sample := *f
	sample.Counted = countedFilter(*of, from, to)
	sample.Counted.Entries = f.Counted.Entries
	sample.Cursor, sample.Limit, sample.Count = "", 1, true
	return &sample
}

// without is the list less some parameters (and the page's cursor).
func without(q url.Values, names ...string) string {
	out := url.Values{}
	for k, vs := range q {
		if k != "cursor" && !slices.Contains(names, k) {
			out[k] = vs
		}
	}
	// An empty query would bring back the default "open" filter.
	if _, ok := out["open"]; !ok {
		out.Set("open", "")
	}
	return "/tickets?" + out.Encode()
}

// periodLabel shows [from, to] (inclusive dates) as a month when it is
// one, else as a range.
func periodLabel(from, to string) string {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	switch {
	case err1 != nil || err2 != nil:
		return strings.Trim(from+" – "+to, " –")
	case f.Day() == 1 && t.Equal(f.AddDate(0, 1, -1)):
		return f.Format("2006-01")
	case f.Equal(t):
		return from
	}
	return from + " – " + to
}

// chipData is what the chips need besides the query: the names of ids.
type chipData struct {
	Teams      []*aftersales.Team
	Users      []*aftersales.User
	Categories []*aftersales.Category
	Units      []*aftersales.ServiceUnit
	Products   []*aftersales.Product
	Customer   *aftersales.Customer
	Tiers      []aftersales.Tier
	Topic      *aftersales.TopicRecord // the complaint topic the list is filtered by
}

// chips lists the applied filters of a list query, in the form's order.
func chips(q url.Values, d chipData, p *Page) []chip {
	var out []chip
	add := func(label string, params ...string) {
		out = append(out, chip{Param: params[0], Label: label, Remove: without(q, params...)})
	}
	named := func(field, value string) string { return p.T(field) + ": " + value }
	byID := func(param string, name func(id int64) (string, bool)) string {
		s := q.Get(param)
		id, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			if n, ok := name(id); ok {
				return n
			}
		}
		return "#" + s
	}
	if s := q.Get("q"); s != "" {
		add(named("tickets.search", "“"+s+"”"), "q")
	}
	if q.Get(analytics.ParamKPI) != "" {
		out = append(out, drillChips(q, d, p)...)
	}
	var sts []string
	for _, s := range q["status"] {
		if s != "" {
			sts = append(sts, p.T("status."+s))
		}
	}
	if len(sts) > 0 {
		add(named("field.status", strings.Join(sts, ", ")), "status")
	}
	if s := q.Get("open"); s == "true" || s == "false" {
		add(named("tickets.open", p.T("tickets.open."+s)), "open")
	}
	for _, e := range []struct{ param, field string }{{"nature", "field.nature"}, {"urgency", "field.urgency"}, {"channel", "field.channel"}} {
		if s := q.Get(e.param); s != "" {
			add(named(e.field, p.T(e.param+"."+s)), e.param)
		}
	}
	if q.Get("category_id") != "" {
		add(named("field.category", byID("category_id", func(id int64) (string, bool) {
			i := slices.IndexFunc(d.Categories, func(c *aftersales.Category) bool { return c.ID == id })
			if i < 0 {
				return "", false
			}
			return p.L(d.Categories[i].NameZH, d.Categories[i].NameEN), true
		})), "category_id")
	}
	unitName := func(id int64) (string, bool) {
		i := slices.IndexFunc(d.Units, func(u *aftersales.ServiceUnit) bool { return u.ID == id })
		if i < 0 {
			return "", false
		}
		return p.Local(d.Units[i]), true
	}
	if q.Get("region_id") != "" {
		add(named("tickets.region", byID("region_id", unitName)), "region_id")
	}
	if q.Get("unit_id") != "" {
		add(named("tickets.unit", byID("unit_id", unitName)), "unit_id")
	}
	if q.Get("product_id") != "" {
		add(named("field.product", byID("product_id", func(id int64) (string, bool) {
			i := slices.IndexFunc(d.Products, func(x *aftersales.Product) bool { return x.ID == id })
			if i < 0 {
				return "", false
			}
			return d.Products[i].Name, true
		})), "product_id")
	}
	if q.Get("team_id") != "" {
		add(named("field.team", byID("team_id", func(id int64) (string, bool) {
			i := slices.IndexFunc(d.Teams, func(t *aftersales.Team) bool { return t.ID == id })
			if i < 0 {
				return "", false
			}
			return p.Local(d.Teams[i]), true
		})), "team_id")
	}
	switch s := q.Get("assignee_id"); s {
	case "":
	case "me":
		add(named("field.assignee", p.T("tickets.mine")), "assignee_id")
	case "none":
		add(named("field.assignee", p.T("tickets.unassigned")), "assignee_id")
	default:
		add(named("field.assignee", byID("assignee_id", func(id int64) (string, bool) {
			i := slices.IndexFunc(d.Users, func(u *aftersales.User) bool { return u.ID == id })
			if i < 0 {
				return "", false
			}
			return d.Users[i].Name, true
		})), "assignee_id")
	}
	if q.Get("customer_id") != "" {
		name := "#" + q.Get("customer_id")
		if d.Customer != nil {
			name = d.Customer.Name
		}
		add(named("field.customer", name), "customer_id")
	}
	if s := q.Get("tier"); s != "" {
		name := s
		if i := slices.IndexFunc(d.Tiers, func(t aftersales.Tier) bool { return t.Code == s }); i >= 0 {
			name = p.L(d.Tiers[i].NameZH, d.Tiers[i].NameEN)
		}
		add(named("dim.tier", name), "tier")
	}
	if s := q.Get("tag"); s != "" {
		add(named("field.tags", s), "tag")
	}
	if s := q.Get("topic_id"); s != "" {
		name := "#" + s
		if d.Topic != nil {
			name = d.Topic.Name
		}
		add(named("chip.topic", name), "topic_id")
	}
	if s := q.Get("term"); s != "" {
		add(named("voc.term", s), "term")
	}
	for _, r := range []struct{ from, to, label string }{{"from", "to", "chip.created"}, {"resolved_from", "resolved_to", "chip.resolved"}, {"cost_from", "cost_to", "chip.cost"}} {
		if f, t := q.Get(r.from), q.Get(r.to); f != "" || t != "" {
			add(fmt.Sprintf(p.T(r.label), periodLabel(f, t)), r.from, r.to)
		}
	}
	if s := q.Get("sla"); s != "" {
		add(named("sla.title", p.T("sla.filter."+s)), "sla")
	}
	return out
}

// drillChips are a drill-down's population and period chips. Removing
// the population keeps its period as the list's own date filter where
// the list has one (created, resolved, cost).
func drillChips(q url.Values, d chipData, p *Page) []chip {
	show, of, k, err := drillPopulation(q)
	if err != nil {
		return []chip{{Param: analytics.ParamKPI, Label: p.T("chip.drill_invalid"), Remove: without(q, drillParams...)}}
	}
	kpiName := func() string { return p.T("kpi." + k.Key) }
	var label string
	switch {
	case k.Key == stagesKey:
		label = fmt.Sprintf(p.T("chip.stage"), p.T("status."+q.Get(paramStage)))
	case q.Get(analytics.ParamBin) != "":
		b := show.Bin
		to := 0.0
		if b+1 < len(analytics.DistBins) {
			to = analytics.DistBins[b+1]
		}
		label = fmt.Sprintf(p.T("chip.bin"), kpiName(), durationLabel(analytics.DistBins[b], to, p))
	case of != nil:
		label = p.T("drill." + k.Key)
	default:
		label = fmt.Sprintf(p.T("chip.counted"), kpiName())
	}
	from, to := q.Get(analytics.ParamKPIFrom), q.Get(analytics.ParamKPITo)
	keep := url.Values{}
	for name, vs := range q {
		keep[name] = vs
	}
	kind := show.DayKind()
	if from != "" && to != "" {
		if dp, ok := map[string][2]string{"created": {"from", "to"}, "resolved": {"resolved_from", "resolved_to"}, "cost": {"cost_from", "cost_to"}}[kind]; ok {
			keep.Set(dp[0], from)
			keep.Set(dp[1], to)
		}
	}
	out := []chip{{Param: analytics.ParamKPI, Label: label, Remove: without(keep, drillParams...)}}
	if from != "" || to != "" {
		var pl string
		if k.Store == analytics.StoreBacklog && from == "" {
			pl = fmt.Sprintf(p.T("chip.day.backlog"), to)
		} else {
			pl = fmt.Sprintf(p.T("chip.day."+kind), periodLabel(from, to))
		}
		out = append(out, chip{Param: analytics.ParamKPIFrom, Label: pl, Remove: without(q, analytics.ParamKPIFrom, analytics.ParamKPITo)})
	}
	return out
}

// drillSummary says what a drill-down lists, in one line: its filters,
// then the count, and for a share the sample it is part of.
type drillSummary struct {
	Text   string
	OfURL  string // the sample's list
	Total  int64
	Sample *int64
	// Amount, for a money KPI, is the listed tickets' cost that arose in
	// the period (minor units): the number the chart showed.
	Amount *int64
	// Counts, when not tickets, is what Total and Sample count (the
	// visits or follow-up tasks the listed tickets hold), and Tickets the
	// number of tickets listed.
	Counts  analytics.Counts
	Tickets int64
}

// AmountText is the summary's amount: "¥1,234.50".
func (s *drillSummary) AmountText() string { return "¥" + aftersales.Money(*s.Amount).String() }

func (c *Console) summarise(r *http.Request, q url.Values, cs []chip, page *aftersales.TicketPage, sample *aftersales.TicketFilter, p *Page) (*drillSummary, error) {
	if q.Get(analytics.ParamKPI) == "" || page.Total == nil {
		return nil, nil
	}
	var labels []string
	for _, ch := range cs {
		labels = append(labels, ch.Label)
	}
	s := &drillSummary{Total: *page.Total, Amount: page.Sum, Text: strings.Join(labels, p.T("chip.sep"))}
	// A KPI of visits or follow-up tasks states their number, which the
	// store added up into Sum.
	entries := false
	if _, _, k, err := drillPopulation(q); err == nil {
		if d, _ := analytics.DrillOf(k); d.Counts != analytics.CountsTickets && page.Sum != nil {
			entries = true
			s.Counts, s.Tickets, s.Total, s.Amount = d.Counts, *page.Total, *page.Sum, nil
		}
	}
	if sample != nil {
		pg, err := c.S.Tickets.ListTickets(r.Context(), *sample)
		if err != nil {
			return nil, err
		}
		s.Sample = pg.Total
		if entries {
			s.Sample = pg.Sum
		}
		all := url.Values{}
		for k, vs := range q {
			all[k] = vs
		}
		all.Del("cursor")
		all.Set(analytics.ParamPart, "all")
		s.OfURL = "/tickets?" + all.Encode()
	}
	return s, nil
}

// Count is the summary's number: "132" or "132 of 553", or for visits
// or follow-up tasks "3 of 12 visits (2 tickets)".
func (s *drillSummary) Count(p *Page) string {
	if s.Counts != analytics.CountsTickets {
		unit := map[analytics.Counts]string{analytics.CountsVisits: "visits", analytics.CountsFollowups: "followups"}[s.Counts]
		if s.Sample == nil {
			return fmt.Sprintf(p.T("drill.entries."+unit), thousands(s.Total), thousands(s.Tickets))
		}
		return fmt.Sprintf(p.T("drill.entries_of."+unit), thousands(s.Total), thousands(*s.Sample), thousands(s.Tickets))
	}
	if s.Sample == nil {
		return fmt.Sprintf(p.T("tickets.total"), thousands(s.Total))
	}
	return fmt.Sprintf(p.T("chip.of"), thousands(s.Total), thousands(cmp.Or(*s.Sample, 0)))
}
