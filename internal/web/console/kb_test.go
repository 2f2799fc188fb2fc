package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestKnowledgeBasePages walks the knowledge base through the console:
// an article whose Markdown carries XSS payloads renders them as text,
// editing adds a version, the public form's suggestions and the help page
// count a deflection, an internal article stays off /help, and the ticket
// page's panel suggests the article and puts its link into the reply.
func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestKnowledgeBasePages(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		// Sessions expire by the wall clock: start the test's clock there.
		clock := testutil.NewClock(time.Now().UTC().Truncate(time.Second))
		db.Now = clock.Now
		app := webtest.Start(t, db)
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")

		// Validation names each field, in the form.
		s, body, h0 := b.post("/kb/new", url.Values{"slug": {"Bad Slug"}, "category": {"washer"}, "visibility": {"public"}})
		if s != 422 || !strings.Contains(body, `id="title_zh"`) || strings.Count(body, `class="err"`) < 5 {
			t.Fatalf("invalid article: %d, %d field errors %v", s, strings.Count(body, `class="err"`), h0)
		}
		xss := "先关水。\n\n<script>alert(1)</script>\n\n[点我](javascript:alert(2))\n\n<img src=x onerror=alert(3)>"
		form := url.Values{"slug": {"washer-leak"}, "category": {"washer"}, "visibility": {"public"}, "title_zh": {"洗衣机底部漏水"},
			"title_en": {"Washer leaks underneath"}, "body_zh": {xss}, "body_en": {"Turn off the tap. **Then** check the hose."}, "tags": {"洗衣机, 漏水"}}
		s, _, h := b.post("/kb/new", form)
		loc := h.Get("Location")
		m := regexp.MustCompile(`^/kb/(\d+)\?ok=saved$`).FindStringSubmatch(loc)
		if s != 303 || m == nil {
			t.Fatalf("create: %d %q", s, loc)
		}
		id := m[1]
		_, body = b.get("/kb/" + id)
		for _, bad := range []string{"<script>alert", "<img src", `href="javascript`} {
			if strings.Contains(body, bad) {
				t.Errorf("article page holds %q", bad)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Error("the script tag is not shown as text")
		}
		if _, body = b.get("/kb/" + id + "?in=en"); !strings.Contains(body, "<strong>Then</strong>") {
			t.Error("English body not rendered")
		}
		// Preview renders the same way.
		if s, body, _ = b.post("/kb/preview", url.Values{"body_zh": {"<b>x</b> **y**"}}); s != 200 || !strings.Contains(body, "&lt;b&gt;x&lt;/b&gt; <strong>y</strong>") {
			t.Errorf("preview: %d %q", s, body)
		}
		// Editing adds a version; the old one stays readable.
		form.Set("title_zh", "洗衣机漏水怎么办")
		form.Set("body_zh", "先关水，再检查进水管。")
		form.Set("version", "1")
		if s, _, _ = b.post("/kb/"+id+"/edit", form); s != 303 {
			t.Fatalf("edit: %d", s)
		}
		if s, body, _ = b.post("/kb/"+id+"/edit", form); s != 409 {
			t.Errorf("stale edit: %d, want 409", s)
		}
		if _, body = b.get("/kb/" + id + "/versions/1"); !strings.Contains(body, "洗衣机底部漏水") {
			t.Error("version 1 not shown")
		}
		// An attachment goes to the blob store and comes back as a
		// download, on /help too for a public article.
		if s, _, h := b.upload("/kb/"+id+"/attachments", "排水泵位置.txt", []byte("<html>右下角</html>")); s != 303 {
			t.Fatalf("attach: %d %v", s, h)
		}
		atts, err := db.ArticleAttachments(app.Ctx, mustInt(t, id))
		if err != nil || len(atts) != 1 {
			t.Fatalf("attachments: %v %v", atts, err)
		}
		for _, who := range []*browser{b, newBrowser(t, app, "zh-CN")} {
			path := fmt.Sprintf("/kb/%s/attachments/%d", id, atts[0].ID)
			if who != b {
				path = fmt.Sprintf("/help/%s/attachments/%d", id, atts[0].ID)
			}
			req, _ := http.NewRequest("GET", who.base+path, nil)
			s, body, h := who.do(req)
			if s != 200 || body != "<html>右下角</html>" || h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
				t.Errorf("%s: %d %q %v", path, s, body, h)
			}
		}
		in := aftersales.ArticleInput{Slug: "fee", Category: "general", Visibility: aftersales.KBInternal, TitleZH: "上门费规则", TitleEN: "Fees",
			BodyZH: "内部", BodyEN: "internal"}
		internal, err := db.CreateArticle(app.Ctx, in)
		if err != nil {
			t.Fatal(err)
		}

		// The public side: no login.
		pub := newBrowser(t, app, "zh-CN")
		if s, _ := pub.get(fmt.Sprintf("/help/%d", internal.ID)); s != 404 {
			t.Errorf("internal article on /help: %d", s)
		}
		session := func() string {
			_, body := pub.get("/form")
			if !strings.Contains(body, `hx-get="/help/suggest"`) {
				t.Fatal("the form does not fetch suggestions")
			}
			return formToken.FindStringSubmatch(body)[1]
		}
		tok := session()
		_, frag := pub.get("/help/suggest?" + url.Values{"title": {"洗衣机漏水了"}, "description": {"地上都是水"}, "ft": {tok}}.Encode())
		link := "/help/" + id + "?lang=zh-CN&amp;ft=" + url.QueryEscape(tok)
		if !strings.Contains(frag, link) || strings.Contains(frag, "<html") {
			t.Fatalf("suggestions: %q, want a fragment linking %s", frag, link)
		}
		if _, frag = pub.get("/help/suggest?" + url.Values{"title": {"上门费"}}.Encode()); strings.Contains(frag, "/help/") {
			t.Errorf("an internal article was suggested: %q", frag)
		}
		if s, body := pub.get("/help/" + id + "?ft=" + url.QueryEscape(tok)); s != 200 || !strings.Contains(body, `id="kb-solved"`) {
			t.Fatalf("help page: %d", s)
		}
		if s, _, _ := pub.post("/help/"+id+"/feedback", url.Values{"ft": {tok}, "helpful": {"yes"}, "reason": {"solved"}}); s != 303 {
			t.Fatalf("solved: %d", s)
		}
		// A second customer reads an article and sends the ticket anyway.
		// (The form's token is the session: it is per second.)
		clock.Advance(time.Second)
		tok2 := session()
		pub.get("/help/" + id + "?ft=" + url.QueryEscape(tok2))
		clock.Advance(20 * time.Second)
		f := url.Values{"ft": {tok2}, "name": {"陈先生"}, "phone": {"138 0013 8000"}, "nature": {"repair"}, "title": {"洗衣机漏水"},
			"description": {"关了水还在漏"}, "address": {"成都"}}
		if s, _, _ := pub.post("/form", f); s != 303 {
			t.Fatalf("form: %d", s)
		}
		clock.Advance(2 * time.Hour)
		rep, err := db.KBReport(app.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := (aftersales.KBDeflection{Sessions: 2, Solved: 1, Deflected: 1, Submitted: 1}); rep.Deflection != want {
			t.Errorf("deflection %+v, want %+v", rep.Deflection, want)
		}
		if _, body = b.get("/kb/report"); !strings.Contains(body, `<dd id="kb-deflected">1</dd>`) {
			t.Error("the report does not show one ticket avoided")
		}

		// The ticket page's panel, and the link put into the reply.
		c := testutil.MustCustomer(t, app.Ctx, db, "王女士")
		tk := testutil.MustTicket(t, app.Ctx, db, c.ID, "洗衣机底部漏水")
		_, frag = b.get(fmt.Sprintf("/tickets/%d/kb", tk.ID))
		if !strings.Contains(frag, `href="/kb/`+id+`"`) {
			t.Fatalf("ticket panel: %q", frag)
		}
		_, frag = b.get(fmt.Sprintf("/tickets/%d/kb/insert?kind=article&ref=%s&body=%s", tk.ID, id, url.QueryEscape("您好")))
		if want := "您好\n\n洗衣机漏水怎么办: /help/" + id + "?lang=zh-CN</textarea>"; !strings.Contains(frag, want) {
			t.Errorf("reply box: %q, want %q", frag, want)
		}
	})
}

