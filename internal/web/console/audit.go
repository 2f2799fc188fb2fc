package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"aftersales"
)

// auditPageSize is how many entries the audit page shows at once.
const auditPageSize = 50

// auditView is the audit page: the filter as submitted, one page of
// entries with their changes spelled out, and the pager.
type auditView struct {
	Q        url.Values
	Entries  []auditRow
	Total    int
	More     bool // more than Total match
	Page     int
	Pages    int
	PrevURL  string
	NextURL  string
	Entities []string
	Actions  []string
	Filtered bool
}

// auditRow is an entry with its first lines shown, the next ones folded
// away, and how many more are left out (a bulk change can list thousands
// of values; the API has the whole entry).
type auditRow struct {
	*aftersales.AuditEntry
	Lines  []auditLine
	More   []auditLine
	Hidden int
}

// auditShown and auditFolded bound an entry's lines on the page.
const (
	auditShown  = 6
	auditFolded = 200
)

func newAuditRow(e *aftersales.AuditEntry) auditRow {
	row := auditRow{AuditEntry: e, Lines: auditLines(e.Detail)}
	if len(row.Lines) > auditShown {
		row.Lines, row.More = row.Lines[:auditShown], row.Lines[auditShown:]
	}
	if len(row.More) > auditFolded {
		row.Hidden = len(row.More) - auditFolded
		row.More = row.More[:auditFolded]
	}
	return row
}

// auditCodes are the fields whose stored values are codes the catalog
// names, by the catalog prefix that names them. A transition's bare
// from/to are statuses; a list of codes is named element by element.
var auditCodes = map[string]string{"": "status.", "status": "status.", "from": "status.", "to": "status.",
	"statuses": "status.", "pause_statuses": "status.", "urgency": "urgency.", "nature": "nature.", "natures": "nature.",
	"channel": "channel.", "channels": "channel.", "outcome": "visit.outcome.", "severity": "sev.",
	"department": "dept.", "dim": "dim.", "role": "role.", "strategy": "strategy.", "grain": "grain.",
	"chart": "alerts.chart.", "verdict": "verdict.", "source": "source.", "reason_code": "vreason.", "kpi": "kpi."}

// auditEntityCodes override auditCodes for one kind of entity: an
// improvement item's transitions are item statuses and its "status" is
// an action's; a follow-up's outcome and channel are the follow-up's own.
var auditEntityCodes = map[string]map[string]string{
	"improvement_item": {"": "improvement.", "from": "improvement.", "to": "improvement.", "status": "astatus."},
	"followup": {"outcome": "followup.outcome.", "channel": "followup.channel.", "reason": "followup.reason.", "result": "followup.result.",
		"status": "followup.status."},
	"followup_policy": {"channel": "followup.channel.", "channels": "followup.channel."},
	"department":      {"kind": "dept."},
	"service_unit":    {"kind": "unit."},
	"custom_field":    {"type": "type."},
	"customer":        {"kind": "kind."},
	// A complaint's severity and the results of the attempts to reach
	// the customer (issue #20) are recorded on its ticket.
	"ticket": {"severity": "complaint.severity.", "result": "followup.result."},
}

// auditRefs are the company's own names the audit log shows coded values
// by: customer tiers and the root-cause taxonomy.
type auditRefs struct {
	Tiers []aftersales.Tier
	Codes []*aftersales.RootCauseCode
}

// auditTierFields hold customer tier codes, named by the tier's name.
var auditTierFields = map[string]bool{"tier": true, "tiers": true}

// auditEntityTierFields are further tier fields of one entity: a tier set
// by the segment rules records from and to (issue #20).
var auditEntityTierFields = map[string]map[string]bool{"customer": {"from": true, "to": true}}

// auditStatNames are the statistical tests and effect sizes a
// verification records by their English names.
var auditStatNames = map[string]string{"two-proportion z": "stat.two_proportion_z", "Welch t": "stat.welch_t",
	"Mann-Whitney U": "stat.mann_whitney_u", "difference-in-differences": "stat.did",
	"Cohen's h": "stat.cohens_h", "Cohen's d": "stat.cohens_d", "common-language A": "stat.common_language_a"}

