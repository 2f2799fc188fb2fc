package analytics

import (
	"testing"

	"aftersales"
)

// A population keeps the tickets whose fact counts its measure (or its
// histogram bin) on a day of the period, less those counting Except
// then; DistBinOf puts a bucket in the bin of its shortest duration, so
// Distribute and the drill-down agree.
func TestPopulationMatches(t *testing.T) {
	res := BucketSeconds(2 * 3600) // two hours: bin 1 (1-4 h)
	f := Fact{Entries: []Entry{{10, MCreated, 1}, {12, MResSLA, 1}, {12, MResolved, 1}, {20, MDone, 1}},
		Hists: []HistEntry{{12, HRes, res}}}
	misses, _ := DrillOf(KPI{KPIInfo: aftersales.KPIInfo{Key: "res_sla"}})
	backlog, _ := DrillOf(KPI{KPIInfo: aftersales.KPIInfo{Key: BacklogKey}})
	bin := func(b int) Population { p := histPop(HRes); p.Bin = b; return p }
	for _, tc := range []struct {
		name     string
		p        Population
		from, to Day
		want     bool
	}{
		{"created in the period", measurePop(MCreated), 10, 11, true},
		{"created before the period", measurePop(MCreated), 11, 30, false},
		{"SLA missed (met is absent)", misses.Show, 12, 13, true},
		{"SLA sample", misses.Of, 1, 30, true},
		{"open at the end of day 15", backlog.Show, -1 << 30, 16, true},
		{"done by the end of day 25", backlog.Show, -1 << 30, 26, false},
		{"resolution in 1-4 h", bin(1), 0, 30, true},
		{"resolution under 1 h", bin(0), 0, 30, false},
		{"any resolution time", bin(-1), 12, 13, true},
	} {
		if got := tc.p.Matches(&f, tc.from, tc.to); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	f.Entries = append(f.Entries, Entry{12, MResSLAMet, 1})
	if misses.Show.Matches(&f, 12, 13) {
		t.Error("a met SLA counts as missed")
	}
	for b := 1; b <= maxBucket; b++ {
		lo, _ := BucketBounds(b)
		i := DistBinOf(b)
		if lo < DistBins[i] || i+1 < len(DistBins) && lo >= DistBins[i+1] {
			t.Fatalf("bucket %d (from %.3f min) in bin %d", b, lo, i)
		}
	}
	if got := Distribute(Hist{{res, 3}, {BucketSeconds(30), 2}}); got[0] != 2 || got[1] != 3 {
		t.Errorf("Distribute = %v, want 2 under an hour and 3 in 1-4 h", got)
	}
}
