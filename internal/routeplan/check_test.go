package routeplan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkProblem: a depot at the origin, A 5 away (window [0,10]), B 5
// beyond A (window [20,30]), C 10 north of the depot; capacity 10.
func checkProblem() *Problem {
	return &Problem{
		Travel: Euclidean{},
		Vehicles: []Vehicle{
			{ID: "v1", ShiftEnd: 100, Capacity: 10},
			{ID: "v2", ShiftEnd: 100, Capacity: 10},
		},
		Stops: []Stop{
			{ID: "A", Location: Location{3, 4}, Due: 10, Service: 1, Demand: 5},
			{ID: "B", Location: Location{6, 8}, Ready: 20, Due: 30, Service: 2, Demand: 4},
			{ID: "C", Location: Location{0, 10}, Due: 100, Service: 1, Demand: 3},
		},
	}
}

func TestCheck(t *testing.T) {
	// v1: leaves at 0, A at 5 (served to 6), B at 11, waits to 20, served to
	// 22, home at 32: 5 + 5 + 10. v2: C and back: 20.
	p := checkProblem()
	d, err := Check(p, &Solution{Routes: [][]int{{0, 1}, {2}}})
	if err != nil || d != 40 {
		t.Fatalf("Check = %v, %v; want 40, nil", d, err)
	}
	if d, err := Check(p, &Solution{Routes: [][]int{{0, 1}, {}}, Unassigned: []int{2}}); err != nil || d != 20 {
		t.Errorf("with C unassigned: Check = %v, %v; want 20, nil", d, err)
	}
	for _, c := range []struct {
		name   string
		mutate func(p *Problem)
		sol    Solution
		want   string
	}{
		{"late at a window", nil, Solution{Routes: [][]int{{1, 0}, {2}}}, "starts stop A at 27, after its due time 10"},
		{"over capacity", nil, Solution{Routes: [][]int{{0, 1, 2}, {}}}, "carries 12 at stop C, capacity 10"},
		{"served twice", nil, Solution{Routes: [][]int{{0, 1}, {0, 2}}}, "stop A is on vehicle v1's route and on vehicle v2's route"},
		{"routed and unassigned", nil, Solution{Routes: [][]int{{0, 1}, {2}}, Unassigned: []int{2}}, "stop C is on the unassigned list and on vehicle v2's route"},
		{"missing", nil, Solution{Routes: [][]int{{0, 1}, {}}}, "stop C is neither routed nor unassigned"},
		{"late home", func(p *Problem) { p.Vehicles[0].ShiftEnd = 30 }, Solution{Routes: [][]int{{0, 1}, {2}}}, "vehicle v1 returns at 32, after its shift ends at 30"},
		{"starts late", func(p *Problem) { p.Vehicles[1].ShiftStart = 95 }, Solution{Routes: [][]int{{0, 1}, {2}}}, "vehicle v2 starts stop C at 105, after its due time 100"},
		{"skill missing", func(p *Problem) { p.Stops[2].Skills = []string{"gas"} }, Solution{Routes: [][]int{{0, 1}, {2}}}, "vehicle v2 may not serve stop C"},
		{"other vehicle only", func(p *Problem) { p.Stops[2].Vehicles = []int{0} }, Solution{Routes: [][]int{{0, 1}, {2}}}, "vehicle v2 may not serve stop C"},
		{"bad index", nil, Solution{Routes: [][]int{{0, 1}, {3}}}, "stop index 3 out of range"},
		{"route count", nil, Solution{Routes: [][]int{{0, 1, 2}}}, "1 routes for 2 vehicles"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := checkProblem()
			if c.mutate != nil {
				c.mutate(p)
			}
			_, err := Check(p, &c.sol)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Check = %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestSchedule(t *testing.T) {
	// v1 on A then B (see checkProblem): A at 5, B reached at 11, waits to
	// 20, home at 32. B may start as late as 30; then A could leave by
	// 25, so start by 24, but its window ends at 10: A's slack is 5.
	p := checkProblem()
	legs, back := Schedule(p, 0, []int{0, 1})
	want := []Leg{
		{Stop: 0, Arrive: 5, Start: 5, Depart: 6, TravelDuration: 5, TravelDistance: 5, Slack: 5},
		{Stop: 1, Arrive: 11, Start: 20, Depart: 22, Wait: 9, TravelDuration: 5, TravelDistance: 5, Slack: 10},
	}
	if d := cmp.Diff(want, legs); d != "" || back != 32 {
		t.Errorf("back at %v; legs (-want +got):\n%s", back, d)
	}
	// Ending the shift at 30 leaves B only 30 - 10 - 2 = 18: negative slack.
	p.Vehicles[0].ShiftEnd = 30
	legs, _ = Schedule(p, 0, []int{0, 1})
	if legs[1].Slack != -2 {
		t.Errorf("B's slack with the shift ending at 30: %v, want -2", legs[1].Slack)
	}
}
