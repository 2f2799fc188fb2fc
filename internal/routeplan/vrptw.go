package routeplan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"aftersales"
)

// SolveVRPTW plans p: it assigns the stops to vehicles and orders each
// route, minimising the unserved stops, then the vehicles used, then the
// total distance, never breaking a window, a capacity, a shift or an
// eligibility. Stops that no vehicle could serve even alone are returned
// unassigned.
//
// The search: Solomon's I1 insertion (four parameter sets) and greedy
// insertion build first plans, the best is kept; local search (relocate
// and Or-opt of chains of 1 to 3 stops within and between routes,
// exchange, 2-opt*) improves it; route elimination then empties one route
// at a time and tries to fit its stops into the others with ruin and
// recreate, steered by how often each stop was left out (for half of the
// budget); the rest of the budget is a ruin-and-recreate search (adjacent
// string removal and greedy insertion with blinks, after Christiaens and
// Vanden Berghe's SISR) under simulated annealing on distance. Time
// windows are checked in O(1) per move with concatenated route segments
// (duration, time warp, earliest and latest start, after Vidal et al.).
func SolveVRPTW(p *Problem, o Options) (*Solution, error) {
	if err := validate(p); err != nil {
		return nil, err
	}
	m, err := newVRP(p, o.Seed)
	if err != nil {
		return nil, err
	}
	b := newBudget(o)
	best := m.construct()
	m.localSearch(best)
	best = m.eliminateRoutes(best, &b)
	best = m.anneal(best, &b)
	m.localSearch(best)
	return m.solution(best), nil
}

