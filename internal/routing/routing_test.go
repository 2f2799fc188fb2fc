package routing

import (
	"math"
	"slices"
	"strings"
	"testing"

	"aftersales"
)

func p[T any](v T) *T { return &v }

func TestHaversine(t *testing.T) {
	// Shanghai People's Square to Beijing Tiananmen: about 1,067 km.
	if km := Haversine(31.2304, 121.4737, 39.9042, 116.4074); math.Abs(km-1067) > 5 {
		t.Errorf("Shanghai-Beijing = %.1f km", km)
	}
	if km := Haversine(30, 120, 30, 120); km != 0 {
		t.Errorf("zero distance = %v", km)
	}
}

func base() Input {
	return Input{
		Points: []Point{
			{ID: 11, Name: "浦东", Coverage: aftersales.Coverage{Postcodes: []string{"2001"}, Cities: []string{"上海"}}, Lat: p(31.22), Lng: p(121.54)},
			{ID: 12, Name: "陆家嘴", Coverage: aftersales.Coverage{Postcodes: []string{"20012"}}},
			{ID: 13, Name: "杭州", Coverage: aftersales.Coverage{RadiusKM: 50}, Lat: p(30.26), Lng: p(120.13)},
		},
		UnitParent: map[int64]int64{11: 5, 12: 5, 13: 6},
		Teams: []Team{
			{ID: 1, Name: "浦东组", ServiceUnitID: p(int64(5)), Strategy: aftersales.StrategyLeastLoad, Capacity: 3, Members: []Member{
				{ID: 100, Name: "甲", Active: true, Available: true, Open: 2, Load: 6, Skills: map[int64]int{7: 2}},
				{ID: 101, Name: "乙", Active: true, Available: true, Open: 1, Load: 4, Skills: map[int64]int{7: 5}},
				{ID: 102, Name: "丙", Active: true, Available: false, Open: 0, Load: 0},
				{ID: 103, Name: "丁", Active: false, Available: true, Open: 0, Load: 0},
			}},
			{ID: 2, Name: "杭州组", ServiceUnitID: p(int64(13)), Strategy: aftersales.StrategyManual},
		},
		CategoryPath: []int64{3, 7},
	}
}

func TestRoute(t *testing.T) {
	for _, tc := range []struct {
		name            string
		edit            func(*Input)
		unit, team, who int64
		reason          string
	}{
		{"longest postcode prefix wins", func(in *Input) { in.Postcode = "200120" }, 12, 1, 101, "postcode"},
		{"city", func(in *Input) { in.City = "上海市" }, 11, 1, 101, "city 上海市"},
		{"radius, nearest", func(in *Input) { in.Lat, in.Lng = p(30.30), p(120.20) }, 13, 2, 0, "km away"},
		{"outside every radius", func(in *Input) { in.Lat, in.Lng = p(23.1), p(113.3) }, 0, 0, 0, "no service point covers"},
		{"skills strategy", func(in *Input) {
			in.City = "上海"
			in.Teams[0].Strategy = aftersales.StrategySkills
			in.Teams[0].Members[0].Load = 0
		}, 11, 1, 101, "skill level 5"},
		{"round robin continues after the last", func(in *Input) {
			in.City = "上海"
			in.Teams[0].Strategy = aftersales.StrategyRoundRobin
			in.Teams[0].LastAssignee = p(int64(100))
		}, 11, 1, 101, "next in turn"},
		{"round robin wraps", func(in *Input) {
			in.City = "上海"
			in.Teams[0].Strategy = aftersales.StrategyRoundRobin
			in.Teams[0].LastAssignee = p(int64(101))
		}, 11, 1, 100, "next in turn"},
		{"capacity full", func(in *Input) { in.City = "上海"; in.Teams[0].Capacity = 1 }, 11, 1, 0, "nobody on shift with capacity"},
		{"rule first", func(in *Input) {
			in.City = "上海"
			in.Text = "客户投诉：燃气味很重"
			in.Rules = []*aftersales.RoutingRule{
				{Name: "off", Active: false, Action: aftersales.RoutingAction{TeamID: p(int64(9))}},
				{Name: "gas", Active: true, Keywords: []string{"燃气味"}, Action: aftersales.RoutingAction{TeamID: p(int64(2)), Urgency: p(aftersales.UrgencyUrgent)}},
			}
		}, 11, 2, 0, `rule "gas" matched`},
		{"a person's choice is kept", func(in *Input) { in.City = "上海"; in.Given.AssigneeID = p(int64(100)) }, 11, 1, 100, "kept the choices"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.edit(&in)
			d := Route(in)
			id := func(x *int64) int64 {
				if x == nil {
					return 0
				}
				return *x
			}
			if id(d.ServiceUnitID) != tc.unit || id(d.TeamID) != tc.team || id(d.AssigneeID) != tc.who {
				t.Errorf("unit %d team %d assignee %d, want %d %d %d (%v)", id(d.ServiceUnitID), id(d.TeamID), id(d.AssigneeID), tc.unit, tc.team, tc.who, d.Reasons)
			}
			if !strings.Contains(strings.Join(d.Reasons, "; "), tc.reason) {
				t.Errorf("reasons %v lack %q", d.Reasons, tc.reason)
			}
		})
	}
	in := base()
	in.City = "上海"
	in.Text = "燃气味"
	in.Rules = []*aftersales.RoutingRule{{Name: "gas", Active: true, Keywords: []string{"燃气味"}, Action: aftersales.RoutingAction{Urgency: p(aftersales.UrgencyUrgent)}}}
	if d := Route(in); d.Urgency == nil || *d.Urgency != aftersales.UrgencyUrgent {
		t.Errorf("rule urgency not applied: %+v", d)
	}
}

