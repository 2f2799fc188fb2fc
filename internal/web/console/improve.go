package console

import (
	"html/template"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

// The improvement loop's pages: the board, an item with its analysis,
// actions and verification, the case library and the root-cause
// taxonomy.

func (c *Console) improveRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /quality/items", g(c.itemBoard))
	mux.HandleFunc("POST /quality/items", g(c.createItem))
	mux.HandleFunc("GET /quality/items/{id}", g(c.itemPage))
	mux.HandleFunc("POST /quality/items/{id}", g(c.updateItem))
	mux.HandleFunc("POST /quality/items/{id}/transition", g(c.transitionItem))
	mux.HandleFunc("POST /quality/items/{id}/whys", g(c.saveWhys))
	mux.HandleFunc("POST /quality/items/{id}/root-cause", g(c.saveRootCause))
	mux.HandleFunc("POST /quality/items/{id}/causes", g(c.saveCause))
	mux.HandleFunc("POST /quality/items/{id}/causes/{cause}", g(c.saveCause))
	mux.HandleFunc("POST /quality/items/{id}/causes/{cause}/delete", g(c.deleteCause))
	mux.HandleFunc("POST /quality/items/{id}/actions", g(c.saveAction))
	mux.HandleFunc("POST /quality/items/{id}/actions/{action}", g(c.saveAction))
	mux.HandleFunc("POST /quality/items/{id}/verify", g(c.verifyItem))
	mux.HandleFunc("POST /quality/items/{id}/comment", g(c.commentItem))
	mux.HandleFunc("POST /quality/items/{id}/case", g(c.publishCase))
	mux.HandleFunc("GET /quality/cases", g(c.casesPage))
	mux.HandleFunc("GET /quality/root-causes", g(c.rootCausesPage))
	c.post(mux, "/quality/root-causes", needs(aftersales.PermQualityWrite), c.saveRootCauseCode)
}

type boardColumn struct {
	Status aftersales.ItemStatus
	Items  []*aftersales.ImprovementItem
}

type boardView struct {
	Columns []boardColumn
	Total   int
	Filter  aftersales.ItemFilter
	Users   []*aftersales.User
	KPIs    []aftersales.KPIInfo
	Options []filterOption
	Labels  map[string]string
	Pareto  opt
	Manager bool
}

func isManager(u *aftersales.User) bool {
	return u != nil && (u.Role == aftersales.RoleAdmin || u.Role == aftersales.RoleSupervisor || u.Role == aftersales.RoleQuality)
}

// verifiable lists the KPIs an item can be measured and verified on.
func verifiable(ks []aftersales.KPIInfo) []aftersales.KPIInfo {
	var out []aftersales.KPIInfo
	for _, k := range ks {
		if a, ok := analytics.Lookup(k.Key); ok {
			if _, err := a.Verification(); err == nil {
				out = append(out, k)
			}
		}
	}
	return out
}

// scopes returns the scope choices and their labels by "dim:value".
func (c *Console) scopes(r *http.Request, p *Page) ([]filterOption, map[string]string, error) {
	d := &dashView{}
	if err := c.dashOptions(r, d, p); err != nil {
		return nil, nil, err
	}
	labels := map[string]string{}
	for _, o := range d.Options {
		labels[o.Key()] = p.T("dim."+string(o.Dim)) + ": " + o.Label
	}
	return d.Options, labels, nil
}

func (c *Console) boardPage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "improve", "improve_board", "improve.board", func(p *Page) error {
		ctx := r.Context()
		q := r.URL.Query()
		owner, _ := strconv.ParseInt(q.Get("owner"), 10, 64)
		f := aftersales.ItemFilter{OwnerID: owner, Department: q.Get("department"), Overdue: q.Get("overdue") == "1"}
		items, err := c.S.Improve.ImprovementItems(ctx, f)
		if err != nil {
			return err
		}
		v := &boardView{Filter: f, Total: len(items), KPIs: verifiable(c.S.Metrics.KPIs()), Manager: isManager(p.User)}
		if t := q.Get("tickets"); t != "" && p.Form == nil {
			// From the ticket list: the listed tickets prefill a new item.
			p.Form = url.Values{"tickets": {t}, "source": {q.Get("source")}}
		}
		for _, s := range aftersales.ItemStatuses {
			col := boardColumn{Status: s}
			for _, it := range items {
				if it.Status == s {
					col.Items = append(col.Items, it)
				}
			}
			v.Columns = append(v.Columns, col)
		}
		if v.Users, err = c.S.Users.ListUsers(ctx, aftersales.UserFilter{}); err != nil {
			return err
		}
		if v.Options, v.Labels, err = c.scopes(r, p); err != nil {
			return err
		}
		pareto, err := c.S.Improve.RootCausePareto(ctx, p.Lang)
		if err != nil {
			return err
		}
		if len(pareto) > 0 {
			items := make([]analytics.ParetoItem, len(pareto))
			labels, urls := make([]string, len(pareto)), make([]string, len(pareto))
			for i, x := range pareto {
				items[i] = analytics.ParetoItem{Key: x.Code, Count: float64(x.Items), CumPct: x.CumPct, Vital: x.Vital}
				labels[i], urls[i] = x.Label, "/quality/cases?q="+url.QueryEscape(x.Label)
			}
			v.Pareto = paretoChart(items, labels, urls, p.T("improve.items_count"), p.T("dash.cumulative"))
		}
		p.Data = v
		return nil
	}, formErr)
}

