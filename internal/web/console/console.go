// Package console is the staff console: server-rendered pages with htmx,
// in zh-CN and English. Handlers parse forms into domain inputs and call
// the same services as the API; every rule and permission check stays in
// the services, so the console cannot do what the API would refuse.
package console

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"aftersales"
	"aftersales/internal/files"
	"aftersales/internal/web/httperr"
	"aftersales/internal/web/static"
)

// SessionCookie names the session cookie; LangCookie the language choice.
const (
	SessionCookie = "as_session"
	LangCookie    = "as_lang"
)

//go:embed templates/*.html
var templateFS embed.FS

// Console serves the staff screens.
type Console struct {
	S            aftersales.Services
	Files        *files.Store
	Log          *slog.Logger
	Now          func() time.Time
	Zone         *time.Location
	SecureCookie bool
	Version      string
	// FormLimit rate-limits the public web form per client address;
	// FormKey signs the form's spam-trap token.
	FormLimit Limiter
	FormKey   []byte
	// Uploads keeps files uploaded for import between the mapping
	// screen and the import: on every instance's reach when it is the
	// database.
	Uploads aftersales.BlobStore
	// SurveyLimit rate-limits answers on the public survey page per
	// client address.
	SurveyLimit Limiter
	// Login slows down password guessing; nil turns that off.
	Login LoginThrottle
	// ServerEmail is the email configuration set by flags (read-only on
	// the Channels page); ChannelTester backs its "Test connection".
	ServerEmail   aftersales.ServerEmail
	ChannelTester aftersales.ChannelTester
	// PortalLimit rate-limits the portal's sign-in (links asked for and
	// passwords tried) per client address.
	PortalLimit Limiter

	assets *static.Assets
	pages  map[string]*template.Template
	cat    *Catalog
	// saves says who may save each form (post).
	saves map[string]writeRule
}

// Pages lists every page template; a test renders each one.
var Pages = []string{"login", "tickets", "ticket", "ticket_form", "customers", "customer", "customer_form",
	"products", "network", "users", "user_form", "tokens", "fields", "audit", "sla", "sla_edit", "edit", "notifications", "rule", "quality", "quality_issues", "form", "follow", "imports", "import_map", "dashboard", "alerts", "targets", "revenue", "improve_board", "improve_item", "improve_cases", "improve_codes", "followups", "followup", "followup_policies", "survey", "surveys", "my_day", "dispatch", "error",
	"text_models", "survey_template", "portal_login", "portal_tickets", "portal_ticket", "portal_new", "portal_assets", "portal_account", "kb", "kb_article", "kb_edit", "kb_report", "help", "field_standards", "voc_clusters", "dictionary", "voc", "segments", "book_visit", "stock", "technicians", "channels"}

// Mount registers the console's routes on mux.
func (c *Console) Mount(mux *http.ServeMux) {
	if err := c.load(); err != nil {
		panic(err) // templates are embedded: a parse error is a build defect
	}
	mux.Handle("GET /static/", c.assets)
	// Browsers ask for /favicon.ico whatever the page links; send them to
	// the icon's hashed URL (not permanently: the hash changes with it).
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		http.Redirect(w, r, c.assets.URL("favicon.svg"), http.StatusFound)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/tickets", http.StatusSeeOther) })
	mux.HandleFunc("GET /login", c.loginForm)
	mux.HandleFunc("POST /login", c.login)
	mux.HandleFunc("POST /logout", c.logout)
	mux.HandleFunc("GET /lang/{lang}", c.setLang)
	c.routes(mux)
	c.publicRoutes(mux)
	c.surveyRoutes(mux)
	c.surveyConsoleRoutes(mux)
	c.surveyTemplateRoutes(mux)
	c.importRoutes(mux)
	c.textModelRoutes(mux)
	c.portalRoutes(mux)
	if c.S.KB != nil {
		c.kbRoutes(mux)
	}
	c.textClusterRoutes(mux)
	c.channelRoutes(mux)
	if c.S.Segments != nil {
		c.segmentRoutes(mux)
	}
}

