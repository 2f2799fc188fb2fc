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

// Input is what the clocks are computed from.
type Input struct {
	Created         time.Time
	Changes         []StatusChange // in time order
	FirstResponseAt *time.Time
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
	if p.FirstResponseMin > 0 {
		out.FirstResponse = runClock(cal, in.Created, time.Duration(p.FirstResponseMin)*time.Minute, in.FirstResponseAt, cancelledAt, nil, false, in.Now)
	}
	if p.ResolutionMin > 0 {
		out.Resolution = runClock(cal, in.Created, time.Duration(p.ResolutionMin)*time.Minute, resolvedAt, cancelledAt, pauses, open, in.Now)
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
	var clipped []Span
	for _, p := range pauses {
		s, e := later(p.Start, start), earlier(p.End, end)
		if e.After(s) {
			clipped = append(clipped, Span{s, e})
		}
	}
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
