package sla

import (
	"fmt"
	"time"

	"aftersales"
)

// FromData builds a Calendar from its stored form.
func FromData(bc *aftersales.BusinessCalendar) (*Calendar, error) {
	if err := bc.Validate(); err != nil {
		return nil, err
	}
	zone, err := time.LoadLocation(bc.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("sla: calendar %s: %w", bc.Code, err)
	}
	c := &Calendar{Zone: zone, Holidays: map[string]bool{}, Workdays: map[string]time.Weekday{}}
	for i, key := range aftersales.WeekdayKeys {
		for _, r := range bc.Week[key] {
			s, _ := aftersales.Minutes(r.Start)
			e, _ := aftersales.Minutes(r.End)
			c.Week[i] = append(c.Week[i], Interval{s, e})
		}
	}
	for _, d := range bc.Holidays {
		c.Holidays[string(d)] = true
	}
	for _, w := range bc.Workdays {
		for i, key := range aftersales.WeekdayKeys {
			if key == w.As {
				c.Workdays[string(w.Date)] = time.Weekday(i)
			}
		}
	}
	return c, c.Validate()
}

// StatusChange is one move in a ticket's history.
type StatusChange struct {
	At time.Time
	To aftersales.Status
}

// Message is a public staff reply or a customer message.
type Message struct {
	At           time.Time
	FromCustomer bool
}

// Input is what the clocks are computed from.
type Input struct {
	Created         time.Time
	Changes         []StatusChange // in time order
	FirstResponseAt *time.Time
	Messages        []Message // in time order
	Now             time.Time
}

// forever stands for the end of a pause that has not ended.
var forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Evaluate computes a ticket's clocks under policy p on calendar cal.
//
// First response runs from creation to the first public reply and does
// not pause. Resolution runs from creation to the resolution that stands
// (a reopened ticket's earlier resolved spell counts as paused), pausing
// in the policy's pause statuses. A verdict is reached at the stopping
// event's own time, or at the deadline itself when the clock is still
// running past it, never at the time of evaluation.
func Evaluate(p *aftersales.SLAPolicy, cal *Calendar, in Input) aftersales.TicketSLA {
	s, _ := Plan(p, cal, in)
	return s
}

// Step is a warning or escalation scheduled for a ticket.
type Step struct {
	Key    string // unique per ticket, e.g. "resolution:warn:0.75", "resolution:esc:1"
	Clock  string // "first_response" or "resolution"
	Kind   string // "warning" or "escalation"
	Level  int    // escalation level, 1-based; 0 for warnings
	Warn   float64
	At     time.Time
	Target int // minutes
}

