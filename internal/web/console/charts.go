package console

import (
	"encoding/json"
	"html/template"
	"math"
	"net/url"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

// Chart options are built here, in Go, as ECharts option objects: tests
// read them without a browser, and the page only hands them to ECharts
// (static/files/charts.js). A data item's "url" is where a click on it
// drills down to: the tickets behind the bar, point or cell.

type chartItem struct {
	Value any    `json:"value"`
	URL   string `json:"url,omitempty"`
	Name  string `json:"name,omitempty"`
	// ItemStyle colours single bars (the vital few of a Pareto).
	ItemStyle map[string]any `json:"itemStyle,omitempty"`
	Symbol    string         `json:"symbol,omitempty"`
	// Count is how many tickets the drill-down lists and Of the sample
	// they are part of, when the value counts tickets: the list's total
	// must be Count (tests hold the two together).
	Count *int64 `json:"count,omitempty"`
	Of    *int64 `json:"of,omitempty"`
	// Amount is, for a money KPI, the cost in minor units its drill-down
	// adds up to (tests hold the list's sum to it).
	Amount *int64 `json:"amount,omitempty"`
}

// counted sets an item's Count and Of from a KPI point.
func (it chartItem) counted(k analytics.KPI, pt aftersales.MetricPoint) chartItem {
	d, ok := analytics.DrillOf(k)
	if !ok || pt.Value == nil {
		return it
	}
	if n, of, ok := d.Count(k, pt.N, pt.Num); ok {
		it.Count = &n
		if d.Ratio {
			it.Of = &of
		}
	}
	if a, ok := d.Amount(k, pt.N, pt.Num, *pt.Value); ok {
		it.Amount = &a
	}
	return it
}

// opt is an ECharts option.
type opt map[string]any

// JSON renders an option for a <script type="application/json"> block.
func (o opt) JSON() template.JS {
	b, err := json.Marshal(o)
	if err != nil {
		return "{}"
	}
	return template.JS(b)
}

// withCounts sets Count and Of on the first series' items from the KPI
// points they show, in order.
func withCounts(o opt, k analytics.KPI, pts []aftersales.MetricPoint) opt {
	data := o["series"].([]opt)[0]["data"].([]chartItem)
	for i := range data {
		if i < len(pts) {
			data[i] = data[i].counted(k, pts[i])
		}
	}
	return o
}

// markPartial draws the points of partial periods hollow and grey, so an
// incomplete period never reads as a complete one.
func markPartial(o opt, partial []bool) {
	data := o["series"].([]opt)[0]["data"].([]chartItem)
	for i := range data {
		if i < len(partial) && partial[i] {
			data[i].Symbol = "emptyCircle"
			data[i].ItemStyle = opt{"color": colorOther}
		}
	}
}

// num is an ECharts value: "-" marks a gap (no data), never a zero.
func num(v *float64) any {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return "-"
	}
	return math.Round(*v*100) / 100
}

const (
	colorMain   = "#2563eb"
	colorTarget = "#16a34a"
	colorVital  = "#dc2626"
	colorOther  = "#94a3b8"
)

func baseOpt() opt {
	return opt{
		"animation": false,
		"grid":      opt{"left": 48, "right": 24, "top": 32, "bottom": 32, "containLabel": true},
		"tooltip":   opt{"trigger": "axis"},
		// A text alternative for screen readers: ECharts describes the
		// chart (its title, series and values) in the page's language
		// in the container's aria-label.
		"aria": opt{"enabled": true},
	}
}

// lineChart is a KPI trend: one point per period, gaps where there is no
// data, and the target as a dashed line.
func lineChart(labels []string, values []*float64, urls []string, unit string, target *float64, targetName string) opt {
	data := make([]chartItem, len(values))
	for i, v := range values {
		data[i] = chartItem{Value: num(v), URL: urls[i]}
	}
	s := opt{"type": "line", "name": unit, "data": data, "connectNulls": false, "itemStyle": opt{"color": colorMain}}
	if target != nil {
		s["markLine"] = opt{"symbol": "none", "lineStyle": opt{"type": "dashed", "color": colorTarget},
			"label": opt{"formatter": targetName, "position": "insideEndTop"}, "data": []opt{{"yAxis": *target}}}
	}
	o := baseOpt()
	o["xAxis"] = opt{"type": "category", "data": labels}
	o["yAxis"] = opt{"type": "value", "name": unit, "scale": true}
	o["series"] = []opt{s}
	return o
}

