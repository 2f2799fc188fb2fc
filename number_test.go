package aftersales

import (
	"encoding/json"
	"math"
	"testing"
)

// Non-finite statistics survive a JSON round trip as strings and show as
// "—" and "∞", never as 0.
func TestNumberJSONAndText(t *testing.T) {
	cases := []struct {
		x    float64
		json string
		text string
	}{
		{0.0123, `0.0123`, "0.0123"},
		{0, `0`, "0"},
		{math.NaN(), `"NaN"`, "—"},
		{math.Inf(1), `"Infinity"`, "+∞"},
		{math.Inf(-1), `"-Infinity"`, "−∞"},
	}
	for _, c := range cases {
		b, err := json.Marshal(EffectTest{P: Number(c.x)})
		if err != nil {
			t.Fatalf("%v: %v", c.x, err)
		}
		var back struct {
			P json.RawMessage `json:"p"`
		}
		if err := json.Unmarshal(b, &back); err != nil || string(back.P) != c.json {
			t.Errorf("%v: JSON %s, want %s (%v)", c.x, back.P, c.json, err)
		}
		var e EffectTest
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		if got := float64(e.P); got != c.x && !(math.IsNaN(got) && math.IsNaN(c.x)) {
			t.Errorf("%v read back as %v", c.x, got)
		}
		if got := Number(c.x).Text("%+.3g"); got != c.text && !(c.x >= 0 && got == "+"+c.text) {
			t.Errorf("%v shows as %q, want %q", c.x, got, c.text)
		}
		if e.NonFinite() == (Number(c.x).Finite()) {
			t.Errorf("%v: NonFinite %v", c.x, e.NonFinite())
		}
	}
	var x Number
	if err := json.Unmarshal([]byte(`"inf"`), &x); err == nil {
		t.Error(`"inf" was accepted`)
	}
}
