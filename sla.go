package aftersales

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimeRange is a working interval of one day, "08:30" to "12:00"; "24:00"
// may end a day.
type TimeRange struct {
	Start string `json:"start" pattern:"^([01][0-9]|2[0-3]):[0-5][0-9]$" example:"08:30"`
	End   string `json:"end" pattern:"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$" example:"18:00"`
}

// Minutes parses a "HH:MM" clock time into minutes after midnight.
func Minutes(hhmm string) (int, bool) {
	h, m, ok := strings.Cut(hhmm, ":")
	hi, err1 := strconv.Atoi(h)
	mi, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(h) != 2 || len(m) != 2 || mi < 0 || mi > 59 || hi < 0 || hi > 24 || hi == 24 && mi != 0 {
		return 0, false
	}
	return hi*60 + mi, true
}

// Weekday keys used in calendar JSON, Sunday first as in time.Weekday.
var WeekdayKeys = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// MakeupDay is a make-up working day (调休): Date works like weekday As.
type MakeupDay struct {
	Date Date   `json:"date" format:"date"`
	As   string `json:"as" enum:"sun,mon,tue,wed,thu,fri,sat"`
}

// BusinessCalendar is a working-time calendar, data an admin edits.
type BusinessCalendar struct {
	ID       int64                  `json:"id,omitempty" readOnly:"true"`
	Code     string                 `json:"code" maxLength:"50"`
	Name     string                 `json:"name" maxLength:"100"`
	TimeZone string                 `json:"time_zone" example:"Asia/Shanghai"`
	Week     map[string][]TimeRange `json:"week" doc:"Working intervals per weekday key (sun..sat); a missing day has none."`
	Holidays []Date                 `json:"holidays,omitempty"`
	Workdays []MakeupDay            `json:"workdays,omitempty" doc:"Make-up working days (调休)"`
	Version  int64                  `json:"version,omitempty" readOnly:"true"`
}

// Validate checks a calendar and normalises its code and name.
func (c *BusinessCalendar) Validate() error {
	var v Validator
	c.Code, c.Name = strings.TrimSpace(c.Code), strings.TrimSpace(c.Name)
	v.Check(validCode(c.Code), "code", "must be lower-case letters, digits, '-' or '_'")
	v.Check(c.Name != "", "name", "is required")
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		v.Add("time_zone", "must be an IANA time zone such as Asia/Shanghai")
	}
	for day, ranges := range c.Week {
		v.Check(oneOf(day, WeekdayKeys), "week."+day, "is not one of sun, mon, tue, wed, thu, fri, sat")
		prevEnd := -1
		for i, r := range ranges {
			f := fmt.Sprintf("week.%s[%d]", day, i)
			s, ok1 := Minutes(r.Start)
			e, ok2 := Minutes(r.End)
			switch {
			case !ok1 || !ok2:
				v.Add(f, "start and end must be times as HH:MM")
			case s >= e:
				v.Add(f, "must end after it starts")
			case s < prevEnd:
				v.Add(f, "overlaps the previous interval or is out of order")
			}
			prevEnd = e
		}
	}
	seen := map[Date]bool{}
	for i, d := range c.Holidays {
		v.Check(d != "" && d.Valid(), fmt.Sprintf("holidays[%d]", i), "must be a date as YYYY-MM-DD")
		seen[d] = true
	}
	for i, w := range c.Workdays {
		v.Check(w.Date != "" && w.Date.Valid(), fmt.Sprintf("workdays[%d].date", i), "must be a date as YYYY-MM-DD")
		v.Check(!seen[w.Date], fmt.Sprintf("workdays[%d].date", i), "is also a holiday")
		v.Check(oneOf(w.As, WeekdayKeys), fmt.Sprintf("workdays[%d].as", i), "must be one of sun..sat")
	}
	return v.Err()
}

