package routeplan

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"aftersales"

	"github.com/google/go-cmp/cmp"
)

func TestHaversine(t *testing.T) {
	shanghai, beijing := LatLng(31.2304, 121.4737), LatLng(39.9042, 116.4074)
	if km := (Haversine{RoadFactor: 1}).Distance(shanghai, beijing) / 1000; math.Abs(km-1067) > 5 {
		t.Errorf("Shanghai-Beijing great circle %.0f km, want about 1067", km)
	}
	h := Haversine{RoadFactor: 1.5, SpeedKMH: 36}
	d := h.Distance(shanghai, beijing)
	if r := d / (Haversine{RoadFactor: 1}).Distance(shanghai, beijing); math.Abs(r-1.5) > 1e-9 {
		t.Errorf("road factor applied as %v, want 1.5", r)
	}
	if s := h.Duration(shanghai, beijing); math.Abs(s-d/10) > 1e-6 { // 36 km/h is 10 m/s
		t.Errorf("duration %v s for %v m at 36 km/h", s, d)
	}
	if (Haversine{}).Distance(shanghai, shanghai) != 0 {
		t.Error("distance to itself is not 0")
	}
}

// technicianDay is a day in Chengdu: two technicians from one service
// point, 08:00-18:00 (seconds since midnight), hour-long visits with
// two-hour windows; one visit needs the gas certificate only Zhang holds,
// one is promised at 08:00 sharp 60 km away and cannot be reached.
func technicianDay() *Problem {
	base := LatLng(30.6586, 104.0647)
	h := 3600.0
	p := &Problem{
		Travel: Haversine{RoadFactor: 1.4, SpeedKMH: 25},
		Vehicles: []Vehicle{
			{ID: "zhang", Start: base, End: base, ShiftStart: 8 * h, ShiftEnd: 18 * h, Skills: []string{"ac", "gas"}},
			{ID: "li", Start: base, End: base, ShiftStart: 8 * h, ShiftEnd: 18 * h, Skills: []string{"ac"}},
		},
	}
	visits := []struct {
		id       string
		lat, lng float64
		from     float64
		skills   []string
	}{
		{"v1", 30.6700, 104.0800, 8, []string{"ac"}},
		{"v2", 30.6400, 104.0500, 8, []string{"ac"}},
		{"v3", 30.7000, 104.1000, 10, nil},
		{"v4", 30.6200, 104.0300, 10, []string{"ac"}},
		{"v5", 30.6800, 104.0200, 13, []string{"gas"}},
		{"v6", 30.6500, 104.1100, 13, nil},
		{"v7", 30.6000, 104.0900, 15, nil},
	}
	for _, v := range visits {
		p.Stops = append(p.Stops, Stop{ID: v.id, Location: LatLng(v.lat, v.lng), Ready: v.from * h, Due: (v.from + 2) * h, Service: h, Skills: v.skills})
	}
	p.Stops = append(p.Stops, Stop{ID: "far", Location: LatLng(31.2, 104.06), Ready: 8 * h, Due: 8*h + 60, Service: h})
	return p
}

