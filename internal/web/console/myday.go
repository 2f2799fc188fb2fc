package console

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/field"
	"aftersales/internal/web/httperr"
)

// The technician's day, phone first: today's visits in route order with
// what the technician needs at the door, and the steps of each visit
// (on the way, check in, check out with an outcome) through the same
// store operations as the API.

func (c *Console) myDayRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /my/day", g(c.myDay))
	// The day's steps are a technician's (StepVisit asks
	// PermTicketTransmit; cancelling, which the page does not offer, asks
	// PermVisitPlan).
	c.post(mux, "/my/day/visits/{ticket}/{visit}", needs(aftersales.PermTicketTransmit), c.stepMyVisit)
	c.fieldStandardRoutes(mux, g)
	c.bookingRoutes(mux, g)
	c.stockRoutes(mux, g)
	c.technicianRoutes(mux, g)
	c.ticketPartsRoutes(mux, g)
}

// dayStop is one visit of the page: the planned stop and what the
// technician brings and needs to know.
type dayStop struct {
	aftersales.RouteStop
	// Unplanned is why the route planner left the visit out (no_position,
	// no_shift, window, no_room); its card has no planned times but the
	// same steps, so the technician can still work it.
	Unplanned string
	Ticket    *aftersales.Ticket
	Customer  *aftersales.Customer
	Parts     []*aftersales.Reservation
	// Asset is the ticket's appliance (its product's model and name
	// with the serial), and Catalog the reserved parts by id, for their
	// names in the page's language (fielddesk.go).
	Asset   *stopAsset
	Catalog map[int64]*aftersales.Part
	History []*aftersales.TicketEvent
	// Checklist is the service standard that applies to the ticket.
	Checklist *aftersales.Checklist
	Version   int64
	Next      []aftersales.VisitStatus
	Amap      string
	// Baidu is an app scheme (baidumap:), which html/template would
	// otherwise replace; the store builds it from coordinates only.
	Baidu template.URL

	// A rejected step comes back with the card: Err says why, Errs the
	// reason by the form's field, Form what was typed (so nothing typed
	// on a phone is lost). OK says a step was taken. Focus is what takes
	// the focus when the card is swapped in: "card" or a field's name.
	Err   string
	OK    string
	Errs  map[string]string
	Form  url.Values
	Focus string
}

// V is what was typed into the card's field name before a rejected step.
func (s *dayStop) V(name string) string { return s.Form.Get(name) }

// Has says whether the card's check box name with value v was ticked
// before a rejected step.
func (s *dayStop) Has(name string, v any) bool {
	return slices.Contains(s.Form[name], fmt.Sprint(v))
}

// dayInputs are the work report's fields that are form controls (the
// others, the checklist, the parts and the signature, are groups).
var dayInputs = map[string]bool{"outcome": true, "diagnosis": true, "work_done": true, "confirmed_by": true, "photo": true}

// fieldError is a field's error in a card.
type fieldError struct {
	Reason, ErrID string
	// Focus: the field takes the focus; FocusMessage: the message does,
	// for a group that is not one control.
	Focus, FocusMessage bool
}

// Invalid is field name's error in the card, if any.
func (s *dayStop) Invalid(name string) fieldError {
	f := fieldError{Reason: s.Errs[name], ErrID: fmt.Sprintf("err-%s-%d", name, s.VisitID)}
	if f.Reason != "" && s.Focus == name {
		f.Focus, f.FocusMessage = dayInputs[name], !dayInputs[name]
	}
	return f
}

type dayView struct {
	Route    *aftersales.DayRoute
	Stops    []*dayStop
	Date     string
	Tech     int64
	Outcomes []aftersales.VisitOutcome
}

// dayCard is what a visit's card is drawn from: the page (for the
// language), the day and the visit. OOB marks the parts of an htmx
// answer that are swapped out of band.
type dayCard struct {
	*Page
	Day *dayView
	S   *dayStop
	OOB bool
	// Note and Err say what "update my position" did, next to its button.
	Note, Err string
}

// DayCard is the card of stop s of the day the page shows.
func (p *Page) DayCard(s *dayStop) *dayCard {
	d, _ := p.Data.(*dayView)
	return &dayCard{Page: p, Day: d, S: s}
}

