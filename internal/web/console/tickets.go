package console

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/web/httperr"
)

func (c *Console) routes(mux *http.ServeMux) {
	g := c.guard
	mux.HandleFunc("GET /tickets", g(c.listTickets))
	mux.HandleFunc("GET /tickets/new", g(c.newTicket))
	mux.HandleFunc("GET /tickets.csv", g(c.exportTickets("csv")))
	mux.HandleFunc("POST /tickets/bulk", g(c.bulkTickets))
	mux.HandleFunc("GET /tickets.xlsx", g(c.exportTickets("xlsx")))
	c.post(mux, "/tickets", needs(aftersales.PermTicketWrite), c.createTicket)
	mux.HandleFunc("GET /tickets/{id}", g(c.showTicket))
	mux.HandleFunc("GET /tickets/{id}/edit", g(c.editTicket))
	c.post(mux, "/tickets/{id}/edit", needs(aftersales.PermTicketWrite), c.updateTicket)
	mux.HandleFunc("POST /tickets/{id}/comment", g(c.commentTicket))
	c.post(mux, "/tickets/{id}/transition", needs(aftersales.PermTicketTransmit), c.transitionTicket)
	c.post(mux, "/tickets/{id}/assign", needs(aftersales.PermTicketAssign), c.assignTicket)
	c.post(mux, "/tickets/{id}/merge", needs(aftersales.PermTicketWrite), c.mergeTicket)
	mux.HandleFunc("POST /tickets/{id}/attachments", g(c.uploadAttachment))
	mux.HandleFunc("POST /tickets/{id}/dry-run", g(c.dryRun))
	// Everyone sets their own availability; another user's takes
	// PermTicketAssign (SetAvailability): the users page asks the second
	// rule for the rows of others.
	c.post(mux, "/users/{id}/availability", needs(aftersales.PermTicketRead), c.setAvailability)
	c.saves["/users/{id}/availability:others"] = needs(aftersales.PermTicketAssign)
	mux.HandleFunc("GET /customers", g(c.listCustomers))
	mux.HandleFunc("GET /customers/pick", g(c.pickCustomer))
	mux.HandleFunc("GET /tickets/pick", g(c.pickTickets))
	mux.HandleFunc("GET /customers/new", g(c.newCustomer))
	c.post(mux, "/customers", needs(aftersales.PermCustomerWrite), c.createCustomer)
	mux.HandleFunc("GET /customers/{id}", g(c.showCustomer))
	mux.HandleFunc("GET /customers/{id}/edit", g(c.editCustomer))
	c.post(mux, "/customers/{id}/edit", needs(aftersales.PermCustomerWrite), c.updateCustomer)
	c.post(mux, "/customers/{id}/assets", needs(aftersales.PermCustomerWrite), c.createAsset)
	mux.HandleFunc("GET /products", g(c.showProducts))
	c.post(mux, "/categories", needs(aftersales.PermCatalogWrite), c.createCategory)
	c.post(mux, "/products", needs(aftersales.PermCatalogWrite), c.createProduct)
	mux.HandleFunc("GET /network", g(c.showNetwork))
	c.post(mux, "/network/units", needs(aftersales.PermNetworkWrite), c.createUnit)
	c.post(mux, "/network/departments", needs(aftersales.PermNetworkWrite), c.createDepartment)
	c.post(mux, "/network/teams", needs(aftersales.PermNetworkWrite), c.createTeam)
	mux.HandleFunc("GET /users", g(c.listUsers))
	c.post(mux, "/users", needs(aftersales.PermUserWrite), c.createUser)
	mux.HandleFunc("GET /users/{id}/edit", g(c.editUser))
	c.post(mux, "/users/{id}/edit", needs(aftersales.PermUserWrite), c.updateUser)
	mux.HandleFunc("GET /tokens", g(c.listTokens))
	mux.HandleFunc("POST /tokens", g(c.createToken))
	mux.HandleFunc("POST /tokens/{id}/revoke", g(c.revokeToken))
	mux.HandleFunc("GET /fields", g(c.listFields))
	c.post(mux, "/fields", needs(aftersales.PermSettingsWrite), c.createField)
	c.post(mux, "/settings", needs(aftersales.PermSettingsWrite), c.updateSettings)
	mux.HandleFunc("GET /audit", g(c.listAudit))
	mux.HandleFunc("GET /dashboard", g(c.dashboard))
	mux.HandleFunc("GET /quality/alerts", g(c.listAlerts))
	c.post(mux, "/quality/alerts/rules", needs(aftersales.PermQualityWrite), c.createAlertRule)
	mux.HandleFunc("POST /quality/alerts/evaluate", g(c.evaluateAlerts))
	mux.HandleFunc("GET /quality/targets", g(c.listTargets))
	c.post(mux, "/quality/targets", needs(aftersales.PermQualityWrite), c.setTarget)
	mux.HandleFunc("GET /data-quality", g(c.dataQuality))
	c.improveRoutes(mux, g)
	c.costRoutes(mux, g)
	c.followupRoutes(mux, g)
	c.complaintRoutes(mux, g)
	c.vocRoutes(mux, g)
	c.myDayRoutes(mux, g)
	c.dispatchRoutes(mux, g)
	mux.HandleFunc("GET /data-quality/issues", g(c.dataIssues))
	mux.HandleFunc("GET /imports/{id}/report.csv", g(c.importReport))
	for _, k := range []struct {
		kind, path string
		perm       aftersales.Permission
	}{{"product", "/products", aftersales.PermCatalogWrite}, {"unit", "/network/units", aftersales.PermNetworkWrite},
		{"team", "/network/teams", aftersales.PermNetworkWrite}, {"asset", "/assets", aftersales.PermCustomerWrite}} {
		mux.HandleFunc("GET "+k.path+"/{id}/edit", g(c.edit(k.kind)))
		c.post(mux, k.path+"/{id}/edit", needs(k.perm), c.edit(k.kind))
	}
	mux.HandleFunc("GET /notifications", g(c.listNotifications))
	mux.HandleFunc("POST /notifications/{id}/read", g(c.readNotification))
	mux.HandleFunc("GET /rules/{kind}/{id}", g(c.editRule))
	c.post(mux, "/rules/{kind}/{id}", needs(aftersales.PermSettingsWrite), c.editRule)
	mux.HandleFunc("GET /sla", g(c.showSLA))
	c.post(mux, "/sla/calendars", needs(aftersales.PermSettingsWrite), c.createCalendar)
	c.post(mux, "/sla/policies", needs(aftersales.PermSettingsWrite), c.createPolicy)
	mux.HandleFunc("GET /sla/calendars/{id}", g(c.editSLA("calendar")))
	c.post(mux, "/sla/calendars/{id}", needs(aftersales.PermSettingsWrite), c.editSLA("calendar"))
	mux.HandleFunc("GET /sla/policies/{id}", g(c.editSLA("policy")))
	c.post(mux, "/sla/policies/{id}", needs(aftersales.PermSettingsWrite), c.editSLA("policy"))
}

