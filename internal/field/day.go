package field

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/routeplan"
)

// DayVisit is one visit of a technician's day for the route planner.
type DayVisit struct {
	ID, TicketID int64
	Number       int
	Status       aftersales.VisitStatus
	WindowStart  time.Time
	WindowEnd    time.Time
	Duration     time.Duration
	At           *aftersales.Position // the customer; nil when unknown
	// CheckedIn and CheckedOut are when the technician arrived and left;
	// a plan from the current position keeps such visits as they were.
	CheckedIn, CheckedOut *time.Time
	// Pin is the visit's place in a day a supervisor ordered by hand
	// (0: none). A day with any pinned visit is planned in manual order.
	Pin int
}

// Day is what planning a technician's day needs: the local midnight it
// starts at, where the technician starts and ends (nil when unknown:
// the first and last drives then count as zero, as in booking), the
// shifts and leave, and the visits.
type Day struct {
	TechnicianID int64
	Midnight     time.Time
	Start        *aftersales.Position
	StartKind    string
	Shifts       []aftersales.Shift
	Leave        []aftersales.Leave
	Visits       []DayVisit
	// Current, when set, is where the technician is now: the rest of the
	// day is planned from there and then (no earlier than the shift),
	// visits already checked in or completed stay first as they
	// happened, and the route still ends at Start.
	Current *aftersales.TechPosition
}

// planIterations bounds the search of a day: a technician has a handful
// of visits, so a few hundred ruin-and-recreate steps reach what a
// longer search would, and a fixed count (no clock) makes the plan the
// same every time for the same day.
const planIterations = 300

// nowhere stands for an unknown home base: travel to or from it is zero.
var nowhere = routeplan.Location{X: 1000, Y: 1000}

type dayTravel struct{ h routeplan.Haversine }

func (d dayTravel) Distance(a, b routeplan.Location) float64 {
	if a == nowhere || b == nowhere {
		return 0
	}
	return d.h.Distance(a, b)
}

func (d dayTravel) Duration(a, b routeplan.Location) float64 {
	if a == nowhere || b == nowhere {
		return 0
	}
	return d.h.Duration(a, b)
}

