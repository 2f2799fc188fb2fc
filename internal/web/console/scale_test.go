package console

import (
	"testing"

	"aftersales"
)

// TestScale: one unit per page, chosen from a typical value, for values
// and differences, in both languages.
func TestScale(t *testing.T) {
	cat, err := LoadCatalog(localeFS)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang, unit string
		ref        float64
		vals       []float64
		diff       aftersales.Number
		want       []string
		wantDiff   string
	}{
		{"en", "minutes", 3225, []float64{3225, 2412, 90}, -1040, []string{"2.2 d", "1.7 d", "0.1 d"}, "-0.7 d"},
		{"zh-CN", "minutes", 3225, []float64{3225}, 60, []string{"2.2 天"}, "+0.0 天"},
		{"en", "minutes", 300, []float64{300, 45}, 30, []string{"5.0 h", "0.8 h"}, "+0.5 h"},
		{"en", "minutes", 45, []float64{45}, -5, []string{"45 min"}, "-5 min"},
		{"zh-CN", "percent", 76.36, []float64{76.36}, 2.5, []string{"76.4%"}, "+2.5 个百分点"},
		{"en", "score", 4.2, []float64{4.2}, 0.1, []string{"4.20"}, "+0.10"},
	} {
		p := &Page{Lang: tc.lang, cat: cat}
		s := p.scaleFor(tc.unit, tc.ref)
		for i, v := range tc.vals {
			if got := inScale(v, s); got != tc.want[i] {
				t.Errorf("%s %s %v: %q, want %q", tc.lang, tc.unit, v, got, tc.want[i])
			}
		}
		if got := diffScale(tc.diff, s); got != tc.wantDiff {
			t.Errorf("%s %s diff %v: %q, want %q", tc.lang, tc.unit, tc.diff, got, tc.wantDiff)
		}
	}
	if got := inScale((*float64)(nil), unitScale{Div: 1}); got != "—" {
		t.Errorf("nil = %q", got)
	}
}

// TestDashboardTileScale: a duration KPI's tile, target and charts on the
// dashboard say the same unit; nothing is drawn in minutes beside a tile
// in hours.
func TestDashboardTileScale(t *testing.T) {
	cat, err := LoadCatalog(localeFS)
	if err != nil {
		t.Fatal(err)
	}
	p := &Page{Lang: "en", cat: cat}
	v, target := 2412.0, 2880.0
	tl := tile{Value: &v, Target: &target, Scale: p.scaleFor("minutes", v)}
	if got, want := inScale(tl.Value, tl.Scale), "40.2 h"; got != want {
		t.Errorf("tile value %q, want %q", got, want)
	}
	if got, want := inScale(tl.Target, tl.Scale), "48.0 h"; got != want {
		t.Errorf("tile target %q, want %q (the tile's unit, not days)", got, want)
	}
}
