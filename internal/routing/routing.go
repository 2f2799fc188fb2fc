// Package routing decides where a new ticket goes: routing rules first
// (data, in priority order), then the service point whose coverage holds
// the customer's location, then the team responsible for that point, then
// a person in the team by the team's strategy, within capacity and among
// those on shift. Choices made by a person are never overridden. It is
// pure: the store loads the inputs and applies the decision.
package routing

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"aftersales"
)

// Point is a service point and its coverage.
type Point struct {
	ID       int64
	Name     string
	Coverage aftersales.Coverage
	Lat, Lng *float64
}

// Member is a team member with the open work they carry.
type Member struct {
	ID        int64
	Name      string
	Active    bool
	Available bool
	Open      int     // open tickets assigned
	Load      float64 // open tickets weighted by urgency
	Skills    map[int64]int
}

// Team is a team with its members.
type Team struct {
	ID            int64
	Name          string
	NameEN        string
	ServiceUnitID *int64
	Strategy      string
	Capacity      int
	LastAssignee  *int64
	Members       []Member
}

// Input is everything routing looks at.
type Input struct {
	Facts        aftersales.SLAFacts
	Text         string // title and description, for keyword rules
	City         string
	Postcode     string
	Lat, Lng     *float64
	Given        aftersales.RoutingDecision // chosen by a person; kept
	Rules        []*aftersales.RoutingRule
	Points       []Point
	Teams        []Team
	UnitParent   map[int64]int64
	CategoryPath []int64
	// Suggestions are the new ticket's text model suggestions by field,
	// applied or not, for rules with a suggestion condition.
	Suggestions map[string]aftersales.Predicted
}

// UrgencyWeight weighs open tickets for least-load.
func UrgencyWeight(u aftersales.Urgency) float64 {
	return map[aftersales.Urgency]float64{aftersales.UrgencyUrgent: 4, aftersales.UrgencyHigh: 3, aftersales.UrgencyNormal: 2, aftersales.UrgencyLow: 1}[u]
}

// Route decides a ticket's service point, team and assignee.
func Route(in Input) aftersales.RoutingDecision {
	d := in.Given
	d.Reasons = nil
	if d.ServiceUnitID != nil || d.TeamID != nil || d.AssigneeID != nil {
		d.Reasons = append(d.Reasons, "kept the choices made by hand")
	}
	setID := func(dst **int64, v *int64) bool {
		if *dst == nil && v != nil {
			x := *v
			*dst = &x
			return true
		}
		return false
	}
	// 1. Rules.
	text := strings.ToLower(in.Text)
	for _, r := range in.Rules {
		if !r.Active || !r.Conditions.Matches(in.Facts) || !KeywordsMatch(r.Keywords, text) || !r.Suggestion.Matches(in.Suggestions) {
			continue
		}
		a := r.Action
		changed := setID(&d.ServiceUnitID, a.ServiceUnitID)
		changed = setID(&d.TeamID, a.TeamID) || changed
		changed = setID(&d.AssigneeID, a.AssigneeID) || changed
		changed = setID(&d.DepartmentID, a.DepartmentID) || changed
		if a.Urgency != nil && d.Urgency == nil {
			u := *a.Urgency
			d.Urgency, changed = &u, true
		}
		if changed {
			d.Reasons = append(d.Reasons, fmt.Sprintf("rule %q matched", r.Name))
		}
		break
	}
	// 2. Coverage.
	if d.ServiceUnitID == nil {
		if p, why := cover(in); p != nil {
			d.ServiceUnitID = &p.ID
			d.Reasons = append(d.Reasons, fmt.Sprintf("service point %s: %s", p.Name, why))
		} else if in.City != "" || in.Postcode != "" || in.Lat != nil {
			d.Reasons = append(d.Reasons, "no service point covers the customer's location")
		}
	}
	// 3. The team responsible for the unit or the nearest unit above it.
	if d.TeamID == nil && d.ServiceUnitID != nil {
		for u, depth := *d.ServiceUnitID, 0; u != 0 && depth < 8 && d.TeamID == nil; u, depth = in.UnitParent[u], depth+1 {
			for _, t := range in.Teams {
				if t.ServiceUnitID != nil && *t.ServiceUnitID == u {
					d.TeamID = &t.ID
					d.Reasons = append(d.Reasons, fmt.Sprintf("team %s serves that unit", t.Name))
					break
				}
			}
		}
	}
	// 4. A person, by the team's strategy.
	if d.AssigneeID == nil && d.TeamID != nil {
		for i := range in.Teams {
			if in.Teams[i].ID == *d.TeamID {
				if m, why := pick(&in.Teams[i], in.CategoryPath); m != nil {
					d.AssigneeID = &m.ID
					d.Reasons = append(d.Reasons, fmt.Sprintf("assigned to %s: %s", m.Name, why))
				} else if why != "" {
					d.Reasons = append(d.Reasons, why)
				}
			}
		}
	}
	return d
}

