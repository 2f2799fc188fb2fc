package console

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"aftersales"
	"aftersales/internal/web/httperr"
)

// PortalCookie names the portal session cookie. It is not the console's
// session cookie: the server reads it only on portal paths, and a portal
// session never makes a staff user (see web.Server.portalAuth).
const PortalCookie = "as_portal"

// portalRoutes are the customer portal's pages under /portal. They share
// the console's templates, catalog and CSRF protection, and read only
// the portal user of the context, never a staff user.
func (c *Console) portalRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /portal", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/portal/tickets", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /portal/login", c.portalLoginForm)
	mux.HandleFunc("POST /portal/login", c.portalPassword)
	mux.HandleFunc("POST /portal/login/link", c.portalRequestLink)
	mux.HandleFunc("GET /portal/link/{token}", c.portalLinkForm)
	mux.HandleFunc("POST /portal/link/{token}", c.portalUseLink)
	mux.HandleFunc("POST /portal/logout", c.portalLogout)
	g := c.portalOnly
	mux.HandleFunc("GET /portal/tickets", g(c.portalTickets))
	mux.HandleFunc("GET /portal/tickets/new", g(c.portalNewTicket))
	mux.HandleFunc("POST /portal/tickets", g(c.portalCreateTicket))
	mux.HandleFunc("GET /portal/tickets/{id}", g(c.portalTicket))
	mux.HandleFunc("POST /portal/tickets/{id}/reply", g(c.portalReply))
	mux.HandleFunc("POST /portal/tickets/{id}/attachments", g(c.portalAttach))
	mux.HandleFunc("GET /portal/tickets/{id}/attachments/{aid}", g(c.portalDownload))
	mux.HandleFunc("GET /portal/tickets/{id}/visits/{vid}/windows", g(c.portalWindows))
	mux.HandleFunc("POST /portal/tickets/{id}/visits/{vid}/move", g(c.portalMove))
	mux.HandleFunc("GET /portal/assets", g(c.portalAssets))
	mux.HandleFunc("GET /portal/account", g(c.portalAccount))
	mux.HandleFunc("POST /portal/account/password", g(c.portalSetPassword))
	mux.HandleFunc("POST /portal/account/colleagues/{id}/role", g(c.portalSetRole))
	// Staff: invite a customer's contact to the portal, or revoke.
	c.post(mux, "/customers/{id}/portal", needs(aftersales.PermCustomerWrite), c.invitePortal)
	c.post(mux, "/customers/{id}/portal/{uid}/revoke", needs(aftersales.PermCustomerWrite), c.revokePortal)
}

func (c *Console) invitePortal(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(r)
	}
	if err == nil {
		_, err = c.S.Portal.InvitePortalUser(r.Context(), id, aftersales.PortalInvite{Email: r.PostFormValue("email"),
			Name: r.PostFormValue("name"), Role: aftersales.PortalRole(r.PostFormValue("role"))})
	}
	if err != nil {
		c.renderCustomer(w, r, aftersales.AssetInput{}, err)
		return
	}
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"?ok=created#portal-users", http.StatusSeeOther)
}

func (c *Console) revokePortal(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	uid, uerr := strconv.ParseInt(r.PathValue("uid"), 10, 64)
	if err == nil && uerr != nil {
		err = aftersales.Errorf(aftersales.ENOTFOUND, "Not found.")
	}
	if err == nil {
		err = c.S.Portal.RevokePortalUser(r.Context(), id, uid)
	}
	if err != nil {
		c.renderCustomer(w, r, aftersales.AssetInput{}, err)
		return
	}
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"?ok=saved#portal-users", http.StatusSeeOther)
}

// portalOnly sends a visitor without a portal session to the sign-in.
func (c *Console) portalOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if aftersales.PortalUserFromContext(r.Context()) == nil {
			http.Redirect(w, r, "/portal/login", http.StatusSeeOther)
			return
		}
		h(w, r)
	}
}

// portalData is what every portal page shows in its header.
type portalData struct {
	Me  *aftersales.PortalUser
	Nav string
}