func (c *Console) load() error {
	a, err := static.Load()
	if err != nil {
		return err
	}
	c.assets = a
	if c.cat, err = LoadCatalog(localeFS); err != nil {
		return err
	}
	if c.Zone == nil {
		c.Zone = time.UTC
	}
	funcs := template.FuncMap{
		"asset": a.URL,
		"time": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				return v.In(c.Zone).Format("2006-01-02 15:04")
			case *time.Time:
				if v == nil {
					return ""
				}
				return v.In(c.Zone).Format("2006-01-02 15:04")
			}
			return ""
		},
		"inputTime": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.In(c.Zone).Format("2006-01-02T15:04")
		},
		"id": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"hasPrefix": strings.HasPrefix,
		"has": func(list []string, v string) bool {
			for _, x := range list {
				if x == v {
					return true
				}
			}
			return false
		},
		"join": strings.Join,
		"pct": func(part, whole int) string {
			if whole == 0 {
				return "—"
			}
			return strconv.FormatFloat(100*float64(part)/float64(whole), 'f', 1, 64) + "%"
		},
		"list": func(xs ...string) []string { return xs },
		"pair": func(a, b any) []any { return []any{a, b} },
		// errPrefix returns the first error of a field or its sub-fields
		// ("week.mon" also covers "week.mon[1]").
		"errPrefix": func(errs map[string]string, prefix string) string {
			for k, v := range errs {
				if k == prefix || strings.HasPrefix(k, prefix+"[") || strings.HasPrefix(k, prefix+".") {
					return k + ": " + v
				}
			}
			return ""
		},
		"ranges": func(rs []aftersales.TimeRange) string {
			parts := make([]string, len(rs))
			for i, r := range rs {
				parts[i] = r.Start + "-" + r.End
			}
			return strings.Join(parts, ", ")
		},
		"makeup": func(ws []aftersales.MakeupDay) string {
			parts := make([]string, len(ws))
			for i, w := range ws {
				parts[i] = string(w.Date) + " " + w.As
			}
			return strings.Join(parts, "\n")
		},
		// in reports whether a slice holds a value, compared as text.
		"in": func(list any, v any) bool {
			rv := reflect.ValueOf(list)
			if rv.Kind() != reflect.Slice {
				return false
			}
			for i := range rv.Len() {
				if fmt.Sprint(rv.Index(i).Interface()) == fmt.Sprint(v) {
					return true
				}
			}
			return false
		},
		"deref1": func(b *bool) bool { return b != nil && *b },
		"neg":    func(f float64) float64 { return -f },
		"add":    func(a, b int) int { return a + b },
		// thousands writes a count with comma groups: 1,234.
		"thousands": func(p *int64) string { return thousands(*p) },
		"str":       func(v any) string { return fmt.Sprint(v) },
		"deref": func(p *float64) string {
			if p == nil {
				return ""
			}
			return strconv.FormatFloat(*p, 'f', -1, 64)
		},
		"query": func(kv ...string) template.URL {
			q := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] != "" {
					q.Set(kv[i], kv[i+1])
				}
			}
			return template.URL(q.Encode())
		},
		"inScale": inScale,
		"scaledDelta": func(v *float64, s unitScale) string {
			if v == nil {
				return ""
			}
			a := math.Abs(*v)
			return strings.TrimPrefix(diffScale(a, s), "+")
		},
		"diffScale": diffScale,
		"fnum": func(p *float64, prec int) string {
			if p == nil {
				return "—"
			}
			return strconv.FormatFloat(*p, 'f', prec, 64)
		},
		"positive": func(p *float64) bool { return p != nil && *p > 0 },
		"deref1f": func(p *float64) float64 {
			if p == nil {
				return 0
			}
			return *p
		},
		// clock is a time of day in the deployment's zone.
		"clock": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				return v.In(c.Zone).Format("15:04")
			case *time.Time:
				if v != nil {
					return v.In(c.Zone).Format("15:04")
				}
			}
			return ""
		},
		// clockEnd is clock for the end of a span: local midnight reads
		// 24:00, the end of the day before.
		"clockEnd": func(t any) string {
			var v time.Time
			switch x := t.(type) {
			case time.Time:
				v = x
			case *time.Time:
				if x == nil {
					return ""
				}
				v = *x
			}
			if s := v.In(c.Zone).Format("15:04"); s != "00:00" {
				return s
			}
			return "24:00"
		},
		"strs": func(xs any) []string {
			rv := reflect.ValueOf(xs)
			out := []string{}
			if rv.Kind() == reflect.Slice {
				for i := range rv.Len() {
					out = append(out, fmt.Sprint(rv.Index(i).Interface()))
				}
			}
			return out
		},
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/portal_parts.html", "templates/kb_parts.html")
	if err != nil {
		return err
	}
	c.pages = map[string]*template.Template{}
	for _, p := range Pages {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+p+".html")
		if err != nil {
			return fmt.Errorf("console: template %s: %w", p, err)
		}
		c.pages[p] = t
	}
	return nil
}

