package routeplan

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"aftersales"
)

// TSPLIB is a symmetric TSP instance in TSPLIB's EUC_2D format.
type TSPLIB struct {
	Name  string
	Nodes []TSPNode
}

// TSPNode is one city; ID is the file's node number (1..n).
type TSPNode struct {
	ID   int
	X, Y float64
}

// badLine is the error for a bad line of a benchmark file: it names the
// format, the line and the field.
func badLine(format string, line int, field, reason string, args ...any) error {
	return &aftersales.Error{
		Code:    aftersales.EINVALID,
		Message: fmt.Sprintf("%s file, line %d", format, line),
		Fields:  []aftersales.FieldError{{Field: field, Reason: fmt.Sprintf(reason, args...)}},
	}
}

func badFile(format, field, reason string, args ...any) error {
	return &aftersales.Error{
		Code:    aftersales.EINVALID,
		Message: format + " file",
		Fields:  []aftersales.FieldError{{Field: field, Reason: fmt.Sprintf(reason, args...)}},
	}
}

// lines yields the lines of r without their line ending (LF or CRLF),
// numbered from 1.
func lines(r io.Reader, fn func(n int, line string) (stop bool, err error)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		stop, err := fn(n, strings.TrimRight(sc.Text(), "\r"))
		if err != nil || stop {
			return err
		}
	}
	return sc.Err()
}

// header splits a TSPLIB specification line, "KEY: value" or
// "KEY : value"; a line without a colon is a bare keyword.
func header(line string) (key, value string) {
	k, v, _ := strings.Cut(line, ":")
	return strings.ToUpper(strings.TrimSpace(k)), strings.TrimSpace(v)
}