func (c *Console) itemBoard(w http.ResponseWriter, r *http.Request) { c.boardPage(w, r, nil) }

// itemInput reads the item form.
func (c *Console) itemInput(f *form) aftersales.ItemInput {
	in := aftersales.ItemInput{Title: f.str("title"), Description: f.str("description"), Source: f.str("source"), KPI: f.str("kpi"),
		Baseline: f.float("baseline"), Target: f.float("target"), TargetDate: f.str("target_date"), Severity: f.str("severity"),
		OwnerID: f.id("owner_id"), Department: f.str("department")}
	if s := f.str("scope"); s != "" {
		in.Dim, in.Value = splitOption(s)
	}
	// Tickets by number (AS202612-000123) or id, typed or ticked in the
	// search picker.
	seen := map[int64]bool{}
	add := func(n int64) {
		if !seen[n] {
			seen[n] = true
			in.Tickets = append(in.Tickets, n)
		}
	}
	for _, s := range f.list("tickets") {
		if t, err := c.S.Tickets.FindTicketByNumber(f.r.Context(), s); err == nil {
			add(t.ID)
			continue
		}
		n, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
		if err != nil || n <= 0 {
			f.v.Add("tickets", "no ticket has the number "+s)
			continue
		}
		add(n)
	}
	for _, s := range f.r.PostForm["ticket_pick"] {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			add(n)
		}
	}
	for _, s := range f.r.PostForm["watchers"] {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			in.Watchers = append(in.Watchers, n)
		}
	}
	return in
}

