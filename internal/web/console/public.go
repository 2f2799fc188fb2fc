package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"aftersales"
)

// Limiter allows or refuses one more action for a key (a client address).
type Limiter interface {
	Allow(ctx context.Context, key string) (bool, error)
}

// Spam-trap timing: a person needs a few seconds to fill the form in; a
// form left open longer than a day is shown again with a fresh token.
const (
	formMinAge = 3 * time.Second
	formMaxAge = 24 * time.Hour
)

// publicRoutes are the customer-facing pages: the web form and the page
// that follows a ticket. They need no sign-in and may be framed by the
// company's own site.
func (c *Console) publicRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /form", c.embeddable(c.webForm))
	mux.HandleFunc("POST /form", c.embeddable(c.submitForm))
	mux.HandleFunc("GET /follow/{number}", c.embeddable(c.follow))
	mux.HandleFunc("POST /follow/{number}", c.embeddable(c.followReply))
}

// embeddable lets the page be framed on other sites and honours ?lang=.
func (c *Console) embeddable(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Del("X-Frame-Options")
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy("*"))
		h(w, r)
	}
}

func (c *Console) publicPage(r *http.Request, title string) *Page {
	p := c.page(r, "", title)
	if l := r.URL.Query().Get("lang"); l == "en" || l == "zh-CN" {
		p.Lang = l
		p.Title = p.T(title)
	}
	p.User = nil // the public pages look the same to staff
	p.Unread = 0
	return p
}

// formToken signs the time the form was shown; the spam trap checks it.
func (c *Console) formToken(t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return ts + "." + c.formSig(ts)
}

func (c *Console) formSig(ts string) string {
	m := hmac.New(sha256.New, c.FormKey)
	m.Write([]byte(ts))
	return hex.EncodeToString(m.Sum(nil)[:12])
}

// formAge returns how long ago a token was issued, or false if it is not
// ours.
func (c *Console) formAge(tok string, now time.Time) (time.Duration, bool) {
	ts, sig, ok := strings.Cut(tok, ".")
	n, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || !hmac.Equal([]byte(sig), []byte(c.formSig(ts))) {
		return 0, false
	}
	return now.Sub(time.Unix(n, 0)), true
}

type formData struct {
	Token string
	Lang  string
}

func (c *Console) webForm(w http.ResponseWriter, r *http.Request) {
	p := c.publicPage(r, "form.title")
	p.Form = url.Values{}
	p.Data = formData{Token: c.formToken(c.Now()), Lang: p.Lang}
	c.render(w, r, "form", p)
}

func (c *Console) submitForm(w http.ResponseWriter, r *http.Request) {
	p := c.publicPage(r, "form.title")
	now := c.Now()
	p.Form = url.Values{}
	p.Data = formData{Token: c.formToken(now), Lang: p.Lang}
	// Every submission counts against the address's budget, the spam trap
	// included, and is counted before its body is read: a flood costs a
	// counter update, not a parse.
	if c.FormLimit != nil {
		ok, err := c.FormLimit.Allow(r.Context(), clientIP(r))
		if err == nil && !ok {
			err = aftersales.Errorf(aftersales.ERATELIMIT, "Too many submissions from this address; try again in an hour.")
		}
		if err != nil {
			c.fail(w, r, "form", p, err)
			return
		}
	}
	if err := parseForm(r); err != nil {
		c.fail(w, r, "form", p, err)
		return
	}
	if l := r.PostFormValue("lang"); l == "en" || l == "zh-CN" {
		p.Lang, p.Title = l, p.T("form.title")
		p.Data = formData{Token: c.formToken(now), Lang: p.Lang}
	}
	p.Form = r.PostForm
	age, ok := c.formAge(r.PostFormValue("ft"), now)
	switch {
	case r.PostFormValue("website") != "" || ok && age < formMinAge:
		// The trap: a hidden field a person never fills in, or a form sent
		// faster than anyone types. The bot is told nothing useful.
		p.OK = p.T("form.received")
		p.Form = url.Values{}
		c.render(w, r, "form", p)
		return
	case !ok || age > formMaxAge:
		p.Flash, p.Status = p.T("form.expired"), http.StatusBadRequest
		c.render(w, r, "form", p)
		return
	}
	f := aftersales.WebForm{Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email"),
		Nature: aftersales.Nature(r.PostFormValue("nature")), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		SerialNo: r.PostFormValue("serial_no"), Address: r.PostFormValue("address")}
	res, err := c.S.Intake.SubmitForm(r.Context(), f)
	if err != nil {
		c.fail(w, r, "form", p, err)
		return
	}
	if c.S.KB != nil {
		// The session met suggestions or not: a ticket sent is not deflected.
		if err := c.S.KB.RecordDeflection(r.Context(), r.PostFormValue("ft"), 0, aftersales.KBEventSubmit); err != nil {
			c.logError(r, "console: record a form submission", err)
		}
	}
	q := url.Values{"t": {res.FollowToken}, "new": {"1"}, "lang": {p.Lang}}
	http.Redirect(w, r, "/follow/"+url.PathEscape(res.Number)+"?"+q.Encode(), http.StatusSeeOther)
}

