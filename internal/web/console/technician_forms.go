package console

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"aftersales"
)

// The technician page's forms for shifts, leave and the service point
// with the home base. Each replaces its part of the profile through the
// same SetTechnician as PUT /api/v1/technicians/{id} and keeps the rest.

// techDay is one weekday of the shift form: its shifts as "HH:MM", and
// one empty row on a day without any so that a shift can be added.
type techDay struct {
	Weekday int
	Label   string
	Rows    []techShiftRow
}

type techShiftRow struct {
	Start, End string
	// Key names the row's error: shift_<weekday>_<row>.
	Key string
}

// techDays builds the shift form's rows, Monday first: what was typed
// when the form comes back refused, else the profile's shifts.
func techDays(pr *aftersales.TechnicianProfile, labels []string, r *http.Request, typed bool) []techDay {
	var out []techDay
	for i := range 7 {
		wd := (i + 1) % 7
		d := techDay{Weekday: wd, Label: strconv.Itoa(wd)}
		if wd < len(labels) {
			d.Label = labels[wd]
		}
		if typed {
			starts, ends := r.Form[fmt.Sprintf("start_%d", wd)], r.Form[fmt.Sprintf("end_%d", wd)]
			for k := range max(len(starts), len(ends)) {
				d.Rows = append(d.Rows, techShiftRow{Start: at(starts, k), End: at(ends, k)})
			}
		} else {
			for _, s := range sortedShifts(pr.Shifts) {
				if s.Weekday == wd {
					d.Rows = append(d.Rows, techShiftRow{Start: clock(s.StartMin), End: clock(s.EndMin)})
				}
			}
		}
		if len(d.Rows) == 0 {
			d.Rows = append(d.Rows, techShiftRow{})
		}
		for k := range d.Rows {
			d.Rows[k].Key = fmt.Sprintf("shift_%d_%d", wd, k)
		}
		out = append(out, d)
	}
	return out
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

func sortedShifts(in []aftersales.Shift) []aftersales.Shift {
	out := append([]aftersales.Shift(nil), in...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].StartMin < out[j-1].StartMin; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// clock says minutes after midnight as a time input's value; the end of
// the day is "00:00" (a time input has no 24:00).
func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60%24, m%60) }

// parseClock reads a time input's "HH:MM".
func parseClock(s string) (int, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// techInput loads technician id's profile as the input that keeps it as
// it is, with the version the form saw.
func (c *Console) techInput(w http.ResponseWriter, r *http.Request) (int64, *aftersales.TechnicianProfile, *aftersales.TechnicianProfileInput, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.fail(w, r, "", c.page(r, "technicians", "tech.title"), aftersales.Errorf(aftersales.ENOTFOUND, "Technician not found."))
		return 0, nil, nil, false
	}
	pr, err := c.S.Visits.FindTechnician(r.Context(), id)
	if err != nil {
		c.fail(w, r, "", c.page(r, "technicians", "tech.title"), err)
		return 0, nil, nil, false
	}
	in := &aftersales.TechnicianProfileInput{ServiceUnitID: pr.ServiceUnitID, Home: pr.Home, Certs: pr.Certs, Shifts: pr.Shifts,
		Leave: pr.Leave, CapacityVisits: pr.CapacityVisits, CapacityMinutes: pr.CapacityMinutes}
	in.Version, _ = strconv.ParseInt(r.FormValue("version"), 10, 64)
	return id, pr, in, true
}

// saveTech writes in, or shows form again with the store's reasons.
func (c *Console) saveTech(w http.ResponseWriter, r *http.Request, id int64, form string, in *aftersales.TechnicianProfileInput, names func(string) string) {
	if _, err := c.S.Visits.SetTechnician(r.Context(), id, *in); err != nil {
		c.renderTechnicians(w, r, id, form, err, names)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/technicians?ok=saved#tech-%d", id), http.StatusSeeOther)
}

var shiftField = regexp.MustCompile(`^shifts\[([0-9]+)\]`)

// saveTechShifts replaces the weekly shifts: start_<weekday> and
// end_<weekday>, repeated for a split shift; a row left empty is none.
// An end of 00:00 is midnight, the end of the day.
func (c *Console) saveTechShifts(w http.ResponseWriter, r *http.Request) {
	id, _, in, ok := c.techInput(w, r)
	if !ok {
		return
	}
	in.Shifts = []aftersales.Shift{}
	var keys []string // the form's row of each shift
	var v aftersales.Validator
	for wd := range 7 {
		starts, ends := r.Form[fmt.Sprintf("start_%d", wd)], r.Form[fmt.Sprintf("end_%d", wd)]
		for k := range max(len(starts), len(ends)) {
			key := fmt.Sprintf("shift_%d_%d", wd, k)
			st, en := strings.TrimSpace(at(starts, k)), strings.TrimSpace(at(ends, k))
			if st == "" && en == "" {
				continue
			}
			s, ok1 := parseClock(st)
			e, ok2 := parseClock(en)
			if !ok1 || !ok2 {
				v.Add(key, "must be a time HH:MM")
				continue
			}
			if e == 0 {
				e = 1440
			}
			in.Shifts = append(in.Shifts, aftersales.Shift{Weekday: wd, StartMin: s, EndMin: e})
			keys = append(keys, key)
		}
	}
	if err := v.Err(); err != nil {
		c.renderTechnicians(w, r, id, "shifts", err, nil)
		return
	}
	c.saveTech(w, r, id, "shifts", in, func(name string) string {
		if m := shiftField.FindStringSubmatch(name); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(keys) {
				return keys[i]
			}
		}
		return name
	})
}