// Other is another part of the same answer, swapped out of band.
func (c *dayCard) Other(s *dayStop) *dayCard {
	return &dayCard{Page: c.Page, Day: c.Day, S: s, OOB: true}
}

// dayTarget reads whose day and which date the page shows: the signed-in
// technician's today unless ?technician= and ?date= say otherwise (the
// store hides other technicians' days from technicians).
func (c *Console) dayTarget(r *http.Request) (int64, string, error) {
	u := aftersales.UserFromContext(r.Context())
	tech := u.ID
	if s := r.FormValue("technician"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, "", aftersales.Errorf(aftersales.ENOTFOUND, "Technician %q not found.", s)
		}
		tech = n
	}
	date := r.FormValue("date")
	if date == "" {
		date = c.Now().In(c.Zone).Format(time.DateOnly)
	}
	return tech, date, nil
}

func (c *Console) myDay(w http.ResponseWriter, r *http.Request) {
	c.renderDay(w, r, nil)
}

// renderDay shows the whole day with actionErr, a refused action that
// is not a visit's (the position), as the page's message.
func (c *Console) renderDay(w http.ResponseWriter, r *http.Request, actionErr error) {
	p := c.page(r, "my_day", "day.title")
	v, err := c.loadMyDay(r, 0)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	p.Data = v
	if actionErr != nil {
		p.Flash = c.stepMessage(p, actionErr)
		p.Status = http.StatusConflict
		if aftersales.ErrorCode(actionErr) == aftersales.EINVALID {
			p.Status = http.StatusUnprocessableEntity
		}
	}
	c.render(w, r, "my_day", p)
}

