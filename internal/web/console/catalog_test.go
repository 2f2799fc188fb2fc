package console

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"aftersales/internal/analytics"
)

func loadCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := LoadCatalog(localeFS)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCatalogLanguagesAgree checks that every language has exactly the
// same keys and, for each key, the same placeholders.
func TestCatalogLanguagesAgree(t *testing.T) {
	c := loadCatalog(t)
	langs := Languages()
	base := c.Keys(langs[0])
	if len(base) < 100 {
		t.Fatalf("catalog %s has only %d keys", langs[0], len(base))
	}
	for _, l := range langs[1:] {
		if diff := cmp.Diff(base, c.Keys(l)); diff != "" {
			t.Errorf("keys of %s and %s differ (-%s +%s):\n%s", langs[0], l, langs[0], l, diff)
		}
		for _, k := range base {
			if !c.Has(l, k) {
				continue
			}
			want, got := placeholders(c.T(langs[0], k)), placeholders(c.T(l, k))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: placeholders of %s and %s differ (-%s +%s):\n%s", k, langs[0], l, langs[0], l, diff)
			}
		}
	}
}

var placeholder = regexp.MustCompile(`%(\[\d+\])?[-+#0]*\d*(\.\d+)?[a-zA-Z%]|\{[A-Za-z_]+\}`)

// placeholders lists the fmt verbs and {name} fields of s, sorted: a
// translation may reorder words but must keep every value.
func placeholders(s string) []string {
	p := placeholder.FindAllString(s, -1)
	slices.Sort(p)
	return p
}

func TestPlaceholders(t *testing.T) {
	got := placeholders("第 %d / %d 页，{name} 的 %.1f%% 与 %s")
	want := []string{"%%", "%.1f", "%d", "%d", "%s", "{name}"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

// TestCatalogFilesFormatted keeps the files easy to merge and to edit by
// hand: sorted keys one per line, two-space indent, CJK and <>& unescaped.
func TestCatalogFilesFormatted(t *testing.T) {
	for _, l := range Languages() {
		name := "locales/" + l + ".json"
		raw, err := fs.ReadFile(localeFS, name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(name, err)
		}
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		e.SetIndent("", "  ")
		if err := e.Encode(m); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, b.Bytes()) {
			t.Errorf("%s is not in canonical form (sorted keys, two-space indent, no escapes, final newline); "+
				"see docs/TRANSLATING.md", name)
		}
	}
}

// TestCatalogBrokenFileFailsFast: a bad file is an error at start, not a
// page full of raw keys.
func TestCatalogBrokenFileFailsFast(t *testing.T) {
	good := []byte(`{"a.b": "x"}`)
	for name, fsys := range map[string]fstest.MapFS{
		"bad json":   {"locales/zh-CN.json": {Data: []byte(`{"a.b": "x",}`)}, "locales/en.json": {Data: good}},
		"missing en": {"locales/zh-CN.json": {Data: good}},
		"empty text": {"locales/zh-CN.json": {Data: good}, "locales/en.json": {Data: []byte(`{"a.b": " "}`)}},
		"not flat":   {"locales/zh-CN.json": {Data: good}, "locales/en.json": {Data: []byte(`{"a": {"b": "x"}}`)}},
	} {
		if _, err := LoadCatalog(fsys); err == nil {
			t.Errorf("%s: LoadCatalog accepted it", name)
		}
	}
	if _, err := LoadCatalog(fstest.MapFS{"locales/zh-CN.json": {Data: good}, "locales/en.json": {Data: good}}); err != nil {
		t.Errorf("good catalog: %v", err)
	}
}

var (
	// {{.T "key"}}, {{$.T "key"}}, {{$p.T "key"}}, {{.P.T "key"}}
	tmplKey = regexp.MustCompile(`\bT "([^"]+)"`)
	// {{$p.T (print "prefix." .X)}}: some key must start with prefix.
	tmplPrefix = regexp.MustCompile(`\bT \(print "([^"]+)"`)
	// p.T("key"), c.T(lang, "key"), a page title c.page(r, nav, "key"),
	// a navigation Label: "key".
	goKey = regexp.MustCompile(`\.T\((?:[A-Za-z_.]+, )?"([^"]+)"\)|\.page\(r, [^,]+, "([^"]+)"\)|Label: "([^"]+)"`)
	// p.T("prefix." + x)
	goPrefix = regexp.MustCompile(`\.T\((?:[A-Za-z_.]+, )?"([^"]+)" ?\+`)
)

// TestCatalogHasEveryUsedKey scans the templates and the Go sources for
// the keys they translate and fails on one the catalog lacks (a page
// would show "!key"), and on a dynamic prefix no key starts with.
func TestCatalogHasEveryUsedKey(t *testing.T) {
	c := loadCatalog(t)
	keys := c.Keys(Languages()[0])
	var files []string
	tm, _ := filepath.Glob("templates/*.html")
	gof, _ := filepath.Glob("*.go")
	files = append(files, tm...)
	for _, f := range gof {
		if !strings.HasSuffix(f, "_test.go") {
			files = append(files, f)
		}
	}
	used := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		keyRe, prefixRe := goKey, goPrefix
		if strings.HasSuffix(f, ".html") {
			keyRe, prefixRe = tmplKey, tmplPrefix
		}
		for _, m := range keyRe.FindAllStringSubmatch(src, -1) {
			for _, k := range m[1:] {
				if k == "" {
					continue
				}
				used++
				if !c.Has(Languages()[0], k) {
					t.Errorf("%s uses key %q, missing from the catalog", f, k)
				}
			}
		}
		for _, m := range prefixRe.FindAllStringSubmatch(src, -1) {
			i, _ := slices.BinarySearch(keys, m[1])
			if i == len(keys) || !strings.HasPrefix(keys[i], m[1]) {
				t.Errorf("%s translates keys %q...; the catalog has none", f, m[1])
			}
		}
	}
	if used < 500 {
		t.Errorf("found only %d key uses: the scan is broken", used)
	}
}

// TestCatalogKPIDefinitions: every KPI's definition is in the catalog in
// both languages (the dashboard shows it), and the English one is the
// declaration's own, so the two cannot drift apart.
func TestCatalogKPIDefinitions(t *testing.T) {
	c := loadCatalog(t)
	for _, k := range analytics.Catalog {
		key := "kpidef." + k.Key
		if got := c.T("en", key); got != k.Definition {
			t.Errorf("%s (en) = %q, the declaration says %q", key, got, k.Definition)
		}
		if !c.Has("zh-CN", key) || c.T("zh-CN", key) == k.Definition {
			t.Errorf("%s has no Chinese definition", key)
		}
	}
}

var auditCall = regexp.MustCompile(`\.audit\(.*?, "([a-z_.]+)", "([a-z_]+)"`)

// TestCatalogNamesAuditActions: every action and entity the store writes
// into the audit log has a name in the catalog (audit.a.*, audit.e.*).
func TestCatalogNamesAuditActions(t *testing.T) {
	c := loadCatalog(t)
	files, _ := filepath.Glob("../../sqlstore/*.go")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range auditCall.FindAllStringSubmatch(string(b), -1) {
			n++
			for _, k := range []string{"audit.a." + m[1], "audit.e." + m[2]} {
				if !c.Has("zh-CN", k) {
					t.Errorf("%s audits %s %s: the catalog lacks %s", f, m[1], m[2], k)
				}
			}
		}
	}
	if n < 40 {
		t.Errorf("found only %d audit calls: the scan is broken", n)
	}
}
