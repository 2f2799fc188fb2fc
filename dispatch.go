package aftersales

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// The dispatch board (issue #19): a service point's technicians and
// visits on one day, where a supervisor assigns and moves visits, with
// suggestions ranked and explained by internal/field.

// BoardVisit is one visit on the board: its window, where the route puts
// it, and what the ticket asks.
type BoardVisit struct {
	VisitID      int64       `json:"visit_id"`
	TicketID     int64       `json:"ticket_id"`
	TicketNumber string      `json:"ticket_number"`
	Title        string      `json:"title"`
	Customer     string      `json:"customer,omitempty"`
	Number       int         `json:"number"`
	Status       VisitStatus `json:"status"`
	WindowStart  time.Time   `json:"window_start"`
	WindowEnd    time.Time   `json:"window_end"`
	DurationMin  int         `json:"duration_min"`
	Skills       []Skill     `json:"skills"`
	TechnicianID *int64      `json:"technician_id,omitempty"`
	// Seq is the visit's place in its technician's route (0: not planned).
	Seq          int        `json:"seq"`
	PlannedStart *time.Time `json:"planned_start,omitempty"`
	PlannedEnd   *time.Time `json:"planned_end,omitempty"`
	Unplanned    string     `json:"unplanned,omitempty" enum:"no_position,no_shift,window,no_room," doc:"Why the route leaves the visit out"`
	Pinned       bool       `json:"pinned" doc:"A supervisor placed the visit in its technician's day by hand"`
	LateMin      int        `json:"late_min" doc:"Late risk: minutes after the promised window's end the visit would start in the day's manual order (0: on time)"`
	SLADue       *time.Time `json:"sla_due,omitempty" doc:"When the ticket's resolution target falls due"`
	Version      int64      `json:"version"`
}

// BoardTechnician is one technician's row of the board.
type BoardTechnician struct {
	TechnicianID int64         `json:"technician_id"`
	Name         string        `json:"name"`
	ShiftStart   *time.Time    `json:"shift_start,omitempty"`
	ShiftEnd     *time.Time    `json:"shift_end,omitempty"`
	Capacity     int           `json:"capacity" doc:"Visits a day at most; 0 no limit"`
	Position     *TechPosition `json:"position,omitempty" doc:"The last position the phone reported that day"`
	DistanceKM   float64       `json:"distance_km"`
	DriveMin     int           `json:"drive_min"`
	Manual       bool          `json:"manual" doc:"The day is in a supervisor's order: the route planner only times it"`
	Visits       []BoardVisit  `json:"visits" doc:"The day's visits, in route order"`
}

// Board is a service point's day.
type Board struct {
	ServiceUnitID int64             `json:"service_unit_id"`
	Date          Date              `json:"date"`
	Technicians   []BoardTechnician `json:"technicians"`
	Unassigned    []BoardVisit      `json:"unassigned" doc:"Visits of the day without a technician, most urgent first"`
}

// TechPosition is where a technician's phone last said they were.
type TechPosition struct {
	Position
	At     time.Time `json:"at"`
	Source string    `json:"source" enum:"check_in,en_route,update" doc:"What reported it"`
}

// DispatchInput assigns or moves a visit: to a technician (or none), and
// optionally to another window.
type DispatchInput struct {
	TechnicianID *int64    `json:"technician_id,omitempty" doc:"The technician; absent unassigns"`
	WindowStart  time.Time `json:"window_start,omitempty" doc:"A new window; absent keeps it"`
	WindowEnd    time.Time `json:"window_end,omitempty"`
	Reason       string    `json:"reason,omitempty" maxLength:"500"`
	Version      int64     `json:"version" minimum:"1"`
}

// Validate checks a dispatch.
func (in *DispatchInput) Validate() error {
	var v Validator
	in.Reason = strings.TrimSpace(in.Reason)
	if !in.WindowStart.IsZero() || !in.WindowEnd.IsZero() {
		v.Check(!in.WindowStart.IsZero(), "window_start", "is required with window_end")
		v.Check(in.WindowEnd.After(in.WindowStart), "window_end", "must be after window_start")
		v.Check(in.WindowEnd.Sub(in.WindowStart) <= 24*time.Hour, "window_end", "must be at most 24 hours after window_start")
	}
	v.Check(len(in.Reason) <= 500, "reason", "is longer than 500 bytes")
	v.Text("reason", in.Reason)
	v.Check(in.Version > 0, "version", "is required")
	return v.Err()
}

// TechSuggestion is a technician proposed for a visit, best first, with the
// facts a console words in its language.
type TechSuggestion struct {
	TechnicianID int64         `json:"technician_id"`
	Technician   string        `json:"technician"`
	Score        float64       `json:"score" doc:"Lower is better: travel minutes, plus load, weighted by SLA urgency"`
	Why          SuggestionWhy `json:"why"`
}

// SuggestionWhy explains a suggestion: the skills matched, the drive, the
// day's load and how much of the SLA is left. Blocked names what rules
// the technician out ("" when they can take it).
type SuggestionWhy struct {
	Skills     []SkillFit `json:"skills"`
	From       string     `json:"from" enum:"home,service_point,previous_visit,position," doc:"Where the drive starts"`
	TravelKM   float64    `json:"travel_km"`
	TravelMin  int        `json:"travel_min"`
	Booked     int        `json:"booked" doc:"Visits already in the technician's day"`
	Capacity   int        `json:"capacity" doc:"Visits a day at most; 0 no limit"`
	SLALeftMin *int       `json:"sla_left_min,omitempty" doc:"Minutes until the ticket's resolution target; negative when overdue"`
	Blocked    string     `json:"blocked,omitempty" enum:"skill,certification,parts,no_shift,capacity,no_room," doc:"Why the technician cannot take the visit"`
}

