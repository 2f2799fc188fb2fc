package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"aftersales"
)

// Parts on the ticket page (issue #19): the ticket's reservations with
// their state, a form to reserve a part (at a chosen location, or where
// the stock has it), and a button to release one, through the same store
// operations as the API's reserve-parts and release-reservation. A part
// the stock does not cover is waited for when the form says so: the store
// records the wait and puts the ticket in awaiting parts naming the part.
// Outside a visit's work report, a held reservation is marked used (the
// API's consume-reservation: a consume line, the parts cost line, the
// timeline) and a used part is returned to a stock location with a reason
// (the API's move-stock of kind return for the ticket: a return line).

func (c *Console) ticketPartsRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /tickets/{id}/parts/pick", g(c.pickParts))
	mux.HandleFunc("POST /tickets/{id}/reservations", g(c.reserveParts))
	mux.HandleFunc("POST /tickets/{id}/reservations/{reservation}/release", g(c.releaseParts))
	c.post(mux, "/tickets/{id}/reservations/{reservation}/consume", needs(aftersales.PermStockMove), c.consumeParts)
	c.post(mux, "/tickets/{id}/reservations/{reservation}/return", needs(aftersales.PermStockMove), c.returnParts)
}

// partLine is one reservation of the card, with the part's name and the
// location's code and name.
type partLine struct {
	*aftersales.Reservation
	Name     string
	Location string
	Open     bool // held or waiting: it can be released
	// Returned is how many of a consumed reservation's units came back.
	Returned int64
}

// Left is how many of a consumed reservation's units may still be
// returned.
func (l partLine) Left() int64 { return l.Qty - l.Returned }

// returnLine is a part returned for the ticket: the ledger's return line.
type returnLine struct {
	*aftersales.StockMovement
	Name string
}

// ticketParts is the parts card of a ticket page.
type ticketParts struct {
	Lines      []partLine
	Parts      []*aftersales.Part
	Locations  []*aftersales.StockLocation
	CanReserve bool
	// Waiting names the parts the ticket waits for ("CMP-100 压缩机 ×1").
	Waiting []string
	// Form is what was typed into a refused reservation.
	Form url.Values
	// Returns are the parts returned for the ticket; ReturnOf the
	// reservation whose refused return form shows again with ReturnForm.
	Returns    []returnLine
	ReturnOf   int64
	ReturnForm url.Values
	// Pick is the part search as a refused reservation left it.
	Pick *partPick
	// UseOf is the reservation whose refused Mark used shows again with
	// what was typed (UseForm).
	UseOf   int64
	UseForm url.Values
}

// UV is what was typed into field name of reservation res's refused Mark
// used, else def.
func (t *ticketParts) UV(res int64, name, def string) string {
	if t.UseForm == nil || t.UseOf != res {
		return def
	}
	return t.UseForm.Get(name)
}

// RV is what was typed into field name of reservation res's refused
// return, else def.
func (t *ticketParts) RV(res int64, name, def string) string {
	if t.ReturnForm == nil || t.ReturnOf != res {
		return def
	}
	return t.ReturnForm.Get(name)
}

// V is what was typed into field name of a refused reservation, else def.
func (t *ticketParts) V(name, def string) string {
	if t.Form == nil {
		return def
	}
	return t.Form.Get(name)
}

