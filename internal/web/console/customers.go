package console

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"

	"aftersales"
)

type customerList struct {
	Q         string
	Customers []*aftersales.Customer
	Tiers     []aftersales.Tier
	NextAfter int64
}

func (c *Console) listCustomers(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := c.page(r, "customers", "customers.title")
	q := r.URL.Query()
	d := &customerList{Q: q.Get("q")}
	p.Data = d
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	var err error
	if d.Tiers, err = c.S.Customers.ListTiers(ctx); err == nil {
		d.Customers, err = c.S.Customers.ListCustomers(ctx, aftersales.CustomerFilter{Query: d.Q, Tier: q.Get("tier"), After: after, Limit: 50})
	}
	if err != nil {
		c.fail(w, r, "customers", p, err)
		return
	}
	if len(d.Customers) == 50 {
		d.NextAfter = d.Customers[49].ID
	}
	c.render(w, r, "customers", p)
}

// pickTickets answers the improvement item form's live ticket search
// with a box to tick for each match.
func (c *Console) pickTickets(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "improve", "improve.board")
	var ts []*aftersales.Ticket
	if q := strings.TrimSpace(r.URL.Query().Get("ticket_q")); q != "" {
		page, err := c.S.Tickets.ListTickets(r.Context(), aftersales.TicketFilter{Query: q, Limit: 10})
		if err != nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if err := c.pages["improve_board"].ExecuteTemplate(w, "panel-error", c.notice(r, p, "ticket-pick", err)); err != nil {
				c.logError(r, "console: render ticket picks", err)
			}
			return
		}
		ts = page.Tickets
	}
	p.Data = ts
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := c.pages["improve_board"].ExecuteTemplate(w, "ticket-picks", p); err != nil {
		c.logError(r, "console: render ticket picks", err)
	}
}

type pick struct {
	Customer *aftersales.Customer
	Assets   []*aftersales.Asset
	Tier     string // the customer's tier, named in the page's language
}

// pickCustomer answers the ticket form's live customer search with radio
// buttons for each match and its assets.
func (c *Console) pickCustomer(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := c.page(r, "tickets", "ticket.new")
	var picks []pick
	if q := r.URL.Query().Get("customer_q"); len([]rune(q)) >= 1 {
		cs, err := c.S.Customers.ListCustomers(ctx, aftersales.CustomerFilter{Query: q, Limit: 8})
		var tiers []aftersales.Tier
		if err == nil {
			tiers, err = c.S.Customers.ListTiers(ctx)
		}
		for i := 0; err == nil && i < len(cs); i++ {
			var as []*aftersales.Asset
			if as, err = c.S.Catalog.ListAssets(ctx, cs[i].ID, ""); err == nil {
				picks = append(picks, pick{cs[i], as, p.TierName(tiers, cs[i].Tier)})
			}
		}
		if err != nil {
			// The search is a panel of the ticket form: say there why it
			// found nothing, and keep what was typed in the form.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if err := c.pages["ticket_form"].ExecuteTemplate(w, "panel-error", c.notice(r, p, "customer-pick", err)); err != nil {
				c.logError(r, "console: render picks", err)
			}
			return
		}
	}
	p.Data = picks
	var buf = c.pages["ticket_form"]
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := buf.ExecuteTemplate(w, "picks", p); err != nil {
		c.logError(r, "console: render picks", err)
	}
}

type customerView struct {
	C        *aftersales.Customer
	Assets   []*aftersales.Asset
	Tickets  *aftersales.TicketPage
	Products []*aftersales.Product
	Tiers    []aftersales.Tier
	Asset    aftersales.AssetInput
	// Portal lists the customer's portal users (issue #20).
	Portal []*aftersales.PortalUser
	// Reason says why the customer has its tier when the segment rules
	// set it (issue #20).
	Reason aftersales.SegmentReason
	Locked bool
	// CanLock: the user may lock the tier (edit customers).
	CanLock bool
}

// PortalRoles lists the roles a portal invitation may give.
func (customerView) PortalRoles() []aftersales.PortalRole { return aftersales.PortalRoles }

func (c *Console) showCustomer(w http.ResponseWriter, r *http.Request) {
	c.renderCustomer(w, r, aftersales.AssetInput{}, nil)
}

func (c *Console) renderCustomer(w http.ResponseWriter, r *http.Request, asset aftersales.AssetInput, formErr error) {
	ctx := r.Context()
	p := c.page(r, "customers", "customer.title")
	id, err := pathID(r)
	d := &customerView{Asset: asset}
	p.Data = d
	if err == nil {
		d.C, err = c.S.Customers.FindCustomer(ctx, id)
	}
	if err == nil {
		d.Assets, err = c.S.Catalog.ListAssets(ctx, id, "")
	}
	if err == nil {
		d.Tickets, err = c.S.Tickets.ListTickets(ctx, aftersales.TicketFilter{CustomerID: id, Limit: 20})
	}
	if err == nil && c.S.Portal != nil {
		d.Portal, err = c.S.Portal.ListPortalUsers(ctx, id)
	}
	if err == nil && c.S.Segments != nil {
		d.Reason, err = c.S.Segments.CustomerTierReason(ctx, id)
		if err == nil {
			d.Locked, err = c.S.Segments.TierLocked(ctx, id)
			u := aftersales.UserFromContext(ctx)
			d.CanLock = u != nil && u.Role.Can(aftersales.PermCustomerWrite)
		}
	}
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	p.Title = d.C.Name
	if d.Products, err = c.S.Catalog.ListProducts(ctx, 0); err == nil {
		d.Tiers, err = c.S.Customers.ListTiers(ctx)
	}
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if formErr != nil {
		c.fail(w, r, "customer", p, formErr)
		return
	}
	c.render(w, r, "customer", p)
}

