package field

import (
	"cmp"
	"math"
	"slices"
	"time"

	"aftersales"
)

// Travel estimates a drive from straight-line distance: haversine
// kilometres times a road factor (roads are not straight), at an average
// speed. The route planner may later answer from a road network; booking
// needs only a fair guess.
type Travel struct {
	RoadFactor float64 // default 1.3
	SpeedKMH   float64 // default 30, town traffic
}

// DefaultTravel is what booking uses unless told otherwise.
var DefaultTravel = Travel{RoadFactor: 1.3, SpeedKMH: 30}

const earthKM = 6371.0088

// HaversineKM is the great-circle distance between two points.
func HaversineKM(a, b aftersales.Position) float64 {
	rad := math.Pi / 180
	dLat, dLng := (b.Lat-a.Lat)*rad, (b.Lng-a.Lng)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthKM * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Estimate returns the road kilometres and whole minutes (rounded up)
// from a to b; zero when either end is unknown.
func (t Travel) Estimate(a, b *aftersales.Position) (km float64, minutes int) {
	if a == nil || b == nil || t.SpeedKMH <= 0 {
		return 0, 0
	}
	km = HaversineKM(*a, *b) * t.RoadFactor
	// A hair's tolerance, so that 13.0000001 km at 30 km/h is 26 minutes.
	return km, int(math.Ceil(km/t.SpeedKMH*60 - 1e-6))
}

// Booked is a visit already in a technician's day. Until the route
// planner orders the day, a visit is taken to start when its window
// starts and to last its duration.
type Booked struct {
	Start    time.Time
	Duration time.Duration
	At       *aftersales.Position
}

// Calendar is what booking knows of one technician.
type Calendar struct {
	ID    int64
	Name  string
	Start *aftersales.Position // home base, or the service point
	// StartKind says which: "home" or "service_point" ("" unknown).
	StartKind       string
	Skills          []aftersales.Skill
	Certs           []aftersales.Certification
	Shifts          []aftersales.Shift
	Leave           []aftersales.Leave
	CapacityVisits  int
	CapacityMinutes int
	Visits          []Booked
	// PartsFrom names the stock location that has every part the visit
	// needs ("" when none was needed); Parts false passes the technician
	// over.
	Parts     bool
	PartsFrom string
}

// Need is what the visit asks of a technician.
type Need struct {
	Duration time.Duration
	Skills   []aftersales.Skill
	Certs    []string
	At       *aftersales.Position // the customer
	From     time.Time            // no arrival before
	Days     int
	Count    int
	Window   time.Duration // width of the promised window
}

// Step is the granularity of arrival times tried inside a window.
const Step = 15 * time.Minute

// Qualifies says whether a technician has the skills, certifications
// valid on day and parts for the visit, and if not, the first reason.
func Qualifies(c *Calendar, n *Need, day aftersales.Date) (bool, string) {
	for _, s := range n.Skills {
		i := slices.IndexFunc(c.Skills, func(x aftersales.Skill) bool { return x.CategoryID == s.CategoryID })
		if i < 0 || c.Skills[i].Level < s.Level {
			return false, "skill"
		}
	}
	for _, code := range n.Certs {
		i := slices.IndexFunc(c.Certs, func(x aftersales.Certification) bool { return x.Code == code })
		if i < 0 || c.Certs[i].Expires != "" && c.Certs[i].Expires < day {
			return false, "certification"
		}
	}
	if !c.Parts {
		return false, "parts"
	}
	return true, ""
}

// interval is a span of time [a, b).
type interval struct{ a, b time.Time }

// Free returns a technician's working intervals on the local day that
// starts at midnight, less leave.
func Free(c *Calendar, midnight time.Time) []interval {
	var out []interval
	wd := int(midnight.Weekday())
	for _, s := range c.Shifts {
		if s.Weekday != wd {
			continue
		}
		iv := interval{at(midnight, s.StartMin), at(midnight, s.EndMin)}
		out = append(out, minus([]interval{iv}, c.Leave)...)
	}
	slices.SortFunc(out, func(x, y interval) int { return x.a.Compare(y.a) })
	return out
}

// at is minute m of the local day starting at midnight (wall clock, so
// that a shift keeps its hours across a daylight-saving change).
func at(midnight time.Time, m int) time.Time {
	y, mo, d := midnight.Date()
	return time.Date(y, mo, d, 0, m, 0, 0, midnight.Location())
}

func minus(ivs []interval, leave []aftersales.Leave) []interval {
	for _, l := range leave {
		var next []interval
		for _, iv := range ivs {
			if !l.Start.Before(iv.b) || !l.End.After(iv.a) {
				next = append(next, iv)
				continue
			}
			if l.Start.After(iv.a) {
				next = append(next, interval{iv.a, l.Start})
			}
			if l.End.Before(iv.b) {
				next = append(next, interval{l.End, iv.b})
			}
		}
		ivs = next
	}
	return ivs
}

// Why explains an offer: who, from where, how loaded, how far.
type Why = aftersales.OfferWhy

// Offers returns up to n.Count windows, earliest first, each with the
// technician who would come and why. Windows are blocks of n.Window
// aligned to local midnight (08:00-10:00, 10:00-12:00 for two hours); in
// each, the technician with the shortest drive, then the lightest day,
// then the lowest id is offered. A technician can take the visit when
// they qualify on the day, are under their daily capacity, and can
// arrive inside the window after the previous stop plus the drive, stay
// the visit's duration inside their shift and still reach the next
// booked visit on time.
func Offers(cals []*Calendar, n *Need, tr Travel, loc *time.Location) []*aftersales.Offer {
	var out []*aftersales.Offer
	if n.Window <= 0 || n.Duration <= 0 {
		return out
	}
	from := n.From.In(loc)
	day0 := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	for d := 0; d <= n.Days && len(out) < n.Count; d++ {
		midnight := time.Date(day0.Year(), day0.Month(), day0.Day()+d, 0, 0, 0, 0, loc)
		date := aftersales.DateOf(midnight)
		type cand struct {
			c      *Calendar
			arrive time.Time
			why    Why
		}
		blocks := map[time.Time][]cand{}
		for _, c := range cals {
			if ok, _ := Qualifies(c, n, date); !ok {
				continue
			}
			day := dayVisits(c, midnight)
			mins := 0
			for _, v := range day {
				mins += int(v.Duration / time.Minute)
			}
			if c.CapacityVisits > 0 && len(day) >= c.CapacityVisits ||
				c.CapacityMinutes > 0 && mins+int(n.Duration/time.Minute) > c.CapacityMinutes {
				continue
			}
			seen := map[time.Time]bool{}
			for _, sh := range Free(c, midnight) {
				for t := sh.a; !t.Add(n.Duration).After(sh.b); t = t.Add(Step) {
					if t.Before(n.From) {
						continue
					}
					block := blockOf(t, midnight, n.Window)
					if seen[block] {
						continue
					}
					why, ok := fits(c, day, sh, t, n, tr)
					if !ok {
						continue
					}
					seen[block] = true
					why.Shift = sh.a.Format("15:04") + "-" + shiftEnd(sh.a, sh.b)
					why.Booked, why.BookedMinutes, why.Capacity = len(day), mins, c.CapacityVisits
					blocks[block] = append(blocks[block], cand{c, t, why})
				}
			}
		}
		keys := make([]time.Time, 0, len(blocks))
		for k := range blocks {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b time.Time) int { return a.Compare(b) })
		for _, k := range keys {
			cs := blocks[k]
			slices.SortFunc(cs, func(a, b cand) int {
				return cmp.Or(cmp.Compare(a.why.TravelMin, b.why.TravelMin), cmp.Compare(a.why.Booked, b.why.Booked),
					cmp.Compare(a.c.ID, b.c.ID))
			})
			best := cs[0]
			best.why.Others = len(cs) - 1
			out = append(out, &aftersales.Offer{TechnicianID: best.c.ID, Technician: best.c.Name, WindowStart: k.UTC(),
				WindowEnd: k.Add(n.Window).UTC(), Arrive: best.arrive.UTC(), TravelMin: best.why.TravelMin, Why: best.why})
			if len(out) == n.Count {
				break
			}
		}
	}
	return out
}

