package console

import (
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/dataio"
)

func (c *Console) costRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("POST /tickets/{id}/costs", g(c.addCost))
	mux.HandleFunc("POST /tickets/{id}/costs/{cost}/void", g(c.voidCost))
	mux.HandleFunc("GET /quality/revenue", g(c.listRevenue))
	mux.HandleFunc("POST /quality/revenue", g(c.setRevenue))
	mux.HandleFunc("POST /quality/revenue/import", g(c.importRevenue))
	mux.HandleFunc("POST /quality/revenue/delete", g(c.deleteRevenue))
}

// money reads an amount such as "125.50", "¥1,200" or "80元" in fen.
func (f *form) money(name string) aftersales.Money {
	s := f.str(name)
	if s == "" {
		f.v.Add(name, "is required")
		return 0
	}
	m, err := aftersales.ParseMoney(s)
	if err != nil {
		f.v.Add(name, "must be an amount such as 125.50")
	}
	return m
}

// ticketCosts is the cost card of a ticket page.
type ticketCosts struct {
	Lines   []*aftersales.CostLine
	Total   aftersales.Money // lines not voided
	Today   string
	CanAdd  bool
	CanVoid bool  // anyone's lines
	Me      int64 // own lines can always be voided
	Kinds   []aftersales.CostKind
	// Billing is what the customer pays for out-of-warranty work.
	Billing *aftersales.Billing
}

func (c *Console) loadCosts(r *http.Request, t *aftersales.Ticket) (*ticketCosts, error) {
	u := aftersales.UserFromContext(r.Context())
	v := &ticketCosts{Today: c.Now().In(c.Zone).Format(time.DateOnly), Kinds: aftersales.CostKinds}
	if u != nil {
		v.Me, v.CanAdd, v.CanVoid = u.ID, u.Role.Can(aftersales.PermCostWrite), u.Role.Can(aftersales.PermCostVoid)
	}
	var err error
	v.Lines, err = c.S.Costs.ListCosts(r.Context(), t.ID)
	for _, l := range v.Lines {
		if l.VoidedAt == nil {
			v.Total += l.Amount
		}
	}
	if err == nil {
		v.Billing, err = c.S.FieldCosts.Billing(r.Context(), t.ID)
	}
	return v, err
}

func (c *Console) addCost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		f := &form{r: r}
		in := aftersales.CostInput{Kind: aftersales.CostKind(f.str("kind")), Description: f.str("description"),
			Amount: f.money("amount"), IncurredOn: aftersales.Date(f.str("incurred_on"))}
		if err = f.v.Err(); err == nil {
			_, err = c.S.Costs.AddCost(r.Context(), id, in)
		}
	}
	c.afterAction(w, r, id, err)
}

func (c *Console) voidCost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		var cost int64
		if cost, err = strconv.ParseInt(r.PathValue("cost"), 10, 64); err != nil || cost <= 0 {
			err = aftersales.Errorf(aftersales.ENOTFOUND, "Not found.")
		} else {
			_, err = c.S.Costs.VoidCost(r.Context(), id, cost, (&form{r: r}).str("reason"))
		}
	}
	c.afterAction(w, r, id, err)
}

// revenueView is the sales revenue page's data.
type revenueView struct {
	Rows    []*aftersales.Revenue
	Months  []string // months with any revenue, newest first
	Totals  map[string]aftersales.Money
	From    string
	CanEdit bool
	Dims    []aftersales.Dimension
	Import  []string // the rejected import's row errors, line by line
	CSV     string   // the rejected import's text, to correct and resend
}

func (c *Console) revenuePage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "dashboard", "revenue", "revenue.title", func(p *Page) error {
		from := c.Now().In(c.Zone).AddDate(-2, 0, 0).Format("2006-01")
		if q := r.URL.Query().Get("from"); validMonth(q) {
			from = q
		}
		v := &revenueView{From: from, Totals: map[string]aftersales.Money{}, Dims: aftersales.RevenueDims[1:]}
		if p.User != nil {
			v.CanEdit = p.User.Role.Can(aftersales.PermRevenueWrite)
		}
		p.Data = v
		var err error
		if v.Rows, err = c.S.Costs.ListRevenue(r.Context(), aftersales.RevenueFilter{From: from, Locale: p.Lang}); err != nil {
			return err
		}
		for _, row := range v.Rows {
			if row.Dim == "" {
				v.Totals[row.Month] += row.Amount
			}
			if _, seen := v.Totals[row.Month]; !seen {
				v.Totals[row.Month] = 0
			}
		}
		for m := range v.Totals {
			v.Months = append(v.Months, m)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(v.Months)))
		if formErr != nil && strings.HasSuffix(r.URL.Path, "/import") {
			v.CSV = r.PostFormValue("csv")
			for _, fe := range aftersales.ErrorFields(formErr) {
				v.Import = append(v.Import, csvLine(fe.Field)+": "+fe.Reason)
			}
			sort.Strings(v.Import)
		}
		return nil
	}, formErr)
}

