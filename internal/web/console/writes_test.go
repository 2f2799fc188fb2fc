package console

import (
	"io/fs"
	"net/http"
	"regexp"
	"testing"

	"aftersales"
)

// TestCanSaveRoutesExist: every route a template asks CanSave about is a
// form route registered with post, so a misspelt route does not hide a
// form from everyone, and each rule lets the admin save (but the
// technician's own position, which only a technician reports).
func TestCanSaveRoutesExist(t *testing.T) {
	c := &Console{}
	c.Mount(http.NewServeMux())
	re := regexp.MustCompile(`(?:CanSave|"Route") "([^"]+)"`)
	n := 0
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			rule, ok := c.saves[m[1]]
			if !ok {
				t.Errorf("%s asks about %s, which no form route registers", path, m[1])
			} else if m[1] == "/my/day/position" {
				if !rule(&aftersales.User{Role: aftersales.RoleTechnician}) || rule(&aftersales.User{Role: aftersales.RoleAdmin}) {
					t.Errorf("%s: only a technician reports their position", m[1])
				}
			} else if !rule(&aftersales.User{Role: aftersales.RoleAdmin}) {
				t.Errorf("%s: the admin may not save", m[1])
			}
		}
		return nil
	})
	if err != nil || n < 30 {
		t.Fatalf("%d routes asked about: %v", n, err)
	}
}
