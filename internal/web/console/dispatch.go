package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"aftersales"
)

// The dispatch board: a service point's technicians × the day's hours,
// each visit a block at its planned time with a form to assign or move
// it (selects and time fields, so no mouse is needed), and the visits
// nobody has yet in a side list with suggestions worded in the page's
// language. On a phone the grid becomes one list per technician.

func (c *Console) dispatchRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /dispatch", g(c.dispatchBoard))
	c.post(mux, "/dispatch/visits/{visit}", needs(aftersales.PermVisitPlan), c.dispatchVisit)
	c.post(mux, "/dispatch/visits/{visit}/reorder", needs(aftersales.PermVisitPlan), c.dispatchReorder)
	c.post(mux, "/dispatch/technicians/{tech}/order", needs(aftersales.PermVisitPlan), c.dispatchClearOrder)
	c.post(mux, "/dispatch/templates/{lang}", needs(aftersales.PermSettingsWrite), c.dispatchTemplate)
	// Only a technician reports where they are (ReportPosition).
	c.post(mux, "/my/day/position", func(u *aftersales.User) bool {
		return u != nil && u.Role == aftersales.RoleTechnician && u.Role.Can(aftersales.PermTicketTransmit)
	}, c.myPosition)
}

// The grid runs in quarter hours over whole hours that fit the day's
// visits (boardAxis); column 1 is the technician's name.
const (
	slotMin = 15
	// axisHours is the least the grid shows: a day whose only visit is
	// at 20:00 shows 18:00 to 24:00, not 07:00 to 21:00 with the visit
	// off to the right and cut at 21:00.
	axisHours = 6
)

// axis is the grid's time span in minutes of the board's day.
type axis struct{ from, slots int }

// boardAxis fits the grid to the visits placed on it (start and end
// minutes of the day): from the hour before the first starts to the hour
// the last ends, at least axisHours, within the day; 08:00 to 18:00 when
// there is none.
func boardAxis(spans [][2]int) axis {
	if len(spans) == 0 {
		return axis{from: 8 * 60, slots: 10 * 60 / slotMin}
	}
	first, last := 24*60, 0
	for _, s := range spans {
		first, last = min(first, s[0]), max(last, s[1])
	}
	from := max(first/60-1, 0)
	to := min((last+59)/60, 24)
	if to-from < axisHours {
		to = min(from+axisHours, 24)
		from = max(to-axisHours, 0)
	}
	return axis{from: from * 60, slots: (to - from) * 60 / slotMin}
}

// span is where a visit sits in its day, in minutes: from its planned
// start (its window when the route leaves it out) for its duration.
func (c *Console) span(v aftersales.BoardVisit, day time.Time) [2]int {
	start := v.WindowStart
	if v.PlannedStart != nil {
		start = *v.PlannedStart
	}
	m := min(max(int(start.Sub(day).Minutes()), 0), 24*60-slotMin)
	return [2]int{m, min(m+max(v.DurationMin, slotMin), 24*60)}
}

type dispatchBlock struct {
	aftersales.BoardVisit
	Col, Span int
	From, To  string // the window as HH:MM for the move form
	// Start is where the block is placed (HH:MM), named in its row's
	// heading with a link to it, for a visit scrolled out of view.
	Start string
	// First and Last say where the visit is in its technician's day, for
	// the Earlier and Later buttons; Movable that it has not started.
	First, Last, Movable, Assigned bool
}

type dispatchRow struct {
	aftersales.BoardTechnician
	Blocks []dispatchBlock
}

type suggestionView struct {
	ID      int64
	Name    string
	Why     string
	Blocked bool
}

type unassignedItem struct {
	Block       dispatchBlock
	Suggestions []suggestionView
}

