package console

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"aftersales"
)

// TestQualityTrendOption checks the data-quality trend's option as the
// page hands it to ECharts: the months, both counts, the flagged share
// with a gap (never a zero) for a month without tickets, and each month's
// bar drilling down to the tickets created that month.
func TestQualityTrendOption(t *testing.T) {
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	months := []aftersales.MonthQuality{{Month: "2026-01", Tickets: 40, Flagged: 10}, {Month: "2026-02", Tickets: 0, Flagged: 0},
		{Month: "2026-03", Tickets: 3, Flagged: 1}}
	m := roundTrip(t, qualityTrend(months, zone, "Tickets", "Flagged", "Share"))
	if got := m["xAxis"].(map[string]any)["data"]; !cmp.Equal(got, []any{"2026-01", "2026-02", "2026-03"}) {
		t.Errorf("months %v", got)
	}
	series := m["series"].([]any)
	if len(series) != 3 {
		t.Fatalf("%d series, want 3", len(series))
	}
	field := func(s int, key string) []any {
		var out []any
		for _, d := range series[s].(map[string]any)["data"].([]any) {
			if dm, ok := d.(map[string]any); ok {
				out = append(out, dm[key])
			} else {
				out = append(out, d)
			}
		}
		return out
	}
	for _, c := range []struct {
		name string
		got  []any
		want []any
	}{
		{"tickets", field(0, "value"), []any{40.0, 0.0, 3.0}},
		{"ticket links", field(0, "url"), []any{"/tickets?from=2026-01-01&to=2026-01-31", "/tickets?from=2026-02-01&to=2026-02-28", "/tickets?from=2026-03-01&to=2026-03-31"}},
		{"flagged", field(1, "value"), []any{10.0, 0.0, 1.0}},
		{"share", field(2, ""), []any{25.0, "-", 33.33}},
	} {
		if !cmp.Equal(c.got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	line := series[2].(map[string]any)
	if line["yAxisIndex"] != 1.0 || line["name"] != "Share" {
		t.Errorf("the share is not drawn on the percent axis: %v", line)
	}
}

func TestRuleItems(t *testing.T) {
	r1, r2 := int64(1), int64(2)
	items := []*aftersales.ImprovementItem{{ID: 3, RuleID: &r1}, {ID: 7, RuleID: &r1}, {ID: 5, RuleID: &r1}, {ID: 4, RuleID: &r2}, {ID: 9}}
	got := map[int64]int64{}
	for rule, it := range ruleItems(items) {
		got[rule] = it.ID
	}
	if want := map[int64]int64{1: 7, 2: 4}; !cmp.Equal(got, want) {
		t.Errorf("rule items %v, want %v", got, want)
	}
}