// ticketList is the list page's data.
type ticketList struct {
	Q    url.Values
	Page *aftersales.TicketPage
	chipData
	NextQuery string
	Now       time.Time // deadlines before it show as late
	// Chips are the applied filters; Drill says what a drill-down lists.
	Chips []chip
	Drill *drillSummary
	// Export is the list's query for the CSV and XLSX downloads.
	ExportCSV, ExportXLSX string
	// Query is the list's filters, which a bulk action over every
	// matching ticket applies again.
	Query   string
	CanBulk bool
	Bulk    *bulkResult
}

func (c *Console) ticketFilter(r *http.Request) (aftersales.TicketFilter, error) {
	f, _, err := c.listFilter(r)
	return f, err
}

// listFilter reads the list's query; sample, for a drill-down into a
// share, is the filter of the whole it is a share of.
func (c *Console) listFilter(r *http.Request) (f aftersales.TicketFilter, sample *aftersales.TicketFilter, err error) {
	q := r.URL.Query()
	f = aftersales.TicketFilter{Query: q.Get("q"), Sort: aftersales.TicketSort(q.Get("sort")), Cursor: q.Get("cursor"), Tag: q.Get("tag"), SLA: q.Get("sla"), Term: q.Get("term")}
	var v aftersales.Validator
	num := func(name string) int64 {
		s := q.Get(name)
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		v.Check(err == nil && n > 0, name, "must be chosen from the list")
		return n
	}
	for _, s := range q["status"] {
		if s != "" {
			f.Status = append(f.Status, aftersales.Status(s))
		}
	}
	if s := q.Get("nature"); s != "" {
		f.Nature = []aftersales.Nature{aftersales.Nature(s)}
	}
	if s := q.Get("urgency"); s != "" {
		f.Urgency = []aftersales.Urgency{aftersales.Urgency(s)}
	}
	if s := q.Get("channel"); s != "" {
		f.Channel = []aftersales.Channel{aftersales.Channel(s)}
	}
	f.TeamID, f.CategoryID, f.CustomerID = num("team_id"), num("category_id"), num("customer_id")
	f.ServiceUnitID, f.RegionID, f.ProductID, f.Tier = num("unit_id"), num("region_id"), num("product_id"), q.Get("tier")
	f.TopicID = num("topic_id")
	switch s := q.Get("assignee_id"); s {
	case "":
	case "me":
		f.AssigneeID = aftersales.UserFromContext(r.Context()).ID
	case "none":
		f.Unassigned = true
	default:
		f.AssigneeID = num("assignee_id")
	}
	if s := q.Get("open"); s == "true" || s == "false" {
		o := s == "true"
		f.Open = &o
	}
	for _, d := range []struct {
		name string
		dst  **time.Time
		add  int
	}{{"from", &f.CreatedFrom, 0}, {"to", &f.CreatedTo, 1}, {"resolved_from", &f.ResolvedFrom, 0}, {"resolved_to", &f.ResolvedTo, 1},
		{"cost_from", &f.CostFrom, 0}, {"cost_to", &f.CostTo, 1}} {
		if s := q.Get(d.name); s != "" {
			t, err := time.ParseInLocation(time.DateOnly, s, c.Zone)
			v.Check(err == nil, d.name, "must be a date as YYYY-MM-DD")
			t = t.AddDate(0, 0, d.add)
			*d.dst = &t
		}
	}
	sample = c.drillFilter(q, &f, &v)
	return f, sample, v.Err()
}

func (c *Console) listTickets(w http.ResponseWriter, r *http.Request) { c.renderList(w, r, nil, nil) }

// renderList shows the ticket list; bulk, when set, is what a bulk action
// just did, and bulkErr why it was refused as a whole.
func (c *Console) renderList(w http.ResponseWriter, r *http.Request, bulk *bulkResult, bulkErr error) {
	ctx := r.Context()
	p := c.page(r, "tickets", "tickets.title")
	data := &ticketList{Q: r.URL.Query(), Page: &aftersales.TicketPage{}, Now: c.Now(), Bulk: bulk}
	p.Data = data
	var errs [7]error
	data.Teams, errs[0] = c.S.Network.ListTeams(ctx)
	data.Users, errs[1] = c.S.Users.ListUsers(ctx, aftersales.UserFilter{})
	data.Categories, errs[2] = c.S.Catalog.ListCategories(ctx)
	data.Units, errs[3] = c.S.Network.ListServiceUnits(ctx)
	data.Products, errs[4] = c.S.Catalog.ListProducts(ctx, 0)
	data.Tiers, errs[5] = c.S.Customers.ListTiers(ctx)
	if id, err := strconv.ParseInt(data.Q.Get("customer_id"), 10, 64); err == nil {
		data.Customer, errs[6] = c.S.Customers.FindCustomer(ctx, id)
	}
	if id, err := strconv.ParseInt(data.Q.Get("topic_id"), 10, 64); err == nil && c.S.Topics != nil {
		if d, err := c.S.Topics.TopicDetail(ctx, id, aftersales.TicketFilter{Limit: 1}); err == nil {
			data.Topic = d.Topic
		}
	}
	if err := cmp.Or(errs[:]...); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if _, ok := data.Q["open"]; !ok && len(data.Q) == 0 {
		data.Q.Set("open", "true")
	}
	r.URL.RawQuery = data.Q.Encode()
	data.Chips = chips(data.Q, data.chipData, p)
	exp := r.URL.Query()
	exp.Del("cursor")
	data.ExportCSV, data.ExportXLSX = "/tickets.csv?"+exp.Encode(), "/tickets.xlsx?"+exp.Encode()
	f, sample, err := c.listFilter(r)
	f.Count = true
	if err == nil {
		data.Page, err = c.S.Tickets.ListTickets(ctx, f)
	}
	if err == nil {
		data.Drill, err = c.summarise(r, data.Q, data.Chips, data.Page, sample, p)
	}
	if err != nil {
		data.Page = &aftersales.TicketPage{}
		c.fail(w, r, "tickets", p, err)
		return
	}
	if data.Page.NextCursor != "" {
		next := r.URL.Query()
		next.Set("cursor", data.Page.NextCursor)
		data.NextQuery = "/tickets?" + next.Encode()
	}
	data.Query = exp.Encode()
	data.CanBulk = p.User != nil && (p.User.Role.Can(aftersales.PermTicketTransmit) || p.User.Role.Can(aftersales.PermTicketAssign))
	if bulkErr != nil {
		p.Status = httperr.Status(bulkErr)
		p.Flash = c.bulkReason(p, bulkErr)
		for _, f := range aftersales.ErrorFields(bulkErr) {
			p.Errs["bulk."+f.Field] = p.Flash
		}
	}
	c.render(w, r, "tickets", p)
}

