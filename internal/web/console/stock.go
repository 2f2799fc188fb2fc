package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"aftersales"
	"aftersales/internal/field"
	"aftersales/internal/web/httperr"
)

// Parts and stock (issue #19) for the people who keep them: the catalog,
// the balances per location with the reorder suggestions, a transfer
// between locations, a stock file import (all rows or none, every refused
// row named) and the exports the API writes.

func (c *Console) stockRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /stock", g(c.stockPage))
	mux.HandleFunc("POST /stock/transfer", g(c.stockTransfer))
	mux.HandleFunc("POST /stock/import", g(c.stockImport))
	c.stockFormRoutes(mux, g)
}

type stockView struct {
	Parts     []*aftersales.Part
	Locations []*aftersales.StockLocation
	Balances  []*aftersales.StockBalance
	Location  int64
	Reorder   bool
	PartName  map[int64]string
	LocName   map[int64]string
	// Rejected are the refused rows of an import, with their reasons in
	// the page's language.
	Rejected []stockRejected
	Imported *aftersales.StockImport
	// Form is the form a refusal came from (stock_forms.go); EditPart the
	// part the part form edits (nil: it creates one).
	Form     string
	EditPart *aftersales.Part
	EditLoc  *aftersales.StockLocation // the location the location form edits
	// Points and Techs are what a service point's stock and a van link to.
	Points []*aftersales.ServiceUnit
	Techs  []*aftersales.TechnicianProfile
}

type stockRejected struct {
	Line          int
	Field, Reason string
}

func (c *Console) stockPage(w http.ResponseWriter, r *http.Request) { c.renderStock(w, r, nil, nil) }

func (c *Console) renderStock(w http.ResponseWriter, r *http.Request, imported *aftersales.StockImport, actionErr error) {
	c.renderStockWith(w, r, imported, actionErr, "", nil)
}

// renderStockWith shows the page; a refusal of form comes back with each
// reason under the field names gives it.
func (c *Console) renderStockWith(w http.ResponseWriter, r *http.Request, imported *aftersales.StockImport, actionErr error, form string, names func(string) string) {
	ctx := r.Context()
	p := c.page(r, "stock", "stock.title")
	v := &stockView{PartName: map[int64]string{}, LocName: map[int64]string{}, Imported: imported, Form: form}
	p.Data = v
	p.Form = r.Form
	if p.Form == nil {
		p.Form = url.Values{}
	}
	if _, err := aftersales.Require(ctx, aftersales.PermPartsWrite); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	switch ok := r.URL.Query().Get("ok"); ok {
	case "transferred", "received", "adjusted", "level_set":
		p.OK = p.T("stock." + ok)
	}
	var err error
	if v.Parts, err = c.S.Parts.ListParts(ctx, ""); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	for _, pt := range v.Parts {
		v.PartName[pt.ID] = pt.Name(p.Lang)
	}
	if v.Locations, err = c.S.Parts.ListStockLocations(ctx); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	edit, _ := strconv.ParseInt(cmpOr(r.PathValue("loc"), r.URL.Query().Get("loc")), 10, 64)
	for _, l := range v.Locations {
		v.LocName[l.ID] = l.Name
		if l.ID == edit && edit != 0 {
			v.EditLoc = l
		}
	}
	if edit != 0 && v.EditLoc == nil {
		c.fail(w, r, "", p, aftersales.Errorf(aftersales.ENOTFOUND, "Stock location %d not found.", edit))
		return
	}
	if v.EditLoc != nil && r.Method == http.MethodGet {
		for k, vs := range locationFormValues(v.EditLoc) {
			p.Form[k] = vs
		}
	}
	// The part form edits the part of ?part= (or of the refused POST).
	if id, _ := strconv.ParseInt(cmpOr(r.PathValue("id"), r.URL.Query().Get("part")), 10, 64); id != 0 {
		if v.EditPart, err = c.S.Parts.FindPart(ctx, id); err != nil {
			c.fail(w, r, "", p, err)
			return
		}
		if r.Method == http.MethodGet {
			for k, vs := range partFormValues(v.EditPart) {
				p.Form[k] = vs
			}
		}
	}
	units, err := c.S.Network.ListServiceUnits(ctx)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	for _, u := range units {
		if u.Kind == aftersales.UnitServicePoint && u.Active {
			v.Points = append(v.Points, u)
		}
	}
	if v.Techs, err = c.S.Visits.ListTechnicians(ctx); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	v.Location, _ = strconv.ParseInt(r.URL.Query().Get("location"), 10, 64)
	v.Reorder = r.URL.Query().Get("reorder") == "1"
	if v.Balances, err = c.S.Parts.ListStock(ctx, aftersales.StockFilter{LocationID: v.Location, Reorder: v.Reorder}); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if actionErr != nil {
		if !p.formRefused(actionErr, names, aftersales.EINVALID, aftersales.ECONFLICT, aftersales.ETOOLARGE) {
			c.fail(w, r, "", p, actionErr)
			return
		}
		p.Status = httperr.Status(actionErr)
	}
	if imported != nil && len(imported.Rejected) > 0 {
		p.Flash = fmt.Sprintf(p.T("stock.import_refused"), len(imported.Rejected))
	}
	if imported != nil {
		for _, rj := range imported.Rejected {
			v.Rejected = append(v.Rejected, stockRejected{Line: rj.Line, Field: rj.Field, Reason: p.cat.fieldReason(p.Lang, rj.Reason)})
		}
	}
	c.render(w, r, "stock", p)
}

