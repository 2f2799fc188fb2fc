package console_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/dataio"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/console"
	"aftersales/internal/web/webtest"
)

type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	lang string
}

func newBrowser(t *testing.T, app *webtest.App, lang string) *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, base: app.Server.URL, c: c, lang: lang}
}

func (b *browser) do(req *http.Request) (int, string, http.Header) {
	b.t.Helper()
	req.Header.Set("Accept-Language", b.lang)
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body), res.Header
}

func (b *browser) get(path string) (int, string) {
	req, _ := http.NewRequest("GET", b.base+path, nil)
	s, body, _ := b.do(req)
	return s, body
}

func (b *browser) post(path string, form url.Values) (int, string, http.Header) {
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) login(email, password string) {
	b.t.Helper()
	s, _, h := b.post("/login", url.Values{"email": {email}, "password": {password}, "next": {"/tickets"}})
	if s != http.StatusSeeOther || h.Get("Location") != "/tickets" {
		b.t.Fatalf("login: %d %v", s, h)
	}
}

var missingKey = regexp.MustCompile(`![a-z_]+\.[A-Za-z_.-]+`)

// TestEveryPageRenders opens every console page, in both languages, on a
// database with demo data, and fails on a missing message or template value.
func TestEveryPageRenders(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	sum, err := demo.Load(app.Ctx, db.Services(), db,
		demo.Options{Seed: 1, Tickets: 300, End: time.Now(), Zone: testutil.Shanghai(t)})
	if err != nil || sum.Tickets != 300 {
		t.Fatal(sum, err)
	}
	page, _ := db.ListTickets(app.Ctx, aftersales.TicketFilter{Limit: 1, Sort: aftersales.SortCreatedAsc})
	tk := page.Tickets[0]
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	if _, err := app.Files.Attach(app.Ctx, db, tk.ID, bytes.NewReader(png), "现场照片.png", time.Now()); err != nil {
		t.Fatal(err)
	}
	// An import with every kind of issue, for the data-quality pages.
	m, _ := dataio.ReadMapping(strings.NewReader(`{"name": "t", "key": {"column": "id"}, "fields": {"title": {"column": "title", "required": true},
		"created_at": {"column": "at", "formats": ["2006-01-02"], "required": true}, "closed_at": {"column": "closed", "formats": ["2006-01-02"]},
		"nature": {"column": "nature", "map": {"投诉": "complaint"}, "default": "other"}}}`))
	csvData := "id,title,at,closed,nature\n1,空调漏水,2026-07-02,2026-07-01,投诉\n2,,2026-07-02,,投诉\n3,热水器,2026-07-03,1900-01-01,咨询\n"
	if s, err := dataio.Import(app.Ctx, db, strings.NewReader(csvData), m, "t.csv", false, time.Now, nil); err != nil || s.Rejected != 1 || s.Flagged != 2 {
		t.Fatal(s, err)
	}
	users, _ := db.ListUsers(app.Ctx, aftersales.UserFilter{Role: aftersales.RoleTechnician})
	web, err := db.SubmitForm(app.Ctx, aftersales.WebForm{Name: "访客", Phone: "13900000000", Title: "咨询", Description: "保修期多久？"})
	if err != nil {
		t.Fatal(err)
	}
	db.AddComment(app.Ctx, web.TicketID, aftersales.CommentInput{Body: "整机保修一年。", Public: true})
	// A follow-up policy and one task on a ticket resolved after it.
	policy, err := db.CreateFollowupPolicy(app.Ctx, aftersales.FollowupPolicy{Name: "全部回访", Active: true, SamplePercent: 100,
		DelayHours: 1, DeadlineHours: 48, MaxAttempts: 3, ScriptZH: "您好，这里是售后回访。", ScriptEN: "Hello, this is the follow-up."})
	if err != nil {
		t.Fatal(err)
	}
	fuTicket := testutil.MustTicket(t, app.Ctx, db, *tk.CustomerID, "回访工单")
	for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
		if fuTicket, err = db.Transition(app.Ctx, fuTicket.ID, aftersales.TransitionInput{To: to, Reason: "已修复", Version: fuTicket.Version}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SweepFollowups(app.Ctx, 100); err != nil {
		t.Fatal(err)
	}
	tasks, err := db.ListFollowups(app.Ctx, aftersales.FollowupFilter{TicketID: &fuTicket.ID})
	if err != nil || len(tasks) != 1 {
		t.Fatalf("follow-up tasks: %v %v", tasks, err)
	}
	resolved, _ := db.ListTickets(app.Ctx, aftersales.TicketFilter{Status: []aftersales.Status{aftersales.StatusResolved}, Limit: 2})
	link, err := db.SurveyLink(app.Ctx, resolved.Tickets[0].ID, "sms")
	if err != nil {
		t.Fatal(err)
	}
	answered, err := db.SurveyLink(app.Ctx, resolved.Tickets[1].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AnswerSurvey(context.Background(), answered.Token, aftersales.SurveyAnswer{Scores: map[aftersales.SurveyKind]int{"csat": 2},
		Reasons: []string{"slow"}, Comment: "等了三天"}); err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{
		"/followups": "followups", "/followups?status=&overdue=1&mine=1": "followups", fmt.Sprintf("/followups/%d", tasks[0].ID): "followup",
		"/followup-policies": "followup_policies", fmt.Sprintf("/followup-policies/%d", policy.ID): "followup_policies", "/dashboard?kpi=followup_response&scope=region:1": "dashboard",
		"/dispatch": "dispatch", "/form": "form", "/imports": "imports", "/follow/" + web.Number + "?t=" + web.FollowToken + "&new=1": "follow",
		"/data-quality": "quality", "/data-quality/issues": "quality_issues", "/data-quality/issues?kind=rejected&batch=1": "quality_issues",
		"/tickets": "tickets", "/tickets?open=&q=%E7%A9%BA%E8%B0%83&urgency=high": "tickets", "/tickets/new": "ticket_form",
		fmt.Sprintf("/tickets/%d", tk.ID): "ticket", fmt.Sprintf("/tickets/%d/edit", tk.ID): "ticket_form",
		"/customers": "customers", "/customers/new": "customer_form", fmt.Sprintf("/customers/%d", *tk.CustomerID): "customer",
		fmt.Sprintf("/customers/%d/edit", *tk.CustomerID): "customer_form", "/products": "products", "/network": "network",
		"/users": "users", fmt.Sprintf("/users/%d/edit", users[0].ID): "user_form", "/tokens": "tokens", "/fields": "fields",
		"/audit": "audit", "/tickets/99999999": "error", fmt.Sprintf("/tickets/new?customer_id=%d", *tk.CustomerID): "ticket_form",
		"/products/1/edit": "edit", "/network/units/1/edit": "edit", "/network/teams/1/edit": "edit",
		fmt.Sprintf("/assets/%d/edit", *tk.AssetID): "edit",
		"/notifications": "notifications", "/notifications?unread=true": "notifications",
		"/sla": "sla", "/sla/calendars/1": "sla_edit", "/sla/policies/1": "sla_edit", "/rules/automation/new": "rule", "/rules/webhook/new": "rule",
		"/tickets?sla=overdue&sort=-urgency": "tickets", "/tickets?sla=due_soon": "tickets",
		"/dashboard": "dashboard", "/dashboard?kpi=frt_median&months=6&scope=channel:phone": "dashboard",
		"/voc": "voc", "/voc?scope=region:1&grain=day&from=2026-01-01&to=2026-03-01": "voc", "/dashboard?kpi=negative_share": "dashboard",
		"/dashboard?kpi=cost_ratio&scope=region:1": "dashboard", "/dashboard?kpi=warranty_claim_rate": "dashboard",
		"/dashboard?kpi=warranty_claim_rate&scope=channel:phone": "dashboard", "/quality/alerts": "alerts", "/quality/targets": "targets", "/quality/revenue": "revenue", "/quality/revenue?from=2020-01": "revenue",
		"/dashboard?kpi=service_cost&grain=month": "dashboard", "/dashboard?kpi=cost_per_ticket&scope=category:1": "dashboard", "/dashboard?kpi=cost_ratio&grain=month": "dashboard",
		"/quality/items": "improve_board", "/quality/items?overdue=1&department=after_sales": "improve_board", "/quality/items?tickets=1,2&source=complaints": "improve_board",
		"/quality/items/1": "improve_item", "/quality/items/2": "improve_item", "/quality/items/3": "improve_item", "/quality/items/4": "improve_item",
		"/quality/cases": "improve_cases", "/quality/cases?q=%E8%B7%AF%E7%BA%BF": "improve_cases", "/quality/root-causes": "improve_codes",
		"/tickets?region_id=1&resolved_from=2026-01-01&resolved_to=2026-12-31&tier=vip": "tickets",
		"/s/" + link.Token: "survey", "/s/" + link.Token + "?score=4": "survey", "/s/" + answered.Token: "survey",
		"/surveys": "surveys", "/surveys?dim=send_channel&value=sms&answered=no": "surveys", "/surveys/templates/edit?code=csat": "survey_template", "/surveys/templates/edit": "survey_template",
		"/admin/models": "text_models",
		"/customers/pick?customer_q=" + url.QueryEscape(tk.CustomerName[:3]): "picks",
	}
	pages[fmt.Sprintf("/my/day?technician=%d", users[0].ID)] = "my_day"
	// The customer portal, signed in as the ticket's customer.
	pu, err := db.InvitePortalUser(app.Ctx, *tk.CustomerID, aftersales.PortalInvite{Email: "portal@example.com", Role: aftersales.PortalAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPortalPassword(aftersales.NewContextWithPortalUser(context.Background(), pu), "portal-password-1"); err != nil {
		t.Fatal(err)
	}
	for path, name := range map[string]string{"/portal/tickets": "portal_tickets", "/portal/tickets/new": "portal_new", "/portal/assets": "portal_assets",
		"/portal/account": "portal_account", fmt.Sprintf("/portal/tickets/%d", tk.ID): "portal_ticket", "/portal/link/asl_UNKNOWN": "portal_login"} {
		pages[path] = name
	}
	// The knowledge base (the demo's articles: 1 is public).
	for path, name := range map[string]string{"/kb": "kb", "/kb?q=" + url.QueryEscape("空调不制冷"): "kb", "/kb?q=zzzqqq&category=tv": "kb",
		"/kb?category=washer": "kb", "/kb/1": "kb_article", "/kb/1?in=en": "kb_article", "/kb/1/versions/1": "kb_article", "/kb/1/edit": "kb_edit",
		"/kb/new": "kb_edit", "/kb/report": "kb_report", "/help/1": "help", "/help/1?lang=en": "help"} {
		pages[path] = name
	}
	pages["/field-standards"] = "field_standards"
	pages["/admin/segments"] = "segments"
	pages["/admin/channels"] = "channels"
	pages["/dashboard?kpi=standard_compliance"], pages["/dashboard?kpi=parts_wait_median"], pages["/dashboard?kpi=travel_per_visit"] = "dashboard", "dashboard", "dashboard"
	pages["/voc/clusters"], pages["/voc/clusters?nature=repair&region_id=1"], pages["/admin/dictionary"] = "voc_clusters", "voc_clusters", "dictionary"
	pages["/dashboard?kpi=technician_utilisation"] = "dashboard"
	pages[fmt.Sprintf("/tickets/%d/book", tk.ID)] = "book_visit"
	pages["/stock"], pages["/stock?reorder=1"], pages["/stock?part=1"], pages["/stock?loc=1"] = "stock", "stock", "stock", "stock"
	pages["/technicians"] = "technicians"
	for _, lang := range []string{"zh-CN,zh;q=0.9", "en-US,en;q=0.8"} {
		b := newBrowser(t, app, lang)
		if s, body := b.get("/login"); s != 200 || missingKey.MatchString(body) {
			t.Fatalf("login page: %d %s", s, missingKey.FindString(body))
		}
		seen := map[string]bool{"login": true}
		if s, body := b.get("/portal/login"); s != 200 || missingKey.MatchString(body) {
			t.Fatalf("portal login page: %d %s", s, missingKey.FindString(body))
		}
		seen["portal_login"] = true
		if s, _, h := b.post("/portal/login", url.Values{"email": {"portal@example.com"}, "password": {"portal-password-1"}}); s != 303 || h.Get("Location") != "/portal/tickets" {
			t.Fatalf("portal sign-in: %d", s)
		}
		b.login("admin@example.com", "admin-password-1")
		_, _, h := b.upload("/imports", "t.csv", []byte(csvData))
		paths := map[string]string{h.Get("Location"): "import_map"}
		for path, name := range pages {
			paths[path] = name
		}
		for path, name := range paths {
			s, body := b.get(path)
			want := 200
			if name == "error" {
				want = 404
			}
			if s != want {
				t.Errorf("%s %s: status %d, want %d", lang, path, s, want)
			}
			if m := missingKey.FindString(body); m != "" {
				t.Errorf("%s %s: missing message %s", lang, path, m)
			}
			if strings.Contains(body, "<no value>") || strings.Contains(body, "%!") {
				t.Errorf("%s %s: template printed a missing value", lang, path)
			}
			seen[name] = true
		}
		for _, p := range console.Pages {
			if !seen[p] {
				t.Errorf("page template %s was not rendered by the test", p)
			}
		}
		// Under a filter the dashboard still compares technicians and
		// categories (pair rollups).
		if _, body := b.get("/dashboard?kpi=fcr&scope=channel:phone"); !strings.Contains(body, `id="chart-techs"`) || !strings.Contains(body, `id="chart-pareto"`) || !strings.Contains(body, `id="aging"`) {
			t.Errorf("%s: the filtered dashboard lacks its comparisons", lang)
		}
		_, body := b.get(fmt.Sprintf("/tickets/%d", tk.ID))
		wantWord := map[bool]string{true: "Timeline", false: "处理记录"}[strings.HasPrefix(lang, "en")]
		if !strings.Contains(body, wantWord) || !strings.Contains(body, tk.Number) || !strings.Contains(body, "现场照片.png") {
			t.Errorf("%s: ticket page lacks %q, the number or the attachment", lang, wantWord)
		}
	}
}

func TestConsoleFlows(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		cust := testutil.MustCustomer(t, app.Ctx, db, "王女士")
		b := newBrowser(t, app, "zh-CN")

		if s, _ := b.get("/tickets"); s != http.StatusSeeOther {
			t.Fatalf("anonymous /tickets: %d", s)
		}
		if s, body, _ := b.post("/login", url.Values{"email": {"admin@example.com"}, "password": {"wrong"}}); s != 401 || !strings.Contains(body, "邮箱或密码错误") {
			t.Fatalf("bad login: %d", s)
		}
		if s, _, h := b.post("/login", url.Values{"email": {"admin@example.com"}, "password": {"admin-password-1"}, "next": {"//evil.example"}}); s != 303 || h.Get("Location") != "/tickets" {
			t.Fatalf("open redirect: %d %v", s, h.Get("Location"))
		}

		form := url.Values{"customer_id": {fmt.Sprint(cust.ID)}, "channel": {"phone"}, "nature": {"repair"}, "urgency": {"fax"},
			"title": {""}, "description": {"漏水"}, "tags": {"漏水, 加急"}}
		s, body, _ := b.post("/tickets", form)
		if s != 422 || !strings.Contains(body, "不能为空") || !strings.Contains(body, `value="漏水, 加急"`) {
			t.Fatalf("invalid ticket form: %d", s)
		}
		if n, _ := db.ListTickets(app.Ctx, aftersales.TicketFilter{}); len(n.Tickets) != 0 {
			t.Fatal("a rejected form created a ticket")
		}
		form.Set("title", "洗衣机底部漏水")
		form.Set("urgency", "high")
		s, _, h := b.post("/tickets", form)
		if s != 303 || !strings.HasPrefix(h.Get("Location"), "/tickets/") {
			t.Fatalf("create: %d %v", s, h)
		}
		_, body = b.get(h.Get("Location"))
		loc := strings.TrimSuffix(h.Get("Location"), "?ok=created")
		if !strings.Contains(body, "洗衣机底部漏水") || !strings.Contains(body, "已创建") {
			t.Fatal("created ticket page lacks its title or the confirmation")
		}
		if s, body, _ := b.post(loc+"/transition", url.Values{"to": {"closed"}, "version": {"1"}}); s != 422 || !strings.Contains(body, "工单不能从“新建”变为“已关闭”") {
			t.Fatalf("invalid transition: %d", s)
		}
		if s, _, _ := b.post(loc+"/transition", url.Values{"to": {"accepted"}, "version": {"1"}}); s != 303 {
			t.Fatalf("accept: %d", s)
		}
		if s, body, _ := b.post(loc+"/transition", url.Values{"to": {"diagnosing"}, "version": {"1"}}); s != 409 || !strings.Contains(body, "已被他人修改") {
			t.Fatalf("stale transition: %d", s)
		}
		if s, body, _ := b.post(loc+"/dry-run", nil); s != 200 || !strings.Contains(body, "作为新工单时会路由到") {
			t.Fatalf("dry run: %d", s)
		}
		if s, _, _ := b.post(loc+"/comment", url.Values{"body": {"师傅明天上午上门"}, "public": {"on"}}); s != 303 {
			t.Fatalf("comment: %d", s)
		}
		_, body = b.get(loc)
		if !strings.Contains(body, "师傅明天上午上门") || !strings.Contains(body, "已受理") {
			t.Fatal("timeline lacks the reply or the new status")
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "page.html")
		fw.Write([]byte("<html><script>x</script></html>"))
		mw.Close()
		req, _ := http.NewRequest("POST", b.base+loc+"/attachments", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if s, body, _ := b.do(req); s != 422 || !strings.Contains(body, "is not accepted") {
			t.Fatalf("html upload: %d", s)
		}

		// An HTML form post from another site is refused (CSRF).
		req, _ = http.NewRequest("POST", b.base+loc+"/comment", strings.NewReader("body=forged"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if s, _, _ := b.do(req); s != 403 {
			t.Fatalf("cross-site form post: %d", s)
		}

		if s, _, h := b.post("/logout", nil); s != 303 || h.Get("Location") != "/login" {
			t.Fatalf("logout: %d", s)
		}
		if s, _ := b.get("/tickets"); s != 303 {
			t.Fatalf("after logout: %d", s)
		}
	})
}

func TestConsoleSLASettings(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	b := newBrowser(t, app, "en")
	b.login("admin@example.com", "admin-password-1")
	form := url.Values{"code": {"office"}, "name": {"Office"}, "time_zone": {"Mars/Base"}, "week_mon": {"09:00-18:00, 17:00-19:00"},
		"week_tue": {"09:00-18:00"}, "holidays": {"2026-10-01\n2026-10-02"}, "workdays": {"2026-10-10 mon"}}
	s, body, _ := b.post("/sla/calendars", form)
	if s != 422 || !strings.Contains(body, "time_zone") || !strings.Contains(body, "week.mon[1]") || !strings.Contains(body, `value="09:00-18:00, 17:00-19:00"`) {
		t.Fatalf("bad calendar: %d", s)
	}
	if cals, _ := db.ListCalendars(app.Ctx); len(cals) != 0 {
		t.Fatal("a rejected calendar was saved")
	}
	form.Set("time_zone", "Asia/Shanghai")
	form.Set("week_mon", "09:00-12:00, 13:00-18:00")
	if s, _, _ := b.post("/sla/calendars", form); s != 303 {
		t.Fatalf("create calendar: %d", s)
	}
	cals, _ := db.ListCalendars(app.Ctx)
	if len(cals) != 1 || len(cals[0].Week["mon"]) != 2 || len(cals[0].Holidays) != 2 || cals[0].Workdays[0].As != "mon" {
		t.Fatalf("calendar = %+v", cals)
	}
	pol := url.Values{"name": {"Urgent"}, "priority": {"10"}, "active": {"on"}, "calendar_id": {fmt.Sprint(cals[0].ID)},
		"first_response_minutes": {"15"}, "resolution_minutes": {"240"}, "urgency": {"urgent"}, "pause": {"awaiting_parts"}, "warn_at": {"0.75, 0.9"}}
	if s, body, _ := b.post("/sla/policies", pol); s != 303 {
		t.Fatalf("create policy: %d %s", s, missingKey.FindString(body))
	}
	ps, _ := db.ListPolicies(app.Ctx)
	if len(ps) != 1 || ps[0].Conditions.Urgency[0] != aftersales.UrgencyUrgent || len(ps[0].WarnAt) != 2 || ps[0].PauseStatuses[0] != aftersales.StatusAwaitingParts {
		t.Fatalf("policy = %+v", ps)
	}
	pol.Set("version", "7")
	if s, _, _ := b.post(fmt.Sprintf("/sla/policies/%d", ps[0].ID), pol); s != 409 {
		t.Fatalf("stale policy edit: %d", s)
	}
	pol.Set("version", "1")
	pol.Set("resolution_minutes", "480")
	if s, _, _ := b.post(fmt.Sprintf("/sla/policies/%d", ps[0].ID), pol); s != 303 {
		t.Fatalf("policy edit: %d", s)
	}
	if ps, _ = db.ListPolicies(app.Ctx); ps[0].ResolutionMin != 480 {
		t.Fatalf("edit not saved: %+v", ps[0])
	}
	urgent := aftersales.UrgencyUrgent
	db.CreateRoutingRule(app.Ctx, aftersales.RoutingRule{Name: "gas-leak", Active: true, Keywords: []string{"燃气"}, Action: aftersales.RoutingAction{Urgency: &urgent}})
	db.CreateAutomation(app.Ctx, aftersales.AutomationRule{Name: "auto-close", Active: true, Trigger: aftersales.TriggerTime,
		Conditions: aftersales.AutomationConditions{Status: []aftersales.Status{aftersales.StatusResolved}, AfterHours: 168},
		Actions:    []aftersales.AutomationAction{{Kind: aftersales.ActionSetStatus, Status: aftersales.StatusClosed}}})
	db.CreateWebhook(app.Ctx, aftersales.Webhook{URL: "https://crm.example.com/hook", Secret: "0123456789abcdef", Active: true, Events: []string{"ticket.created"}})
	if s, body := b.get("/sla"); s != 200 || !strings.Contains(body, "gas-leak") || !strings.Contains(body, "auto-close") || !strings.Contains(body, "crm.example.com") {
		t.Fatalf("rules not listed: %d", s)
	}
	rs, _ := db.ListRoutingRules(app.Ctx)
	if s, body := b.get(fmt.Sprintf("/rules/routing/%d", rs[0].ID)); s != 200 || !strings.Contains(body, "gas-leak") || !strings.Contains(body, "燃气") {
		t.Fatalf("routing rule editor: %d", s)
	}
	// A rule with no action is refused on the action, in words.
	bad := url.Values{"name": {"x"}, "priority": {"5"}, "active": {"on"}, "keywords": {"漏水"}}
	if s, body, _ := b.post("/rules/routing/new", bad); s != 422 || !strings.Contains(body, "set at least one of service unit") || !strings.Contains(body, `value="漏水"`) {
		t.Fatalf("routing rule without an action: %d", s)
	}
	bad = url.Values{"url": {"ftp://x"}, "secret": {"short"}, "active": {"on"}}
	if s, body, _ := b.post("/rules/webhook/new", bad); s != 422 || !strings.Contains(body, "absolute http or https address") ||
		!strings.Contains(body, "at least 16 characters") || !strings.Contains(body, "subscribe to at least one event") {
		t.Fatalf("invalid webhook: %d", s)
	}
	if ws, _ := db.ListWebhooks(app.Ctx); len(ws) != 1 {
		t.Fatalf("a rejected webhook was saved: %d", len(ws))
	}
	edit := url.Values{"version": {"9"}, "name": {"gas-leak-2"}, "priority": {"0"}, "active": {"on"}, "keywords": {"燃气, 煤气"}, "action_urgency": {"urgent"}}
	if s, _, _ := b.post(fmt.Sprintf("/rules/routing/%d", rs[0].ID), edit); s != 409 {
		t.Fatalf("stale rule edit: %d", s)
	}
	edit.Set("version", fmt.Sprint(rs[0].Version))
	if s, _, _ := b.post(fmt.Sprintf("/rules/routing/%d", rs[0].ID), edit); s != 303 {
		t.Fatalf("rule edit: %d", s)
	}
	if rs, _ = db.ListRoutingRules(app.Ctx); rs[0].Name != "gas-leak-2" || len(rs[0].Keywords) != 2 || rs[0].Action.Urgency == nil {
		t.Fatalf("rule not saved: %+v", rs[0])
	}
	// An automation rule from the form: a time rule needs one status.
	auto := url.Values{"name": {"close-after-3d"}, "priority": {"50"}, "active": {"on"}, "trigger": {"time"}, "after_hours": {"72"},
		"a0_kind": {"set_status"}, "a0_status": {"closed"}, "a0_urgency": {"low"}, "a1_kind": {""}}
	if s, body, _ := b.post("/rules/automation/new", auto); s != 422 || !strings.Contains(body, "names exactly one status") {
		t.Fatalf("time rule without a status: %d", s)
	}
	auto.Set("status", "resolved")
	if s, _, _ := b.post("/rules/automation/new", auto); s != 303 {
		t.Fatalf("create automation: %d", s)
	}
	as, _ := db.ListAutomations(app.Ctx)
	want := aftersales.AutomationAction{Kind: aftersales.ActionSetStatus, Status: aftersales.StatusClosed}
	if len(as) != 2 || as[1].Name != "close-after-3d" || as[1].Conditions.AfterHours != 72 || len(as[1].Actions) != 1 || as[1].Actions[0] != want {
		t.Fatalf("automation = %+v", as[len(as)-1])
	}
	if s, _ := b.get("/rules/nope/new"); s != 404 {
		t.Fatalf("unknown kind: %d", s)
	}
}

func TestConsoleEdits(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	ctx := app.Ctx
	cat, _ := db.CreateCategory(ctx, aftersales.CategoryInput{Code: "tv", NameZH: "电视"})
	p, _ := db.CreateProduct(ctx, aftersales.ProductInput{CategoryID: cat.ID, Model: "55A5", Name: "电视", WarrantyMonths: 12})
	reg, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "east", Name: "华东"})
	br, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "sh", Name: "上海", ParentID: &reg.ID})
	ws, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitWorkstation, Code: "pd", Name: "浦东", ParentID: &br.ID})
	sp, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitServicePoint, Code: "pd1", Name: "网点", ParentID: &ws.ID})
	team, _ := db.CreateTeam(ctx, aftersales.TeamInput{Code: "t1", Name: "一组"})
	b := newBrowser(t, app, "en")
	b.login("admin@example.com", "admin-password-1")

	form := url.Values{"version": {"1"}, "category_id": {fmt.Sprint(cat.ID)}, "model": {"55A5"}, "name": {"55英寸电视"}, "warranty_months": {"24"}, "active": {"on"}}
	if s, _, h := b.post(fmt.Sprintf("/products/%d/edit", p.ID), form); s != 303 || h.Get("Location") != "/products?ok=saved" {
		t.Fatalf("product edit: %d", s)
	}
	if got, _ := db.FindProduct(ctx, p.ID); got.Name != "55英寸电视" || got.WarrantyMonths != 24 || got.Version != 2 {
		t.Fatalf("product = %+v", got)
	}
	tf := url.Values{"version": {"5"}, "code": {"t1"}, "name": {"一组（改）"}}
	if s, body, _ := b.post(fmt.Sprintf("/network/teams/%d/edit", team.ID), tf); s != 409 || !strings.Contains(body, `value="一组（改）"`) {
		t.Fatalf("stale team edit: %d", s)
	}
	uf := url.Values{"version": {"1"}, "kind": {"service_point"}, "code": {"pd1"}, "name": {"网点"}, "parent_id": {fmt.Sprint(br.ID)}, "active": {"on"}}
	if s, body, _ := b.post(fmt.Sprintf("/network/units/%d/edit", sp.ID), uf); s != 422 || !strings.Contains(body, "must sit under a workstation") {
		t.Fatalf("unit moved under a branch: %d", s)
	}
	units, _ := db.ListServiceUnits(ctx)
	for _, u := range units {
		if u.ID == sp.ID && *u.ParentID != ws.ID {
			t.Fatal("a refused edit changed the unit")
		}
	}
	if s, _ := b.get("/products/999/edit"); s != 404 {
		t.Fatalf("missing product: %d", s)
	}
}