type dispatchView struct {
	Units []*aftersales.ServiceUnit
	Unit  int64
	Date  string
	Board *aftersales.Board
	Hours []dispatchHour
	// Slots is how many quarter hours the grid shows (boardAxis).
	Slots      int
	Rows       []dispatchRow
	Unassigned []unassignedItem
	Templates  []*aftersales.VisitTemplate
	Late       int // visits the manual orders make late
	// MovedTo is the day a visit was just moved to from this board.
	MovedTo string
	// Refused is the visit whose move form was refused: its form comes
	// back open with what was typed (Typed) and each reason under its
	// field.
	Refused int64
	Typed   url.Values
}

// V is what was typed into field name of visit id's refused move form,
// else def.
func (d *dispatchView) V(id int64, name, def string) string {
	if id != d.Refused || d.Typed == nil {
		return def
	}
	return d.Typed.Get(name)
}

type dispatchHour struct {
	Label string
	Col   int
}

// block places a visit on the grid of axis a at its planned start (its
// window when the route leaves it out), as long as it lasts.
func (c *Console) block(v aftersales.BoardVisit, day time.Time, a axis) dispatchBlock {
	sp := c.span(v, day)
	slot := min(max((sp[0]-a.from)/slotMin, 0), a.slots-1)
	span := min(max((sp[1]-sp[0])/slotMin, 1), a.slots-slot)
	return dispatchBlock{BoardVisit: v, Col: slot + 2, Span: span, Start: fmt.Sprintf("%02d:%02d", sp[0]/60, sp[0]%60),
		From: v.WindowStart.In(c.Zone).Format("15:04"), To: v.WindowEnd.In(c.Zone).Format("15:04")}
}

func (c *Console) dispatchBoard(w http.ResponseWriter, r *http.Request) {
	c.renderBoard(w, r, nil)
}

