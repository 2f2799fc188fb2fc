package console

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// storeReasons walks the source of the packages that produce field
// errors (the domain's validation, the store and the console's own form
// parsing) and returns every reason they can give a field, as a sample:
// the literal itself, or a format with sample values (%d a number, %s and
// a joined enum "a, b"). where says the file and line of each.
func storeReasons(t *testing.T) (reasons []string, where, fields map[string]string) {
	t.Helper()
	where, fields = map[string]string{}, map[string]string{}
	fset := token.NewFileSet()
	var files []string
	for _, dir := range []string{"../../..", "../../sqlstore", "."} {
		m, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if !strings.HasSuffix(f, "_test.go") {
				files = append(files, f)
			}
		}
	}
	if len(files) < 50 {
		t.Fatalf("only %d source files found", len(files))
	}
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		add := func(field, e ast.Expr) {
			s, ok := sampleString(e)
			if !ok {
				return
			}
			if _, dup := where[s]; !dup {
				reasons = append(reasons, s)
				where[s] = fset.Position(e.Pos()).String()
				if f, ok := field.(*ast.BasicLit); ok && f.Kind == token.STRING {
					fields[s], _ = strconv.Unquote(f.Value)
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				sel, ok := x.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				switch {
				case sel.Sel.Name == "Add" && len(x.Args) == 2:
					add(x.Args[0], x.Args[1])
				case sel.Sel.Name == "Check" && len(x.Args) == 3:
					add(x.Args[1], x.Args[2])
				}
			case *ast.CompositeLit:
				if id, ok := x.Type.(*ast.Ident); ok && id.Name == "FieldError" || isSel(x.Type, "FieldError") {
					var field ast.Expr
					for i, el := range x.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Field" {
								field = kv.Value
							}
							if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Reason" {
								add(field, kv.Value)
							}
						} else if i == 0 {
							field = el
						} else if i == 1 {
							add(field, el)
						}
					}
				}
			}
			return true
		})
	}
	sort.Strings(reasons)
	return reasons, where, fields
}

func isSel(e ast.Expr, name string) bool {
	s, ok := e.(*ast.SelectorExpr)
	return ok && s.Sel.Name == name
}

// sampleString evaluates a reason expression with sample values; ok is
// false for an expression that is not built from literals (a variable
// passing on a reason made elsewhere).
func sampleString(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		return s, err == nil
	case *ast.ParenExpr:
		return sampleString(x.X)
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		a, ok1 := sampleString(x.X)
		b, ok2 := sampleString(x.Y)
		if !ok1 && !ok2 {
			return "", false
		}
		if !ok1 {
			a = "x"
		}
		if !ok2 {
			b = "x"
		}
		return a + b, true
	case *ast.CallExpr:
		sel, ok := x.Fun.(*ast.SelectorExpr)
		name := ""
		if ok {
			name = sel.Sel.Name
		} else if id, ok := x.Fun.(*ast.Ident); ok {
			name = id.Name
		}
		switch name {
		case "Sprintf":
			if len(x.Args) == 0 {
				return "", false
			}
			format, ok := sampleString(x.Args[0])
			if !ok {
				return "", false
			}
			return sampleFormat(format), true
		case "joinEnum", "Join":
			return "a, b", true
		case "Itoa", "FormatInt":
			return "3", true
		}
	}
	return "", false
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// sampleFormat fills a format's verbs with sample values.
func sampleFormat(format string) string {
	return verb.ReplaceAllStringFunc(format, func(v string) string {
		switch v[len(v)-1] {
		case '%':
			return "%"
		case 'd':
			return "3"
		case 'q':
			return `"x"`
		case 'g', 'f', 'v':
			if strings.HasSuffix(v, "v") {
				return "x"
			}
			return "1.5"
		}
		return "x"
	})
}