// ticketView is the detail page's data.
type ticketView struct {
	T *aftersales.Ticket
	// The merge card: the number typed, the ticket it names and whether
	// that ticket is another customer's.
	MergeInto   string
	MergeTarget *aftersales.Ticket
	MergeOther  bool
	Events      []*aftersales.TicketEvent
	Attachments []*aftersales.Attachment
	Customer    *aftersales.Customer
	Tiers       []aftersales.Tier
	Next        []aftersales.Status
	Users       []*aftersales.User
	Teams       []*aftersales.Team
	// Candidates are the team members ranked for this ticket; Others the
	// active users in no team (supervisors, administrators).
	Candidates []*aftersales.AssignCandidate
	Others     []*aftersales.User
	Fields     []*aftersales.CustomField
	Names      map[string]string // "category_id:3" -> display name, for the timeline
	SLA        *aftersales.TicketSLA
	Route      *aftersales.RoutingDecision // a dry run's answer, when asked
	Costs      *ticketCosts
	Visits     []*aftersales.Visit
	// Parts is the ticket's reservations and the form to reserve.
	Parts *ticketParts
	// Resolution is the status change that resolved the ticket, whose body
	// is the resolution note; nil while the ticket is not resolved.
	Resolution *aftersales.TicketEvent
	// NoteRequired says resolving needs a note (the settings' switch).
	NoteRequired bool
	// Suggestions are the text models' suggestions (textmodels.go), with
	// category names by id.
	Suggestions []*aftersales.Suggestion
	SuggestName map[string]string
	// Complaint is the closure panel of a complaint; nil otherwise.
	Complaint *complaintView
	// Text is the analysis of the customer's words (keywords, sentiment);
	// nil until the background analysis has read the ticket.
	Text *aftersales.TicketText
}

func (c *Console) showTicket(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		c.fail(w, r, "", c.page(r, "tickets", "ticket.title"), err)
		return
	}
	c.renderTicket(w, r, id, nil)
}