func (c *Console) createItem(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	in := c.itemInput(f)
	err := f.v.Err()
	var it *aftersales.ImprovementItem
	if err == nil {
		it, err = c.S.Improve.CreateItem(r.Context(), in)
	}
	if err != nil {
		c.boardPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/quality/items/"+strconv.FormatInt(it.ID, 10)+"?ok=created", http.StatusSeeOther)
}

type causeNode struct {
	aftersales.Cause
	Subs []aftersales.Cause
}

type itemView struct {
	D       *aftersales.ItemDetail
	Next    []aftersales.ItemStatus
	Users   []*aftersales.User
	Codes   []*aftersales.RootCauseCode
	KPIs    []aftersales.KPIInfo
	Options []filterOption
	Labels  map[string]string
	// TicketNumbers names the linked tickets by number.
	TicketNumbers map[int64]string
	Whys          []aftersales.WhyStep
	Causes        map[string][]causeNode
	Fishbone      template.HTML
	Evidence      opt
	CanWork       bool
	Editable      bool // CanWork and the item is not closed
	Me            int64
	CanOverride   bool
	Manager       bool
	// Defaults of the verification form.
	BeforeFrom, BeforeTo, AfterFrom, AfterTo string
	Scope                                    string
	Unit                                     string
	// Scale shows every value of the item's KPI on the page in one unit.
	Scale unitScale
}

func (c *Console) itemView(r *http.Request, p *Page, id int64) (*itemView, error) {
	ctx := r.Context()
	d, err := c.S.Improve.ImprovementItem(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &itemView{D: d, KPIs: verifiable(c.S.Metrics.KPIs()), Manager: isManager(p.User), Causes: map[string][]causeNode{}}
	v.CanWork = v.Manager || (d.OwnerID != nil && *d.OwnerID == p.User.ID)
	v.Editable, v.Me = v.CanWork && d.Status != aftersales.ItemClosed, p.User.ID
	v.CanOverride = aftersales.CanOverrideActions(p.User.Role)
	for _, s := range aftersales.ItemTransitionsFrom(d.Status) {
		if aftersales.ItemRoleCheck(p.User, d.OwnerID, d.Status, s) == "" {
			v.Next = append(v.Next, s)
		}
	}
	if v.Users, err = c.S.Users.ListUsers(ctx, aftersales.UserFilter{}); err != nil {
		return nil, err
	}
	if v.Codes, err = c.S.Improve.RootCauseCodes(ctx); err != nil {
		return nil, err
	}
	if v.Options, v.Labels, err = c.scopes(r, p); err != nil {
		return nil, err
	}
	v.TicketNumbers = map[int64]string{}
	for _, id := range d.Tickets {
		if t, err := c.S.Tickets.FindTicket(ctx, id); err == nil {
			v.TicketNumbers[id] = t.Number
		}
	}
	v.Whys = slices.Clone(d.Whys)
	for len(v.Whys) < 5 {
		v.Whys = append(v.Whys, aftersales.WhyStep{})
	}
	byID := map[int64]int{}
	for _, x := range d.Causes {
		if x.ParentID == nil {
			byID[x.ID] = len(v.Causes[x.Category])
			v.Causes[x.Category] = append(v.Causes[x.Category], causeNode{Cause: x})
		}
	}
	for _, x := range d.Causes {
		if x.ParentID != nil {
			if i, ok := byID[*x.ParentID]; ok {
				v.Causes[x.Category][i].Subs = append(v.Causes[x.Category][i].Subs, x)
			}
		}
	}
	problem := p.ItemTitle(d.ImprovementItem, v.Labels)
	v.Fishbone = fishbone(problem, d.Causes, func(cat string) string { return p.T("cause." + cat) })
	if d.Dim != "" {
		v.Scope = v.Labels[string(d.Dim)+":"+d.Value]
		if v.Scope == "" {
			v.Scope = p.T("dim."+string(d.Dim)) + ": " + d.Value
		}
	}
	// Verification defaults: the last verification's windows, or the
	// three months before the item opened against the time since it
	// went into implementation (or since it opened).
	loc := c.Zone
	now := c.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	day := func(t time.Time) time.Time {
		t = t.In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	opened := day(d.CreatedAt)
	started := opened
	for _, e := range d.Events {
		if e.Kind == "status" && e.To == string(aftersales.ItemImplementing) {
			started = day(e.At)
		}
	}
	v.BeforeFrom, v.BeforeTo = opened.AddDate(0, -3, 0).Format(time.DateOnly), opened.Format(time.DateOnly)
	v.AfterFrom, v.AfterTo = started.Format(time.DateOnly), today.Format(time.DateOnly)
	if n := len(d.Verifications); n > 0 {
		last := d.Verifications[n-1]
		v.BeforeFrom, v.BeforeTo, v.AfterFrom, v.AfterTo = last.BeforeFrom, last.BeforeTo, last.AfterFrom, last.AfterTo
	}
	if d.KPI != "" {
		if k, ok := analytics.Lookup(d.KPI); ok {
			v.Unit = k.Unit
			ref := 0.0
			switch {
			case d.Baseline != nil:
				ref = *d.Baseline
			case d.Target != nil:
				ref = *d.Target
			case len(d.Verifications) > 0 && d.Verifications[0].Before != nil:
				ref = *d.Verifications[0].Before
			}
			v.Scale = p.scaleFor(k.Unit, ref)
			// The chart reads the metrics, which not every role may;
			// the item itself is everyone's.
			if !p.CanMetrics() {
				return v, nil
			}
			if err := c.evidenceChart(r, p, v, k); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// evidenceChart is the item's KPI by week over the year before today in
// its scope, with the baseline and target, and the latest verification's
// windows shaded.
func (c *Console) evidenceChart(r *http.Request, p *Page, v *itemView, k analytics.KPI) error {
	loc := c.Zone
	now := c.Now().In(loc)
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	from := to.AddDate(-1, 0, 0)
	if bf, err := time.ParseInLocation(time.DateOnly, v.BeforeFrom, loc); err == nil && bf.Before(from) {
		from = bf
	}
	res, err := c.S.Metrics.Metric(r.Context(), aftersales.MetricQuery{KPI: k.Key, From: from, To: to, Grain: aftersales.GrainWeek,
		Filter: v.D.Dim, Value: v.D.Value, Locale: p.Lang})
	if err != nil {
		return err
	}
	labels := make([]string, len(res.Points))
	values := make([]*float64, len(res.Points))
	urls := make([]string, len(res.Points))
	// One unit on the page: the chart is drawn in the item's scale.
	div := v.Scale.Div
	if div == 0 {
		div = 1
	}
	scaled := func(x *float64) *float64 {
		if x == nil {
			return nil
		}
		y := *x / div
		return &y
	}
	for i, pt := range res.Points {
		labels[i] = pt.Period.In(loc).Format("01-02")
		values[i] = scaled(pt.Value)
		end := to
		if i+1 < len(res.Points) {
			end = res.Points[i+1].Period
		}
		// The first week may start before the range: its value counts
		// only the days inside, and so do its tickets.
		start := pt.Period
		if start.Before(from) {
			start = from
		}
		urls[i] = analytics.DrillPath(k, v.D.Dim, v.D.Value, start, end)
	}
	axis := p.T("kunit." + k.Unit)
	if k.Unit == "minutes" {
		axis = strings.TrimSpace(v.Scale.Suffix)
	}
	o := withCounts(lineChart(labels, values, urls, axis, scaled(v.D.Target), p.T("dash.target")), k, res.Points)
	o["grid"] = opt{"left": 48, "right": 24, "top": 32, "bottom": 32, "containLabel": true} // the line labels sit inside the plot
	series := o["series"].([]opt)[0]
	if v.D.Baseline != nil {
		ml, _ := series["markLine"].(opt)
		if ml == nil {
			ml = opt{"symbol": "none", "data": []opt{}}
			series["markLine"] = ml
		}
		ml["data"] = append(ml["data"].([]opt), opt{"yAxis": *v.D.Baseline / div, "lineStyle": opt{"type": "dotted", "color": colorOther},
			"label": opt{"formatter": p.T("alerts.baseline"), "position": "insideEndBottom"}})
	}
	if w := v.D.Watch; w != nil {
		// After closing: the verified level and the control limit that
		// a relapse would cross, week by week.
		ml, _ := series["markLine"].(opt)
		if ml == nil {
			ml = opt{"symbol": "none", "data": []opt{}}
			series["markLine"] = ml
		}
		ml["data"] = append(ml["data"].([]opt), opt{"yAxis": w.Center / div, "lineStyle": opt{"type": "solid", "color": colorTarget},
			"label": opt{"formatter": p.T("improve.verified_level"), "position": "insideStartTop"}})
		limits := make([]any, len(res.Points))
		for i, pt := range res.Points {
			limits[i] = "-"
			if pt.Period.Before(w.Since) {
				continue
			}
			var l *float64
			switch w.Chart {
			case "p":
				if pt.N > 0 {
					c := w.Center / 100
					x := 100 * (c - 3*math.Sqrt(c*(1-c)/float64(pt.N)))
					if !k.HigherIsBetter {
						x = 100 * (c + 3*math.Sqrt(c*(1-c)/float64(pt.N)))
					}
					l = &x
				}
			case "xmr":
				x := w.Center - 3*w.Sigma
				if !k.HigherIsBetter {
					x = w.Center + 3*w.Sigma
				}
				l = &x
			default:
				x := w.Before
				l = &x
			}
			limits[i] = num(scaled(l))
		}
		o["series"] = append(o["series"].([]opt), opt{"type": "line", "name": p.T("improve.control_limit"), "data": limits, "symbol": "none",
			"lineStyle": opt{"type": "dashed", "color": colorVital}, "itemStyle": opt{"color": colorVital}})
	}
	if n := len(v.D.Verifications); n > 0 {
		last := v.D.Verifications[n-1]
		week := func(s string) string {
			t, err := time.ParseInLocation(time.DateOnly, s, loc)
			if err != nil {
				return ""
			}
			wd := (int(t.Weekday()) + 6) % 7
			return t.AddDate(0, 0, -wd).Format("01-02")
		}
		last2 := func(s string) string { // the week holding the day before s
			t, err := time.ParseInLocation(time.DateOnly, s, loc)
			if err != nil {
				return ""
			}
			return week(t.AddDate(0, 0, -1).Format(time.DateOnly))
		}
		series["markArea"] = opt{"silent": true, "itemStyle": opt{"color": "rgba(148,163,184,0.18)"}, "data": [][]opt{
			{{"name": p.T("improve.before"), "xAxis": week(last.BeforeFrom)}, {"xAxis": last2(last.BeforeTo)}},
			{{"name": p.T("improve.after"), "xAxis": week(last.AfterFrom)}, {"xAxis": last2(last.AfterTo)}},
		}}
	}
	v.Evidence = o
	return nil
}

func (c *Console) showItem(w http.ResponseWriter, r *http.Request, formErr error) {
	id, err := pathID(r)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	c.adminPage(w, r, "improve", "improve_item", "improve.item", func(p *Page) error {
		v, err := c.itemView(r, p, id)
		if err != nil {
			return err
		}
		p.Title = v.D.Number + " " + p.ItemTitle(v.D.ImprovementItem, v.Labels)
		p.Data = v
		return nil
	}, formErr)
}

func (c *Console) itemPage(w http.ResponseWriter, r *http.Request) { c.showItem(w, r, nil) }

// itemDone redirects to the item after a successful POST, or shows it
// again with the error.
func (c *Console) itemDone(w http.ResponseWriter, r *http.Request, err error, anchor string) {
	c.done(w, r, "/quality/items/"+r.PathValue("id")+"?ok=saved#"+anchor, err, c.showItem)
}

func (c *Console) updateItem(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	f := &form{r: r}
	in := c.itemInput(f)
	err := f.v.Err()
	if err == nil {
		_, err = c.S.Improve.UpdateItem(r.Context(), id, f.version(), in)
	}
	c.itemDone(w, r, err, "edit")
}

func (c *Console) transitionItem(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	f := &form{r: r}
	_, err := c.S.Improve.TransitionItem(r.Context(), id, f.version(), aftersales.ItemStatus(f.str("to")), f.str("reason"), f.str("override") == "1")
	c.itemDone(w, r, err, "top")
}

func (c *Console) saveWhys(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	qs, as, es := r.PostForm["question"], r.PostForm["answer"], r.PostForm["evidence"]
	var steps []aftersales.WhyStep
	for i, q := range qs {
		s := aftersales.WhyStep{Question: strings.TrimSpace(q)}
		if i < len(as) {
			s.Answer = strings.TrimSpace(as[i])
		}
		if i < len(es) {
			s.Evidence = strings.TrimSpace(es[i])
		}
		if s.Question == "" && s.Answer == "" && s.Evidence == "" {
			continue // empty rows of the editor
		}
		steps = append(steps, s)
	}
	err := c.S.Improve.SetWhys(r.Context(), id, steps)
	c.itemDone(w, r, err, "five-why")
}

func (c *Console) saveRootCause(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	f := &form{r: r}
	err := c.S.Improve.SetRootCause(r.Context(), id, f.str("code"), f.str("note"))
	c.itemDone(w, r, err, "root-cause")
}

func (c *Console) saveCause(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	f := &form{r: r}
	cause := &aftersales.Cause{Category: f.str("category"), Text: f.str("text"), Status: f.str("status"), Evidence: f.str("cause_evidence"),
		ParentID: f.id("parent_id")}
	if s := r.PathValue("cause"); s != "" {
		cause.ID, _ = strconv.ParseInt(s, 10, 64)
	}
	err := c.S.Improve.SaveCause(r.Context(), id, cause)
	c.itemDone(w, r, err, "fishbone")
}

func (c *Console) deleteCause(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	cause, _ := strconv.ParseInt(r.PathValue("cause"), 10, 64)
	err := c.S.Improve.DeleteCause(r.Context(), id, cause)
	c.itemDone(w, r, err, "fishbone")
}

func (c *Console) saveAction(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	f := &form{r: r}
	in := aftersales.ActionInput{Description: f.str("description"), Start: f.str("start"), Due: f.str("due"), Resources: f.str("resources"),
		Budget: f.float("budget"), Status: f.str("status"), Evidence: f.str("action_evidence")}
	if o := f.id("owner_id"); o != nil {
		in.OwnerID = *o
	}
	var action int64
	if s := r.PathValue("action"); s != "" {
		action, _ = strconv.ParseInt(s, 10, 64)
	}
	err := f.v.Err()
	if err == nil {
		_, err = c.S.Improve.SaveAction(r.Context(), id, action, f.version(), in)
	}
	c.itemDone(w, r, err, "actions")
}

func (c *Console) verifyItem(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	f := &form{r: r}
	in := aftersales.VerifyInput{KPI: f.str("kpi"), BeforeFrom: f.str("before_from"), BeforeTo: f.str("before_to"),
		AfterFrom: f.str("after_from"), AfterTo: f.str("after_to"), ControlValue: f.str("control_value")}
	if s := f.str("scope"); s != "" {
		in.Dim, in.Value = splitOption(s)
	}
	_, err := c.S.Improve.Verify(r.Context(), id, in)
	c.itemDone(w, r, err, "verification")
}

func (c *Console) commentItem(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	f := &form{r: r}
	err := c.S.Improve.CommentItem(r.Context(), id, f.str("body"))
	c.itemDone(w, r, err, "timeline")
}

func (c *Console) publishCase(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	f := &form{r: r}
	_, err := c.S.Improve.PublishCase(r.Context(), id, aftersales.CaseInput{Title: f.str("case_title"), Problem: f.str("problem"),
		RootCause: f.str("case_root_cause"), Actions: f.str("case_actions"), Effect: f.str("effect"), Tags: f.list("tags")})
	c.itemDone(w, r, err, "case")
}

type casesView struct {
	Query string
	Cases []*aftersales.Case
	Codes []*aftersales.RootCauseCode
}

// caseCode matches a root-cause code in brackets, as a case written from
// its item records it ("[method.no_route_planning]").
var caseCode = regexp.MustCompile(`\[([a-z0-9_]+\.[a-z0-9_.]+)\]`)

// RootCause shows a case's root cause with each bracketed taxonomy code
// named in the page's language; the rest is as written.
func (v *casesView) RootCause(p *Page, s string) string {
	return caseCode.ReplaceAllStringFunc(s, func(m string) string {
		if name, ok := codeName(p, v.Codes, m[1:len(m)-1]); ok {
			return "[" + name + "]"
		}
		return m
	})
}

// codeName names a root-cause code of the taxonomy in the page's
// language: its category, then its own name.
func codeName(p *Page, codes []*aftersales.RootCauseCode, code string) (string, bool) {
	for _, c := range codes {
		if c.Code == code {
			return p.T("cause."+c.Category) + " · " + c.Name(p.Lang), true
		}
	}
	return "", false
}

func (c *Console) casesPage(w http.ResponseWriter, r *http.Request) {
	c.adminPage(w, r, "improve", "improve_cases", "improve.cases", func(p *Page) error {
		q := strings.TrimSpace(r.URL.Query().Get("q"))
		v := &casesView{Query: q}
		p.Data = v
		var err error
		if v.Cases, err = c.S.Improve.Cases(r.Context(), q); err == nil {
			v.Codes, err = c.S.Improve.RootCauseCodes(r.Context())
		}
		return err
	}, nil)
}

func (c *Console) rootCodesPage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "improve", "improve_codes", "improve.codes", func(p *Page) error {
		codes, err := c.S.Improve.RootCauseCodes(r.Context())
		p.Data = codes
		return err
	}, formErr)
}

func (c *Console) rootCausesPage(w http.ResponseWriter, r *http.Request) { c.rootCodesPage(w, r, nil) }

func (c *Console) saveRootCauseCode(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	code := &aftersales.RootCauseCode{Code: f.str("code"), Category: f.str("category"), NameZH: f.str("name_zh"), NameEN: f.str("name_en"),
		Active: f.str("active") == "1"}
	err := c.S.Improve.SaveRootCauseCode(r.Context(), code)
	c.done(w, r, "/quality/root-causes?ok=saved", err, c.rootCodesPage)
}

// itemEventPrefix names the catalog prefix of the From ("from") or To
// ("to") of a kind of timeline entry: the store records enum values,
// which the page shows in its language.
func itemEventPrefix(kind, side string) string {
	switch kind {
	case "created", "status":
		return "improvement."
	case "cause_added", "cause_changed":
		if side == "from" {
			return "cause."
		}
		return "cstatus."
	case "action_added", "action_changed":
		return "astatus."
	case "verification":
		return "verdict."
	}
	return ""
}

// EventValue shows the From or To (side "from" or "to") of a timeline
// entry: an enum value through the catalog, a root-cause code by its
// name in the taxonomy. Anything else is shown as recorded.
func (v *itemView) EventValue(p *Page, kind, side, value string) string {
	if kind == "root_cause" {
		if name, ok := codeName(p, v.Codes, value); ok {
			return name
		}
		return value
	}
	if pre := itemEventPrefix(kind, side); pre != "" {
		return p.tOr(pre+value, value)
	}
	return value
}
