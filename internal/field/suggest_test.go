package field

import (
	"testing"
	"time"

	"aftersales"

	"github.com/google/go-cmp/cmp"
)

func TestSuggest(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	at := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, loc) } // a Tuesday
	midnight := at(0, 0)
	north := func(km float64) *aftersales.Position {
		return &aftersales.Position{Lat: 30.65 + km/111.19508, Lng: 104.06}
	}
	customer := north(0)
	shift := []aftersales.Shift{{Weekday: 2, StartMin: 8 * 60, EndMin: 18 * 60}}
	ac := []aftersales.Skill{{CategoryID: 7, Level: 3}}
	cal := func(id int64, name string, km float64, level int, booked int) *Calendar {
		c := &Calendar{ID: id, Name: name, Start: north(km), StartKind: "home", Parts: true, Shifts: shift, CapacityVisits: 6}
		if level > 0 {
			c.Skills = []aftersales.Skill{{CategoryID: 7, Level: level}}
		}
		for i := range booked {
			// Earlier visits at the technician's home, done by 08:00+i h.
			c.Visits = append(c.Visits, Booked{Start: at(8+i, 0), Duration: 30 * time.Minute, At: north(km)})
		}
		return c
	}
	// near: 5 km (6.5 road km, 13 min), 3 visits booked.
	// far: 15 km (19.5 km, 39 min), empty day.
	// unskilled: at the door but lacks the skill.
	// full: capacity reached.
	// off: works on Wednesdays only.
	near, far := cal(1, "王师傅", 5, 4, 3), cal(2, "李师傅", 15, 3, 0)
	unskilled, full := cal(3, "张师傅", 0, 0, 0), cal(4, "赵师傅", 1, 5, 6)
	off := cal(5, "周师傅", 1, 5, 0)
	off.Shifts = []aftersales.Shift{{Weekday: 3, StartMin: 8 * 60, EndMin: 18 * 60}}
	cals := []*Calendar{unskilled, far, full, near, off}
	v := &SuggestVisit{WindowStart: at(14, 0), WindowEnd: at(16, 0), Duration: time.Hour, Skills: ac, At: customer}
	type row struct {
		ID      int64
		Score   float64
		Blocked string
		From    string
		Travel  int
		Booked  int
		Level   int
		Left    *int
	}
	rows := func(s []*aftersales.TechSuggestion) []row {
		var out []row
		for _, x := range s {
			out = append(out, row{x.TechnicianID, x.Score, x.Why.Blocked, x.Why.From, x.Why.TravelMin, x.Why.Booked, x.Why.Skills[0].Level, x.Why.SLALeftMin})
		}
		return out
	}
	ip := func(n int) *int { return &n }
	tests := []struct {
		name string
		due  *time.Time
		want []row
	}{
		// Without SLA pressure near scores 13 + 60*3/6 = 43, far 39 + 0:
		// far wins. Those blocked follow, by score (1.3 road km is 3 min).
		{"load outweighs a short drive", nil, []row{
			{2, 39, "", "home", 39, 0, 3, nil},
			{1, 43, "", "previous_visit", 13, 3, 4, nil},
			{3, 0, "skill", "home", 0, 0, 0, nil},
			{5, 3, "no_shift", "home", 3, 0, 5, nil},
			{4, 63, "capacity", "home", 3, 6, 5, nil},
		}},
		// Two hours left on the SLA: the drive counts twice, near (26+30) beats far (78).
		{"urgent: the nearest wins", ptr(at(12, 0)), []row{
			{1, 56, "", "previous_visit", 13, 3, 4, ip(120)},
			{2, 78, "", "home", 39, 0, 3, ip(120)},
			{3, 0, "skill", "home", 0, 0, 0, ip(120)},
			{5, 6, "no_shift", "home", 3, 0, 5, ip(120)},
			{4, 66, "capacity", "home", 3, 6, 5, ip(120)},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v.SLADue = tc.due
			got := Suggest(cals, v, midnight, at(10, 0), DefaultTravel)
			if d := cmp.Diff(tc.want, rows(got)); d != "" {
				t.Errorf("ranking (-want +got):\n%s", d)
			}
		})
	}
}

func ptr[T any](x T) *T { return &x }