type followData struct {
	Ticket *aftersales.PublicTicket
	New    bool
	Link   string
	Lang   string
	Token  string
	// Sent: the customer's reply was just taken; Open: the ticket still
	// takes replies.
	Sent bool
	Open bool
}

func (c *Console) follow(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c.showFollow(w, r, c.publicPage(r, "follow.title"), r.PathValue("number"), q.Get("t"), q.Get("new") == "1", q.Get("sent") == "1", nil)
}

// showFollow renders the follow page of the ticket number and token opens
// (a 404 page when they open none), with formErr when a reply was refused.
func (c *Console) showFollow(w http.ResponseWriter, r *http.Request, p *Page, number, tok string, isNew, sent bool, formErr error) {
	t, err := c.S.Intake.FollowTicket(r.Context(), number, tok)
	if err != nil {
		p.Status, p.Flash = http.StatusNotFound, p.T("follow.unknown")
		p.Data = followData{Lang: p.Lang}
		c.render(w, r, "follow", p)
		return
	}
	link := "/follow/" + url.PathEscape(t.Number) + "?" + url.Values{"t": {tok}}.Encode()
	p.Data = followData{Ticket: t, New: isNew, Link: link, Lang: p.Lang, Token: tok, Sent: sent,
		Open: t.Status != aftersales.StatusClosed && t.Status != aftersales.StatusCancelled}
	if formErr != nil {
		c.fail(w, r, "follow", p, formErr)
		return
	}
	c.render(w, r, "follow", p)
}

// followReply takes the customer's message from the follow page. The
// follow token is the authority (a forged cross-site post would need it),
// and replies count against the web form's per-address budget.
func (c *Console) followReply(w http.ResponseWriter, r *http.Request) {
	p := c.publicPage(r, "follow.title")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	number, tok := r.PathValue("number"), r.URL.Query().Get("t")
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, "", p, aftersales.Errorf(aftersales.EINVALID, "The message could not be read."))
		return
	}
	if f := r.PostFormValue("t"); f != "" {
		tok = f
	}
	show := func(err error) {
		p.Form = r.PostForm
		c.showFollow(w, r, p, number, tok, false, false, err)
	}
	if c.FormLimit != nil {
		ok, err := c.FormLimit.Allow(r.Context(), clientIP(r))
		if err == nil && !ok {
			err = aftersales.Errorf(aftersales.ERATELIMIT, "Too many messages from this address; try again in an hour.")
		}
		if err != nil {
			show(err)
			return
		}
	}
	res, err := c.S.Intake.FollowReply(r.Context(), number, tok, r.PostFormValue("message"))
	if err != nil {
		// An unknown number or token shows the not-found page: showFollow
		// cannot open the ticket either.
		show(err)
		return
	}
	q := url.Values{"t": {tok}, "sent": {"1"}, "lang": {p.Lang}}
	http.Redirect(w, r, "/follow/"+url.PathEscape(res.Number)+"?"+q.Encode()+"#reply", http.StatusSeeOther)
}

func clientIP(r *http.Request) string {
	if c := aftersales.ClientFromContext(r.Context()); c.IP != "" {
		return c.IP
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return ip
}
