package dataio

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// defaultLayouts are tried when a field names no formats.
var defaultLayouts = []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02",
	"2006/1/2 15:04:05", "2006/1/2 15:04", "2006/1/2", "2006年1月2日 15:04", "2006年1月2日"}

// ParseTime reads s with the layouts in loc. Excel serial day numbers are
// accepted too (XLSX cells hold dates that way).
func ParseTime(s string, layouts []string, loc *time.Location) (time.Time, error) {
	return parseTime(s, layouts, nil, loc)
}

// defaultQuick is the quick form of each default layout (nil where there is none).
var defaultQuick = compileLayouts(defaultLayouts)

// compileLayouts returns the quick form of each layout, nil where there is none.
func compileLayouts(layouts []string) []*quickLayout {
	if len(layouts) == 0 {
		return nil
	}
	out := make([]*quickLayout, len(layouts))
	for i, l := range layouts {
		out[i] = compileQuick(l)
	}
	return out
}

// parseTime is ParseTime with the quick forms of the layouts (nil, or
// one per layout, nil where a layout has none).
func parseTime(s string, layouts []string, quick []*quickLayout, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(layouts) == 0 {
		layouts, quick = defaultLayouts, defaultQuick
	}
	for i, l := range layouts {
		if quick != nil && quick[i] != nil {
			if t, ok := quick[i].parse(s, loc); ok {
				return t, nil
			}
		}
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 1 && f < 2958466 {
		// Days since 1899-12-30, the Excel epoch (with its 1900 leap-year bug folded in).
		days, frac := math.Modf(f)
		t := time.Date(1899, 12, 30, 0, 0, 0, 0, loc).AddDate(0, 0, int(days))
		return t.Add(time.Duration(math.Round(frac*86400)) * time.Second), nil
	}
	return time.Time{}, fmt.Errorf("is not a date in the form %s", strings.Join(layouts, " or "))
}

// ParseDuration reads "90", "90 min", "1.5 hours", "2h", "3 days", "45分钟",
// "2小时", "1天" or "1:30"; a bare number is in unit (minutes when empty).
func ParseDuration(s, unit string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if h, m, ok := strings.Cut(s, ":"); ok {
		hh, err1 := strconv.Atoi(h)
		mm, err2 := strconv.Atoi(m)
		if err1 == nil && err2 == nil && mm < 60 && hh >= 0 && mm >= 0 {
			return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
		}
	}
	i := strings.IndexFunc(s, func(r rune) bool { return !(unicode.IsDigit(r) || r == '.' || r == '-') })
	num, u := s, unit
	if i >= 0 {
		num, u = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i:])
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("is not a duration such as \"90 min\" or \"1.5 hours\"")
	}
	var d time.Duration
	switch u {
	case "", "m", "min", "mins", "minute", "minutes", "分", "分钟":
		d = time.Minute
	case "s", "sec", "secs", "second", "seconds", "秒":
		d = time.Second
	case "h", "hr", "hrs", "hour", "hours", "小时", "时":
		d = time.Hour
	case "d", "day", "days", "天", "日":
		d = 24 * time.Hour
	default:
		return 0, fmt.Errorf("has an unknown unit %q", u)
	}
	return time.Duration(f * float64(d)), nil
}

// SimHash is a 64-bit Charikar fingerprint of text over character bigrams of
// its letters and digits, so it works for Chinese without segmentation.
// Similar texts differ in few bits.
func SimHash(text string) uint64 {
	var v simVotes
	v.add(text)
	return v.sum()
}

// simHash2 is SimHash(a + " " + b) without joining them.
func simHash2(a, b string) uint64 {
	var v simVotes
	v.add(a)
	v.prev = 0 // the space between them
	v.add(b)
	return v.sum()
}

// simVotes counts, for each bit, the bigram hashes that have it set; a bit
// of the result is set when more than half of them have it. This runs on
// every imported row, so FNV-1a over the two runes' little-endian bytes is
// written out (no hasher per bigram) and the 64 counts are kept in bytes
// of eight words: one addition counts eight bits at once (lane j of word
// i is bit 8j+i), and the bytes are emptied into ones before they can
// overflow.
type simVotes struct {
	ones  [64]int32
	lanes [8]uint64
	inLan int // bigrams counted in lanes since they were last emptied
	n     int
	prev  rune
}

func (v *simVotes) add(text string) {
	const offset64, prime64 = 14695981039346656037, 1099511628211
	const low = 0x0101010101010101
	prev := v.prev
	for _, r := range text {
		if r < utf8.RuneSelf {
			switch {
			case 'A' <= r && r <= 'Z':
				r += 'a' - 'A'
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			default:
				prev = 0
				continue
			}
		} else {
			r = unicode.ToLower(r)
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				prev = 0
				continue
			}
		}
		if prev != 0 {
			var x uint64
			if prev < utf8.RuneSelf && r < utf8.RuneSelf {
				// Three of each rune's four bytes are 0, and (x^0)*p = x*p:
				// one multiplication by p⁴ per rune.
				x = ((offset64^uint64(prev))*prime64x4 ^ uint64(r)) * prime64x4
			} else {
				x = offset64
				for _, c := range [8]byte{byte(prev), byte(prev >> 8), byte(prev >> 16), byte(prev >> 24), byte(r), byte(r >> 8), byte(r >> 16), byte(r >> 24)} {
					x ^= uint64(c)
					x *= prime64
				}
			}
			for i := range v.lanes {
				v.lanes[i] += x >> i & low
			}
			v.n++
			if v.inLan++; v.inLan == 255 {
				v.spill()
			}
		}
		prev = r
	}
	v.prev = prev
}

// prime64x4 is the FNV-1a 64-bit prime to the fourth power (mod 2⁶⁴).
const prime64x4 = 1099511628211 * 1099511628211 % (1 << 64) * 1099511628211 % (1 << 64) * 1099511628211 % (1 << 64)

// spill moves the counts kept in lanes into ones.
func (v *simVotes) spill() {
	for i, w := range v.lanes {
		for j := range 8 {
			v.ones[8*j+i] += int32(w >> (8 * j) & 0xff)
		}
	}
	v.lanes, v.inLan = [8]uint64{}, 0
}

func (v *simVotes) sum() uint64 {
	if v.n == 0 {
		return 0
	}
	v.spill()
	var out uint64
	for i, c := range v.ones {
		if 2*int(c) > v.n {
			out |= 1 << i
		}
	}
	return out
}

// Distance is the number of differing bits of two SimHashes.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }
