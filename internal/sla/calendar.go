// Package sla owns business-time arithmetic: business calendars (weekly
// working intervals in a time zone, holidays, and make-up working days such
// as China's 调休), the business minutes between two instants, and the
// instant N business minutes after another, with paused spans excluded.
// It is pure: no storage, no clock.
//
// Conventions (methods.md §0.1): working intervals are half-open [start,
// end) in local wall-clock time, expanded per local date, so DST changes
// are honoured: an interval runs from the first instant the local clock
// reaches its start to the first instant it reaches its end (a
// 00:00-02:00 or 00:00-03:00 interval on a spring-forward night is two
// real hours, 00:00-02:00 on a fall-back night three; see reach). A
// deadline that lands exactly on the end of an interval is that instant,
// not the start of the next interval.
package sla

import (
	"fmt"
	"sort"
	"time"

	"aftersales"
)

// Interval is a working interval within one day, in minutes after local
// midnight: 0 <= Start < End <= 1440.
type Interval struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Calendar is a business calendar.
type Calendar struct {
	Zone *time.Location
	// Week holds each weekday's intervals, indexed by time.Weekday.
	Week [7][]Interval
	// Holidays are local dates ("2026-10-01") with no working time.
	Holidays map[string]bool
	// Workdays are make-up working days (调休): a local date that works
	// with the schedule of the given weekday, even if it is a weekend.
	Workdays map[string]time.Weekday
}

// Span is a half-open interval of instants [Start, End).
type Span struct {
	Start, End time.Time
}

// maxDays bounds every walk: a calendar with no working time in ten years
// is treated as having none at all.
const maxDays = 3660

// Weekdays returns a Monday-to-Friday calendar with the given intervals.
func Weekdays(zone *time.Location, intervals ...Interval) *Calendar {
	c := &Calendar{Zone: zone, Holidays: map[string]bool{}, Workdays: map[string]time.Weekday{}}
	for d := time.Monday; d <= time.Friday; d++ {
		c.Week[d] = append([]Interval(nil), intervals...)
	}
	return c
}

// AlwaysOpen returns a 24x7 calendar, for targets in calendar time.
func AlwaysOpen(zone *time.Location) *Calendar {
	c := &Calendar{Zone: zone, Holidays: map[string]bool{}, Workdays: map[string]time.Weekday{}}
	for d := range c.Week {
		c.Week[d] = []Interval{{0, 1440}}
	}
	return c
}

// Validate checks that intervals are in range, ordered and not
// overlapping, and that special dates are real dates.
func (c *Calendar) Validate() error {
	var v aftersales.Validator
	if c.Zone == nil {
		v.Add("zone", "is required")
	}
	for d, ivs := range c.Week {
		field := fmt.Sprintf("week.%s", time.Weekday(d))
		for i, iv := range ivs {
			if iv.Start < 0 || iv.End > 1440 || iv.Start >= iv.End {
				v.Add(fmt.Sprintf("%s[%d]", field, i), "must satisfy 0 <= start < end <= 1440 minutes")
			}
			if i > 0 && iv.Start < ivs[i-1].End {
				v.Add(fmt.Sprintf("%s[%d]", field, i), "overlaps or precedes the previous interval")
			}
		}
	}
	for d := range c.Holidays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			v.Add("holidays", fmt.Sprintf("%q is not a date as YYYY-MM-DD", d))
		}
	}
	for d, wd := range c.Workdays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			v.Add("workdays", fmt.Sprintf("%q is not a date as YYYY-MM-DD", d))
		}
		if c.Holidays[d] {
			v.Add("workdays", fmt.Sprintf("%s is also a holiday", d))
		}
		if wd < time.Sunday || wd > time.Saturday {
			v.Add("workdays", fmt.Sprintf("%s: weekday out of range", d))
		}
	}
	return v.Err()
}

