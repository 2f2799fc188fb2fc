package routeplan

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// SolveTSP finds a short closed tour through every node of the symmetric
// integer distance matrix d and returns it (node indices, starting at 0)
// with its length. It builds a nearest-neighbour tour, improves it with
// 2-opt and Or-opt moves restricted to each node's nearest neighbours
// (with don't-look bits), then runs an iterated local search: a
// double-bridge kick, local search around the kick, and the result kept
// when it is no longer than the current tour. It stops on o's budget.
func SolveTSP(d [][]int, o Options) ([]int, int, error) {
	n := len(d)
	for i, row := range d {
		if len(row) != n {
			return nil, 0, fmt.Errorf("routeplan: distance matrix row %d has %d columns, want %d", i, len(row), n)
		}
	}
	switch n {
	case 0:
		return nil, 0, nil
	case 1, 2, 3:
		t := make([]int, n)
		for i := range t {
			t[i] = i
		}
		return t, tourLength(d, t), nil
	}
	s := newTSP(d, o.Seed)
	b := newBudget(o)
	s.nearestNeighbour()
	s.improve(nil)
	cur := s.length()
	best, bestLen := slices.Clone(s.tour), cur
	saved := make([]int, n)
	for b.next() {
		copy(saved, s.tour)
		touched := s.doubleBridge()
		s.improve(touched)
		l := s.length()
		if l <= cur {
			cur = l
			if l < bestLen {
				bestLen = l
				copy(best, s.tour)
			}
		} else {
			copy(s.tour, saved)
			s.reindex()
		}
	}
	// Start at node 0, as TSPLIB tours usually do.
	k := slices.Index(best, 0)
	best = append(best[k:], best[:k]...)
	return best, bestLen, nil
}

func tourLength(d [][]int, t []int) int {
	l := 0
	for i := range t {
		l += d[t[i]][t[(i+1)%len(t)]]
	}
	return l
}

type tspSearch struct {
	n      int
	d      [][]int
	nb     [][]int // each node's nearest neighbours, nearest first
	tour   []int
	pos    []int
	rng    *rand.Rand
	queue  []int
	queued []bool
	buf    []int
}

