package console

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// The message catalog lives in one JSON file per language
// (locales/<lang>.json: a flat object of key -> text), so that a
// translator works on it without touching Go.
//
//go:embed locales/*.json
var localeFS embed.FS

// Languages lists the catalog's languages; the first is the default.
func Languages() []string { return []string{"zh-CN", "en"} }

// Catalog holds every user-facing string: language -> key -> text. It is
// built once at start and only read afterwards.
type Catalog struct {
	texts   map[string]map[string]string
	notes   []notePart // the system's English notes it can translate
	reasons []notePart // a verification's English reasons
	fields  []notePart // the domain's English reasons for a bad field
	titles  []notePart // the system's notification titles
	effects []notePart // a verification's effect, kept by a case
}

// LoadCatalog reads locales/<lang>.json for every language in Languages()
// from fsys. A missing file, bad JSON or an empty text is an error: the
// files are embedded, so the start (and a test) fails on a broken one.
func LoadCatalog(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{texts: map[string]map[string]string{}, notes: noteParts(), reasons: verifyReasons(), fields: fieldReasons(), titles: notifyTitles(), effects: effectParts()}
	for _, l := range Languages() {
		name := path.Join("locales", l+".json")
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("console: message catalog: %w", err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("console: message catalog %s: %w", name, err)
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				return nil, fmt.Errorf("console: message catalog %s: key %q has no text", name, k)
			}
		}
		c.texts[l] = m
	}
	return c, nil
}

// T translates key into lang. A missing key renders as "!key" so that
// tests catch it.
func (c *Catalog) T(lang, key string) string {
	if c != nil {
		if s, ok := c.texts[lang][key]; ok {
			return s
		}
	}
	return "!" + key
}

// Has reports whether key exists in lang.
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.texts[lang][key]
	return ok
}

// Keys lists the keys of lang, sorted.
func (c *Catalog) Keys(lang string) []string {
	keys := make([]string, 0, len(c.texts[lang]))
	for k := range c.texts[lang] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
