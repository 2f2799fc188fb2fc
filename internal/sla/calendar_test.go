package sla

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"aftersales"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func at(l *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, l)
	if err != nil {
		panic(err)
	}
	return t
}

func hm(h, m int) int { return h*60 + m }

// TestBetweenMethodsVectors checks the vectors of methods.md §0.1 and T1
// (dates: 2026-11-20 is a Friday).
func TestBetweenMethodsVectors(t *testing.T) {
	sh := zone(t, "Asia/Shanghai")
	office := Weekdays(sh, Interval{hm(9, 0), hm(18, 0)})
	wedOff := Weekdays(sh, Interval{hm(9, 0), hm(18, 0)})
	wedOff.Holidays["2026-11-18"] = true
	for _, tc := range []struct {
		name           string
		cal            *Calendar
		from, to       string
		calendar, busi time.Duration
	}{
		{"T1 Fri 17:30 → Mon 09:30", office, "2026-11-20 17:30", "2026-11-23 09:30", 64 * time.Hour, 60 * time.Minute},
		{"weekend only", office, "2026-11-21 10:00", "2026-11-21 12:00", 2 * time.Hour, 0},
		{"Wednesday holiday", wedOff, "2026-11-17 17:00", "2026-11-19 10:00", 41 * time.Hour, 120 * time.Minute},
		{"24x7 equals calendar", AlwaysOpen(sh), "2026-11-20 17:30", "2026-11-23 09:30", 64 * time.Hour, 64 * time.Hour},
		{"reversed is zero", office, "2026-11-23 09:30", "2026-11-20 17:30", -64 * time.Hour, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := at(sh, tc.from), at(sh, tc.to)
			if got := b.Sub(a); got != tc.calendar {
				t.Errorf("calendar = %v, want %v", got, tc.calendar)
			}
			if got := tc.cal.Between(a, b); got != tc.busi {
				t.Errorf("business = %v, want %v", got, tc.busi)
			}
		})
	}
	if got := office.Between(at(sh, "2026-11-20 17:30"), at(sh, "2026-11-23 09:30")).Minutes(); got != 60 {
		t.Errorf("T1: %v business minutes, want 60", got)
	}
}

func TestAdd(t *testing.T) {
	sh := zone(t, "Asia/Shanghai")
	// A Chinese office day with a lunch break.
	lunch := Weekdays(sh, Interval{hm(8, 30), hm(12, 0)}, Interval{hm(13, 30), hm(18, 0)})
	// National Day week 2026: 10-01..10-07 off, Sat 10-10 is a make-up workday (调休).
	national := Weekdays(sh, Interval{hm(8, 30), hm(12, 0)}, Interval{hm(13, 30), hm(18, 0)})
	for d := 1; d <= 7; d++ {
		national.Holidays[time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)] = true
	}
	national.Workdays["2026-10-10"] = time.Monday
	office := Weekdays(sh, Interval{hm(9, 0), hm(18, 0)})
	for _, tc := range []struct {
		name string
		cal  *Calendar
		from string
		add  time.Duration
		want string
	}{
		{"T1 forwards", office, "2026-11-20 17:30", 60 * time.Minute, "2026-11-23 09:30"},
		{"ends exactly at closing", office, "2026-11-20 17:00", 60 * time.Minute, "2026-11-20 18:00"},
		{"starts before opening", office, "2026-11-23 06:00", 30 * time.Minute, "2026-11-23 09:30"},
		{"over lunch", lunch, "2026-11-23 11:30", 60 * time.Minute, "2026-11-23 14:00"},
		{"in lunch", lunch, "2026-11-23 12:30", 15 * time.Minute, "2026-11-23 13:45"},
		{"eight business hours from Friday noon", lunch, "2026-11-20 12:00", 8 * time.Hour, "2026-11-23 12:00"},
		{"across a month end", lunch, "2026-11-30 17:30", 60 * time.Minute, "2026-12-01 09:00"},
		{"over the National Day week", national, "2026-09-30 17:00", 2 * time.Hour, "2026-10-08 09:30"},
		{"make-up Saturday works", national, "2026-10-09 17:30", 60 * time.Minute, "2026-10-10 09:00"},
		{"zero", office, "2026-11-21 10:00", 0, "2026-11-21 10:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.cal.Add(at(sh, tc.from), tc.add)
			if !ok || !got.Equal(at(sh, tc.want)) {
				t.Fatalf("Add = %v (%v), want %s", got.In(sh), ok, tc.want)
			}
		})
	}
	if _, ok := (&Calendar{Zone: sh}).Add(at(sh, "2026-11-20 10:00"), time.Minute); ok {
		t.Error("a calendar without working time produced a deadline")
	}
}