// intervalsOn returns the working intervals of a local date.
// A walk looks up every day it passes, once per SLA clock, step and
// ticket: the date's key is written into an array, which a map lookup
// reads without allocating (fmt.Sprintf made a string per day).
func (c *Calendar) intervalsOn(y int, m time.Month, d int) []Interval {
	if len(c.Holidays) > 0 || len(c.Workdays) > 0 {
		var b [10]byte
		key := dateKey(&b, y, m, d)
		if c.Holidays[string(key)] {
			return nil
		}
		if wd, ok := c.Workdays[string(key)]; ok {
			return c.Week[wd]
		}
	}
	return c.Week[time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()]
}

// dateKey writes a normalised date as YYYY-MM-DD, the key of Holidays and
// Workdays, into b when the year has four digits; other years go through
// fmt as before.
func dateKey(b *[10]byte, y int, m time.Month, d int) []byte {
	if y < 0 || y > 9999 {
		return fmt.Appendf(b[:0], "%04d-%02d-%02d", y, m, d)
	}
	b[0], b[1], b[2], b[3] = byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[4], b[5], b[6] = '-', byte('0'+int(m)/10), byte('0'+int(m)%10)
	b[7], b[8], b[9] = '-', byte('0'+d/10), byte('0'+d%10)
	return b[:]
}

// each calls fn with every working span that overlaps [from, ...), in
// order, until fn returns false or maxDays have been walked.
func (c *Calendar) each(from time.Time, fn func(Span) bool) {
	l := from.In(c.Zone)
	y, m, d := l.Date()
	// The zone period (constant UTC offset) last looked up: a local date
	// inside one needs no DST care, and its wall times are plain offsets.
	var periodStart, periodEnd time.Time
	var offset time.Duration
	looked := false
	for i := 0; i < maxDays; i++ {
		// Normalise the date (September 31 is October 1) before looking it
		// up among holidays and make-up days.
		dy, dm, dd := time.Date(y, m, d+i, 12, 0, 0, 0, time.UTC).Date()
		ivs := c.intervalsOn(dy, dm, dd)
		if len(ivs) == 0 {
			continue
		}
		naive := time.Date(dy, dm, dd, 0, 0, 0, 0, time.UTC) // local midnight as if the zone were UTC
		inside := func() bool {
			// The day's end must come before the period's: a clock that
			// falls back at midnight shows 24:00 an hour after it.
			start, end := naive.Add(-offset), naive.Add(24*time.Hour-offset)
			return looked && !start.Before(periodStart) && (periodEnd.IsZero() || end.Before(periodEnd))
		}
		if !inside() {
			midnight := time.Date(dy, dm, dd, 0, 0, 0, 0, c.Zone)
			periodStart, periodEnd = midnight.ZoneBounds()
			_, off := midnight.Zone()
			offset, looked = time.Duration(off)*time.Second, true
		}
		plain := inside()
		for _, iv := range ivs {
			var s, e time.Time
			if plain {
				s = naive.Add(time.Duration(iv.Start)*time.Minute - offset).In(c.Zone)
				e = naive.Add(time.Duration(iv.End)*time.Minute - offset).In(c.Zone)
			} else {
				s, e = c.reach(dy, dm, dd, iv.Start), c.reach(dy, dm, dd, iv.End)
			}
			if !e.After(from) || !e.After(s) {
				continue
			}
			if s.Before(from) {
				s = from
			}
			if !fn(Span{s, e}) {
				return
			}
		}
	}
}