func newTSP(d [][]int, seed int64) *tspSearch {
	n := len(d)
	s := &tspSearch{n: n, d: d, tour: make([]int, n), pos: make([]int, n), queued: make([]bool, n), buf: make([]int, 0, n),
		rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
	k := min(10, n-1)
	s.nb = make([][]int, n)
	for i := range n {
		others := make([]int, 0, n-1)
		for j := range n {
			if j != i {
				others = append(others, j)
			}
		}
		slices.SortStableFunc(others, func(a, b int) int { return d[i][a] - d[i][b] })
		s.nb[i] = others[:k]
	}
	return s
}

func (s *tspSearch) length() int { return tourLength(s.d, s.tour) }

func (s *tspSearch) reindex() {
	for i, v := range s.tour {
		s.pos[v] = i
	}
}

func (s *tspSearch) succ(a int) int { return s.tour[(s.pos[a]+1)%s.n] }
func (s *tspSearch) pred(a int) int { return s.tour[(s.pos[a]+s.n-1)%s.n] }

func (s *tspSearch) nearestNeighbour() {
	used := make([]bool, s.n)
	cur := 0
	used[0] = true
	s.tour = s.tour[:0]
	s.tour = append(s.tour, 0)
	for len(s.tour) < s.n {
		next, bd := -1, 0
		for j := range s.n {
			if !used[j] && (next < 0 || s.d[cur][j] < bd) {
				next, bd = j, s.d[cur][j]
			}
		}
		used[next] = true
		s.tour = append(s.tour, next)
		cur = next
	}
	s.reindex()
}

// reverse reverses the path from a to b (following succ), or the rest of
// the tour when that is shorter: either gives the same cycle.
func (s *tspSearch) reverse(a, b int) {
	n := s.n
	i, j := s.pos[a], s.pos[b]
	k := (j-i+n)%n + 1
	if 2*k > n {
		i, j, k = (j+1)%n, (i+n-1)%n, n-k
	}
	for range k / 2 {
		s.tour[i], s.tour[j] = s.tour[j], s.tour[i]
		s.pos[s.tour[i]], s.pos[s.tour[j]] = i, j
		i, j = (i+1)%n, (j+n-1)%n
	}
}

func (s *tspSearch) push(v int) {
	if !s.queued[v] {
		s.queued[v] = true
		s.queue = append(s.queue, v)
	}
}

// improve runs 2-opt and Or-opt until no move improves, starting from the
// given nodes (all when nil).
func (s *tspSearch) improve(from []int) {
	if from == nil {
		for _, v := range s.tour {
			s.push(v)
		}
	} else {
		for _, v := range from {
			s.push(v)
		}
	}
	for len(s.queue) > 0 {
		a := s.queue[0]
		s.queue = s.queue[1:]
		s.queued[a] = false
		if s.twoOpt(a) || s.orOpt(a) {
			s.push(a)
		}
	}
	s.queue = s.queue[:0]
}

func (s *tspSearch) twoOpt(a int) bool {
	d := s.d
	// Edge (a, succ a) against (c, succ c), new edges (a,c) and (succ a, succ c).
	b := s.succ(a)
	for _, c := range s.nb[a] {
		g := d[a][b] - d[a][c]
		if g <= 0 {
			break
		}
		e := s.succ(c)
		if c == b || e == a {
			continue
		}
		if g+d[c][e]-d[b][e] > 0 {
			s.reverse(b, c)
			s.push(b)
			s.push(c)
			s.push(e)
			return true
		}
	}
	// Edge (pred a, a) against (pred c, c), new edges (a,c) and (pred a, pred c).
	p := s.pred(a)
	for _, c := range s.nb[a] {
		g := d[p][a] - d[a][c]
		if g <= 0 {
			break
		}
		e := s.pred(c)
		if c == p || e == a {
			continue
		}
		if g+d[e][c]-d[p][e] > 0 {
			s.reverse(a, e)
			s.push(p)
			s.push(c)
			s.push(e)
			return true
		}
	}
	return false
}

// orOpt moves the chain of 1 to 3 nodes starting at a to between two
// neighbouring nodes elsewhere, in either orientation.
func (s *tspSearch) orOpt(a int) bool {
	d := s.d
	for L := 1; L <= 3 && L+3 <= s.n; L++ {
		s1, s2 := a, a
		for range L - 1 {
			s2 = s.succ(s2)
		}
		p, nx := s.pred(s1), s.succ(s2)
		gain := d[p][s1] + d[s2][nx] - d[p][nx]
		if gain <= 0 {
			continue
		}
		in := func(v int) bool { return (s.pos[v]-s.pos[s1]+s.n)%s.n < L }
		for _, end := range [2]int{s1, s2} {
			for _, c := range s.nb[end] {
				if d[end][c] >= gain {
					break
				}
				if in(c) {
					continue
				}
				// Insert between c and its successor, or its predecessor and c.
				for _, pair := range [2][2]int{{c, s.succ(c)}, {s.pred(c), c}} {
					x, y := pair[0], pair[1]
					if in(x) || in(y) || (x == p && y == nx) {
						continue
					}
					fwd := d[x][s1] + d[s2][y] - d[x][y]
					rev := d[x][s2] + d[s1][y] - d[x][y]
					if fwd < gain || rev < gain {
						s.moveChain(s1, L, x, rev < fwd)
						for _, v := range [...]int{p, nx, x, y, s1, s2} {
							s.push(v)
						}
						return true
					}
				}
			}
		}
	}
	return false
}

// moveChain moves the L nodes starting at s1 to just after x, reversed
// when asked.
func (s *tspSearch) moveChain(s1, L, x int, reversed bool) {
	chain := make([]int, 0, 3)
	v := s1
	for range L {
		chain = append(chain, v)
		v = s.succ(v)
	}
	if reversed {
		slices.Reverse(chain)
	}
	out := s.buf[:0]
	for i := range s.n {
		w := s.tour[(s.pos[v]+i)%s.n] // start after the chain
		if slices.Contains(chain, w) {
			continue
		}
		out = append(out, w)
		if w == x {
			out = append(out, chain...)
		}
	}
	copy(s.tour, out)
	s.buf = out
	s.reindex()
}

// doubleBridge cuts the tour into A B C D and reconnects it as A C B D,
// with B and C short so the kick stays local. It returns the nodes at the
// cuts, where local search resumes.
func (s *tspSearch) doubleBridge() []int {
	n := s.n
	l := max(1, min(n/4, 30))
	start := s.rng.IntN(n)
	p1 := 1 + s.rng.IntN(l)
	p2 := p1 + 1 + s.rng.IntN(l)
	p3 := p2 + 1 + s.rng.IntN(l)
	if p3 >= n {
		p3 = n - 1
	}
	if p2 >= p3 {
		p2 = p3 - 1
	}
	if p1 >= p2 {
		p1 = p2 - 1
	}
	if p1 < 1 {
		return nil
	}
	at := func(i int) int { return s.tour[(start+i)%n] }
	out := s.buf[:0]
	for i := range p1 {
		out = append(out, at(i))
	}
	for i := p2; i < p3; i++ {
		out = append(out, at(i))
	}
	for i := p1; i < p2; i++ {
		out = append(out, at(i))
	}
	for i := p3; i < n; i++ {
		out = append(out, at(i))
	}
	touched := []int{at(0), at(p1 - 1), at(p1), at(p2 - 1), at(p2), at(p3 - 1), at(p3 % n), at(n - 1)}
	copy(s.tour, out)
	s.buf = out
	s.reindex()
	return touched
}