// Page is what every template receives.
type Page struct {
	Lang   string
	User   *aftersales.User
	Title  string
	Nav    string
	Flash  string
	OK     string
	Errs   map[string]string
	Data   any
	Path   string
	Enums  enums
	Status int
	// Form holds submitted values, to show a rejected form again.
	Form url.Values
	// Unread counts the user's unread notifications, for the header.
	Unread int
	// Charts loads the chart scripts on a page outside the dashboards.
	Charts bool
	// RequestID is shown with an internal error, so that a report of it
	// finds its log line.
	RequestID string
	// Refused is the form route a refused page could not be used for; the
	// error page names the roles that may save it.
	Refused string

	cat   *Catalog
	saves map[string]writeRule
	// switchBack is the page a language switch returns to (LangHref).
	switchBack string
}

// navLink is one entry of the header's navigation. Perm, when set, is the
// permission the page behind it needs: a role is never shown a link that
// would answer 403.
type navLink struct {
	Key, Href, ID, Label string
	Perm                 aftersales.Permission
	// Role, when set, is the only role the link is for.
	Role aftersales.Role
	// Group, when set, puts the link in one of the header's menus
	// (navGroups) instead of the header itself.
	Group string
}

// navGroups are the header's menus, in order, by key and label. The
// header keeps the daily pages in sight and folds the rest into these, so
// that it holds one row on a desktop.
var navGroups = []struct{ Key, Label string }{
	{"service", "nav.group.service"}, {"analysis", "nav.group.analysis"}, {"admin", "nav.group.admin"},
}

var navLinks = []navLink{
	{Key: "tickets", Href: "/tickets", Label: "nav.tickets"},
	{Key: "my_day", Href: "/my/day", ID: "nav-my-day", Label: "nav.my_day", Role: aftersales.RoleTechnician},
	{Key: "dispatch", Href: "/dispatch", ID: "nav-dispatch", Label: "nav.dispatch", Perm: aftersales.PermVisitPlan},
	{Key: "dashboard", Href: "/dashboard", ID: "nav-dashboard", Label: "nav.dashboard", Perm: aftersales.PermMetricsRead},
	{Key: "improve", Href: "/quality/items", ID: "nav-improve", Label: "nav.improve"},
	{Key: "followups", Href: "/followups", ID: "nav-followups", Label: "nav.followups", Perm: aftersales.PermTicketReadAll},
	{Key: "at_risk", Href: "/tickets?sla=overdue&sort=-urgency", ID: "nav-at-risk", Label: "nav.at_risk"},
	{Key: "customers", Href: "/customers", Label: "nav.customers", Perm: aftersales.PermCustomerRead, Group: "service"},
	{Key: "products", Href: "/products", Label: "nav.products", Group: "service"},
	{Key: "network", Href: "/network", Label: "nav.network", Group: "service"},
	{Key: "kb", Href: "/kb", ID: "nav-kb", Label: "nav.kb", Group: "service"},
	{Key: "surveys", Href: "/surveys", ID: "nav-surveys", Label: "nav.surveys", Perm: aftersales.PermMetricsRead, Group: "analysis"},
	{Key: "voc", Href: "/voc", ID: "nav-voc", Label: "nav.voc", Perm: aftersales.PermMetricsRead, Group: "analysis"},
	{Key: "voc_clusters", Href: "/voc/clusters", ID: "nav-voc-clusters", Label: "nav.voc_clusters", Perm: aftersales.PermMetricsRead, Group: "analysis"},
	{Key: "quality", Href: "/data-quality", Label: "nav.quality", Perm: aftersales.PermDataImport, Group: "analysis"},
	{Key: "users", Href: "/users", Label: "nav.users", Perm: aftersales.PermUserRead, Group: "admin"},
	{Key: "sla", Href: "/sla", Label: "nav.sla", Group: "admin"},
	{Key: "fields", Href: "/fields", Label: "nav.fields", Group: "admin"},
	{Key: "field_standards", Href: "/field-standards", ID: "nav-field-standards", Label: "nav.field_standards", Perm: aftersales.PermSettingsWrite, Group: "admin"},
	{Key: "stock", Href: "/stock", ID: "nav-stock", Label: "nav.stock", Perm: aftersales.PermPartsWrite, Group: "admin"},
	{Key: "technicians", Href: "/technicians", ID: "nav-technicians", Label: "nav.technicians", Perm: aftersales.PermUserWrite, Group: "admin"},
	{Key: "segments", Href: "/admin/segments", ID: "nav-segments", Label: "nav.segments", Perm: aftersales.PermSettingsWrite, Group: "admin"},
	{Key: "text_models", Href: "/admin/models", ID: "nav-models", Label: "nav.models", Perm: aftersales.PermMetricsRead, Group: "admin"},
	{Key: "dictionary", Href: "/admin/dictionary", ID: "nav-dictionary", Label: "nav.dictionary", Perm: aftersales.PermSettingsWrite, Group: "admin"},
	{Key: "channels", Href: "/admin/channels", ID: "nav-channels", Label: "nav.channels", Perm: aftersales.PermSettingsWrite, Group: "admin"},
	{Key: "audit", Href: "/audit", Label: "nav.audit", Perm: aftersales.PermAuditRead, Group: "admin"},
	{Key: "tokens", Href: "/tokens", Label: "nav.tokens", Perm: aftersales.PermTokenOwn, Group: "admin"},
}

