package routeplan

import "fmt"

// eps absorbs floating-point noise when times are compared.
const eps = 1e-6

// Check verifies a plan on its own, sharing no code with the solvers: there
// is one route per vehicle, every stop is either on exactly one route or
// listed once as unassigned, each route's vehicle may serve its stops and
// carries no more than its capacity, service starts within each stop's
// window (waiting when early), and the vehicle is back at its end location
// by the end of its shift. It returns the total distance, from the
// problem's Travel, and the first violation found.
func Check(p *Problem, s *Solution) (float64, error) {
	if len(s.Routes) != len(p.Vehicles) {
		return 0, fmt.Errorf("check: %d routes for %d vehicles", len(s.Routes), len(p.Vehicles))
	}
	where := make([]string, len(p.Stops))
	mark := func(stop int, at string) error {
		if stop < 0 || stop >= len(p.Stops) {
			return fmt.Errorf("check: %s: stop index %d out of range", at, stop)
		}
		if where[stop] != "" {
			return fmt.Errorf("check: stop %s is on %s and on %s", p.Stops[stop].ID, where[stop], at)
		}
		where[stop] = at
		return nil
	}
	for _, u := range s.Unassigned {
		if err := mark(u, "the unassigned list"); err != nil {
			return 0, err
		}
	}
	total := 0.0
	for v, route := range s.Routes {
		if len(route) == 0 {
			continue
		}
		veh := p.Vehicles[v]
		at := fmt.Sprintf("vehicle %s's route", veh.ID)
		t, load, here := veh.ShiftStart, 0.0, veh.Start
		for _, u := range route {
			if err := mark(u, at); err != nil {
				return 0, err
			}
			st := p.Stops[u]
			if !p.Eligible(v, u) {
				return 0, fmt.Errorf("check: vehicle %s may not serve stop %s", veh.ID, st.ID)
			}
			load += st.Demand
			if veh.Capacity > 0 && load > veh.Capacity+eps {
				return 0, fmt.Errorf("check: vehicle %s carries %g at stop %s, capacity %g", veh.ID, load, st.ID, veh.Capacity)
			}
			total += p.Travel.Distance(here, st.Location)
			t += p.Travel.Duration(here, st.Location)
			if t > st.Due+eps {
				return 0, fmt.Errorf("check: vehicle %s starts stop %s at %g, after its due time %g", veh.ID, st.ID, t, st.Due)
			}
			if t < st.Ready {
				t = st.Ready
			}
			t += st.Service
			here = st.Location
		}
		total += p.Travel.Distance(here, veh.End)
		t += p.Travel.Duration(here, veh.End)
		if t > veh.ShiftEnd+eps {
			return 0, fmt.Errorf("check: vehicle %s returns at %g, after its shift ends at %g", veh.ID, t, veh.ShiftEnd)
		}
	}
	for i, w := range where {
		if w == "" {
			return 0, fmt.Errorf("check: stop %s is neither routed nor unassigned", p.Stops[i].ID)
		}
	}
	return total, nil
}
