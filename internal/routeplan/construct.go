package routeplan

import (
	"math"
	"slices"
)

// construct builds a first plan: Solomon's I1 insertion with each of his
// four parameter sets, and greedy cheapest insertion by due time; the best
// of the five (fewest unserved stops, vehicles, then distance) is kept.
func (m *vrp) construct() *plan {
	best := m.greedy()
	// Solomon's (1987) parameter sets (μ, λ, α1, α2): α1 weighs the
	// detour, α2 the push-forward.
	for _, ps := range [4][4]float64{{1, 1, 1, 0}, {1, 2, 1, 0}, {1, 1, 0, 1}, {1, 2, 0, 1}} {
		if pl := m.solomonI1(ps[0], ps[1], ps[2], ps[3]); better(pl, best) {
			best = pl
		}
	}
	return best
}

// greedy inserts every stop at its cheapest place, earliest due first,
// opening routes as needed.
func (m *vrp) greedy() *plan {
	pl := m.emptyPlan()
	var order []int
	for s := range m.n {
		if !m.hopeless[s] {
			order = append(order, s)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmpFloat(m.due[a], m.due[b]) })
	m.recreate(pl, order, true, 0)
	return pl
}

// solomonI1 builds routes one at a time. A route starts with the unrouted
// stop farthest from the vehicle's start; then, for every unrouted stop u,
// the best feasible place between i and j minimises
// c1 = α1 (d(i,u) + d(u,j) − μ d(i,j)) + α2 (push-forward of j's start),
// and the stop maximising c2 = λ d(start,u) − c1 goes in, until none fits.
func (m *vrp) solomonI1(mu, lambda, a1, a2 float64) *plan {
	pl := m.emptyPlan()
	routed := make([]bool, m.n)
	left := 0
	for s := range m.n {
		if m.hopeless[s] {
			routed[s] = true
		} else {
			left++
		}
	}
	starts := make([]float64, 0, m.n+2)
	for v := 0; v < m.nv && left > 0; v++ {
		r := &pl.routes[v]
		depot := m.loc[m.n+v]
		seed := -1
		for u := range m.n {
			if routed[u] || !m.elig[v][u] || m.demand[u] > m.capacity[v]+eps {
				continue
			}
			if !m.feasible(m.cat(m.cat(r.fwd[0], m.node(u)), r.bwd[0]), v) {
				continue
			}
			if seed < 0 || m.dist[depot][m.loc[u]] > m.dist[depot][m.loc[seed]] {
				seed = u
			}
		}
		if seed < 0 {
			continue
		}
		r.nodes = append(r.nodes, seed)
		m.update(pl, v)
		routed[seed] = true
		left--
		for left > 0 {
			starts = m.startTimes(r, v, starts[:0])
			bu, bpos, bc2 := -1, 0, math.Inf(-1)
			for u := range m.n {
				if routed[u] || !m.elig[v][u] || r.all.load+m.demand[u] > m.capacity[v]+eps {
					continue
				}
				nu := m.node(u)
				lu := m.loc[u]
				bestC1, pos := math.Inf(1), -1
				for i := 0; i <= len(r.nodes); i++ {
					s := m.cat(m.cat(r.fwd[i], nu), r.bwd[i])
					if s.tw > eps {
						continue
					}
					pi, nj := m.loc[r.fwd[i].last], m.loc[r.bwd[i].first]
					// Start at u, then at j, after the insertion.
					bu := math.Max(starts[i]+m.service[r.fwd[i].last]+m.dur[pi][lu], m.ready[u])
					bj := math.Max(bu+m.service[u]+m.dur[lu][nj], m.ready[r.bwd[i].first])
					c1 := a1*(m.dist[pi][lu]+m.dist[lu][nj]-mu*m.dist[pi][nj]) + a2*(bj-starts[i+1])
					if c1 < bestC1 {
						bestC1, pos = c1, i
					}
				}
				if pos < 0 {
					continue
				}
				if c2 := lambda*m.dist[depot][lu] - bestC1; c2 > bc2 {
					bu, bpos, bc2 = u, pos, c2
				}
			}
			if bu < 0 {
				break
			}
			r.nodes = slices.Insert(r.nodes, bpos, bu)
			m.update(pl, v)
			routed[bu] = true
			left--
		}
	}
	for u := range m.n {
		if !routed[u] {
			pl.unassigned = append(pl.unassigned, u)
		}
	}
	return pl
}

// startTimes appends the service start times along r, leaving the start at
// the beginning of the shift: the start itself, each stop, then the
// arrival at the end.
func (m *vrp) startTimes(r *route, v int, out []float64) []float64 {
	t, at := m.ready[m.n+v], m.n+v
	out = append(out, t)
	for _, u := range r.nodes {
		t = math.Max(t+m.service[at]+m.dur[m.loc[at]][m.loc[u]], m.ready[u])
		out = append(out, t)
		at = u
	}
	end := m.n + m.nv + v
	return append(out, t+m.service[at]+m.dur[m.loc[at]][m.loc[end]])
}
