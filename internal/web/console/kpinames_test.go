package console

import (
	"testing"
	"unicode"

	"aftersales/internal/analytics"
)

// TestCatalogNamesEveryKPI: every declared KPI has a name and a unit in
// both languages, and a share's drill-down a label for what it lists, so
// a new declaration cannot reach a screen as its raw key.
func TestCatalogNamesEveryKPI(t *testing.T) {
	c := loadCatalog(t)
	for _, k := range analytics.Catalog {
		keys := []string{"kpi." + k.Key, "kunit." + k.Unit}
		if d, ok := analytics.DrillOf(k); ok && d.Ratio {
			keys = append(keys, "drill."+k.Key)
		}
		for _, key := range keys {
			for _, lang := range []string{"zh-CN", "en"} {
				if !c.Has(lang, key) || c.T(lang, key) == "" || c.T(lang, key) == k.Key {
					t.Errorf("%s: %s has no %s name", k.Key, key, lang)
				}
			}
		}
		if zh := c.T("zh-CN", "kpi."+k.Key); !hasHan(zh) {
			t.Errorf("%s: the zh-CN name %q is not Chinese", k.Key, zh)
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