// renderTicket shows a ticket; actionErr, when set, is the reason the last
// action on the page was refused, shown on top with its status code.
func (c *Console) renderTicket(w http.ResponseWriter, r *http.Request, id int64, actionErr error) {
	ctx := r.Context()
	p := c.page(r, "tickets", "ticket.title")
	v := &ticketView{}
	p.Data = v
	var err error
	if v.T, err = c.S.Tickets.FindTicket(ctx, id); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	p.Title = v.T.Number + " " + v.T.Title
	if v.Events, err = c.S.Tickets.Timeline(ctx, id); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if v.T.ResolvedAt != nil {
		// Reopening clears resolved_at, so the latest resolution stands.
		for _, e := range v.Events {
			if e.Kind == aftersales.EventStatusChanged && e.To == string(aftersales.StatusResolved) {
				v.Resolution = e
			}
		}
	}
	var errs [10]error
	var set *aftersales.Settings
	set, errs[7] = c.S.Settings.Settings(ctx)
	v.NoteRequired = set == nil || set.ResolutionNoteRequired
	v.Attachments, errs[0] = c.S.Tickets.ListAttachments(ctx, id)
	v.Costs, errs[1] = c.loadCosts(r, v.T)
	if c.S.Visits != nil {
		v.Visits, errs[9] = c.S.Visits.ListVisits(ctx, id)
	}
	if c.S.TextClass != nil {
		if v.Suggestions, v.SuggestName, err = c.loadSuggestions(r, p, id); err != nil {
			c.fail(w, r, "", p, err)
			return
		}
	}
	if c.S.Text != nil {
		if x, err := c.S.Text.TicketText(ctx, id); err == nil {
			v.Text = x
		} else if aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			c.fail(w, r, "", p, err)
			return
		}
	}
	if v.T.CustomerID != nil {
		v.Customer, errs[2] = c.S.Customers.FindCustomer(ctx, *v.T.CustomerID)
		v.Tiers, errs[8] = c.S.Customers.ListTiers(ctx)
	}
	v.Next = aftersales.NextStatuses(v.T.Status)
	v.Users, errs[3] = c.S.Users.ListUsers(ctx, aftersales.UserFilter{Active: ptr(true)})
	v.Teams, errs[4] = c.S.Network.ListTeams(ctx)
	v.Fields, errs[5] = c.S.Settings.ListCustomFields(ctx)
	if c.S.SLA != nil {
		v.SLA, errs[6] = c.S.SLA.TicketSLA(ctx, id)
	}
	if c.S.Routing != nil && errs[3] == nil {
		var cerr error
		if v.Candidates, cerr = c.S.Routing.AssignCandidates(ctx, id); cerr != nil {
			errs[3] = cerr
		}
		inTeam := map[int64]bool{}
		for _, cand := range v.Candidates {
			inTeam[cand.UserID] = true
		}
		for _, u := range v.Users {
			if !inTeam[u.ID] {
				v.Others = append(v.Others, u)
			}
		}
	}
	v.Complaint, err = c.loadComplaint(ctx, v.T)
	if err == nil && c.S.Parts != nil {
		v.Parts, err = c.loadTicketParts(r, p, v.T)
	}
	if err := cmp.Or(append(errs[:], err)...); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	v.Names = map[string]string{}
	for _, u := range v.Users {
		v.Names["assignee_id:"+strconv.FormatInt(u.ID, 10)] = u.Name
	}
	for _, t := range v.Teams {
		v.Names["team_id:"+strconv.FormatInt(t.ID, 10)] = p.Local(t)
	}
	if v.Complaint != nil {
		for _, x := range v.Complaint.Codes {
			v.Names["root_cause:"+x.Code] = x.Name(p.Lang)
		}
	}
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/dry-run") && c.S.Routing != nil {
		if v.Route, err = c.S.Routing.DryRun(ctx, id); err != nil {
			actionErr = err
		}
	}
	c.mergePreview(r, p, v)
	if actionErr != nil {
		p.Status = httperr.Status(actionErr)
		// The store's message and reasons are English: on other pages a
		// refused move names both statuses, and the fields are named and
		// their reasons said, in the page's language.
		head, msg := p.T("err."+aftersales.ErrorCode(actionErr)), aftersales.ErrorMessage(actionErr)
		switch m := cannotMove.FindStringSubmatch(msg); {
		case p.Lang == "en":
			p.Flash = head + " " + msg + fieldSummary(actionErr)
		case m != nil:
			p.Flash = head + " " + fmt.Sprintf(p.T("bulk.refused.transition"), p.T("status."+m[1]), p.T("status."+m[2]))
		case len(aftersales.ErrorFields(actionErr)) > 0:
			p.Flash = head + p.fieldSummaryIn(actionErr)
		default:
			p.Flash = head + " " + msg
		}
		for _, f := range aftersales.ErrorFields(actionErr) {
			p.Errs[f.Field] = p.cat.fieldReasonFor(p.Lang, f.Field, f.Reason)
		}
		p.OK = ""
	}
	c.render(w, r, "ticket", p)
}

