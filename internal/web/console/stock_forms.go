package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"aftersales"
)

// The stock page's forms for the people who keep the parts: a part of
// the catalog created or edited, a stock location created, a location's
// reorder policy for a part, and a receipt or an adjustment with its
// reason. Each goes through the same store method as its API operation;
// a refusal comes back under the form's own field, which is why each
// form names its inputs apart from the transfer's (names maps the
// store's field names to the form's).

func (c *Console) stockFormRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("POST /stock/parts", g(c.stockSavePart))
	mux.HandleFunc("POST /stock/parts/{id}", g(c.stockSavePart))
	mux.HandleFunc("POST /stock/locations", g(c.stockSaveLocation))
	mux.HandleFunc("POST /stock/locations/{loc}", g(c.stockSaveLocation))
	mux.HandleFunc("POST /stock/levels", g(c.stockSetLevel))
	mux.HandleFunc("POST /stock/move", g(c.stockMove))
}

var (
	locationNames = map[string]string{"kind": "loc_kind", "code": "loc_code", "name": "loc_name",
		"service_unit_id": "loc_unit", "technician_id": "loc_tech"}
	levelNames = map[string]string{"part_id": "lv_part", "location_id": "lv_location", "reorder_point": "lv_reorder",
		"order_up_to": "lv_upto"}
	moveNames = map[string]string{"kind": "mv_kind", "part_id": "mv_part", "location_id": "mv_location", "qty": "mv_qty",
		"reason": "mv_reason"}
)

// stockFormFields names a store field in form's inputs: a part's fields
// keep their names (models[2] is the models box), the others are mapped.
func stockFormFields(form string) func(string) string {
	return func(f string) string {
		switch form {
		case "part":
			if strings.HasPrefix(f, "models[") {
				return "models"
			}
			return f
		case "location":
			return formField(locationNames, "loc_", f)
		case "level":
			return formField(levelNames, "lv_", f)
		case "move":
			return formField(moveNames, "mv_", f)
		}
		return f
	}
}

// formField is the form's input for the store's field f; the handler's
// own checks name the inputs already (prefix); a field the form lacks
// gets the prefix so that no other form of the page shows it.
func formField(names map[string]string, prefix, f string) string {
	if n, ok := names[f]; ok {
		return n
	}
	if strings.HasPrefix(f, prefix) {
		return f
	}
	return prefix + "other_" + f
}

func formID(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	return n
}

// formQty reads a whole number; ok false adds the reason to v.
func formQty(v *aftersales.Validator, r *http.Request, name string) int64 {
	s := strings.TrimSpace(r.FormValue(name))
	if s == "" {
		v.Add(name, "is required")
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		v.Add(name, "must be a whole number")
	}
	return n
}

// stockSavePart creates a part, or with {id} changes it.
func (c *Console) stockSavePart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var v aftersales.Validator
	in := aftersales.PartInput{Number: r.FormValue("number"), NameZH: r.FormValue("name_zh"), NameEN: r.FormValue("name_en")}
	for _, m := range strings.FieldsFunc(r.FormValue("models"), func(r rune) bool { return r == '\n' || r == ',' || r == '，' || r == '、' }) {
		if m = strings.TrimSpace(m); m != "" {
			in.Models = append(in.Models, m)
		}
	}
	for _, f := range []struct {
		name string
		to   *aftersales.Money
	}{{"unit_cost", &in.UnitCost}, {"price", &in.Price}} {
		s := strings.TrimSpace(r.FormValue(f.name))
		if s == "" {
			continue // 0
		}
		m, err := aftersales.ParseMoney(s)
		if err != nil {
			v.Add(f.name, "must be an amount such as 125.50")
		}
		*f.to = m
	}
	if err := v.Err(); err != nil {
		c.renderStockForm(w, r, "part", err)
		return
	}
	if r.PathValue("id") == "" {
		if _, err := c.S.Parts.CreatePart(ctx, in); err != nil {
			c.renderStockForm(w, r, "part", err)
			return
		}
		http.Redirect(w, r, "/stock?ok=created#catalog", http.StatusSeeOther)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	active := r.FormValue("active") == "1"
	in.Active = &active
	if _, err := c.S.Parts.UpdatePart(ctx, id, formID(r, "version"), in); err != nil {
		c.renderStockForm(w, r, "part", err)
		return
	}
	http.Redirect(w, r, "/stock?ok=saved#catalog", http.StatusSeeOther)
}

