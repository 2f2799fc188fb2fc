package console

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"aftersales"
)

// Customer segments (issue #20): administrators edit the ordered segment
// rules as a form (one row per rule, empty rows to add), try them with a
// dry run that says how many customers would move from which tier to
// which, and apply them now; the daily job applies them too.

func (c *Console) segmentRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/segments", c.guard(c.segmentsPage))
	mux.HandleFunc("POST /admin/segments", c.guard(c.saveSegments))
	mux.HandleFunc("POST /admin/segments/dry-run", c.guard(c.dryRunSegments))
	mux.HandleFunc("POST /admin/segments/evaluate", c.guard(c.evaluateSegments))
	mux.HandleFunc("POST /customers/{id}/tier-lock", c.guard(c.setTierLock))
}

// setTierLock locks or unlocks a customer's tier against the rules.
func (c *Console) setTierLock(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = c.S.Segments.SetTierLock(r.Context(), id, r.PostFormValue("locked") == "1")
	}
	if err != nil {
		c.fail(w, r, "", c.page(r, "customers", "customer.title"), err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/customers/%d", id), http.StatusSeeOther)
}

// segmentFreeRows is how many empty rows the form offers for new rules.
const segmentFreeRows = 2

type segmentsView struct {
	Rules   []aftersales.SegmentRule
	Tiers   []aftersales.Tier
	Rows    []int
	Outcome *aftersales.SegmentOutcome
}

func (c *Console) segmentsPage(w http.ResponseWriter, r *http.Request) {
	c.showSegments(w, r, nil, nil)
}

func (c *Console) showSegments(w http.ResponseWriter, r *http.Request, outcome *aftersales.SegmentOutcome, formErr error) {
	c.adminPage(w, r, "segments", "segments", "segment.title", func(p *Page) error {
		ctx := r.Context()
		if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
			return err
		}
		v := &segmentsView{Outcome: outcome}
		p.Data = v
		var err error
		if v.Rules, err = c.S.Segments.ListSegmentRules(ctx); err != nil {
			return err
		}
		if v.Tiers, err = c.S.Customers.ListTiers(ctx); err != nil {
			return err
		}
		n := len(v.Rules)
		if p.Form == nil {
			p.Form = segmentForm(v.Rules)
		} else {
			n, _ = strconv.Atoi(p.Form.Get("rows"))
			n = min(max(n-segmentFreeRows, 0), 50)
		}
		for i := range n + segmentFreeRows {
			v.Rows = append(v.Rows, i)
		}
		return nil
	}, formErr)
}

// segmentForm fills the form's rows from the rules.
func segmentForm(rules []aftersales.SegmentRule) map[string][]string {
	out := map[string][]string{"rows": {strconv.Itoa(len(rules) + segmentFreeRows)}}
	set := func(name string, i int, p *int) {
		if p != nil {
			out[fmt.Sprintf("%s_%d", name, i)] = []string{strconv.Itoa(*p)}
		}
	}
	for i, r := range rules {
		out[fmt.Sprintf("tier_%d", i)] = []string{r.Tier}
		out[fmt.Sprintf("months_%d", i)] = []string{strconv.Itoa(r.Months)}
		out[fmt.Sprintf("order_%d", i)] = []string{strconv.Itoa(i + 1)}
		set("min_assets", i, r.MinAssets)
		set("min_tickets", i, r.MinTickets)
		set("min_complaints", i, r.MinComplaints)
		set("max_complaints", i, r.MaxComplaints)
		if r.MinSpend != nil {
			out[fmt.Sprintf("min_spend_%d", i)] = []string{aftersales.Money(*r.MinSpend).String()}
		}
	}
	return out
}

