package console

import (
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"aftersales"
	"aftersales/internal/kb"
)

// The knowledge base's screens: search and the list by category, an
// article with its versions and feedback, the editor with a preview, the
// report (searches without result, feedback, deflection, synonyms), the
// suggestions on a ticket, and the public help pages: an article without
// login and the suggestions the public form fetches as the customer types.

// MaxKBAttachment bounds an article's attachment.
const MaxKBAttachment = 10 << 20

func (c *Console) kbRoutes(mux *http.ServeMux) {
	g := c.guard
	mux.HandleFunc("GET /kb", g(c.kbHome))
	mux.HandleFunc("GET /kb/new", g(c.kbNew))
	c.post(mux, "/kb/new", needs(aftersales.PermKBWrite), c.kbCreate)
	mux.HandleFunc("POST /kb/preview", g(c.kbPreview))
	mux.HandleFunc("GET /kb/report", g(c.kbReport))
	mux.HandleFunc("POST /kb/synonyms", g(c.kbSaveSynonyms))
	mux.HandleFunc("GET /kb/{id}", g(c.kbShow))
	mux.HandleFunc("GET /kb/{id}/versions/{v}", g(c.kbShow))
	mux.HandleFunc("GET /kb/{id}/edit", g(c.kbEdit))
	c.post(mux, "/kb/{id}/edit", needs(aftersales.PermKBWrite), c.kbUpdate)
	mux.HandleFunc("POST /kb/{id}/feedback", g(c.kbFeedback))
	mux.HandleFunc("POST /kb/{id}/attachments", g(c.kbAttach))
	mux.HandleFunc("GET /kb/{id}/attachments/{aid}", g(c.kbDownload))
	mux.HandleFunc("GET /tickets/{id}/kb", g(c.ticketKB))
	mux.HandleFunc("GET /tickets/{id}/kb/insert", g(c.ticketKBInsert))
	mux.HandleFunc("GET /help/suggest", c.embeddable(c.helpSuggest))
	mux.HandleFunc("GET /help/{id}", c.embeddable(c.helpShow))
	mux.HandleFunc("POST /help/{id}/feedback", c.embeddable(c.helpFeedback))
	mux.HandleFunc("GET /help/{id}/attachments/{aid}", c.embeddable(c.kbDownload))
}

type kbView struct {
	Query, Category string
	Categories      []string
	Hits            []aftersales.KBHit
	Articles        []*aftersales.Article
	CanEdit         bool
}

// CategoryName shows a category code in the page's language.
func (p *Page) CategoryName(code string) string { return p.tOr("kb.cat."+code, code) }

func (c *Console) kbHome(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "kb", "kb.title")
	q := r.URL.Query()
	v := &kbView{Query: strings.TrimSpace(q.Get("q")), Category: q.Get("category"), Categories: aftersales.KBCategories,
		CanEdit: p.User.Role.Can(aftersales.PermKBWrite)}
	p.Data = v
	p.Form = q
	var err error
	if v.Query != "" {
		v.Hits, err = c.S.KB.SearchKB(r.Context(), aftersales.KBQuery{Text: v.Query, Lang: p.Lang, Category: v.Category, Cases: true, Limit: 20, Log: true})
	} else {
		v.Articles, err = c.S.KB.Articles(r.Context(), v.Category)
	}
	if err != nil {
		c.fail(w, r, "kb", p, err)
		return
	}
	c.render(w, r, "kb", p)
}

type kbArticleView struct {
	A           *aftersales.Article
	Version     *aftersales.ArticleVersion // an old version shown instead
	Versions    []*aftersales.ArticleVersion
	Attachments []*aftersales.KBAttachment
	Body        template.HTML
	// In is the language the body is shown in.
	In      string
	CanEdit bool
	Thanks  bool
	Public  bool
	Token   string // the public form's session, on /help
	Reasons []string
}

// Render writes an article's Markdown as safe HTML (kb.Render escapes
// everything it does not produce itself).
func renderMD(s string) template.HTML { return template.HTML(kb.Render(s)) }