// stockSaveLocation adds a warehouse, a service point's stock (with its
// service point) or a van (with its technician), or with {loc} changes
// one (and whether it is active).
func (c *Console) stockSaveLocation(w http.ResponseWriter, r *http.Request) {
	in := aftersales.StockLocationInput{Kind: aftersales.LocationKind(r.FormValue("loc_kind")), Code: r.FormValue("loc_code"),
		Name: r.FormValue("loc_name")}
	if id := formID(r, "loc_unit"); id != 0 {
		in.ServiceUnitID = &id
	}
	if id := formID(r, "loc_tech"); id != 0 {
		in.TechnicianID = &id
	}
	if r.PathValue("loc") != "" {
		id, _ := strconv.ParseInt(r.PathValue("loc"), 10, 64)
		active := r.FormValue("loc_active") == "1"
		in.Active = &active
		if _, err := c.S.Parts.UpdateStockLocation(r.Context(), id, formID(r, "loc_version"), in); err != nil {
			c.renderStockForm(w, r, "location", err)
			return
		}
		http.Redirect(w, r, "/stock?ok=saved#locations", http.StatusSeeOther)
		return
	}
	if _, err := c.S.Parts.CreateStockLocation(r.Context(), in); err != nil {
		c.renderStockForm(w, r, "location", err)
		return
	}
	http.Redirect(w, r, "/stock?ok=created#locations", http.StatusSeeOther)
}

// stockSetLevel sets a location's reorder point and order-up-to level
// for a part.
func (c *Console) stockSetLevel(w http.ResponseWriter, r *http.Request) {
	var v aftersales.Validator
	part, loc := formID(r, "lv_part"), formID(r, "lv_location")
	v.Check(part != 0, "lv_part", "is required")
	v.Check(loc != 0, "lv_location", "is required")
	in := aftersales.StockLevelInput{ReorderPoint: formQty(&v, r, "lv_reorder"), OrderUpTo: formQty(&v, r, "lv_upto")}
	if err := v.Err(); err != nil {
		c.renderStockForm(w, r, "level", err)
		return
	}
	if _, err := c.S.Parts.SetStockLevel(r.Context(), part, loc, in); err != nil {
		c.renderStockForm(w, r, "level", err)
		return
	}
	http.Redirect(w, r, "/stock?ok=level_set#levels", http.StatusSeeOther)
}

// stockMove records a receipt or an adjustment (with its reason; a
// negative one the stock does not cover is refused by the ledger).
func (c *Console) stockMove(w http.ResponseWriter, r *http.Request) {
	var v aftersales.Validator
	kind := aftersales.MovementKind(r.FormValue("mv_kind"))
	v.Check(kind == aftersales.MoveReceipt || kind == aftersales.MoveAdjust, "mv_kind", "must be chosen from the list")
	in := aftersales.StockMoveInput{Kind: kind, PartID: formID(r, "mv_part"), LocationID: formID(r, "mv_location"),
		Qty: formQty(&v, r, "mv_qty"), Reason: r.FormValue("mv_reason")}
	if err := v.Err(); err != nil {
		c.renderStockForm(w, r, "move", err)
		return
	}
	if _, err := c.S.Parts.MoveStock(r.Context(), in); err != nil {
		c.renderStockForm(w, r, "move", err)
		return
	}
	ok := "received"
	if kind == aftersales.MoveAdjust {
		ok = "adjusted"
	}
	http.Redirect(w, r, "/stock?ok="+ok+"#move", http.StatusSeeOther)
}

// renderStockForm shows the page again with form's refusal.
func (c *Console) renderStockForm(w http.ResponseWriter, r *http.Request, form string, err error) {
	c.renderStockWith(w, r, nil, err, form, stockFormFields(form))
}

// partFormValues are a part's values as its form shows them.
func partFormValues(pt *aftersales.Part) url.Values {
	money := func(m aftersales.Money) string { return fmt.Sprintf("%d.%02d", m/100, m%100) }
	active := ""
	if pt.Active {
		active = "1"
	}
	return url.Values{"number": {pt.Number}, "name_zh": {pt.NameZH}, "name_en": {pt.NameEN},
		"models": {strings.Join(pt.Models, "\n")}, "unit_cost": {money(pt.UnitCost)}, "price": {money(pt.Price)},
		"active": {active}, "version": {strconv.FormatInt(pt.Version, 10)}}
}

// locationFormValues are a location's values as its form shows them.
func locationFormValues(l *aftersales.StockLocation) url.Values {
	id := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	active := ""
	if l.Active {
		active = "1"
	}
	return url.Values{"loc_kind": {string(l.Kind)}, "loc_code": {l.Code}, "loc_name": {l.Name}, "loc_unit": {id(l.ServiceUnitID)},
		"loc_tech": {id(l.TechnicianID)}, "loc_active": {active}, "loc_version": {strconv.FormatInt(l.Version, 10)}}
}

// LocationKindName says a location's kind in the page's language.
func (p *Page) LocationKindName(k aftersales.LocationKind) string {
	return p.T("stock.kind." + string(k))
}

// LocationKinds lists the kinds a new location can have.
func (p *Page) LocationKinds() []aftersales.LocationKind { return aftersales.LocationKinds }