// navItem is one entry of the header: a link, or a menu of links (Links
// set, Label its name, On when the current page is one of them).
type navItem struct {
	navLink
	Links []navLink
	On    bool
}

// DefaultRole is the role a new user's form starts on.
func (p *Page) DefaultRole() string { return string(aftersales.DefaultRole) }

// Menu lists the navigation the signed-in user may open: the links of
// the header, then its menus; a menu with one link is shown as that link.
func (p *Page) Menu() []navItem {
	if p.User == nil {
		return nil
	}
	var out []navItem
	groups := map[string][]navLink{}
	for _, l := range navLinks {
		if (l.Perm == "" || p.User.Role.Can(l.Perm)) && (l.Role == "" || p.User.Role == l.Role) {
			if l.Group == "" {
				out = append(out, navItem{navLink: l})
			} else {
				groups[l.Group] = append(groups[l.Group], l)
			}
		}
	}
	for _, g := range navGroups {
		switch ls := groups[g.Key]; len(ls) {
		case 0:
		case 1:
			out = append(out, navItem{navLink: ls[0]})
		default:
			it := navItem{navLink: navLink{Key: g.Key, ID: "nav-group-" + g.Key, Label: g.Label}, Links: ls}
			for _, l := range ls {
				it.On = it.On || l.Key == p.Nav
			}
			out = append(out, it)
		}
	}
	return out
}

// V returns a submitted form value.
func (p *Page) V(name string) string { return p.Form.Get(name) }

type enums struct {
	Channels  []aftersales.Channel
	Natures   []aftersales.Nature
	Urgencies []aftersales.Urgency
	Statuses  []aftersales.Status
	Roles     []aftersales.Role
	UnitKinds []aftersales.UnitKind
	DeptKinds []aftersales.DepartmentKind
	Types     []aftersales.FieldType
	Sorts     []aftersales.TicketSort
}

var allEnums = enums{aftersales.Channels, aftersales.Natures, aftersales.Urgencies, aftersales.Statuses, aftersales.Roles,
	aftersales.UnitKinds, aftersales.DepartmentKinds, aftersales.FieldTypes, aftersales.TicketSorts}

// T translates a message key into the page's language. A missing key
// renders as "!key" so that tests catch it.
func (p *Page) T(key string) string { return p.cat.T(p.Lang, key) }