func TestSolveTechnicianDay(t *testing.T) {
	p := technicianDay()
	sol, err := SolveVRPTW(p, Options{Iterations: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Check(p, sol)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(d-sol.Distance) > 1e-6 {
		t.Errorf("solver distance %v, checker %v", sol.Distance, d)
	}
	if d := cmp.Diff([]int{7}, sol.Unassigned); d != "" {
		t.Errorf("unassigned (-want +got):\n%s", d)
	}
	if !slices.Contains(sol.Routes[0], 4) {
		t.Errorf("the gas visit v5 is not on Zhang's route: %v", sol.Routes)
	}
	if n := len(sol.Routes[0]) + len(sol.Routes[1]); n != 7 {
		t.Errorf("%d visits routed, want 7: %v", n, sol.Routes)
	}
}

func TestSolveVRPTWInvalid(t *testing.T) {
	p := technicianDay()
	p.Stops[2].Due = p.Stops[2].Ready - 1
	p.Stops[3].Vehicles = []int{5}
	p.Stops[4].Location.X = math.NaN()
	p.Travel = nil
	_, err := SolveVRPTW(p, Options{Iterations: 1})
	var e *aftersales.Error
	if !errors.As(err, &e) || e.Code != aftersales.EINVALID {
		t.Fatalf("error %v, want EINVALID", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	if d := cmp.Diff([]string{"travel", "stops[2].due", "stops[3].vehicles", "stops[4]"}, fields); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
}

type failingMatrix struct{ Euclidean }

func (failingMatrix) Matrix([]Location) ([][]float64, [][]float64, error) {
	return nil, nil, errors.New("road service unavailable")
}

func TestSolveVRPTWMatrixError(t *testing.T) {
	p := checkProblem()
	p.Travel = failingMatrix{}
	if _, err := SolveVRPTW(p, Options{Iterations: 1}); err == nil {
		t.Fatal("a failing travel matrix was ignored")
	}
}

func TestSolveVRPTWDeterministic(t *testing.T) {
	inst, err := ParseSolomon(open(t, "C102.txt"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := SolveVRPTW(inst.Problem(), Options{Iterations: 100, Seed: 3})
	b, _ := SolveVRPTW(inst.Problem(), Options{Iterations: 100, Seed: 3})
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("same seed, different plans:\n%s", d)
	}
	clock, reads := time.Unix(0, 0), 0
	now := func() time.Time { reads++; clock = clock.Add(time.Second); return clock }
	if _, err := SolveVRPTW(inst.Problem(), Options{TimeLimit: 20 * time.Second, Now: now}); err != nil {
		t.Fatal(err)
	}
	if reads > 40 {
		t.Errorf("clock read %d times for a 20 s budget at 1 s per read", reads)
	}
}

// TestSolveVRPTWInstances runs a deterministic, short search on every
// Solomon instance, checks each plan with Check, and bounds vehicles and
// distance by what this budget meets. Construction and local search alone
// give R102 19 vehicles, R201 4 / 1360.77 (+8.7%) and RC201 4 / 1567.46
// (+11%), so a broken route elimination or ruin and recreate fails here
// (C102 and C201 are solved by construction and local search already).
func TestSolveVRPTWInstances(t *testing.T) {
	want := map[string]struct {
		vehicles int
		gap      float64
	}{"C102": {10, 0.005}, "R102": {18, 0.01}, "C201": {3, 0.005}, "R201": {4, 0.025}, "RC201": {4, 0.06}}
	for _, c := range solomonBest {
		t.Run(c.name, func(t *testing.T) {
			inst, err := ParseSolomon(open(t, c.name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			p := inst.Problem()
			sol, err := SolveVRPTW(p, Options{Iterations: vrptwIterations, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			d, err := Check(p, sol)
			if err != nil {
				t.Fatal(err)
			}
			if len(sol.Unassigned) > 0 {
				t.Fatalf("unassigned: %v", sol.Unassigned)
			}
			gap := (d - c.distance) / c.distance
			t.Logf("%s: %d vehicles, %.2f (best known %d / %.2f, gap %.2f%%)", c.name, sol.Used(), d, c.vehicles, c.distance, 100*gap)
			w := want[c.name]
			if sol.Used() > w.vehicles {
				t.Errorf("%d vehicles, want at most %d (best known %d)", sol.Used(), w.vehicles, c.vehicles)
			}
			if gap > w.gap {
				t.Errorf("distance %.2f is %.2f%% above the best known %.2f, want at most %.1f%%", d, 100*gap, c.distance, 100*w.gap)
			}
		})
	}
}

const vrptwIterations = 1500

func TestSolveVRPTWEdgeCases(t *testing.T) {
	for _, c := range []struct {
		name  string
		stops []Stop
	}{
		{"no stops", nil},
		{"one stop", []Stop{{ID: "a", Location: Location{1, 1}, Due: 50, Demand: 1}}},
		{"one unreachable stop", []Stop{{ID: "a", Location: Location{100, 100}, Due: 50}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := &Problem{Travel: Euclidean{}, Stops: c.stops, Vehicles: []Vehicle{{ID: "v", ShiftEnd: 100, Capacity: 5}}}
			sol, err := SolveVRPTW(p, Options{Iterations: 20})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Check(p, sol); err != nil {
				t.Fatal(err)
			}
		})
	}
}
