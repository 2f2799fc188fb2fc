// Package routeplan owns route planning: the vehicle routing problem with
// time windows (a technician's day, or a Solomon benchmark), the symmetric
// travelling salesman problem (TSPLIB benchmarks), their solvers, an
// independent feasibility checker, and the travel-time providers the
// solvers ask for durations and distances. It is pure: callers load the
// technicians, visits and coordinates and store the plan.
package routeplan

import (
	"math"
	"slices"
	"time"
)

// Location is a place. Planar travel (the benchmarks) reads X and Y as
// coordinates; geographic travel reads X as longitude and Y as latitude,
// in degrees (see LatLng).
type Location struct {
	X, Y float64
}

// LatLng returns the location of a latitude and longitude in degrees.
func LatLng(lat, lng float64) Location { return Location{X: lng, Y: lat} }

// Travel tells the solvers how far apart two locations are. Duration is
// in the problem's time unit (seconds for technicians' days, the
// benchmark's unit for Solomon files) and Distance in its distance unit
// (metres, or the benchmark's unit). Both must be non-negative and should
// be zero from a location to itself. The solvers call them once per pair
// of distinct locations before they search, so a slow provider costs
// n² calls per plan; a provider that can answer a whole matrix at once
// (a road-network service) should also implement Matrixer.
type Travel interface {
	Duration(from, to Location) float64
	Distance(from, to Location) float64
}

// Matrixer is a Travel that answers all pairs at once and may fail (a
// road-network service that is down). dur[i][j] and dist[i][j] are from
// locs[i] to locs[j].
type Matrixer interface {
	Matrix(locs []Location) (dur, dist [][]float64, err error)
}

// Euclidean is planar straight-line travel where a unit of distance takes
// a unit of time, the Solomon convention. Distances are not rounded.
type Euclidean struct{}

// Distance is the straight-line distance.
func (Euclidean) Distance(a, b Location) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// Duration equals Distance.
func (Euclidean) Duration(a, b Location) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// earthRadiusM is the mean Earth radius (IUGG) in metres.
const earthRadiusM = 6371008.8

// Haversine is road travel estimated from coordinates: the great-circle
// distance times a road factor (how much longer the roads are than the
// straight line; about 1.3 in cities, more in mountains), driven at an
// average speed. Distance is in metres, Duration in seconds. Callers that
// know the region choose the factor and speed per region.
type Haversine struct {
	RoadFactor float64 // >= 1; 0 means 1.3
	SpeedKMH   float64 // average door-to-door speed; 0 means 30
}

// Distance is the estimated road distance in metres.
func (h Haversine) Distance(a, b Location) float64 {
	f := h.RoadFactor
	if f <= 0 {
		f = 1.3
	}
	return f * greatCircleM(a, b)
}

// Duration is the estimated driving time in seconds.
func (h Haversine) Duration(a, b Location) float64 {
	v := h.SpeedKMH
	if v <= 0 {
		v = 30
	}
	return h.Distance(a, b) / (v / 3.6)
}

func greatCircleM(a, b Location) float64 {
	const rad = math.Pi / 180
	lat1, lat2 := a.Y*rad, b.Y*rad
	dlat, dlng := (b.Y-a.Y)*rad, (b.X-a.X)*rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1)*math.Cos(lat2)*math.Sin(dlng/2)*math.Sin(dlng/2)
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Vehicle is a technician (or a benchmark's truck): it leaves Start no
// earlier than ShiftStart and must be back at End by ShiftEnd, carrying at
// most Capacity (0: no limit). Skills are what it may serve.
type Vehicle struct {
	ID         string
	Start, End Location
	ShiftStart float64
	ShiftEnd   float64
	Capacity   float64
	Skills     []string
}

// Stop is a visit (or a benchmark's customer). Service must start within
// [Ready, Due]; a vehicle that arrives early waits. Skills must all be held
// by the vehicle, and when Vehicles is not empty only the vehicles at
// those indices may serve it.
type Stop struct {
	ID       string
	Location Location
	Ready    float64
	Due      float64
	Service  float64
	Demand   float64
	Skills   []string
	Vehicles []int
}

// Problem is one planning day: every stop should be served by one vehicle.
// The objective is lexicographic: fewest unserved stops, then fewest
// vehicles used, then least total distance.
type Problem struct {
	Vehicles []Vehicle
	Stops    []Stop
	Travel   Travel
}

// Eligible reports whether vehicle v may serve stop s.
func (p *Problem) Eligible(v, s int) bool {
	st := &p.Stops[s]
	if len(st.Vehicles) > 0 && !slices.Contains(st.Vehicles, v) {
		return false
	}
	for _, k := range st.Skills {
		if !slices.Contains(p.Vehicles[v].Skills, k) {
			return false
		}
	}
	return true
}

// Solution is a plan: Routes[v] is the order of stop indices vehicle v
// serves (empty when it stays home); Unassigned are the stops no vehicle
// could take.
type Solution struct {
	Routes     [][]int
	Unassigned []int
	Distance   float64
}

// Used is the number of vehicles with at least one stop.
func (s *Solution) Used() int {
	n := 0
	for _, r := range s.Routes {
		if len(r) > 0 {
			n++
		}
	}
	return n
}

// Options bound a search. It stops at the first of the two budgets
// reached (with neither set, after 1000 iterations). Now is the clock the
// time budget is read from (time.Now in the command; nil ignores
// TimeLimit, so tests that set Iterations are deterministic). The same
// Seed and Iterations give the same result.
type Options struct {
	TimeLimit  time.Duration
	Iterations int
	Seed       int64
	Now        func() time.Time
}

// budget tracks the stopping rule of Options.
type budget struct {
	start    time.Time
	deadline time.Time
	now      func() time.Time
	max, n   int
}

func newBudget(o Options) budget {
	b := budget{max: o.Iterations}
	if o.Now != nil && o.TimeLimit > 0 {
		b.now = o.Now
		b.start = o.Now()
		b.deadline = b.start.Add(o.TimeLimit)
	}
	if b.now == nil && b.max <= 0 {
		b.max = 1000 // neither budget: a short, bounded search rather than none
	}
	return b
}

// next counts one iteration and reports whether another may run.
func (b *budget) next() bool {
	if b.max > 0 && b.n >= b.max {
		return false
	}
	if b.now != nil && !b.now().Before(b.deadline) {
		return false
	}
	b.n++
	return true
}

// fraction is how much of the budget has been used, in [0, 1].
func (b *budget) fraction() float64 {
	f := 0.0
	if b.max > 0 {
		f = float64(b.n) / float64(b.max)
	}
	if b.now != nil {
		total := b.deadline.Sub(b.start)
		if total > 0 {
			f = math.Max(f, float64(b.now().Sub(b.start))/float64(total))
		}
	}
	return math.Min(1, f)
}