func (c *Console) portalPage(r *http.Request, nav, title string) (*Page, portalData) {
	p := c.bare(r, "", title)
	p.User = nil // a portal page never shows a staff user, even to staff
	return p, portalData{Me: aftersales.PortalUserFromContext(r.Context()), Nav: nav}
}

// portalFail shows err on a portal page: field errors back into the form,
// a lost session to the sign-in, anything else on the error page.
func (c *Console) portalFail(w http.ResponseWriter, r *http.Request, name string, p *Page, err error) {
	err = httperr.Classify(err)
	code := aftersales.ErrorCode(err)
	if code == aftersales.EUNAUTHORIZED {
		http.Redirect(w, r, "/portal/login", http.StatusSeeOther)
		return
	}
	if code == aftersales.EINTERNAL || code == aftersales.EUNAVAILABLE {
		c.logError(r, "portal internal error", err)
		p.RequestID = aftersales.ClientFromContext(r.Context()).RequestID
	}
	p.Status = httperr.Status(err)
	p.Flash = p.T("err." + code)
	if msg := aftersales.ErrorMessage(err); code != aftersales.EINTERNAL && code != aftersales.EUNAVAILABLE && p.Lang == "en" {
		p.Flash = msg
	}
	for _, f := range aftersales.ErrorFields(err) {
		p.Errs[f.Field] = p.cat.fieldReasonFor(p.Lang, f.Field, f.Reason)
	}
	if name == "" || code == aftersales.ENOTFOUND || code == aftersales.EFORBIDDEN || code == aftersales.EINTERNAL || code == aftersales.EUNAVAILABLE {
		name = "error"
		if r.Header.Get("HX-Request") == "true" {
			w.Header().Set("HX-Redirect", r.URL.RequestURI())
		}
	}
	c.render(w, r, name, p)
}

func (c *Console) portalCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: PortalCookie, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: c.SecureCookie, SameSite: http.SameSiteLaxMode})
}

// portalAllow spends one of the address's sign-in attempts.
func (c *Console) portalAllow(ctx context.Context, r *http.Request) error {
	if c.PortalLimit == nil {
		return nil
	}
	ok, err := c.PortalLimit.Allow(ctx, clientIP(r))
	if err == nil && !ok {
		err = aftersales.Errorf(aftersales.ERATELIMIT, "Too many sign-in attempts from this address; try again in an hour.")
	}
	return err
}

type portalLoginData struct {
	portalData
	Email  string
	Sent   bool
	Token  string // a link waiting to be used
	Refuse string // why a link was refused: unknown, used, expired
}

func (c *Console) portalLoginForm(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "", "portal.login.title")
	p.Data = portalLoginData{portalData: base}
	c.render(w, r, "portal_login", p)
}

func (c *Console) portalRequestLink(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "", "portal.login.title")
	d := portalLoginData{portalData: base}
	p.Data = d
	if err := c.portalAllow(r.Context(), r); err != nil {
		c.portalFail(w, r, "portal_login", p, err)
		return
	}
	if err := parseForm(r); err != nil {
		c.portalFail(w, r, "portal_login", p, err)
		return
	}
	d.Email = r.PostFormValue("email")
	p.Data = d
	if err := c.S.Portal.RequestPortalLink(r.Context(), d.Email, p.Lang); err != nil {
		c.portalFail(w, r, "portal_login", p, err)
		return
	}
	// The same answer whether or not the address has a sign-in.
	d.Sent = true
	p.Data = d
	c.render(w, r, "portal_login", p)
}

