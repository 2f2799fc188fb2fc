package aftersales

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Visits and technicians' calendars (issue #19). The rules (the visit
// state machine, lateness, availability and booking offers) live in
// internal/field; these are the shapes every package speaks.

// VisitStatus is where a visit stands.
type VisitStatus string

const (
	VisitScheduled VisitStatus = "scheduled"
	VisitEnRoute   VisitStatus = "en_route"
	VisitCheckedIn VisitStatus = "checked_in"
	VisitCompleted VisitStatus = "completed"
	VisitCancelled VisitStatus = "cancelled"
)

// VisitStatuses lists every visit status in order.
var VisitStatuses = []VisitStatus{VisitScheduled, VisitEnRoute, VisitCheckedIn, VisitCompleted, VisitCancelled}

// Valid reports whether s is a known status.
func (s VisitStatus) Valid() bool { return oneOf(s, VisitStatuses) }

// VisitOutcome is what a completed visit achieved.
type VisitOutcome string

const (
	OutcomeFixed          VisitOutcome = "fixed"
	OutcomeNeedsParts     VisitOutcome = "needs_parts"
	OutcomeNeedsVisit     VisitOutcome = "needs_visit"
	OutcomeCustomerAbsent VisitOutcome = "customer_absent"
	OutcomeCannotFix      VisitOutcome = "cannot_fix"
)

// VisitOutcomes lists every outcome.
var VisitOutcomes = []VisitOutcome{OutcomeFixed, OutcomeNeedsParts, OutcomeNeedsVisit, OutcomeCustomerAbsent, OutcomeCannotFix}

// Valid reports whether o is a known outcome.
func (o VisitOutcome) Valid() bool { return oneOf(o, VisitOutcomes) }

// Position is where a phone said it was.
type Position struct {
	Lat float64 `json:"lat" minimum:"-90" maximum:"90"`
	Lng float64 `json:"lng" minimum:"-180" maximum:"180"`
}

func (p *Position) validate(v *Validator, field string) {
	if p == nil {
		return
	}
	v.Check(p.Lat >= -90 && p.Lat <= 90, field+".lat", "must be between -90 and 90")
	v.Check(p.Lng >= -180 && p.Lng <= 180, field+".lng", "must be between -180 and 180")
}