// loadMyDay reads the day the request names, planned as it stands, with
// the details of every visit, or of visit only when it is not 0 (an htmx
// answer draws that card alone).
func (c *Console) loadMyDay(r *http.Request, visit int64) (*dayView, error) {
	ctx := r.Context()
	tech, date, err := c.dayTarget(r)
	if err != nil {
		return nil, err
	}
	v := &dayView{Date: date, Tech: tech, Outcomes: aftersales.VisitOutcomes}
	if v.Route, err = c.S.Visits.DayRoute(ctx, tech, aftersales.Date(date)); err != nil {
		return nil, err
	}
	lists, err := c.S.Checklists.ListChecklists(ctx)
	if err != nil {
		return nil, err
	}
	for i, s := range v.Route.Stops {
		ds := &dayStop{RouteStop: s}
		if i < len(v.Route.MapLinks.Amap) {
			ds.Amap, ds.Baidu = v.Route.MapLinks.Amap[i], template.URL(v.Route.MapLinks.Baidu[i])
		}
		v.Stops = append(v.Stops, ds)
		if visit != 0 && s.VisitID != visit {
			continue
		}
		if err := c.stopDetails(ctx, ds, lists); err != nil {
			return nil, err
		}
	}
	for _, u := range v.Route.Unplanned {
		ds := &dayStop{RouteStop: aftersales.RouteStop{VisitID: u.VisitID, TicketID: u.TicketID, Number: u.Number}, Unplanned: u.Reason}
		if vis, err := c.S.Visits.FindVisit(ctx, u.TicketID, u.VisitID); err == nil {
			ds.Status, ds.WindowStart, ds.WindowEnd = vis.Status, vis.WindowStart, vis.WindowEnd
		} else if aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			return nil, err
		}
		v.Stops = append(v.Stops, ds)
		if visit != 0 && u.VisitID != visit {
			continue
		}
		if err := c.stopDetails(ctx, ds, lists); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// stopDetails reads what the card of a visit shows beyond its plan. A
// visit on a ticket the technician may not see shows its plan only; the
// store would refuse its steps too.
func (c *Console) stopDetails(ctx context.Context, ds *dayStop, lists []*aftersales.Checklist) error {
	t, err := c.S.Tickets.FindTicket(ctx, ds.TicketID)
	if err != nil {
		return nil
	}
	ds.Ticket = t
	ds.Checklist = field.PickChecklist(lists, t.CategoryID, t.Nature)
	if t.CustomerID != nil {
		if ds.Customer, err = c.S.Customers.FindCustomer(ctx, *t.CustomerID); err != nil {
			return err
		}
	}
	vis, err := c.S.Visits.FindVisit(ctx, ds.TicketID, ds.VisitID)
	if err != nil {
		return err
	}
	ds.Version, ds.Next = vis.Version, field.NextSteps(vis.Status)
	rs, err := c.S.Parts.ListReservations(ctx, ds.TicketID)
	if err != nil {
		return err
	}
	for _, res := range rs {
		if (res.VisitID == nil || *res.VisitID == ds.VisitID) && (res.Status == aftersales.ReservationHeld || res.Status == aftersales.ReservationWaiting) {
			ds.Parts = append(ds.Parts, res)
		}
	}
	if err := c.stopAssetAndParts(ctx, ds); err != nil {
		return err
	}
	ev, err := c.S.Tickets.Timeline(ctx, ds.TicketID)
	if err != nil {
		return err
	}
	if len(ev) > 3 {
		ev = ev[len(ev)-3:]
	}
	ds.History = ev
	return nil
}

// stepMyVisit takes one step of a visit from the page: en route, check
// in, or complete with an outcome, with the phone's position when the
// page's script could read it. Parts ticked as used are consumed from
// their reservations. htmx gets the visit's card back (with the other
// visits' times, which a check-in may move); a plain form post goes back
// to the day at the card.
func (c *Console) stepMyVisit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ticket, err1 := strconv.ParseInt(r.PathValue("ticket"), 10, 64)
	visit, err2 := strconv.ParseInt(r.PathValue("visit"), 10, 64)
	if err1 != nil || err2 != nil {
		c.stepFailed(w, r, visit, aftersales.Errorf(aftersales.ENOTFOUND, "Visit not found."))
		return
	}
	// Up to maxPhotos photos and a signature ride on the work report.
	r.Body = http.MaxBytesReader(w, r.Body, (maxPhotos+1)*c.Files.MaxSize+1<<20)
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	in := aftersales.VisitStep{To: aftersales.VisitStatus(r.FormValue("to")), Outcome: aftersales.VisitOutcome(r.FormValue("outcome")),
		Version: version, Reason: strings.TrimSpace(r.FormValue("note"))}
	lat, errLat := strconv.ParseFloat(r.FormValue("lat"), 64)
	lng, errLng := strconv.ParseFloat(r.FormValue("lng"), 64)
	if errLat == nil && errLng == nil {
		in.Position = &aftersales.Position{Lat: lat, Lng: lng}
	}
	if in.To == aftersales.VisitCompleted {
		in.Report = &aftersales.VisitReport{Diagnosis: r.FormValue("diagnosis"), WorkDone: r.FormValue("work_done"),
			ConfirmedBy: r.FormValue("confirmed_by")}
		for _, s := range r.Form["check"] {
			if n, err := strconv.Atoi(s); err == nil {
				in.Report.ChecksDone = append(in.Report.ChecksDone, n)
			}
		}
	}
	var files []reportFile
	if in.To == aftersales.VisitCompleted {
		var err error
		if files, err = c.reportFiles(r, visit); err != nil {
			c.stepFailed(w, r, visit, err)
			return
		}
	}
	used, err := c.usedParts(r, ticket, in.To)
	if err != nil {
		c.stepFailed(w, r, visit, err)
		return
	}
	var need *aftersales.ReservationInput
	if in.To == aftersales.VisitCompleted && in.Outcome == aftersales.OutcomeNeedsParts {
		tech, _, _ := c.dayTarget(r)
		var err error
		if need, err = c.neededPart(ctx, r, ticket, tech); err != nil {
			c.stepFailed(w, r, visit, err)
			return
		}
	}
	if _, err := c.S.Visits.StepVisit(ctx, ticket, visit, in); err != nil {
		c.stepFailed(w, r, visit, err)
		return
	}
	for _, f := range files {
		if _, err := c.Files.Attach(ctx, c.S.Tickets, ticket, bytes.NewReader(f.data), f.name, c.Now()); err != nil {
			c.stepFailed(w, r, visit, err)
			return
		}
	}
	for _, u := range used {
		if _, err := c.S.Parts.ConsumeReservation(ctx, ticket, u.id, u.in); err != nil {
			c.stepFailed(w, r, visit, err)
			return
		}
	}
	if need != nil {
		if _, err := c.S.Parts.Reserve(ctx, ticket, *need); err != nil {
			c.stepFailed(w, r, visit, err)
			return
		}
	}
	if !isHTMX(r) {
		tech, date, _ := c.dayTarget(r)
		http.Redirect(w, r, "/my/day?"+urlValues("technician", strconv.FormatInt(tech, 10), "date", date)+fmt.Sprintf("#stop-%d", visit), http.StatusSeeOther)
		return
	}
	c.answerStep(w, r, visit, nil, string(in.To))
}

// usedPart is a reservation ticked as used in a work report and the
// units used of it.
type usedPart struct {
	id int64
	in aftersales.ConsumeInput
}

// usedParts reads the parts a completing work report ticks as used, each
// with its quantity (used_qty_<reservation>, all of them when empty),
// and checks the quantities against the reservations before the visit
// is stepped, so that a bad one refuses the report whole.
func (c *Console) usedParts(r *http.Request, ticket int64, to aftersales.VisitStatus) ([]usedPart, error) {
	if to != aftersales.VisitCompleted || len(r.Form["used"]) == 0 {
		return nil, nil
	}
	rs, err := c.S.Parts.ListReservations(r.Context(), ticket)
	if err != nil {
		return nil, err
	}
	reserved := make(map[int64]int64, len(rs))
	for _, x := range rs {
		reserved[x.ID] = x.Qty
	}
	var out []usedPart
	var v aftersales.Validator
	for _, s := range r.Form["used"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			continue
		}
		u := usedPart{id: id}
		if q := strings.TrimSpace(r.FormValue("used_qty_" + s)); q != "" {
			max := reserved[id]
			n, err := strconv.ParseInt(q, 10, 64)
			if err != nil || n < 1 || max > 0 && n > max {
				v.Add("used", fmt.Sprintf("must be between 1 and %d", max))
				continue
			}
			u.in.Qty = n
		}
		out = append(out, u)
	}
	return out, v.Err()
}

func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// swappable sends an error page to htmx with status 200, the only kind
// of answer it swaps in.
type swappable struct{ http.ResponseWriter }

func (s swappable) WriteHeader(int) { s.ResponseWriter.WriteHeader(http.StatusOK) }

// dayFields maps a step's error fields to the card's form fields.
var dayFields = map[string]string{"outcome": "outcome", "report.diagnosis": "diagnosis", "report.work_done": "work_done",
	"report.confirmed_by": "confirmed_by", "report.checks_done": "check", "photo": "photo", "signature": "signature",
	"need_part": "need_part", "need_qty": "need_qty", "used": "used"}

