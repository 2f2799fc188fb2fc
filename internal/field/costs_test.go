package field

import (
	"testing"

	"aftersales"
)

func TestFieldAmounts(t *testing.T) {
	tests := []struct {
		name string
		got  aftersales.Money
		want aftersales.Money
	}{
		{"45 min at ¥120/h", LabourAmount(45, 12000), 9000},
		{"1 min at ¥0.50/h rounds half up", LabourAmount(1, 30), 1},
		{"1 min at ¥0.29/h rounds down", LabourAmount(1, 29), 0},
		{"no time", LabourAmount(0, 12000), 0},
		{"12.345 km at ¥2/km", TravelAmount(12345, 200), 2469},
		{"no rate", TravelAmount(12345, 0), 0},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, tt.got, tt.want)
		}
	}
	for _, c := range []struct {
		ends string
		day  aftersales.Date
		want bool
	}{{"2026-12-07", "2026-12-07", true}, {"2026-12-06", "2026-12-07", false}, {"", "2026-12-07", false}} {
		if got := InWarranty(c.ends, c.day); got != c.want {
			t.Errorf("InWarranty(%q, %s) = %v", c.ends, c.day, got)
		}
	}
}