func (c *Console) kbShow(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "kb", "kb.title")
	id, err := pathID(r)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	ctx := r.Context()
	v := &kbArticleView{CanEdit: p.User.Role.Can(aftersales.PermKBWrite), Thanks: r.URL.Query().Get("ok") == "thanks", Reasons: aftersales.KBFeedbackReasons}
	p.Data = v
	if v.A, err = c.S.KB.Article(ctx, id); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if v.Versions, err = c.S.KB.ArticleVersions(ctx, id); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if v.Attachments, err = c.S.KB.ArticleAttachments(ctx, id); err != nil {
		p.Flash = c.notice(r, p, "kb.attachments", err)
	}
	v.In = p.Lang
	if in := r.URL.Query().Get("in"); in == "en" || in == "zh-CN" {
		v.In = in
	}
	in := v.A.ArticleInput
	if s := r.PathValue("v"); s != "" {
		n, _ := strconv.ParseInt(s, 10, 64)
		for _, x := range v.Versions {
			if x.Version == n {
				v.Version = x
			}
		}
		if v.Version == nil {
			c.fail(w, r, "", p, aftersales.Errorf(aftersales.ENOTFOUND, "Version %s not found.", s))
			return
		}
		in = v.Version.ArticleInput
	}
	if v.In == "en" {
		p.Title, v.Body = in.TitleEN, renderMD(in.BodyEN)
	} else {
		p.Title, v.Body = in.TitleZH, renderMD(in.BodyZH)
	}
	c.render(w, r, "kb_article", p)
}

type kbEditView struct {
	A          *aftersales.Article
	Categories []string
	Vis        []aftersales.KBVisibility
	Preview    template.HTML
}

func (c *Console) kbNew(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "kb", "kb.new")
	if c.refuseNew(w, r, p, "/kb/new") {
		return
	}
	p.Form = url.Values{"visibility": {"public"}, "category": {"general"}}
	p.Data = &kbEditView{Categories: aftersales.KBCategories, Vis: aftersales.KBVisibilities}
	c.render(w, r, "kb_edit", p)
}

func (c *Console) kbEdit(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "kb", "kb.edit")
	id, err := pathID(r)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	a, err := c.S.KB.Article(r.Context(), id)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	p.Form = url.Values{"slug": {a.Slug}, "category": {a.Category}, "visibility": {string(a.Visibility)}, "title_zh": {a.TitleZH},
		"title_en": {a.TitleEN}, "body_zh": {a.BodyZH}, "body_en": {a.BodyEN}, "tags": {strings.Join(a.Tags, ", ")},
		"version": {strconv.FormatInt(a.Version, 10)}}
	p.Data = &kbEditView{A: a, Categories: aftersales.KBCategories, Vis: aftersales.KBVisibilities}
	c.render(w, r, "kb_edit", p)
}

func articleForm(f *form) aftersales.ArticleInput {
	return aftersales.ArticleInput{Slug: f.str("slug"), Category: f.str("category"), Visibility: aftersales.KBVisibility(f.str("visibility")),
		TitleZH: f.str("title_zh"), TitleEN: f.str("title_en"), BodyZH: f.str("body_zh"), BodyEN: f.str("body_en"), Tags: f.list("tags")}
}

func (c *Console) kbCreate(w http.ResponseWriter, r *http.Request) { c.kbSave(w, r, 0) }

func (c *Console) kbUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		c.fail(w, r, "", c.page(r, "kb", "kb.edit"), err)
		return
	}
	c.kbSave(w, r, id)
}

func (c *Console) kbSave(w http.ResponseWriter, r *http.Request, id int64) {
	title := "kb.new"
	if id != 0 {
		title = "kb.edit"
	}
	p := c.page(r, "kb", title)
	v := &kbEditView{Categories: aftersales.KBCategories, Vis: aftersales.KBVisibilities}
	p.Data = v
	if err := parseForm(r); err != nil {
		c.fail(w, r, "kb_edit", p, err)
		return
	}
	p.Form = r.PostForm
	f := &form{r: r}
	in := articleForm(f)
	var a *aftersales.Article
	var err error
	if id == 0 {
		a, err = c.S.KB.CreateArticle(r.Context(), in)
	} else {
		if v.A, err = c.S.KB.Article(r.Context(), id); err == nil {
			a, err = c.S.KB.UpdateArticle(r.Context(), id, f.version(), in)
		}
	}
	if err != nil {
		c.fail(w, r, "kb_edit", p, err)
		return
	}
	http.Redirect(w, r, "/kb/"+strconv.FormatInt(a.ID, 10)+"?ok=saved", http.StatusSeeOther)
}

