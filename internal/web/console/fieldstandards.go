package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"aftersales"
)

// Field standards (issue #19): the service checklists technicians tick
// in the work report, and the labour and travel rates that turn visits
// into cost lines. Administrators edit both on one page.

func (c *Console) fieldStandardRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /field-standards", g(c.fieldStandards))
	mux.HandleFunc("GET /field-standards/{id}", g(c.fieldStandards))
	mux.HandleFunc("POST /field-standards", g(c.saveChecklist))
	mux.HandleFunc("POST /field-standards/{id}", g(c.saveChecklist))
	mux.HandleFunc("POST /field-standards/{id}/delete", g(c.deleteChecklist))
	mux.HandleFunc("POST /field-rates", g(c.setFieldRate))
	mux.HandleFunc("POST /field-rates/delete", g(c.deleteFieldRate))
}

type fieldStandardsView struct {
	Checklists []*aftersales.Checklist
	Edit       *aftersales.Checklist
	Categories []*aftersales.Category
	Regions    []*aftersales.ServiceUnit
	Rates      []*aftersales.FieldRate
	CatName    map[int64]string
	RegionName map[int64]string
}

func (c *Console) fieldStandards(w http.ResponseWriter, r *http.Request) {
	c.fieldStandardsPage(w, r, nil)
}

func (c *Console) fieldStandardsPage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "field_standards", "field_standards", "fieldstd.title", func(p *Page) error {
		ctx := r.Context()
		if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
			return err
		}
		v := &fieldStandardsView{CatName: map[int64]string{}, RegionName: map[int64]string{}}
		p.Data = v
		var err error
		if v.Checklists, err = c.S.Checklists.ListChecklists(ctx); err != nil {
			return err
		}
		if v.Categories, err = c.S.Catalog.ListCategories(ctx); err != nil {
			return err
		}
		for _, x := range v.Categories {
			v.CatName[x.ID] = p.L(x.NameZH, x.NameEN)
		}
		units, err := c.S.Network.ListServiceUnits(ctx)
		if err != nil {
			return err
		}
		for _, u := range units {
			if u.ParentID == nil {
				v.Regions = append(v.Regions, u)
				v.RegionName[u.ID] = p.Local(u)
			}
		}
		if v.Rates, err = c.S.FieldCosts.ListFieldRates(ctx); err != nil {
			return err
		}
		if r.PathValue("id") != "" {
			id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
			for _, x := range v.Checklists {
				if x.ID == id {
					v.Edit = x
				}
			}
			if v.Edit == nil {
				return aftersales.Errorf(aftersales.ENOTFOUND, "Checklist %s not found.", r.PathValue("id"))
			}
		}
		if p.Form == nil {
			p.Form = checklistForm(v.Edit)
		}
		return nil
	}, formErr)
}

// checklistForm fills the form from a checklist: required items in one
// box and the others in another, one a line.
func checklistForm(x *aftersales.Checklist) url.Values {
	if x == nil {
		return url.Values{}
	}
	var req, opt []string
	for _, it := range x.Items {
		if it.Required {
			req = append(req, it.Label)
		} else {
			opt = append(opt, it.Label)
		}
	}
	out := url.Values{"name": {x.Name}, "nature": {string(x.Nature)}, "required": {strings.Join(req, "\n")}, "optional": {strings.Join(opt, "\n")}}
	if x.CategoryID != nil {
		out.Set("category_id", strconv.FormatInt(*x.CategoryID, 10))
	}
	return out
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (c *Console) saveChecklist(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	r.ParseForm()
	in := aftersales.ChecklistInput{Name: f.str("name"), CategoryID: f.id("category_id"), Nature: aftersales.Nature(f.str("nature"))}
	for _, l := range lines(r.PostFormValue("required")) {
		in.Items = append(in.Items, aftersales.ChecklistItem{Label: l, Required: true})
	}
	for _, l := range lines(r.PostFormValue("optional")) {
		in.Items = append(in.Items, aftersales.ChecklistItem{Label: l})
	}
	err := f.v.Err()
	if err == nil {
		if s := r.PathValue("id"); s != "" {
			id, _ := strconv.ParseInt(s, 10, 64)
			in.Version = f.version()
			_, err = c.S.Checklists.UpdateChecklist(r.Context(), id, in)
		} else {
			_, err = c.S.Checklists.CreateChecklist(r.Context(), in)
		}
	}
	c.done(w, r, "/field-standards", checklistFieldErr(err), c.fieldStandardsPage)
}

// checklistFieldErr shows the items' errors on the boxes they came from.
func checklistFieldErr(err error) error {
	e, ok := err.(*aftersales.Error)
	if !ok {
		return err
	}
	out := *e
	out.Fields = nil
	for _, x := range e.Fields {
		if strings.HasPrefix(x.Field, "items") {
			x.Field = "required"
		}
		out.Fields = append(out.Fields, x)
	}
	return &out
}

func (c *Console) deleteChecklist(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	c.done(w, r, "/field-standards", c.S.Checklists.DeleteChecklist(r.Context(), id), c.fieldStandardsPage)
}

func (c *Console) setFieldRate(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	in := aftersales.FieldRateInput{RegionID: f.id("region_id"), LabourPerHour: f.money("labour_per_hour"), TravelPerKM: f.money("travel_per_km")}
	err := f.v.Err()
	if err == nil {
		_, err = c.S.FieldCosts.SetFieldRate(r.Context(), in)
	}
	c.done(w, r, "/field-standards", err, c.fieldStandardsPage)
}

func (c *Console) deleteFieldRate(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	c.done(w, r, "/field-standards", c.S.FieldCosts.DeleteFieldRate(r.Context(), f.id("region_id")), c.fieldStandardsPage)
}
