package dataio

import (
	"strings"
	"testing"
	"time"
)

// TestDatesWithoutZoneUseDeploymentZone: a mapping that names no
// time_zone reads plain dates in the deployment's zone, not the host's.
func TestDatesWithoutZoneUseDeploymentZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadMapping(strings.NewReader(strings.Replace(simple, `"time_zone": "Asia/Shanghai", `, "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	m.Zone = ny
	recs, rejected, _ := readAll(t, []byte("id,title,at\n1,漏水,2026-07-01 09:00\n"), m)
	if len(recs) != 1 || len(rejected) != 0 {
		t.Fatalf("records %d, rejected %v", len(recs), rejected)
	}
	if want := time.Date(2026, 7, 1, 13, 0, 0, 0, time.UTC); !recs[0].CreatedAt.Equal(want) {
		t.Errorf("created at %v, want %v (09:00 in New York)", recs[0].CreatedAt.UTC(), want)
	}
}
