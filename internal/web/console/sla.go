package console

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"

	"aftersales"
)

type slaView struct {
	Calendars  []*aftersales.BusinessCalendar
	Policies   []*aftersales.SLAPolicy
	Categories []*aftersales.Category
	Units      []*aftersales.ServiceUnit
	Tiers      []aftersales.Tier
	CalName    map[int64]string
	Rules      []*aftersales.RoutingRule
	Automation []*aftersales.AutomationRule
	Webhooks   []*aftersales.Webhook
	Calendar   *aftersales.BusinessCalendar // being edited or re-shown
	Policy     *aftersales.SLAPolicy
	PauseOK    []aftersales.Status
}

func (c *Console) slaData(r *http.Request, p *Page) (*slaView, error) {
	ctx := r.Context()
	d := &slaView{CalName: map[int64]string{}, PauseOK: []aftersales.Status{aftersales.StatusAwaitingCustomer, aftersales.StatusAwaitingParts, aftersales.StatusDiagnosing},
		Calendar: &aftersales.BusinessCalendar{TimeZone: c.Zone.String()},
		Policy:   &aftersales.SLAPolicy{Active: true, Priority: 100, PauseStatuses: aftersales.DefaultPauseStatuses}}
	p.Data = d
	var err error
	if d.Calendars, err = c.S.SLA.ListCalendars(ctx); err != nil {
		return d, err
	}
	for _, cal := range d.Calendars {
		d.CalName[cal.ID] = cal.Name
	}
	if d.Policies, err = c.S.SLA.ListPolicies(ctx); err != nil {
		return d, err
	}
	var errs [6]error
	d.Categories, errs[0] = c.S.Catalog.ListCategories(ctx)
	d.Units, errs[1] = c.S.Network.ListServiceUnits(ctx)
	d.Tiers, errs[2] = c.S.Customers.ListTiers(ctx)
	if c.S.Routing != nil {
		d.Rules, errs[3] = c.S.Routing.ListRoutingRules(ctx)
	}
	if c.S.Automate != nil {
		d.Automation, errs[4] = c.S.Automate.ListAutomations(ctx)
	}
	if c.S.Webhooks != nil && p.User.Role.Can(aftersales.PermSettingsWrite) {
		d.Webhooks, errs[5] = c.S.Webhooks.ListWebhooks(ctx)
	}
	return d, cmp.Or(errs[:]...)
}

func (c *Console) slaPage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "sla", "sla", "sla.settings", func(p *Page) error {
		d, err := c.slaData(r, p)
		if formErr != nil {
			if r.URL.Path == "/sla/calendars" {
				d.Calendar = parseCalendarForm(r)
			} else {
				d.Policy = parsePolicyForm(r)
			}
		}
		return err
	}, formErr)
}

func (c *Console) showSLA(w http.ResponseWriter, r *http.Request) { c.slaPage(w, r, nil) }

// Week days are typed as "08:30-12:00, 13:30-18:00"; holidays one date
// per line; make-up days as "2026-10-10 mon".
func parseCalendarForm(r *http.Request) *aftersales.BusinessCalendar {
	f := &form{r: r}
	cal := &aftersales.BusinessCalendar{Code: f.str("code"), Name: f.str("name"), TimeZone: f.str("time_zone"),
		Week: map[string][]aftersales.TimeRange{}}
	for _, day := range aftersales.WeekdayKeys {
		for _, part := range strings.FieldsFunc(f.str("week_"+day), func(r rune) bool { return r == ',' || r == '，' || r == ';' }) {
			start, end, _ := strings.Cut(strings.TrimSpace(part), "-")
			cal.Week[day] = append(cal.Week[day], aftersales.TimeRange{Start: strings.TrimSpace(start), End: strings.TrimSpace(end)})
		}
	}
	for _, d := range strings.Fields(strings.ReplaceAll(f.str("holidays"), ",", " ")) {
		cal.Holidays = append(cal.Holidays, aftersales.Date(d))
	}
	for _, line := range strings.Split(f.str("workdays"), "\n") {
		if fs := strings.Fields(line); len(fs) == 2 {
			cal.Workdays = append(cal.Workdays, aftersales.MakeupDay{Date: aftersales.Date(fs[0]), As: strings.ToLower(fs[1])})
		} else if len(fs) != 0 {
			cal.Workdays = append(cal.Workdays, aftersales.MakeupDay{Date: aftersales.Date(strings.Join(fs, " "))})
		}
	}
	cal.Version, _ = strconv.ParseInt(f.str("version"), 10, 64)
	return cal
}

