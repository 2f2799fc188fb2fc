package analytics

import (
	"flag"
	"os"
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