// TestEveryStoreReasonTranslated: every reason the domain, the store and
// the console's forms can give a field has a zh-CN translation. About 40
// rarely met ones reached Chinese pages in English ("must be at most 10
// tags", "is not a defined custom field", "must be a positive id"...).
func TestEveryStoreReasonTranslated(t *testing.T) {
	c := loadCatalog(t)
	reasons, where, fields := storeReasons(t)
	if len(reasons) < 100 {
		t.Fatalf("only %d reasons found: the walk missed the sources", len(reasons))
	}
	// Words a Chinese reason may keep: formats, examples, placeholders.
	keep := strings.NewReplacer("YYYY-MM-DD", "", "YYYY-MM", "", "HH:MM", "", "Asia/Shanghai", "", "IANA", "", "http", "",
		"{window}", "", "{technician}", "", "{number}", "", "{link}", "", "xmr", "", "delay_hours", "", "Hodges-Lehmann", "")
	latin := regexp.MustCompile(`[a-z]{3,}`)
	all := fieldReasons()
	for _, r := range reasons {
		zh := c.fieldReasonFor("zh-CN", fields[r], r)
		if zh == r {
			t.Errorf("%s: %q has no zh-CN translation", where[r], r)
			continue
		}
		// A sample value ("x") stands for what a person typed.
		if w := latin.FindString(keep.Replace(strings.ReplaceAll(zh, "x", ""))); w != "" {
			t.Errorf("%s: %q reads %q in Chinese", where[r], r, zh)
		}
		// English pages keep the reason as the store wrote it where it is
		// translated by the generated list (reason.s.*); a hand-written
		// entry may say it better in English too ("must be after the
		// window's start" for "must be after window_start").
		for _, p := range all {
			if p.re.MatchString(r) {
				if strings.HasPrefix(p.key, "reason.s.") && !strings.Contains(r, "one of") {
					if en := c.fieldReasonFor("en", fields[r], r); en != r {
						t.Errorf("%s: %q reads %q in English", where[r], r, en)
					}
				}
				break
			}
		}
	}
}

// TestEnumReasonLabels: a "must be one of" reason names the enum's values
// by their labels in the page's language; it showed the raw values
// ("must be one of: consultation, complaint, repair, return").
func TestEnumReasonLabels(t *testing.T) {
	c := loadCatalog(t)
	for _, tc := range []struct{ lang, field, reason, want string }{
		{"zh-CN", "nature", "must be one of consultation, complaint, repair, return",
			"必须是以下之一：" + strings.Join([]string{c.T("zh-CN", "nature.consultation"), c.T("zh-CN", "nature.complaint"), c.T("zh-CN", "nature.repair"), c.T("zh-CN", "nature.return")}, "、")},
		{"en", "nature", "must be one of consultation, complaint, repair, return",
			"must be one of " + strings.Join([]string{c.T("en", "nature.consultation"), c.T("en", "nature.complaint"), c.T("en", "nature.repair"), c.T("en", "nature.return")}, ", ")},
		{"zh-CN", "natures[2]", "must be one of repair, return", "必须是以下之一：" + c.T("zh-CN", "nature.repair") + "、" + c.T("zh-CN", "nature.return")},
		{"zh-CN", "role", "must be one of admin, supervisor", "必须是以下之一：" + c.T("zh-CN", "role.admin") + "、" + c.T("zh-CN", "role.supervisor")},
		{"zh-CN", "urgency", `"super" is not one of urgent, high`, "“super”不是以下之一：" + c.T("zh-CN", "urgency.urgent") + "、" + c.T("zh-CN", "urgency.high")},
		// A custom select field's options are the administrator's words.
		{"zh-CN", "custom.colour", "must be one of 红, 蓝", "必须是以下之一：红, 蓝"},
	} {
		if got := c.fieldReasonFor(tc.lang, tc.field, tc.reason); got != tc.want {
			t.Errorf("%s %s %q: got %q, want %q", tc.lang, tc.field, tc.reason, got, tc.want)
		}
	}
}