// Visit is one trip of a technician to the customer for a ticket.
type Visit struct {
	ID       int64 `json:"id"`
	TicketID int64 `json:"ticket_id"`
	// Number counts the ticket's visits from 1; a repeat visit has 2 or more.
	Number       int          `json:"number"`
	WindowStart  time.Time    `json:"window_start" doc:"Start of the time window promised to the customer"`
	WindowEnd    time.Time    `json:"window_end"`
	DurationMin  int          `json:"duration_min" doc:"Estimated time on site, minutes"`
	Skills       []Skill      `json:"skills" doc:"Required skills: product category and minimum level"`
	TechnicianID *int64       `json:"technician_id,omitempty"`
	Status       VisitStatus  `json:"status"`
	CheckedInAt  *time.Time   `json:"checked_in_at,omitempty"`
	CheckedOutAt *time.Time   `json:"checked_out_at,omitempty"`
	CheckIn      *Position    `json:"check_in_position,omitempty"`
	CheckOut     *Position    `json:"check_out_position,omitempty"`
	Outcome      VisitOutcome `json:"outcome,omitempty"`
	Note         string       `json:"note,omitempty"`
	// Late: the technician checked in after the promised window ended,
	// whatever the SLA says.
	Late      bool      `json:"late"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// VisitInput books a visit.
type VisitInput struct {
	WindowStart  time.Time `json:"window_start"`
	WindowEnd    time.Time `json:"window_end"`
	DurationMin  int       `json:"duration_min" minimum:"1" maximum:"1440"`
	Skills       []Skill   `json:"skills,omitempty" maxItems:"20"`
	TechnicianID *int64    `json:"technician_id,omitempty"`
	Note         string    `json:"note,omitempty" maxLength:"2000"`
}

// Validate checks a visit's shape; the store checks the technician.
func (in *VisitInput) Validate() error {
	var v Validator
	in.Note = strings.TrimSpace(in.Note)
	v.Check(!in.WindowStart.IsZero(), "window_start", "is required")
	v.Check(in.WindowEnd.After(in.WindowStart), "window_end", "must be after window_start")
	v.Check(in.WindowEnd.Sub(in.WindowStart) <= 24*time.Hour, "window_end", "must be at most 24 hours after window_start")
	v.Check(in.DurationMin >= 1 && in.DurationMin <= 1440, "duration_min", "must be between 1 and 1440 minutes")
	validSkills(&v, "skills", in.Skills)
	v.Check(len(in.Note) <= 2000, "note", "is longer than 2000 bytes")
	v.Text("note", in.Note)
	return v.Err()
}

func validSkills(v *Validator, list string, skills []Skill) {
	seen := map[int64]bool{}
	for i, s := range skills {
		v.Check(s.CategoryID > 0, fieldIndex(list, i, "category_id"), "is required")
		v.Check(s.Level >= 1 && s.Level <= 5, fieldIndex(list, i, "level"), "must be between 1 and 5")
		v.Check(!seen[s.CategoryID], fieldIndex(list, i, "category_id"), "is listed twice")
		seen[s.CategoryID] = true
	}
}

// RescheduleInput moves a visit's window (and may change its technician).
type RescheduleInput struct {
	WindowStart  time.Time `json:"window_start"`
	WindowEnd    time.Time `json:"window_end"`
	TechnicianID *int64    `json:"technician_id,omitempty" doc:"A new technician; absent keeps the current one"`
	Reason       string    `json:"reason" maxLength:"500"`
	Version      int64     `json:"version" minimum:"1"`
}

// Validate checks a reschedule.
func (in *RescheduleInput) Validate() error {
	var v Validator
	in.Reason = strings.TrimSpace(in.Reason)
	v.Check(!in.WindowStart.IsZero(), "window_start", "is required")
	v.Check(in.WindowEnd.After(in.WindowStart), "window_end", "must be after window_start")
	v.Check(in.WindowEnd.Sub(in.WindowStart) <= 24*time.Hour, "window_end", "must be at most 24 hours after window_start")
	v.Check(in.Reason != "", "reason", "is required to reschedule")
	v.Check(len(in.Reason) <= 500, "reason", "is longer than 500 bytes")
	v.Text("reason", in.Reason)
	v.Check(in.Version > 0, "version", "is required")
	return v.Err()
}

// VisitStep moves a visit along: en route, check in, check out
// (complete with an outcome) or cancel.
type VisitStep struct {
	To       VisitStatus  `json:"to" enum:"en_route,checked_in,completed,cancelled"`
	Position *Position    `json:"position,omitempty" doc:"Where the phone was, when it could tell"`
	Outcome  VisitOutcome `json:"outcome,omitempty" enum:"fixed,needs_parts,needs_visit,customer_absent,cannot_fix," doc:"Required to complete"`
	Reason   string       `json:"reason,omitempty" maxLength:"500" doc:"Required to cancel"`
	Report   *VisitReport `json:"report,omitempty" doc:"The work report, given on completion only"`
	Version  int64        `json:"version" minimum:"1"`
}

// VisitReport is what the technician reports when the visit ends: what
// was wrong, what was done, and the name the customer typed to confirm.
type VisitReport struct {
	Diagnosis   string `json:"diagnosis,omitempty" maxLength:"2000"`
	WorkDone    string `json:"work_done,omitempty" maxLength:"2000"`
	ConfirmedBy string `json:"confirmed_by,omitempty" maxLength:"100" doc:"The customer's name, typed by the customer as confirmation"`
	// ChecksDone lists the positions of the applicable service checklist's
	// items the technician did; Checks is the checklist as recorded.
	ChecksDone []int        `json:"checks_done,omitempty" maxItems:"30" doc:"Positions (pos) of the service checklist items done"`
	Checks     []VisitCheck `json:"checks,omitempty" readOnly:"true" doc:"The service checklist as recorded at completion"`
}

// Validate checks a step's shape; the state machine checks the move.
func (in *VisitStep) Validate() error {
	var v Validator
	in.Reason = strings.TrimSpace(in.Reason)
	v.Check(in.To == VisitEnRoute || in.To == VisitCheckedIn || in.To == VisitCompleted || in.To == VisitCancelled, "to",
		"must be en_route, checked_in, completed or cancelled")
	in.Position.validate(&v, "position")
	if in.To == VisitCompleted {
		v.Check(in.Outcome.Valid(), "outcome", "must be one of "+joinEnum(VisitOutcomes))
	} else {
		v.Check(in.Outcome == "", "outcome", "is only given to complete a visit")
	}
	if in.To == VisitCancelled {
		v.Check(in.Reason != "", "reason", "is required to cancel")
	}
	v.Check(len(in.Reason) <= 500, "reason", "is longer than 500 bytes")
	v.Text("reason", in.Reason)
	if r := in.Report; r != nil {
		v.Check(in.To == VisitCompleted, "report", "is only given to complete a visit")
		r.Diagnosis, r.WorkDone, r.ConfirmedBy = strings.TrimSpace(r.Diagnosis), strings.TrimSpace(r.WorkDone), strings.TrimSpace(r.ConfirmedBy)
		v.Check(len(r.Diagnosis) <= 2000, "report.diagnosis", "is longer than 2000 bytes")
		v.Check(len(r.WorkDone) <= 2000, "report.work_done", "is longer than 2000 bytes")
		v.Check(len(r.ConfirmedBy) <= 100, "report.confirmed_by", "is longer than 100 bytes")
		v.Text("report.diagnosis", r.Diagnosis)
		v.Text("report.work_done", r.WorkDone)
		v.Text("report.confirmed_by", r.ConfirmedBy)
		v.Check(len(r.ChecksDone) <= 30, "report.checks_done", "has more than 30 items")
	}
	v.Check(in.Version > 0, "version", "is required")
	return v.Err()
}

// VisitEvent is one line of a visit's history.
type VisitEvent struct {
	ID      int64     `json:"id"`
	VisitID int64     `json:"visit_id"`
	At      time.Time `json:"at"`
	ActorID *int64    `json:"actor_id,omitempty"`
	Kind    string    `json:"kind" doc:"created, rescheduled, assigned, reordered (its place in the technician's day: from and to are places, 1 first) or status"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}