func TestDST(t *testing.T) {
	ny := zone(t, "America/New_York")
	// 2026-03-08 02:00 does not exist in New York: clocks jump to 03:00.
	night := &Calendar{Zone: ny}
	night.Week[time.Sunday] = []Interval{{0, hm(3, 0)}}
	if got := night.Between(at(ny, "2026-03-08 00:00"), at(ny, "2026-03-08 12:00")); got != 2*time.Hour {
		t.Errorf("00:00-03:00 on the spring-forward night = %v, want 2h", got)
	}
	always := AlwaysOpen(ny)
	a, b := at(ny, "2026-03-07 12:00"), at(ny, "2026-03-08 12:00")
	if got := always.Between(a, b); got != 23*time.Hour || got != b.Sub(a) {
		t.Errorf("24x7 across DST = %v, want 23h of real time", got)
	}
	if got, _ := always.Add(a, 23*time.Hour); !got.Equal(b) {
		t.Errorf("24x7 Add across DST = %v, want %v", got, b)
	}
}

// TestDSTChangeDays: a working interval runs from the first instant the
// local clock reaches its start to the first instant it reaches its end;
// a wall time the clock skips is reached when the clock jumps past it,
// and a wall time it shows twice is reached the first time.
func TestDSTChangeDays(t *testing.T) {
	ny := zone(t, "America/New_York")
	cases := []struct {
		day    string // 2026-03-08: 02:00 EST jumps to 03:00 EDT; 2026-11-01: 02:00 EDT falls back to 01:00 EST
		iv     Interval
		want   time.Duration
		starts string // UTC
	}{
		{"2026-03-08", Interval{0, hm(2, 0)}, 2 * time.Hour, "05:00"},
		{"2026-03-08", Interval{0, hm(3, 0)}, 2 * time.Hour, "05:00"},
		{"2026-03-08", Interval{0, hm(2, 30)}, 2 * time.Hour, "05:00"},
		{"2026-03-08", Interval{hm(1, 0), hm(4, 0)}, 2 * time.Hour, "06:00"},
		{"2026-03-08", Interval{hm(2, 0), hm(4, 0)}, time.Hour, "07:00"},
		{"2026-03-08", Interval{hm(2, 30), hm(4, 0)}, time.Hour, "07:00"},
		{"2026-03-08", Interval{hm(2, 0), hm(3, 0)}, 0, ""},
		{"2026-03-08", Interval{0, 1440}, 23 * time.Hour, "05:00"},
		{"2026-11-01", Interval{0, hm(2, 0)}, 3 * time.Hour, "04:00"},
		{"2026-11-01", Interval{hm(1, 0), hm(2, 0)}, 2 * time.Hour, "05:00"},
		{"2026-11-01", Interval{hm(1, 30), hm(3, 0)}, 150 * time.Minute, "05:30"},
		{"2026-11-01", Interval{0, hm(1, 30)}, 90 * time.Minute, "04:00"},
		{"2026-11-01", Interval{hm(2, 0), hm(4, 0)}, 2 * time.Hour, "07:00"},
		{"2026-11-01", Interval{0, 1440}, 25 * time.Hour, "04:00"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %d-%d", c.day, c.iv.Start, c.iv.End), func(t *testing.T) {
			cal := AlwaysOpen(ny)
			cal.Week = [7][]Interval{}
			cal.Week[time.Sunday] = []Interval{c.iv}
			from, to := at(ny, c.day+" 00:00").AddDate(0, 0, -1), at(ny, c.day+" 12:00").AddDate(0, 0, 1)
			if got := cal.Between(from, to); got != c.want {
				t.Errorf("Between = %v, want %v", got, c.want)
			}
			if c.want == 0 {
				return
			}
			start, ok := cal.Add(from, time.Nanosecond)
			if want := c.day + " " + c.starts; !ok || start.Add(-time.Nanosecond).UTC().Format("2006-01-02 15:04") != want {
				t.Errorf("interval starts at %v UTC, want %s", start.Add(-time.Nanosecond).UTC(), want)
			}
			if end, ok := cal.Add(from, c.want); !ok || cal.Between(from, end) != c.want || !end.Equal(start.Add(-time.Nanosecond).Add(c.want)) {
				t.Errorf("Add(%v) = %v, want the interval's end", c.want, end)
			}
		})
	}
}