// SLAConditions select the tickets a policy applies to; an empty list
// matches anything.
type SLAConditions struct {
	Urgency     []Urgency `json:"urgency,omitempty"`
	Nature      []Nature  `json:"nature,omitempty"`
	Channel     []Channel `json:"channel,omitempty"`
	Tier        []string  `json:"tier,omitempty"`
	CategoryID  []int64   `json:"category_id,omitempty" doc:"Matches the category and its sub-categories"`
	ServiceUnit []int64   `json:"service_unit_id,omitempty" doc:"Matches the unit and every unit below it"`
}

// SLAFacts are what a policy's conditions look at.
type SLAFacts struct {
	Urgency      Urgency
	Nature       Nature
	Channel      Channel
	Tier         string
	CategoryPath []int64 // the ticket's category and its ancestors
	UnitPath     []int64 // the ticket's service unit and its ancestors
}

// Matches reports whether facts satisfy every condition.
func (c SLAConditions) Matches(f SLAFacts) bool {
	any := func(ids, path []int64) bool {
		if len(ids) == 0 {
			return true
		}
		for _, id := range ids {
			if oneOf(id, path) {
				return true
			}
		}
		return false
	}
	return (len(c.Urgency) == 0 || oneOf(f.Urgency, c.Urgency)) &&
		(len(c.Nature) == 0 || oneOf(f.Nature, c.Nature)) &&
		(len(c.Channel) == 0 || oneOf(f.Channel, c.Channel)) &&
		(len(c.Tier) == 0 || oneOf(f.Tier, c.Tier)) &&
		any(c.CategoryID, f.CategoryPath) && any(c.ServiceUnit, f.UnitPath)
}

// ConditionCheck is one condition of a rule checked against a ticket, for
// dry runs: Field names the condition (urgency, nature, channel, tier,
// category_id, service_unit_id, keywords, status, after_hours).
type ConditionCheck struct {
	Field string `json:"field"`
	OK    bool   `json:"ok"`
}

// Explain checks each condition that is set, in a fixed order; Matches
// is true exactly when every check is OK.
func (c SLAConditions) Explain(f SLAFacts) []ConditionCheck {
	var out []ConditionCheck
	add := func(field string, set, ok bool) {
		if set {
			out = append(out, ConditionCheck{Field: field, OK: ok})
		}
	}
	anyOf := func(ids, path []int64) bool {
		for _, id := range ids {
			if oneOf(id, path) {
				return true
			}
		}
		return false
	}
	add("urgency", len(c.Urgency) > 0, oneOf(f.Urgency, c.Urgency))
	add("nature", len(c.Nature) > 0, oneOf(f.Nature, c.Nature))
	add("channel", len(c.Channel) > 0, oneOf(f.Channel, c.Channel))
	add("tier", len(c.Tier) > 0, oneOf(f.Tier, c.Tier))
	add("category_id", len(c.CategoryID) > 0, anyOf(c.CategoryID, f.CategoryPath))
	add("service_unit_id", len(c.ServiceUnit) > 0, anyOf(c.ServiceUnit, f.UnitPath))
	return out
}

// SLAPolicy sets response and resolution targets for matching tickets.
// Policies are tried in priority order (lowest first); the first match wins.
type SLAPolicy struct {
	ID         int64         `json:"id,omitempty" readOnly:"true"`
	Name       string        `json:"name" maxLength:"100"`
	Priority   int           `json:"priority" minimum:"0" maximum:"100000" doc:"Lower is tried first"`
	Active     bool          `json:"active"`
	Conditions SLAConditions `json:"conditions"`
	// CalendarID counts targets in that calendar's business time; none
	// means calendar (24x7) time.
	CalendarID *int64 `json:"calendar_id,omitempty"`
	// UseTicketCalendar counts time in the calendar of the ticket's team,
	// else of its service unit or the nearest unit above it with one, else
	// CalendarID.
	UseTicketCalendar bool `json:"use_ticket_calendar,omitempty"`
	// Targets in minutes; 0 means no target.
	FirstResponseMin int `json:"first_response_minutes,omitempty" minimum:"0"`
	ResolutionMin    int `json:"resolution_minutes,omitempty" minimum:"0"`
	// ArrivalMin is the on-site arrival target: from creation until the
	// ticket first enters in_service (the technician on site).
	ArrivalMin int `json:"arrival_minutes,omitempty" minimum:"0"`
	// NextResponseMin is the target from each customer message to the next
	// public reply.
	NextResponseMin int `json:"next_response_minutes,omitempty" minimum:"0"`
	// PauseStatuses stop the resolution clock while the ticket is in them.
	PauseStatuses []Status `json:"pause_statuses,omitempty"`
	// WarnAt are fractions of a target at which to warn, e.g. 0.75, 0.9.
	WarnAt []float64 `json:"warn_at,omitempty"`
	// Escalations are the steps taken after a breach, in order.
	Escalations []EscalationStep `json:"escalations,omitempty"`
	Version     int64            `json:"version,omitempty" readOnly:"true"`
}