func ptr[T any](v T) *T { return &v }

// ticketForm is the create/edit form's data.
type ticketForm struct {
	T          *aftersales.Ticket
	Customer   *aftersales.Customer
	Assets     []*aftersales.Asset
	Categories []*aftersales.Category
	Products   []*aftersales.Product
	Units      []*aftersales.ServiceUnit
	Teams      []*aftersales.Team
	Users      []*aftersales.User
	Depts      []*aftersales.Department
	Fields     []*aftersales.CustomField
}

// ticketFormData loads the form's choices; an error means the form cannot
// be shown (its lists would be silently empty).
func (c *Console) ticketFormData(r *http.Request, t *aftersales.Ticket) (*ticketForm, error) {
	ctx := r.Context()
	d := &ticketForm{T: t}
	var errs [10]error
	d.Categories, errs[0] = c.S.Catalog.ListCategories(ctx)
	d.Products, errs[1] = c.S.Catalog.ListProducts(ctx, 0)
	d.Units, errs[2] = c.S.Network.ListServiceUnits(ctx)
	d.Teams, errs[3] = c.S.Network.ListTeams(ctx)
	d.Users, errs[4] = c.S.Users.ListUsers(ctx, aftersales.UserFilter{Active: ptr(true)})
	d.Depts, errs[5] = c.S.Network.ListDepartments(ctx)
	d.Fields, errs[6] = c.S.Settings.ListCustomFields(ctx)
	if t.CustomerID != nil {
		d.Customer, errs[7] = c.S.Customers.FindCustomer(ctx, *t.CustomerID)
		d.Assets, errs[8] = c.S.Catalog.ListAssets(ctx, *t.CustomerID, "")
	}
	return d, cmp.Or(errs[:]...)
}

func (c *Console) newTicket(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "tickets", "ticket.new")
	if c.refuseNew(w, r, p, "/tickets") {
		return
	}
	t := &aftersales.Ticket{Channel: aftersales.ChannelPhone, Nature: aftersales.NatureRepair, Urgency: aftersales.UrgencyNormal, Custom: map[string]any{}}
	if n, err := strconv.ParseInt(r.URL.Query().Get("customer_id"), 10, 64); err == nil {
		t.CustomerID = &n
	}
	d, err := c.ticketFormData(r, t)
	p.Data = d
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	c.render(w, r, "ticket_form", p)
}

// parseTicket reads the ticket form. Fields absent from the form are nil
// (unchanged on edit); present but empty id fields clear nothing, because
// the domain has no "unset" yet for references.
func (c *Console) parseTicket(r *http.Request, defs []*aftersales.CustomField) (aftersales.TicketInput, *form) {
	f := &form{r: r}
	in := aftersales.TicketInput{
		Title: f.strPtr("title"), Description: f.strPtr("description"), Impact: f.strPtr("impact"),
		CustomerID: f.id("customer_id"), CategoryID: f.id("category_id"), ProductID: f.id("product_id"),
		AssetID: f.id("asset_id"), ServiceUnitID: f.id("service_unit_id"), TeamID: f.id("team_id"),
		AssigneeID: f.id("assignee_id"), DepartmentID: f.id("department_id"),
	}
	if s := f.str("channel"); s != "" {
		in.Channel = ptr(aftersales.Channel(s))
	}
	if s := f.str("nature"); s != "" {
		in.Nature = ptr(aftersales.Nature(s))
	}
	if s := f.str("urgency"); s != "" {
		in.Urgency = ptr(aftersales.Urgency(s))
	}
	if _, ok := r.PostForm["tags"]; ok {
		in.Tags = ptr(f.list("tags"))
	}
	if s := f.str("occurred_at"); s != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", s, c.Zone)
		if err != nil {
			f.v.Add("occurred_at", "must be a date and time")
		} else {
			in.OccurredAt = &t
		}
	}
	for _, d := range defs {
		name := "custom." + d.Key
		if _, ok := r.PostForm[name]; !ok && d.Type != aftersales.FieldBool {
			continue
		}
		s := f.str(name)
		if in.Custom == nil {
			in.Custom = map[string]any{}
		}
		switch {
		case d.Type == aftersales.FieldBool:
			in.Custom[d.Key] = s == "on"
		case s == "":
			if !d.Required {
				in.Custom[d.Key] = nil
			}
		case d.Type == aftersales.FieldNumber:
			n, err := strconv.ParseFloat(s, 64)
			if err != nil {
				f.v.Add(name, "must be a number")
				continue
			}
			in.Custom[d.Key] = n
		default:
			in.Custom[d.Key] = s
		}
	}
	return in, f
}

