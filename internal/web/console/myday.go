package console

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/field"
)

// The technician's day, phone first: today's visits in route order with
// what the technician needs at the door, and the steps of each visit
// (on the way, check in, check out with an outcome) through the same
// store operations as the API.

func (c *Console) myDayRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /my/day", g(c.myDay))
	mux.HandleFunc("POST /my/day/visits/{ticket}/{visit}", g(c.stepMyVisit))
	c.fieldStandardRoutes(mux, g)
}

// dayStop is one visit of the page: the planned stop and what the
// technician brings and needs to know.
type dayStop struct {
	aftersales.RouteStop
	Ticket   *aftersales.Ticket
	Customer *aftersales.Customer
	Parts    []*aftersales.Reservation
	History  []*aftersales.TicketEvent
	// Checklist is the service standard that applies to the ticket.
	Checklist *aftersales.Checklist
	Version   int64
	Next      []aftersales.VisitStatus
	Amap      string
	// Baidu is an app scheme (baidumap:), which html/template would
	// otherwise replace; the store builds it from coordinates only.
	Baidu template.URL
}

type dayView struct {
	Route    *aftersales.DayRoute
	Stops    []dayStop
	Date     string
	Tech     int64
	Outcomes []aftersales.VisitOutcome
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

func (c *Console) renderDay(w http.ResponseWriter, r *http.Request, actionErr error) {
	ctx := r.Context()
	p := c.page(r, "my_day", "day.title")
	tech, date, err := c.dayTarget(r)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	v := &dayView{Date: date, Tech: tech, Outcomes: aftersales.VisitOutcomes}
	p.Data = v
	if v.Route, err = c.S.Visits.DayRoute(ctx, tech, aftersales.Date(date)); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	lists, err := c.S.Checklists.ListChecklists(ctx)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	for i, s := range v.Route.Stops {
		ds := dayStop{RouteStop: s}
		if i < len(v.Route.MapLinks.Amap) {
			ds.Amap, ds.Baidu = v.Route.MapLinks.Amap[i], template.URL(v.Route.MapLinks.Baidu[i])
		}
		// A visit on a ticket the technician may not see shows its plan
		// only; the store would refuse its steps too.
		if t, err := c.S.Tickets.FindTicket(ctx, s.TicketID); err == nil {
			ds.Ticket = t
			ds.Checklist = field.PickChecklist(lists, t.CategoryID, t.Nature)
			if t.CustomerID != nil {
				if ds.Customer, err = c.S.Customers.FindCustomer(ctx, *t.CustomerID); err != nil {
					c.fail(w, r, "", p, err)
					return
				}
			}
			vis, err := c.S.Visits.FindVisit(ctx, s.TicketID, s.VisitID)
			if err != nil {
				c.fail(w, r, "", p, err)
				return
			}
			ds.Version, ds.Next = vis.Version, field.NextSteps(vis.Status)
			rs, err := c.S.Parts.ListReservations(ctx, s.TicketID)
			if err != nil {
				c.fail(w, r, "", p, err)
				return
			}
			for _, res := range rs {
				if (res.VisitID == nil || *res.VisitID == s.VisitID) && (res.Status == aftersales.ReservationHeld || res.Status == aftersales.ReservationWaiting) {
					ds.Parts = append(ds.Parts, res)
				}
			}
			ev, err := c.S.Tickets.Timeline(ctx, s.TicketID)
			if err != nil {
				c.fail(w, r, "", p, err)
				return
			}
			if len(ev) > 3 {
				ev = ev[len(ev)-3:]
			}
			ds.History = ev
		}
		v.Stops = append(v.Stops, ds)
	}
	if actionErr != nil {
		p.Flash = p.T("err." + aftersales.ErrorCode(actionErr))
		if p.Lang == "en" {
			p.Flash = aftersales.ErrorMessage(actionErr)
		}
		p.Status = http.StatusConflict
		if aftersales.ErrorCode(actionErr) == aftersales.EINVALID {
			p.Status = http.StatusUnprocessableEntity
		}
	}
	c.render(w, r, "my_day", p)
}

// stepMyVisit takes one step of a visit from the page: en route, check
// in, or complete with an outcome, with the phone's position when the
// page's script could read it. Parts ticked as used are consumed from
// their reservations.
func (c *Console) stepMyVisit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ticket, err1 := strconv.ParseInt(r.PathValue("ticket"), 10, 64)
	visit, err2 := strconv.ParseInt(r.PathValue("visit"), 10, 64)
	if err1 != nil || err2 != nil {
		c.fail(w, r, "", c.page(r, "my_day", "day.title"), aftersales.Errorf(aftersales.ENOTFOUND, "Visit not found."))
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
			c.renderDay(w, r, err)
			return
		}
	}
	if _, err := c.S.Visits.StepVisit(ctx, ticket, visit, in); err != nil {
		if code := aftersales.ErrorCode(err); code == aftersales.EUNAUTHORIZED || code == aftersales.ENOTFOUND || code == aftersales.EFORBIDDEN ||
			code == aftersales.EINTERNAL || code == aftersales.EUNAVAILABLE {
			c.fail(w, r, "", c.page(r, "my_day", "day.title"), err)
			return
		}
		c.renderDay(w, r, err)
		return
	}
	for _, f := range files {
		if _, err := c.Files.Attach(ctx, c.S.Tickets, ticket, bytes.NewReader(f.data), f.name, c.Now()); err != nil {
			c.renderDay(w, r, err)
			return
		}
	}
	if in.To == aftersales.VisitCompleted {
		for _, s := range r.Form["used"] {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				continue
			}
			if _, err := c.S.Parts.ConsumeReservation(ctx, ticket, id); err != nil {
				c.renderDay(w, r, err)
				return
			}
		}
	}
	tech, date, _ := c.dayTarget(r)
	http.Redirect(w, r, "/my/day?"+urlValues("technician", strconv.FormatInt(tech, 10), "date", date), http.StatusSeeOther)
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
