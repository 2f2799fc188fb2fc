package app

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"aftersales/internal/routeplan"
	"aftersales/internal/testutil"
)

func TestPlanRoutesTSPLIB(t *testing.T) {
	path := testutil.SharedData(t, "routing/st70.tsp")
	code, out := run(t, nil, "plan-routes", "--tsplib", path, "--iterations", "300", "--time-limit", "1h", "--seed", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	var got struct {
		Length *int  `json:"length"`
		Tour   []int `json:"tour"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Length == nil {
		t.Fatalf("output %q: %v", out, err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inst, err := routeplan.ParseTSPLIB(f)
	if err != nil {
		t.Fatal(err)
	}
	l, err := inst.TourLength(got.Tour)
	if err != nil {
		t.Fatal(err)
	}
	if l != *got.Length || l > 675*101/100 {
		t.Errorf("printed length %d, tour measures %d; optimum 675", *got.Length, l)
	}
}

func TestPlanRoutesSolomon(t *testing.T) {
	path := testutil.SharedData(t, "routing/C201.txt")
	code, out := run(t, nil, "plan-routes", "--solomon", path, "--iterations", "300", "--time-limit", "1h")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	var got struct {
		Vehicles *int     `json:"vehicles"`
		Distance *float64 `json:"distance"`
		Routes   [][]int  `json:"routes"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Vehicles == nil || got.Distance == nil {
		t.Fatalf("output %q: %v", out, err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inst, err := routeplan.ParseSolomon(f)
	if err != nil {
		t.Fatal(err)
	}
	// Back to stop indices (customer i is stop i-1 in these files) and
	// through the checker.
	p := inst.Problem()
	sol := &routeplan.Solution{Routes: make([][]int, len(p.Vehicles))}
	for i, r := range got.Routes {
		for _, id := range r {
			sol.Routes[i] = append(sol.Routes[i], id-1)
		}
	}
	d, err := routeplan.Check(p, sol)
	if err != nil {
		t.Fatal(err)
	}
	if *got.Vehicles != len(got.Routes) || *got.Vehicles > 4 || math.Abs(d-*got.Distance) > 0.005 || d > 591.56*1.05 {
		t.Errorf("printed %d vehicles, %.2f; %d routes measure %.4f (best known 3, 591.56)", *got.Vehicles, *got.Distance, len(got.Routes), d)
	}
}

func TestPlanRoutesErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.tsp")
	if err := os.WriteFile(bad, []byte("NAME: bad\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: GEO\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"-h"}, 0, "usage: aftersales plan-routes"},
		{"neither file", nil, 1, "give exactly one of --tsplib and --solomon"},
		{"both files", []string{"--tsplib", bad, "--solomon", bad}, 1, "give exactly one of --tsplib and --solomon"},
		{"missing file", []string{"--tsplib", filepath.Join(t.TempDir(), "none.tsp")}, 1, "none.tsp: no such file"},
		{"bad file", []string{"--tsplib", bad}, 1, `bad.tsp: EINVALID: TSPLIB file, line 3 (EDGE_WEIGHT_TYPE: "GEO" is not supported (only EUC_2D))`},
		{"wrong format", []string{"--solomon", bad}, 1, `Solomon file, line 2 (VEHICLE: want the VEHICLE section, got "DIMENSION: 3")`},
		{"bad time limit", []string{"--tsplib", bad, "--time-limit", "0s"}, 1, "--time-limit must be positive"},
		{"stray argument", []string{"--tsplib", bad, "extra"}, 1, `unexpected argument "extra"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out := run(t, nil, append([]string{"plan-routes"}, c.args...)...)
			if code != c.code || !strings.Contains(out, c.want) {
				t.Errorf("exit %d, output %q; want exit %d and %q", code, out, c.code, c.want)
			}
		})
	}
	if _, out := run(t, nil, "help"); !slices.ContainsFunc(strings.Split(out, "\n"), func(l string) bool { return strings.Contains(l, "aftersales plan-routes") }) {
		t.Error("the usage text does not list plan-routes")
	}
}