func (c *Console) portalPassword(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "", "portal.login.title")
	d := portalLoginData{portalData: base}
	p.Data = d
	if err := c.portalAllow(r.Context(), r); err != nil {
		c.portalFail(w, r, "portal_login", p, err)
		return
	}
	if err := parseForm(r); err != nil {
		c.portalFail(w, r, "portal_login", p, err)
		return
	}
	d.Email = r.PostFormValue("email")
	p.Data = d
	s, err := c.S.Portal.PortalSignIn(r.Context(), d.Email, r.PostFormValue("password"))
	if err != nil {
		if aftersales.ErrorCode(err) == aftersales.EUNAUTHORIZED {
			p.Flash, p.Status = p.T("portal.login.wrong"), http.StatusUnauthorized
			c.render(w, r, "portal_login", p)
			return
		}
		c.portalFail(w, r, "portal_login", p, err)
		return
	}
	c.portalCookie(w, s.Token, int(time.Until(s.ExpiresAt).Seconds()))
	http.Redirect(w, r, "/portal/tickets", http.StatusSeeOther)
}

// portalLinkForm asks for a click before the link is spent: mail
// scanners that fetch every link in a message would otherwise use it up.
func (c *Console) portalLinkForm(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "", "portal.login.title")
	if l := r.URL.Query().Get("lang"); l == "en" || l == "zh-CN" {
		p.Lang, p.Title = l, p.cat.T(l, "portal.login.title")
	}
	p.Data = portalLoginData{portalData: base, Token: r.PathValue("token")}
	c.render(w, r, "portal_login", p)
}

func (c *Console) portalUseLink(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "", "portal.login.title")
	s, err := c.S.Portal.UsePortalLink(r.Context(), r.PathValue("token"))
	if err != nil {
		fs := aftersales.ErrorFields(err)
		if aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED || len(fs) == 0 {
			p.Data = portalLoginData{portalData: base}
			c.portalFail(w, r, "portal_login", p, err)
			return
		}
		p.Status = http.StatusGone
		if fs[0].Reason == "unknown" {
			p.Status = http.StatusNotFound
		}
		p.Data = portalLoginData{portalData: base, Refuse: fs[0].Reason}
		c.render(w, r, "portal_login", p)
		return
	}
	c.portalCookie(w, s.Token, int(time.Until(s.ExpiresAt).Seconds()))
	http.Redirect(w, r, "/portal/tickets", http.StatusSeeOther)
}

func (c *Console) portalLogout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(PortalCookie); err == nil && ck.Value != "" {
		if err := c.S.Portal.EndPortalSession(r.Context(), ck.Value); err != nil {
			p, base := c.portalPage(r, "", "portal.login.title")
			p.Data = portalLoginData{portalData: base}
			c.portalFail(w, r, "", p, err)
			return
		}
	}
	c.portalCookie(w, "", -1)
	http.Redirect(w, r, "/portal/login", http.StatusSeeOther)
}

type portalTicketsData struct {
	portalData
	Tickets []*aftersales.PortalTicket
	Surveys []*aftersales.PortalSurvey
}

func (c *Console) portalTickets(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "tickets", "portal.tickets.title")
	d := portalTicketsData{portalData: base}
	p.Data = d
	var err error
	if d.Tickets, err = c.S.Portal.PortalTickets(r.Context()); err != nil {
		c.portalFail(w, r, "", p, err)
		return
	}
	if d.Surveys, err = c.S.Portal.PortalSurveys(r.Context()); err != nil {
		c.portalFail(w, r, "", p, err)
		return
	}
	p.Data = d
	c.render(w, r, "portal_tickets", p)
}

type portalNewData struct {
	portalData
	Assets []*aftersales.PortalAsset
	// Token is the form session the knowledge base's suggestions count
	// deflection by (as on the public form); empty without a knowledge
	// base.
	Token string
}

func (c *Console) portalNewTicket(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "new", "portal.new.title")
	d := portalNewData{portalData: base}
	var err error
	if d.Assets, err = c.S.Portal.PortalAssets(r.Context()); err != nil {
		c.portalFail(w, r, "", p, err)
		return
	}
	if c.S.KB != nil {
		d.Token = c.formToken(c.Now())
	}
	p.Data, p.Form = d, url.Values{"asset_id": {r.URL.Query().Get("asset")}}
	c.render(w, r, "portal_new", p)
}