// Escalation recipients.
const (
	NotifyAssignee   = "assignee"
	NotifySupervisor = "supervisor"
	NotifyTeam       = "team"
)

// EscalationStep is one level of escalation: AfterMinutes business minutes
// after a deadline is breached, notify someone and optionally hand the
// ticket to another team or department.
type EscalationStep struct {
	AfterMinutes   int    `json:"after_minutes" minimum:"0"`
	Notify         string `json:"notify" enum:"assignee,supervisor,team"`
	ReassignTeamID *int64 `json:"reassign_team_id,omitempty"`
	DepartmentID   *int64 `json:"department_id,omitempty"`
}

// DefaultPauseStatuses are the statuses that pause the resolution clock
// unless a policy says otherwise.
var DefaultPauseStatuses = []Status{StatusAwaitingCustomer, StatusAwaitingParts}

// Validate checks a policy.
func (p *SLAPolicy) Validate() error {
	var v Validator
	p.Name = strings.TrimSpace(p.Name)
	v.Check(p.Name != "", "name", "is required")
	v.Check(p.Priority >= 0, "priority", "must not be negative")
	v.Check(p.FirstResponseMin >= 0 && p.FirstResponseMin <= 525600, "first_response_minutes", "must be between 0 and 525600")
	v.Check(p.ResolutionMin >= 0 && p.ResolutionMin <= 525600, "resolution_minutes", "must be between 0 and 525600")
	v.Check(p.ArrivalMin >= 0 && p.ArrivalMin <= 525600, "arrival_minutes", "must be between 0 and 525600")
	v.Check(p.NextResponseMin >= 0 && p.NextResponseMin <= 525600, "next_response_minutes", "must be between 0 and 525600")
	v.Check(p.FirstResponseMin > 0 || p.ResolutionMin > 0 || p.ArrivalMin > 0 || p.NextResponseMin > 0, "resolution_minutes", "a policy needs at least one target")
	for i, s := range p.PauseStatuses {
		v.Check(s == StatusAwaitingCustomer || s == StatusAwaitingParts || s == StatusDiagnosing,
			fmt.Sprintf("pause_statuses[%d]", i), "only awaiting_customer, awaiting_parts or diagnosing may pause the clock")
	}
	for i, w := range p.WarnAt {
		v.Check(w > 0 && w < 1, fmt.Sprintf("warn_at[%d]", i), "must be a fraction between 0 and 1")
	}
	for i, e := range p.Escalations {
		f := fmt.Sprintf("escalations[%d]", i)
		v.Check(e.AfterMinutes >= 0 && e.AfterMinutes <= 525600, f+".after_minutes", "must be between 0 and 525600")
		v.Check(e.Notify == NotifyAssignee || e.Notify == NotifySupervisor || e.Notify == NotifyTeam, f+".notify", "must be assignee, supervisor or team")
		if i > 0 {
			v.Check(e.AfterMinutes > p.Escalations[i-1].AfterMinutes, f+".after_minutes", "must be later than the previous level")
		}
	}
	for i, u := range p.Conditions.Urgency {
		v.Check(u.Valid(), fmt.Sprintf("conditions.urgency[%d]", i), "is not a known urgency")
	}
	for i, n := range p.Conditions.Nature {
		v.Check(n.Valid(), fmt.Sprintf("conditions.nature[%d]", i), "is not a known nature")
	}
	for i, c := range p.Conditions.Channel {
		v.Check(c.Valid(), fmt.Sprintf("conditions.channel[%d]", i), "is not a known channel")
	}
	return v.Err()
}

