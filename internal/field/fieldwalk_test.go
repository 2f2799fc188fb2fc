package field

import (
	"testing"
	"time"

	"aftersales"
)

// TestOfferShiftToMidnight: a shift that ends at midnight is said as
// ending at 24:00, not 00:00 (which reads as a shift of no length).
func TestOfferShiftToMidnight(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	var shifts []aftersales.Shift
	for wd := range 7 {
		shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 18 * 60, EndMin: 24 * 60})
	}
	c := &Calendar{ID: 1, Name: "王师傅", Parts: true, Shifts: shifts}
	need := &Need{Duration: time.Hour, From: time.Date(2026, 12, 1, 7, 0, 0, 0, loc), Days: 1, Count: 1, Window: 2 * time.Hour}
	got := Offers([]*Calendar{c}, need, DefaultTravel, loc)
	if len(got) == 0 {
		t.Fatal("no offer")
	}
	if got[0].Why.Shift != "18:00-24:00" {
		t.Errorf("shift %q, want 18:00-24:00", got[0].Why.Shift)
	}
}