// Plan is Evaluate plus the warnings and escalations due for the clocks
// still running: a warning when a fraction of the target is used, and each
// escalation level after the breach. Stopped, cancelled and paused clocks
// have no steps (a paused clock has no deadline until it resumes).
func Plan(p *aftersales.SLAPolicy, cal *Calendar, in Input) (aftersales.TicketSLA, []Step) {
	out := aftersales.TicketSLA{PolicyID: &p.ID, PolicyName: p.Name, EvaluatedAt: in.Now}
	status, since := aftersales.StatusNew, in.Created
	var cancelledAt *time.Time
	pauseSet := p.PauseStatuses
	if pauseSet == nil {
		pauseSet = aftersales.DefaultPauseStatuses
	}
	var pauses []Span
	var resolvedAt *time.Time
	for _, ch := range in.Changes {
		if paused(status, pauseSet) || status == aftersales.StatusResolved || status == aftersales.StatusClosed {
			pauses = append(pauses, Span{since, ch.At})
		}
		if ch.To == aftersales.StatusResolved {
			at := ch.At
			resolvedAt = &at
		}
		if ch.To == aftersales.StatusAccepted && (status == aftersales.StatusResolved || status == aftersales.StatusClosed) {
			resolvedAt = nil // reopened: the earlier resolution no longer stands
		}
		status, since = ch.To, ch.At
	}
	if status == aftersales.StatusCancelled {
		cancelledAt = &since
	}
	open := paused(status, pauseSet)
	if open {
		pauses = append(pauses, Span{since, forever})
	}
	var steps []Step
	plan := func(name string, c *aftersales.SLAClock, spans []Span) {
		if c.StoppedAt != nil || c.Paused || c.DueAt == nil {
			return
		}
		target := time.Duration(c.TargetMinutes) * time.Minute
		for _, f := range p.WarnAt {
			if at, ok := cal.AddExcluding(in.Created, time.Duration(f*float64(target)), spans); ok {
				steps = append(steps, Step{Key: fmt.Sprintf("%s:warn:%g", name, f), Clock: name, Kind: "warning", Warn: f, At: at, Target: c.TargetMinutes})
			}
		}
		for i, e := range p.Escalations {
			if at, ok := cal.Add(*c.DueAt, time.Duration(e.AfterMinutes)*time.Minute); ok {
				steps = append(steps, Step{Key: fmt.Sprintf("%s:esc:%d", name, i+1), Clock: name, Kind: "escalation", Level: i + 1, At: at, Target: c.TargetMinutes})
			}
		}
	}
	if p.FirstResponseMin > 0 {
		out.FirstResponse = runClock(cal, in.Created, time.Duration(p.FirstResponseMin)*time.Minute, in.FirstResponseAt, cancelledAt, nil, false, in.Now)
		plan("first_response", out.FirstResponse, nil)
	}
	if p.NextResponseMin > 0 {
		// The latest customer message starts the clock; the first public
		// reply after it stops it.
		var asked, answered *time.Time
		for _, m := range in.Messages {
			at := m.At
			if m.FromCustomer {
				asked, answered = &at, nil
			} else if asked != nil && answered == nil {
				answered = &at
			}
		}
		if asked != nil {
			out.NextResponse = runClock(cal, *asked, time.Duration(p.NextResponseMin)*time.Minute, answered, cancelledAt, nil, false, in.Now)
			plan("next_response", out.NextResponse, nil)
		}
	}
	if p.ArrivalMin > 0 {
		var arrived *time.Time
		for _, ch := range in.Changes {
			if ch.To == aftersales.StatusInService {
				at := ch.At
				arrived = &at
				break
			}
		}
		if arrived == nil && resolvedAt != nil {
			// Resolved (and perhaps closed) without a visit: no arrival is
			// owed, so the clock stops at the resolution with no verdict
			// instead of running on to a breach and escalations. Reopening
			// clears resolvedAt and the clock runs again.
			a := runClock(cal, in.Created, time.Duration(p.ArrivalMin)*time.Minute, resolvedAt, nil, pauses, false, in.Now)
			a.NotApplicable, a.Met, a.BreachedAt, a.DueAt = true, nil, nil, nil
			out.Arrival = a
		} else {
			out.Arrival = runClock(cal, in.Created, time.Duration(p.ArrivalMin)*time.Minute, arrived, cancelledAt, pauses, open && arrived == nil, in.Now)
			plan("arrival", out.Arrival, clip(pauses, in.Created, in.Now))
		}
	}
	if p.ResolutionMin > 0 {
		out.Resolution = runClock(cal, in.Created, time.Duration(p.ResolutionMin)*time.Minute, resolvedAt, cancelledAt, pauses, open, in.Now)
		plan("resolution", out.Resolution, clip(pauses, in.Created, in.Now))
	}
	return out, steps
}

// clip keeps the parts of spans inside [from, to).
func clip(spans []Span, from, to time.Time) []Span {
	var out []Span
	for _, p := range spans {
		s, e := later(p.Start, from), earlier(p.End, to)
		if e.After(s) {
			out = append(out, Span{s, e})
		}
	}
	return out
}

func paused(s aftersales.Status, set []aftersales.Status) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}

func runClock(cal *Calendar, start time.Time, target time.Duration, stop, cancelled *time.Time, pauses []Span, open bool, now time.Time) *aftersales.SLAClock {
	c := &aftersales.SLAClock{TargetMinutes: int(target / time.Minute), Paused: open && stop == nil && cancelled == nil}
	end := now
	switch {
	case stop != nil:
		end = *stop
		c.StoppedAt = stop
	case cancelled != nil:
		end = *cancelled
		c.StoppedAt, c.Cancelled = cancelled, true
	}
	if end.Before(start) {
		end = start
	}
	// Pauses count only inside the clock's own run.
	clipped := clip(pauses, start, end)
	elapsed := cal.BetweenExcluding(start, end, clipped)
	c.ElapsedMinutes = elapsed.Minutes()
	c.PausedMinutes = (cal.Between(start, end) - elapsed).Minutes()
	dueSpans := clipped
	if c.Paused {
		dueSpans = append(dueSpans, Span{end, forever})
	}
	if due, ok := cal.AddExcluding(start, target, dueSpans); ok {
		c.DueAt = &due
	}
	c.RemainingMinutes = (target - elapsed).Minutes()
	switch {
	case elapsed > target && c.DueAt != nil:
		// Breached at the deadline itself, whenever it was noticed.
		f := false
		c.Met, c.BreachedAt = &f, c.DueAt
	case stop != nil:
		t := true
		c.Met = &t
	}
	return c
}