// Colon follows a label: "：" after Chinese text (full width, no space),
// ": " in English. LP and RP put text in parentheses: "（…）" in Chinese,
// " (…)" in English (LP carries the space English wants before it).
func (p *Page) Colon() string { return p.T("punct.colon") }

// LP opens parentheses; see Colon.
func (p *Page) LP() string { return p.T("punct.lparen") }

// RP closes parentheses; see Colon.
func (p *Page) RP() string { return p.T("punct.rparen") }

// tOr translates key when the catalog has it and returns fallback (a
// value shown as recorded) when it does not.
func (p *Page) tOr(key, fallback string) string {
	if s, ok := p.cat.texts[p.Lang][key]; ok {
		return s
	}
	return fallback
}

// TierName shows a customer tier by its name in the page's language; a
// code missing from tiers (a tier since removed) is shown as stored.
func (p *Page) TierName(tiers []aftersales.Tier, code string) string {
	for _, t := range tiers {
		if t.Code == code {
			return p.L(t.NameZH, t.NameEN)
		}
	}
	return code
}

// L picks the Chinese or English of a pair of names (aftersales.LocalName).
func (p *Page) L(zh, en string) string { return aftersales.LocalName(p.Lang, zh, en) }

// Local names a service unit or a team in the page's language.
func (p *Page) Local(x interface{ LocalName(string) string }) string { return x.LocalName(p.Lang) }

// lang chooses the language: the switch cookie, then the browser.
func lang(r *http.Request) string {
	if c, err := r.Cookie(LangCookie); err == nil && (c.Value == "en" || c.Value == "zh-CN") {
		return c.Value
	}
	al := strings.ToLower(r.Header.Get("Accept-Language"))
	if al == "" || strings.HasPrefix(al, "zh") {
		return "zh-CN"
	}
	if i := strings.Index(al, "zh"); i >= 0 && !strings.Contains(al[:i], "en") {
		return "zh-CN"
	}
	return "en"
}

func (c *Console) page(r *http.Request, nav, title string) *Page {
	p := c.bare(r, nav, title)
	if p.User != nil && c.S.Notify != nil {
		var err error
		if p.Unread, err = c.S.Notify.UnreadNotifications(r.Context()); err != nil {
			// The header's count is not worth failing the page for, but a
			// zero would claim there is nothing to read.
			p.Flash = c.notice(r, p, "notifications", err)
		}
	}
	switch r.URL.Query().Get("ok") {
	case "saved":
		p.OK = p.T("flash.saved")
	case "created":
		p.OK = p.T("flash.created")
	case "booked", "cancelled": // a visit, from the booking page
		p.OK = p.T("flash." + r.URL.Query().Get("ok"))
	case "merged":
		if from := r.URL.Query().Get("from"); ticketNumberRe.MatchString(from) {
			p.OK = fmt.Sprintf(p.T("flash.merged"), from)
		}
	}
	return p
}

// bare is a page that reads nothing from the store.
func (c *Console) bare(r *http.Request, nav, title string) *Page {
	p := &Page{Lang: lang(r), User: aftersales.UserFromContext(r.Context()), Nav: nav, Errs: map[string]string{},
		Path: r.URL.RequestURI(), Enums: allEnums, cat: c.cat, saves: c.saves}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		p.switchBack = r.URL.RequestURI()
	}
	p.Title = p.T(title)
	return p
}

// render executes a page (or, for htmx, a named block) into a buffer
// first, so a template error never sends half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, name string, p *Page) {
	block := "layout"
	if b := r.Header.Get("HX-Target"); b != "" && r.Header.Get("HX-Request") == "true" {
		if t := c.pages[name].Lookup("partial-" + b); t != nil {
			block = "partial-" + b
		}
	}
	c.renderBlock(w, r, name, block, p, p.Status)
}

// renderBlock executes one named block of page name with data (a whole
// page's "layout", or an htmx fragment) into a buffer first, so a template
// error never sends half an answer, and sends it with status (200 when 0).
func (c *Console) renderBlock(w http.ResponseWriter, r *http.Request, name, block string, data any, status int) {
	var buf bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&buf, block, data); err != nil {
		c.logError(r, "console: render", err, "page", name, "block", block)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if status != 0 {
		w.WriteHeader(status)
	}
	buf.WriteTo(w)
}