// sparkline is a tile's small trend without axes.
func sparkline(values []*float64) opt {
	data := make([]any, len(values))
	for i, v := range values {
		data[i] = num(v)
	}
	return opt{"animation": false, "grid": opt{"left": 2, "right": 2, "top": 2, "bottom": 2},
		"xAxis": opt{"type": "category", "show": false}, "yAxis": opt{"type": "value", "show": false, "scale": true},
		"series": []opt{{"type": "line", "data": data, "symbol": "none", "lineStyle": opt{"width": 1.5, "color": colorMain}}}}
}

// barChart compares scopes (technicians, teams): horizontal bars sorted
// as given, with the target line.
func barChart(labels []string, values []*float64, urls []string, unit string, target *float64, targetName string) opt {
	data := make([]chartItem, len(values))
	for i, v := range values {
		data[i] = chartItem{Value: num(v), URL: urls[i]}
	}
	s := opt{"type": "bar", "name": unit, "data": data, "itemStyle": opt{"color": colorMain}}
	if target != nil {
		s["markLine"] = opt{"symbol": "none", "lineStyle": opt{"type": "dashed", "color": colorTarget},
			"label": opt{"formatter": targetName}, "data": []opt{{"xAxis": *target}}}
	}
	o := baseOpt()
	o["tooltip"] = opt{"trigger": "axis", "axisPointer": opt{"type": "shadow"}}
	o["xAxis"] = opt{"type": "value", "name": unit}
	// Every name shows: one row of 26 px per bar, the box grown to fit.
	o["yAxis"] = opt{"type": "category", "data": labels, "inverse": true, "axisLabel": opt{"interval": 0}}
	o[chartHeightKey] = barChartHeight(len(labels))
	o["series"] = []opt{s}
	return o
}

// chartHeightKey is an option key charts.js reads (and removes) to size
// the chart's box to its data before drawing.
const chartHeightKey = "aftersalesHeight"

// barChartHeight is a horizontal bar chart's height for n bars: 26 px a
// bar plus axes, at least the standard 320 px.
func barChartHeight(n int) int { return max(320, 26*n+80) }

// paretoChart draws counts as bars (the vital few in red) and the
// cumulative share as a line on a 0-100% axis with the 80% cut.
func paretoChart(items []analytics.ParetoItem, labels, urls []string, countName, cumName string) opt {
	bars := make([]chartItem, len(items))
	cum := make([]any, len(items))
	for i, it := range items {
		color := colorOther
		if it.Vital {
			color = colorVital
		}
		bars[i] = chartItem{Value: it.Count, URL: urls[i], ItemStyle: opt{"color": color}}
		cum[i] = math.Round(it.CumPct*100) / 100
	}
	o := baseOpt()
	o["tooltip"] = opt{"trigger": "axis", "axisPointer": opt{"type": "shadow"}}
	o["legend"] = opt{"data": []string{countName, cumName}, "top": 0}
	// Room under the legend for the axis names, which sit above the axes.
	o["grid"] = opt{"left": 48, "right": 24, "top": 56, "bottom": 32, "containLabel": true}
	o["xAxis"] = opt{"type": "category", "data": labels, "axisLabel": opt{"interval": 0, "rotate": 30}}
	o["yAxis"] = []opt{{"type": "value", "name": countName}, {"type": "value", "name": "%", "min": 0, "max": 100}}
	o["series"] = []opt{
		{"type": "bar", "name": countName, "data": bars},
		{"type": "line", "name": cumName, "yAxisIndex": 1, "data": cum, "itemStyle": opt{"color": "#f59e0b"},
			// The 80% label sits inside the plot, clear of the axis's own "80".
			"markLine": opt{"symbol": "none", "lineStyle": opt{"type": "dashed", "color": colorVital},
				"label": opt{"position": "insideStartTop", "formatter": "80%"}, "data": []opt{{"yAxis": 80}}}},
	}
	return o
}

// heatmap shows a KPI per row (regions) and column (months).
func heatmap(cols, rows []string, cells [][]*float64, urls [][]string, unit string, higherIsBetter bool) opt {
	var data []chartItem
	lo, hi := math.Inf(1), math.Inf(-1)
	for y, row := range cells {
		for x, v := range row {
			if v == nil {
				continue
			}
			lo, hi = math.Min(lo, *v), math.Max(hi, *v)
			data = append(data, chartItem{Value: []any{x, y, num(v)}, URL: urls[y][x]})
		}
	}
	if len(data) == 0 {
		lo, hi = 0, 1
	}
	colors := []string{"#fee2e2", "#fca5a5", "#dc2626"} // more is worse
	if higherIsBetter {
		colors = []string{"#dc2626", "#fde68a", "#16a34a"}
	}
	o := baseOpt()
	o["tooltip"] = opt{"position": "top"}
	o["grid"] = opt{"left": 48, "right": 24, "top": 16, "bottom": 64, "containLabel": true}
	o["xAxis"] = opt{"type": "category", "data": cols, "splitArea": opt{"show": true}}
	o["yAxis"] = opt{"type": "category", "data": rows, "splitArea": opt{"show": true}}
	o["visualMap"] = opt{"min": lo, "max": hi, "calculable": true, "orient": "horizontal", "left": "center", "bottom": 0,
		"inRange": opt{"color": colors}, "text": []string{unit, ""}}
	o["series"] = []opt{{"type": "heatmap", "data": data, "label": opt{"show": true}}}
	return o
}

