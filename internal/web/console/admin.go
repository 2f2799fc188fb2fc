package console

import (
	"net/http"
	"strconv"
	"strings"

	"aftersales"
)

// adminPage loads a page's data and renders it, or, when formErr is set,
// shows it again with the rejected form's values and reasons.
func (c *Console) adminPage(w http.ResponseWriter, r *http.Request, nav, name, title string, load func(p *Page) error, formErr error) {
	p := c.page(r, nav, title)
	if r.Method == http.MethodPost {
		p.Form = r.PostForm
	}
	if err := load(p); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if formErr != nil {
		c.fail(w, r, name, p, formErr)
		return
	}
	c.render(w, r, name, p)
}

// done redirects after a successful POST, or shows the page again.
func (c *Console) done(w http.ResponseWriter, r *http.Request, to string, err error, show func(w http.ResponseWriter, r *http.Request, err error)) {
	if err != nil {
		show(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

type productsView struct {
	Categories []*aftersales.Category
	Products   []*aftersales.Product
	CatName    map[int64]string
}

func (c *Console) productsPage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "products", "products", "products.title", func(p *Page) error {
		d := &productsView{CatName: map[int64]string{}}
		p.Data = d
		var err error
		if d.Categories, err = c.S.Catalog.ListCategories(r.Context()); err != nil {
			return err
		}
		for _, cat := range d.Categories {
			d.CatName[cat.ID] = p.L(cat.NameZH, cat.NameEN)
		}
		d.Products, err = c.S.Catalog.ListProducts(r.Context(), 0)
		return err
	}, formErr)
}

func (c *Console) showProducts(w http.ResponseWriter, r *http.Request) { c.productsPage(w, r, nil) }

func (c *Console) createCategory(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	in := aftersales.CategoryInput{ParentID: f.id("parent_id"), Code: f.str("code"), NameZH: f.str("name_zh"), NameEN: f.str("name_en")}
	err := f.v.Err()
	if err == nil {
		_, err = c.S.Catalog.CreateCategory(r.Context(), in)
	}
	c.done(w, r, "/products?ok=created", err, c.productsPage)
}

func (c *Console) createProduct(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	in := aftersales.ProductInput{Model: f.str("model"), Name: f.str("name"), Brand: f.str("brand"), WarrantyMonths: f.int("warranty_months")}
	if id := f.id("category_id"); id != nil {
		in.CategoryID = *id
	}
	err := f.v.Err()
	if err == nil {
		_, err = c.S.Catalog.CreateProduct(r.Context(), in)
	}
	c.done(w, r, "/products?ok=created", err, c.productsPage)
}

type networkView struct {
	Calendars []*aftersales.BusinessCalendar
	Units     []*aftersales.ServiceUnit
	Depts     []*aftersales.Department
	Teams     []*aftersales.Team
	UnitName  map[int64]string
	DeptName  map[int64]string
	Children  map[int64][]*aftersales.ServiceUnit
	Roots     []*aftersales.ServiceUnit
}

func (c *Console) networkPage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "network", "network", "network.title", func(p *Page) error {
		ctx := r.Context()
		d := &networkView{UnitName: map[int64]string{}, DeptName: map[int64]string{}, Children: map[int64][]*aftersales.ServiceUnit{}}
		p.Data = d
		var err error
		if d.Units, err = c.S.Network.ListServiceUnits(ctx); err != nil {
			return err
		}
		for _, u := range d.Units {
			d.UnitName[u.ID] = p.Local(u)
			if u.ParentID == nil {
				d.Roots = append(d.Roots, u)
			} else {
				d.Children[*u.ParentID] = append(d.Children[*u.ParentID], u)
			}
		}
		if d.Depts, err = c.S.Network.ListDepartments(ctx); err != nil {
			return err
		}
		for _, x := range d.Depts {
			d.DeptName[x.ID] = p.L(x.NameZH, x.NameEN)
		}
		if d.Calendars, err = c.S.SLA.ListCalendars(ctx); err != nil {
			return err
		}
		d.Teams, err = c.S.Network.ListTeams(ctx)
		return err
	}, formErr)
}

func (c *Console) showNetwork(w http.ResponseWriter, r *http.Request) { c.networkPage(w, r, nil) }