// PlanDay orders a technician's day with the route planner: one vehicle
// from Start at the beginning of the working day back to Start by its
// end, each visit starting inside its promised window and lasting its
// estimated duration, drives estimated as booking does (t). The working
// day runs from the first shift's start to the last shift's end, less
// leave at either end; leave in the middle of the day is not modelled.
// Visits that cannot fit are returned with the reason (see
// aftersales.UnplannedReasons).
func PlanDay(d *Day, t Travel) (*aftersales.DayRoute, error) {
	out := &aftersales.DayRoute{TechnicianID: d.TechnicianID, Date: aftersales.DateOf(d.Midnight), Start: d.Start, StartKind: d.StartKind,
		Stops: []aftersales.RouteStop{}, Unplanned: []aftersales.Unplanned{}, MapLinks: aftersales.MapLinks{Amap: []string{}, Baidu: []string{}}}
	if d.Start == nil {
		out.StartKind = ""
	}
	unplanned := func(v DayVisit, reason string) {
		out.Unplanned = append(out.Unplanned, aftersales.Unplanned{VisitID: v.ID, TicketID: v.TicketID, Number: v.Number, Reason: reason})
	}
	for _, v := range d.Visits {
		out.Manual = out.Manual || v.Pin > 0
	}
	free := Free(&Calendar{Shifts: d.Shifts, Leave: d.Leave}, d.Midnight)
	var ok, done []DayVisit
	for _, v := range d.Visits {
		switch {
		case d.Current != nil && v.CheckedIn != nil:
			done = append(done, v)
		case len(free) == 0:
			unplanned(v, "no_shift")
		case v.At == nil:
			unplanned(v, "no_position")
		default:
			ok = append(ok, v)
		}
	}
	slices.SortFunc(done, func(a, b DayVisit) int { return a.CheckedIn.Compare(*b.CheckedIn) })
	for _, v := range done {
		fin := v.CheckedIn.Add(v.Duration)
		if v.CheckedOut != nil {
			fin = *v.CheckedOut
		}
		s := aftersales.RouteStop{Seq: len(out.Stops) + 1, VisitID: v.ID, TicketID: v.TicketID, Number: v.Number, Status: v.Status,
			WindowStart: v.WindowStart, WindowEnd: v.WindowEnd, Arrive: *v.CheckedIn, Start: *v.CheckedIn, Finish: fin}
		if v.At != nil {
			s.At = *v.At
		}
		out.Stops = append(out.Stops, s)
	}
	if len(free) == 0 {
		return out, nil
	}
	s0, s1 := free[0].a, free[len(free)-1].b
	out.ShiftStart, out.ShiftEnd = &s0, &s1
	sec := func(x time.Time) float64 { return x.Sub(d.Midnight).Seconds() }
	at := func(s float64) time.Time { return d.Midnight.Add(time.Duration(math.Round(s)) * time.Second) }
	home := nowhere
	if d.Start != nil {
		home = routeplan.LatLng(d.Start.Lat, d.Start.Lng)
	}
	from, leave := home, s0
	if c := d.Current; c != nil {
		out.Current = c
		from = routeplan.LatLng(c.Lat, c.Lng)
		if c.At.After(leave) {
			leave = c.At
		}
		// A position reported after the shift's end (overtime) leaves no
		// shift time for the visits not yet started: they are unplanned,
		// not a routing problem that ends before it starts.
		if !leave.Before(s1) {
			for _, v := range ok {
				unplanned(v, "no_shift")
			}
			return out, nil
		}
	}
	p := &routeplan.Problem{
		Vehicles: []routeplan.Vehicle{{ID: fmt.Sprint(d.TechnicianID), Start: from, End: home, ShiftStart: sec(leave), ShiftEnd: sec(s1)}},
		Travel:   dayTravel{routeplan.Haversine{RoadFactor: t.RoadFactor, SpeedKMH: t.SpeedKMH}},
	}
	for _, v := range ok {
		p.Stops = append(p.Stops, routeplan.Stop{ID: fmt.Sprint(v.ID), Location: routeplan.LatLng(v.At.Lat, v.At.Lng),
			Ready: sec(v.WindowStart), Due: sec(v.WindowEnd), Service: v.Duration.Seconds()})
	}
	if len(p.Stops) == 0 {
		return out, nil
	}
	var legs []routeplan.Leg
	var back float64
	if out.Manual {
		// The supervisor's order: timed as it is, never reordered or left
		// out; a visit it makes start after its window carries LateMin.
		legs, back = routeplan.Schedule(p, 0, ManualOrder(ok))
	} else {
		sol, err := routeplan.SolveVRPTW(p, routeplan.Options{Iterations: planIterations, Seed: 1})
		if err != nil {
			return nil, fmt.Errorf("field: plan day: %w", err)
		}
		for _, i := range sol.Unassigned {
			reason := "no_room"
			if !fitsAlone(p, i) {
				reason = "window"
			}
			unplanned(ok[i], reason)
		}
		legs, back = routeplan.Schedule(p, 0, sol.Routes[0])
		// With symmetric travel a route and its reverse are equally long; the
		// solver may return either. Prefer the one that brings the technician
		// home sooner, so the plan does not flip between equal choices.
		if r := slices.Clone(sol.Routes[0]); len(r) > 1 {
			slices.Reverse(r)
			rl, rb := routeplan.Schedule(p, 0, r)
			if rb < back-1 && feasible(p, rl, rb) && math.Abs(routeLen(p, r)-routeLen(p, sol.Routes[0])) < 1 {
				legs, back = rl, rb
			}
		}
	}
	var dist, drive float64
	seq0 := len(out.Stops)
	for n, l := range legs {
		v := ok[l.Stop]
		out.Stops = append(out.Stops, aftersales.RouteStop{Seq: seq0 + n + 1, VisitID: v.ID, TicketID: v.TicketID, Number: v.Number, Status: v.Status,
			WindowStart: v.WindowStart, WindowEnd: v.WindowEnd, At: *v.At, Arrive: at(l.Arrive), Start: at(l.Start), Finish: at(l.Depart),
			WaitMin: minutes(l.Wait), SlackMin: minutes(l.Slack), TravelKM: round2(l.TravelDistance / 1000), TravelMin: minutes(l.TravelDuration), LateMin: lateMin(l.Start, p.Stops[l.Stop].Due)})
		dist += l.TravelDistance
		drive += l.TravelDuration
	}
	if n := len(legs); n > 0 {
		last := p.Stops[legs[n-1].Stop].Location
		dist += p.Travel.Distance(last, home)
		drive += p.Travel.Duration(last, home)
		b := at(back)
		out.Back = &b
	}
	out.DistanceKM, out.DriveMin = round2(dist/1000), minutes(drive)
	out.MapLinks = MapLinksFor(d.Start, out.Stops)
	// Unplanned visits in a stable order, so the answer does not depend on
	// the solver's.
	slices.SortFunc(out.Unplanned, func(a, b aftersales.Unplanned) int { return cmp.Compare(a.VisitID, b.VisitID) })
	return out, nil
}

