package analytics

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite docs/KPIS.md's KPI tables and testdata/measures.txt from the code")

const kpiDocs = "../../docs/KPIS.md"

// TestKPIDocs: the KPI tables of docs/KPIS.md are the declarations'
// (KPIMarkdown); -update rewrites them.
func TestKPIDocs(t *testing.T) {
	b, err := os.ReadFile(kpiDocs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := KPIMarkdown(string(b))
	if err != nil {
		t.Fatalf("docs/KPIS.md: %v", err)
	}
	if got == string(b) {
		return
	}
	if *update {
		if err := os.WriteFile(kpiDocs, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/KPIS.md differs from the KPI declarations in internal/analytics/catalog.go; regenerate it with\n\t%s\n(-file +declarations):\n%s",
		DocRegenerate, cmp.Diff(string(b), got))
}

// TestKPIDeclarations: every declaration is complete and consistent: a
// docs table and definition, a unique key, tiles numbered 1..n, a rate's
// measures, a distribution's histogram, and the store evaluators under
// their keys.
func TestKPIDeclarations(t *testing.T) {
	b, err := os.ReadFile(kpiDocs)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	tiles := map[int]string{}
	for _, k := range Catalog {
		if keys[k.Key] {
			t.Errorf("%s is declared twice", k.Key)
		}
		keys[k.Key] = true
		if k.Definition == "" || k.Unit == "" || k.Cohort == "" || !slices.Contains(DocSections, k.Section) {
			t.Errorf("%s: definition, unit, cohort and docs section are required", k.Key)
		}
		if !strings.Contains(string(b), "`"+k.Key+"`") || !strings.Contains(string(b), k.doc()) {
			t.Errorf("%s: docs/KPIS.md does not define it (%s)", k.Key, DocRegenerate)
		}
		if k.Tile > 0 {
			if other, dup := tiles[k.Tile]; dup {
				t.Errorf("tile %d is %s and %s", k.Tile, other, k.Key)
			}
			tiles[k.Tile] = k.Key
		}
		if k.Unavailable == "" && k.Store != StoreCalendars && k.Store != StoreBacklog && k.Eval == nil {
			t.Errorf("%s: no Eval", k.Key)
		}
		if k.rate && k.Unavailable == "" && (!slices.Contains(k.Uses, k.num) || !slices.Contains(k.Uses, k.den) || k.num == k.den) {
			t.Errorf("%s: a rate reads its numerator and denominator", k.Key)
		}
		if h, ok := k.Dist(); ok && k.Unit != "minutes" || ok && (h < 0 || h >= NumHists) {
			t.Errorf("%s: a distribution is of minutes, in a histogram", k.Key)
		}
		if (k.DrillTo == DrillDispatch) != (k.Store == StoreCalendars) {
			t.Errorf("%s: technicians' days open the dispatch board, tickets a ticket list", k.Key)
		}
	}
	for i := 1; i <= len(tiles); i++ {
		if tiles[i] == "" {
			t.Errorf("no tile %d: number the tiles 1 to %d", i, len(tiles))
		}
	}
	for key, s := range map[string]Evaluator{BacklogKey: StoreBacklog, WarrantyRateKey: StorePerUnits, CostRatioKey: StoreRevenue, UtilisationKey: StoreCalendars} {
		if k, ok := Lookup(key); !ok || k.Store != s {
			t.Errorf("%s: Store %v, want %v", key, k.Store, s)
		}
	}
}

// TestVerifyLevelIsTheKPIsQuantile: an effect verification states the
// level of the KPI it verifies, the 90th percentile for every p90 (the
// parts wait's p90 reported the median before the declaration carried
// the quantile).
func TestVerifyLevelIsTheKPIsQuantile(t *testing.T) {
	g := Group{Values: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}
	for _, k := range Catalog {
		kind, err := k.Verification()
		if err != nil || kind != VerifyDuration {
			continue
		}
		want := 5.5
		if strings.HasSuffix(k.Key, "_p90") {
			want = QuantileSorted(g.Values, 0.9)
		}
		if got, _ := g.Level(k, kind); got != want {
			t.Errorf("%s: level %v, want %v", k.Key, got, want)
		}
	}
}