// csvLine turns "rows[3].amount" into "line 4, amount" for a pasted table.
func csvLine(field string) string {
	rest, ok := strings.CutPrefix(field, "rows[")
	if !ok {
		return field
	}
	n, col, ok := strings.Cut(rest, "].")
	i, err := strconv.Atoi(n)
	if !ok || err != nil {
		return field
	}
	return "#" + strconv.Itoa(i+1) + " " + col
}

func validMonth(s string) bool {
	_, err := time.Parse("2006-01", s)
	return err == nil
}

func (c *Console) listRevenue(w http.ResponseWriter, r *http.Request) {
	var err error
	if q := r.URL.Query().Get("from"); q != "" && !validMonth(q) {
		err = &aftersales.Error{Code: aftersales.EINVALID, Message: "Choose a month to list from.",
			Fields: []aftersales.FieldError{{Field: "from", Reason: "must be a month YYYY-MM"}}}
	}
	c.revenuePage(w, r, err)
}

func (c *Console) setRevenue(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	row := &aftersales.Revenue{Month: f.str("month"), Dim: aftersales.Dimension(f.str("dim")), Value: f.str("value"),
		Amount: f.money("amount"), Note: f.str("note")}
	err := f.v.Err()
	if err == nil {
		err = unprefix(c.S.Costs.SetRevenue(r.Context(), []*aftersales.Revenue{row}))
	}
	c.done(w, r, "/quality/revenue?ok=saved", err, c.revenuePage)
}

// unprefix names a one-row request's fields as the form does.
func unprefix(err error) error {
	var e *aftersales.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]aftersales.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		out.Fields[i] = aftersales.FieldError{Field: strings.TrimPrefix(f.Field, "rows[0]."), Reason: f.Reason}
	}
	return &out
}

// MaxRevenueBytes bounds a revenue table, pasted or uploaded.
const MaxRevenueBytes = 8 << 20

// importRevenue stores a pasted or uploaded table of month, scope, value,
// amount and note, all rows or none.
func (c *Console) importRevenue(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxRevenueBytes)
	text := r.FormValue("csv")
	if file, _, err := r.FormFile("file"); err == nil {
		b, err := io.ReadAll(file)
		file.Close()
		if err != nil {
			c.revenuePage(w, r, &aftersales.Error{Code: aftersales.ETOOLARGE, Message: "The file is too large (8 MB at most).",
				Fields: []aftersales.FieldError{{Field: "file", Reason: "is larger than 8 MB"}}})
			return
		}
		text = string(b)
		r.PostForm.Set("csv", text)
	}
	rows, parse, err := dataio.ReadRevenue(text)
	if err == nil {
		// A row whose amount did not parse holds zero, which the store
		// refuses too: nothing is written unless every row is good.
		err = withParseErrors(c.S.Costs.SetRevenue(r.Context(), rows), parse)
	}
	c.done(w, r, "/quality/revenue?ok=saved", err, c.revenuePage)
}

// withParseErrors puts the table's own reasons in place of the store's
// for the same fields, so every rejected row is listed at once.
func withParseErrors(err error, parse []aftersales.FieldError) error {
	if len(parse) == 0 || err != nil && aftersales.ErrorCode(err) != aftersales.EINVALID {
		return err
	}
	out := &aftersales.Error{Code: aftersales.EINVALID, Message: "Some rows are invalid; nothing was saved.", Fields: parse}
	seen := map[string]bool{}
	for _, f := range parse {
		seen[f.Field] = true
	}
	for _, f := range aftersales.ErrorFields(err) {
		if !seen[f.Field] {
			out.Fields = append(out.Fields, f)
		}
	}
	return out
}

func (c *Console) deleteRevenue(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	err := c.S.Costs.DeleteRevenue(r.Context(), f.str("month"), aftersales.Dimension(f.str("dim")), f.str("value"))
	c.done(w, r, "/quality/revenue?ok=saved", err, c.revenuePage)
}