func (c *Console) loadTicketParts(r *http.Request, p *Page, t *aftersales.Ticket) (*ticketParts, error) {
	ctx := r.Context()
	v := &ticketParts{}
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/reservations") {
		v.Form = r.PostForm
	}
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/return") {
		v.ReturnForm = r.PostForm
		v.ReturnOf, _ = strconv.ParseInt(r.PathValue("reservation"), 10, 64)
	}
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/consume") {
		v.UseForm = r.PostForm
		v.UseOf, _ = strconv.ParseInt(r.PathValue("reservation"), 10, 64)
	}
	if ok := r.URL.Query().Get("ok"); ok == "parts_reserved" || ok == "parts_released" || ok == "parts_used" || ok == "parts_returned" {
		p.OK = p.T("flash." + ok)
	}
	rs, err := c.S.Parts.ListReservations(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	if v.Parts, err = c.S.Parts.ListParts(ctx, ""); err != nil {
		return nil, err
	}
	locs, err := c.S.Parts.ListStockLocations(ctx)
	if err != nil {
		return nil, err
	}
	parts := map[int64]*aftersales.Part{}
	for _, pt := range v.Parts {
		parts[pt.ID] = pt
	}
	where := map[int64]*aftersales.StockLocation{}
	for _, l := range locs {
		where[l.ID] = l
		if l.Active {
			v.Locations = append(v.Locations, l)
		}
	}
	for _, res := range rs {
		line := partLine{Reservation: res, Open: res.Status == aftersales.ReservationHeld || res.Status == aftersales.ReservationWaiting}
		if pt := parts[res.PartID]; pt != nil {
			line.Name = pt.Name(p.Lang)
		}
		if l := where[res.LocationID]; l != nil {
			line.Location = l.Code + " " + l.Name
		}
		if res.Status == aftersales.ReservationWaiting {
			v.Waiting = append(v.Waiting, strings.TrimSpace(res.PartNumber+" "+line.Name)+" ×"+strconv.FormatInt(res.Qty, 10))
		}
		v.Lines = append(v.Lines, line)
	}
	if err := c.loadReturns(ctx, p, t, v, parts); err != nil {
		return nil, err
	}
	// A refused reservation shows the search as it was, the chosen part
	// kept (by its number when only the part was sent).
	q, chosen := v.V("part_q", ""), v.V("part_id", "")
	if n, err := strconv.ParseInt(chosen, 10, 64); q == "" && err == nil && parts[n] != nil {
		q = parts[n].Number
	}
	if q != "" {
		if v.Pick, err = c.findParts(ctx, p, t, q); err != nil {
			return nil, err
		}
		v.Pick.Chosen = chosen
	}
	if u := p.User; u != nil && u.Role.Can(aftersales.PermStockMove) && t.Status.Open() {
		v.CanReserve = true
	}
	kept := v.Parts[:0]
	for _, pt := range v.Parts {
		if pt.Active {
			kept = append(kept, pt)
		}
	}
	v.Parts = kept
	return v, nil
}

// loadReturns reads the return lines written for the ticket, for each
// part it used.
func (c *Console) loadReturns(ctx context.Context, p *Page, t *aftersales.Ticket, v *ticketParts, parts map[int64]*aftersales.Part) error {
	seen := map[int64]bool{}
	for i := range v.Lines {
		l := &v.Lines[i]
		if l.Status != aftersales.ReservationConsumed || seen[l.PartID] {
			continue
		}
		seen[l.PartID] = true
		ms, err := c.S.Parts.ListMovements(ctx, aftersales.StockFilter{PartID: l.PartID, TicketID: t.ID, Limit: 1000})
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.Kind != aftersales.MoveReturn {
				continue
			}
			rl := returnLine{StockMovement: m}
			if pt := parts[m.PartID]; pt != nil && p != nil {
				rl.Name = pt.Name(p.Lang)
			}
			v.Returns = append(v.Returns, rl)
		}
	}
	// A part's returns count against its consumed reservations in order.
	back := map[int64]int64{}
	for _, rl := range v.Returns {
		back[rl.PartID] += rl.OnHand
	}
	for i := range v.Lines {
		l := &v.Lines[i]
		if l.Status == aftersales.ReservationConsumed && back[l.PartID] > 0 {
			l.Returned = min(l.Qty, back[l.PartID])
			back[l.PartID] -= l.Returned
		}
	}
	return nil
}

