package sqlstore

import (
	"testing"

	"aftersales"
)

// FuzzDecodeCursor: any string a client sends as a cursor either decodes
// to a positive position or is refused with EINVALID naming "cursor".
func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(cursor{V: 1763840000000, ID: 42}))
	f.Add("")
	f.Add("bm9wZQ")
	f.Add("eyJ2IjoxLCJpZCI6LTF9")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err != nil {
			if aftersales.ErrorCode(err) != aftersales.EINVALID || aftersales.ErrorFields(err)[0].Field != "cursor" {
				t.Fatalf("decodeCursor(%q) err = %v", s, err)
			}
			return
		}
		if c.ID <= 0 {
			t.Fatalf("decodeCursor(%q) accepted id %d", s, c.ID)
		}
		if again, err := decodeCursor(encodeCursor(c)); err != nil || again != c {
			t.Fatalf("round trip of %+v: %+v, %v", c, again, err)
		}
	})
}