// formRefused puts a refused form's error on its page when it is bad
// input or a conflict (the code's sentence, the domain's message in
// English, each reason under its field, renamed by rename when given)
// and reports true; anything else is the caller's to fail with.
func (p *Page) formRefused(err error, rename func(string) string, codes ...string) bool {
	code := aftersales.ErrorCode(httperr.Classify(err))
	if !slices.Contains(codes, code) {
		return false
	}
	p.Flash = p.T("err." + code)
	if p.Lang == "en" {
		p.Flash = aftersales.ErrorMessage(err)
	}
	for _, f := range aftersales.ErrorFields(err) {
		name := f.Field
		if rename != nil {
			name = rename(name)
		}
		p.Errs[name] = p.cat.fieldReason(p.Lang, f.Reason)
	}
	return true
}

// fail shows err: field errors go back into the form, anything else to
// the error page with the status the code maps to.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, name string, p *Page, err error) {
	err = httperr.Classify(err)
	code := aftersales.ErrorCode(err)
	if code == aftersales.EUNAUTHORIZED {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if code == aftersales.EINTERNAL || code == aftersales.EUNAVAILABLE {
		c.logError(r, "console internal error", err)
		p.RequestID = aftersales.ClientFromContext(r.Context()).RequestID
	}
	p.Status = httperr.Status(err)
	p.Flash = p.T("err." + code)
	if msg := aftersales.ErrorMessage(err); code != aftersales.EINTERNAL && code != aftersales.EUNAVAILABLE && p.Lang == "en" {
		p.Flash = msg
	}
	for _, f := range aftersales.ErrorFields(err) {
		p.Errs[f.Field] = p.cat.fieldReasonFor(p.Lang, f.Field, f.Reason)
	}
	if name == "" || code == aftersales.ENOTFOUND || code == aftersales.EFORBIDDEN || code == aftersales.EINTERNAL || code == aftersales.EUNAVAILABLE {
		name = "error"
		// htmx swaps no error answer, so a failed filter would leave the
		// old rows standing as if they were the answer: load the page
		// instead, which shows the error.
		if r.Method == http.MethodGet && r.Header.Get("HX-Request") == "true" {
			w.Header().Set("HX-Redirect", r.URL.RequestURI())
		}
	}
	c.render(w, r, name, p)
}

// logError logs err once, with the request id that the error page and the
// access log show.
func (c *Console) logError(r *http.Request, msg string, err error, args ...any) {
	args = append([]any{"err", err, "path", r.URL.Path, "request_id", aftersales.ClientFromContext(r.Context()).RequestID}, args...)
	c.Log.ErrorContext(r.Context(), msg, args...)
}

// notice is for an optional panel that could not load while the rest of
// the page could: it logs err once and returns the translated line the
// panel shows in place of its content (which would otherwise look like
// "nothing here"). Refusals and bad input keep their own message.
func (c *Console) notice(r *http.Request, p *Page, panel string, err error) string {
	err = httperr.Classify(err)
	code := aftersales.ErrorCode(err)
	if code == aftersales.EINTERNAL || code == aftersales.EUNAVAILABLE {
		c.logError(r, "console panel failed", err, "panel", panel)
		return p.T("err.panel." + code)
	}
	return p.T("err."+code) + " " + aftersales.ErrorMessage(err)
}

// Unavailable shows the error page for a request the store could not
// serve (503; the caller sets Retry-After).
func (c *Console) Unavailable(w http.ResponseWriter, r *http.Request) {
	// The store is known to be away: the page asks it nothing more.
	c.fail(w, r, "", c.bare(r, "", "error.title"), httperr.Unavailable)
}