// parseSegmentRules reads the rows of the form: a row without a tier is
// left out, the others are sorted by their order number. rows maps each
// rule's index to its row, to show the rule's errors on it.
func parseSegmentRules(r *http.Request) ([]aftersales.SegmentRule, []int, *form) {
	f := &form{r: r}
	r.ParseForm()
	n, _ := strconv.Atoi(f.str("rows"))
	n = min(max(n, 0), 60)
	type row struct {
		order, row int
		rule       aftersales.SegmentRule
	}
	var rows []row
	optInt := func(name string) *int {
		s := f.str(name)
		if s == "" {
			return nil
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			f.v.Add(name, "must be between 0 and 1000000")
			return nil
		}
		return &v
	}
	for i := range n {
		name := func(s string) string { return fmt.Sprintf("%s_%d", s, i) }
		if f.str(name("tier")) == "" {
			continue
		}
		x := row{row: i, rule: aftersales.SegmentRule{Tier: f.str(name("tier")),
			MinAssets: optInt(name("min_assets")), MinTickets: optInt(name("min_tickets")),
			MinComplaints: optInt(name("min_complaints")), MaxComplaints: optInt(name("max_complaints"))}}
		if m := optInt(name("months")); m != nil {
			x.rule.Months = *m
		}
		x.order = i + 1
		if o := optInt(name("order")); o != nil {
			x.order = *o
		}
		if s := f.str(name("min_spend")); s != "" {
			m, err := aftersales.ParseMoney(s)
			if err != nil {
				f.v.Add(name("min_spend"), "must be an amount such as 125.50")
			}
			v := int64(m)
			x.rule.MinSpend = &v
		}
		rows = append(rows, x)
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].order < rows[b].order })
	rules := make([]aftersales.SegmentRule, 0, len(rows))
	at := make([]int, 0, len(rows))
	for _, x := range rows {
		rules = append(rules, x.rule)
		at = append(at, x.row)
	}
	return rules, at, f
}

var segmentField = regexp.MustCompile(`^rules\[([0-9]+)\]\.(.+)$`)

// segmentFieldErr puts a rule's errors on the form row it came from.
func segmentFieldErr(err error, rows []int) error {
	e, ok := err.(*aftersales.Error)
	if !ok {
		return err
	}
	out := *e
	out.Fields = nil
	for _, x := range e.Fields {
		if m := segmentField.FindStringSubmatch(x.Field); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(rows) {
				x.Field = fmt.Sprintf("%s_%d", m[2], rows[i])
			}
		}
		out.Fields = append(out.Fields, x)
	}
	return &out
}

func (c *Console) saveSegments(w http.ResponseWriter, r *http.Request) {
	rules, rows, f := parseSegmentRules(r)
	err := f.v.Err()
	if err == nil {
		_, err = c.S.Segments.ReplaceSegmentRules(r.Context(), rules)
	}
	c.done(w, r, "/admin/segments", segmentFieldErr(err, rows), func(w http.ResponseWriter, r *http.Request, err error) {
		c.showSegments(w, r, nil, err)
	})
}

func (c *Console) dryRunSegments(w http.ResponseWriter, r *http.Request) {
	rules, rows, f := parseSegmentRules(r)
	err := f.v.Err()
	var o *aftersales.SegmentOutcome
	if err == nil {
		o, err = c.S.Segments.EvaluateSegments(r.Context(), rules, true)
	}
	c.showSegments(w, r, o, segmentFieldErr(err, rows))
}

func (c *Console) evaluateSegments(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	o, err := c.S.Segments.EvaluateSegments(r.Context(), nil, false)
	r.PostForm = nil // the page shows the saved rules
	r.Method = http.MethodGet
	c.showSegments(w, r, o, err)
}

// SegmentReason says why a customer has its tier in the page's language:
// "规则 1：近 12 个月 3 台设备（至少 3）→ 核心客户".
func (p *Page) SegmentReason(tiers []aftersales.Tier, r aftersales.SegmentReason) string {
	tier := p.TierName(tiers, r.Tier)
	if r.Rule == 0 || r.Match == nil {
		return fmt.Sprintf(p.T("segment.reason_default"), tier)
	}
	m := r.Match
	var conds []string
	if m.MinAssets != nil {
		conds = append(conds, fmt.Sprintf(p.T("segment.cond.assets"), r.Assets, *m.MinAssets))
	}
	if m.MinTickets != nil {
		conds = append(conds, fmt.Sprintf(p.T("segment.cond.tickets"), r.Tickets, *m.MinTickets))
	}
	if m.MinComplaints != nil {
		conds = append(conds, fmt.Sprintf(p.T("segment.cond.min_complaints"), r.Complaints, *m.MinComplaints))
	}
	if m.MaxComplaints != nil {
		conds = append(conds, fmt.Sprintf(p.T("segment.cond.max_complaints"), r.Complaints, *m.MaxComplaints))
	}
	if m.MinSpend != nil {
		conds = append(conds, fmt.Sprintf(p.T("segment.cond.spend"), aftersales.Money(r.Spend).String(), aftersales.Money(*m.MinSpend).String()))
	}
	return fmt.Sprintf(p.T("segment.reason"), r.Rule, r.Months, strings.Join(conds, p.L("、", ", ")), tier)
}