func (c *Console) createUnit(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	in := aftersales.ServiceUnitInput{ParentID: f.id("parent_id"), Kind: aftersales.UnitKind(f.str("kind")), Code: f.str("code"),
		Name: f.str("name"), NameEN: f.str("name_en"), Phone: f.str("phone"), Address: aftersales.Address{City: f.str("city"), Street: f.str("street"),
			Lat: f.float("lat"), Lng: f.float("lng")}, Coverage: f.coverage(), CalendarID: f.id("calendar_id")}
	err := f.v.Err()
	if err == nil {
		_, err = c.S.Network.CreateServiceUnit(r.Context(), in)
	}
	c.done(w, r, "/network?ok=created", err, c.networkPage)
}

func (c *Console) createDepartment(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	_, err := c.S.Network.CreateDepartment(r.Context(), aftersales.Department{Code: f.str("code"), Kind: aftersales.DepartmentKind(f.str("kind")),
		NameZH: f.str("name_zh"), NameEN: f.str("name_en")})
	c.done(w, r, "/network?ok=created", err, c.networkPage)
}

func (c *Console) createTeam(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	in := aftersales.TeamInput{Code: f.str("code"), Name: f.str("name"), NameEN: f.str("name_en"), ServiceUnitID: f.id("service_unit_id"), DepartmentID: f.id("department_id"),
		Strategy: f.str("strategy"), Capacity: f.int("capacity"), CalendarID: f.id("calendar_id")}
	err := f.v.Err()
	if err == nil {
		_, err = c.S.Network.CreateTeam(r.Context(), in)
	}
	c.done(w, r, "/network?ok=created", err, c.networkPage)
}

type usersView struct {
	Users      []*aftersales.User
	Teams      []*aftersales.Team
	Categories []*aftersales.Category
	TeamName   map[int64]string
	Edit       *aftersales.User
}

func (c *Console) usersData(r *http.Request, p *Page) (*usersView, error) {
	ctx := r.Context()
	d := &usersView{TeamName: map[int64]string{}}
	p.Data = d
	var err error
	q := r.URL.Query()
	if d.Users, err = c.S.Users.ListUsers(ctx, aftersales.UserFilter{Role: aftersales.Role(q.Get("role")), Query: q.Get("q")}); err != nil {
		return d, err
	}
	if d.Teams, err = c.S.Network.ListTeams(ctx); err != nil {
		return d, err
	}
	for _, t := range d.Teams {
		d.TeamName[t.ID] = p.Local(t)
	}
	d.Categories, err = c.S.Catalog.ListCategories(ctx)
	return d, err
}

func (c *Console) usersPage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "users", "users", "users.title", func(p *Page) error {
		_, err := c.usersData(r, p)
		return err
	}, formErr)
}

func (c *Console) listUsers(w http.ResponseWriter, r *http.Request) { c.usersPage(w, r, nil) }

func parseUser(r *http.Request) (aftersales.UserInput, *form) {
	r.ParseForm()
	f := &form{r: r}
	in := aftersales.UserInput{Email: f.str("email"), Name: f.str("name"), Phone: f.str("phone"), Role: aftersales.Role(f.str("role")),
		TeamID: f.id("team_id"), Locale: f.str("locale"), Password: r.PostFormValue("password"), Skills: []aftersales.Skill{}}
	active := f.str("active") == "on"
	in.Active = &active
	for _, s := range r.PostForm["skill"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f.v.Add("skill", "must be chosen from the list")
			continue
		}
		level := 3
		if l, err := strconv.Atoi(r.PostFormValue("level_" + s)); err == nil {
			level = l
		}
		in.Skills = append(in.Skills, aftersales.Skill{CategoryID: id, Level: level})
	}
	return in, f
}

func (c *Console) createUser(w http.ResponseWriter, r *http.Request) {
	in, f := parseUser(r)
	err := f.v.Err()
	if err == nil {
		_, err = c.S.Users.CreateUser(r.Context(), in)
	}
	c.done(w, r, "/users?ok=created", err, c.usersPage)
}

func (c *Console) userEditPage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "users", "user_form", "user.edit", func(p *Page) error {
		d, err := c.usersData(r, p)
		if err != nil {
			return err
		}
		id, err := pathID(r)
		if err == nil {
			d.Edit, err = c.S.Users.FindUser(r.Context(), id)
		}
		return err
	}, formErr)
}

func (c *Console) editUser(w http.ResponseWriter, r *http.Request) { c.userEditPage(w, r, nil) }

func (c *Console) updateUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		in, f := parseUser(r)
		if err = f.v.Err(); err == nil {
			_, err = c.S.Users.UpdateUser(r.Context(), id, f.version(), in)
		}
	}
	c.done(w, r, "/users?ok=saved", err, c.userEditPage)
}