func (c *Console) createAsset(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		c.fail(w, r, "", c.page(r, "customers", "customer.title"), err)
		return
	}
	f := &form{r: r}
	in := aftersales.AssetInput{CustomerID: id, SerialNo: f.str("serial_no"), PurchasedOn: aftersales.Date(f.str("purchased_on")),
		InstalledOn: aftersales.Date(f.str("installed_on")), WarrantyEnds: aftersales.Date(f.str("warranty_ends"))}
	if pid := f.id("product_id"); pid != nil {
		in.ProductID = *pid
	}
	in.Address = aftersales.Address{Street: f.str("street")}
	if err = f.v.Err(); err == nil {
		_, err = c.S.Catalog.CreateAsset(r.Context(), in)
	}
	if err != nil {
		c.renderCustomer(w, r, in, err)
		return
	}
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"?ok=created", http.StatusSeeOther)
}

type customerForm struct {
	C     *aftersales.Customer
	Tiers []aftersales.Tier
}

func (c *Console) newCustomer(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "customers", "customer.new")
	if c.refuseNew(w, r, p, "/customers") {
		return
	}
	tiers, err := c.S.Customers.ListTiers(r.Context())
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	p.Data = &customerForm{C: &aftersales.Customer{Kind: aftersales.CustomerPerson, Tier: aftersales.TierOrdinary,
		Phone: r.URL.Query().Get("phone")}, Tiers: tiers}
	c.render(w, r, "customer_form", p)
}

func parseCustomer(r *http.Request) (aftersales.CustomerInput, *form) {
	f := &form{r: r}
	in := aftersales.CustomerInput{Kind: aftersales.CustomerKind(f.str("kind")), Name: f.str("name"), Phone: f.str("phone"),
		Email: f.str("email"), Tier: f.str("tier"), Tags: f.list("tags"), Notes: f.str("notes"),
		Address: aftersales.Address{Province: f.str("province"), City: f.str("city"), District: f.str("district"),
			Street: f.str("street"), Postcode: f.str("postcode"), Lat: f.float("lat"), Lng: f.float("lng")}}
	if n := f.str("contact_name"); n != "" {
		in.Contacts = []aftersales.Contact{{Name: n, Phone: f.str("contact_phone"), Email: f.str("contact_email"), Primary: true}}
	}
	return in, f
}

func customerFromInput(id, version int64, in aftersales.CustomerInput) *aftersales.Customer {
	return &aftersales.Customer{ID: id, Version: version, Kind: in.Kind, Name: in.Name, Phone: in.Phone, Email: in.Email,
		Address: in.Address, Tier: in.Tier, Tags: in.Tags, Notes: in.Notes, Contacts: in.Contacts}
}

func (c *Console) createCustomer(w http.ResponseWriter, r *http.Request) {
	in, f := parseCustomer(r)
	err := f.v.Err()
	var cu *aftersales.Customer
	if err == nil {
		cu, err = c.S.Customers.CreateCustomer(r.Context(), in)
	}
	if err != nil {
		p := c.page(r, "customers", "customer.new")
		tiers, terr := c.S.Customers.ListTiers(r.Context())
		p.Data = &customerForm{C: customerFromInput(0, 0, in), Tiers: tiers}
		c.fail(w, r, "customer_form", p, cmp.Or(terr, err))
		return
	}
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(cu.ID, 10)+"?ok=created", http.StatusSeeOther)
}

func (c *Console) editCustomer(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "customers", "customer.edit")
	id, err := pathID(r)
	var cu *aftersales.Customer
	if err == nil {
		cu, err = c.S.Customers.FindCustomer(r.Context(), id)
	}
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	tiers, err := c.S.Customers.ListTiers(r.Context())
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	p.Data = &customerForm{C: cu, Tiers: tiers}
	c.render(w, r, "customer_form", p)
}

func (c *Console) updateCustomer(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "customers", "customer.edit")
	id, err := pathID(r)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	in, f := parseCustomer(r)
	if err = f.v.Err(); err == nil {
		_, err = c.S.Customers.UpdateCustomer(r.Context(), id, f.version(), in)
	}
	if err != nil {
		tiers, terr := c.S.Customers.ListTiers(r.Context())
		p.Data = &customerForm{C: customerFromInput(id, f.version(), in), Tiers: tiers}
		c.fail(w, r, "customer_form", p, cmp.Or(terr, err))
		return
	}
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"?ok=saved", http.StatusSeeOther)
}
