package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"aftersales"
)

// The technicians' shift, minutes after local midnight, every day; the
// history's visits start in it no later than lastStart, so that the
// planner can fit a two-hour window from then and the drive home.
const (
	shiftStart = 8*60 + 30
	shiftEnd   = 17*60 + 30
	lastStart  = 16*60 + 30
)

// field gives the technicians their field profiles (service point, a
// home base a few kilometres from it, working hours, capacity) and books
// the south-west's open tickets on the last day of the history: some
// visits with a technician (their day is planned by the route planner),
// the others waiting on the dispatch board. It draws from its own random
// stream, so the rest of the company is the same with or without it.
func (g *gen) field(w *world, fw *fieldWorld, b *aftersales.Bulk) error {
	if g.s.Visits == nil {
		return nil
	}
	r := rand.New(rand.NewPCG(uint64(g.opt.Seed), 0xf1e1d))
	var shifts []aftersales.Shift
	for wd := range 7 {
		shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: shiftStart, EndMin: shiftEnd})
	}
	done := map[int64]bool{}
	for _, p := range w.points {
		for _, t := range p.techs {
			if done[t.u.ID] {
				continue
			}
			done[t.u.ID] = true
			// Within 8 km of the point: 1° of latitude is 111 km.
			d, a := 8*math.Sqrt(r.Float64()), 2*math.Pi*r.Float64()
			home := aftersales.Position{Lat: p.spec.lat + d*math.Sin(a)/111, Lng: p.spec.lng + d*math.Cos(a)/(111*math.Cos(p.spec.lat*math.Pi/180))}
			in := aftersales.TechnicianProfileInput{ServiceUnitID: &p.unit.ID, Home: &home, Shifts: shifts, CapacityVisits: 6, CapacityMinutes: 420}
			if fw != nil {
				// The days off of the history (fieldhistory.go).
				in.Leave = fw.leave[t.u.ID]
			}
			if _, err := g.s.Visits.SetTechnician(g.ctx, t.u.ID, in); err != nil {
				return fmt.Errorf("technician %d: %w", t.u.ID, err)
			}
		}
	}
	end := g.opt.End.In(g.opt.Zone)
	day := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, g.opt.Zone)
	windows := []int{9, 11, 14, 16}
	// The south-west's open repair tickets are booked for the day: every
	// other one with a technician, the rest left for the dispatch board.
	for _, p := range w.points {
		if p.slow < 1.5 { // the south-west
			continue
		}
		n := 0
		for _, t := range b.Tickets {
			if n == 8 {
				break
			}
			if t.ServiceUnitID == nil || *t.ServiceUnitID != p.unit.ID || !t.Status.Open() || t.ProductID == nil {
				continue
			}
			h := windows[n%len(windows)]
			in := aftersales.VisitInput{WindowStart: day.Add(time.Duration(h) * time.Hour), WindowEnd: day.Add(time.Duration(h+2) * time.Hour),
				DurationMin: 45 + 15*r.IntN(4), Skills: []aftersales.Skill{{CategoryID: w.groupCat[w.specs[*t.ProductID].group], Level: 1}}}
			if n%2 == 0 {
				in.TechnicianID = &p.techs[(n/2)%len(p.techs)].u.ID
			}
			if _, err := g.s.Visits.CreateVisit(g.ctx, t.ID, in); err != nil {
				return fmt.Errorf("visit for %s: %w", t.Number, err)
			}
			n++
		}
	}
	return nil
}