func TestCandidates(t *testing.T) {
	in := Input{CategoryPath: []int64{7, 3}, Teams: []Team{
		{ID: 1, Name: "北区", Capacity: 3, Members: []Member{
			{ID: 10, Name: "甲", Active: true, Available: true, Open: 2, Load: 4},
			{ID: 11, Name: "乙", Active: true, Available: true, Open: 0, Load: 0},
			{ID: 12, Name: "丙", Active: true, Available: false, Open: 0, Load: 0},
			{ID: 13, Name: "丁", Active: true, Available: true, Open: 3, Load: 6},
			{ID: 14, Name: "离职", Active: false, Available: true},
			{ID: 15, Name: "戊", Active: true, Available: true, Open: 2, Load: 4, Skills: map[int64]int{3: 4}},
		}},
		{ID: 2, Name: "南区", Members: []Member{{ID: 20, Name: "己", Active: true, Available: true}}},
	}}
	got := Candidates(in, p(int64(1)))
	var order []int64
	for _, c := range got {
		order = append(order, c.UserID)
	}
	// Team 1 first; on shift before off; under capacity before full;
	// skilled before not; then by load.
	if want := []int64{15, 11, 10, 13, 12, 20}; !slices.Equal(order, want) {
		t.Fatalf("order = %v, want %v", order, want)
	}
	if c := got[0]; !c.InTeam || !c.OnShift || c.Skill != 4 || c.Open != 2 || c.TeamName != "北区" {
		t.Errorf("first = %+v", c)
	}
	if c := got[3]; !c.AtCapacity {
		t.Errorf("丁 with 3 open of 3 = %+v, want at capacity", c)
	}
	if c := got[5]; c.InTeam {
		t.Errorf("another team's member = %+v, want not in team", c)
	}
	if got := Candidates(in, nil); got[0].InTeam {
		t.Errorf("without a team nobody is in it: %+v", got[0])
	}
}

// TestRouteOnSuggestion: a rule with a suggestion condition matches only
// a suggestion for its field, among its values, at its confidence or more;
// a ticket without suggestions never matches it.
func TestRouteOnSuggestion(t *testing.T) {
	rule := &aftersales.RoutingRule{Name: "投诉", Active: true, Action: aftersales.RoutingAction{TeamID: p(int64(2))},
		Suggestion: &aftersales.SuggestionCondition{Field: aftersales.SuggestNature, Values: []string{"complaint"}, MinConfidence: 0.7}}
	for _, c := range []struct {
		name string
		s    map[string]aftersales.Predicted
		want bool
	}{
		{"confident complaint", map[string]aftersales.Predicted{"nature": {Value: "complaint", Confidence: 0.7}}, true},
		{"below the confidence", map[string]aftersales.Predicted{"nature": {Value: "complaint", Confidence: 0.69}}, false},
		{"another value", map[string]aftersales.Predicted{"nature": {Value: "repair", Confidence: 0.99}}, false},
		{"another field", map[string]aftersales.Predicted{"urgency": {Value: "complaint", Confidence: 0.99}}, false},
		{"no suggestions", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Rules: []*aftersales.RoutingRule{rule}, Suggestions: c.s}
			d := Route(in)
			if got := d.TeamID != nil && *d.TeamID == 2; got != c.want {
				t.Errorf("matched = %v, want %v (%v)", got, c.want, d.Reasons)
			}
		})
	}
	bad := aftersales.RoutingRule{Name: "x", Action: aftersales.RoutingAction{TeamID: p(int64(2))},
		Suggestion: &aftersales.SuggestionCondition{Field: "colour", MinConfidence: 2}}
	err := bad.Validate()
	for _, f := range []string{"suggestion.field", "suggestion.values", "suggestion.min_confidence"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("validation does not name %s: %v", f, err)
		}
	}
}