func parsePolicyForm(r *http.Request) *aftersales.SLAPolicy {
	r.ParseForm()
	f := &form{r: r}
	p := &aftersales.SLAPolicy{Name: f.str("name"), Priority: f.int("priority"), Active: f.str("active") == "on", UseTicketCalendar: f.str("use_ticket_calendar") == "on",
		CalendarID: f.id("calendar_id"), FirstResponseMin: f.int("first_response_minutes"), ResolutionMin: f.int("resolution_minutes"),
		ArrivalMin: f.int("arrival_minutes"), NextResponseMin: f.int("next_response_minutes"),
		PauseStatuses: []aftersales.Status{}}
	for _, s := range r.PostForm["pause"] {
		p.PauseStatuses = append(p.PauseStatuses, aftersales.Status(s))
	}
	for _, s := range r.PostForm["urgency"] {
		p.Conditions.Urgency = append(p.Conditions.Urgency, aftersales.Urgency(s))
	}
	for _, s := range r.PostForm["nature"] {
		p.Conditions.Nature = append(p.Conditions.Nature, aftersales.Nature(s))
	}
	for _, s := range r.PostForm["channel"] {
		p.Conditions.Channel = append(p.Conditions.Channel, aftersales.Channel(s))
	}
	p.Conditions.Tier = r.PostForm["tier"]
	for _, s := range r.PostForm["category_id"] {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			p.Conditions.CategoryID = append(p.Conditions.CategoryID, n)
		}
	}
	for _, s := range r.PostForm["service_unit_id"] {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			p.Conditions.ServiceUnit = append(p.Conditions.ServiceUnit, n)
		}
	}
	for _, s := range f.list("warn_at") {
		if x, err := strconv.ParseFloat(s, 64); err == nil {
			p.WarnAt = append(p.WarnAt, x)
		} else {
			p.WarnAt = append(p.WarnAt, -1) // reported by validation
		}
	}
	p.Version = f.version()
	return p
}

func (c *Console) createCalendar(w http.ResponseWriter, r *http.Request) {
	_, err := c.S.SLA.CreateCalendar(r.Context(), *parseCalendarForm(r))
	c.done(w, r, "/sla?ok=created", err, c.slaPage)
}

func (c *Console) createPolicy(w http.ResponseWriter, r *http.Request) {
	_, err := c.S.SLA.CreatePolicy(r.Context(), *parsePolicyForm(r))
	c.done(w, r, "/sla?ok=created", err, c.slaPage)
}

// editSLA shows one calendar or policy for editing, or saves it.
func (c *Console) editSLA(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		show := func(w http.ResponseWriter, r *http.Request, formErr error) {
			c.adminPage(w, r, "sla", "sla_edit", "sla.edit", func(p *Page) error {
				d, err := c.slaData(r, p)
				if err != nil {
					return err
				}
				switch {
				case formErr != nil && kind == "calendar":
					d.Calendar = parseCalendarForm(r)
					d.Calendar.ID = id
				case formErr != nil:
					d.Policy = parsePolicyForm(r)
					d.Policy.ID = id
				case kind == "calendar":
					d.Calendar = nil
					for _, x := range d.Calendars {
						if x.ID == id {
							d.Calendar = x
						}
					}
				default:
					d.Policy = nil
					for _, x := range d.Policies {
						if x.ID == id {
							d.Policy = x
						}
					}
				}
				if kind == "calendar" && d.Calendar == nil || kind == "policy" && d.Policy == nil {
					return aftersales.Errorf(aftersales.ENOTFOUND, "Not found.")
				}
				if kind == "calendar" {
					d.Policy = nil
				} else {
					d.Calendar = nil
				}
				return nil
			}, formErr)
		}
		if err != nil {
			c.fail(w, r, "", c.page(r, "sla", "sla.edit"), err)
			return
		}
		if r.Method == http.MethodGet {
			show(w, r, nil)
			return
		}
		if kind == "calendar" {
			cal := parseCalendarForm(r)
			_, err = c.S.SLA.UpdateCalendar(r.Context(), id, cal.Version, *cal)
		} else {
			p := parsePolicyForm(r)
			_, err = c.S.SLA.UpdatePolicy(r.Context(), id, p.Version, *p)
		}
		c.done(w, r, "/sla?ok=saved", err, show)
	}
}