// distChart shows how durations spread over readable bins.
func distChart(labels []string, counts []float64, urls []string, name string) opt {
	data := make([]chartItem, len(counts))
	for i, c := range counts {
		data[i] = chartItem{Value: math.Round(c), URL: urls[i], Count: ptr(int64(math.Round(c)))}
	}
	o := baseOpt()
	o["tooltip"] = opt{"trigger": "axis", "axisPointer": opt{"type": "shadow"}}
	o["xAxis"] = opt{"type": "category", "data": labels}
	o["yAxis"] = opt{"type": "value", "name": name}
	o["series"] = []opt{{"type": "bar", "name": name, "data": data, "itemStyle": opt{"color": colorMain}}}
	return o
}

// stageChart stacks the mean hours in each stage per scope, so the
// longest segment shows where tickets wait.
func stageChart(labels []string, stageNames []string, hours [][]float64, urls [][]string) opt {
	var series []opt
	for j, name := range stageNames {
		data := make([]chartItem, len(labels))
		for i := range labels {
			data[i] = chartItem{Value: math.Round(hours[i][j]*10) / 10, URL: urls[i][j]}
		}
		series = append(series, opt{"type": "bar", "name": name, "stack": "stages", "data": data})
	}
	o := baseOpt()
	o["tooltip"] = opt{"trigger": "axis", "axisPointer": opt{"type": "shadow"}}
	// One scrolling row: on a phone a wrapped legend runs into the bars.
	o["legend"] = opt{"data": stageNames, "top": 0, "type": "scroll"}
	o["grid"] = opt{"left": 48, "right": 24, "top": 48, "bottom": 32, "containLabel": true}
	o["xAxis"] = opt{"type": "value", "name": "h"}
	o["yAxis"] = opt{"type": "category", "data": labels, "inverse": true}
	o["series"] = series
	return o
}

// qualityTrend draws the data-quality report's months: tickets and flagged
// tickets as bars, the flagged share as a line on a percent axis. A click
// on a month's tickets opens them (created that month, in zone).
func qualityTrend(months []aftersales.MonthQuality, zone *time.Location, ticketsName, flaggedName, shareName string) opt {
	labels := make([]string, len(months))
	tickets := make([]chartItem, len(months))
	flagged := make([]chartItem, len(months))
	share := make([]any, len(months))
	for i, m := range months {
		labels[i] = m.Month
		u := ""
		if start, err := time.ParseInLocation("2006-01", m.Month, zone); err == nil {
			last := start.AddDate(0, 1, -1)
			u = "/tickets?" + url.Values{"from": {start.Format(time.DateOnly)}, "to": {last.Format(time.DateOnly)}}.Encode()
		}
		tickets[i] = chartItem{Value: m.Tickets, URL: u}
		flagged[i] = chartItem{Value: m.Flagged}
		var s *float64
		if m.Tickets > 0 {
			s = ptr(100 * float64(m.Flagged) / float64(m.Tickets))
		}
		share[i] = num(s)
	}
	o := baseOpt()
	o["legend"] = opt{"top": 0}
	o["xAxis"] = opt{"type": "category", "data": labels}
	o["yAxis"] = []opt{{"type": "value", "name": ticketsName, "minInterval": 1},
		// The share's own scale: a few percent must not lie flat on 0..100.
		{"type": "value", "name": "%", "min": 0, "splitLine": opt{"show": false}}}
	o["series"] = []opt{
		{"type": "bar", "name": ticketsName, "data": tickets, "itemStyle": opt{"color": colorOther}},
		{"type": "bar", "name": flaggedName, "data": flagged, "itemStyle": opt{"color": colorVital}},
		{"type": "line", "name": shareName, "yAxisIndex": 1, "data": share, "connectNulls": false, "itemStyle": opt{"color": colorMain}},
	}
	return o
}
