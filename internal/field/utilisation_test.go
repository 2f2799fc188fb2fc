package field

import (
	"testing"
	"time"

	"aftersales"
	"github.com/google/go-cmp/cmp"
)

func TestUtilisation(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, loc) }
	// Monday 7 and Tuesday 8 December 2026: 08:00-12:00 and 13:00-17:00
	// (480 min); on Tuesday leave 10:00-14:00 takes 2 h of the morning
	// and 1 h of the afternoon (300 min left). Wednesday has no shift.
	shifts := []aftersales.Shift{{Weekday: 1, StartMin: 480, EndMin: 720}, {Weekday: 1, StartMin: 780, EndMin: 1020},
		{Weekday: 2, StartMin: 480, EndMin: 720}, {Weekday: 2, StartMin: 780, EndMin: 1020}}
	leave := []aftersales.Leave{{Start: at(8, 10, 0), End: at(8, 14, 0)}}
	visits := []UtilVisit{
		// Completed: 09:10-10:40 counts 90 min on Monday, not its 60 estimated.
		{Status: aftersales.VisitCompleted, WindowStart: at(7, 8, 0), DurationMin: 60, CheckedIn: at(7, 9, 10), CheckedOut: at(7, 10, 40)},
		// Planned: its estimated 45 min on Tuesday.
		{Status: aftersales.VisitScheduled, WindowStart: at(8, 14, 0), DurationMin: 45},
		// Cancelled: never counts.
		{Status: aftersales.VisitCancelled, WindowStart: at(7, 14, 0), DurationMin: 120},
		// Outside the days asked.
		{Status: aftersales.VisitScheduled, WindowStart: at(10, 9, 0), DurationMin: 30},
		// Checked in late on Wednesday (no shift): booked, no shift time.
		{Status: aftersales.VisitCheckedIn, WindowStart: at(9, 8, 0), DurationMin: 20, CheckedIn: at(9, 8, 30)},
	}
	days := []time.Time{at(7, 0, 0), at(8, 0, 0), at(9, 0, 0)}
	got := Utilisation(shifts, leave, visits, days)
	want := []UtilDay{{Booked: 90, Shift: 480}, {Booked: 45, Shift: 300}, {Booked: 20, Shift: 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Utilisation (-want +got):\n%s", diff)
	}
}

func TestBookedOn(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		v    UtilVisit
		at   time.Time
		min  int64
		ok   bool
	}{
		{"completed counts check-in to check-out, truncated", UtilVisit{Status: aftersales.VisitCompleted, WindowStart: t0.Add(-time.Hour), DurationMin: 60,
			CheckedIn: t0, CheckedOut: t0.Add(61*time.Minute + 59*time.Second)}, t0, 61, true},
		{"scheduled counts its estimate", UtilVisit{Status: aftersales.VisitScheduled, WindowStart: t0, DurationMin: 30}, t0, 30, true},
		{"en route counts its estimate", UtilVisit{Status: aftersales.VisitEnRoute, WindowStart: t0, DurationMin: 30}, t0, 30, true},
		{"cancelled does not count", UtilVisit{Status: aftersales.VisitCancelled, WindowStart: t0, DurationMin: 30}, time.Time{}, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			at, m, ok := BookedOn(c.v)
			if !at.Equal(c.at) || m != c.min || ok != c.ok {
				t.Errorf("BookedOn = %v, %d, %v; want %v, %d, %v", at, m, ok, c.at, c.min, c.ok)
			}
		})
	}
}