// ManualOrder is the order of a day a supervisor ordered by hand, as
// indices into vs: the pinned visits by their pins, and each visit
// without a pin (booked since) before the first pinned one whose window
// starts later, so a new visit joins where its window puts it.
func ManualOrder(vs []DayVisit) []int {
	var pinned, loose []int
	for i, v := range vs {
		if v.Pin > 0 {
			pinned = append(pinned, i)
		} else {
			loose = append(loose, i)
		}
	}
	slices.SortStableFunc(pinned, func(a, b int) int { return cmp.Or(cmp.Compare(vs[a].Pin, vs[b].Pin), cmp.Compare(vs[a].ID, vs[b].ID)) })
	slices.SortStableFunc(loose, func(a, b int) int {
		return cmp.Or(vs[a].WindowStart.Compare(vs[b].WindowStart), cmp.Compare(vs[a].ID, vs[b].ID))
	})
	out := make([]int, 0, len(vs))
	for len(pinned) > 0 || len(loose) > 0 {
		if len(loose) > 0 && (len(pinned) == 0 || vs[loose[0]].WindowStart.Before(vs[pinned[0]].WindowStart)) {
			out, loose = append(out, loose[0]), loose[1:]
		} else {
			out, pinned = append(out, pinned[0]), pinned[1:]
		}
	}
	return out
}

// lateMin is how many whole minutes (at least 1) start is after due, 0
// when it is not.
func lateMin(start, due float64) int {
	if start <= due+1e-6 {
		return 0
	}
	return max(1, int(math.Ceil((start-due)/60-1e-9)))
}

// fitsAlone reports whether stop i could be served as the only visit of
// the day.
func fitsAlone(p *routeplan.Problem, i int) bool {
	veh, st := p.Vehicles[0], p.Stops[i]
	start := max(veh.ShiftStart+p.Travel.Duration(veh.Start, st.Location), st.Ready)
	return start <= st.Due && start+st.Service+p.Travel.Duration(st.Location, veh.End) <= veh.ShiftEnd
}

// feasible reports whether scheduled legs keep every window and the end
// of the shift.
func feasible(p *routeplan.Problem, legs []routeplan.Leg, back float64) bool {
	for _, l := range legs {
		if l.Start > p.Stops[l.Stop].Due+1e-6 {
			return false
		}
	}
	return back <= p.Vehicles[0].ShiftEnd+1e-6
}

// routeLen is the distance of vehicle 0's round trip through stops.
func routeLen(p *routeplan.Problem, stops []int) float64 {
	here, d := p.Vehicles[0].Start, 0.0
	for _, s := range stops {
		d += p.Travel.Distance(here, p.Stops[s].Location)
		here = p.Stops[s].Location
	}
	return d + p.Travel.Distance(here, p.Vehicles[0].End)
}

func minutes(s float64) int { return int(math.Round(s / 60)) }

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func coord(p aftersales.Position) string {
	return fmt.Sprintf("%.6f,%.6f", p.Lat, p.Lng)
}

// MapLinksFor builds the links that open a route in a phone's map app,
// by WGS84 coordinates. Google Maps takes the whole day: origin and
// destination at start (or the first and last stops when start is
// unknown) and the stops between as waypoints (the app honours up to 9;
// beyond that the link still opens with the first ones). Amap and Baidu,
// the apps used in China, get one link per stop: driving navigation from
// where the phone is to that stop (their URI schemes convert the
// coordinates from WGS84, which the coordinate/coord_type parameter
// declares).
func MapLinksFor(start *aftersales.Position, stops []aftersales.RouteStop) aftersales.MapLinks {
	out := aftersales.MapLinks{Amap: []string{}, Baidu: []string{}}
	if len(stops) == 0 {
		return out
	}
	pts := make([]aftersales.Position, 0, len(stops)+2)
	if start != nil {
		pts = append(pts, *start)
	}
	for _, s := range stops {
		pts = append(pts, s.At)
	}
	if start != nil {
		pts = append(pts, *start)
	}
	q := url.Values{}
	q.Set("api", "1")
	q.Set("travelmode", "driving")
	q.Set("origin", coord(pts[0]))
	q.Set("destination", coord(pts[len(pts)-1]))
	if len(pts) > 2 {
		var w []string
		for _, p := range pts[1 : len(pts)-1] {
			w = append(w, coord(p))
		}
		q.Set("waypoints", strings.Join(w, "|"))
	}
	out.Google = "https://www.google.com/maps/dir/?" + q.Encode()
	for _, s := range stops {
		name := fmt.Sprintf("#%d", s.Number)
		a := url.Values{}
		a.Set("to", fmt.Sprintf("%.6f,%.6f,%s", s.At.Lng, s.At.Lat, name))
		a.Set("mode", "car")
		a.Set("coordinate", "wgs84")
		a.Set("callnative", "1")
		a.Set("src", "aftersales")
		out.Amap = append(out.Amap, "https://uri.amap.com/navigation?"+a.Encode())
		b := url.Values{}
		b.Set("destination", fmt.Sprintf("latlng:%.6f,%.6f|name:%s", s.At.Lat, s.At.Lng, name))
		b.Set("coord_type", "wgs84")
		b.Set("mode", "driving")
		b.Set("src", "aftersales")
		out.Baidu = append(out.Baidu, "baidumap://map/direction?"+b.Encode())
	}
	return out
}
