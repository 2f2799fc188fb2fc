package console

import (
	"cmp"
	"net/http"
	"strconv"

	"aftersales"
)

// editView is the data of the edit page for products, service units,
// teams and assets.
type editView struct {
	Kind       string
	Product    *aftersales.Product
	Unit       *aftersales.ServiceUnit
	Team       *aftersales.Team
	Asset      *aftersales.Asset
	Categories []*aftersales.Category
	Units      []*aftersales.ServiceUnit
	Depts      []*aftersales.Department
	Products   []*aftersales.Product
	Calendars  []*aftersales.BusinessCalendar
}

// edit serves GET (show) and POST (save) for one entity kind.
func (c *Console) edit(kind string) http.HandlerFunc {
	nav := map[string]string{"product": "products", "unit": "network", "team": "network", "asset": "customers"}[kind]
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			c.fail(w, r, "", c.page(r, nav, "edit.title"), err)
			return
		}
		var saveErr error
		back := ""
		if r.Method == http.MethodPost {
			back, saveErr = c.save(r, kind, id)
			if saveErr == nil {
				http.Redirect(w, r, back, http.StatusSeeOther)
				return
			}
		}
		c.adminPage(w, r, nav, "edit", "edit.title", func(p *Page) error { return c.loadEdit(r, p, kind, id) }, saveErr)
	}
}

func (c *Console) loadEdit(r *http.Request, p *Page, kind string, id int64) error {
	ctx := r.Context()
	d := &editView{Kind: kind}
	p.Data = d
	var errs [5]error
	d.Categories, errs[0] = c.S.Catalog.ListCategories(ctx)
	d.Units, errs[1] = c.S.Network.ListServiceUnits(ctx)
	d.Depts, errs[2] = c.S.Network.ListDepartments(ctx)
	d.Products, errs[3] = c.S.Catalog.ListProducts(ctx, 0)
	d.Calendars, errs[4] = c.S.SLA.ListCalendars(ctx)
	if err := cmp.Or(errs[:]...); err != nil {
		return err
	}
	notFound := aftersales.Errorf(aftersales.ENOTFOUND, "Not found.")
	var err error
	switch kind {
	case "product":
		d.Product, err = c.S.Catalog.FindProduct(ctx, id)
	case "asset":
		d.Asset, err = c.S.Catalog.FindAsset(ctx, id)
	case "unit":
		err = notFound
		for _, u := range d.Units {
			if u.ID == id {
				d.Unit, err = u, nil
			}
		}
	case "team":
		err = notFound
		teams, lerr := c.S.Network.ListTeams(ctx)
		if lerr != nil {
			return lerr
		}
		for _, t := range teams {
			if t.ID == id {
				d.Team, err = t, nil
			}
		}
	}
	if err == nil && r.Method == http.MethodPost {
		p.Form = r.PostForm // show what was typed, not what is stored
	}
	return err
}

// save applies a submitted edit form and returns where to go next.
func (c *Console) save(r *http.Request, kind string, id int64) (string, error) {
	ctx := r.Context()
	f := &form{r: r}
	version := f.version()
	switch kind {
	case "product":
		in := aftersales.ProductInput{Model: f.str("model"), Name: f.str("name"), Brand: f.str("brand"), WarrantyMonths: f.int("warranty_months"),
			Active: ptr(f.str("active") == "on")}
		if cid := f.id("category_id"); cid != nil {
			in.CategoryID = *cid
		}
		if err := f.v.Err(); err != nil {
			return "", err
		}
		_, err := c.S.Catalog.UpdateProduct(ctx, id, version, in)
		return "/products?ok=saved", err
	case "unit":
		in := aftersales.ServiceUnitInput{ParentID: f.id("parent_id"), Kind: aftersales.UnitKind(f.str("kind")), Code: f.str("code"),
			Name: f.str("name"), NameEN: f.str("name_en"), Phone: f.str("phone"), Active: ptr(f.str("active") == "on"),
			Address: aftersales.Address{City: f.str("city"), Street: f.str("street"), Lat: f.float("lat"), Lng: f.float("lng")}, Coverage: f.coverage(), CalendarID: f.id("calendar_id")}
		if err := f.v.Err(); err != nil {
			return "", err
		}
		_, err := c.S.Network.UpdateServiceUnit(ctx, id, version, in)
		return "/network?ok=saved", err
	case "team":
		in := aftersales.TeamInput{Code: f.str("code"), Name: f.str("name"), NameEN: f.str("name_en"), ServiceUnitID: f.id("service_unit_id"), DepartmentID: f.id("department_id"),
			Strategy: f.str("strategy"), Capacity: f.int("capacity"), CalendarID: f.id("calendar_id")}
		if err := f.v.Err(); err != nil {
			return "", err
		}
		_, err := c.S.Network.UpdateTeam(ctx, id, version, in)
		return "/network?ok=saved", err
	default: // asset
		in := aftersales.AssetInput{SerialNo: f.str("serial_no"), PurchasedOn: aftersales.Date(f.str("purchased_on")),
			InstalledOn: aftersales.Date(f.str("installed_on")), WarrantyEnds: aftersales.Date(f.str("warranty_ends")),
			Address: aftersales.Address{Street: f.str("street")}}
		if pid := f.id("product_id"); pid != nil {
			in.ProductID = *pid
		}
		cust := f.id("customer_id")
		if cust != nil {
			in.CustomerID = *cust
		}
		if err := f.v.Err(); err != nil {
			return "", err
		}
		_, err := c.S.Catalog.UpdateAsset(ctx, id, version, in)
		return "/customers/" + strconv.FormatInt(in.CustomerID, 10) + "?ok=saved", err
	}
}
