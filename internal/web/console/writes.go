package console

import (
	"fmt"
	"net/http"
	"strings"

	"aftersales"
)

// writeRule says who may save a form: the permission its POST handler's
// service requires (aftersales.Require in the store).
type writeRule func(u *aftersales.User) bool

// needs is the rule of a form whose service requires permission p.
func needs(p aftersales.Permission) writeRule {
	return func(u *aftersales.User) bool { return u != nil && u.Role.Can(p) }
}

// post registers a form's save route together with who may save it. The
// route refuses everyone else before the handler runs (the store would
// refuse them too), and a page asks Page.CanSave with the same path
// whether to show the form at all: one declaration, so a role is never
// shown a form whose save answers 403. path is the route's pattern
// without the method ("/users/{id}/edit").
func (c *Console) post(mux *http.ServeMux, path string, rule writeRule, h http.HandlerFunc) {
	if c.saves == nil {
		c.saves = map[string]writeRule{}
	}
	c.saves[path] = rule
	mux.HandleFunc("POST "+path, c.guard(func(w http.ResponseWriter, r *http.Request) {
		if !rule(aftersales.UserFromContext(r.Context())) {
			c.fail(w, r, "", c.page(r, "", "error.title"), aftersales.Errorf(aftersales.EFORBIDDEN, "Your role may not change this."))
			return
		}
		h(w, r)
	}))
}

// CanSave reports whether the signed-in user may save the form posted to
// route (a pattern registered with post). A route not registered that way
// is refused: a template naming a route wrongly hides its form rather than
// showing one that may not save (TestCanSaveRoutesExist names it).
func (p *Page) CanSave(route string) bool {
	rule, ok := p.saves[route]
	return ok && rule(p.User)
}

// WhoCanSave says, in the page's language, which roles may save the form
// posted to route: the read-only page's note.
func (p *Page) WhoCanSave(route string) string {
	rule := p.saves[route]
	var names []string
	for _, r := range aftersales.Roles {
		if rule != nil && rule(&aftersales.User{Role: r}) {
			names = append(names, p.T("role."+string(r)))
		}
	}
	sep := "、"
	if p.Lang == "en" {
		sep = ", "
	}
	return fmt.Sprintf(p.T("readonly.who"), strings.Join(names, sep))
}
