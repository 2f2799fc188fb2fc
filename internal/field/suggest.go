package field

import (
	"cmp"
	"math"
	"slices"
	"time"

	"aftersales"
)

// SuggestVisit is the unassigned visit a supervisor wants a technician
// for.
type SuggestVisit struct {
	WindowStart, WindowEnd time.Time
	Duration               time.Duration
	Skills                 []aftersales.Skill
	At                     *aftersales.Position // the customer
	SLADue                 *time.Time           // the ticket's resolution target
}

// urgentWithin is how close to its SLA target a visit is urgent: then
// the drive counts twice, since the nearest technician resolves it
// soonest.
const urgentWithin = 4 * time.Hour

// Suggest ranks the technicians for visit v on the local day starting at
// midnight, best first. Those who can take it come first: they have the
// skills (and parts, as Calendar.Parts says), work then, are under their
// capacity and can arrive inside the window after their previous stop.
// Among them the score is the drive in minutes (doubled when the SLA
// target is less than four hours away, or past) plus a load term: 60
// minutes times the share of the day's capacity already booked (10
// minutes a visit without a capacity). Ties go to the lighter day, then
// the lower id. The rest follow, each with what blocks them. now is when
// the SLA time left is measured from.
func Suggest(cals []*Calendar, v *SuggestVisit, midnight, now time.Time, tr Travel) []*aftersales.TechSuggestion {
	out := make([]*aftersales.TechSuggestion, 0, len(cals))
	urgent := false
	var left *int
	if v.SLADue != nil {
		m := int(math.Floor(v.SLADue.Sub(now).Minutes()))
		left, urgent = &m, v.SLADue.Sub(now) < urgentWithin
	}
	need := &Need{Duration: v.Duration, Skills: v.Skills, At: v.At}
	date := aftersales.DateOf(midnight)
	for _, c := range cals {
		why := aftersales.SuggestionWhy{Skills: []aftersales.SkillFit{}, SLALeftMin: left, From: c.StartKind, Capacity: c.CapacityVisits}
		for _, s := range v.Skills {
			f := aftersales.SkillFit{CategoryID: s.CategoryID, Need: s.Level}
			if i := slices.IndexFunc(c.Skills, func(x aftersales.Skill) bool { return x.CategoryID == s.CategoryID }); i >= 0 {
				f.Level = c.Skills[i].Level
			}
			why.Skills = append(why.Skills, f)
		}
		day := dayVisits(c, midnight)
		why.Booked = len(day)
		km, mins := tr.Estimate(c.Start, v.At)
		why.TravelKM, why.TravelMin = math.Round(km*10)/10, mins
		mins0 := 0
		for _, b := range day {
			mins0 += int(b.Duration / time.Minute)
		}
		if ok, reason := Qualifies(c, need, date); !ok {
			why.Blocked = reason
		} else if c.CapacityVisits > 0 && len(day) >= c.CapacityVisits ||
			c.CapacityMinutes > 0 && mins0+int(v.Duration/time.Minute) > c.CapacityMinutes {
			why.Blocked = "capacity"
		} else {
			why.Blocked = "no_shift"
			for _, sh := range Free(c, midnight) {
				if !sh.a.Before(v.WindowEnd) || !sh.b.After(v.WindowStart) {
					continue
				}
				why.Blocked = "no_room"
				found := false
				t0 := v.WindowStart
				if sh.a.After(t0) {
					t0 = sh.a
				}
				for t := t0; !t.After(v.WindowEnd) && !found; t = t.Add(Step) {
					w, ok := fits(c, day, sh, t, need, tr)
					if ok {
						why.From, why.TravelKM, why.TravelMin, why.Blocked, found = w.From, w.TravelKM, w.TravelMin, "", true
					}
				}
				if found {
					break
				}
			}
		}
		load := 10.0 * float64(len(day))
		if c.CapacityVisits > 0 {
			load = 60 * float64(len(day)) / float64(c.CapacityVisits)
		}
		drive := float64(why.TravelMin)
		if urgent {
			drive *= 2
		}
		out = append(out, &aftersales.TechSuggestion{TechnicianID: c.ID, Technician: c.Name, Score: math.Round((drive+load)*10) / 10, Why: why})
	}
	slices.SortStableFunc(out, func(a, b *aftersales.TechSuggestion) int {
		return cmp.Or(cmp.Compare(boolRank(a.Why.Blocked != ""), boolRank(b.Why.Blocked != "")), cmp.Compare(a.Score, b.Score),
			cmp.Compare(a.Why.Booked, b.Why.Booked), cmp.Compare(a.TechnicianID, b.TechnicianID))
	})
	return out
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// WorkingDay is when a technician's working day on the local day starting
// at midnight begins and ends (first shift to last, less leave); ok is
// false when they do not work that day.
func WorkingDay(c *Calendar, midnight time.Time) (start, end time.Time, ok bool) {
	free := Free(c, midnight)
	if len(free) == 0 {
		return time.Time{}, time.Time{}, false
	}
	return free[0].a, free[len(free)-1].b, true
}