// reservationOf reads the reservation a card's button names.
func (c *Console) reservationOf(r *http.Request, ticket int64) (*aftersales.Reservation, error) {
	res, err := strconv.ParseInt(r.PathValue("reservation"), 10, 64)
	if err != nil || res <= 0 {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Reservation not found.")
	}
	rs, err := c.S.Parts.ListReservations(r.Context(), ticket)
	if err != nil {
		return nil, err
	}
	for _, x := range rs {
		if x.ID == res {
			return x, nil
		}
	}
	return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Reservation not found.")
}

// consumeParts marks a held reservation used, as the API's
// consume-reservation does: the quantity typed (all when none is), the
// rest released to the location.
func (c *Console) consumeParts(w http.ResponseWriter, r *http.Request) {
	c.onReservation(w, r, "parts_used", func(ctx context.Context, ticket, res int64) error {
		in, err := consumeQty(&form{r: r}, "qty")
		if err != nil {
			return err
		}
		_, err = c.S.Parts.ConsumeReservation(ctx, ticket, res, in)
		return err
	})
}

// consumeQty reads the units used from a form field: empty is all of
// them; the bound by the reservation is the store's. A typed 0 is
// refused: on a form it reads as "none used", not as the API's "all"
// (ConsumeInput), so the form's reason is its own.
func consumeQty(f *form, name string) (aftersales.ConsumeInput, error) {
	s := f.str(name)
	if s == "" {
		return aftersales.ConsumeInput{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > aftersales.MaxQty {
		f.v.Add(name, "must be a whole number between 1 and 1000000")
		return aftersales.ConsumeInput{}, f.v.Err()
	}
	return aftersales.ConsumeInput{Qty: n}, nil
}

// onReservation answers a form on one of the ticket's reservations: it
// runs do with the ticket and reservation of the path, and sends the user
// back to the parts card saying ok.
func (c *Console) onReservation(w http.ResponseWriter, r *http.Request, ok string, do func(ctx context.Context, ticket, res int64) error) {
	id, err := pathID(r)
	if err != nil {
		c.afterAction(w, r, id, err)
		return
	}
	res, err := strconv.ParseInt(r.PathValue("reservation"), 10, 64)
	if err != nil || res <= 0 {
		c.afterAction(w, r, id, aftersales.Errorf(aftersales.ENOTFOUND, "Reservation not found."))
		return
	}
	if err := do(r.Context(), id, res); err != nil {
		c.afterAction(w, r, id, err)
		return
	}
	http.Redirect(w, r, "/tickets/"+strconv.FormatInt(id, 10)+"?ok="+ok+"#parts", http.StatusSeeOther)
}

// returnParts returns units of a consumed reservation to a stock location
// with a reason: the API's move-stock of kind return for the ticket.
func (c *Console) returnParts(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		c.afterAction(w, r, id, err)
		return
	}
	res, err := c.reservationOf(r, id)
	if err != nil {
		c.afterAction(w, r, id, err)
		return
	}
	// What is left to return: the reservation's units less the returns
	// counted against it, as the card counts them.
	left := res.Qty
	if res.Status == aftersales.ReservationConsumed {
		rs, err := c.S.Parts.ListReservations(r.Context(), id)
		if err != nil {
			c.afterAction(w, r, id, err)
			return
		}
		v := &ticketParts{}
		for _, x := range rs {
			v.Lines = append(v.Lines, partLine{Reservation: x})
		}
		if err := c.loadReturns(r.Context(), nil, &aftersales.Ticket{ID: id}, v, nil); err != nil {
			c.afterAction(w, r, id, err)
			return
		}
		for _, l := range v.Lines {
			if l.ID == res.ID {
				left -= l.Returned
			}
		}
	}
	f := &form{r: r}
	in := aftersales.StockMoveInput{Kind: aftersales.MoveReturn, PartID: res.PartID, TicketID: &id, Reason: f.str("reason")}
	if res.Status != aftersales.ReservationConsumed || left < 1 {
		f.v.Add("qty", "is not used: only a used part is returned")
	} else if n, err := strconv.ParseInt(f.str("qty"), 10, 64); err != nil || n < 1 || n > left {
		f.v.Add("qty", fmt.Sprintf("must be a whole number between 1 and %d", left))
	} else {
		in.Qty = n
	}
	if n, err := strconv.ParseInt(f.str("location_id"), 10, 64); err != nil || n <= 0 {
		f.v.Add("location_id", "must be chosen from the list")
	} else {
		in.LocationID = n
	}
	if in.Reason == "" {
		f.v.Add("reason", "is required")
	}
	if err := f.v.Err(); err != nil {
		c.afterAction(w, r, id, err)
		return
	}
	if _, err := c.S.Parts.MoveStock(r.Context(), in); err != nil {
		c.afterAction(w, r, id, err)
		return
	}
	http.Redirect(w, r, "/tickets/"+strconv.FormatInt(id, 10)+"?ok=parts_returned#parts", http.StatusSeeOther)
}

// reserveParts reserves a part for the ticket from the card's form.
func (c *Console) reserveParts(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		c.afterAction(w, r, id, err)
		return
	}
	t, err := c.S.Tickets.FindTicket(r.Context(), id)
	if err != nil {
		c.afterAction(w, r, id, err)
		return
	}
	f := &form{r: r}
	in := aftersales.ReservationInput{Wait: f.str("wait") != ""}
	if s := f.str("part_id"); s == "" {
		// Without script the search is a plain field: a part number
		// typed in full names the part.
		if q := f.str("part_q"); q == "" {
			f.v.Add("part_id", "is required")
		} else if pt, err := c.partByNumber(r.Context(), q); err != nil {
			c.afterAction(w, r, id, err)
			return
		} else if pt == nil {
			f.v.Add("part_id", "must be chosen from the list")
		} else {
			in.PartID = pt.ID
		}
	} else if n, err := strconv.ParseInt(s, 10, 64); err != nil || n <= 0 {
		f.v.Add("part_id", "must be chosen from the list")
	} else {
		in.PartID = n
	}
	if n, err := strconv.ParseInt(f.str("qty"), 10, 64); err != nil || n < 1 || n > aftersales.MaxQty {
		f.v.Add("qty", "must be a whole number between 1 and 1000000")
	} else {
		in.Qty = n
	}
	if s := f.str("location_id"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err != nil || n <= 0 {
			f.v.Add("location_id", "must be chosen from the list")
		} else {
			in.LocationID = n
		}
	}
	if err := f.v.Err(); err != nil {
		c.afterAction(w, r, id, err)
		return
	}
	if in.LocationID == 0 {
		if in.LocationID, err = c.pickLocation(r.Context(), t, in.PartID, in.Qty); err != nil {
			c.afterAction(w, r, id, err)
			return
		}
	}
	if _, err := c.S.Parts.Reserve(r.Context(), id, in); err != nil {
		c.afterAction(w, r, id, err)
		return
	}
	http.Redirect(w, r, "/tickets/"+strconv.FormatInt(id, 10)+"?ok=parts_reserved#parts", http.StatusSeeOther)
}

