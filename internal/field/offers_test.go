package field

import (
	"math"
	"testing"
	"time"

	"aftersales"

	"github.com/google/go-cmp/cmp"
)

func TestHaversine(t *testing.T) {
	paris, london := aftersales.Position{Lat: 48.8566, Lng: 2.3522}, aftersales.Position{Lat: 51.5074, Lng: -0.1278}
	if d := HaversineKM(paris, london); math.Abs(d-343.56) > 0.1 {
		t.Errorf("Paris-London %.2f km, want 343.56", d)
	}
	if d := HaversineKM(london, london); d != 0 {
		t.Errorf("same point %.3f km", d)
	}
	// 10 km straight, 13 km by road at 30 km/h: 26 minutes.
	a := aftersales.Position{Lat: 30, Lng: 104}
	b := aftersales.Position{Lat: 30 + 10/111.19508, Lng: 104}
	km, mins := DefaultTravel.Estimate(&a, &b)
	if math.Abs(km-13) > 0.01 || mins != 26 {
		t.Errorf("estimate %.2f km %d min, want 13 km 26 min", km, mins)
	}
	if km, mins := DefaultTravel.Estimate(nil, &b); km != 0 || mins != 0 {
		t.Errorf("unknown start: %.2f %d", km, mins)
	}
}

func TestOffers(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	day := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, loc) } // 2026-12-01 is a Tuesday
	home := &aftersales.Position{Lat: 30.65, Lng: 104.06}
	customer := &aftersales.Position{Lat: 30.65 + 5/111.19508, Lng: 104.06} // 5 km north: 6.5 km, 13 min
	weekdays := func(from, to int) []aftersales.Shift {
		var s []aftersales.Shift
		for wd := 1; wd <= 5; wd++ {
			s = append(s, aftersales.Shift{Weekday: wd, StartMin: from, EndMin: to})
		}
		return s
	}
	near := &Calendar{ID: 1, Name: "王师傅", Start: home, StartKind: "home", Parts: true, PartsFrom: "van-1",
		Skills: []aftersales.Skill{{CategoryID: 7, Level: 4}}, Shifts: weekdays(8*60, 12*60), CapacityVisits: 2,
		Certs:  []aftersales.Certification{{Code: "gas", Expires: "2026-12-01"}},
		Leave:  []aftersales.Leave{{Start: day(2, 0, 0), End: day(3, 0, 0)}},
		Visits: []Booked{{Start: day(1, 8, 0), Duration: time.Hour, At: home}}}
	far := &Calendar{ID: 2, Name: "李师傅", Start: &aftersales.Position{Lat: 30.9, Lng: 104.06}, StartKind: "service_point", Parts: true,
		Skills: []aftersales.Skill{{CategoryID: 7, Level: 5}}, Shifts: weekdays(13*60, 17*60),
		Certs: []aftersales.Certification{{Code: "gas"}}}
	novice := &Calendar{ID: 3, Name: "新人", Start: home, Parts: true, Skills: []aftersales.Skill{{CategoryID: 7, Level: 1}},
		Shifts: weekdays(0, 24*60), Certs: []aftersales.Certification{{Code: "gas"}}}
	need := &Need{Duration: 90 * time.Minute, Skills: []aftersales.Skill{{CategoryID: 7, Level: 3}}, Certs: []string{"gas"},
		At: customer, From: day(1, 7, 0), Days: 2, Count: 4, Window: 2 * time.Hour}
	got := Offers([]*Calendar{far, near, novice}, need, DefaultTravel, loc)
	type brief struct {
		Tech          int64
		Start, Arrive string
		From          string
		Travel        int
	}
	var b []brief
	for _, o := range got {
		b = append(b, brief{o.TechnicianID, o.WindowStart.In(loc).Format("01-02 15:04"), o.Arrive.In(loc).Format("15:04"), o.Why.From, o.TravelMin})
	}
	// Day 1: the near technician's 08:00 visit ends at 09:00 and the drive
	// takes 13 minutes: 09:15 is the first arrival on the 15-minute step,
	// in the 08:00 block; 10:00-11:30 still fits before noon. The far
	// technician works 13:00-17:00 and drives an hour (22.8 km straight):
	// 14:00 is the first arrival, and 16:00 would end after the shift.
	// The novice lacks the skill level. Day 2 the near technician is on
	// leave and the far one offers 14:00 again.
	want := []brief{
		{1, "12-01 08:00", "09:15", "previous_visit", 13},
		{1, "12-01 10:00", "10:00", "previous_visit", 13},
		{2, "12-01 14:00", "14:00", "service_point", 60},
		{2, "12-02 14:00", "14:00", "service_point", 60},
	}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("offers (-want +got):\n%s", diff)
	}
	// The near technician's certification expired on the 1st: on the 2nd
	// they would not qualify even without leave.
	if ok, why := Qualifies(near, need, "2026-12-02"); ok || why != "certification" {
		t.Errorf("expired certification: %v %q", ok, why)
	}
	if ok, why := Qualifies(novice, need, "2026-12-01"); ok || why != "skill" {
		t.Errorf("novice: %v %q", ok, why)
	}
	// Capacity: with two visits booked the near technician is full.
	near.Visits = append(near.Visits, Booked{Start: day(1, 11, 0), Duration: 30 * time.Minute, At: home})
	for _, o := range Offers([]*Calendar{near}, need, DefaultTravel, loc) {
		t.Errorf("offer from a full day: %+v", o)
	}
}