// TestPortalFormSuggests: the portal's new-ticket form suggests public
// articles as the customer types, and its session counts like the public
// form's: an article opened, then a ticket sent anyway, is one session
// submitted and none deflected.
func TestPortalFormSuggests(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := testutil.NewClock(time.Now().UTC().Truncate(time.Second))
		db.Now = clock.Now
		app := webtest.Start(t, db)
		art, err := db.CreateArticle(app.Ctx, aftersales.ArticleInput{Slug: "ac-cooling", Category: "general", Visibility: aftersales.KBPublic,
			TitleZH: "空调不制冷怎么办", TitleEN: "Air conditioner not cooling", BodyZH: "先清洗滤网，再检查遥控器模式。", BodyEN: "Clean the filter first."})
		if err != nil {
			t.Fatal(err)
		}
		cust := testutil.MustCustomer(t, app.Ctx, db, "赵女士")
		pu, err := db.InvitePortalUser(app.Ctx, cust.ID, aftersales.PortalInvite{Email: "zhao@example.com", Role: aftersales.PortalAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetPortalPassword(aftersales.NewContextWithPortalUser(context.Background(), pu), "portal-password-1"); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, app, "zh-CN")
		if s, _, _ := b.post("/portal/login", url.Values{"email": {"zhao@example.com"}, "password": {"portal-password-1"}}); s != 303 {
			t.Fatalf("portal sign-in: %d", s)
		}
		_, body := b.get("/portal/tickets/new")
		m := formToken.FindStringSubmatch(body)
		if !strings.Contains(body, `hx-get="/help/suggest"`) || m == nil {
			t.Fatal("the portal's new-ticket form does not fetch suggestions with a session")
		}
		tok := m[1]
		_, frag := b.get("/help/suggest?" + url.Values{"title": {"空调不制冷"}, "ft": {tok}}.Encode())
		if link := fmt.Sprintf("/help/%d?lang=zh-CN&amp;ft=%s", art.ID, url.QueryEscape(tok)); !strings.Contains(frag, link) {
			t.Fatalf("suggestions %q, want a link to %s", frag, link)
		}
		b.get(fmt.Sprintf("/help/%d?ft=%s", art.ID, url.QueryEscape(tok)))
		clock.Advance(20 * time.Second)
		s, _, h := b.post("/portal/tickets", url.Values{"ft": {tok}, "title": {"空调不制冷"}, "description": {"滤网洗过了还是不冷"}, "nature": {"repair"}})
		if s != 303 || !strings.Contains(h.Get("Location"), "/portal/tickets/") {
			t.Fatalf("portal ticket: %d %q", s, h.Get("Location"))
		}
		clock.Advance(2 * time.Hour)
		rep, err := db.KBReport(app.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := (aftersales.KBDeflection{Sessions: 1, Submitted: 1}); rep.Deflection != want {
			t.Errorf("deflection %+v, want %+v", rep.Deflection, want)
		}
	})
}