// Certification is a technician's licence (gas, refrigerant, electrical)
// valid until Expires.
type Certification struct {
	Code    string `json:"code" maxLength:"50"`
	Name    string `json:"name,omitempty" maxLength:"100"`
	Expires Date   `json:"expires_on,omitempty" doc:"YYYY-MM-DD; empty never expires"`
}

// Shift is a technician's working time on one weekday, in minutes after
// local midnight.
type Shift struct {
	Weekday  int `json:"weekday" minimum:"0" maximum:"6" doc:"0 is Sunday"`
	StartMin int `json:"start_min" minimum:"0" maximum:"1439"`
	EndMin   int `json:"end_min" minimum:"1" maximum:"1440"`
}

// Leave is time off.
type Leave struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Reason string    `json:"reason,omitempty" maxLength:"200"`
}

// TechnicianProfile is a technician's field profile on top of the user.
type TechnicianProfile struct {
	UserID          int64           `json:"user_id"`
	Name            string          `json:"name" readOnly:"true"`
	ServiceUnitID   *int64          `json:"service_unit_id,omitempty" doc:"The service point the day starts from when there is no home base"`
	Home            *Position       `json:"home,omitempty" doc:"Home base"`
	CapacityVisits  int             `json:"capacity_visits" doc:"Visits a day at most; 0 no limit"`
	CapacityMinutes int             `json:"capacity_minutes" doc:"Minutes on site a day at most; 0 no limit"`
	Skills          []Skill         `json:"skills" readOnly:"true" doc:"From the user"`
	Certs           []Certification `json:"certifications"`
	Shifts          []Shift         `json:"shifts"`
	Leave           []Leave         `json:"leave"`
	Version         int64           `json:"version"`
}

