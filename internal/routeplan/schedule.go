package routeplan

// Leg is one stop of a planned route as the technician lives it: when the
// vehicle arrives, waits, starts and leaves, the travel before it, and
// the slack (how much later service could start without missing this or
// any later window, or the end of the shift).
type Leg struct {
	Stop                           int
	Arrive, Start, Depart, Wait    float64
	TravelDuration, TravelDistance float64
	Slack                          float64
}

// Schedule times vehicle v's route through stops (indices into p.Stops),
// leaving the start at the beginning of the shift, and returns a leg per
// stop and the time the vehicle is back. It does not check the route:
// Check does; a late stop shows as negative slack.
func Schedule(p *Problem, v int, stops []int) ([]Leg, float64) {
	veh := p.Vehicles[v]
	legs := make([]Leg, len(stops))
	t, here := veh.ShiftStart, veh.Start
	for i, s := range stops {
		st := p.Stops[s]
		l := Leg{Stop: s, TravelDuration: p.Travel.Duration(here, st.Location), TravelDistance: p.Travel.Distance(here, st.Location)}
		l.Arrive = t + l.TravelDuration
		l.Start = max(l.Arrive, st.Ready)
		l.Wait = l.Start - l.Arrive
		l.Depart = l.Start + st.Service
		legs[i] = l
		t, here = l.Depart, st.Location
	}
	back := t + p.Travel.Duration(here, veh.End)
	// Latest starts, backwards from the end of the shift.
	latest, next := veh.ShiftEnd, veh.End
	for i := len(legs) - 1; i >= 0; i-- {
		st := p.Stops[legs[i].Stop]
		latest = min(st.Due, latest-p.Travel.Duration(st.Location, next)-st.Service)
		legs[i].Slack = latest - legs[i].Start
		next = st.Location
	}
	return legs, back
}
