package console

import (
	"net/http"

	"aftersales"
)

// An edit page opened by a role that cannot save it (an agent opening a
// user's form by its address, a technician a ticket's) is a view: its
// heading says so, its values are disabled with no Save button, and a
// line names the roles that can change it (the "readonly" template).

// Heading is the heading of an edit page whose form posts to route: the
// page's title (or the message key given) when the signed-in user may
// save it, else "View".
func (p *Page) Heading(route string, key ...string) string {
	if !p.CanSave(route) {
		return p.T("view.title")
	}
	if len(key) > 0 {
		return p.T(key[0])
	}
	return p.Title
}

// refuseNew answers a "new" page (the empty form of a record to create)
// opened by a user who may not save it with 403 and the roles that may
// (Page.Refused): an empty form under "View" shows nothing to view. It
// reports whether it answered.
func (c *Console) refuseNew(w http.ResponseWriter, r *http.Request, p *Page, route string) bool {
	if p.CanSave(route) {
		return false
	}
	p.Refused = route
	c.fail(w, r, "", p, aftersales.Errorf(aftersales.EFORBIDDEN, "Your role may not create this."))
	return true
}