type tokensView struct {
	Tokens []*aftersales.APIToken
	New    *aftersales.APIToken
}

func (c *Console) tokensPage(w http.ResponseWriter, r *http.Request, created *aftersales.APIToken, formErr error) {
	c.adminPage(w, r, "tokens", "tokens", "tokens.title", func(p *Page) error {
		d := &tokensView{New: created}
		p.Data = d
		var err error
		d.Tokens, err = c.S.Users.ListTokens(r.Context(), p.User.ID)
		return err
	}, formErr)
}

func (c *Console) listTokens(w http.ResponseWriter, r *http.Request) { c.tokensPage(w, r, nil, nil) }

// createToken shows the new secret once, on the page that answers the POST.
func (c *Console) createToken(w http.ResponseWriter, r *http.Request) {
	u := aftersales.UserFromContext(r.Context())
	t, err := c.S.Users.CreateToken(r.Context(), u.ID, r.PostFormValue("name"))
	c.tokensPage(w, r, t, err)
}

func (c *Console) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = c.S.Users.RevokeToken(r.Context(), id)
	}
	c.done(w, r, "/tokens?ok=saved", err, func(w http.ResponseWriter, r *http.Request, err error) { c.tokensPage(w, r, nil, err) })
}

// fieldsView is the fields page's data: the custom fields and the ticket
// rules (settings) shown beside them.
type fieldsView struct {
	Fields   []*aftersales.CustomField
	Settings *aftersales.Settings
}

func (c *Console) fieldsPage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "fields", "fields", "fields.title", func(p *Page) error {
		d := &fieldsView{}
		p.Data = d
		var err error
		if d.Fields, err = c.S.Settings.ListCustomFields(r.Context()); err != nil {
			return err
		}
		d.Settings, err = c.S.Settings.Settings(r.Context())
		return err
	}, formErr)
}

func (c *Console) updateSettings(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	_, err := c.S.Settings.UpdateSettings(r.Context(), f.version(), aftersales.Settings{ResolutionNoteRequired: f.str("resolution_note_required") == "on"})
	c.done(w, r, "/fields?ok=saved", err, c.fieldsPage)
}

func (c *Console) listFields(w http.ResponseWriter, r *http.Request) { c.fieldsPage(w, r, nil) }

func (c *Console) createField(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	def := aftersales.CustomField{Key: f.str("key"), LabelZH: f.str("label_zh"), LabelEN: f.str("label_en"),
		Type: aftersales.FieldType(f.str("type")), Options: f.list("options"), Required: f.str("required") == "on"}
	_, err := c.S.Settings.CreateCustomField(r.Context(), def)
	c.done(w, r, "/fields?ok=created", err, c.fieldsPage)
}

func (c *Console) listNotifications(w http.ResponseWriter, r *http.Request) {
	c.adminPage(w, r, "notifications", "notifications", "notifications.title", func(p *Page) error {
		ns, err := c.S.Notify.ListNotifications(r.Context(), r.URL.Query().Get("unread") == "true", 100)
		p.Data = ns
		return err
	}, nil)
}

func (c *Console) readNotification(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = c.S.Notify.MarkNotificationRead(r.Context(), id)
	}
	if err != nil {
		c.fail(w, r, "", c.page(r, "notifications", "notifications.title"), err)
		return
	}
	to := "/notifications"
	if t := r.PostFormValue("ticket"); t != "" {
		to = "/tickets/" + strconv.Itoa(atoiOr(t))
	}
	if l := r.PostFormValue("link"); strings.HasPrefix(l, "/quality/") && !strings.HasPrefix(l, "//") {
		to = l
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func atoiOr(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// coverage reads a service point's coverage fields.
func (f *form) coverage() aftersales.Coverage {
	c := aftersales.Coverage{Cities: f.list("cov_cities"), Postcodes: f.list("cov_postcodes")}
	if r := f.float("cov_radius"); r != nil {
		c.RadiusKM = *r
	}
	return c
}

func (c *Console) setAvailability(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = c.S.Routing.SetAvailability(r.Context(), id, r.PostFormValue("available") == "true")
	}
	if err != nil {
		c.fail(w, r, "", c.page(r, "users", "users.title"), err)
		return
	}
	http.Redirect(w, r, "/users?ok=saved", http.StatusSeeOther)
}
