package console

import "testing"

// TestBoardAxis: the dispatch board's time axis fits the day's visits.
// It ran from 07:00 to 21:00 whatever the day held: a visit at 20:00 sat
// off to the right of a 1280 px screen, cut at 21:00 to a narrow, tall
// block that left its row a tall empty band.
func TestBoardAxis(t *testing.T) {
	h := func(x int) int { return x * 60 }
	for _, c := range []struct {
		name     string
		spans    [][2]int
		from, to int // hours
	}{
		{"no visits", nil, 8, 18},
		{"only 20:00 for 90 min", [][2]int{{h(20), h(20) + 90}}, 18, 24},
		{"09:00 and 20:00", [][2]int{{h(9), h(10)}, {h(20), h(20) + 90}}, 8, 22},
		{"an early morning", [][2]int{{h(6) + 30, h(7) + 30}}, 5, 11},
		{"just after midnight", [][2]int{{15, 75}}, 0, 6},
		{"a long day", [][2]int{{h(7), h(8)}, {h(17), h(19)}}, 6, 19},
	} {
		a := boardAxis(c.spans)
		if a.from != h(c.from) || a.from+a.slots*slotMin != h(c.to) {
			t.Errorf("%s: %02d:%02d for %d quarter hours, want %02d:00 to %02d:00", c.name, a.from/60, a.from%60, a.slots, c.from, c.to)
		}
	}
}