// TechnicianProfileInput sets a technician's profile (replacing the
// certifications, shifts and leave).
type TechnicianProfileInput struct {
	ServiceUnitID   *int64          `json:"service_unit_id,omitempty"`
	Home            *Position       `json:"home,omitempty"`
	CapacityVisits  int             `json:"capacity_visits,omitempty" minimum:"0" maximum:"50"`
	CapacityMinutes int             `json:"capacity_minutes,omitempty" minimum:"0" maximum:"1440"`
	Certs           []Certification `json:"certifications,omitempty" maxItems:"50"`
	Shifts          []Shift         `json:"shifts,omitempty" maxItems:"50"`
	Leave           []Leave         `json:"leave,omitempty" maxItems:"200"`
	Version         int64           `json:"version,omitempty" doc:"The version last seen; 0 to create"`
}

// Validate checks a profile.
func (in *TechnicianProfileInput) Validate() error {
	var v Validator
	in.Home.validate(&v, "home")
	v.Check(in.CapacityVisits >= 0 && in.CapacityVisits <= 50, "capacity_visits", "must be between 0 and 50")
	v.Check(in.CapacityMinutes >= 0 && in.CapacityMinutes <= 1440, "capacity_minutes", "must be between 0 and 1440")
	seen := map[string]bool{}
	for i, c := range in.Certs {
		c.Code, c.Name = strings.TrimSpace(c.Code), strings.TrimSpace(c.Name)
		in.Certs[i] = c
		v.Check(validCode(c.Code), fieldIndex("certifications", i, "code"), "must be lower-case letters, digits, '-' or '_'")
		v.Check(!seen[c.Code], fieldIndex("certifications", i, "code"), "is listed twice")
		seen[c.Code] = true
		v.Check(len(c.Name) <= 100 && ValidText(c.Name), fieldIndex("certifications", i, "name"), "must be at most 100 bytes of text")
		v.Check(c.Expires.Valid(), fieldIndex("certifications", i, "expires_on"), "must be a date YYYY-MM-DD")
	}
	for i, s := range in.Shifts {
		v.Check(s.Weekday >= 0 && s.Weekday <= 6, fieldIndex("shifts", i, "weekday"), "must be between 0 (Sunday) and 6")
		v.Check(s.StartMin >= 0 && s.StartMin < 1440, fieldIndex("shifts", i, "start_min"), "must be between 0 and 1439")
		v.Check(s.EndMin > s.StartMin && s.EndMin <= 1440, fieldIndex("shifts", i, "end_min"), "must be after start_min, at most 1440")
		for j := range i {
			o := in.Shifts[j]
			if o.Weekday == s.Weekday && o.StartMin < s.EndMin && s.StartMin < o.EndMin {
				v.Add(fieldIndex("shifts", i, "start_min"), "overlaps shifts["+strconv.Itoa(j)+"]")
			}
		}
	}
	for i, l := range in.Leave {
		in.Leave[i].Reason = strings.TrimSpace(l.Reason)
		v.Check(!l.Start.IsZero(), fieldIndex("leave", i, "start"), "is required")
		v.Check(l.End.After(l.Start), fieldIndex("leave", i, "end"), "must be after start")
		v.Check(len(l.Reason) <= 200 && ValidText(l.Reason), fieldIndex("leave", i, "reason"), "must be at most 200 bytes of text")
	}
	return v.Err()
}

// OfferRequest asks for booking windows for a ticket.
type OfferRequest struct {
	DurationMin int       `json:"duration_min" minimum:"1" maximum:"1440"`
	Skills      []Skill   `json:"skills,omitempty" maxItems:"20"`
	Certs       []string  `json:"certifications,omitempty" maxItems:"10" doc:"Certification codes the work needs, valid on the day"`
	Parts       []PartQty `json:"parts,omitempty" maxItems:"50" doc:"Parts the visit needs; a technician whose van or service point lacks them is passed over"`
	From        time.Time `json:"from,omitempty" doc:"Earliest start (default now)"`
	Days        int       `json:"days,omitempty" minimum:"0" maximum:"31" doc:"How many days ahead to look (default 7)"`
	Count       int       `json:"count,omitempty" minimum:"0" maximum:"50" doc:"How many offers (default 5)"`
	WindowMin   int       `json:"window_min,omitempty" minimum:"0" maximum:"480" doc:"Width of the window promised to the customer, minutes (default 120)"`
}