func validate(p *Problem) error {
	var fs []aftersales.FieldError
	bad := func(field, format string, args ...any) {
		fs = append(fs, aftersales.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if p.Travel == nil {
		bad("travel", "missing")
	}
	if len(p.Vehicles) == 0 && len(p.Stops) > 0 {
		bad("vehicles", "no vehicle to serve %d stops", len(p.Stops))
	}
	nan := func(field string, xs ...float64) {
		if slices.ContainsFunc(xs, math.IsNaN) {
			bad(field, "not a number")
		}
	}
	for i, v := range p.Vehicles {
		nan(fmt.Sprintf("vehicles[%d]", i), v.Start.X, v.Start.Y, v.End.X, v.End.Y, v.ShiftStart, v.ShiftEnd, v.Capacity)
		if v.ShiftEnd < v.ShiftStart {
			bad(fmt.Sprintf("vehicles[%d].shift_end", i), "%g is before the shift start %g", v.ShiftEnd, v.ShiftStart)
		}
		if v.Capacity < 0 {
			bad(fmt.Sprintf("vehicles[%d].capacity", i), "negative")
		}
	}
	for i, s := range p.Stops {
		nan(fmt.Sprintf("stops[%d]", i), s.Location.X, s.Location.Y, s.Ready, s.Due, s.Service, s.Demand)
		if s.Due < s.Ready {
			bad(fmt.Sprintf("stops[%d].due", i), "%g is before the ready time %g", s.Due, s.Ready)
		}
		if s.Service < 0 {
			bad(fmt.Sprintf("stops[%d].service", i), "negative")
		}
		if s.Demand < 0 {
			bad(fmt.Sprintf("stops[%d].demand", i), "negative")
		}
		for _, v := range s.Vehicles {
			if v < 0 || v >= len(p.Vehicles) {
				bad(fmt.Sprintf("stops[%d].vehicles", i), "vehicle index %d out of range", v)
			}
		}
	}
	if len(fs) > 0 {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: "The routing problem is not valid.", Fields: fs}
	}
	return nil
}

// seg summarises a sequence of nodes for O(1) concatenation: total
// duration, time warp (lateness that would be needed; 0 when feasible),
// earliest and latest start of service at its first node, distance, load.
type seg struct {
	first, last   int
	dur, tw, e, l float64
	dist, load    float64
	empty         bool
}

type vrp struct {
	p         *Problem
	n, nv     int
	loc       []int // node -> location index; stops 0..n-1, starts n.., ends n+nv..
	dur, dist [][]float64
	ready     []float64
	due       []float64
	service   []float64
	demand    []float64
	capacity  []float64 // per vehicle, +Inf when unlimited
	elig      [][]bool  // [vehicle][stop]
	restrict  bool      // some stop is not eligible for every vehicle
	class     []int     // vehicles with the same class are interchangeable when empty
	endClass  []int     // vehicles with the same end and shift end can swap route tails
	hopeless  []bool    // no vehicle can serve the stop even alone
	adj       [][]int   // each stop's other stops, nearest first
	rng       *rand.Rand
	absences  []int
	t0, tf    float64 // annealing temperatures, times the mean edge of the first plan
}

func newVRP(p *Problem, seed int64) (*vrp, error) {
	n, nv := len(p.Stops), len(p.Vehicles)
	m := &vrp{p: p, n: n, nv: nv, rng: rand.New(rand.NewPCG(uint64(seed), 0x7e71)), absences: make([]int, n)}
	total := n + 2*nv
	m.loc = make([]int, total)
	m.ready, m.due, m.service, m.demand = make([]float64, total), make([]float64, total), make([]float64, total), make([]float64, total)
	var locs []Location
	index := map[Location]int{}
	place := func(l Location) int {
		if i, ok := index[l]; ok {
			return i
		}
		index[l] = len(locs)
		locs = append(locs, l)
		return len(locs) - 1
	}
	for i, s := range p.Stops {
		m.loc[i] = place(s.Location)
		m.ready[i], m.due[i], m.service[i], m.demand[i] = s.Ready, s.Due, s.Service, s.Demand
	}
	m.capacity = make([]float64, nv)
	for v, veh := range p.Vehicles {
		m.loc[n+v], m.loc[n+nv+v] = place(veh.Start), place(veh.End)
		m.ready[n+v], m.due[n+v] = veh.ShiftStart, veh.ShiftEnd
		m.ready[n+nv+v], m.due[n+nv+v] = veh.ShiftStart, veh.ShiftEnd
		m.capacity[v] = veh.Capacity
		if veh.Capacity <= 0 {
			m.capacity[v] = math.Inf(1)
		}
	}
	if mx, ok := p.Travel.(Matrixer); ok {
		dur, dist, err := mx.Matrix(locs)
		if err != nil {
			return nil, fmt.Errorf("routeplan: travel matrix: %w", err)
		}
		if len(dur) != len(locs) || len(dist) != len(locs) {
			return nil, fmt.Errorf("routeplan: travel matrix has %d×%d rows for %d locations", len(dur), len(dist), len(locs))
		}
		m.dur, m.dist = dur, dist
	} else {
		m.dur, m.dist = make([][]float64, len(locs)), make([][]float64, len(locs))
		for i, a := range locs {
			m.dur[i], m.dist[i] = make([]float64, len(locs)), make([]float64, len(locs))
			for j, b := range locs {
				if i != j {
					m.dur[i][j], m.dist[i][j] = p.Travel.Duration(a, b), p.Travel.Distance(a, b)
				}
			}
		}
	}
	m.elig = make([][]bool, nv)
	for v := range nv {
		m.elig[v] = make([]bool, n)
		for s := range n {
			m.elig[v][s] = p.Eligible(v, s)
			m.restrict = m.restrict || !m.elig[v][s]
		}
	}
	type key struct {
		start, end int
		s, e, c    float64
		skills     string
	}
	classes, ends := map[key]int{}, map[key]int{}
	m.class, m.endClass = make([]int, nv), make([]int, nv)
	for v, veh := range p.Vehicles {
		k := key{m.loc[n+v], m.loc[n+nv+v], veh.ShiftStart, veh.ShiftEnd, m.capacity[v], fmt.Sprint(m.elig[v])}
		if _, ok := classes[k]; !ok {
			classes[k] = len(classes)
		}
		m.class[v] = classes[k]
		ek := key{end: m.loc[n+nv+v], e: veh.ShiftEnd}
		if _, ok := ends[ek]; !ok {
			ends[ek] = len(ends)
		}
		m.endClass[v] = ends[ek]
	}
	m.hopeless = make([]bool, n)
	for s := range n {
		m.hopeless[s] = true
		for v := range nv {
			if m.elig[v][s] && m.demand[s] <= m.capacity[v]+eps && m.feasible(m.cat(m.cat(m.node(n+v), m.node(s)), m.node(n+nv+v)), v) {
				m.hopeless[s] = false
				break
			}
		}
	}
	m.adj = make([][]int, n)
	for s := range n {
		others := make([]int, 0, n-1)
		for t := range n {
			if t != s {
				others = append(others, t)
			}
		}
		slices.SortStableFunc(others, func(a, b int) int {
			return cmpFloat(m.dist[m.loc[s]][m.loc[a]], m.dist[m.loc[s]][m.loc[b]])
		})
		m.adj[s] = others
	}
	m.t0, m.tf = 10, 0.1
	return m, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (m *vrp) node(i int) seg {
	return seg{first: i, last: i, dur: m.service[i], e: m.ready[i], l: m.due[i], load: m.demand[i]}
}

// cat is the segment a followed by b.
func (m *vrp) cat(a, b seg) seg {
	if a.empty {
		return b
	}
	if b.empty {
		return a
	}
	i, j := m.loc[a.last], m.loc[b.first]
	t := m.dur[i][j]
	delta := a.dur - a.tw + t
	// Plain comparisons: math.Max and math.Min handle NaN and signed
	// zeros, which never occur here, at a cost this hot path notices.
	dwt := b.e - delta - a.l
	if dwt < 0 {
		dwt = 0
	}
	dtw := a.e + delta - b.l
	if dtw < 0 {
		dtw = 0
	}
	e := b.e - delta
	if a.e > e {
		e = a.e
	}
	l := b.l - delta
	if a.l < l {
		l = a.l
	}
	return seg{
		first: a.first, last: b.last,
		dur:  a.dur + b.dur + t + dwt,
		tw:   a.tw + b.tw + dtw,
		e:    e - dwt,
		l:    l + dtw,
		dist: a.dist + b.dist + m.dist[i][j],
		load: a.load + b.load,
	}
}

func (m *vrp) feasible(s seg, v int) bool {
	return s.tw <= eps && s.load <= m.capacity[v]+eps
}

// route is one vehicle's stops with prefix and suffix segments:
// fwd[i] is the start and nodes[:i], bwd[i] is nodes[i:] and the end, all
// is the whole route.
type route struct {
	nodes    []int
	fwd, bwd []seg
	all      seg
}

type plan struct {
	routes     []route
	unassigned []int
	hopeless   []int
}

func (m *vrp) update(pl *plan, v int) {
	r := &pl.routes[v]
	k := len(r.nodes)
	r.fwd = slices.Grow(r.fwd[:0], k+1)[:k+1]
	r.bwd = slices.Grow(r.bwd[:0], k+1)[:k+1]
	r.fwd[0] = m.node(m.n + v)
	for i, u := range r.nodes {
		r.fwd[i+1] = m.cat(r.fwd[i], m.node(u))
	}
	r.bwd[k] = m.node(m.n + m.nv + v)
	for i := k - 1; i >= 0; i-- {
		r.bwd[i] = m.cat(m.node(r.nodes[i]), r.bwd[i+1])
	}
	r.all = m.cat(r.fwd[k], r.bwd[k])
}

func (pl *plan) clone() *plan {
	c := &plan{}
	c.copyFrom(pl)
	return c
}

// copyFrom makes pl a copy of src, reusing pl's memory.
func (pl *plan) copyFrom(src *plan) {
	if len(pl.routes) != len(src.routes) {
		pl.routes = make([]route, len(src.routes))
	}
	for i := range src.routes {
		r, s := &pl.routes[i], &src.routes[i]
		r.nodes = append(r.nodes[:0], s.nodes...)
		r.fwd = append(r.fwd[:0], s.fwd...)
		r.bwd = append(r.bwd[:0], s.bwd...)
		r.all = s.all
	}
	pl.unassigned = append(pl.unassigned[:0], src.unassigned...)
	pl.hopeless = src.hopeless
}

func (pl *plan) vehicles() int {
	k := 0
	for _, r := range pl.routes {
		if len(r.nodes) > 0 {
			k++
		}
	}
	return k
}

func (pl *plan) distance() float64 {
	d := 0.0
	for _, r := range pl.routes {
		if len(r.nodes) > 0 {
			d += r.all.dist
		}
	}
	return d
}

// better reports whether a beats b lexicographically.
func better(a, b *plan) bool {
	if len(a.unassigned) != len(b.unassigned) {
		return len(a.unassigned) < len(b.unassigned)
	}
	if va, vb := a.vehicles(), b.vehicles(); va != vb {
		return va < vb
	}
	return a.distance() < b.distance()-1e-9
}

func (m *vrp) emptyPlan() *plan {
	pl := &plan{routes: make([]route, m.nv)}
	for v := range m.nv {
		m.update(pl, v)
	}
	for s := range m.n {
		if m.hopeless[s] {
			pl.hopeless = append(pl.hopeless, s)
		}
	}
	return pl
}

func (m *vrp) solution(pl *plan) *Solution {
	s := &Solution{Routes: make([][]int, m.nv), Distance: pl.distance()}
	for v, r := range pl.routes {
		s.Routes[v] = slices.Clone(r.nodes)
		if s.Routes[v] == nil {
			s.Routes[v] = []int{}
		}
	}
	s.Unassigned = append(slices.Clone(pl.hopeless), pl.unassigned...)
	slices.Sort(s.Unassigned)
	return s
}

// insertion finds the cheapest feasible place for stop u; v < 0 when none.
func (m *vrp) insertion(pl *plan, u int, allowNew bool, blink float64) (v, pos int, cost float64) {
	v, cost = -1, math.Inf(1)
	var triedEmpty map[int]bool
	for w := range m.nv {
		if !m.elig[w][u] {
			continue
		}
		r := &pl.routes[w]
		if len(r.nodes) == 0 {
			if !allowNew {
				continue
			}
			if triedEmpty == nil {
				triedEmpty = map[int]bool{}
			}
			if triedEmpty[m.class[w]] {
				continue
			}
			triedEmpty[m.class[w]] = true
		}
		if r.all.load+m.demand[u] > m.capacity[w]+eps {
			continue
		}
		nu := m.node(u)
		lu, du := m.loc[u], m.dist[m.loc[u]]
		for i := 0; i <= len(r.nodes); i++ {
			if blink > 0 && m.rng.Float64() < blink {
				continue
			}
			// The detour first: most places cost more than the best so
			// far, and need no time-window check.
			prev, next := m.loc[r.fwd[i].last], m.loc[r.bwd[i].first]
			c := m.dist[prev][lu] + du[next] - m.dist[prev][next]
			if c >= cost {
				continue
			}
			pu := m.cat(r.fwd[i], nu)
			if pu.tw > eps {
				continue
			}
			if s := m.cat(pu, r.bwd[i]); s.tw > eps {
				continue
			}
			v, pos, cost = w, i, c
		}
	}
	return v, pos, cost
}

// recreate inserts the stops in order at their cheapest places; those
// without one join pl.unassigned.
func (m *vrp) recreate(pl *plan, order []int, allowNew bool, blink float64) {
	for _, u := range order {
		v, pos, _ := m.insertion(pl, u, allowNew, blink)
		if v < 0 {
			pl.unassigned = append(pl.unassigned, u)
			continue
		}
		r := &pl.routes[v]
		r.nodes = slices.Insert(r.nodes, pos, u)
		m.update(pl, v)
	}
}

// ruin removes strings of adjacent stops from routes near a random stop
// and returns them.
func (m *vrp) ruin(pl *plan, where []int) []int {
	const cbar, lmax = 10.0, 10.0
	used, routed := pl.vehicles(), 0
	for _, r := range pl.routes {
		routed += len(r.nodes)
	}
	if used == 0 {
		return nil
	}
	lsMax := math.Min(lmax, float64(routed)/float64(used))
	ksMax := 4*cbar/(1+lsMax) - 1
	ks := int(m.rng.Float64()*ksMax) + 1
	m.locate(pl, where)
	var seed int
	for {
		seed = m.rng.IntN(m.n)
		if where[seed] >= 0 {
			break
		}
	}
	var removed []int
	ruined := map[int]bool{}
	for _, c := range append([]int{seed}, m.adj[seed]...) {
		if len(ruined) >= ks {
			break
		}
		v := where[c]
		if v < 0 || ruined[v] {
			continue
		}
		r := &pl.routes[v]
		lm := math.Min(float64(len(r.nodes)), lsMax)
		l := int(m.rng.Float64()*lm) + 1
		l = min(l, len(r.nodes))
		i := slices.Index(r.nodes, c)
		start := max(0, min(i-m.rng.IntN(l), len(r.nodes)-l))
		removed = append(removed, r.nodes[start:start+l]...)
		for _, u := range r.nodes[start : start+l] {
			where[u] = -1
		}
		r.nodes = slices.Delete(r.nodes, start, start+l)
		m.update(pl, v)
		ruined[v] = true
	}
	return removed
}

// locate fills where[stop] with its vehicle, -1 when not routed.
func (m *vrp) locate(pl *plan, where []int) {
	for i := range where {
		where[i] = -1
	}
	for v, r := range pl.routes {
		for _, u := range r.nodes {
			where[u] = v
		}
	}
}

// sortRemoved orders stops for recreation as SISR does: at random, by
// demand, farthest or closest to the depot first.
func (m *vrp) sortRemoved(us []int) {
	m.rng.Shuffle(len(us), func(i, j int) { us[i], us[j] = us[j], us[i] })
	depot := m.loc[m.n]
	switch k := m.rng.IntN(11); {
	case k < 4:
	case k < 8:
		slices.SortStableFunc(us, func(a, b int) int { return cmpFloat(m.demand[b], m.demand[a]) })
	case k < 10:
		slices.SortStableFunc(us, func(a, b int) int {
			return cmpFloat(m.dist[depot][m.loc[b]], m.dist[depot][m.loc[a]])
		})
	default:
		slices.SortStableFunc(us, func(a, b int) int {
			return cmpFloat(m.dist[depot][m.loc[a]], m.dist[depot][m.loc[b]])
		})
	}
}

// eliminateRoutes tries, for half of the budget, to serve every stop with
// one vehicle fewer than the best plan: it drops a route and runs ruin and
// recreate without new routes, keeping a change when fewer stops are left
// out or those left out were left out less often before.
func (m *vrp) eliminateRoutes(best *plan, b *budget) *plan {
	if len(best.unassigned) > 0 {
		return best
	}
	lower := m.vehicleLowerBound()
	where := make([]int, m.n)
	var cur *plan
	next := &plan{}
	for best.vehicles() > lower && b.fraction() < 0.5 && b.next() {
		if cur == nil {
			cur = best.clone()
			var used []int
			for v, r := range cur.routes {
				if len(r.nodes) > 0 {
					used = append(used, v)
				}
			}
			v := used[m.rng.IntN(len(used))]
			cur.unassigned = append(cur.unassigned, cur.routes[v].nodes...)
			cur.routes[v].nodes = cur.routes[v].nodes[:0]
			m.update(cur, v)
		}
		next.copyFrom(cur)
		removed := m.ruin(next, where)
		pool := append(next.unassigned, removed...)
		next.unassigned = nil
		m.sortRemoved(pool)
		if m.rng.IntN(2) == 0 {
			slices.SortStableFunc(pool, func(a, b int) int { return m.absences[b] - m.absences[a] })
		}
		m.recreate(next, pool, false, 0.01)
		for _, u := range next.unassigned {
			m.absences[u]++
		}
		if len(next.unassigned) < len(cur.unassigned) || m.absenceSum(next) < m.absenceSum(cur) {
			cur, next = next, cur
		}
		if len(cur.unassigned) == 0 {
			m.localSearch(cur)
			best, cur = cur.clone(), nil
		}
	}
	return best
}

func (m *vrp) absenceSum(pl *plan) int {
	s := 0
	for _, u := range pl.unassigned {
		s += m.absences[u]
	}
	return s
}

// vehicleLowerBound is the fewest vehicles total demand allows with the
// largest capacity.
func (m *vrp) vehicleLowerBound() int {
	total, cap := 0.0, 0.0
	for s := range m.n {
		if !m.hopeless[s] {
			total += m.demand[s]
		}
	}
	for _, c := range m.capacity {
		cap = math.Max(cap, c)
	}
	if math.IsInf(cap, 1) || cap <= 0 {
		return 1
	}
	return max(1, int(math.Ceil(total/cap-1e-9)))
}

// anneal runs ruin and recreate for the rest of the budget, accepting a
// worse distance with the simulated-annealing rule (the temperature falls
// from ten times to a tenth of the mean edge of the plan it starts from,
// so it scales with the instance's units) but never more vehicles or more
// unserved stops.
func (m *vrp) anneal(best *plan, b *budget) *plan {
	cur, next := best.clone(), &plan{}
	best = best.clone()
	where := make([]int, m.n)
	edges := cur.vehicles()
	for _, r := range cur.routes {
		edges += len(r.nodes)
	}
	if cur.vehicles() == 0 || cur.distance() <= 0 {
		return best // nothing to move
	}
	mean := cur.distance() / float64(edges)
	t0, tf := m.t0*mean, m.tf*mean
	f0 := b.fraction()
	for b.next() {
		f := 0.0
		if f0 < 1 {
			f = (b.fraction() - f0) / (1 - f0)
		}
		temp := t0 * math.Pow(tf/t0, f)
		next.copyFrom(cur)
		removed := m.ruin(next, where)
		pool := append(next.unassigned, removed...)
		next.unassigned = nil
		m.sortRemoved(pool)
		m.recreate(next, pool, len(cur.unassigned) > 0, 0.01)
		switch {
		case len(next.unassigned) != len(cur.unassigned):
			if len(next.unassigned) > len(cur.unassigned) {
				continue
			}
		case next.vehicles() != cur.vehicles():
			if next.vehicles() > cur.vehicles() {
				continue
			}
		default:
			if next.distance() >= cur.distance()-temp*math.Log(m.rng.Float64()) {
				continue
			}
		}
		cur, next = next, cur
		if better(cur, best) {
			best.copyFrom(cur)
		}
	}
	return best
}