// partByNumber is the active part whose number is q (in any case), or
// nil.
func (c *Console) partByNumber(ctx context.Context, q string) (*aftersales.Part, error) {
	if len(q) > 60 {
		return nil, nil
	}
	ps, err := c.S.Parts.ListParts(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, pt := range ps {
		if pt.Active && strings.EqualFold(pt.Number, strings.TrimSpace(q)) {
			return pt, nil
		}
	}
	return nil, nil
}

// partMatch is one part the picker found, with what the ticket's service
// point has available of it when the ticket has one.
type partMatch struct {
	*aftersales.Part
	Name string
	// Avail is known when the ticket has a service point with stock.
	Avail int64
	Known bool
}

// partPick is the picker's answer.
type partPick struct {
	Q      string
	Parts  []partMatch
	Point  *aftersales.StockLocation
	More   bool
	Chosen string
}

// pickParts answers the part search of the card: the active parts whose
// number, name (Chinese or English) or model contains what was typed.
func (c *Console) pickParts(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "tickets", "tparts.title")
	id, err := pathID(r)
	var t *aftersales.Ticket
	if err == nil {
		t, err = c.S.Tickets.FindTicket(r.Context(), id)
	}
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	v, err := c.findParts(r.Context(), p, t, r.URL.Query().Get("part_q"))
	if err != nil {
		c.renderBlock(w, r, "ticket", "panel-error", c.notice(r, p, "part-pick", err), http.StatusOK)
		return
	}
	p.Data = v
	c.renderBlock(w, r, "ticket", "parts-pick", p, http.StatusOK)
}

