package routeplan

import (
	"testing"
)

func TestSolveVRPTWInstances(t *testing.T) {
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
		})
	}
}

const vrptwIterations = 3000
