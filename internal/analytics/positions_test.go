package analytics

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestMeasurePositions guards the append-only rule of Measure and
// HistKind (see the Measure constants): stored facts name measures and
// histograms by number, so the golden lists of names by position may
// only grow. -update appends new positions; it never rewrites old ones.
func TestMeasurePositions(t *testing.T) {
	for _, c := range []struct {
		file   string
		names  []string
		consts map[string]int
	}{{"testdata/measures.txt", MeasureNames[:], measureConsts}, {"testdata/hists.txt", HistNames[:], histConsts}} {
		t.Run(c.file, func(t *testing.T) {
			seen := map[string]bool{}
			for i, n := range c.names {
				if n == "" || seen[n] {
					t.Errorf("position %d: name %q is empty or repeated", i, n)
				}
				seen[n] = true
			}
			b, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			var golden []string
			var lines []string
			if len(b) > 0 {
				lines = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			}
			for i, line := range lines {
				pos, name, ok := strings.Cut(line, " ")
				if n, err := strconv.Atoi(pos); !ok || err != nil || n != i {
					t.Fatalf("%s line %d: %q, want %q", c.file, i+1, line, fmt.Sprintf("%d name", i))
				}
				golden = append(golden, name)
			}
			for i, name := range golden {
				switch {
				case i >= len(c.names):
					t.Errorf("position %d (%s) is gone: stored facts still name it; keep it and add new ones after it", i, name)
				case c.names[i] != name:
					t.Errorf("position %d is %s, stored facts know it as %s: never insert, remove or reorder, only append", i, c.names[i], name)
				}
				// The names could stay in place while the constants move.
				if v, ok := c.consts[name]; !ok {
					t.Errorf("%s: add its constant to the table in positions_test.go", name)
				} else if v != i {
					t.Errorf("the constant of %s is %d, stored facts know it as %d: never insert, remove or reorder constants, only append", name, v, i)
				}
			}
			if t.Failed() || len(c.names) == len(golden) {
				return
			}
			var add strings.Builder
			for i := len(golden); i < len(c.names); i++ {
				fmt.Fprintf(&add, "%d %s\n", i, c.names[i])
			}
			if !*update {
				t.Errorf("new positions; after checking they are at the end, record them with\n\tgo test ./internal/analytics -run TestMeasurePositions -update\nand add their constants to the table in positions_test.go:\n%s", add.String())
				return
			}
			if err := os.WriteFile(c.file, append(b, add.String()...), 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// measureConsts are the Measure constants by the name stored at their
// position.
var measureConsts = func() map[string]int {
	m := map[string]Measure{
		"created":                  MCreated,
		"complaints":               MComplaints,
		"responded":                MResponded,
		"frt_sum":                  MFRTSum,
		"accepted":                 MAccepted,
		"tta_sum":                  MTTASum,
		"reassigned":               MReassigned,
		"resolved_of_created":      MResolvedOfCreated,
		"complaint_timely":         MComplaintTimely,
		"complaint_closed":         MComplaintClosed,
		"with_asset":               MWithAsset,
		"repeat_30d":               MRepeat,
		"open_now":                 MOpen,
		"fr_sla":                   MFRSLA,
		"fr_sla_met":               MFRSLAMet,
		"resolved":                 MResolved,
		"res_sum":                  MResSum,
		"fcr":                      MFCR,
		"reopened":                 MReopened,
		"res_sla":                  MResSLA,
		"res_sla_met":              MResSLAMet,
		"feedback":                 MFeedback,
		"csat_n":                   MCSATN,
		"csat_sum":                 MCSATSum,
		"csat_top2":                MCSATTop2,
		"nps_n":                    MNPSN,
		"nps_promoters":            MNPSPromoters,
		"nps_detractors":           MNPSDetractors,
		"complaint_csat_n":         MComplaintCSATN,
		"complaint_csat_sum":       MComplaintCSATSum,
		"done":                     MDone,
		"cancelled":                MCancelled,
		"arrived":                  MArrived,
		"arr_sum":                  MArrSum,
		"arr_sla":                  MArrSLA,
		"arr_sla_met":              MArrSLAMet,
		"st_new_sum":               MStageSum + 0,
		"st_accepted_sum":          MStageSum + 1,
		"st_diagnosing_sum":        MStageSum + 2,
		"st_in_service_sum":        MStageSum + 3,
		"st_awaiting_customer_sum": MStageSum + 4,
		"st_awaiting_parts_sum":    MStageSum + 5,
		"st_resolved_sum":          MStageSum + 6,
		"st_new_n":                 MStageN + 0,
		"st_accepted_n":            MStageN + 1,
		"st_diagnosing_n":          MStageN + 2,
		"st_in_service_n":          MStageN + 3,
		"st_awaiting_customer_n":   MStageN + 4,
		"st_awaiting_parts_n":      MStageN + 5,
		"st_resolved_n":            MStageN + 6,
		"reassign_hops":            MReassignHops,
		"warranty_claims":          MWarrantyClaims,
		"cost_lines":               MCostLines,
		"cost":                     MCost,
		"cost_resolved":            MCostResolved,
		"visited":                  MVisited,
		"first_fixed":              MFirstFixed,
		"window_arrivals":          MWindowArrivals,
		"window_on_time":           MWindowOnTime,
		"fu_done":                  MFUDone,
		"fu_answered":              MFUAnswered,
		"fu_on_time":               MFUOnTime,
		"fu_satisfied":             MFUSatisfied,
		"fu_dissatisfied":          MFUDissatisfied,
		"fu_not_solved":            MFUNotSolved,
		"cmp_closed_cust":          MCmpClosedCust,
		"cmp_closed":               MCmpClosed,
		"cmp_on_time":              MCmpOnTime,
		"cmp_closed_minor":         MCmpClosedBySev + 0,
		"cmp_closed_major":         MCmpClosedBySev + 1,
		"cmp_closed_critical":      MCmpClosedBySev + 2,
		"cmp_on_time_minor":        MCmpOnTimeBySev + 0,
		"cmp_on_time_major":        MCmpOnTimeBySev + 1,
		"cmp_on_time_critical":     MCmpOnTimeBySev + 2,
		"cmp_repeat":               MCmpRepeat,
		"ces_n":                    MCESN,
		"ces_sum":                  MCESSum,
		"ces_low":                  MCESLow,
		"std_visits":               MStdVisits,
		"std_compliant":            MStdCompliant,
		"field_resolved":           MFieldResolved,
		"field_visits":             MFieldVisits,
		"travel_visits":            MTravelVisits,
		"travel_m":                 MTravelM,
		"reservations":             MReservations,
		"stock_outs":               MStockOuts,
		"parts_waited":             MPartsWaited,
		"parts_wait_sum":           MPartsWaitSum,
		"text_analysed":            MTextAnalysed,
		"text_negative":            MTextNegative,
	}
	out := map[string]int{}
	for k, v := range m {
		out[k] = int(v)
	}
	return out
}()

var histConsts = map[string]int{"h_frt": int(HFRT), "h_tta": int(HTTA), "h_res": int(HRes), "h_arr": int(HArr), "h_parts_wait": int(HPartsWait)}