// portalFile reads the optional upload in field "file".
func portalFile(r *http.Request) (multipart.File, string, bool) {
	f, h, err := r.FormFile("file")
	if err != nil || h.Filename == "" {
		return nil, "", false
	}
	return f, h.Filename, true
}

func (c *Console) portalCreateTicket(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "new", "portal.new.title")
	d := portalNewData{portalData: base}
	d.Assets, _ = c.S.Portal.PortalAssets(r.Context())
	p.Data = d
	if err := parseForm(r); err != nil {
		c.portalFail(w, r, "portal_new", p, err)
		return
	}
	p.Form = r.PostForm
	in := aftersales.PortalTicketInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Nature: aftersales.Nature(r.PostFormValue("nature"))}
	if s := r.PostFormValue("asset_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			p.Errs["asset_id"] = p.cat.fieldReason(p.Lang, "not found")
			p.Status = http.StatusUnprocessableEntity
			c.render(w, r, "portal_new", p)
			return
		}
		in.AssetID = &id
	}
	if f, name, ok := portalFile(r); ok {
		defer f.Close()
		a, err := c.Files.Save(r.Context(), f, name, c.Now())
		if err != nil {
			c.portalFail(w, r, "portal_new", p, err)
			return
		}
		in.Files = []*aftersales.Attachment{a}
	}
	t, err := c.S.Portal.PortalCreateTicket(r.Context(), in)
	if err != nil {
		for _, a := range in.Files {
			c.Files.Remove(context.WithoutCancel(r.Context()), a.Path)
		}
		c.portalFail(w, r, "portal_new", p, err)
		return
	}
	if tok := r.PostFormValue("ft"); c.S.KB != nil && tok != "" {
		// The session met suggestions or not: a ticket sent is not deflected.
		if err := c.S.KB.RecordDeflection(r.Context(), tok, 0, aftersales.KBEventSubmit); err != nil {
			c.logError(r, "console: record a portal submission", err)
		}
	}
	http.Redirect(w, r, "/portal/tickets/"+strconv.FormatInt(t.ID, 10)+"?ok=created", http.StatusSeeOther)
}

type portalTicketData struct {
	portalData
	Ticket *aftersales.PortalTicketDetail
	// Windows lists the windows of the visit being moved (Moving).
	Moving  int64
	Windows []aftersales.PortalWindow
}

func (c *Console) portalTicketPage(w http.ResponseWriter, r *http.Request, p *Page, d portalTicketData, id int64, status int) {
	t, err := c.S.Portal.PortalTicket(r.Context(), id)
	if err != nil {
		p.Data = d
		c.portalFail(w, r, "", p, err)
		return
	}
	d.Ticket = t
	p.Data = d
	if status != 0 {
		p.Status = status
	}
	switch r.URL.Query().Get("ok") {
	case "created":
		p.OK = p.T("portal.ticket.created")
	case "sent":
		p.OK = p.T("portal.ticket.sent")
	case "moved":
		p.OK = p.T("portal.visit.moved")
	case "attached":
		p.OK = p.T("portal.ticket.attached")
	}
	c.render(w, r, "portal_ticket", p)
}

func (c *Console) portalTicket(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "tickets", "portal.ticket.title")
	id, err := pathID(r)
	if err != nil {
		p.Data = portalTicketData{portalData: base}
		c.portalFail(w, r, "", p, err)
		return
	}
	c.portalTicketPage(w, r, p, portalTicketData{portalData: base}, id, 0)
}

// portalAfter answers a portal ticket action: back to the ticket with a
// note, or the ticket again with the errors.
func (c *Console) portalAfter(w http.ResponseWriter, r *http.Request, id int64, ok string, err error) {
	if err == nil {
		http.Redirect(w, r, "/portal/tickets/"+strconv.FormatInt(id, 10)+"?ok="+ok, http.StatusSeeOther)
		return
	}
	p, base := c.portalPage(r, "tickets", "portal.ticket.title")
	p.Form = r.PostForm
	code := aftersales.ErrorCode(httperr.Classify(err))
	if code != aftersales.EINVALID && code != aftersales.ECONFLICT && code != aftersales.ETOOLARGE {
		p.Data = portalTicketData{portalData: base}
		c.portalFail(w, r, "", p, err)
		return
	}
	p.Flash = p.T("err." + code)
	if p.Lang == "en" {
		p.Flash = aftersales.ErrorMessage(err)
	}
	for _, f := range aftersales.ErrorFields(err) {
		p.Errs[f.Field] = p.cat.fieldReasonFor(p.Lang, f.Field, f.Reason)
	}
	c.portalTicketPage(w, r, p, portalTicketData{portalData: base}, id, httperr.Status(err))
}

