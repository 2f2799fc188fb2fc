package console

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCaseProblem: a published case's problem ends with the line the
// store writes from the item's KPI and baseline (sqlstore PublishCase,
// "\n%s at %.4g"); the case library said it as "arrival_median at 3281"
// on the Chinese page, in minutes. It is said by the KPI's name and in
// the unit the item's page uses (2.3 days); text a person wrote
// stays as written.
func TestCaseProblem(t *testing.T) {
	stored := "成都、重庆两个工作站上门慢。" + fmt.Sprintf("\n%s at %.4g", "arrival_median", 3281.4)
	cat := loadCatalog(t)
	for _, tc := range []struct{ lang, in, want string }{
		{"zh-CN", stored, "成都、重庆两个工作站上门慢。\n基线：上门时长（中位数） 2.3 天"},
		{"en", stored, "成都、重庆两个工作站上门慢。\nBaseline: Time to arrival (median) 2.3 d"},
		{"en", "fcr at 80", "Baseline: First-contact resolution 80.0%"},
		// Not a KPI, or not the whole line: as written.
		{"zh-CN", "phones at 12", "phones at 12"},
		{"en", "the arrival_median at 3281 was too slow", "the arrival_median at 3281 was too slow"},
	} {
		p := &Page{Lang: tc.lang, cat: cat}
		if diff := cmp.Diff(tc.want, p.CaseProblem(tc.in)); diff != "" {
			t.Errorf("%s %q (-want +got):\n%s", tc.lang, tc.in, diff)
		}
	}
}