// ticketFromInput shows a rejected form's values again.
func ticketFromInput(t *aftersales.Ticket, in aftersales.TicketInput) *aftersales.Ticket {
	cp := *t
	if in.Title != nil {
		cp.Title = *in.Title
	}
	if in.Description != nil {
		cp.Description = *in.Description
	}
	if in.Impact != nil {
		cp.Impact = *in.Impact
	}
	for _, p := range []struct {
		dst **int64
		src *int64
	}{{&cp.CustomerID, in.CustomerID}, {&cp.CategoryID, in.CategoryID}, {&cp.ProductID, in.ProductID}, {&cp.AssetID, in.AssetID},
		{&cp.ServiceUnitID, in.ServiceUnitID}, {&cp.TeamID, in.TeamID}, {&cp.AssigneeID, in.AssigneeID}, {&cp.DepartmentID, in.DepartmentID}} {
		if p.src != nil {
			*p.dst = p.src
		}
	}
	if in.Channel != nil {
		cp.Channel = *in.Channel
	}
	if in.Nature != nil {
		cp.Nature = *in.Nature
	}
	if in.Urgency != nil {
		cp.Urgency = *in.Urgency
	}
	if in.Tags != nil {
		cp.Tags = *in.Tags
	}
	if in.OccurredAt != nil {
		cp.OccurredAt = in.OccurredAt
	}
	if cp.Custom == nil {
		cp.Custom = map[string]any{}
	}
	for k, v := range in.Custom {
		cp.Custom[k] = v
	}
	return &cp
}

func (c *Console) createTicket(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.ParseForm()
	// Without the field definitions the custom values would be dropped.
	defs, err := c.S.Settings.ListCustomFields(ctx)
	if err != nil {
		c.fail(w, r, "", c.page(r, "tickets", "ticket.new"), err)
		return
	}
	in, f := c.parseTicket(r, defs)
	err = f.v.Err()
	if err != nil {
		// A value the form could not read stops the create before the
		// store sees it; the store's own rules are checked here too, so
		// the page names every bad field at once, not in two rounds.
		chk := in
		_, cerr := aftersales.CheckCustom(defs, in.Custom, true)
		err = aftersales.JoinInvalid(err, chk.Validate(true, c.Now()), cerr)
	}
	var t *aftersales.Ticket
	if err == nil {
		t, err = c.S.Tickets.CreateTicket(ctx, in)
	}
	if err != nil {
		p := c.page(r, "tickets", "ticket.new")
		d, derr := c.ticketFormData(r, ticketFromInput(&aftersales.Ticket{Custom: map[string]any{}}, in))
		p.Data = d
		c.fail(w, r, "ticket_form", p, cmp.Or(derr, err))
		return
	}
	http.Redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10)+"?ok=created", http.StatusSeeOther)
}

func (c *Console) editTicket(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "tickets", "ticket.edit")
	id, err := pathID(r)
	var t *aftersales.Ticket
	if err == nil {
		t, err = c.S.Tickets.FindTicket(r.Context(), id)
	}
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	d, err := c.ticketFormData(r, t)
	p.Data = d
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	c.render(w, r, "ticket_form", p)
}