// SLAClock is one target's state on a ticket.
type SLAClock struct {
	TargetMinutes int        `json:"target_minutes"`
	DueAt         *time.Time `json:"due_at,omitempty" doc:"Empty while the clock is paused"`
	StoppedAt     *time.Time `json:"stopped_at,omitempty" doc:"When the clock stopped (reply or resolution)"`
	// Met is true or false once decided, at the stopping event's time or at
	// the deadline itself; empty while the clock runs within target.
	Met              *bool      `json:"met,omitempty"`
	BreachedAt       *time.Time `json:"breached_at,omitempty"`
	ElapsedMinutes   float64    `json:"elapsed_minutes"`
	RemainingMinutes float64    `json:"remaining_minutes" doc:"Negative when overdue"`
	PausedMinutes    float64    `json:"paused_minutes"`
	Paused           bool       `json:"paused"`
	Cancelled        bool       `json:"cancelled,omitempty"`
	// NotApplicable marks an arrival clock of a ticket resolved without
	// anyone on site (a consultation answered on the phone, a ticket never
	// dispatched): stopped at the resolution, with no deadline and no verdict.
	NotApplicable bool `json:"not_applicable,omitempty" doc:"Arrival only: resolved without a visit, so no arrival is owed"`
}

// TicketSLA is a ticket's SLA state.
type TicketSLA struct {
	TicketID      int64     `json:"ticket_id"`
	PolicyID      *int64    `json:"policy_id,omitempty"`
	PolicyName    string    `json:"policy_name,omitempty"`
	Business      bool      `json:"business_time"`
	FirstResponse *SLAClock `json:"first_response,omitempty"`
	NextResponse  *SLAClock `json:"next_response,omitempty" doc:"From the latest customer message to the reply to it"`
	Arrival       *SLAClock `json:"arrival,omitempty" doc:"From creation to the technician on site (first in_service)"`
	Resolution    *SLAClock `json:"resolution,omitempty"`
	EvaluatedAt   time.Time `json:"evaluated_at"`
}

// SLAService manages calendars and policies and answers a ticket's state.
type SLAService interface {
	CreateCalendar(ctx context.Context, c BusinessCalendar) (*BusinessCalendar, error)
	UpdateCalendar(ctx context.Context, id, version int64, c BusinessCalendar) (*BusinessCalendar, error)
	ListCalendars(ctx context.Context) ([]*BusinessCalendar, error)
	CreatePolicy(ctx context.Context, p SLAPolicy) (*SLAPolicy, error)
	UpdatePolicy(ctx context.Context, id, version int64, p SLAPolicy) (*SLAPolicy, error)
	ListPolicies(ctx context.Context) ([]*SLAPolicy, error)
	TicketSLA(ctx context.Context, ticketID int64) (*TicketSLA, error)
}

// Notification is an in-console message to one user.
type Notification struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	TicketID  *int64     `json:"ticket_id,omitempty"`
	Link      string     `json:"link,omitempty" doc:"Console page the notification is about, when it is not a ticket"`
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	Body      string     `json:"body,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// NotificationService lists and acknowledges the acting user's notifications.
type NotificationService interface {
	ListNotifications(ctx context.Context, unreadOnly bool, limit int) ([]*Notification, error)
	MarkNotificationRead(ctx context.Context, id int64) error
	UnreadNotifications(ctx context.Context) (int, error)
}

// Email is a queued notification email.
type Email struct {
	ID       int64
	To       string
	Subject  string
	Body     string
	Attempts int
	// Threading headers, set on mail to customers: this message's id and
	// the ids it answers (without angle brackets).
	MessageID  string
	InReplyTo  string
	References []string
	// AutoSubmitted marks mail the system sends by itself
	// (acknowledgements, notifications): it carries Auto-Submitted and
	// X-Auto-Response-Suppress so that auto-responders stay quiet.
	AutoSubmitted bool
	// Claim names the sender's claim on the row (see ClaimEmails); only
	// its holder records a failed attempt.
	Claim string
}
