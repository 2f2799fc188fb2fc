package dataio

import "time"

// quickLayout is a time layout made only of the fixed-width numeric
// elements 2006, 01, 02, 15, 03, 04, 05, the PM marker and separators,
// parsed without the general machinery of time.Parse. It accepts only what
// time.ParseInLocation accepts too, with the same result; anything else
// (a one-digit hour, a fraction of a second, a signed year, a day out of
// range) fails here and is left to time.ParseInLocation, so the layouts'
// meaning does not change.
type quickLayout struct {
	n     int // the length of every value it reads
	elems []quickElem
}

type quickElem struct {
	kind byte // 'Y' 2006, 'M' 01, 'D' 02, 'H' 15, 'h' 03, 'm' 04, 's' 05, 'P' PM, 'L' a literal byte
	lit  byte
}

// compileQuick returns the quick form of layout, or nil when it has
// elements the quick form does not read.
func compileQuick(layout string) *quickLayout {
	q := &quickLayout{}
	has := map[byte]bool{}
	for i := 0; i < len(layout); {
		rest := layout[i:]
		var e quickElem
		w := 2
		switch {
		case len(rest) >= 4 && rest[:4] == "2006":
			e.kind, w = 'Y', 4
		case len(rest) >= 2 && rest[:2] == "01":
			e.kind = 'M'
		case len(rest) >= 2 && rest[:2] == "02":
			e.kind = 'D'
		case len(rest) >= 2 && rest[:2] == "15":
			e.kind = 'H'
		case len(rest) >= 2 && rest[:2] == "03":
			e.kind = 'h'
		case len(rest) >= 2 && rest[:2] == "04":
			e.kind = 'm'
		case len(rest) >= 2 && rest[:2] == "05":
			e.kind = 's'
			// time.Parse reads a fraction after the seconds even when the
			// layout has none; a separator must follow in the value.
		case len(rest) >= 2 && rest[:2] == "PM":
			e.kind = 'P'
		case rest[0] == ' ' || rest[0] == '/' || rest[0] == '-' || rest[0] == ':' || rest[0] == 'T':
			e.kind, e.lit, w = 'L', rest[0], 1
		default:
			return nil
		}
		if e.kind != 'L' {
			if has[e.kind] || (e.kind == 'H' && has['h']) || (e.kind == 'h' && has['H']) {
				return nil
			}
			has[e.kind] = true
		}
		q.elems = append(q.elems, e)
		q.n += w
		i += w
	}
	if !has['Y'] || !has['M'] || !has['D'] || (has['P'] && !has['h']) {
		return nil
	}
	return q
}

// parse reads s in loc; false when s is not exactly in the layout.
func (q *quickLayout) parse(s string, loc *time.Location) (time.Time, bool) {
	if len(s) != q.n {
		return time.Time{}, false
	}
	year, month, day, hour, min, sec := 0, 0, 0, 0, 0, 0
	pm, am := false, false
	i := 0
	for _, e := range q.elems {
		switch e.kind {
		case 'L':
			if s[i] != e.lit {
				return time.Time{}, false
			}
			i++
			continue
		case 'P':
			switch s[i : i+2] {
			case "PM":
				pm = true
			case "AM":
				am = true
			default:
				return time.Time{}, false
			}
			i += 2
			continue
		case 'Y':
			a, b, ok1 := digits2(s, i)
			c, d, ok2 := digits2(s, i+2)
			if !ok1 || !ok2 {
				return time.Time{}, false
			}
			year = (a*10+b)*100 + c*10 + d
			i += 4
			continue
		}
		a, b, ok := digits2(s, i)
		if !ok {
			return time.Time{}, false
		}
		v := a*10 + b
		i += 2
		switch e.kind {
		case 'M':
			if v < 1 || v > 12 {
				return time.Time{}, false
			}
			month = v
		case 'D':
			day = v
		case 'H':
			if v > 23 {
				return time.Time{}, false
			}
			hour = v
		case 'h':
			if v > 12 {
				return time.Time{}, false
			}
			hour = v
		case 'm':
			if v > 59 {
				return time.Time{}, false
			}
			min = v
		case 's':
			if v > 59 {
				return time.Time{}, false
			}
			sec = v
		}
	}
	if day < 1 || day > daysIn(month, year) {
		return time.Time{}, false
	}
	if pm && hour < 12 {
		hour += 12
	} else if am && hour == 12 {
		hour = 0
	}
	return time.Date(year, time.Month(month), day, hour, min, sec, 0, loc), true
}

func digits2(s string, i int) (int, int, bool) {
	a, b := s[i]-'0', s[i+1]-'0'
	return int(a), int(b), a <= 9 && b <= 9
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