// stepFailed answers a rejected step. Bad input and a step someone else
// overtook come back in the visit's card, next to the field concerned,
// with what was typed; anything else is the error page.
func (c *Console) stepFailed(w http.ResponseWriter, r *http.Request, visit int64, err error) {
	if code := aftersales.ErrorCode(err); code != aftersales.EINVALID && code != aftersales.ECONFLICT {
		if isHTMX(r) && code == aftersales.EUNAUTHORIZED {
			w.Header().Set("HX-Redirect", "/login")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if isHTMX(r) {
			// htmx swaps no error answer: the error page goes as a
			// successful one and replaces the page's body, as the error
			// page would without script.
			w.Header().Set("HX-Retarget", "body")
			w.Header().Set("HX-Reswap", "innerHTML")
			w = swappable{w}
		}
		c.fail(w, r, "", c.page(r, "my_day", "day.title"), err)
		return
	}
	c.answerStep(w, r, visit, err, "")
}

// answerStep draws the visit's card after a step (done, or refused with
// err): alone for htmx, in the whole day without script.
func (c *Console) answerStep(w http.ResponseWriter, r *http.Request, visit int64, err error, done string) {
	p := c.page(r, "my_day", "day.title")
	only := visit
	if !isHTMX(r) {
		only = 0
	}
	v, lerr := c.loadMyDay(r, only)
	if lerr != nil {
		c.stepFailed(w, r, visit, lerr)
		return
	}
	p.Data = v
	var s *dayStop
	for _, x := range v.Stops {
		if x.VisitID == visit {
			s = x
		}
	}
	if s == nil {
		// The visit left the day (moved by a supervisor meanwhile): the
		// whole day shows where things are.
		if isHTMX(r) {
			w.Header().Set("HX-Refresh", "true")
			return
		}
		if err != nil {
			p.Flash = c.stepMessage(p, err)
		}
		c.render(w, r, "my_day", p)
		return
	}
	s.Focus = "card"
	if done != "" {
		s.OK = p.T("day.done." + done)
	}
	if err != nil {
		s.Err, s.Form, s.Errs = c.stepMessage(p, err), r.Form, map[string]string{}
		for _, f := range aftersales.ErrorFields(err) {
			if name, ok := dayFields[f.Field]; ok {
				s.Errs[name] = p.cat.fieldReason(p.Lang, f.Reason)
				if s.Focus == "card" {
					s.Focus = name
				}
			}
		}
		p.Status = httperr.Status(err) // 422 or 409: stepFailed sends the others to the error page
	}
	if !isHTMX(r) {
		c.render(w, r, "my_day", p)
		return
	}
	// htmx swaps only a successful answer: a refused step comes back as
	// one, with its message in the card.
	w.Header().Set("Vary", "HX-Request")
	c.renderBlock(w, r, "my_day", "day-answer", p.DayCard(s), 0)
}

// stepMessage is what the card says about a refused step.
func (c *Console) stepMessage(p *Page, err error) string {
	if fs := aftersales.ErrorFields(err); len(fs) == 1 && fs[0].Field == "lat" {
		return p.T("day.position_missing") // "update my position" without one
	}
	if p.Lang == "en" {
		return aftersales.ErrorMessage(err)
	}
	return p.T("err." + aftersales.ErrorCode(err))
}

// maxPhotos is how many photos one work report takes.
const maxPhotos = 8

// reportFile is a photo or the signature of a work report, checked and
// read before the visit completes, so a bad file changes nothing.
type reportFile struct {
	name string
	data []byte
}

var photoTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}

// reportFiles reads the work report's photos (images of the accepted
// types, each at most the upload limit) and the drawn signature (a PNG
// data URL from the signature pad).
func (c *Console) reportFiles(r *http.Request, visit int64) ([]reportFile, error) {
	bad := func(field, reason string) error {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: "The work report's " + field + " " + reason + ".",
			Fields: []aftersales.FieldError{{Field: field, Reason: reason}}}
	}
	var out []reportFile
	if r.MultipartForm != nil {
		photos := r.MultipartForm.File["photo"]
		if len(photos) > maxPhotos {
			return nil, bad("photo", fmt.Sprintf("takes at most %d photos", maxPhotos))
		}
		for i, h := range photos {
			if h.Size > c.Files.MaxSize {
				return nil, bad("photo", fmt.Sprintf("must be at most %d bytes", c.Files.MaxSize))
			}
			f, err := h.Open()
			if err != nil {
				return nil, fmt.Errorf("console: open photo: %w", err)
			}
			data, err := io.ReadAll(io.LimitReader(f, c.Files.MaxSize+1))
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("console: read photo: %w", err)
			}
			ext, ok := photoTypes[http.DetectContentType(data)]
			if !ok || len(data) == 0 {
				return nil, bad("photo", "must be a JPEG, PNG, WebP or GIF image")
			}
			out = append(out, reportFile{fmt.Sprintf("visit-%d-photo-%d%s", visit, i+1, ext), data})
		}
	}
	if s := r.FormValue("signature"); s != "" {
		const prefix = "data:image/png;base64,"
		if !strings.HasPrefix(s, prefix) || len(s) > 2<<20 {
			return nil, bad("signature", "must be a PNG drawn on the signature pad")
		}
		data, err := base64.StdEncoding.DecodeString(s[len(prefix):])
		if err != nil || http.DetectContentType(data) != "image/png" {
			return nil, bad("signature", "must be a PNG drawn on the signature pad")
		}
		out = append(out, reportFile{fmt.Sprintf("visit-%d-signature.png", visit), data})
	}
	return out, nil
}

func urlValues(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv[i] + "=" + kv[i+1])
	}
	return b.String()
}
