package routeplan

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// routingData returns the path of a file in ../shared/data/routing beside
// the repository. It skips the test when the folder is absent and fails it
// under CI=true, like testutil.SharedData (not imported: this package's
// tests stay free of the store).
func routingData(tb testing.TB, name string) string {
	tb.Helper()
	_, self, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(self), "..", "..", "..", "shared", "data", "routing", name)
	if _, err := os.Stat(p); err != nil {
		msg := fmt.Sprintf("shared data routing/%s is absent (%v): ../shared/data belongs beside the repository", name, err)
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			tb.Fatalf("%s; CI=true needs it", msg)
		}
		tb.Skip(msg)
	}
	return p
}

func open(tb testing.TB, name string) *os.File {
	tb.Helper()
	f, err := os.Open(routingData(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

// tspOptima are the proven optima of the TSPLIB instances in ../shared/data/routing.
var tspOptima = []struct {
	name string
	opt  int
	tour bool // an .opt.tour file is there
}{
	{"st70", 675, true}, {"eil76", 538, true}, {"pr76", 108159, true}, {"rat99", 1211, false}, {"kroB100", 22141, false},
}

// solomonBest are the best-known (vehicles, distance) values of the Solomon
// instances in ../shared/data/routing.
var solomonBest = []struct {
	name     string
	vehicles int
	distance float64
}{
	{"C102", 10, 828.94}, {"R102", 17, 1486.12}, {"C201", 3, 591.56}, {"R201", 4, 1252.37}, {"RC201", 4, 1406.94},
}