// blockOf is the start of the window block that t falls in.
func blockOf(t, midnight time.Time, w time.Duration) time.Time {
	return midnight.Add(t.Sub(midnight) / w * w)
}

// dayVisits are the technician's visits starting on the local day,
// in order.
func dayVisits(c *Calendar, midnight time.Time) []Booked {
	end := time.Date(midnight.Year(), midnight.Month(), midnight.Day()+1, 0, 0, 0, 0, midnight.Location())
	var out []Booked
	for _, v := range c.Visits {
		if !v.Start.Before(midnight) && v.Start.Before(end) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b Booked) int { return a.Start.Compare(b.Start) })
	return out
}

// fits checks an arrival at t within shift sh against the day's visits.
func fits(c *Calendar, day []Booked, sh interval, t time.Time, n *Need, tr Travel) (Why, bool) {
	why := Why{From: c.StartKind, PartsFrom: c.PartsFrom}
	prevEnd, prevAt := sh.a, c.Start
	var next *Booked
	for i := range day {
		v := &day[i]
		if v.Start.Before(t) {
			prevEnd, prevAt, why.From = v.Start.Add(v.Duration), v.At, "previous_visit"
			continue
		}
		next = v
		break
	}
	km, mins := tr.Estimate(prevAt, n.At)
	why.TravelKM, why.TravelMin = math.Round(km*10)/10, mins
	if t.Before(prevEnd.Add(time.Duration(mins) * time.Minute)) {
		return why, false
	}
	done := t.Add(n.Duration)
	if done.After(sh.b) {
		return why, false
	}
	if next != nil {
		_, back := tr.Estimate(n.At, next.At)
		if done.Add(time.Duration(back) * time.Minute).After(next.Start) {
			return why, false
		}
	}
	return why, true
}

// shiftEnd says when a shift that began at a ends: a shift running to
// midnight ends at 24:00, not 00:00.
func shiftEnd(a, b time.Time) string {
	if s := b.Format("15:04"); s != "00:00" || !b.After(a) {
		return s
	}
	return "24:00"
}
