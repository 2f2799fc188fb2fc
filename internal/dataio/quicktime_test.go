package dataio

import (
	"testing"
	"time"
)

// The quick date parser accepts only what time.ParseInLocation accepts,
// with the same instant and zone; whatever it turns down still parses the
// slow way, so ParseTime's answers do not change.
func TestQuickLayoutsAgreeWithTime(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	layouts := []string{"01/02/2006 03:04:05 PM", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02",
		"02/01/2006 15:04"}
	values := []string{"01/01/2015 12:20:09 AM", "01/01/2015 12:20:09 PM", "12/31/2015 11:59:59 PM", "02/29/2016 01:00:00 AM",
		"02/29/2015 01:00:00 AM", "13/01/2015 01:00:00 AM", "00/10/2015 01:00:00 AM", "01/00/2015 01:00:00 AM", "04/31/2015 01:00:00 AM",
		"01/01/2015 13:00:00 PM", "01/01/2015 00:00:00 PM", "01/01/2015 00:00:00 AM", "01/01/2015 01:60:00 AM", "01/01/2015 01:00:60 AM",
		"01/01/2015 01:00:00 am", "01/01/2015 01:00:00 XM", "1/01/2015 01:00:00 AM", "01/01/2015 1:00:00 AM", "01/01/-015 01:00:00 AM",
		"01/01/2015 01:00:00.5 AM", "01/01/2015 01:00:00 AM ", "03/08/2015 02:30:00 AM", "11/01/2015 01:30:00 AM",
		"2026-07-01 09:00:00", "2026-07-01 9:00:00", "2026-07-01 24:00:00", "2026-07-01 23:59:59", "2026-07-01 09:00", "2026-07-01T09:00:00",
		"2026-07-01", "2026-7-01", "2026-07-01 09:00:00.25", "2000-02-29", "1900-02-29", "2100-02-28", "0000-01-01", "2026-07-01x",
		"31/12/2026 10:00", "", "+123-01-01"}
	for _, l := range layouts {
		q := compileQuick(l)
		if q == nil {
			t.Fatalf("%q has no quick form", l)
		}
		for _, v := range values {
			for _, loc := range []*time.Location{time.UTC, ny} {
				got, ok := q.parse(v, loc)
				want, err := time.ParseInLocation(l, v, loc)
				if ok && (err != nil || !got.Equal(want) || got.Location() != want.Location()) {
					t.Errorf("%q in %q (%s): quick %v, time %v %v", v, l, loc, got, want, err)
				}
				if !ok && err == nil && l != "2006-01-02 15:04:05" && l != "2006-01-02T15:04:05" && l != "01/02/2006 03:04:05 PM" {
					t.Errorf("%q in %q (%s): the quick form refused what time reads as %v", v, l, loc, want)
				}
			}
		}
	}
	if _, ok := compileQuick("01/02/2006 03:04:05 PM").parse("01/01/2015 12:20:09 AM", time.UTC); !ok {
		t.Error("the Boston dates do not take the quick way")
	}
	for _, l := range []string{time.RFC3339, "2006/1/2 15:04:05", "2006年1月2日", "Jan 2, 2006", "2006-01-02 15:04:05.000", "01/02/06",
		"15:04", "2006-01-02 03:04 PM 15"} {
		if compileQuick(l) != nil {
			t.Errorf("%q has a quick form", l)
		}
	}
}