// stockTransfer moves stock from one location to another.
func (c *Console) stockTransfer(w http.ResponseWriter, r *http.Request) {
	num := func(name string) int64 {
		n, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
		return n
	}
	in := aftersales.StockMoveInput{Kind: aftersales.MoveTransfer, PartID: num("part_id"), LocationID: num("from_id"), Qty: num("qty"),
		Reason: strings.TrimSpace(r.FormValue("reason"))}
	if to := num("to_id"); to != 0 {
		in.ToID = &to
	}
	if in.PartID == 0 || in.LocationID == 0 || in.ToID == nil {
		var fields []aftersales.FieldError
		for _, f := range []struct {
			name string
			ok   bool
		}{{"part_id", in.PartID != 0}, {"location_id", in.LocationID != 0}, {"to_location_id", in.ToID != nil}} {
			if !f.ok {
				fields = append(fields, aftersales.FieldError{Field: f.name, Reason: "is required"})
			}
		}
		c.renderStock(w, r, nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "Choose the part and both locations.", Fields: fields})
		return
	}
	if _, err := c.S.Parts.MoveStock(r.Context(), in); err != nil {
		c.renderStock(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/stock?ok=transferred", http.StatusSeeOther)
}

// stockImport reads a stock count or movements file: all rows or none.
func (c *Console) stockImport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	for _, p := range []aftersales.Permission{aftersales.PermStockMove, aftersales.PermDataImport} {
		if _, err := aftersales.Require(ctx, p); err != nil {
			c.fail(w, r, "", c.page(r, "stock", "stock.title"), err)
			return
		}
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		c.renderStock(w, r, nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "Choose a CSV or XLSX file.",
			Fields: []aftersales.FieldError{{Field: "file", Reason: "is required"}}})
		return
	}
	defer f.Close()
	rows, bad, err := field.ReadStock(f)
	if err != nil {
		c.renderStock(w, r, nil, err)
		return
	}
	if len(bad) > 0 {
		c.renderStock(w, r, &aftersales.StockImport{Rows: len(rows) + len(bad), Rejected: bad},
			aftersales.Errorf(aftersales.EINVALID, "%d rows were refused; nothing was imported.", len(bad)))
		return
	}
	// A refused row comes back with the report and an error: both show.
	rep, err := c.S.Parts.ImportStock(ctx, rows)
	c.renderStock(w, r, rep, err)
}

// StockLine says a balance's suggestion: "建议订购 8" when the
// available stock is at or below the reorder point.
func (p *Page) StockLine(b *aftersales.StockBalance) string {
	if b.Suggested <= 0 {
		return ""
	}
	return fmt.Sprintf(p.T("stock.suggest"), b.Suggested)
}
