package routeplan

import "slices"

// improvement is the least distance gain a local-search move must bring,
// so rounding noise cannot make it cycle.
const improvement = 1e-7

// localSearch applies improving moves until none is left: between two
// routes, relocating a chain of 1 to 3 stops, exchanging two stops, and
// 2-opt* (swapping route tails); within a route, Or-opt (moving a chain
// of 1 to 3 stops) and 2-opt (reversing a stretch). Each move keeps every
// window, capacity and eligibility.
func (m *vrp) localSearch(pl *plan) {
	scratch := make([]int, 0, m.n)
	for improved := true; improved; {
		improved = false
		for a := range m.nv {
			if len(pl.routes[a].nodes) == 0 {
				continue
			}
			if m.intra(pl, a, &scratch) {
				improved = true
			}
			for b := range m.nv {
				if b != a && len(pl.routes[a].nodes) > 0 && len(pl.routes[b].nodes) > 0 && m.inter(pl, a, b) {
					improved = true
				}
			}
		}
	}
}

// routeDist is a route's distance, zero for a vehicle that stays home.
func routeDist(s seg, stops int) float64 {
	if stops == 0 {
		return 0
	}
	return s.dist
}

func (m *vrp) chain(nodes []int) seg {
	s := seg{empty: true}
	for _, u := range nodes {
		s = m.cat(s, m.node(u))
	}
	return s
}

func (m *vrp) eligibleAll(v int, nodes []int) bool {
	if !m.restrict {
		return true
	}
	for _, u := range nodes {
		if !m.elig[v][u] {
			return false
		}
	}
	return true
}

// inter tries one improving move between routes a and b.
func (m *vrp) inter(pl *plan, a, b int) bool {
	ra, rb := &pl.routes[a], &pl.routes[b]
	na, nb := len(ra.nodes), len(rb.nodes)
	old := ra.all.dist + rb.all.dist
	// Relocate a chain from a to b.
	for L := 1; L <= 3 && L <= na; L++ {
		for i := 0; i+L <= na; i++ {
			ch := ra.nodes[i : i+L]
			if !m.eligibleAll(b, ch) {
				continue
			}
			cs := m.chain(ch)
			if rb.all.load+cs.load > m.capacity[b]+eps {
				continue
			}
			newA := m.cat(ra.fwd[i], ra.bwd[i+L])
			if na > L && !m.feasible(newA, a) {
				continue
			}
			da := routeDist(newA, na-L)
			for j := 0; j <= nb; j++ {
				newB := m.cat(m.cat(rb.fwd[j], cs), rb.bwd[j])
				if newB.tw > eps || da+newB.dist >= old-improvement {
					continue
				}
				moved := slices.Clone(ch)
				ra.nodes = slices.Delete(ra.nodes, i, i+L)
				rb.nodes = slices.Insert(rb.nodes, j, moved...)
				m.update(pl, a)
				m.update(pl, b)
				return true
			}
		}
	}
	// Exchange one stop of a with one of b.
	for i, u := range ra.nodes {
		if !m.elig[b][u] {
			continue
		}
		for j, w := range rb.nodes {
			if !m.elig[a][w] {
				continue
			}
			newA := m.cat(m.cat(ra.fwd[i], m.node(w)), ra.bwd[i+1])
			if !m.feasible(newA, a) {
				continue
			}
			newB := m.cat(m.cat(rb.fwd[j], m.node(u)), rb.bwd[j+1])
			if !m.feasible(newB, b) || newA.dist+newB.dist >= old-improvement {
				continue
			}
			ra.nodes[i], rb.nodes[j] = w, u
			m.update(pl, a)
			m.update(pl, b)
			return true
		}
	}
	// 2-opt*: a keeps nodes[:i] and takes b's tail from j, and the reverse.
	// Only between vehicles that end at the same place by the same time.
	if m.endClass[a] != m.endClass[b] {
		return false
	}
	for i := 0; i <= na; i++ {
		for j := 0; j <= nb; j++ {
			if (i == 0 && j == 0) || (i == na && j == nb) {
				continue
			}
			newA := m.cat(ra.fwd[i], rb.bwd[j])
			if !m.feasible(newA, a) {
				continue
			}
			newB := m.cat(rb.fwd[j], ra.bwd[i])
			if !m.feasible(newB, b) {
				continue
			}
			if routeDist(newA, i+nb-j)+routeDist(newB, j+na-i) >= old-improvement {
				continue
			}
			if !m.eligibleAll(a, rb.nodes[j:]) || !m.eligibleAll(b, ra.nodes[i:]) {
				continue
			}
			ta, tb := slices.Clone(ra.nodes[i:]), slices.Clone(rb.nodes[j:])
			ra.nodes = append(ra.nodes[:i], tb...)
			rb.nodes = append(rb.nodes[:j], ta...)
			m.update(pl, a)
			m.update(pl, b)
			return true
		}
	}
	return false
}

// evalRoute is vehicle v's route through nodes.
func (m *vrp) evalRoute(v int, nodes []int) seg {
	s := m.node(m.n + v)
	for _, u := range nodes {
		s = m.cat(s, m.node(u))
	}
	return m.cat(s, m.node(m.n+m.nv+v))
}

// intra tries one improving move within route a.
func (m *vrp) intra(pl *plan, a int, scratch *[]int) bool {
	r := &pl.routes[a]
	k := len(r.nodes)
	old := r.all.dist
	try := func(cand []int) bool {
		s := m.evalRoute(a, cand)
		if s.tw > eps || s.dist >= old-improvement {
			return false
		}
		r.nodes = append(r.nodes[:0], cand...)
		m.update(pl, a)
		return true
	}
	// Or-opt: move nodes[i:i+L] to before position j of the rest.
	for L := 1; L <= 3 && L < k; L++ {
		for i := 0; i+L <= k; i++ {
			for j := 0; j <= k-L; j++ {
				if j == i {
					continue
				}
				c := (*scratch)[:0]
				rest := 0
				for p, u := range r.nodes {
					if p >= i && p < i+L {
						continue
					}
					if rest == j {
						c = append(c, r.nodes[i:i+L]...)
					}
					c = append(c, u)
					rest++
				}
				if rest == j {
					c = append(c, r.nodes[i:i+L]...)
				}
				*scratch = c
				if try(c) {
					return true
				}
			}
		}
	}
	// 2-opt: reverse nodes[i..j].
	for i := 0; i < k-1; i++ {
		for j := i + 1; j < k; j++ {
			c := append((*scratch)[:0], r.nodes...)
			slices.Reverse(c[i : j+1])
			*scratch = c
			if try(c) {
				return true
			}
		}
	}
	return false
}