// maxPartMatches bounds the picker's list.
const maxPartMatches = 12

func (c *Console) findParts(ctx context.Context, p *Page, t *aftersales.Ticket, q string) (*partPick, error) {
	v := &partPick{Q: strings.TrimSpace(q)}
	if v.Q == "" || len(v.Q) > 200 {
		return v, nil
	}
	ps, err := c.S.Parts.ListParts(ctx, v.Q)
	if err != nil {
		return nil, err
	}
	avail := map[int64]int64{}
	if t.ServiceUnitID != nil {
		locs, err := c.S.Parts.ListStockLocations(ctx)
		if err != nil {
			return nil, err
		}
		v.Point = servicePointStock(locs, *t.ServiceUnitID)
		if v.Point != nil {
			bs, err := c.S.Parts.ListStock(ctx, aftersales.StockFilter{LocationID: v.Point.ID})
			if err != nil {
				return nil, err
			}
			for _, b := range bs {
				avail[b.PartID] = b.Available
			}
		}
	}
	for _, pt := range ps {
		if !pt.Active {
			continue
		}
		if len(v.Parts) == maxPartMatches {
			v.More = true
			break
		}
		m := partMatch{Part: pt, Name: pt.Name(p.Lang)}
		if v.Point != nil {
			m.Avail, m.Known = avail[pt.ID], true
		}
		v.Parts = append(v.Parts, m)
	}
	return v, nil
}

// pickLocation is where the card reserves a part when no location is
// chosen: the first active location whose available stock covers qty,
// else where the ticket's technician waits for parts (their service
// point's stock, else the central warehouse), as the work report's
// needed part does.
func (c *Console) pickLocation(ctx context.Context, t *aftersales.Ticket, part, qty int64) (int64, error) {
	bs, err := c.S.Parts.ListStock(ctx, aftersales.StockFilter{PartID: part})
	if err != nil {
		return 0, err
	}
	locs, err := c.S.Parts.ListStockLocations(ctx)
	if err != nil {
		return 0, err
	}
	active := map[int64]bool{}
	for _, l := range locs {
		active[l.ID] = l.Active
	}
	for _, b := range bs {
		if b.PartID == part && active[b.LocationID] && b.Available >= qty {
			return b.LocationID, nil
		}
	}
	var tech int64
	if t.AssigneeID != nil {
		tech = *t.AssigneeID
	}
	loc, err := c.orderLocation(ctx, tech)
	if e, ok := err.(*aftersales.Error); ok {
		for i := range e.Fields {
			e.Fields[i].Field = "location_id"
		}
	}
	return loc, err
}

// releaseParts gives a reservation back (or ends its wait).
func (c *Console) releaseParts(w http.ResponseWriter, r *http.Request) {
	c.onReservation(w, r, "parts_released", func(ctx context.Context, ticket, res int64) error {
		_, err := c.S.Parts.ReleaseReservation(ctx, ticket, res)
		return err
	})
}