// SkillFit is one required skill and the technician's level in it.
type SkillFit struct {
	CategoryID int64  `json:"category_id"`
	Category   string `json:"category" doc:"The product category's Chinese name"`
	CategoryEN string `json:"category_en" doc:"Its English name"`
	Need       int    `json:"need"`
	Level      int    `json:"level" doc:"The technician's level; 0 lacks the skill"`
}

// VisitTemplate is the customer's visit confirmation text in one
// language, with placeholders {window}, {technician}, {number} and
// {link}; kept as plain text so the same template serves email, SMS and
// WeChat.
type VisitTemplate struct {
	Lang      string    `json:"lang" enum:"zh-CN,en"`
	Subject   string    `json:"subject" maxLength:"200"`
	Body      string    `json:"body" maxLength:"2000"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// VisitTemplatePlaceholders are the fields a visit confirmation fills in.
var VisitTemplatePlaceholders = []string{"{window}", "{technician}", "{number}", "{link}"}

// VisitTemplateInput edits a template.
type VisitTemplateInput struct {
	Subject string `json:"subject" maxLength:"200"`
	Body    string `json:"body" maxLength:"2000"`
	Version int64  `json:"version" minimum:"1"`
}

// Validate checks a template: text, and only the known placeholders.
func (in *VisitTemplateInput) Validate() error {
	var v Validator
	in.Subject, in.Body = strings.TrimSpace(in.Subject), strings.TrimSpace(in.Body)
	v.Check(in.Subject != "", "subject", "is required")
	v.Check(len(in.Subject) <= 200, "subject", "is longer than 200 bytes")
	v.Check(!strings.ContainsAny(in.Subject, "\r\n"), "subject", "must be one line")
	v.Text("subject", in.Subject)
	v.Check(in.Body != "", "body", "is required")
	v.Check(len(in.Body) <= 2000, "body", "is longer than 2000 bytes")
	v.Text("body", in.Body)
	for name, s := range map[string]string{"subject": in.Subject, "body": in.Body} {
		for rest := s; ; {
			i := strings.IndexByte(rest, '{')
			if i < 0 {
				break
			}
			j := strings.IndexByte(rest[i:], '}')
			if j < 0 {
				break
			}
			ph := rest[i : i+j+1]
			ok := false
			for _, p := range VisitTemplatePlaceholders {
				ok = ok || p == ph
			}
			v.Check(ok, name, "has an unknown placeholder "+ph+"; known: {window}, {technician}, {number}, {link}")
			rest = rest[i+j+1:]
		}
	}
	v.Check(in.Version > 0, "version", "is required")
	return v.Err()
}

// ReorderInput moves a visit one place earlier or later in its
// technician's day. The day is then in manual order: the route planner
// keeps the order and only times it, flagging visits the order makes
// start after their window (late risk).
type ReorderInput struct {
	Direction string `json:"direction" enum:"earlier,later"`
	Reason    string `json:"reason,omitempty" maxLength:"500"`
	Version   int64  `json:"version" minimum:"1" doc:"The visit's version"`
}

// Validate checks a reorder.
func (in *ReorderInput) Validate() error {
	var v Validator
	in.Reason = strings.TrimSpace(in.Reason)
	v.Check(in.Direction == "earlier" || in.Direction == "later", "direction", "must be earlier or later")
	v.Check(len(in.Reason) <= 500, "reason", "is longer than 500 bytes")
	v.Text("reason", in.Reason)
	v.Check(in.Version > 0, "version", "is required")
	return v.Err()
}

// DayOrderInput sets a technician's day in a supervisor's order: every
// visit of the day (cancelled ones aside) once, first to last. An empty
// list hands the day back to the route planner.
type DayOrderInput struct {
	VisitIDs []int64 `json:"visit_ids" maxItems:"200" doc:"The day's visits in the order wanted; empty returns to the planner's order"`
	Reason   string  `json:"reason,omitempty" maxLength:"500"`
}

// Validate checks a day order.
func (in *DayOrderInput) Validate() error {
	var v Validator
	in.Reason = strings.TrimSpace(in.Reason)
	seen := map[int64]bool{}
	for i, id := range in.VisitIDs {
		v.Check(!seen[id], "visit_ids["+strconv.Itoa(i)+"]", "lists a visit twice")
		seen[id] = true
	}
	v.Check(len(in.Reason) <= 500, "reason", "is longer than 500 bytes")
	v.Text("reason", in.Reason)
	return v.Err()
}

// DispatchService is the board.
type DispatchService interface {
	Board(ctx context.Context, serviceUnitID int64, day Date) (*Board, error)
	Suggest(ctx context.Context, visitID int64) ([]*TechSuggestion, error)
	Dispatch(ctx context.Context, visitID int64, in DispatchInput) (*Visit, error)
	ReportPosition(ctx context.Context, p Position) (*TechPosition, error)
	VisitTemplates(ctx context.Context) ([]*VisitTemplate, error)
	SetVisitTemplate(ctx context.Context, lang string, in VisitTemplateInput) (*VisitTemplate, error)
	// ReorderVisit moves a visit one place earlier or later in its
	// technician's day; SetDayOrder sets the whole day's order (or
	// clears it). Both answer the day's route as now planned.
	ReorderVisit(ctx context.Context, visitID int64, in ReorderInput) (*DayRoute, error)
	SetDayOrder(ctx context.Context, technicianID int64, day Date, in DayOrderInput) (*DayRoute, error)
}
