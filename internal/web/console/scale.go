package console

import (
	"math"
	"strconv"

	"aftersales"
)

// unitScale shows one KPI's values in one unit across a page: a page
// about a resolution time says days everywhere, not "2.2 d" beside
// "40.2 h" and a chart in minutes.
type unitScale struct {
	Div    float64 // stored value ÷ Div is shown
	Suffix string  // after the number, translated
	Diff   string  // after a difference (percentage points for rates)
	Prec   int     // decimals
	Money  bool
}

// scaleFor picks the unit for a KPI's values on a page from a typical
// value (the item's baseline, say): minutes become hours from two hours
// up and days from two days up.
func (p *Page) scaleFor(unit string, ref float64) unitScale {
	ref = math.Abs(ref)
	switch unit {
	case "minutes":
		switch {
		case ref >= 2*1440:
			s := p.T("kunit.d")
			return unitScale{Div: 1440, Suffix: s, Diff: s, Prec: 1}
		case ref >= 120:
			s := p.T("kunit.h")
			return unitScale{Div: 60, Suffix: s, Diff: s, Prec: 1}
		}
		s := p.T("kunit.min")
		return unitScale{Div: 1, Suffix: s, Diff: s, Prec: 0}
	case "percent":
		return unitScale{Div: 1, Suffix: "%", Diff: p.T("kunit.pp"), Prec: 1}
	case "per_mille":
		return unitScale{Div: 1, Suffix: "‰", Diff: "‰", Prec: 2}
	case "count", "nps":
		return unitScale{Div: 1, Prec: 0}
	case "money":
		return unitScale{Div: 1, Prec: 2, Money: true}
	case "km":
		s := " " + p.T("kunit.km")
		return unitScale{Div: 1, Suffix: s, Diff: s, Prec: 1}
	}
	return unitScale{Div: 1, Prec: 2}
}

// num formats a stored value in the scale; diff marks a difference
// (signed, with the difference unit).
func (s unitScale) num(x float64, diff bool) string {
	if math.IsNaN(x) {
		return "—"
	}
	if math.IsInf(x, 0) {
		if x > 0 {
			return "∞"
		}
		return "−∞"
	}
	v := x / s.Div
	if s.Money {
		out := "¥" + aftersales.Money(math.Round(math.Abs(v)*100)).String()
		switch {
		case diff && v > 0:
			return "+" + out
		case v < 0:
			return "−" + out
		}
		return out
	}
	out := strconv.FormatFloat(v, 'f', s.Prec, 64)
	if diff && v > 0 {
		out = "+" + out
	}
	if diff {
		return out + s.Diff
	}
	return out + s.Suffix
}

// inScale is the template's way to it: a value (float64, *float64 or
// aftersales.Number) in the scale; nil is "—".
func inScale(v any, s unitScale) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case *float64:
		if x == nil {
			return "—"
		}
		return s.num(*x, false)
	case float64:
		return s.num(x, false)
	case aftersales.Number:
		return s.num(float64(x), false)
	}
	return "—"
}

// diffScale is inScale for a difference (an estimate, a CI bound).
func diffScale(v any, s unitScale) string {
	switch x := v.(type) {
	case aftersales.Number:
		return s.num(float64(x), true)
	case float64:
		return s.num(x, true)
	case *float64:
		if x == nil {
			return "—"
		}
		return s.num(*x, true)
	}
	return "—"
}