// StatName names a statistical test or effect size in the page's
// language.
func (p *Page) StatName(s string) string {
	if k, ok := auditStatNames[s]; ok {
		return p.T(k)
	}
	return s
}

// auditIndex is a list position in a flattened field name: "[3]".
var auditIndex = regexp.MustCompile(`\[(\d+)\]`)

// localizeAuditLine says a line's field and, for coded fields, its values
// in the page's language: every part of a nested field name, codes by the
// catalog, tiers by their names, yes and no, the statistical names and a
// verification's reason. Anything the catalog does not name stays as
// stored.
func (p *Page) localizeAuditLine(entity string, refs auditRefs, l *auditLine) {
	tiers := refs.Tiers
	field := auditIndex.ReplaceAllString(l.Field, "")
	base := field
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		base = base[i+1:]
	}
	tierField := auditTierFields[base] || auditEntityTierFields[entity][base]
	name := func(v string) string {
		if tierField {
			return p.TierName(tiers, v)
		}
		if base == "root_cause" {
			for _, c := range refs.Codes {
				if c.Code == v {
					return c.Name(p.Lang)
				}
			}
			return v
		}
		if prefix, ok := auditEntityCodes[entity][base]; ok {
			if s, ok := p.cat.texts[p.Lang][prefix+v]; ok {
				return s
			}
		}
		if prefix, ok := auditCodes[base]; ok {
			return p.tOr(prefix+v, v)
		}
		return v
	}
	for _, v := range []*auditValue{&l.Old, &l.New} {
		if v.Full != "" || v.Short == "" {
			continue
		}
		switch {
		case v.Short == "true" || v.Short == "false":
			v.Short = p.T("bool." + v.Short)
		case base == "method" || base == "effect_name":
			v.Short = p.StatName(v.Short)
		case base == "reason" && entity == "improvement_item":
			v.Short = p.verifyReason(v.Short)
		case tierField || base == "root_cause" || auditCodes[base] != "" || auditEntityCodes[entity][base] != "":
			parts := strings.Split(v.Short, ", ")
			for i := range parts {
				parts[i] = name(parts[i])
			}
			v.Short = strings.Join(parts, ", ")
		}
	}
	if l.Field == "" {
		return
	}
	// Each part of a nested name: "test.ci_high" is 统计检验 · 置信区间上限,
	// "[3].amount" the fourth row's amount.
	parts := strings.Split(l.Field, ".")
	for i, part := range parts {
		idx := ""
		if m := auditIndex.FindStringSubmatchIndex(part); m != nil {
			n, _ := strconv.Atoi(part[m[2]:m[3]])
			idx = "#" + strconv.Itoa(n+1)
			part = part[:m[0]] + part[m[1]:]
		}
		if part != "" {
			part = p.tOr("field."+part, part)
		}
		parts[i] = strings.TrimSpace(part + " " + idx)
	}
	l.Field = strings.Join(parts, " · ")
}

// auditLine is one field of an entry's detail: "field: old → new" when
// the detail records a change, "field: value" otherwise.
type auditLine struct {
	Field  string
	Old    auditValue
	New    auditValue
	Change bool
}

// auditValue is a value cut to a readable length; Full holds the whole
// value when it was cut.
type auditValue struct {
	Short string
	Full  string
}

// auditValueRunes is how much of a value a line shows before it is cut.
const auditValueRunes = 80

func shorten(s string) auditValue {
	if utf8.RuneCountInString(s) <= auditValueRunes {
		return auditValue{Short: s}
	}
	r := []rune(s)
	return auditValue{Short: string(r[:auditValueRunes]) + "…", Full: s}
}

// auditLines spells out an entry's detail. The store keeps it as text or
// JSON: a list of {field, from, to} changes, {from, to} (a transition),
// or an object of values, possibly nested, which is flattened to dotted
// field names. Anything else is shown as it is.
func auditLines(detail string) []auditLine {
	detail = strings.TrimSpace(detail)
	if detail == "" {
		return nil
	}
	d := json.NewDecoder(strings.NewReader(detail))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return []auditLine{{New: shorten(detail)}}
	}
	var out []auditLine
	flattenAudit("", v, &out)
	return out
}

// changePairs are the key pairs that mean "was, became".
var changePairs = [][2]string{{"from", "to"}, {"old", "new"}, {"before", "after"}}