// Validate checks an offer request and fills its defaults.
func (in *OfferRequest) Validate() error {
	var v Validator
	v.Check(in.DurationMin >= 1 && in.DurationMin <= 1440, "duration_min", "must be between 1 and 1440 minutes")
	validSkills(&v, "skills", in.Skills)
	for i, p := range in.Parts {
		v.Check(p.PartID > 0, fieldIndex("parts", i, "part_id"), "is required")
		v.Check(p.Qty > 0 && p.Qty <= MaxQty, fieldIndex("parts", i, "qty"), "must be between 1 and 1000000")
	}
	v.Check(in.Days >= 0 && in.Days <= 31, "days", "must be between 0 and 31")
	v.Check(in.Count >= 0 && in.Count <= 50, "count", "must be between 0 and 50")
	v.Check(in.WindowMin >= 0 && in.WindowMin <= 480, "window_min", "must be between 0 and 480")
	if in.Days == 0 {
		in.Days = 7
	}
	if in.Count == 0 {
		in.Count = 5
	}
	if in.WindowMin == 0 {
		in.WindowMin = 120
	}
	return v.Err()
}

// PartQty is a quantity of a part.
type PartQty struct {
	PartID int64 `json:"part_id" minimum:"1"`
	Qty    int64 `json:"qty" minimum:"1"`
}

// Offer is one bookable window, with why it was offered.
type Offer struct {
	TechnicianID int64     `json:"technician_id"`
	Technician   string    `json:"technician"`
	WindowStart  time.Time `json:"window_start"`
	WindowEnd    time.Time `json:"window_end"`
	// Arrive is the planned arrival inside the window.
	Arrive    time.Time `json:"arrive"`
	TravelMin int       `json:"travel_min" doc:"Estimated travel from the previous stop or the day's start"`
	Why       OfferWhy  `json:"why"`
}

// OfferWhy explains an offer with values a console words in its
// language: the technician qualifies (skills, certifications valid that
// day, parts in the van or service point), works then, has room, and is
// the nearest of those who could come.
type OfferWhy struct {
	Shift         string  `json:"shift" doc:"The working hours the visit falls in, HH:MM-HH:MM"`
	Booked        int     `json:"booked" doc:"Visits already booked that day"`
	BookedMinutes int     `json:"booked_minutes"`
	Capacity      int     `json:"capacity" doc:"Visits a day at most; 0 no limit"`
	From          string  `json:"from" enum:"home,service_point,previous_visit," doc:"Where the drive starts; empty when unknown"`
	TravelKM      float64 `json:"travel_km"`
	TravelMin     int     `json:"travel_min"`
	PartsFrom     string  `json:"parts_from,omitempty" doc:"The stock location holding the parts"`
	Others        int     `json:"others" doc:"Other technicians who could take the same window"`
}

// VisitService books and runs visits and keeps technicians' calendars.
type VisitService interface {
	CreateVisit(ctx context.Context, ticketID int64, in VisitInput) (*Visit, error)
	ListVisits(ctx context.Context, ticketID int64) ([]*Visit, error)
	FindVisit(ctx context.Context, ticketID, id int64) (*Visit, error)
	RescheduleVisit(ctx context.Context, ticketID, id int64, in RescheduleInput) (*Visit, error)
	StepVisit(ctx context.Context, ticketID, id int64, in VisitStep) (*Visit, error)
	VisitHistory(ctx context.Context, ticketID, id int64) ([]*VisitEvent, error)
	FindTechnician(ctx context.Context, userID int64) (*TechnicianProfile, error)
	ListTechnicians(ctx context.Context) ([]*TechnicianProfile, error)
	SetTechnician(ctx context.Context, userID int64, in TechnicianProfileInput) (*TechnicianProfile, error)
	Offers(ctx context.Context, ticketID int64, in OfferRequest) ([]*Offer, error)
	DayRoute(ctx context.Context, technicianID int64, day Date) (*DayRoute, error)
	VisitReport(ctx context.Context, ticketID, id int64) (*VisitReport, error)
}

