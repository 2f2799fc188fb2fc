package field

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"aftersales"
)

func TestPlanDay(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	mid := time.Date(2026, 12, 7, 0, 0, 0, 0, sh) // a Monday
	hm := func(h, m int) time.Time { return mid.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	home := &aftersales.Position{Lat: 30.0, Lng: 104.0}
	// Three customers east of home, 2, 4 and 6 km away (about 0.0208° of
	// longitude per 2 km at 30°N, times 1.3 on the road).
	east := func(km float64) *aftersales.Position { return &aftersales.Position{Lat: 30.0, Lng: 104.0 + km/96.4} }
	visit := func(id int64, at *aftersales.Position, from, to time.Time, dur time.Duration) DayVisit {
		return DayVisit{ID: id, TicketID: 100 + id, Number: 1, Status: aftersales.VisitScheduled, WindowStart: from, WindowEnd: to, Duration: dur, At: at}
	}
	shift := []aftersales.Shift{{Weekday: 1, StartMin: 8 * 60, EndMin: 18 * 60}}
	allDay := func(id int64, km float64) DayVisit { return visit(id, east(km), hm(8, 0), hm(18, 0), time.Hour) }
	order := func(r *aftersales.DayRoute) []int64 {
		var out []int64
		for _, s := range r.Stops {
			out = append(out, s.VisitID)
		}
		return out
	}
	reasons := func(r *aftersales.DayRoute) map[int64]string {
		out := map[int64]string{}
		for _, u := range r.Unplanned {
			out[u.VisitID] = u.Reason
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		day     Day
		order   []int64
		reasons map[int64]string
	}{
		{"open windows go out and back in distance order", Day{Start: home, StartKind: "home", Shifts: shift,
			Visits: []DayVisit{allDay(3, 6), allDay(1, 2), allDay(2, 4)}}, []int64{1, 2, 3}, map[int64]string{}},
		{"windows decide the order", Day{Start: home, StartKind: "home", Shifts: shift,
			Visits: []DayVisit{visit(1, east(2), hm(14, 0), hm(16, 0), time.Hour), visit(2, east(4), hm(8, 0), hm(10, 0), time.Hour),
				visit(3, east(6), hm(11, 0), hm(13, 0), time.Hour)}}, []int64{2, 3, 1}, map[int64]string{}},
		{"reasons", Day{Start: home, StartKind: "home", Shifts: shift,
			Visits: []DayVisit{visit(1, nil, hm(9, 0), hm(11, 0), time.Hour), visit(2, east(2), hm(19, 0), hm(21, 0), time.Hour),
				visit(3, east(2), hm(9, 0), hm(9, 30), 3*time.Hour), visit(4, east(4), hm(9, 0), hm(9, 30), 3*time.Hour)}},
			[]int64{3}, map[int64]string{1: "no_position", 2: "window", 4: "no_room"}},
		{"no shift that day", Day{Start: home, Shifts: []aftersales.Shift{{Weekday: 2, StartMin: 480, EndMin: 1080}},
			Visits: []DayVisit{allDay(1, 2)}}, nil, map[int64]string{1: "no_shift"}},
		{"on leave all day", Day{Start: home, Shifts: shift, Leave: []aftersales.Leave{{Start: mid, End: mid.Add(24 * time.Hour)}},
			Visits: []DayVisit{allDay(1, 2)}}, nil, map[int64]string{1: "no_shift"}},
		{"of a route and its reverse, the one home sooner", Day{Start: home, StartKind: "home", Shifts: shift,
			Visits: []DayVisit{visit(1, east(4), hm(12, 0), hm(18, 0), time.Hour), visit(2, east(2), hm(8, 0), hm(18, 0), time.Hour)}},
			[]int64{2, 1}, map[int64]string{}},
		{"unknown home: drives from and to it are zero", Day{Shifts: shift, Visits: []DayVisit{allDay(2, 4), allDay(1, 2)}}, []int64{1, 2}, map[int64]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.day.Midnight = mid
			r, err := PlanDay(&tc.day, DefaultTravel)
			if err != nil {
				t.Fatal(err)
			}
			got := order(r)
			if diff := cmp.Diff(tc.order, got); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.reasons, reasons(r)); diff != "" {
				t.Errorf("unplanned (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("times, totals and links", func(t *testing.T) {
		d := Day{Midnight: mid, Start: home, StartKind: "home", Shifts: shift,
			Visits: []DayVisit{visit(1, east(2), hm(9, 0), hm(11, 0), 30*time.Minute), visit(2, east(4), hm(10, 0), hm(18, 0), time.Hour)}}
		r, err := PlanDay(&d, DefaultTravel)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Stops) != 2 {
			t.Fatalf("stops = %+v", r.Stops)
		}
		first := r.Stops[0]
		// 2 km straight, 2.6 km by road at 30 km/h: 5.2 minutes; the window
		// opens at 9:00, so the technician leaving at 8:00 waits.
		if first.VisitID != 1 || first.TravelMin != 5 || !first.Start.Equal(hm(9, 0)) || first.WaitMin != 55 || !first.Finish.Equal(hm(9, 30)) {
			t.Errorf("first stop = %+v", first)
		}
		if r.DistanceKM < 10.3 || r.DistanceKM > 10.5 { // 8 km straight out and back, ×1.3
			t.Errorf("distance = %v km, want about 10.4", r.DistanceKM)
		}
		if r.DriveMin != 21 {
			t.Errorf("drive = %d min, want 21", r.DriveMin)
		}
		if r.Back == nil || r.ShiftStart == nil || !r.ShiftStart.Equal(hm(8, 0)) {
			t.Errorf("back %v, shift start %v", r.Back, r.ShiftStart)
		}
		g := r.MapLinks.Google
		for _, want := range []string{"https://www.google.com/maps/dir/?api=1", "origin=30.000000%2C104.000000", "destination=30.000000%2C104.000000",
			"waypoints=30.000000%2C104.020747%7C30.000000%2C104.041494"} {
			if !strings.Contains(g, want) {
				t.Errorf("google link %s lacks %s", g, want)
			}
		}
		if len(r.MapLinks.Amap) != 2 || !strings.HasPrefix(r.MapLinks.Amap[0], "https://uri.amap.com/navigation?") ||
			!strings.Contains(r.MapLinks.Amap[0], "to=104.020747%2C30.000000") || !strings.Contains(r.MapLinks.Amap[0], "coordinate=wgs84") {
			t.Errorf("amap links %v", r.MapLinks.Amap)
		}
		if len(r.MapLinks.Baidu) != 2 || !strings.HasPrefix(r.MapLinks.Baidu[1], "baidumap://map/direction?") ||
			!strings.Contains(r.MapLinks.Baidu[1], "latlng%3A30.000000%2C104.041494") {
			t.Errorf("baidu links %v", r.MapLinks.Baidu)
		}
	})
}

// TestPlanDayFromCurrentPosition: once the phone reports where the
// technician is, the rest of the day starts there and then; the visit
// already done stays first as it happened, and the day still ends at home.
func TestPlanDayFromCurrentPosition(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	mid := time.Date(2026, 12, 7, 0, 0, 0, 0, sh) // a Monday
	hm := func(h, m int) time.Time { return mid.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	home := &aftersales.Position{Lat: 30.0, Lng: 104.0}
	east := func(km float64) *aftersales.Position { return &aftersales.Position{Lat: 30.0, Lng: 104.0 + km/96.4} }
	in, out := hm(9, 0), hm(10, 0)
	day := Day{Midnight: mid, Start: home, StartKind: "home", Shifts: []aftersales.Shift{{Weekday: 1, StartMin: 8 * 60, EndMin: 18 * 60}},
		Visits: []DayVisit{
			{ID: 1, TicketID: 101, Number: 1, Status: aftersales.VisitCompleted, WindowStart: hm(8, 0), WindowEnd: hm(10, 0), Duration: time.Hour,
				At: east(10), CheckedIn: &in, CheckedOut: &out},
			// Open all day: 2 km from home, 8 km from the first customer.
			{ID: 2, TicketID: 102, Number: 1, Status: aftersales.VisitScheduled, WindowStart: hm(8, 0), WindowEnd: hm(18, 0), Duration: time.Hour, At: east(2)},
			{ID: 3, TicketID: 103, Number: 1, Status: aftersales.VisitScheduled, WindowStart: hm(8, 0), WindowEnd: hm(18, 0), Duration: time.Hour, At: east(11)},
		}}
	plan := func(d Day) ([]int64, []string) {
		r, err := PlanDay(&d, DefaultTravel)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		var arrive []string
		for _, s := range r.Stops {
			ids = append(ids, s.VisitID)
			arrive = append(arrive, s.Arrive.In(sh).Format("15:04"))
		}
		return ids, arrive
	}
	// From home at 08:00, visit 1 is planned with the others (its window
	// allows 8:00-10:00); the route ignores that it is done.
	ids, _ := plan(day)
	if len(ids) != 3 {
		t.Fatalf("from home: %v", ids)
	}
	// From the first customer's door at 10:05: visit 1 first at 09:00 as
	// it happened, then the nearer visit 3 (1 km east, 1.3 road km: 3
	// min, 10:07:36), then 2 on the way home.
	day.Current = &aftersales.TechPosition{Position: *east(10), At: hm(10, 5), Source: "update"}
	ids, arrive := plan(day)
	if d := cmp.Diff([]int64{1, 3, 2}, ids); d != "" {
		t.Errorf("order from the current position (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"09:00", "10:07"}, arrive[:2]); d != "" {
		t.Errorf("arrivals (-want +got):\n%s", d)
	}
	r, _ := PlanDay(&day, DefaultTravel)
	if r.Current == nil || r.Stops[1].TravelMin != 3 {
		t.Errorf("current %+v, travel to the next stop %d min, want 3", r.Current, r.Stops[1].TravelMin)
	}
}

// TestPlanDayAfterShift: a position reported after the shift's end (a
// technician working late) plans nothing more for the day: the visit done
// stays as it happened, the others are unplanned for want of shift time,
// and the plan is not an error (it was "64800 is before the shift start").
func TestPlanDayAfterShift(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	mid := time.Date(2026, 12, 7, 0, 0, 0, 0, sh) // a Monday
	hm := func(h, m int) time.Time { return mid.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	home := &aftersales.Position{Lat: 30.0, Lng: 104.0}
	in, out := hm(17, 0), hm(18, 20)
	day := Day{Midnight: mid, Start: home, StartKind: "home", Shifts: []aftersales.Shift{{Weekday: 1, StartMin: 8 * 60, EndMin: 18 * 60}},
		Current: &aftersales.TechPosition{Position: *home, At: hm(18, 47), Source: "update"},
		Visits: []DayVisit{
			{ID: 1, TicketID: 101, Number: 1, Status: aftersales.VisitCompleted, WindowStart: hm(16, 0), WindowEnd: hm(18, 0), Duration: time.Hour,
				At: home, CheckedIn: &in, CheckedOut: &out},
			{ID: 2, TicketID: 102, Number: 1, Status: aftersales.VisitScheduled, WindowStart: hm(14, 0), WindowEnd: hm(18, 0), Duration: time.Hour, At: home},
		}}
	r, err := PlanDay(&day, DefaultTravel)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Stops) != 1 || r.Stops[0].VisitID != 1 {
		t.Errorf("stops: %+v, want the visit done only", r.Stops)
	}
	if len(r.Unplanned) != 1 || r.Unplanned[0].VisitID != 2 || r.Unplanned[0].Reason != "no_shift" {
		t.Errorf("unplanned: %+v, want visit 2 for want of shift time", r.Unplanned)
	}
}

// TestPlanDayManual: a day with pinned visits keeps the supervisor's
// order and is only timed; the visit the order pushes past its window is
// kept with its lateness in whole minutes (never left out or moved), and
// a visit without a pin joins before the first pinned one whose window
// starts later.
func TestPlanDayManual(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	mid := time.Date(2026, 12, 7, 0, 0, 0, 0, sh)
	hm := func(h, m int) time.Time { return mid.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	home := &aftersales.Position{Lat: 30.0, Lng: 104.0}
	visit := func(id int64, pin, from int) DayVisit {
		return DayVisit{ID: id, Status: aftersales.VisitScheduled, WindowStart: hm(from, 0), WindowEnd: hm(from+1, 0), Duration: time.Hour, At: home, Pin: pin}
	}
	shift := []aftersales.Shift{{Weekday: 1, StartMin: 8 * 60, EndMin: 18 * 60}}
	type stop struct {
		ID    int64
		Start string
		Late  int
	}
	for _, tc := range []struct {
		name   string
		visits []DayVisit
		manual bool
		want   []stop
	}{
		{"no pins: the planner's order", []DayVisit{visit(1, 0, 14), visit(2, 0, 9), visit(3, 0, 11)}, false,
			[]stop{{2, "09:00", 0}, {3, "11:00", 0}, {1, "14:00", 0}}},
		{"pinned in window order: on time", []DayVisit{visit(1, 3, 14), visit(2, 1, 9), visit(3, 2, 11)}, true,
			[]stop{{2, "09:00", 0}, {3, "11:00", 0}, {1, "14:00", 0}}},
		{"pinned out of window order", []DayVisit{visit(1, 2, 14), visit(2, 3, 9), visit(3, 1, 11)}, true,
			[]stop{{3, "11:00", 0}, {1, "14:00", 0}, {2, "15:00", 300}}},
		{"an unpinned visit joins by its window", []DayVisit{visit(1, 1, 14), visit(2, 2, 9), visit(4, 0, 12)}, true,
			[]stop{{4, "12:00", 0}, {1, "14:00", 0}, {2, "15:00", 300}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := PlanDay(&Day{Midnight: mid, Start: home, StartKind: "home", Shifts: shift, Visits: tc.visits}, DefaultTravel)
			if err != nil {
				t.Fatal(err)
			}
			var got []stop
			for _, s := range r.Stops {
				got = append(got, stop{s.VisitID, s.Start.Format("15:04"), s.LateMin})
			}
			if r.Manual != tc.manual || len(r.Unplanned) != 0 {
				t.Errorf("manual %v unplanned %+v, want manual %v and none left out", r.Manual, r.Unplanned, tc.manual)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("stops (-want +got):\n%s", d)
			}
		})
	}
	if got := lateMin(3600+1, 3600); got != 1 {
		t.Errorf("a second late is %d min, want 1", got)
	}
}
