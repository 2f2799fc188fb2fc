package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"

	"aftersales/internal/routeplan"
)

const planRoutesUsage = `usage: aftersales plan-routes (--tsplib FILE | --solomon FILE) [--time-limit 10s] [--iterations N] [--seed N]

Solves a routing benchmark with the solver that plans technicians' days and prints the result as JSON:
  --tsplib FILE    symmetric TSP, TSPLIB EUC_2D (distances rounded per edge):  {"length": L, "tour": [node ids]}
  --solomon FILE   VRPTW, Solomon format (fewest vehicles, then least distance): {"vehicles": V, "distance": D, "routes": [[customer ids], ...]}
The search stops at the time limit or after --iterations, whichever comes first; with a fixed --seed and
--iterations (and a time limit long enough) the result is reproducible. docs/ROUTING.md describes the model.
`

// planRoutes is `aftersales plan-routes`: the route planner on a TSPLIB or
// Solomon benchmark file, so its quality can be compared with published
// optima (docs/BENCHMARKS.md).
func planRoutes(_ context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("plan-routes", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), planRoutesUsage, "\nFlags:\n")
		fs.PrintDefaults()
	}
	var tsplib, solomon string
	var o routeplan.Options
	fs.StringVar(&tsplib, "tsplib", "", "TSPLIB `FILE` (EUC_2D) to solve as a TSP")
	fs.StringVar(&solomon, "solomon", "", "Solomon `FILE` to solve as a VRPTW")
	fs.DurationVar(&o.TimeLimit, "time-limit", 10*time.Second, "stop searching after this long")
	fs.IntVar(&o.Iterations, "iterations", 0, "stop after this many search iterations (0: only the time limit)")
	fs.Int64Var(&o.Seed, "seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("plan-routes: unexpected argument %q\n%s", fs.Arg(0), planRoutesUsage)
	case (tsplib == "") == (solomon == ""):
		return fmt.Errorf("plan-routes: give exactly one of --tsplib and --solomon\n%s", planRoutesUsage)
	case o.TimeLimit <= 0:
		return fmt.Errorf("plan-routes: --time-limit must be positive, got %s", o.TimeLimit)
	case o.Iterations < 0:
		return fmt.Errorf("plan-routes: --iterations must not be negative, got %d", o.Iterations)
	}
	o.Now = env.Now
	enc := json.NewEncoder(env.Stdout)
	if tsplib != "" {
		inst, err := readBenchmark(tsplib, routeplan.ParseTSPLIB)
		if err != nil {
			return err
		}
		tour, length, err := routeplan.SolveTSP(inst.Matrix(), o)
		if err != nil {
			return fmt.Errorf("plan-routes: %w", err)
		}
		ids := make([]int, len(tour))
		for i, v := range tour {
			ids[i] = inst.Nodes[v].ID
		}
		return enc.Encode(struct {
			Length int   `json:"length"`
			Tour   []int `json:"tour"`
		}{length, ids})
	}
	inst, err := readBenchmark(solomon, routeplan.ParseSolomon)
	if err != nil {
		return err
	}
	p := inst.Problem()
	sol, err := routeplan.SolveVRPTW(p, o)
	if err != nil {
		return fmt.Errorf("plan-routes: %w", err)
	}
	// The checker shares no code with the solver: a plan that fails it is
	// a bug, never printed as a result.
	dist, err := routeplan.Check(p, sol)
	if err != nil {
		return fmt.Errorf("plan-routes: internal error, the plan is not feasible: %w", err)
	}
	if len(sol.Unassigned) > 0 {
		return fmt.Errorf("plan-routes: %s: %d customers cannot be served by any vehicle (first: %s)", solomon, len(sol.Unassigned), p.Stops[sol.Unassigned[0]].ID)
	}
	routes := [][]int{}
	for _, r := range sol.Routes {
		if len(r) == 0 {
			continue
		}
		ids := make([]int, len(r))
		for i, s := range r {
			ids[i], _ = strconv.Atoi(p.Stops[s].ID)
		}
		routes = append(routes, ids)
	}
	return enc.Encode(struct {
		Vehicles int     `json:"vehicles"`
		Distance float64 `json:"distance"`
		Routes   [][]int `json:"routes"`
	}{len(routes), math.Round(dist*100) / 100, routes})
}

func readBenchmark[T any](path string, parse func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, fmt.Errorf("plan-routes: %w", err)
	}
	defer f.Close()
	v, err := parse(f)
	if err != nil {
		return zero, fmt.Errorf("plan-routes: %s: %w", path, err)
	}
	return v, nil
}
