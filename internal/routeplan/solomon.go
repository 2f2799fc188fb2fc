package routeplan

import (
	"io"
	"strconv"
	"strings"
)

// Solomon is a VRPTW instance in M. M. Solomon's text format.
type Solomon struct {
	Name      string
	Vehicles  int     // an upper bound on the fleet, not the fleet to use
	Capacity  float64 // of every vehicle
	Depot     SolomonCustomer
	Customers []SolomonCustomer
}

// SolomonCustomer is one row of the CUSTOMER section; row 0 is the depot,
// whose DUE DATE is the latest return.
type SolomonCustomer struct {
	ID                          int
	X, Y                        float64
	Demand, Ready, Due, Service float64
}

var solomonColumns = []string{"CUST NO.", "XCOORD.", "YCOORD.", "DEMAND", "READY TIME", "DUE DATE", "SERVICE TIME"}

// ParseSolomon reads a Solomon file: the instance name, a VEHICLE section
// (a "NUMBER CAPACITY" header and one line with both), and a CUSTOMER
// section (a header and one whitespace-separated row of seven numbers per
// customer, the depot first with number 0). Lines may end in CRLF; blank
// lines are skipped.
func ParseSolomon(r io.Reader) (*Solomon, error) {
	const f = "Solomon"
	s := &Solomon{}
	const (
		wantName = iota
		wantVehicle
		wantVehicleHeader
		wantVehicleNumbers
		wantCustomer
		wantCustomerHeader
		rows
	)
	state := wantName
	seen := map[int]bool{}
	depot := false
	err := lines(r, func(n int, line string) (bool, error) {
		t := strings.TrimSpace(line)
		if t == "" {
			return false, nil
		}
		switch state {
		case wantName:
			s.Name = t
			state = wantVehicle
		case wantVehicle:
			if !strings.EqualFold(t, "VEHICLE") {
				return false, badLine(f, n, "VEHICLE", "want the VEHICLE section, got %q", t)
			}
			state = wantVehicleHeader
		case wantVehicleHeader:
			if fs := strings.Fields(strings.ToUpper(t)); len(fs) != 2 || fs[0] != "NUMBER" || fs[1] != "CAPACITY" {
				return false, badLine(f, n, "VEHICLE", "want the header \"NUMBER CAPACITY\", got %q", t)
			}
			state = wantVehicleNumbers
		case wantVehicleNumbers:
			fs := strings.Fields(t)
			if len(fs) != 2 {
				return false, badLine(f, n, "VEHICLE", "want \"number capacity\", got %d fields", len(fs))
			}
			v, err := strconv.Atoi(fs[0])
			if err != nil || v < 1 {
				return false, badLine(f, n, "NUMBER", "%q is not a positive whole number", fs[0])
			}
			c, ok := finite(fs[1])
			if !ok || c <= 0 {
				return false, badLine(f, n, "CAPACITY", "%q is not a positive number", fs[1])
			}
			s.Vehicles, s.Capacity = v, c
			state = wantCustomer
		case wantCustomer:
			if !strings.EqualFold(t, "CUSTOMER") {
				return false, badLine(f, n, "CUSTOMER", "want the CUSTOMER section, got %q", t)
			}
			state = wantCustomerHeader
		case wantCustomerHeader:
			if !strings.HasPrefix(strings.ToUpper(t), "CUST") {
				return false, badLine(f, n, "CUSTOMER", "want the column header (%s), got %q", strings.Join(solomonColumns, ", "), t)
			}
			state = rows
		case rows:
			fs := strings.Fields(t)
			if len(fs) != len(solomonColumns) {
				return false, badLine(f, n, "CUSTOMER", "want %d numbers (%s), got %d", len(solomonColumns), strings.Join(solomonColumns, ", "), len(fs))
			}
			id, err := strconv.Atoi(fs[0])
			if err != nil || id < 0 {
				return false, badLine(f, n, "CUST NO.", "%q is not a whole number", fs[0])
			}
			if seen[id] {
				return false, badLine(f, n, "CUST NO.", "customer %d appears twice", id)
			}
			var v [6]float64
			for k := range v {
				x, ok := finite(fs[k+1])
				if !ok {
					return false, badLine(f, n, solomonColumns[k+1], "%q is not a number", fs[k+1])
				}
				if k >= 2 && x < 0 {
					return false, badLine(f, n, solomonColumns[k+1], "%s is negative", fs[k+1])
				}
				v[k] = x
			}
			c := SolomonCustomer{ID: id, X: v[0], Y: v[1], Demand: v[2], Ready: v[3], Due: v[4], Service: v[5]}
			if c.Due < c.Ready {
				return false, badLine(f, n, "DUE DATE", "%s is before READY TIME %s", fs[5], fs[4])
			}
			if !depot {
				if id != 0 {
					return false, badLine(f, n, "CUST NO.", "the first row must be the depot, number 0, got %d", id)
				}
				s.Depot, depot = c, true
			} else {
				if id == 0 {
					return false, badLine(f, n, "CUST NO.", "0 is the depot's number")
				}
				if len(s.Customers) == maxNodes {
					return false, badLine(f, n, "CUSTOMER", "more than %d customers", maxNodes)
				}
				if c.Demand > s.Capacity {
					return false, badLine(f, n, "DEMAND", "%s exceeds the vehicle capacity %g", fs[3], s.Capacity)
				}
				s.Customers = append(s.Customers, c)
			}
			seen[id] = true
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case state < rows:
		return nil, badFile(f, "CUSTOMER", "the file ends before the customer rows")
	case len(s.Customers) == 0:
		return nil, badFile(f, "CUSTOMER", "no customers after the depot")
	}
	return s, nil
}

// Problem is the instance as a routing problem: Vehicles identical
// vehicles at the depot with its window as their shift, one stop per
// customer (Stops[i] is Customers[i]), Euclidean travel.
func (s *Solomon) Problem() *Problem {
	d := Location{s.Depot.X, s.Depot.Y}
	p := &Problem{Travel: Euclidean{}}
	for i := range s.Vehicles {
		p.Vehicles = append(p.Vehicles, Vehicle{ID: strconv.Itoa(i + 1), Start: d, End: d,
			ShiftStart: s.Depot.Ready, ShiftEnd: s.Depot.Due, Capacity: s.Capacity})
	}
	for _, c := range s.Customers {
		p.Stops = append(p.Stops, Stop{ID: strconv.Itoa(c.ID), Location: Location{c.X, c.Y},
			Ready: c.Ready, Due: c.Due, Service: c.Service, Demand: c.Demand})
	}
	return p
}
