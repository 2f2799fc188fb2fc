package routeplan

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"aftersales"

	"github.com/google/go-cmp/cmp"
)

const tinyTSP = "NAME: tiny\nTYPE : TSP\nCOMMENT: both header styles\nDIMENSION : 4\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n2 3 0\n1 0 0\n3 3 4.4\n4 0 4\nEOF\n"

func TestParseTSPLIB(t *testing.T) {
	inst, err := ParseTSPLIB(strings.NewReader(tinyTSP))
	if err != nil {
		t.Fatal(err)
	}
	want := &TSPLIB{Name: "tiny", Nodes: []TSPNode{{1, 0, 0}, {2, 3, 0}, {3, 3, 4.4}, {4, 0, 4}}}
	if d := cmp.Diff(want, inst); d != "" {
		t.Fatalf("parsed (-want +got):\n%s", d)
	}
	// nint per edge: 3, 4.4, 3.0265 -> 3, 4; the diagonal 5.3 -> 5.
	if got := [3]int{inst.Dist(0, 1), inst.Dist(1, 2), inst.Dist(0, 2)}; got != [3]int{3, 4, 5} {
		t.Errorf("distances %v, want [3 4 5]", got)
	}
	if l, err := inst.TourLength([]int{1, 2, 3, 4}); err != nil || l != 3+4+3+4 {
		t.Errorf("tour length %d, %v; want 14", l, err)
	}
}

// field returns the line message and first field of a parse error.
func field(t *testing.T, err error) (string, string) {
	t.Helper()
	var e *aftersales.Error
	if !errors.As(err, &e) || e.Code != aftersales.EINVALID || len(e.Fields) == 0 {
		t.Fatalf("error %v is not an EINVALID naming a field", err)
	}
	return e.Message, e.Fields[0].Field
}

func TestParseTSPLIBErrors(t *testing.T) {
	head := "NAME: x\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n"
	for _, c := range []struct {
		name, in, msg, field string
	}{
		{"geo weights", "NAME: x\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: GEO\n", "TSPLIB file, line 3", "EDGE_WEIGHT_TYPE"},
		{"bad dimension", "DIMENSION: three\n", "TSPLIB file, line 1", "DIMENSION"},
		{"tiny dimension", "DIMENSION: 2\n", "TSPLIB file, line 1", "DIMENSION"},
		{"huge dimension", "DIMENSION: 3001\n", "TSPLIB file, line 1", "DIMENSION"},
		{"not a tsp", "TYPE: ATSP\n", "TSPLIB file, line 1", "TYPE"},
		{"unknown keyword", "NAME: x\nFOO: 1\n", "TSPLIB file, line 2", "specification"},
		{"coords before dimension", "EDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n", "TSPLIB file, line 2", "DIMENSION"},
		{"coords without weight type", "DIMENSION: 3\nNODE_COORD_SECTION\n", "TSPLIB file, line 2", "EDGE_WEIGHT_TYPE"},
		{"short coord line", head + "1 0\n", "TSPLIB file, line 6", "NODE_COORD_SECTION"},
		{"bad x", head + "1 zero 0\n", "TSPLIB file, line 6", "x"},
		{"bad y", head + "1 0 NaN\n", "TSPLIB file, line 6", "y"},
		{"id out of range", head + "4 0 0\n", "TSPLIB file, line 6", "node id"},
		{"repeated id", head + "1 0 0\n1 1 1\n", "TSPLIB file, line 7", "node id"},
		{"too few nodes", head + "1 0 0\n2 1 1\nEOF\n", "TSPLIB file", "NODE_COORD_SECTION"},
		{"no coords", "NAME: x\nDIMENSION: 3\nEOF\n", "TSPLIB file", "NODE_COORD_SECTION"},
		{"empty", "", "TSPLIB file", "NODE_COORD_SECTION"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseTSPLIB(strings.NewReader(c.in))
			msg, f := field(t, err)
			if msg != c.msg || f != c.field {
				t.Errorf("error %q names (%q, %q), want (%q, %q)", err, msg, f, c.msg, c.field)
			}
		})
	}
}

