package sqlstore

import (
	"strings"
	"testing"
)

// TestMoveConverter turns SQLite's values into the target column's type
// and refuses, naming the value, what the type cannot hold.
func TestMoveConverter(t *testing.T) {
	for _, c := range []struct {
		typ  string
		in   any
		want any
		err  string
	}{
		{"bool", int64(1), true, ""},
		{"bool", int64(0), false, ""},
		{"bool", nil, nil, ""},
		{"bool", int64(2), nil, "2 is not a boolean"},
		{"bool", "yes", nil, `"yes" is not a boolean`},
		{"int8", float64(42), int64(42), ""},
		{"int8", 4.5, nil, "4.5 is not an integer"},
		{"int8", "17", int64(17), ""},
		{"float8", int64(3), float64(3), ""},
		{"text", []byte("维修"), "维修", ""},
		{"text", int64(7), "7", ""},
		{"jsonb", `{"a":1}`, `{"a":1}`, ""},
		{"bytea", "abc", []byte("abc"), ""},
		{"bytea", int64(1), nil, "int64 is not bytes"},
	} {
		got, err := moveConverter(c.typ)(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %#v: error %v, want %q", c.typ, c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %#v: %v", c.typ, c.in, err)
			continue
		}
		if b, ok := c.want.([]byte); ok {
			if string(got.([]byte)) != string(b) {
				t.Errorf("%s %#v: %#v, want %#v", c.typ, c.in, got, c.want)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%s %#v: %#v (%T), want %#v (%T)", c.typ, c.in, got, got, c.want, c.want)
		}
	}
	if moveConverter("tsvector") != nil {
		t.Error("a type without a conversion got one")
	}
}