// reach is the first instant at which the local clock reaches minute min
// of the local date: on a spring-forward day a skipped wall time is
// reached when the clock jumps past it (2026-03-08 02:30 in New York is
// 03:00 EDT), and on a fall-back day a repeated wall time is reached the
// first time (01:30 EDT, not 01:30 EST). So a working interval is the
// time from the first moment the clock shows its start to the first
// moment it shows its end, as a shift is worked: [00:00, 02:00) is two
// real hours on a spring-forward night and three on a fall-back night.
// time.Date leaves both choices unspecified.
func (c *Calendar) reach(y int, m time.Month, d, min int) time.Time {
	want := time.Date(y, m, d, 0, min, 0, 0, time.UTC) // the wall time, as a naive instant
	wall := func(u time.Time) time.Time {
		l := u.In(c.Zone)
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
	}
	// The instants showing want use the offset of t's zone period or of
	// a neighbour (transitions are months apart); take the earliest.
	t := time.Date(y, m, d, 0, min, 0, 0, c.Zone)
	start, end := t.ZoneBounds()
	near := []time.Time{t}
	if !start.IsZero() {
		near = append(near, start.Add(-time.Nanosecond))
	}
	if !end.IsZero() {
		near = append(near, end)
	}
	var first time.Time
	for _, u := range near {
		_, off := u.Zone()
		if cand := want.Add(-time.Duration(off) * time.Second); wall(cand).Equal(want) && (first.IsZero() || cand.Before(first)) {
			first = cand
		}
	}
	if !first.IsZero() {
		return first.In(c.Zone)
	}
	// Skipped: the clock jumps over want at one of the transitions.
	for _, tr := range []time.Time{start, end} {
		if !tr.IsZero() && wall(tr.Add(-time.Nanosecond)).Before(want) && wall(tr).After(want) {
			return tr.In(c.Zone)
		}
	}
	return t
}

// Between returns the working time in [t0, t1); zero when t1 <= t0.
func (c *Calendar) Between(t0, t1 time.Time) time.Duration {
	var total time.Duration
	if !t1.After(t0) {
		return 0
	}
	c.each(t0, func(s Span) bool {
		if !s.Start.Before(t1) {
			return false
		}
		end := s.End
		if end.After(t1) {
			end = t1
		}
		total += end.Sub(s.Start)
		return true
	})
	return total
}

// BetweenExcluding returns the working time in [t0, t1) outside the
// paused spans.
func (c *Calendar) BetweenExcluding(t0, t1 time.Time, paused []Span) time.Duration {
	total := c.Between(t0, t1)
	for _, p := range merge(paused) {
		s, e := later(p.Start, t0), earlier(p.End, t1)
		if e.After(s) {
			total -= c.Between(s, e)
		}
	}
	return total
}

// Add returns the instant at which d of working time has passed since
// t0, and false if the calendar has no such instant within ten years.
func (c *Calendar) Add(t0 time.Time, d time.Duration) (time.Time, bool) {
	return c.AddExcluding(t0, d, nil)
}

// AddExcluding is Add with the paused spans not counting. Pauses still
// open should be given with the end of the pause unknown as a far future
// time; the deadline is then found only once the pause ends.
func (c *Calendar) AddExcluding(t0 time.Time, d time.Duration, paused []Span) (time.Time, bool) {
	if d <= 0 {
		return t0, true
	}
	pauses := merge(paused)
	left := d
	var due time.Time
	found := false
	c.each(t0, func(s Span) bool {
		parts := []Span{s}
		if len(pauses) > 0 {
			parts = subtract(s, pauses)
		}
		for _, part := range parts {
			if n := part.End.Sub(part.Start); n >= left {
				due, found = part.Start.Add(left), true
				return false
			} else {
				left -= n
			}
		}
		return true
	})
	return due, found
}

// merge sorts spans and joins overlapping or touching ones.
func merge(spans []Span) []Span {
	if len(spans) == 0 {
		return nil
	}
	s := append([]Span(nil), spans...)
	sort.Slice(s, func(i, j int) bool { return s[i].Start.Before(s[j].Start) })
	out := []Span{s[0]}
	for _, x := range s[1:] {
		last := &out[len(out)-1]
		if !x.Start.After(last.End) {
			if x.End.After(last.End) {
				last.End = x.End
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

// subtract returns the parts of s not covered by the merged pauses.
func subtract(s Span, pauses []Span) []Span {
	parts := []Span{s}
	for _, p := range pauses {
		if !p.End.After(s.Start) || !p.Start.Before(s.End) {
			continue
		}
		var next []Span
		for _, q := range parts {
			if p.Start.After(q.Start) {
				next = append(next, Span{q.Start, earlier(p.Start, q.End)})
			}
			if p.End.Before(q.End) {
				next = append(next, Span{later(p.End, q.Start), q.End})
			}
		}
		parts = next
	}
	return parts
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