func TestPauses(t *testing.T) {
	sh := zone(t, "Asia/Shanghai")
	office := Weekdays(sh, Interval{hm(9, 0), hm(18, 0)})
	t0 := at(sh, "2026-11-23 09:00")
	paused := []Span{
		{at(sh, "2026-11-23 10:00"), at(sh, "2026-11-23 11:00")},
		{at(sh, "2026-11-23 10:30"), at(sh, "2026-11-23 11:30")}, // overlaps the first
		{at(sh, "2026-11-21 00:00"), at(sh, "2026-11-22 23:00")}, // a weekend pause costs nothing
	}
	due, ok := office.AddExcluding(t0, 4*time.Hour, paused)
	if !ok || !due.Equal(at(sh, "2026-11-23 14:30")) {
		t.Fatalf("due = %v, want 14:30", due.In(sh))
	}
	if got := office.BetweenExcluding(t0, due, paused); got != 4*time.Hour {
		t.Fatalf("net business time to the deadline = %v, want 4h", got)
	}
	// A pause still open never lets the clock run out.
	open := []Span{{at(sh, "2026-11-23 10:00"), at(sh, "2100-01-01 00:00")}}
	if _, ok := office.AddExcluding(t0, 2*time.Hour, open); ok {
		t.Fatal("a deadline was found while the clock is paused")
	}
}

// TestAddBetweenRoundTrip: for any start and amount, the business time
// from the start to the computed deadline is that amount.
func TestAddBetweenRoundTrip(t *testing.T) {
	sh := zone(t, "Asia/Shanghai")
	cal := Weekdays(sh, Interval{hm(8, 30), hm(12, 0)}, Interval{hm(13, 30), hm(18, 0)})
	cal.Holidays["2026-12-25"] = true
	cal.Workdays["2026-12-26"] = time.Friday
	r := rand.New(rand.NewPCG(1, 2))
	base := at(sh, "2026-12-01 00:00")
	for range 2000 {
		t0 := base.Add(time.Duration(r.IntN(60*24*40)) * time.Minute)
		d := time.Duration(r.IntN(60*8*15)) * time.Minute
		due, ok := cal.Add(t0, d)
		if !ok {
			t.Fatal("no deadline")
		}
		if got := cal.Between(t0, due); got != d {
			t.Fatalf("Between(%v, Add(%v)) = %v, want %v", t0.In(sh), d, got, d)
		}
	}
}

func TestValidate(t *testing.T) {
	c := Weekdays(time.UTC, Interval{hm(9, 0), hm(12, 0)}, Interval{hm(11, 0), hm(13, 0)})
	c.Week[time.Saturday] = []Interval{{hm(10, 0), hm(10, 0)}}
	c.Holidays["2026-02-30"] = true
	c.Workdays["2026-10-10"] = time.Monday
	c.Holidays["2026-10-10"] = true
	err := c.Validate()
	fields := map[string]bool{}
	for _, f := range aftersales.ErrorFields(err) {
		fields[f.Field] = true
	}
	for _, want := range []string{"week.Monday[1]", "week.Saturday[0]", "holidays", "workdays"} {
		if !fields[want] {
			t.Errorf("%s not named in %v", want, err)
		}
	}
	if err := Weekdays(time.UTC, Interval{0, 1440}).Validate(); err != nil {
		t.Errorf("valid calendar: %v", err)
	}
}