func (c *Console) renderBoard(w http.ResponseWriter, r *http.Request, actionErr error) {
	ctx := r.Context()
	p := c.page(r, "dispatch", "dispatch.title")
	v := &dispatchView{Date: r.FormValue("date")}
	p.Data = v
	if _, err := aftersales.Require(ctx, aftersales.PermVisitPlan); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if v.Date == "" {
		v.Date = c.Now().In(c.Zone).Format(time.DateOnly)
	}
	if d := r.FormValue("moved_to"); actionErr == nil && d != "" {
		if _, err := time.Parse(time.DateOnly, d); err == nil {
			v.MovedTo = d
		}
	}
	units, err := c.S.Network.ListServiceUnits(ctx)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	for _, u := range units {
		if u.Kind == aftersales.UnitServicePoint {
			v.Units = append(v.Units, u)
		}
	}
	if s := r.FormValue("unit"); s != "" {
		if v.Unit, err = strconv.ParseInt(s, 10, 64); err != nil {
			c.fail(w, r, "", p, aftersales.Errorf(aftersales.ENOTFOUND, "Service point %q not found.", s))
			return
		}
	} else if len(v.Units) > 0 {
		v.Unit = v.Units[0].ID
	}
	a := boardAxis(nil)
	var day time.Time
	if v.Unit != 0 {
		if v.Board, err = c.S.Dispatch.Board(ctx, v.Unit, aftersales.Date(v.Date)); err != nil {
			c.fail(w, r, "", p, err)
			return
		}
		if d, err := time.ParseInLocation(time.DateOnly, string(v.Board.Date), c.Zone); err == nil {
			day = d
		} else {
			day, _ = time.ParseInLocation(time.DateOnly, v.Date, c.Zone)
		}
		var spans [][2]int
		for _, t := range v.Board.Technicians {
			for _, bv := range t.Visits {
				spans = append(spans, c.span(bv, day))
			}
		}
		a = boardAxis(spans)
	}
	v.Slots = a.slots
	for h := a.from / 60; h < a.from/60+a.slots*slotMin/60; h++ {
		v.Hours = append(v.Hours, dispatchHour{Label: fmt.Sprintf("%02d", h), Col: 2 + (h*60-a.from)/slotMin})
	}
	if v.Board != nil {
		for _, t := range v.Board.Technicians {
			row := dispatchRow{BoardTechnician: t}
			for i, bv := range t.Visits {
				b := c.block(bv, day, a)
				b.Assigned, b.First, b.Last = true, i == 0, i == len(t.Visits)-1
				b.Movable = bv.Status == aftersales.VisitScheduled || bv.Status == aftersales.VisitEnRoute
				row.Blocks = append(row.Blocks, b)
				if bv.LateMin > 0 {
					v.Late++
				}
			}
			v.Rows = append(v.Rows, row)
		}
		for _, bv := range v.Board.Unassigned {
			it := unassignedItem{Block: c.block(bv, day, a)}
			sug, err := c.S.Dispatch.Suggest(ctx, bv.VisitID)
			if err != nil {
				c.fail(w, r, "", p, err)
				return
			}
			for i, s := range sug {
				if i == 3 {
					break
				}
				it.Suggestions = append(it.Suggestions, suggestionView{ID: s.TechnicianID, Name: s.Technician, Why: p.SuggestionWhy(s), Blocked: s.Why.Blocked != ""})
			}
			v.Unassigned = append(v.Unassigned, it)
		}
	}
	if p.CanSave("/dispatch/templates/{lang}") {
		if v.Templates, err = c.S.Dispatch.VisitTemplates(ctx); err != nil {
			c.fail(w, r, "", p, err)
			return
		}
	}
	if actionErr == nil && v.Late > 0 && r.Method == http.MethodPost {
		// An order that breaks a promise is said, not silently taken.
		p.Flash = fmt.Sprintf(p.T("dispatch.late_flash"), v.Late)
	}
	if actionErr != nil {
		p.Flash = p.T("err." + aftersales.ErrorCode(actionErr))
		if p.Lang == "en" {
			p.Flash = aftersales.ErrorMessage(actionErr)
		}
		p.Flash += p.dispatchFields(actionErr)
		if id, err := strconv.ParseInt(r.PathValue("visit"), 10, 64); err == nil && !strings.HasSuffix(r.URL.Path, "/reorder") {
			v.Refused, v.Typed = id, r.PostForm
			for _, f := range aftersales.ErrorFields(actionErr) {
				p.Errs[f.Field] = p.cat.fieldReason(p.Lang, f.Reason)
			}
		}
		p.Status = http.StatusConflict
		if aftersales.ErrorCode(actionErr) == aftersales.EINVALID {
			p.Status = http.StatusUnprocessableEntity
		}
		// htmx swaps only a successful answer: the board with its
		// message goes back as one.
		if r.Header.Get("HX-Request") == "true" {
			p.Status = 0
		}
	}
	c.render(w, r, "dispatch", p)
}

// SuggestionWhy words a suggestion: "技能匹配 空调 3 级; 路程 12 分钟;
// 今日 3/6; SLA 剩余 2 小时".
func (p *Page) SuggestionWhy(s *aftersales.TechSuggestion) string {
	var parts []string
	w := s.Why
	if w.Blocked != "" {
		parts = append(parts, p.T("dispatch.blocked."+w.Blocked))
	}
	for _, f := range w.Skills {
		name := p.L(f.Category, f.CategoryEN)
		if f.Level >= f.Need {
			parts = append(parts, fmt.Sprintf(p.T("dispatch.why.skill"), name, f.Level))
		} else {
			parts = append(parts, fmt.Sprintf(p.T("dispatch.why.skill_missing"), name, f.Need))
		}
	}
	parts = append(parts, fmt.Sprintf(p.T("dispatch.why.travel"), w.TravelMin, p.tOr("dispatch.from."+w.From, "")))
	if w.Capacity > 0 {
		parts = append(parts, fmt.Sprintf(p.T("dispatch.why.load"), w.Booked, w.Capacity))
	} else {
		parts = append(parts, fmt.Sprintf(p.T("dispatch.why.load_open"), w.Booked))
	}
	if l := w.SLALeftMin; l != nil {
		if *l >= 0 {
			parts = append(parts, fmt.Sprintf(p.T("dispatch.why.sla_left"), p.span(*l)))
		} else {
			parts = append(parts, fmt.Sprintf(p.T("dispatch.why.sla_over"), p.span(-*l)))
		}
	}
	return strings.Join(parts, p.T("dispatch.why.sep"))
}

