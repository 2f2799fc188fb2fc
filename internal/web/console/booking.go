package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/web/httperr"
)

// Booking a visit from the ticket (issue #19): the next feasible windows
// the store offers (technicians' calendars, travel, skills, parts), each
// explained, a button to book one, and the ticket's visits that have not
// started with a form to cancel them (a reason is required; the store
// keeps the history, frees the reservations and tells the technician).

func (c *Console) bookingRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /tickets/{id}/book", g(c.bookVisitPage))
	mux.HandleFunc("POST /tickets/{id}/book", g(c.bookVisit))
	mux.HandleFunc("POST /tickets/{id}/visits/{visit}/cancel", g(c.cancelVisit))
}

type bookView struct {
	T        *aftersales.Ticket
	Duration int
	Days     int
	Offers   []*aftersales.Offer
	Visits   []*aftersales.Visit // not started: they can be cancelled
	// Skills are what the ticket's product needs: the technicians offered
	// have them, and the booked visit asks for them (so the board's
	// suggestions check them too).
	Skills     []namedSkill
	SkillNames []string
	// Typed keeps a refused cancellation's reason in its visit's form.
	Typed map[int64]string
}

// Stamp carries an offer's window in its booking form.
func (bookView) Stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (c *Console) bookVisitPage(w http.ResponseWriter, r *http.Request) {
	c.renderBook(w, r, nil)
}

// renderBook shows the offers; actionErr is a refused booking or
// cancellation, shown at the top with the form's field marked.
func (c *Console) renderBook(w http.ResponseWriter, r *http.Request, actionErr error) {
	ctx := r.Context()
	p := c.page(r, "tickets", "book.title")
	v := &bookView{Duration: 60, Days: 7, Typed: map[int64]string{}}
	p.Data = v
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.fail(w, r, "", p, aftersales.Errorf(aftersales.ENOTFOUND, "Ticket not found."))
		return
	}
	// A ticket the user may not see is not found, whatever they may do.
	if v.T, err = c.S.Tickets.FindTicket(ctx, id); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if _, err := aftersales.Require(ctx, aftersales.PermVisitPlan); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	p.Title = p.T("book.title") + " · " + v.T.Number
	p.Form = r.Form
	if n, err := strconv.Atoi(r.FormValue("duration")); err == nil {
		v.Duration = n
	}
	if n, err := strconv.Atoi(r.FormValue("days")); err == nil {
		v.Days = n
	}
	visits, err := c.S.Visits.ListVisits(ctx, id)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	for _, vi := range visits {
		if vi.Status == aftersales.VisitScheduled || vi.Status == aftersales.VisitEnRoute {
			v.Visits = append(v.Visits, vi)
		}
	}
	if vid, err := strconv.ParseInt(r.PathValue("visit"), 10, 64); err == nil {
		v.Typed[vid] = r.PostFormValue("reason")
	}
	if actionErr != nil {
		if code := aftersales.ErrorCode(httperr.Classify(actionErr)); code != aftersales.EINVALID && code != aftersales.ECONFLICT {
			c.fail(w, r, "", p, actionErr)
			return
		}
		c.actionError(p, actionErr)
	}
	if v.Skills, err = c.ticketSkills(ctx, v.T); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	for _, sk := range v.Skills {
		v.SkillNames = append(v.SkillNames, fmt.Sprintf(p.T("book.skill"), p.L(sk.name, sk.nameEN), sk.Level))
	}
	req := aftersales.OfferRequest{DurationMin: v.Duration, Days: v.Days, Count: 8, Skills: skillsOf(v.Skills)}
	if v.Offers, err = c.S.Visits.Offers(ctx, id, req); err != nil {
		if aftersales.ErrorCode(httperr.Classify(err)) != aftersales.EINVALID {
			c.fail(w, r, "", p, err)
			return
		}
		c.actionError(p, err)
	}
	c.render(w, r, "book_visit", p)
}

// actionError puts a refusal on the page: the code's sentence, the
// domain's message in English, and each field's reason under its field.
func (c *Console) actionError(p *Page, err error) {
	code := aftersales.ErrorCode(err)
	p.Flash = p.T("err." + code)
	if p.Lang == "en" && code != aftersales.EINTERNAL && code != aftersales.EUNAVAILABLE {
		p.Flash = aftersales.ErrorMessage(err)
	}
	for _, f := range aftersales.ErrorFields(err) {
		reason := p.cat.fieldReason(p.Lang, f.Reason)
		p.Errs[f.Field] = reason
		if p.Lang != "en" {
			p.Flash += " " + p.tOr("book.field."+f.Field, f.Field) + p.T("book.field_sep") + reason
		}
	}
	if p.Status == 0 {
		p.Status = http.StatusUnprocessableEntity
		if code == aftersales.ECONFLICT {
			p.Status = http.StatusConflict
		}
	}
}

