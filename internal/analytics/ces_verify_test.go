package analytics

import (
	"fmt"
	"math"
	"testing"
	"time"

	"aftersales"
)

// TestCESVerification: ces_mean is verified like csat_mean, by Welch's t
// on the tickets' answers, read from the same facts as the KPI; lower
// effort is the good direction. Expected values are from the Welch
// formula of methods.md with the t distribution's tail integrated
// numerically (the same computation reproduces methods.md's published
// vectors, go-moremath's p = 0.0085128631313781695 and R's sleep
// p = 0.07939, to 1e-15). On the old code the verification was refused
// ("is a count") and the answers gave no observations.
//
//	before (March): 10 × 3, 10 × 4, 10 × 5       mean 4
//	after (April):  8 × 2, 12 × 3, 8 × 4, 4 × 6  mean 3.375
func TestCESVerification(t *testing.T) {
	k, _ := Lookup("ces_mean")
	kind, err := k.Verification()
	if err != nil || kind != VerifyMean {
		t.Fatalf("ces_mean verification: %v, %v; want Welch's t", kind, err)
	}
	var recs []*TicketRecord
	add := func(month, n, score int) {
		for range n {
			day := fmt.Sprintf("2026-%02d-%02d 10:00", month, 2+len(recs)%25)
			recs = append(recs, &TicketRecord{ID: int64(len(recs) + 1), Status: aftersales.StatusResolved, Nature: aftersales.NatureRepair,
				Created: at(day).Add(-48 * time.Hour), Resolved: ptr(at(day)), CES: ptr(score), Dims: make([]string, len(aftersales.Dimensions))})
		}
	}
	add(3, 10, 3)
	add(3, 10, 4)
	add(3, 10, 5)
	add(4, 8, 2)
	add(4, 12, 3)
	add(4, 8, 4)
	add(4, 4, 6)
	window := func(from, to string) Group {
		lo, hi := DayOf(at(from+" 00:00"), shanghai), DayOf(at(to+" 00:00"), shanghai)
		var g Group
		for _, r := range recs {
			f := Contribute(r, shanghai)
			g.Values = k.Observe(&f, lo, hi, g.Values)
		}
		return g
	}
	before, after := window("2026-03-01", "2026-04-01"), window("2026-04-01", "2026-05-01")
	if len(before.Values) != 30 || len(after.Values) != 32 {
		t.Fatalf("observations: %d before, %d after; want 30 and 32", len(before.Values), len(after.Values))
	}
	// The observations' mean is the KPI's value over the rollups.
	r := rollup(t, recs)
	for _, w := range []struct {
		g        Group
		from, to string
	}{{before, "2026-03-01", "2026-03-31"}, {after, "2026-04-01", "2026-04-30"}} {
		m, _ := MeanSD(w.g.Values)
		if v := kpi(t, "ces_mean", sum(r, "", "", w.from, w.to)); !v.OK || math.Abs(v.V-m) > 1e-12 || v.N != int64(len(w.g.Values)) {
			t.Errorf("%s: KPI %+v, observations' mean %v of %d", w.from, v, m, len(w.g.Values))
		}
	}
	v := Judge(k, kind, before, after, nil, nil)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"before", v.Before, 4}, {"after", v.After, 3.375}, {"estimate", v.Test.Estimate, -0.625},
		{"t", v.Test.Statistic, -2.3477075126313176}, {"df", v.Test.DF, 54.486426246632895}, {"p", v.Test.P, 0.0225497268359995},
	} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s = %.15g, want %.15g", c.name, c.got, c.want)
		}
	}
	if v.Test.Method != "Welch t" || v.Verdict != "effective" || !v.Supported {
		t.Errorf("verdict %s (%s, %s): %s", v.Verdict, v.Code, v.Test.Method, v.Reason)
	}
	// The other way round, effort went up: the wrong direction.
	if v := Judge(k, kind, after, before, nil, nil); v.Verdict != "not_effective" || v.Code != "wrong_direction" {
		t.Errorf("more effort after: %s (%s)", v.Verdict, v.Code)
	}
}
