package console

import (
	"encoding/json"
	"strconv"
	"testing"

	"aftersales/internal/analytics"
)

// roundTrip renders an option as the page does and reads it back.
func roundTrip(t *testing.T, o opt) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(o.JSON()), &m); err != nil {
		t.Fatalf("option is not JSON: %v", err)
	}
	return m
}

func TestParetoOption(t *testing.T) {
	items := analytics.Pareto(map[string]float64{"a": 94, "b": 80, "c": 66, "d": 33, "e": 27})
	m := roundTrip(t, paretoChart(items, []string{"A", "B", "C", "D", "E"}, []string{"/t?a", "/t?b", "/t?c", "/t?d", "/t?e"}, "n", "cum"))
	series := m["series"].([]any)
	bars := series[0].(map[string]any)["data"].([]any)
	for i, b := range bars {
		bm := b.(map[string]any)
		color := bm["itemStyle"].(map[string]any)["color"]
		if (i < 3) != (color == colorVital) {
			t.Errorf("bar %d colour %v", i, color)
		}
		if url, ok := bm["url"].(string); !ok || url == "" {
			t.Errorf("bar %d has no drill-down: %v", i, bm)
		}
	}
	line := series[1].(map[string]any)
	cum := line["data"].([]any)
	if cum[2].(float64) != 80 || cum[4].(float64) != 100 || line["yAxisIndex"].(float64) != 1 {
		t.Errorf("cumulative %v", cum)
	}
	if cut := line["markLine"].(map[string]any)["data"].([]any)[0].(map[string]any)["yAxis"]; cut != 80.0 {
		t.Errorf("80%% cut at %v", cut)
	}
}

func TestTrendOptionGapsAndTarget(t *testing.T) {
	v := 93.456
	target := 95.0
	m := roundTrip(t, lineChart([]string{"2026-01", "2026-02"}, []*float64{&v, nil}, []string{"/a", "/b"}, "%", &target, "目标"))
	s := m["series"].([]any)[0].(map[string]any)
	data := s["data"].([]any)
	if data[0].(map[string]any)["value"] != 93.46 || data[1].(map[string]any)["value"] != "-" {
		t.Errorf("data %v: a missing month must be a gap, not zero", data)
	}
	if s["markLine"].(map[string]any)["data"].([]any)[0].(map[string]any)["yAxis"] != 95.0 {
		t.Error("target line missing")
	}
}

func TestHeatmapDirection(t *testing.T) {
	a, b := 80.0, 95.0
	good := roundTrip(t, heatmap([]string{"m1"}, []string{"r1", "r2"}, [][]*float64{{&a}, {&b}}, [][]string{{"/x"}, {"/y"}}, "%", true))
	vm := good["visualMap"].(map[string]any)
	if vm["min"] != 80.0 || vm["max"] != 95.0 || vm["inRange"].(map[string]any)["color"].([]any)[2] != "#16a34a" {
		t.Errorf("visualMap %v", vm)
	}
	cells := good["series"].([]any)[0].(map[string]any)["data"].([]any)
	if len(cells) != 2 || cells[1].(map[string]any)["url"] != "/y" {
		t.Errorf("cells %v", cells)
	}
}

// TestChartsSizedToData: a bar chart grows with its bars so every name
// shows, and the Pareto's 80% label sits inside the plot.
func TestChartsSizedToData(t *testing.T) {
	labels := make([]string, 30)
	vals := make([]*float64, 30)
	urls := make([]string, 30)
	for i := range labels {
		x := float64(i)
		labels[i], vals[i] = "技师"+strconv.Itoa(i), &x
	}
	o := barChart(labels, vals, urls, "h", nil, "")
	if h := o[chartHeightKey]; h != 26*30+80 {
		t.Errorf("30 bars: height %v, want %d", h, 26*30+80)
	}
	if al := o["yAxis"].(opt)["axisLabel"].(opt); al["interval"] != 0 {
		t.Errorf("bar names may be skipped: %v", al)
	}
	if h := barChart(labels[:3], vals[:3], urls[:3], "h", nil, "")[chartHeightKey]; h != 320 {
		t.Errorf("3 bars: height %v, want the standard 320", h)
	}
	p := paretoChart([]analytics.ParetoItem{{Count: 3, CumPct: 60}, {Count: 2, CumPct: 100}}, []string{"a", "b"}, []string{"", ""}, "n", "%")
	ml := p["series"].([]opt)[1]["markLine"].(opt)
	if ml["label"].(opt)["position"] != "insideStartTop" {
		t.Errorf("80%% label = %v", ml["label"])
	}
}