// KeywordsMatch reports whether text (lower-cased) holds any of the
// words; no words match everything.
func KeywordsMatch(words []string, text string) bool {
	if len(words) == 0 {
		return true
	}
	for _, w := range words {
		if strings.Contains(text, strings.ToLower(strings.TrimSpace(w))) {
			return true
		}
	}
	return false
}

// cover finds the service point for the customer's location: the longest
// matching postcode prefix, else a city match, else the nearest point
// whose radius reaches the customer.
func cover(in Input) (*Point, string) {
	var best *Point
	bestLen := 0
	for i, p := range in.Points {
		for _, pre := range p.Coverage.Postcodes {
			if in.Postcode != "" && strings.HasPrefix(in.Postcode, pre) && len(pre) > bestLen {
				best, bestLen = &in.Points[i], len(pre)
			}
		}
	}
	if best != nil {
		return best, "postcode " + in.Postcode
	}
	for i, p := range in.Points {
		for _, c := range p.Coverage.Cities {
			if in.City != "" && strings.EqualFold(strings.TrimSuffix(c, "市"), strings.TrimSuffix(in.City, "市")) {
				return &in.Points[i], "city " + in.City
			}
		}
	}
	if in.Lat == nil || in.Lng == nil {
		return nil, ""
	}
	bestKM := math.Inf(1)
	for i, p := range in.Points {
		if p.Lat == nil || p.Lng == nil || p.Coverage.RadiusKM <= 0 {
			continue
		}
		km := Haversine(*in.Lat, *in.Lng, *p.Lat, *p.Lng)
		if km <= p.Coverage.RadiusKM && km < bestKM {
			best, bestKM = &in.Points[i], km
		}
	}
	if best != nil {
		return best, fmt.Sprintf("%.1f km away, within its %.0f km radius", bestKM, best.Coverage.RadiusKM)
	}
	return nil, ""
}

// Haversine is the great-circle distance in kilometres.
func Haversine(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371.0088
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

// pick chooses a member by the team's strategy among those active, on
// shift and under capacity.
func pick(t *Team, categoryPath []int64) (*Member, string) {
	if t.Strategy == "" || t.Strategy == aftersales.StrategyManual {
		return nil, ""
	}
	var cands []*Member
	for i := range t.Members {
		m := &t.Members[i]
		if m.Active && m.Available && (t.Capacity == 0 || m.Open < t.Capacity) {
			cands = append(cands, m)
		}
	}
	if len(cands) == 0 {
		return nil, fmt.Sprintf("team %s has nobody on shift with capacity left; left unassigned", t.Name)
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].ID < cands[j].ID })
	byLoad := func(a, b *Member) bool {
		if a.Load != b.Load {
			return a.Load < b.Load
		}
		if a.Open != b.Open {
			return a.Open < b.Open
		}
		return a.ID < b.ID
	}
	switch t.Strategy {
	case aftersales.StrategyRoundRobin:
		for _, m := range cands {
			if t.LastAssignee == nil || m.ID > *t.LastAssignee {
				return m, "next in turn"
			}
		}
		return cands[0], "next in turn"
	case aftersales.StrategySkills:
		level := func(m *Member) int {
			best := 0
			for _, c := range categoryPath {
				best = max(best, m.Skills[c])
			}
			return best
		}
		sort.SliceStable(cands, func(i, j int) bool {
			if li, lj := level(cands[i]), level(cands[j]); li != lj {
				return li > lj
			}
			return byLoad(cands[i], cands[j])
		})
		return cands[0], fmt.Sprintf("skill level %d for the category, load %.0f", level(cands[0]), cands[0].Load)
	default:
		sort.SliceStable(cands, func(i, j int) bool { return byLoad(cands[i], cands[j]) })
		return cands[0], fmt.Sprintf("least load (%.0f)", cands[0].Load)
	}
}

// Candidates ranks every active team member for a ticket with team
// teamID (nil: none yet) and category path: the ticket's team first,
// then those on shift, under capacity, more skilled, less loaded.
func Candidates(in Input, teamID *int64) []*aftersales.AssignCandidate {
	var out []*aftersales.AssignCandidate
	for _, t := range in.Teams {
		for _, m := range t.Members {
			if !m.Active {
				continue
			}
			c := &aftersales.AssignCandidate{UserID: m.ID, Name: m.Name, TeamID: t.ID, TeamName: t.Name, TeamNameEN: t.NameEN,
				InTeam: teamID != nil && *teamID == t.ID, OnShift: m.Available, Open: m.Open, Load: m.Load,
				AtCapacity: t.Capacity > 0 && m.Open >= t.Capacity}
			for _, cat := range in.CategoryPath { // as the skills strategy weighs it
				c.Skill = max(c.Skill, m.Skills[cat])
			}
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.InTeam != b.InTeam:
			return a.InTeam
		case a.OnShift != b.OnShift:
			return a.OnShift
		case a.AtCapacity != b.AtCapacity:
			return !a.AtCapacity
		case a.Skill != b.Skill:
			return a.Skill > b.Skill
		case a.Load != b.Load:
			return a.Load < b.Load
		}
		return a.UserID < b.UserID
	})
	return out
}
