package analytics

import (
	"testing"
	"time"

	"aftersales"
)

// TestUtilisationKPI: technician utilisation is a share of minutes of
// technicians' days: no p-chart, no per-ticket verification, and its
// values open the dispatch board rather than a ticket list.
func TestUtilisationKPI(t *testing.T) {
	k, ok := Lookup(UtilisationKey)
	if !ok || k.Unit != "percent" || !k.HigherIsBetter {
		t.Fatalf("catalog entry %+v %v", k.KPIInfo, ok)
	}
	if k.Proportion() {
		t.Error("utilisation counts minutes, not tickets: not a proportion")
	}
	if _, err := k.Verification(); err == nil {
		t.Error("utilisation has no per-ticket observations to verify")
	}
	for _, d := range aftersales.Dimensions {
		want := d == aftersales.DimTechnician || d == aftersales.DimPoint || d == aftersales.DimRegion
		if k.Groupable(d) != want {
			t.Errorf("groupable by %s = %v, want %v", d, !want, want)
		}
	}
	if _, ok := DrillOf(k); ok {
		t.Error("utilisation has no ticket population")
	}
	from := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		dim  aftersales.Dimension
		val  string
		want string
	}{
		{"", "", "/dispatch?date=2026-12-07"},
		{aftersales.DimPoint, "12", "/dispatch?date=2026-12-07&unit=12"},
		{aftersales.DimTechnician, "3", "/dispatch?date=2026-12-07"},
	} {
		if got := DrillPath(k, c.dim, c.val, from, from.AddDate(0, 0, 7)); got != c.want {
			t.Errorf("DrillPath(%s=%s) = %s, want %s", c.dim, c.val, got, c.want)
		}
	}
	fcr, _ := Lookup("fcr")
	if got := DrillPath(fcr, "", "", from, from.AddDate(0, 0, 7)); got != "/tickets?"+DrillQuery(fcr, "", "", from, from.AddDate(0, 0, 7)).Encode() {
		t.Errorf("DrillPath(fcr) = %s", got)
	}
}