// guard redirects anonymous visitors to the login page.
func (c *Console) guard(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if aftersales.UserFromContext(r.Context()) == nil {
			if r.Header.Get("HX-Request") == "true" {
				w.Header().Set("HX-Redirect", "/login")
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		h(w, r)
	}
}

func (c *Console) setLang(w http.ResponseWriter, r *http.Request) {
	l := r.PathValue("lang")
	if l != "en" && l != "zh-CN" {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, langBack(r), http.StatusSeeOther)
}

// langBack is where a language switch returns: the page its link names
// in next (a path on this site only), else the page of a Referer from
// this site, else the home of the area the switch came from: the portal's
// for a portal page or a customer signed in to the portal, the console's
// otherwise. A browser that sends no Referer thus still returns a
// customer to the portal, never to the staff sign-in.
func langBack(r *http.Request) string {
	next := r.URL.Query().Get("next")
	if p := localPath(next); p != "" {
		return p
	}
	ref := r.Referer()
	if u, err := url.Parse(ref); err == nil && ref != "" && u.Host == r.Host && (u.Scheme == "http" || u.Scheme == "https") {
		if p := localPath(u.RequestURI()); p != "" {
			return p
		}
	}
	if isPortalPath(next) || isPortalPath(refPath(ref)) {
		return "/portal"
	}
	if aftersales.UserFromContext(r.Context()) == nil {
		if c, err := r.Cookie(PortalCookie); err == nil && c.Value != "" {
			return "/portal"
		}
	}
	return "/"
}

func refPath(ref string) string {
	if u, err := url.Parse(ref); err == nil {
		return u.Path
	}
	return ""
}

func isPortalPath(p string) bool {
	return p == "/portal" || strings.HasPrefix(p, "/portal/") || strings.HasPrefix(p, "/portal?")
}

// LangHref is the link that switches the page to language l and returns
// to it: a GET page carries its own address in next; a page answering a
// form (a POST) carries none, and the switch returns by the Referer.
func (p *Page) LangHref(l string) string {
	if p.switchBack == "" {
		return "/lang/" + l
	}
	return "/lang/" + l + "?next=" + url.QueryEscape(p.switchBack)
}

func (c *Console) loginForm(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "", "login.title")
	p.Data = map[string]string{"Next": safeNext(r.URL.Query().Get("next")), "Email": ""}
	c.render(w, r, "login", p)
}

// safeNext only allows a path on this site as a post-login destination.
// It parses next and rebuilds it from the path and query, refusing
// anything a browser could read as another host: a scheme or host, a
// path that starts with two slashes once decoded ("/%2F", "/%5C"),
// backslashes (browsers treat them as slashes) and control characters
// (browsers drop tabs and newlines, so "/\t/evil" becomes "//evil").
func safeNext(next string) string {
	if p := localPath(next); p != "" {
		return p
	}
	return "/tickets"
}