func (c *Console) updateTicket(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := c.page(r, "tickets", "ticket.edit")
	id, err := pathID(r)
	var t *aftersales.Ticket
	if err == nil {
		t, err = c.S.Tickets.FindTicket(ctx, id)
	}
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	r.ParseForm()
	defs, err := c.S.Settings.ListCustomFields(ctx)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	in, f := c.parseTicket(r, defs)
	if err = f.v.Err(); err == nil {
		_, err = c.S.Tickets.UpdateTicket(ctx, id, f.version(), in)
	}
	if err != nil {
		shown := ticketFromInput(t, in)
		shown.Version = f.version()
		d, derr := c.ticketFormData(r, shown)
		p.Data = d
		c.fail(w, r, "ticket_form", p, cmp.Or(derr, err))
		return
	}
	http.Redirect(w, r, "/tickets/"+strconv.FormatInt(id, 10)+"?ok=saved", http.StatusSeeOther)
}

// afterAction returns to the ticket, or shows it again with the reason
// the action was refused.
func (c *Console) afterAction(w http.ResponseWriter, r *http.Request, id int64, err error) {
	switch aftersales.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/tickets/"+strconv.FormatInt(id, 10)+"?ok=saved", http.StatusSeeOther)
	case aftersales.ENOTFOUND, aftersales.EFORBIDDEN, aftersales.EUNAUTHORIZED, aftersales.EINTERNAL:
		c.fail(w, r, "", c.page(r, "tickets", "ticket.title"), err)
	default:
		c.renderTicket(w, r, id, err)
	}
}

func fieldSummary(err error) string {
	var parts []string
	for _, f := range aftersales.ErrorFields(err) {
		parts = append(parts, f.Field+": "+f.Reason)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// fieldSummaryIn is fieldSummary in the page's language: each field by
// its label, with its reason translated.
func (p *Page) fieldSummaryIn(err error) string {
	var parts []string
	for _, f := range aftersales.ErrorFields(err) {
		parts = append(parts, fmt.Sprintf(p.T("err.field_reason"), p.tOr("field."+f.Field, f.Field), p.cat.fieldReasonFor(p.Lang, f.Field, f.Reason)))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf(p.T("err.fields"), strings.Join(parts, p.T("err.fields_sep")))
}

func (c *Console) commentTicket(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		f := &form{r: r}
		_, err = c.S.Tickets.AddComment(r.Context(), id, aftersales.CommentInput{Body: f.str("body"), Public: f.str("public") == "on",
			FromCustomer: f.str("from_customer") == "on", Channel: aftersales.Channel(f.str("channel")), SurveyRow: f.str("survey_row") == "on"})
	}
	c.afterAction(w, r, id, err)
}

func (c *Console) transitionTicket(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		f := &form{r: r}
		_, err = c.S.Tickets.Transition(r.Context(), id, aftersales.TransitionInput{To: aftersales.Status(f.str("to")), Reason: f.str("reason"), Version: f.version()})
	}
	c.afterAction(w, r, id, err)
}

func (c *Console) assignTicket(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		f := &form{r: r}
		team, assignee := f.id("team_id"), f.id("assignee_id")
		if err = f.v.Err(); err == nil {
			_, err = c.S.Tickets.Assign(r.Context(), id, f.version(), team, assignee)
		}
	}
	c.afterAction(w, r, id, err)
}

func (c *Console) uploadAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		r.Body = http.MaxBytesReader(w, r.Body, c.Files.MaxSize+64<<10)
		f, h, ferr := r.FormFile("file")
		switch {
		case ferr != nil && strings.Contains(ferr.Error(), "too large"):
			err = &aftersales.Error{Code: aftersales.ETOOLARGE, Message: "The file is too large.",
				Fields: []aftersales.FieldError{{Field: "file", Reason: "is too large"}}}
		case ferr != nil:
			err = &aftersales.Error{Code: aftersales.EINVALID, Message: "Choose a file to upload.",
				Fields: []aftersales.FieldError{{Field: "file", Reason: "is required"}}}
		default:
			defer f.Close()
			_, err = c.Files.Attach(r.Context(), c.S.Tickets, id, f, h.Filename, c.Now())
		}
	}
	c.afterAction(w, r, id, err)
}

func (c *Console) dryRun(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		c.fail(w, r, "", c.page(r, "tickets", "ticket.title"), err)
		return
	}
	c.renderTicket(w, r, id, nil)
}