// saveTechLeave adds a period of leave (whole days, from the start date
// to the end date inclusive, in the deployment's zone) or, with remove
// (the period's start in unix milliseconds), removes one.
func (c *Console) saveTechLeave(w http.ResponseWriter, r *http.Request) {
	id, _, in, ok := c.techInput(w, r)
	if !ok {
		return
	}
	leave := append([]aftersales.Leave(nil), in.Leave...)
	if rm := r.FormValue("remove"); rm != "" {
		ms, _ := strconv.ParseInt(rm, 10, 64)
		kept := leave[:0]
		for _, l := range leave {
			if l.Start.UnixMilli() != ms {
				kept = append(kept, l)
			}
		}
		if len(kept) == len(leave) {
			c.renderTechnicians(w, r, id, "leave", aftersales.Errorf(aftersales.ECONFLICT, "That leave is no longer listed; reload the page."), nil)
			return
		}
		in.Leave = kept
		c.saveTech(w, r, id, "leave", in, nil)
		return
	}
	var v aftersales.Validator
	day := func(field string) time.Time {
		s := strings.TrimSpace(r.FormValue(field))
		if s == "" {
			v.Add(field, "is required")
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, s, c.Zone)
		if err != nil {
			v.Add(field, "must be a date YYYY-MM-DD")
		}
		return t
	}
	l := aftersales.Leave{Start: day("leave_start"), End: day("leave_end"), Reason: r.FormValue("leave_reason")}
	if err := v.Err(); err != nil {
		c.renderTechnicians(w, r, id, "leave", err, nil)
		return
	}
	l.End = l.End.AddDate(0, 0, 1) // the end date is a day of leave too
	in.Leave = append(leave, l)
	n := len(in.Leave) - 1
	c.saveTech(w, r, id, "leave", in, func(name string) string {
		for _, f := range []string{"start", "end", "reason"} {
			if name == fmt.Sprintf("leave[%d].%s", n, f) {
				return "leave_" + f
			}
		}
		return name
	})
}

// saveTechBase sets the service point the day starts from and the home
// base (both coordinates or neither).
func (c *Console) saveTechBase(w http.ResponseWriter, r *http.Request) {
	id, _, in, ok := c.techInput(w, r)
	if !ok {
		return
	}
	var v aftersales.Validator
	in.ServiceUnitID = nil
	if s := strings.TrimSpace(r.FormValue("service_unit_id")); s != "" {
		u, err := strconv.ParseInt(s, 10, 64)
		v.Check(err == nil, "service_unit_id", "must be chosen from the list")
		in.ServiceUnitID = &u
	}
	lat, lng := strings.TrimSpace(r.FormValue("home_lat")), strings.TrimSpace(r.FormValue("home_lng"))
	in.Home = nil
	if lat != "" || lng != "" {
		num := func(field, s string) float64 {
			if s == "" {
				v.Add(field, "is required")
				return 0
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				v.Add(field, "must be a number")
			}
			return f
		}
		in.Home = &aftersales.Position{Lat: num("home_lat", lat), Lng: num("home_lng", lng)}
	}
	if err := v.Err(); err != nil {
		c.renderTechnicians(w, r, id, "base", err, nil)
		return
	}
	c.saveTech(w, r, id, "base", in, func(name string) string {
		return strings.Replace(name, "home.", "home_", 1)
	})
}

// HomeLat and HomeLng are the home base's coordinates as the form shows
// them.
func (t *techRow) HomeLat() string {
	if t.P.Home == nil {
		return ""
	}
	return strconv.FormatFloat(t.P.Home.Lat, 'f', -1, 64)
}

func (t *techRow) HomeLng() string {
	if t.P.Home == nil {
		return ""
	}
	return strconv.FormatFloat(t.P.Home.Lng, 'f', -1, 64)
}

// UnitID is the service point's id as the form's select has it.
func (t *techRow) UnitID() string {
	if t.P.ServiceUnitID == nil {
		return ""
	}
	return strconv.FormatInt(*t.P.ServiceUnitID, 10)
}

// LeaveKey identifies a period of leave for its remove button.
func (p *Page) LeaveKey(l aftersales.Leave) int64 { return l.Start.UnixMilli() }
