package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
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

// auditEnums are the fields whose stored values are codes the catalog
// names, by the catalog prefix that names them. A transition's bare
// from/to are statuses.
var auditEnums = map[string]string{"": "status.", "status": "status.", "urgency": "urgency.", "nature": "nature.",
	"channel": "channel.", "to": "status.", "from": "status.", "outcome": "visit.outcome.", "severity": "sev."}

// localizeAuditLine says a line's field and, for coded fields, its values
// in the page's language; anything the catalog does not name stays as
// stored.
func (p *Page) localizeAuditLine(l *auditLine) {
	base := l.Field
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		base = base[i+1:]
	}
	if prefix, ok := auditEnums[base]; ok {
		for _, v := range []*auditValue{&l.Old, &l.New} {
			if v.Full == "" && v.Short != "" {
				v.Short = p.tOr(prefix+v.Short, v.Short)
			}
		}
	}
	if base != "" {
		l.Field = p.tOr("field."+base, l.Field)
	}
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
	d.Page, d.Total, d.More, d.Entities, d.Actions = page, res.Total, res.More, res.Entities, res.Actions
	d.Filtered = f.Actor != "" || f.Entity != "" || f.Action != "" || !f.From.IsZero() || !f.To.IsZero()
	d.Pages = (res.Total + auditPageSize - 1) / auditPageSize
	for _, e := range res.Entries {
		row := newAuditRow(e)
		for _, ls := range [][]auditLine{row.Lines, row.More} {
			for i := range ls {
				p.localizeAuditLine(&ls[i])
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
