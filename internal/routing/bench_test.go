package routing

import (
	"fmt"
	"testing"

	"aftersales"
)

// benchInput is a company the size of the demo: 13 service points with
// radius coverage, 12 teams of 4, and 20 rules of which the last matches.
func benchInput() Input {
	in := Input{UnitParent: map[int64]int64{}, CategoryPath: []int64{1, 6}, Text: "1.5匹变频壁挂式空调外机噪音大，客户要求尽快上门"}
	in.Lat, in.Lng = p(31.23), p(121.50)
	in.Facts = aftersales.SLAFacts{Urgency: aftersales.UrgencyHigh, Nature: aftersales.NatureRepair, Channel: aftersales.ChannelPhone, Tier: "vip", CategoryPath: in.CategoryPath}
	for i := range 13 {
		in.Points = append(in.Points, Point{ID: int64(100 + i), Name: fmt.Sprint("p", i), Coverage: aftersales.Coverage{RadiusKM: 30},
			Lat: p(22 + float64(i)), Lng: p(104 + float64(i))})
		in.UnitParent[int64(100+i)] = int64(200 + i)
	}
	in.Points[9].Lat, in.Points[9].Lng = p(31.22), p(121.54)
	for i := range 12 {
		t := Team{ID: int64(i + 1), Name: fmt.Sprint("t", i), ServiceUnitID: p(int64(200 + i)), Strategy: aftersales.StrategySkills, Capacity: 8}
		for j := range 4 {
			t.Members = append(t.Members, Member{ID: int64(1000 + i*4 + j), Active: true, Available: true, Open: j, Load: float64(j * 2), Skills: map[int64]int{1: j + 1}})
		}
		in.Teams = append(in.Teams, t)
	}
	for i := range 20 {
		r := &aftersales.RoutingRule{Name: fmt.Sprint("r", i), Active: true, Keywords: []string{fmt.Sprint("关键字", i)},
			Action: aftersales.RoutingAction{Urgency: p(aftersales.UrgencyUrgent)}}
		if i == 19 {
			r.Keywords = []string{"外机噪音"}
			r.Conditions = aftersales.SLAConditions{Tier: []string{"vip"}, CategoryID: []int64{1}}
		}
		in.Rules = append(in.Rules, r)
	}
	return in
}

func BenchmarkRoute(b *testing.B) {
	in := benchInput()
	for b.Loop() {
		if d := Route(in); d.AssigneeID == nil || d.Urgency == nil {
			b.Fatalf("decision %+v", d)
		}
	}
}

func BenchmarkConditions(b *testing.B) {
	in := benchInput()
	c := aftersales.AutomationConditions{SLAConditions: aftersales.SLAConditions{Urgency: []aftersales.Urgency{aftersales.UrgencyUrgent, aftersales.UrgencyHigh},
		Tier: []string{"vip"}, CategoryID: []int64{6}}, Status: []aftersales.Status{aftersales.StatusNew}}
	for b.Loop() {
		if !c.Matches(in.Facts, aftersales.StatusNew) {
			b.Fatal("no match")
		}
	}
}