// span words minutes as hours when there are at least two of them.
func (p *Page) span(min int) string {
	if min >= 120 {
		return fmt.Sprintf(p.T("dispatch.hours"), min/60)
	}
	return fmt.Sprintf(p.T("dispatch.minutes"), min)
}

// dispatchVisit assigns or moves a visit from the board's form: the
// technician select (empty unassigns) and the window's times on the
// board's day.
func (c *Console) dispatchVisit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("visit"), 10, 64)
	if err != nil {
		c.fail(w, r, "", c.page(r, "dispatch", "dispatch.title"), aftersales.Errorf(aftersales.ENOTFOUND, "Visit not found."))
		return
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	in := aftersales.DispatchInput{Version: version, Reason: r.FormValue("reason")}
	if s := r.FormValue("technician_id"); s != "" {
		t, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			c.renderBoard(w, r, &aftersales.Error{Code: aftersales.EINVALID, Message: "technician_id is not a number.",
				Fields: []aftersales.FieldError{{Field: "technician_id", Reason: "is not a number"}}})
			return
		}
		in.TechnicianID = &t
	}
	// The window's day is the board's unless the form names another:
	// the visit then leaves this board for that day's (the store plans
	// both days again and tells the customer of the new window).
	date := r.FormValue("date")
	day := strings.TrimSpace(r.FormValue("day"))
	if day == "" {
		day = date
	} else if _, err := time.ParseInLocation(time.DateOnly, day, c.Zone); err != nil {
		c.renderBoard(w, r, &aftersales.Error{Code: aftersales.EINVALID, Message: "The day must be a date YYYY-MM-DD.",
			Fields: []aftersales.FieldError{{Field: "day", Reason: "must be a date YYYY-MM-DD"}}})
		return
	}
	from, to := r.FormValue("from"), r.FormValue("to")
	if day != date && (from == "" || to == "") {
		c.renderBoard(w, r, &aftersales.Error{Code: aftersales.EINVALID, Message: "A visit moved to another day needs its window.",
			Fields: []aftersales.FieldError{{Field: "window_start", Reason: "is required"}}})
		return
	}
	if from != "" && to != "" {
		ws, err1 := time.ParseInLocation("2006-01-02 15:04", day+" "+from, c.Zone)
		we, err2 := time.ParseInLocation("2006-01-02 15:04", day+" "+to, c.Zone)
		if err1 != nil || err2 != nil {
			c.renderBoard(w, r, &aftersales.Error{Code: aftersales.EINVALID, Message: "The window's times must be HH:MM.",
				Fields: []aftersales.FieldError{{Field: "window_start", Reason: "must be HH:MM"}}})
			return
		}
		in.WindowStart, in.WindowEnd = ws.UTC(), we.UTC()
	}
	_, err = c.S.Dispatch.Dispatch(ctx, id, in)
	if err == nil && day != date {
		// The board stays on its day and says where the visit went.
		if isHTMX(r) {
			r.Form.Set("moved_to", day)
		} else {
			http.Redirect(w, r, "/dispatch?"+urlValues("unit", r.FormValue("unit"), "date", date, "moved_to", day), http.StatusSeeOther)
			return
		}
	}
	c.afterOrder(w, r, err, "#visit-"+strconv.FormatInt(id, 10))
}

// dispatchReorder moves a visit one place earlier or later in its
// technician's day (the Earlier and Later buttons).
func (c *Console) dispatchReorder(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("visit"), 10, 64)
	if err != nil {
		c.fail(w, r, "", c.page(r, "dispatch", "dispatch.title"), aftersales.Errorf(aftersales.ENOTFOUND, "Visit not found."))
		return
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	_, err = c.S.Dispatch.ReorderVisit(r.Context(), id, aftersales.ReorderInput{Direction: r.FormValue("direction"), Version: version})
	c.afterOrder(w, r, err, "#visit-"+strconv.FormatInt(id, 10))
}