func finite(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// maxNodes bounds DIMENSION (and a Solomon file's customers) so a hostile
// file cannot make the solvers allocate an n² matrix that does not fit:
// 3000² distances are 72 MB.
const maxNodes = 3000

// ParseTSPLIB reads a TSPLIB file of TYPE TSP with EDGE_WEIGHT_TYPE EUC_2D:
// the specification part, NODE_COORD_SECTION with one "id x y" line per
// node (ids 1..DIMENSION, each once), and an optional EOF.
func ParseTSPLIB(r io.Reader) (*TSPLIB, error) {
	const f = "TSPLIB"
	t := &TSPLIB{}
	dim, weight, inCoords := -1, "", false
	seen := map[int]bool{}
	err := lines(r, func(n int, line string) (bool, error) {
		s := strings.TrimSpace(line)
		if s == "" {
			return false, nil
		}
		if strings.EqualFold(s, "EOF") {
			return true, nil
		}
		if inCoords {
			fs := strings.Fields(s)
			if len(fs) != 3 {
				return false, badLine(f, n, "NODE_COORD_SECTION", "want \"id x y\", got %d fields", len(fs))
			}
			id, err := strconv.Atoi(fs[0])
			if err != nil || id < 1 || id > dim {
				return false, badLine(f, n, "node id", "%q is not a node number from 1 to %d", fs[0], dim)
			}
			if seen[id] {
				return false, badLine(f, n, "node id", "node %d appears twice", id)
			}
			x, ok := finite(fs[1])
			if !ok {
				return false, badLine(f, n, "x", "%q is not a number", fs[1])
			}
			y, ok := finite(fs[2])
			if !ok {
				return false, badLine(f, n, "y", "%q is not a number", fs[2])
			}
			seen[id] = true
			t.Nodes = append(t.Nodes, TSPNode{ID: id, X: x, Y: y})
			return false, nil
		}
		key, value := header(s)
		switch key {
		case "NAME":
			t.Name = value
		case "COMMENT":
		case "TYPE":
			if !strings.EqualFold(value, "TSP") {
				return false, badLine(f, n, "TYPE", "%q is not supported (only TSP)", value)
			}
		case "DIMENSION":
			d, err := strconv.Atoi(value)
			if err != nil || d < 3 || d > maxNodes {
				return false, badLine(f, n, "DIMENSION", "%q is not a whole number from 3 to %d", value, maxNodes)
			}
			dim = d
		case "EDGE_WEIGHT_TYPE":
			if value != "EUC_2D" {
				return false, badLine(f, n, "EDGE_WEIGHT_TYPE", "%q is not supported (only EUC_2D)", value)
			}
			weight = value
		case "NODE_COORD_SECTION":
			if dim < 0 {
				return false, badLine(f, n, "DIMENSION", "missing before NODE_COORD_SECTION")
			}
			if weight == "" {
				return false, badLine(f, n, "EDGE_WEIGHT_TYPE", "missing before NODE_COORD_SECTION (only EUC_2D is supported)")
			}
			inCoords = true
		default:
			return false, badLine(f, n, "specification", "unknown or unsupported keyword %q", key)
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case !inCoords:
		return nil, badFile(f, "NODE_COORD_SECTION", "missing")
	case len(t.Nodes) != dim:
		return nil, badFile(f, "NODE_COORD_SECTION", "has %d nodes, DIMENSION says %d", len(t.Nodes), dim)
	}
	// Nodes in id order, so index i is node i+1.
	sorted := make([]TSPNode, dim)
	for _, nd := range t.Nodes {
		sorted[nd.ID-1] = nd
	}
	t.Nodes = sorted
	return t, nil
}

// Dist is TSPLIB's EUC_2D distance between nodes at indices i and j:
// the Euclidean distance rounded to the nearest integer, per edge.
func (t *TSPLIB) Dist(i, j int) int {
	a, b := t.Nodes[i], t.Nodes[j]
	return int(math.Floor(math.Hypot(a.X-b.X, a.Y-b.Y) + 0.5))
}

// Matrix is the full distance matrix by node index.
func (t *TSPLIB) Matrix() [][]int {
	n := len(t.Nodes)
	m := make([][]int, n)
	for i := range m {
		m[i] = make([]int, n)
		for j := range n {
			m[i][j] = t.Dist(i, j)
		}
	}
	return m
}

// TourLength is the length of a closed tour given by node ids (1..n),
// checked to visit every node once.
func (t *TSPLIB) TourLength(ids []int) (int, error) {
	n := len(t.Nodes)
	if len(ids) != n {
		return 0, badFile("tour", "TOUR_SECTION", "has %d nodes, the instance %d", len(ids), n)
	}
	seen := make([]bool, n)
	for _, id := range ids {
		if id < 1 || id > n || seen[id-1] {
			return 0, badFile("tour", "TOUR_SECTION", "node %d is out of range or repeated", id)
		}
		seen[id-1] = true
	}
	L := 0
	for k := range ids {
		L += t.Dist(ids[k]-1, ids[(k+1)%n]-1)
	}
	return L, nil
}

// ParseTour reads a TSPLIB tour file (TYPE TOUR): the node ids of
// TOUR_SECTION up to -1.
func ParseTour(r io.Reader) ([]int, error) {
	const f = "TSPLIB tour"
	var ids []int
	in, done := false, false
	err := lines(r, func(n int, line string) (bool, error) {
		s := strings.TrimSpace(line)
		switch {
		case s == "":
			return false, nil
		case !in:
			key, value := header(s)
			switch key {
			case "TOUR_SECTION":
				in = true
			case "TYPE":
				if !strings.EqualFold(value, "TOUR") {
					return false, badLine(f, n, "TYPE", "%q is not TOUR", value)
				}
			case "EOF":
				return true, nil
			}
			return false, nil
		}
		for _, fld := range strings.Fields(s) {
			id, err := strconv.Atoi(fld)
			if err != nil {
				return false, badLine(f, n, "TOUR_SECTION", "%q is not a node id", fld)
			}
			if id == -1 {
				done = true
				return true, nil
			}
			ids = append(ids, id)
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	if !done {
		return nil, badFile(f, "TOUR_SECTION", "missing or not ended by -1")
	}
	return ids, nil
}