// kbPreview renders the editor's Markdown for the preview panel (htmx).
func (c *Console) kbPreview(w http.ResponseWriter, r *http.Request) {
	p := c.bare(r, "kb", "kb.edit")
	if err := parseForm(r); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	p.Data = &kbEditView{Preview: renderMD(r.PostFormValue("body_zh") + "\n\n" + r.PostFormValue("body_en"))}
	c.renderBlock(w, r, "kb_edit", "kb-preview", p, 0)
}

func (c *Console) kbFeedback(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "kb", "kb.title")
	id, err := pathID(r)
	if err == nil {
		err = parseForm(r)
	}
	if err == nil {
		err = c.S.KB.ArticleFeedback(r.Context(), id, feedbackForm(r))
	}
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	http.Redirect(w, r, "/kb/"+strconv.FormatInt(id, 10)+"?ok=thanks#feedback", http.StatusSeeOther)
}

func feedbackForm(r *http.Request) aftersales.KBFeedbackInput {
	return aftersales.KBFeedbackInput{Helpful: r.PostFormValue("helpful") == "yes", Reason: r.PostFormValue("reason"),
		Comment: r.PostFormValue("comment")}
}

func (c *Console) kbAttach(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "kb", "kb.title")
	id, err := pathID(r)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if !p.User.Role.Can(aftersales.PermKBWrite) {
		c.fail(w, r, "", p, aftersales.Errorf(aftersales.EFORBIDDEN, "Writing articles needs the knowledge-base permission."))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxKBAttachment+64<<10)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		c.fail(w, r, "", p, fieldErr("file", "choose a file of at most 10 MiB"))
		return
	}
	defer file.Close()
	b := make([]byte, 12)
	rand.Read(b)
	key := "kb/" + strconv.FormatInt(id, 10) + "/" + hex.EncodeToString(b)
	bw, err := c.Uploads.CreateBlob(r.Context(), key)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	defer bw.Abort()
	n, err := io.Copy(bw, file)
	if err == nil {
		err = bw.Commit()
	}
	if err != nil {
		c.fail(w, r, "", p, fieldErr("file", "could not be read; at most 10 MiB"))
		return
	}
	ct := hdr.Header.Get("Content-Type")
	if _, _, err := mime.ParseMediaType(ct); err != nil || ct == "" {
		ct = "application/octet-stream"
	}
	a := &aftersales.KBAttachment{ArticleID: id, Name: path.Base(strings.ReplaceAll(hdr.Filename, "\\", "/")), ContentType: ct, Size: n, BlobKey: key}
	if err := c.S.KB.AttachToArticle(r.Context(), a); err != nil {
		c.Uploads.RemoveBlob(r.Context(), key)
		c.fail(w, r, "", p, err)
		return
	}
	http.Redirect(w, r, "/kb/"+strconv.FormatInt(id, 10)+"?ok=saved#attachments", http.StatusSeeOther)
}

// kbDownload sends an attachment: on /help only a public article's.
func (c *Console) kbDownload(w http.ResponseWriter, r *http.Request) {
	p := c.bare(r, "kb", "kb.title")
	id, err := pathID(r)
	aid, err2 := strconv.ParseInt(r.PathValue("aid"), 10, 64)
	if err != nil || err2 != nil {
		c.fail(w, r, "", p, aftersales.Errorf(aftersales.ENOTFOUND, "Not found."))
		return
	}
	ctx := r.Context()
	if strings.HasPrefix(r.URL.Path, "/help/") {
		if a, err := c.S.KB.Article(ctx, id); err != nil || a.Visibility != aftersales.KBPublic {
			c.fail(w, r, "", p, aftersales.Errorf(aftersales.ENOTFOUND, "Not found."))
			return
		}
	}
	att, err := c.S.KB.ArticleAttachment(ctx, id, aid)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	b, err := c.Uploads.OpenBlob(ctx, att.BlobKey)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	defer b.Close()
	// Served as a download, never rendered in our origin.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": att.Name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", att.CreatedAt, b)
}

type kbReportView struct {
	R        *aftersales.KBReport
	Synonyms string
	CanEdit  bool
}

// DeflectionRate is deflected over sessions that met a suggestion.
func (v *kbReportView) DeflectionRate() string {
	return pctOf(v.R.Deflection.Deflected, v.R.Deflection.Sessions)
}