// bookVisit books the offer the button carries.
func (c *Console) bookVisit(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.fail(w, r, "", c.page(r, "tickets", "book.title"), aftersales.Errorf(aftersales.ENOTFOUND, "Ticket not found."))
		return
	}
	t, err := c.S.Tickets.FindTicket(r.Context(), id)
	if err == nil {
		_, err = aftersales.Require(r.Context(), aftersales.PermVisitPlan)
	}
	if err != nil {
		c.fail(w, r, "", c.page(r, "tickets", "book.title"), err)
		return
	}
	in := aftersales.VisitInput{Note: r.FormValue("note")}
	in.DurationMin, _ = strconv.Atoi(r.FormValue("duration"))
	ws, err1 := time.Parse(time.RFC3339, r.FormValue("window_start"))
	we, err2 := time.Parse(time.RFC3339, r.FormValue("window_end"))
	if err1 != nil || err2 != nil {
		c.renderBook(w, r, &aftersales.Error{Code: aftersales.EINVALID, Message: "The window is not a time.",
			Fields: []aftersales.FieldError{{Field: "window_start", Reason: "is required"}}})
		return
	}
	in.WindowStart, in.WindowEnd = ws, we
	if s := r.FormValue("technician_id"); s != "" {
		t, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			c.renderBook(w, r, &aftersales.Error{Code: aftersales.EINVALID, Message: "technician_id is not a number.",
				Fields: []aftersales.FieldError{{Field: "technician_id", Reason: "is not a number"}}})
			return
		}
		in.TechnicianID = &t
	}
	skills, err := c.ticketSkills(r.Context(), t)
	if err != nil {
		c.fail(w, r, "", c.page(r, "tickets", "book.title"), err)
		return
	}
	in.Skills = skillsOf(skills)
	v, err := c.S.Visits.CreateVisit(r.Context(), id, in)
	if err != nil {
		c.renderBook(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d?ok=booked&visit=%d#visits", id, v.Number), http.StatusSeeOther)
}

// cancelVisit cancels a visit that has not started, with a reason.
func (c *Console) cancelVisit(w http.ResponseWriter, r *http.Request) {
	id, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	vid, err2 := strconv.ParseInt(r.PathValue("visit"), 10, 64)
	if err1 != nil || err2 != nil {
		c.fail(w, r, "", c.page(r, "tickets", "book.title"), aftersales.Errorf(aftersales.ENOTFOUND, "Visit not found."))
		return
	}
	if _, err := c.S.Tickets.FindTicket(r.Context(), id); err != nil {
		c.fail(w, r, "", c.page(r, "tickets", "book.title"), err)
		return
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	reason := strings.TrimSpace(r.FormValue("reason"))
	if reason == "" {
		// The store asks for a reason too; saying which field here keeps
		// the message next to the visit's form.
		c.renderBook(w, r, &aftersales.Error{Code: aftersales.EINVALID, Message: "A reason is required to cancel a visit.",
			Fields: []aftersales.FieldError{{Field: fmt.Sprintf("reason-%d", vid), Reason: "is required"}}})
		return
	}
	if _, err := c.S.Visits.StepVisit(r.Context(), id, vid, aftersales.VisitStep{To: aftersales.VisitCancelled, Reason: reason, Version: version}); err != nil {
		// The reason's field is the visit's own in the page.
		var e *aftersales.Error
		if errors.As(err, &e) {
			for i, f := range e.Fields {
				if f.Field == "reason" {
					e.Fields[i].Field = fmt.Sprintf("reason-%d", vid)
				}
			}
		}
		c.renderBook(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d/book?ok=cancelled", id), http.StatusSeeOther)
}

// OfferWhy words an offer: "班次 08:30-17:30；当日 2/6；从家出发
// 12.3 km 25 分钟；配件在 van-7；另有 2 位可来".
func (p *Page) OfferWhy(o *aftersales.Offer) string {
	w := o.Why
	parts := []string{fmt.Sprintf(p.T("book.why.shift"), w.Shift)}
	if w.Capacity > 0 {
		parts = append(parts, fmt.Sprintf(p.T("book.why.load"), w.Booked, w.Capacity))
	} else {
		parts = append(parts, fmt.Sprintf(p.T("book.why.load_open"), w.Booked))
	}
	parts = append(parts, fmt.Sprintf(p.T("book.why.travel"), w.TravelKM, w.TravelMin, p.tOr("dispatch.from."+w.From, "")))
	if w.PartsFrom != "" {
		parts = append(parts, fmt.Sprintf(p.T("book.why.parts"), w.PartsFrom))
	}
	if w.Others > 0 {
		parts = append(parts, fmt.Sprintf(p.T("book.why.others"), w.Others))
	}
	return strings.Join(parts, p.T("dispatch.why.sep"))
}

// CanBook reports whether the signed-in user may book and cancel visits.
func (p *Page) CanBook() bool {
	return p.User != nil && p.User.Role.Can(aftersales.PermVisitPlan)
}

type namedSkill struct {
	aftersales.Skill
	name, nameEN string
}

func skillsOf(ns []namedSkill) []aftersales.Skill {
	var out []aftersales.Skill
	for _, n := range ns {
		out = append(out, n.Skill)
	}
	return out
}

// ticketSkills is the skill a visit to ticket t needs: its product's
// top-level category (technicians' skills are kept there, as the demo's
// and the board's), at level 1 or more. None when the ticket has no
// category.
func (c *Console) ticketSkills(ctx context.Context, t *aftersales.Ticket) ([]namedSkill, error) {
	if t.CategoryID == nil {
		return nil, nil
	}
	cats, err := c.S.Catalog.ListCategories(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*aftersales.Category{}
	for _, ct := range cats {
		byID[ct.ID] = ct
	}
	ct := byID[*t.CategoryID]
	for ct != nil && ct.ParentID != nil && byID[*ct.ParentID] != nil {
		ct = byID[*ct.ParentID]
	}
	if ct == nil {
		return nil, nil
	}
	return []namedSkill{{Skill: aftersales.Skill{CategoryID: ct.ID, Level: 1}, name: ct.NameZH, nameEN: ct.NameEN}}, nil
}
