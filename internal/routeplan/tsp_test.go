package routeplan

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// usCities is the 13-city matrix of the OR-Tools TSP guide (methods.md
// §7.4): optimum 7293 miles, nearest neighbour from New York 8131.
var usCities = [][]int{
	{0, 2451, 713, 1018, 1631, 1374, 2408, 213, 2571, 875, 1420, 2145, 1972},
	{2451, 0, 1745, 1524, 831, 1240, 959, 2596, 403, 1589, 1374, 357, 579},
	{713, 1745, 0, 355, 920, 803, 1737, 851, 1858, 262, 940, 1453, 1260},
	{1018, 1524, 355, 0, 700, 862, 1395, 1123, 1584, 466, 1056, 1280, 987},
	{1631, 831, 920, 700, 0, 663, 1021, 1769, 949, 796, 879, 586, 371},
	{1374, 1240, 803, 862, 663, 0, 1681, 1551, 1765, 547, 225, 887, 999},
	{2408, 959, 1737, 1395, 1021, 1681, 0, 2493, 678, 1724, 1891, 1114, 701},
	{213, 2596, 851, 1123, 1769, 1551, 2493, 0, 2699, 1038, 1605, 2300, 2099},
	{2571, 403, 1858, 1584, 949, 1765, 678, 2699, 0, 1744, 1645, 653, 600},
	{875, 1589, 262, 466, 796, 547, 1724, 1038, 1744, 0, 679, 1272, 1162},
	{1420, 1374, 940, 1056, 879, 225, 1891, 1605, 1645, 679, 0, 1017, 1200},
	{2145, 357, 1453, 1280, 586, 887, 1114, 2300, 653, 1272, 1017, 0, 504},
	{1972, 579, 1260, 987, 371, 999, 701, 2099, 600, 1162, 1200, 504, 0},
}

func TestSolveTSPUSCities(t *testing.T) {
	s := newTSP(usCities, 1)
	s.nearestNeighbour()
	if l := s.length(); l != 8131 {
		t.Errorf("nearest neighbour from New York: %d, want 8131", l)
	}
	tour, l, err := SolveTSP(usCities, Options{Iterations: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if l != 7293 || tourLength(usCities, tour) != 7293 || tour[0] != 0 {
		t.Errorf("tour %v of length %d (measured %d), want 7293 from New York", tour, l, tourLength(usCities, tour))
	}
}

func TestSolveTSPSmall(t *testing.T) {
	for n := range 5 {
		d := make([][]int, n)
		for i := range d {
			d[i] = make([]int, n)
			for j := range d[i] {
				d[i][j] = (i - j) * (i - j)
			}
		}
		tour, l, err := SolveTSP(d, Options{Iterations: 10})
		if err != nil || len(tour) != n || l != tourLength(d, tour) {
			t.Errorf("n=%d: tour %v, length %d, %v", n, tour, l, err)
		}
	}
	if _, _, err := SolveTSP([][]int{{0, 1}, {1}}, Options{}); err == nil {
		t.Error("a ragged matrix was accepted")
	}
}

// TestSolveTSPBudget: the same seed and iterations give the same tour, and
// the time budget is read from Options.Now (a fake clock here, one second
// per reading, so the search stops after a few iterations whatever the
// machine).
func TestSolveTSPBudget(t *testing.T) {
	inst := usCities
	a, _, _ := SolveTSP(inst, Options{Iterations: 50, Seed: 7})
	b, _, _ := SolveTSP(inst, Options{Iterations: 50, Seed: 7})
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("same seed, different tours:\n%s", d)
	}
	clock, reads := time.Unix(0, 0), 0
	now := func() time.Time { reads++; clock = clock.Add(time.Second); return clock }
	if _, _, err := SolveTSP(inst, Options{TimeLimit: 5 * time.Second, Now: now, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if reads < 5 || reads > 7 {
		t.Errorf("clock read %d times for a 5 s budget at 1 s per read, want 5 to 7", reads)
	}
}

// TestSolveTSPInstances runs a deterministic, short search on every TSPLIB
// instance; 3000 kicks reach the optimum on most and within 0.3% on all.
func TestSolveTSPInstances(t *testing.T) {
	maxGap := map[string]float64{"st70": 0.01, "eil76": 0.005, "pr76": 0.005, "rat99": 0.005, "kroB100": 0.005}
	for _, c := range tspOptima {
		t.Run(c.name, func(t *testing.T) {
			inst, err := ParseTSPLIB(open(t, c.name+".tsp"))
			if err != nil {
				t.Fatal(err)
			}
			tour, l, err := SolveTSP(inst.Matrix(), Options{Iterations: 3000, Seed: 1})
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
			if gap > maxGap[c.name] {
				t.Errorf("length %d is %.2f%% above the optimum %d, want at most %.1f%%", l, 100*gap, c.opt, 100*maxGap[c.name])
			}
		})
	}
}