func pctOf(part, whole int) string {
	if whole == 0 {
		return "—"
	}
	return strconv.FormatFloat(100*float64(part)/float64(whole), 'f', 1, 64) + "%"
}

func (c *Console) kbReport(w http.ResponseWriter, r *http.Request) { c.kbReportShow(w, r, nil) }

func (c *Console) kbReportShow(w http.ResponseWriter, r *http.Request, saveErr error) {
	p := c.page(r, "kb", "kb.report")
	v := &kbReportView{CanEdit: p.User.Role.Can(aftersales.PermKBWrite)}
	p.Data = v
	var err error
	if v.R, err = c.S.KB.KBReport(r.Context()); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if v.Synonyms, err = c.S.KB.Synonyms(r.Context()); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if saveErr != nil {
		p.Form = r.PostForm
		v.Synonyms = r.PostFormValue("synonyms")
		c.fail(w, r, "kb_report", p, saveErr)
		return
	}
	c.render(w, r, "kb_report", p)
}

func (c *Console) kbSaveSynonyms(w http.ResponseWriter, r *http.Request) {
	err := parseForm(r)
	if err == nil {
		err = c.S.KB.SetSynonyms(r.Context(), strings.ReplaceAll(r.PostFormValue("synonyms"), "\r\n", "\n"))
	}
	if err != nil {
		c.kbReportShow(w, r, err)
		return
	}
	http.Redirect(w, r, "/kb/report?ok=saved#synonyms", http.StatusSeeOther)
}

type ticketKBView struct {
	TicketID int64
	Hits     []aftersales.KBHit
	Similar  []aftersales.SimilarTicket
}

// ticketKB is the ticket page's panel: articles and solved tickets like
// this one, each a button that puts its link into the reply.
func (c *Console) ticketKB(w http.ResponseWriter, r *http.Request) {
	p := c.bare(r, "tickets", "ticket.title")
	id, err := pathID(r)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	ctx := r.Context()
	t, err := c.S.Tickets.FindTicket(ctx, id)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	v := &ticketKBView{TicketID: id}
	p.Data = v
	if v.Hits, err = c.S.KB.SearchKB(ctx, aftersales.KBQuery{Text: kbQueryText(t.Title + " " + t.Description), Lang: p.Lang, Limit: 5}); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if v.Similar, err = c.S.KB.SimilarTickets(ctx, id, 3); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	c.renderBlock(w, r, "kb", "ticket-kb", p, 0)
}

// kbQueryText cuts a long text to the search's 200 characters.
func kbQueryText(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > 200 {
		r = r[:200]
	}
	return string(r)
}

// ticketKBInsert returns the reply box with an article's public link or a
// solved ticket's resolution added to what is already typed.
func (c *Console) ticketKBInsert(w http.ResponseWriter, r *http.Request) {
	p := c.bare(r, "tickets", "ticket.title")
	id, err := pathID(r)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	ctx := r.Context()
	if _, err := c.S.Tickets.FindTicket(ctx, id); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	q := r.URL.Query()
	text := strings.TrimRight(q.Get("body"), " \n")
	if text != "" {
		text += "\n\n"
	}
	ref, _ := strconv.ParseInt(q.Get("ref"), 10, 64)
	switch q.Get("kind") {
	case "article":
		a, err := c.S.KB.Article(ctx, ref)
		if err != nil {
			c.fail(w, r, "", p, err)
			return
		}
		link := "/help/" + strconv.FormatInt(a.ID, 10)
		if a.Visibility != aftersales.KBPublic {
			link = "/kb/" + strconv.FormatInt(a.ID, 10)
		}
		text += a.Title(p.Lang) + ": " + link + "?lang=" + p.Lang
	case "ticket":
		sim, err := c.S.KB.SimilarTickets(ctx, id, 10)
		if err != nil {
			c.fail(w, r, "", p, err)
			return
		}
		for _, s := range sim {
			if s.ID == ref {
				text += s.Resolution
			}
		}
	}
	p.Data = text
	c.renderBlock(w, r, "kb", "reply-box", p, 0)
}

// The public side.

type helpSuggestView struct {
	Hits  []aftersales.KBHit
	Token string
	Lang  string
	Query string
}