func (c *Console) portalReply(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		if err = parseForm(r); err == nil {
			err = c.S.Portal.PortalReply(r.Context(), id, r.PostFormValue("body"))
		}
	}
	c.portalAfter(w, r, id, "sent", err)
}

func (c *Console) portalAttach(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		if err = parseForm(r); err == nil {
			f, name, ok := portalFile(r)
			if !ok {
				err = &aftersales.Error{Code: aftersales.EINVALID, Message: "Choose a file to upload.",
					Fields: []aftersales.FieldError{{Field: "file", Reason: "is required"}}}
			} else {
				defer f.Close()
				if _, err = c.S.Portal.PortalTicket(r.Context(), id); err == nil {
					var a *aftersales.Attachment
					if a, err = c.Files.Save(r.Context(), f, name, c.Now()); err == nil {
						if _, err = c.S.Portal.PortalAttach(r.Context(), id, a); err != nil {
							c.Files.Remove(context.WithoutCancel(r.Context()), a.Path)
						}
					}
				}
			}
		}
	}
	c.portalAfter(w, r, id, "attached", err)
}

func (c *Console) portalDownload(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "tickets", "portal.ticket.title")
	p.Data = portalTicketData{portalData: base}
	id, err := pathID(r)
	aid, aerr := strconv.ParseInt(r.PathValue("aid"), 10, 64)
	if err == nil && aerr != nil {
		err = aftersales.Errorf(aftersales.ENOTFOUND, "Not found.")
	}
	var a *aftersales.Attachment
	if err == nil {
		a, err = c.S.Portal.PortalAttachment(r.Context(), id, aid)
	}
	var f aftersales.Blob
	if err == nil {
		f, err = c.Files.Open(r.Context(), a.Path)
	}
	if err != nil {
		c.portalFail(w, r, "", p, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.Name))
	io.Copy(w, f)
}

func visitParams(r *http.Request) (int64, int64, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, 0, err
	}
	vid, err := strconv.ParseInt(r.PathValue("vid"), 10, 64)
	if err != nil || vid <= 0 {
		return 0, 0, aftersales.Errorf(aftersales.ENOTFOUND, "Not found.")
	}
	return id, vid, nil
}

// portalWindows shows the windows a visit may move to (as a partial for
// htmx, or the ticket page with them).
func (c *Console) portalWindows(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "tickets", "portal.ticket.title")
	d := portalTicketData{portalData: base}
	id, vid, err := visitParams(r)
	if err == nil {
		d.Moving = vid
		d.Windows, err = c.S.Portal.PortalWindows(r.Context(), id, vid)
	}
	if err != nil {
		if aftersales.ErrorCode(err) == aftersales.ECONFLICT {
			c.portalAfter(w, r, id, "", err)
			return
		}
		p.Data = d
		c.portalFail(w, r, "", p, err)
		return
	}
	c.portalTicketPage(w, r, p, d, id, 0)
}

func (c *Console) portalMove(w http.ResponseWriter, r *http.Request) {
	id, vid, err := visitParams(r)
	if err == nil {
		err = parseForm(r)
	}
	if err == nil {
		var start time.Time
		var version int64
		start, err = time.Parse(time.RFC3339, r.PostFormValue("window_start"))
		version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		if err != nil {
			err = &aftersales.Error{Code: aftersales.EINVALID, Message: "Pick a window.",
				Fields: []aftersales.FieldError{{Field: "window_start", Reason: "is required"}}}
		} else {
			_, err = c.S.Portal.PortalMoveVisit(r.Context(), id, vid, aftersales.PortalMove{WindowStart: start, Version: version})
		}
	}
	c.portalAfter(w, r, id, "moved", err)
}