// DayRoute is a technician's day ordered by the route planner: from the
// home base (or service point) through the day's visits and back.
type DayRoute struct {
	TechnicianID int64         `json:"technician_id"`
	Date         Date          `json:"date"`
	Start        *Position     `json:"start,omitempty" doc:"Where the day starts and ends; absent when neither home base nor service point is known"`
	StartKind    string        `json:"start_kind" enum:"home,service_point," doc:"Which place Start is; empty when unknown"`
	Current      *TechPosition `json:"current,omitempty" doc:"Where the technician reported being today: the rest of the day is planned from there"`
	ShiftStart   *time.Time    `json:"shift_start,omitempty" doc:"Absent when the technician does not work that day"`
	ShiftEnd     *time.Time    `json:"shift_end,omitempty"`
	Back         *time.Time    `json:"back,omitempty" doc:"When the technician is back at Start after the last visit"`
	Manual       bool          `json:"manual" doc:"The day is in a supervisor's order: the planner keeps it and only times it; visits it makes late carry late_min"`
	Stops        []RouteStop   `json:"stops" doc:"The planned visits, in route order"`
	Unplanned    []Unplanned   `json:"unplanned" doc:"Visits of the day that cannot fit, with the reason"`
	DistanceKM   float64       `json:"distance_km" doc:"Total road distance, back to Start included"`
	DriveMin     int           `json:"drive_min" doc:"Total driving time in minutes, back to Start included"`
	MapLinks     MapLinks      `json:"map_links" doc:"The route in a phone's map app"`
}

// RouteStop is one planned visit: when the technician arrives, waits,
// starts and finishes, the drive before it and its slack (how much later
// the visit could start without missing this or a later window or the
// end of the shift).
type RouteStop struct {
	Seq         int         `json:"seq" doc:"1 for the first visit of the day"`
	VisitID     int64       `json:"visit_id"`
	TicketID    int64       `json:"ticket_id"`
	Number      int         `json:"number"`
	Status      VisitStatus `json:"status"`
	WindowStart time.Time   `json:"window_start"`
	WindowEnd   time.Time   `json:"window_end"`
	At          Position    `json:"at"`
	Arrive      time.Time   `json:"arrive"`
	Start       time.Time   `json:"start"`
	Finish      time.Time   `json:"finish"`
	WaitMin     int         `json:"wait_min"`
	SlackMin    int         `json:"slack_min"`
	TravelKM    float64     `json:"travel_km" doc:"The drive before this visit"`
	TravelMin   int         `json:"travel_min"`
	LateMin     int         `json:"late_min" doc:"Late risk in a day in manual order: minutes after the window's end the visit starts (0: on time)"`
}

// UnplannedReasons say why a visit is left out of the route: no_position
// (the customer's coordinates are unknown), no_shift (the technician does
// not work that day, or is on leave), window (the window cannot be
// reached within the shift even as the only visit), no_room (the other
// visits leave no room for it).
var UnplannedReasons = []string{"no_position", "no_shift", "window", "no_room"}

// Unplanned is a visit of the day the route leaves out.
type Unplanned struct {
	VisitID  int64  `json:"visit_id"`
	TicketID int64  `json:"ticket_id"`
	Number   int    `json:"number"`
	Reason   string `json:"reason" enum:"no_position,no_shift,window,no_room"`
}

// MapLinks open a route in a map app by coordinates (WGS84). Google is
// the whole route with waypoints; Amap and Baidu, used in China, take
// their URI schemes' driving navigation to the next stop (they convert
// the coordinates from WGS84 themselves).
type MapLinks struct {
	Google string   `json:"google,omitempty" doc:"https://www.google.com/maps/dir/?api=1 with origin, destination and waypoints"`
	Amap   []string `json:"amap" doc:"Per stop: https://uri.amap.com/navigation to it, in route order"`
	Baidu  []string `json:"baidu" doc:"Per stop: baidumap://map/direction to it, in route order"`
}