// localPath is next rebuilt from its path and query when it is a path on
// this site (see safeNext), else "".
func localPath(next string) string {
	if next == "" || len(next) > 2048 || strings.ContainsFunc(next, unsafeURLRune) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.ContainsFunc(u.Path, unsafeURLRune) {
		return ""
	}
	out := u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

func unsafeURLRune(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' || r == utf8.RuneError }

// ContentSecurityPolicy is the console's policy. Scripts come only from
// this site's own files: no inline script or event handler, no eval (the
// templates carry chart options as JSON data blocks, which are not run,
// and htmx is told not to eval). Inline styles stay allowed: the
// templates and ECharts' SVG set style attributes, and a style cannot run
// code. frameAncestors says who may frame the page.
func ContentSecurityPolicy(frameAncestors string) string {
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors " + frameAncestors
}

// LoginThrottle slows down password guessing by account and client
// address: Wait says how long to refuse attempts, Failed and Succeeded
// record the outcome of one. An error means the throttle could not be
// consulted or updated: the attempt is refused as a storage failure.
type LoginThrottle interface {
	Wait(ctx context.Context, account, addr string) (time.Duration, error)
	Failed(ctx context.Context, account, addr string) error
	Succeeded(ctx context.Context, account, addr string) error
}

// maxFormMemory is how much of a multipart form is held in memory; the
// server bounds every body (see web.Server), and whatever spills to
// temporary files is removed when the request ends.
const maxFormMemory = 1 << 20

// parseForm reads a URL-encoded or multipart body, naming a body that is
// too large or unreadable instead of carrying on with an empty form.
func parseForm(r *http.Request) error {
	err := r.ParseMultipartForm(maxFormMemory)
	if errors.Is(err, http.ErrNotMultipart) {
		err = nil
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return aftersales.Errorf(aftersales.ETOOLARGE, "The request is too large (at most %d bytes).", tooBig.Limit)
	case err != nil:
		return aftersales.Errorf(aftersales.EINVALID, "The form could not be read.")
	}
	return nil
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseForm(r); err != nil {
		p := c.page(r, "", "login.title")
		p.Data = map[string]string{"Next": "/tickets", "Email": ""}
		c.fail(w, r, "login", p, err)
		return
	}
	email, pw, next := r.PostFormValue("email"), r.PostFormValue("password"), safeNext(r.PostFormValue("next"))
	addr := clientIP(r)
	if c.Login != nil {
		// Refused before the password is even checked, the right one
		// included: otherwise a guesser would learn when they hit it.
		d, err := c.Login.Wait(ctx, email, addr)
		if err != nil {
			c.fail(w, r, "", c.page(r, "", "error.title"), err)
			return
		}
		if d > 0 {
			secs := int(math.Ceil(d.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			p := c.page(r, "", "login.title")
			p.Flash, p.Status = fmt.Sprintf(p.T("login.throttled"), secs), http.StatusTooManyRequests
			p.Data = map[string]string{"Next": next, "Email": email}
			c.render(w, r, "login", p)
			return
		}
	}
	u, err := c.S.Users.Authenticate(ctx, email, pw)
	if err != nil && aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
		// The password could not be checked; it is not wrong.
		c.fail(w, r, "", c.page(r, "", "error.title"), err)
		return
	}
	if err != nil {
		if c.Login != nil {
			if err := c.Login.Failed(ctx, email, addr); err != nil {
				c.fail(w, r, "", c.page(r, "", "error.title"), err)
				return
			}
		}
		p := c.page(r, "", "login.title")
		p.Flash, p.Status = p.T("login.failed"), http.StatusUnauthorized
		p.Data = map[string]string{"Next": next, "Email": email}
		c.render(w, r, "login", p)
		return
	}
	if c.Login != nil {
		if err := c.Login.Succeeded(ctx, email, addr); err != nil {
			c.fail(w, r, "", c.page(r, "", "error.title"), err)
			return
		}
	}
	s, err := c.S.Users.CreateSession(ctx, u.ID)
	if err != nil {
		c.fail(w, r, "", c.page(r, "", "error.title"), err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: s.Token, Path: "/", Expires: s.ExpiresAt, HttpOnly: true,
		Secure: c.SecureCookie || r.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(SessionCookie); err == nil {
		// A session left behind would still sign in whoever holds its
		// token: say so, and keep the cookie for another try.
		if err := c.S.Users.DeleteSession(r.Context(), ck.Value); err != nil {
			c.fail(w, r, "", c.page(r, "", "error.title"), err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: c.SecureCookie || r.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// form helpers: parse typed values, recording a field error for each bad one.

type form struct {
	r *http.Request
	v aftersales.Validator
}

func (f *form) str(name string) string { return strings.TrimSpace(f.r.PostFormValue(name)) }

func (f *form) strPtr(name string) *string {
	if _, ok := f.r.PostForm[name]; !ok {
		return nil
	}
	s := f.str(name)
	return &s
}

func (f *form) id(name string) *int64 {
	s := f.str(name)
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		f.v.Add(name, "must be chosen from the list")
		return nil
	}
	return &n
}

func (f *form) int(name string) int {
	s := f.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f.v.Add(name, "must be a whole number")
	}
	return n
}

func (f *form) float(name string) *float64 {
	s := f.str(name)
	if s == "" {
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		f.v.Add(name, "must be a number")
		return nil
	}
	return &n
}

func (f *form) version() int64 {
	n, _ := strconv.ParseInt(f.str("version"), 10, 64)
	return n
}

func (f *form) list(name string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(f.r.PostFormValue(name), func(r rune) bool { return r == ',' || r == '，' || r == ';' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func pathID(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, aftersales.Errorf(aftersales.ENOTFOUND, "Not found.")
	}
	return n, nil
}

// thousands writes n with comma groups (1,234,567), the grouping both
// zh-CN and English use for counts.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
