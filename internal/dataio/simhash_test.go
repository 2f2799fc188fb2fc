package dataio

import (
	"hash/fnv"
	"strings"
	"testing"
	"unicode"
)

// simHashReference is SimHash as first written: lower-case the text, hash
// each letter-or-digit bigram with hash/fnv, vote ±1 per bit. The faster
// SimHash must give the same fingerprints, or re-imports would see
// changed near-duplicate flags.
func simHashReference(text string) uint64 {
	var v [64]int
	var prev rune
	n := 0
	for _, r := range strings.ToLower(text) {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			prev = 0
			continue
		}
		if prev != 0 {
			h := fnv.New64a()
			h.Write([]byte{byte(prev), byte(prev >> 8), byte(prev >> 16), byte(prev >> 24), byte(r), byte(r >> 8), byte(r >> 16), byte(r >> 24)})
			x := h.Sum64()
			for i := range 64 {
				if x&(1<<i) != 0 {
					v[i]++
				} else {
					v[i]--
				}
			}
			n++
		}
		prev = r
	}
	if n == 0 {
		return 0
	}
	var out uint64
	for i := range 64 {
		if v[i] > 0 {
			out |= 1 << i
		}
	}
	return out
}

func TestSimHashMatchesReference(t *testing.T) {
	for _, s := range []string{"", "a", "ab", "空调不制冷，外机不转，室内机漏水", "Pothole on MAIN St. 12", "İstanbul ΣΑΣ ǅ", "bad \xff\xfe utf8 ab",
		"Request for Pothole Repair", "洗衣机脱水时噪音很大，而且门打不开", strings.Repeat("油烟机 吸力小 ", 40),
		// more than 255 bigrams: the counts kept in bytes are emptied on the way
		strings.Repeat("Street light OUT at 12 Main St; ", 60), strings.Repeat("空调漏水", 300)} {
		if got, want := SimHash(s), simHashReference(s); got != want {
			t.Errorf("SimHash(%q) = %x, want %x", s, got, want)
		}
		for _, cut := range []int{0, len(s) / 3, len(s)} {
			a, b := s[:cut], s[cut:]
			if got, want := simHash2(a, b), simHashReference(a+" "+b); got != want {
				t.Errorf("simHash2(%q, %q) = %x, want %x", a, b, got, want)
			}
		}
	}
}

func FuzzSimHash(f *testing.F) {
	f.Add("空调不制冷 Pothole 12")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := SimHash(s), simHashReference(s); got != want {
			t.Fatalf("SimHash(%q) = %x, want %x", s, got, want)
		}
		a, b := s[:len(s)/2], s[len(s)/2:]
		if got, want := simHash2(a, b), simHashReference(a+" "+b); got != want {
			t.Fatalf("simHash2(%q, %q) = %x, want %x", a, b, got, want)
		}
	})
}