func TestParseTour(t *testing.T) {
	ids, err := ParseTour(strings.NewReader("NAME : t\nTYPE : TOUR\nDIMENSION : 4\nTOUR_SECTION\n1\n3 2\n4\n-1\nEOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int{1, 3, 2, 4}, ids); d != "" {
		t.Errorf("tour (-want +got):\n%s", d)
	}
	for _, in := range []string{"TOUR_SECTION\n1\n2\n", "TYPE: TSP\n", "TOUR_SECTION\n1\nx\n-1\n"} {
		if _, err := ParseTour(strings.NewReader(in)); err == nil {
			t.Errorf("ParseTour(%q) accepted a bad tour", in)
		}
	}
	inst, _ := ParseTSPLIB(strings.NewReader(tinyTSP))
	for _, ids := range [][]int{{1, 2, 3}, {1, 2, 3, 3}, {1, 2, 3, 5}} {
		if _, err := inst.TourLength(ids); err == nil {
			t.Errorf("TourLength(%v) accepted a tour that is not a permutation", ids)
		}
	}
}

// TestOptimalTours checks the EUC_2D convention: TSPLIB's optimal tours
// measure exactly the published optima with nint per edge.
func TestOptimalTours(t *testing.T) {
	for _, c := range tspOptima {
		if !c.tour {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			inst, err := ParseTSPLIB(open(t, c.name+".tsp"))
			if err != nil {
				t.Fatal(err)
			}
			ids, err := ParseTour(open(t, c.name+".opt.tour"))
			if err != nil {
				t.Fatal(err)
			}
			l, err := inst.TourLength(ids)
			if err != nil {
				t.Fatal(err)
			}
			if l != c.opt {
				t.Errorf("optimal tour measures %d, want %d", l, c.opt)
			}
		})
	}
}

const tinySolomon = "T1\r\n\r\nVEHICLE\r\nNUMBER     CAPACITY\r\n  3         10\r\n\r\nCUSTOMER\r\n" +
	"CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE TIME\r\n \r\n" +
	"    0      0         0          0          0        100          0   \r\n" +
	"    1      3         4          5          0         10          1   \r\n" +
	"    2      6         8          4         20         30          2   \r\n"

func TestParseSolomon(t *testing.T) {
	inst, err := ParseSolomon(strings.NewReader(tinySolomon))
	if err != nil {
		t.Fatal(err)
	}
	want := &Solomon{Name: "T1", Vehicles: 3, Capacity: 10, Depot: SolomonCustomer{Due: 100},
		Customers: []SolomonCustomer{{ID: 1, X: 3, Y: 4, Demand: 5, Due: 10, Service: 1}, {ID: 2, X: 6, Y: 8, Demand: 4, Ready: 20, Due: 30, Service: 2}}}
	if d := cmp.Diff(want, inst); d != "" {
		t.Fatalf("parsed (-want +got):\n%s", d)
	}
	p := inst.Problem()
	if len(p.Vehicles) != 3 || p.Vehicles[0].ShiftEnd != 100 || p.Vehicles[0].Capacity != 10 || p.Stops[1].ID != "2" {
		t.Errorf("problem %+v", p)
	}
}

func manyCustomers(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d 1 1 1 0 10 1\n", i)
	}
	return b.String()
}

func TestParseSolomonErrors(t *testing.T) {
	head := "T\nVEHICLE\nNUMBER CAPACITY\n25 200\nCUSTOMER\nCUST NO. XCOORD. YCOORD. DEMAND READY TIME DUE DATE SERVICE TIME\n"
	depot := "0 0 0 0 0 100 0\n"
	for _, c := range []struct {
		name, in, msg, field string
	}{
		{"no vehicle section", "T\nCUSTOMER\n", "Solomon file, line 2", "VEHICLE"},
		{"bad vehicle header", "T\nVEHICLE\nNUMBER\n", "Solomon file, line 3", "VEHICLE"},
		{"bad number", "T\nVEHICLE\nNUMBER CAPACITY\nx 200\n", "Solomon file, line 4", "NUMBER"},
		{"zero capacity", "T\nVEHICLE\nNUMBER CAPACITY\n25 0\n", "Solomon file, line 4", "CAPACITY"},
		{"no customer section", "T\nVEHICLE\nNUMBER CAPACITY\n25 200\nCUST\n", "Solomon file, line 5", "CUSTOMER"},
		{"short row", head + "0 0 0 0 0 100\n", "Solomon file, line 7", "CUSTOMER"},
		{"bad demand", head + depot + "1 1 1 x 0 10 1\n", "Solomon file, line 8", "DEMAND"},
		{"negative service", head + depot + "1 1 1 1 0 10 -1\n", "Solomon file, line 8", "SERVICE TIME"},
		{"window reversed", head + depot + "1 1 1 1 20 10 1\n", "Solomon file, line 8", "DUE DATE"},
		{"depot not first", head + "1 0 0 0 0 100 0\n", "Solomon file, line 7", "CUST NO."},
		{"repeated customer", head + depot + "1 1 1 1 0 10 1\n1 2 2 1 0 10 1\n", "Solomon file, line 9", "CUST NO."},
		{"demand over capacity", head + depot + "1 1 1 201 0 10 1\n", "Solomon file, line 8", "DEMAND"},
		{"no customers", head + depot, "Solomon file", "CUSTOMER"},
		{"too many customers", head + depot + manyCustomers(3001), "Solomon file, line 3008", "CUSTOMER"},
		{"truncated", "T\nVEHICLE\n", "Solomon file", "CUSTOMER"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSolomon(strings.NewReader(c.in))
			msg, f := field(t, err)
			if msg != c.msg || f != c.field {
				t.Errorf("error %q names (%q, %q), want (%q, %q)", err, msg, f, c.msg, c.field)
			}
		})
	}
}

// TestParseSolomonFiles reads every Solomon file: 100 customers, 25 vehicles,
// the capacities and horizons of the data README.
func TestParseSolomonFiles(t *testing.T) {
	want := map[string][2]float64{"C102": {200, 1236}, "R102": {200, 230}, "C201": {700, 3390}, "R201": {1000, 1000}, "RC201": {1000, 960}}
	for _, c := range solomonBest {
		t.Run(c.name, func(t *testing.T) {
			inst, err := ParseSolomon(open(t, c.name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			if got := [2]float64{inst.Capacity, inst.Depot.Due}; len(inst.Customers) != 100 || inst.Vehicles != 25 || got != want[c.name] {
				t.Errorf("%d customers, %d vehicles, capacity and horizon %v; want 100, 25, %v", len(inst.Customers), inst.Vehicles, got, want[c.name])
			}
		})
	}
}

func FuzzParseTSPLIB(f *testing.F) {
	f.Add(tinyTSP)
	f.Add("DIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n")
	f.Fuzz(func(t *testing.T, in string) {
		inst, err := ParseTSPLIB(strings.NewReader(in))
		if err != nil {
			return
		}
		for i, nd := range inst.Nodes {
			if nd.ID != i+1 {
				t.Fatalf("node %d has id %d", i, nd.ID)
			}
		}
	})
}

func FuzzParseSolomon(f *testing.F) {
	f.Add(tinySolomon)
	f.Fuzz(func(t *testing.T, in string) {
		inst, err := ParseSolomon(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, c := range inst.Customers {
			if c.Due < c.Ready || c.Demand > inst.Capacity || c.ID == 0 {
				t.Fatalf("accepted a bad customer %+v", c)
			}
		}
	})
}

func FuzzParseTour(f *testing.F) {
	f.Add("TYPE : TOUR\nTOUR_SECTION\n1\n3 2\n-1\nEOF\n")
	f.Fuzz(func(t *testing.T, in string) {
		ids, err := ParseTour(strings.NewReader(in))
		if err == nil && slices.Contains(ids, -1) {
			t.Fatalf("tour %v holds the terminator", ids)
		}
	})
}
