package console

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"aftersales"
)

// Technicians' field profiles (issue #19) for administrators: each
// technician's service point, daily capacity, shifts, certifications with
// their expiry (an expired one marked, since booking passes the
// technician over for work that needs it) and leave; the capacity and the
// certifications, shifts, leave and service point with home base are
// edited here (technician_forms.go), each form replacing its part of the
// profile and keeping the rest.

func (c *Console) technicianRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /technicians", g(c.techniciansPage))
	mux.HandleFunc("POST /technicians/{id}", g(c.saveTechnician))
	mux.HandleFunc("POST /technicians/{id}/shifts", g(c.saveTechShifts))
	mux.HandleFunc("POST /technicians/{id}/leave", g(c.saveTechLeave))
	mux.HandleFunc("POST /technicians/{id}/base", g(c.saveTechBase))
}

type techRow struct {
	P *aftersales.TechnicianProfile
	// Unit is the service point's name; Shifts the weekly hours in words.
	Unit   string
	Shifts []string
	Certs  []techCert
	Leave  []aftersales.Leave // today and later
	// Days are the shift form's rows, Monday first.
	Days []techDay
}

type techCert struct {
	aftersales.Certification
	Expired bool
}

type techView struct {
	Rows  []*techRow
	Today string
	// Edit is the technician whose refused form the page shows again;
	// Form which of its forms: "profile", "shifts", "leave" or "base".
	Edit int64
	Form string
	// Points are the service points a technician's day may start from.
	Points []*aftersales.ServiceUnit
}

// CertLines is a profile's certifications as the form's text: one a line,
// "code expires name".
func (t *techRow) CertLines() string {
	var b strings.Builder
	for _, c := range t.P.Certs {
		fmt.Fprintf(&b, "%s %s %s\n", c.Code, c.Expires, c.Name)
	}
	return strings.TrimSpace(strings.ReplaceAll(b.String(), "  ", " "))
}

func (c *Console) techniciansPage(w http.ResponseWriter, r *http.Request) {
	c.renderTechnicians(w, r, 0, "", nil, nil)
}

// renderTechnicians shows the page; a refused form of technician edit
// comes back with each reason under its field, names turning the store's
// field names into the form's.
func (c *Console) renderTechnicians(w http.ResponseWriter, r *http.Request, edit int64, form string, actionErr error, names func(string) string) {
	ctx := r.Context()
	p := c.page(r, "technicians", "tech.title")
	now := c.Now().In(c.Zone)
	v := &techView{Today: now.Format(time.DateOnly), Edit: edit, Form: form}
	p.Data = v
	p.Form = r.Form
	if _, err := aftersales.Require(ctx, aftersales.PermUserWrite); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	profiles, err := c.S.Visits.ListTechnicians(ctx)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	units, err := c.S.Network.ListServiceUnits(ctx)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	unitName := map[int64]string{}
	for _, u := range units {
		unitName[u.ID] = p.Local(u)
		if u.Kind == aftersales.UnitServicePoint && u.Active {
			v.Points = append(v.Points, u)
		}
	}
	days := strings.Split(p.T("tech.weekdays"), ",")
	for _, pr := range profiles {
		row := &techRow{P: pr}
		if pr.ServiceUnitID != nil {
			row.Unit = unitName[*pr.ServiceUnitID]
		}
		shifts := append([]aftersales.Shift(nil), pr.Shifts...)
		sort.Slice(shifts, func(i, j int) bool {
			a, b := (shifts[i].Weekday+6)%7, (shifts[j].Weekday+6)%7 // Monday first
			return a < b || a == b && shifts[i].StartMin < shifts[j].StartMin
		})
		for _, s := range shifts {
			day := strconv.Itoa(s.Weekday)
			if s.Weekday < len(days) {
				day = days[s.Weekday]
			}
			row.Shifts = append(row.Shifts, fmt.Sprintf("%s %02d:%02d–%02d:%02d", day, s.StartMin/60, s.StartMin%60, s.EndMin/60, s.EndMin%60))
		}
		for _, ce := range pr.Certs {
			row.Certs = append(row.Certs, techCert{Certification: ce, Expired: ce.Expires != "" && string(ce.Expires) < v.Today})
		}
		for _, l := range pr.Leave {
			if !l.End.Before(now) {
				row.Leave = append(row.Leave, l)
			}
		}
		row.Days = techDays(pr, days, r, edit == pr.UserID && form == "shifts")
		v.Rows = append(v.Rows, row)
	}
	if actionErr != nil {
		rename := func(name string) string {
			if strings.HasPrefix(name, "certifications") {
				name = "certifications"
			}
			if names != nil {
				name = names(name)
			}
			return name
		}
		if !p.formRefused(actionErr, rename, aftersales.EINVALID, aftersales.ECONFLICT) {
			c.fail(w, r, "", p, actionErr)
			return
		}
		p.Status = http.StatusUnprocessableEntity
		if aftersales.ErrorCode(actionErr) == aftersales.ECONFLICT {
			p.Status = http.StatusConflict
		}
	}
	c.render(w, r, "technicians", p)
}

// saveTechnician sets a technician's capacity and certifications, keeping
// the rest of the profile as it is.
func (c *Console) saveTechnician(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.fail(w, r, "", c.page(r, "technicians", "tech.title"), aftersales.Errorf(aftersales.ENOTFOUND, "Technician not found."))
		return
	}
	pr, err := c.S.Visits.FindTechnician(ctx, id)
	if err != nil {
		c.fail(w, r, "", c.page(r, "technicians", "tech.title"), err)
		return
	}
	in := aftersales.TechnicianProfileInput{ServiceUnitID: pr.ServiceUnitID, Home: pr.Home, Shifts: pr.Shifts, Leave: pr.Leave,
		CapacityVisits: pr.CapacityVisits, CapacityMinutes: pr.CapacityMinutes}
	in.Version, _ = strconv.ParseInt(r.FormValue("version"), 10, 64)
	bad := func(field, reason string) {
		c.renderTechnicians(w, r, id, "profile", &aftersales.Error{Code: aftersales.EINVALID, Message: field + " " + reason + ".",
			Fields: []aftersales.FieldError{{Field: field, Reason: reason}}}, nil)
	}
	if in.CapacityVisits, err = strconv.Atoi(strings.TrimSpace(cmpOr(r.FormValue("capacity_visits"), "0"))); err != nil {
		bad("capacity_visits", "must be a whole number")
		return
	}
	if in.CapacityMinutes, err = strconv.Atoi(strings.TrimSpace(cmpOr(r.FormValue("capacity_minutes"), "0"))); err != nil {
		bad("capacity_minutes", "must be a whole number")
		return
	}
	// One certification a line: "code [YYYY-MM-DD] [name]".
	for _, line := range strings.Split(r.FormValue("certifications"), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		ce := aftersales.Certification{Code: f[0]}
		rest := f[1:]
		if len(rest) > 0 && len(rest[0]) == 10 && rest[0][4] == '-' {
			ce.Expires, rest = aftersales.Date(rest[0]), rest[1:]
		}
		ce.Name = strings.Join(rest, " ")
		in.Certs = append(in.Certs, ce)
	}
	if _, err := c.S.Visits.SetTechnician(ctx, id, in); err != nil {
		c.renderTechnicians(w, r, id, "profile", err, nil)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/technicians?ok=saved#tech-%d", id), http.StatusSeeOther)
}

func cmpOr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