// dispatchClearOrder hands a technician's day back to the route planner.
func (c *Console) dispatchClearOrder(w http.ResponseWriter, r *http.Request) {
	tech, err := strconv.ParseInt(r.PathValue("tech"), 10, 64)
	if err != nil {
		c.fail(w, r, "", c.page(r, "dispatch", "dispatch.title"), aftersales.Errorf(aftersales.ENOTFOUND, "Technician not found."))
		return
	}
	_, err = c.S.Dispatch.SetDayOrder(r.Context(), tech, aftersales.Date(r.FormValue("date")), aftersales.DayOrderInput{})
	c.afterOrder(w, r, err, "#tech-"+strconv.FormatInt(tech, 10))
}

// afterOrder answers a change on the board: the board again with the
// error for an invalid or conflicting change, else the board (htmx) or a
// redirect back to the day, at anchor.
func (c *Console) afterOrder(w http.ResponseWriter, r *http.Request, err error, anchor string) {
	if err != nil {
		if code := aftersales.ErrorCode(err); code != aftersales.EINVALID && code != aftersales.ECONFLICT {
			c.fail(w, r, "", c.page(r, "dispatch", "dispatch.title"), err)
			return
		}
		c.renderBoard(w, r, err)
		return
	}
	if r.Header.Get("HX-Request") == "true" {
		c.renderBoard(w, r, nil)
		return
	}
	http.Redirect(w, r, "/dispatch?"+urlValues("unit", r.FormValue("unit"), "date", r.FormValue("date"))+anchor, http.StatusSeeOther)
}

// dispatchTemplate saves the customer's visit confirmation of one
// language.
func (c *Console) dispatchTemplate(w http.ResponseWriter, r *http.Request) {
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	in := aftersales.VisitTemplateInput{Subject: r.FormValue("subject"), Body: r.FormValue("body"), Version: version}
	if _, err := c.S.Dispatch.SetVisitTemplate(r.Context(), r.PathValue("lang"), in); err != nil {
		if code := aftersales.ErrorCode(err); code != aftersales.EINVALID && code != aftersales.ECONFLICT {
			c.fail(w, r, "", c.page(r, "dispatch", "dispatch.title"), err)
			return
		}
		c.renderBoard(w, r, err)
		return
	}
	http.Redirect(w, r, "/dispatch?"+urlValues("unit", r.FormValue("unit"), "date", r.FormValue("date"))+"#templates", http.StatusSeeOther)
}

// myPosition records where the technician's phone is, so the rest of the
// day is planned from there.
func (c *Console) myPosition(w http.ResponseWriter, r *http.Request) {
	lat, err1 := strconv.ParseFloat(r.FormValue("lat"), 64)
	lng, err2 := strconv.ParseFloat(r.FormValue("lng"), 64)
	var err error
	if err1 != nil || err2 != nil {
		err = &aftersales.Error{Code: aftersales.EINVALID, Message: "The phone did not give its position.",
			Fields: []aftersales.FieldError{{Field: "lat", Reason: "is required"}}}
	} else {
		_, err = c.S.Dispatch.ReportPosition(r.Context(), aftersales.Position{Lat: lat, Lng: lng})
	}
	if err != nil {
		if code := aftersales.ErrorCode(err); code != aftersales.EINVALID {
			c.fail(w, r, "", c.page(r, "my_day", "day.title"), err)
			return
		}
		if isHTMX(r) {
			c.answerPosition(w, r, err)
			return
		}
		c.renderDay(w, r, err)
		return
	}
	if isHTMX(r) {
		c.answerPosition(w, r, nil)
		return
	}
	tech, date, _ := c.dayTarget(r)
	http.Redirect(w, r, "/my/day?"+urlValues("technician", strconv.FormatInt(tech, 10), "date", date), http.StatusSeeOther)
}