func flattenAudit(prefix string, v any, out *[]auditLine) {
	switch x := v.(type) {
	case map[string]any:
		for _, pair := range changePairs {
			oldV, ok1 := x[pair[0]]
			newV, ok2 := x[pair[1]]
			if !ok1 || !ok2 {
				continue
			}
			field := prefix
			if f, ok := x["field"].(string); ok && len(x) == 3 {
				field = join(prefix, f)
			} else if len(x) != 2 {
				continue
			}
			*out = append(*out, auditLine{Field: field, Old: shorten(scalar(oldV)), New: shorten(scalar(newV)), Change: true})
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			flattenAudit(join(prefix, k), x[k], out)
		}
	case []any:
		simple := true
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				simple = false
			}
		}
		if simple {
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = scalar(e)
			}
			*out = append(*out, auditLine{Field: prefix, New: shorten(strings.Join(parts, ", "))})
			return
		}
		for i, e := range x {
			// A list of changes names its fields itself.
			if m, ok := e.(map[string]any); ok && m["field"] != nil {
				flattenAudit(prefix, e, out)
				continue
			}
			flattenAudit(prefix+"["+strconv.Itoa(i)+"]", e, out)
		}
	default:
		*out = append(*out, auditLine{Field: prefix, New: shorten(scalar(x))})
	}
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// scalar prints a JSON value; objects and lists stay JSON.
func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return "∅"
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSpace(b.String())
}

// auditFilter reads the page's filter: dates are days in the deployment's
// zone, "to" included.
func (c *Console) auditFilter(q url.Values) (aftersales.AuditFilter, int, error) {
	var v aftersales.Validator
	f := aftersales.AuditFilter{Actor: strings.TrimSpace(q.Get("actor")), Entity: strings.TrimSpace(q.Get("entity")),
		Action: strings.TrimSpace(q.Get("action")), Limit: auditPageSize}
	f.SetDays(&v, q.Get("from"), q.Get("to"), c.Zone)
	page := 1
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		v.Check(err == nil && n >= 1, "page", "must be a whole number from 1")
		if err == nil && n >= 1 {
			page = n
		}
	}
	f.Offset = (page - 1) * auditPageSize
	return f, page, v.Err()
}

func (c *Console) listAudit(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "audit", "audit.title")
	q := r.URL.Query()
	d := &auditView{Q: q, Page: 1}
	p.Data = d
	f, page, err := c.auditFilter(q)
	var res *aftersales.AuditPage
	if err == nil {
		res, err = c.S.Settings.AuditLog(r.Context(), f)
	}
	if err != nil {
		// Bad filter values go back to the form; anything else fails the page.
		c.fail(w, r, "audit", p, err)
		return
	}
	// Tiers and root causes are named by the company's own names.
	var refs auditRefs
	refs.Tiers, err = c.S.Customers.ListTiers(r.Context())
	if err == nil && c.S.Improve != nil {
		refs.Codes, err = c.S.Improve.RootCauseCodes(r.Context())
	}
	if err != nil {
		c.fail(w, r, "audit", p, err)
		return
	}
	d.Page, d.Total, d.More, d.Entities, d.Actions = page, res.Total, res.More, res.Entities, res.Actions
	d.Filtered = f.Actor != "" || f.Entity != "" || f.Action != "" || !f.From.IsZero() || !f.To.IsZero()
	d.Pages = (res.Total + auditPageSize - 1) / auditPageSize
	for _, e := range res.Entries {
		row := newAuditRow(e)
		for _, ls := range [][]auditLine{row.Lines, row.More} {
			for i := range ls {
				p.localizeAuditLine(e.Entity, refs, &ls[i])
			}
		}
		d.Entries = append(d.Entries, row)
	}
	link := func(n int) string {
		v := url.Values{}
		for _, k := range []string{"actor", "entity", "action", "from", "to"} {
			if s := q.Get(k); s != "" {
				v.Set(k, s)
			}
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		return "/audit?" + v.Encode()
	}
	if page > 1 {
		d.PrevURL = link(min(page-1, max(d.Pages, 1)))
	}
	if page < d.Pages || d.More && len(res.Entries) == auditPageSize {
		d.NextURL = link(page + 1)
	}
	c.render(w, r, "audit", p)
}
