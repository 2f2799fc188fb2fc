package sqlstore

import (
	"encoding/json"
	"math"
	"testing"

	"aftersales"
)

// TestFastJSONMatchesEncodingJSON checks the import's JSON appenders
// against json.Marshal, byte for byte.
func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	strs := []string{"", "plain", "空调 不制冷", `quote " and \ back`, "<b>&amp;</b>", "tab\tnew\nline\rcr", "\b\f\x00\x1f\x7f",
		"bad \xff\xfe utf8", "cut \xe4\xb8", "sep \u2028 \u2029 end", "emoji 😀", "\u00e9\u0301"}
	floats := []float64{0, -0.0, 1, -1.5, 42.3601, -71.0589, 1e-7, 1.5e-7, 9.99e-7, 1e-6, 123456789, 1e20, 1e21, 1.5e300, -2e-300, math.MaxFloat64, math.SmallestNonzeroFloat64}
	values := []any{nil, true, false, 7, int64(-9), []string{"a", "<b>"}, []string(nil), map[string]any{"x": 1.0}, []any{1.0, "x"}}
	for _, s := range strs {
		values = append(values, s)
		want, _ := json.Marshal([]string{s, s})
		if got := appendJSONStrings(nil, []string{s, s}); string(got) != string(want) {
			t.Errorf("strings %q: got %s, want %s", s, got, want)
		}
	}
	for _, f := range floats {
		values = append(values, f)
	}
	for _, v := range values {
		want, _ := json.Marshal(v)
		if got := appendJSONValue(nil, v); string(got) != string(want) {
			t.Errorf("value %#v: got %s, want %s", v, got, want)
		}
	}
	lat, lng := 42.3601, -71.0589
	r := &aftersales.ImportRecord{Custom: map[string]any{"ward": "3", "zipcode": "02118", "lat": "stale", "source": "Constituent Call", "ontime": nil},
		Address: "INTERSECTION of A & B <St>", Lat: &lat, Lng: &lng}
	want := mustJSON(map[string]any{"ward": "3", "zipcode": "02118", "source": "Constituent Call", "ontime": nil, "address": r.Address, "lat": lat, "lng": lng})
	if got := customJSON(r); got != want {
		t.Errorf("customJSON: got %s, want %s", got, want)
	}
	if got := customJSON(&aftersales.ImportRecord{}); got != "{}" {
		t.Errorf("empty custom: %s", got)
	}
	if got := tagsJSON(nil); got != "[]" {
		t.Errorf("no tags: %s", got)
	}
}

func FuzzFastJSONString(f *testing.F) {
	f.Add("空调\u2028<x>\xff\t")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