// On every DST change day of 2026 in zones that change at 02:00, 01:00,
// 03:00 or midnight, in either hemisphere, each interval counts the time
// from the first instant the local clock reads its start or later to the
// first instant it reads its end or later, found by scanning the clock
// minute by minute.
func TestDSTChangeDaysBruteForce(t *testing.T) {
	for _, name := range []string{"America/New_York", "Europe/London", "Australia/Sydney", "America/Santiago", "America/Havana", "Australia/Lord_Howe"} {
		z := zone(t, name)
		// The local dates of the year's transitions.
		var days []time.Time
		for at := time.Date(2026, 1, 1, 0, 0, 0, 0, z); ; {
			_, end := at.ZoneBounds()
			if end.IsZero() || end.Year() > 2026 {
				break
			}
			l := end.In(z)
			days = append(days, time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC))
			at = end
		}
		if len(days) != 2 {
			t.Fatalf("%s: %d transitions in 2026", name, len(days))
		}
		wall := func(u time.Time) time.Time {
			l := u.In(z)
			return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), 0, 0, time.UTC)
		}
		for _, day := range days {
			reach := func(min int) time.Time {
				want := day.Add(time.Duration(min) * time.Minute)
				for u := want.Add(-16 * time.Hour); ; u = u.Add(time.Minute) {
					if !wall(u).Before(want) {
						return u
					}
				}
			}
			for start := 0; start < 1440; start += 30 {
				for _, end := range []int{start + 30, start + 90, start + 180, 1440} {
					if end > 1440 || end <= start {
						continue
					}
					cal := AlwaysOpen(z)
					cal.Week = [7][]Interval{}
					cal.Week[day.Weekday()] = []Interval{{start, end}}
					want := max(0, reach(end).Sub(reach(start)))
					from := day.Add(-36 * time.Hour)
					if got := cal.Between(from, from.Add(96*time.Hour)); got != want {
						t.Errorf("%s %s [%d, %d): %v, want %v", name, day.Format(time.DateOnly), start, end, got, want)
					}
				}
			}
		}
	}
}

// TestDateKey: the key a day is looked up by among holidays and make-up
// days is its YYYY-MM-DD, as the calendar stores them, for any year.
func TestDateKey(t *testing.T) {
	for _, c := range []struct {
		y    int
		m    time.Month
		d    int
		want string
	}{{2026, time.October, 1, "2026-10-01"}, {1999, time.December, 31, "1999-12-31"}, {9, time.January, 9, "0009-01-09"},
		{12026, time.February, 28, "12026-02-28"}, {-1, time.March, 5, "-001-03-05"}} {
		var b [10]byte
		if got := string(dateKey(&b, c.y, c.m, c.d)); got != c.want {
			t.Errorf("dateKey(%d, %d, %d) = %q, want %q", c.y, c.m, c.d, got, c.want)
		}
	}
}

// TestAddAllocations: walking the days of a calendar with holidays and
// make-up days allocates nothing per day, so a deadline a month away
// costs no more allocations than one a day away.
func TestAddAllocations(t *testing.T) {
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	c := Weekdays(zone, Interval{9 * 60, 12 * 60}, Interval{13 * 60, 18 * 60})
	c.Holidays["2026-10-01"], c.Holidays["2026-10-02"] = true, true
	c.Workdays["2026-10-10"] = time.Friday
	t0 := time.Date(2026, 9, 28, 10, 0, 0, 0, zone)
	day := testing.AllocsPerRun(50, func() { c.Add(t0, time.Hour) })
	month := testing.AllocsPerRun(50, func() { c.Add(t0, 160*time.Hour) })
	if month > day {
		t.Errorf("Add allocates %.0f times for a month, %.0f for a day: something is made per day", month, day)
	}
}