type portalAssetsData struct {
	portalData
	Assets []*aftersales.PortalAsset
}

func (c *Console) portalAssets(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "assets", "portal.assets.title")
	d := portalAssetsData{portalData: base}
	var err error
	if d.Assets, err = c.S.Portal.PortalAssets(r.Context()); err != nil {
		p.Data = d
		c.portalFail(w, r, "", p, err)
		return
	}
	p.Data = d
	c.render(w, r, "portal_assets", p)
}

type portalAccountData struct {
	portalData
	Colleagues []*aftersales.PortalUser
	Roles      []aftersales.PortalRole
}

func (c *Console) portalAccountPage(w http.ResponseWriter, r *http.Request, p *Page, base portalData) {
	d := portalAccountData{portalData: base, Roles: aftersales.PortalRoles}
	if base.Me.Role == aftersales.PortalAdmin {
		var err error
		if d.Colleagues, err = c.S.Portal.PortalColleagues(r.Context()); err != nil {
			p.Data = d
			c.portalFail(w, r, "", p, err)
			return
		}
	}
	p.Data = d
	switch r.URL.Query().Get("ok") {
	case "password":
		p.OK = p.T("portal.account.password_set")
	case "role":
		p.OK = p.T("portal.account.role_set")
	}
	c.render(w, r, "portal_account", p)
}

func (c *Console) portalAccount(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "account", "portal.account.title")
	c.portalAccountPage(w, r, p, base)
}

func (c *Console) portalSetPassword(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "account", "portal.account.title")
	err := parseForm(r)
	if err == nil {
		if r.PostFormValue("password") != r.PostFormValue("password2") {
			err = &aftersales.Error{Code: aftersales.EINVALID, Message: "The two passwords differ.",
				Fields: []aftersales.FieldError{{Field: "password2", Reason: "differs from the password"}}}
		} else {
			err = c.S.Portal.SetPortalPassword(r.Context(), r.PostFormValue("password"))
		}
	}
	if err != nil {
		if aftersales.ErrorCode(err) == aftersales.EINVALID {
			for _, f := range aftersales.ErrorFields(err) {
				p.Errs[f.Field] = p.cat.fieldReasonFor(p.Lang, f.Field, f.Reason)
			}
			p.Flash, p.Status = p.T("err.EINVALID"), http.StatusUnprocessableEntity
			c.portalAccountPage(w, r, p, base)
			return
		}
		p.Data = portalAccountData{portalData: base}
		c.portalFail(w, r, "", p, err)
		return
	}
	http.Redirect(w, r, "/portal/account?ok=password", http.StatusSeeOther)
}

func (c *Console) portalSetRole(w http.ResponseWriter, r *http.Request) {
	p, base := c.portalPage(r, "account", "portal.account.title")
	id, err := pathID(r)
	if err == nil {
		err = parseForm(r)
	}
	if err == nil {
		_, err = c.S.Portal.SetPortalRole(r.Context(), id, aftersales.PortalRole(r.PostFormValue("role")))
	}
	if err != nil {
		if aftersales.ErrorCode(err) == aftersales.EINVALID {
			p.Flash, p.Status = p.T("err.EINVALID"), http.StatusUnprocessableEntity
			if p.Lang == "en" {
				p.Flash = aftersales.ErrorMessage(err)
			}
			c.portalAccountPage(w, r, p, base)
			return
		}
		p.Data = portalAccountData{portalData: base}
		c.portalFail(w, r, "", p, err)
		return
	}
	http.Redirect(w, r, "/portal/account?ok=role", http.StatusSeeOther)
}

// WindowValue is a window's start as the move form sends it.
func (p *Page) WindowValue(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// PortalRoleName words a portal role.
func (p *Page) PortalRoleName(r aftersales.PortalRole) string { return p.T("portal.role." + string(r)) }
