package routeplan

import (
	"testing"
)

func TestSolveTSPInstances(t *testing.T) {
	for _, c := range tspOptima {
		t.Run(c.name, func(t *testing.T) {
			inst, err := ParseTSPLIB(open(t, c.name+".tsp"))
			if err != nil {
				t.Fatal(err)
			}
			d := inst.Matrix()
			tour, l, err := SolveTSP(d, Options{Iterations: 20000, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]int, len(tour))
			for i, v := range tour {
				ids[i] = v + 1
			}
			got, err := inst.TourLength(ids)
			if err != nil {
				t.Fatal(err)
			}
			if got != l {
				t.Errorf("reported length %d, the tour measures %d", l, got)
			}
			gap := float64(l-c.opt) / float64(c.opt)
			t.Logf("%s: %d (optimum %d, gap %.2f%%)", c.name, l, c.opt, 100*gap)
			if gap > 0.01 {
				t.Errorf("length %d is %.2f%% above the optimum %d", l, 100*gap, c.opt)
			}
		})
	}
}