// helpSuggest answers the public form as the customer types: public
// articles like the subject and description so far. It is a fragment any
// page may fetch (the web form here, the portal's new-ticket form), with
// the form's session token so that opening an article counts.
func (c *Console) helpSuggest(w http.ResponseWriter, r *http.Request) {
	p := c.publicPage(r, "kb.title")
	q := r.URL.Query()
	text := strings.TrimSpace(q.Get("q") + " " + q.Get("title") + " " + q.Get("description"))
	v := &helpSuggestView{Lang: p.Lang, Query: text}
	if _, ok := c.formAge(q.Get("ft"), c.Now()); ok {
		v.Token = q.Get("ft")
	}
	p.Data = v
	if len([]rune(text)) >= 2 {
		// Not logged as a search without result: a customer's half-typed
		// subject would fill the report with fragments.
		hits, err := c.S.KB.SearchKB(r.Context(), aftersales.KBQuery{Text: kbQueryText(text), Lang: p.Lang, Public: true, Limit: 3})
		if err != nil && aftersales.ErrorCode(err) != aftersales.EINVALID {
			c.logError(r, "console: suggestions", err)
		}
		v.Hits = hits
	}
	c.renderBlock(w, r, "help", "kb-suggest", p, 0)
}

func (c *Console) helpShow(w http.ResponseWriter, r *http.Request) {
	p := c.publicPage(r, "kb.title")
	c.helpRender(w, r, p, r.URL.Query().Get("ft"), r.URL.Query().Get("ok") == "thanks")
}

func (c *Console) helpRender(w http.ResponseWriter, r *http.Request, p *Page, tok string, thanks bool) {
	id, err := pathID(r)
	v := &kbArticleView{Public: true, In: p.Lang, Thanks: thanks, Reasons: aftersales.KBFeedbackReasons}
	p.Data = v
	if err == nil {
		v.A, err = c.S.KB.Article(r.Context(), id)
	}
	if err == nil && v.A.Visibility != aftersales.KBPublic {
		err = aftersales.Errorf(aftersales.ENOTFOUND, "Article %d not found.", id)
	}
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	if atts, err := c.S.KB.ArticleAttachments(r.Context(), id); err == nil {
		v.Attachments = atts
	}
	if _, ok := c.formAge(tok, c.Now()); ok {
		v.Token = tok
		if !thanks {
			if err := c.S.KB.RecordDeflection(r.Context(), tok, id, aftersales.KBEventOpen); err != nil {
				c.logError(r, "console: record an opened article", err)
			}
		}
	}
	p.Title, v.Body = v.A.Title(p.Lang), renderMD(v.A.Body(p.Lang))
	c.render(w, r, "help", p)
}

// helpFeedback takes a reader's verdict; "this solved it" from the public
// form's session counts as a ticket avoided.
func (c *Console) helpFeedback(w http.ResponseWriter, r *http.Request) {
	p := c.publicPage(r, "kb.title")
	if c.FormLimit != nil {
		if ok, err := c.FormLimit.Allow(r.Context(), clientIP(r)); err != nil || !ok {
			c.fail(w, r, "", p, aftersales.Errorf(aftersales.ERATELIMIT, "Too many submissions from this address; try again in an hour."))
			return
		}
	}
	id, err := pathID(r)
	if err == nil {
		err = parseForm(r)
	}
	if l := r.PostFormValue("lang"); l == "en" || l == "zh-CN" {
		p.Lang = l
	}
	if err == nil {
		if a, aerr := c.S.KB.Article(r.Context(), id); aerr != nil || a.Visibility != aftersales.KBPublic {
			err = aftersales.Errorf(aftersales.ENOTFOUND, "Article %d not found.", id)
		}
	}
	in := feedbackForm(r)
	if err == nil {
		err = c.S.KB.ArticleFeedback(r.Context(), id, in)
	}
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	tok := r.PostFormValue("ft")
	if _, ok := c.formAge(tok, c.Now()); ok && in.Helpful {
		if err := c.S.KB.RecordDeflection(r.Context(), tok, id, aftersales.KBEventSolved); err != nil {
			c.logError(r, "console: record a solved suggestion", err)
		}
	}
	q := url.Values{"ok": {"thanks"}, "lang": {p.Lang}}
	if tok != "" {
		q.Set("ft", tok)
	}
	http.Redirect(w, r, "/help/"+strconv.FormatInt(id, 10)+"?"+q.Encode()+"#feedback", http.StatusSeeOther)
}
