package analytics

import (
	"testing"
	"time"

	"aftersales"
)

// TestUtilisationKPI: technician utilisation is a share of minutes of
// technicians' days: no p-chart, verified on technician-days (Welch on
// the days' ratios, as the other ratio KPIs), and its values open the
// dispatch board rather than a ticket list.
func TestUtilisationKPI(t *testing.T) {
	k, ok := Lookup(UtilisationKey)
	if !ok || k.Unit != "percent" || !k.HigherIsBetter {
		t.Fatalf("catalog entry %+v %v", k.KPIInfo, ok)
	}
	if k.Proportion() {
		t.Error("utilisation counts minutes, not tickets: not a proportion")
	}
	if kind, err := k.Verification(); err != nil || kind != VerifyMean {
		t.Errorf("Verification() = %v, %v; want VerifyMean: the technician-days' ratios are compared by Welch's t", kind, err)
	}
	for _, c := range []struct {
		booked, shift int64
		want          float64
		ok            bool
	}{{120, 480, 25, true}, {0, 480, 0, true}, {90, 0, 0, false}, {600, 480, 125, true}} {
		if got, ok := UtilisationDay(c.booked, c.shift); got != c.want || ok != c.ok {
			t.Errorf("UtilisationDay(%d, %d) = %v, %v; want %v, %v", c.booked, c.shift, got, ok, c.want, c.ok)
		}
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
