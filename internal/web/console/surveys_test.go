package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/console"
	"aftersales/internal/web/webtest"
)

var surveyNonce = regexp.MustCompile(`name="n" value="([^"]+)"`)

// surveyTicket is a resolved ticket with a survey link.
func surveyTicket(t *testing.T, app *webtest.App, db *sqlstore.DB, name string) (*aftersales.Ticket, *aftersales.SurveyLink) {
	t.Helper()
	c := testutil.MustCustomer(t, app.Ctx, db, name)
	tk := testutil.MustTicket(t, app.Ctx, db, c.ID, "热水器漏水")
	var err error
	for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
		if tk, err = db.Transition(app.Ctx, tk.ID, aftersales.TransitionInput{To: to, Reason: "更换密封圈", Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := db.SurveyLink(app.Ctx, tk.ID, "sms")
	if err != nil {
		t.Fatal(err)
	}
	return tk, l
}

// TestSurveyPage answers a survey on the public page and covers what it
// refuses, each in the customer's language with its status and never an
// internal error: a tampered link (404), a stale form (400), a bad
// answer (422), a second answer (409, the first shown), an expired link
// (410), a post from another site (403) and too many posts (429).
func TestSurveyPage(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := testutil.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		app := webtest.Start(t, db)
		tk, link := surveyTicket(t, app, db, "陈先生")
		path := "/s/" + link.Token
		zh, en := newBrowser(t, app, "zh-CN,zh;q=0.9"), newBrowser(t, app, "en-US,en;q=0.8")

		// One click from a reply preselects the score and records nothing.
		req, _ := http.NewRequest("GET", zh.base+path+"?score=2", nil)
		s, body, h := zh.do(req)
		if h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("the survey page may be framed: %v", h)
		}
		if s != 200 || !strings.Contains(body, "服务满意度调查") || !strings.Contains(body, `id="csat-2" checked`) || !strings.Contains(body, tk.Number) {
			t.Fatalf("open zh: %d\n%s", s, body)
		}
		if s, body := en.get(path); s != 200 || !strings.Contains(body, "How did we do?") || strings.Contains(body, "checked") {
			t.Fatalf("open en: %d", s)
		}
		if s, body := zh.get(path + "?lang=en"); s != 200 || !strings.Contains(body, "How did we do?") {
			t.Fatalf("switch to English: %d", s)
		}
		nonce := surveyNonce.FindStringSubmatch(body)[1]

		for _, tok := range []string{link.Token + "0", strings.Replace(link.Token, ".", "9.", 1), "abc"} {
			for _, b := range []*browser{zh, en} {
				s, body := b.get("/s/" + url.PathEscape(tok))
				want := map[*browser]string{zh: "问卷链接无效", en: "The survey link is not valid"}[b]
				if s != http.StatusNotFound || !strings.Contains(body, want) {
					t.Errorf("tampered %q (%s): %d, want 404 with %q", tok, b.lang, s, want)
				}
			}
			if s, _, _ := zh.post("/s/"+url.PathEscape(tok), url.Values{"n": {nonce}, "score_csat": {"5"}}); s != http.StatusNotFound {
				t.Errorf("answer tampered %q: %d, want 404", tok, s)
			}
		}
		if s, body, _ := zh.post(path, url.Values{"n": {"1795399200.deadbeefdeadbeefdeadbeef"}, "score_csat": {"5"}, "comment": {"很好"}}); s != http.StatusBadRequest ||
			!strings.Contains(body, "页面打开时间过长") || !strings.Contains(body, `id="csat-5" checked`) || !strings.Contains(body, "很好") {
			t.Errorf("forged nonce: %d", s)
		}
		// A nonce is bound to its link.
		_, other := surveyTicket(t, app, db, "李女士")
		if s, _, _ := zh.post("/s/"+other.Token, url.Values{"n": {nonce}, "score_csat": {"5"}}); s != http.StatusBadRequest {
			t.Errorf("another link's nonce: %d, want 400", s)
		}
		if s, body, _ := zh.post(path, url.Values{"n": {nonce}, "score_csat": {"9"}, "reason": {"fast"}}); s != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "请检查标出的问题") || !strings.Contains(body, `id="reason-fast" checked`) {
			t.Errorf("score 9: %d", s)
		}
		// Another site cannot post an answer.
		req, _ = http.NewRequest("POST", zh.base+path, strings.NewReader(url.Values{"n": {nonce}, "score_csat": {"1"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if s, _, _ := zh.do(req); s != http.StatusForbidden {
			t.Errorf("cross-site post: %d, want 403", s)
		}

		s, _, h = zh.post(path, url.Values{"n": {nonce}, "lang": {"zh-CN"}, "score_csat": {"4"}, "reason": {"fast", "friendly"}, "comment": {"师傅很准时"}})
		if s != http.StatusSeeOther {
			t.Fatalf("answer: %d", s)
		}
		if s, body := zh.get(h.Get("Location")); s != 200 || !strings.Contains(body, "感谢您的回复") || !strings.Contains(body, `id="answer-csat">4 / 5`) ||
			!strings.Contains(body, "响应及时、服务态度好") {
			t.Errorf("after the answer: %d\n%s", s, body)
		}
		// A second answer is refused and the first one shown.
		s, body, _ = en.post(path, url.Values{"n": {nonce}, "lang": {"en"}, "score_csat": {"1"}})
		if s != http.StatusConflict || !strings.Contains(body, "already answered") || !strings.Contains(body, `id="answer-csat">4 / 5`) {
			t.Errorf("second answer: %d", s)
		}
		if s, body := en.get(path); s != 200 || !strings.Contains(body, "already answered") || !strings.Contains(body, "Quick response, Friendly staff") {
			t.Errorf("open answered: %d", s)
		}

		// Expired: the other link, past its 14 days (and the 60 min delay).
		clock.Advance(15 * 24 * time.Hour)
		for _, b := range []*browser{zh, en} {
			s, body := b.get("/s/" + other.Token)
			want := map[*browser]string{zh: "链接已过期", en: "The link has expired"}[b]
			if s != http.StatusGone || !strings.Contains(body, want) {
				t.Errorf("expired (%s): %d, want 410 with %q", b.lang, s, want)
			}
		}
		_, body = zh.get("/s/" + other.Token)
		if strings.Contains(body, "<form") {
			t.Error("an expired link shows the form")
		}

		// The rate limit counts every post per address (30 an hour).
		n := 0
		for s := 0; s != http.StatusTooManyRequests && n < 40; n++ {
			s, _, _ = zh.post(path, url.Values{"n": {nonce}, "score_csat": {"3"}})
		}
		if n > 31 {
			t.Errorf("no rate limit after %d posts", n)
		}
		fb, err := db.SurveyStats(app.Ctx, aftersales.SurveyFilter{From: clock.Now().AddDate(0, -1, 0), To: clock.Now()})
		if err != nil || fb.Total.Answered != 1 {
			t.Errorf("answered = %v (%v), want 1", fb.Total, err)
		}

		// The Surveys page shows both, drills down to the unanswered one.
		staff := newBrowser(t, app, "en-US,en;q=0.8")
		staff.login("admin@example.com", "admin-password-1")
		q := url.Values{"from": {"2026-11-01"}, "to": {"2026-12-31"}}
		s, body = staff.get("/surveys?" + q.Encode())
		if s != 200 || !strings.Contains(body, `id="total-sent">2<`) || !strings.Contains(body, `id="total-answered"><a`) || !strings.Contains(body, `id="total-rate">50.0%`) {
			t.Errorf("surveys page: %d", s)
		}
		q.Set("answered", "no")
		if s, body = staff.get("/surveys?" + q.Encode()); s != 200 || !strings.Contains(body, fmt.Sprintf(`href="/tickets/%d"`, other.Invitation.TicketID)) ||
			strings.Contains(body, fmt.Sprintf(`href="/tickets/%d"`, tk.ID)) {
			t.Errorf("unanswered drill-down: %d", s)
		}
		// Settings: an administrator changes them on the page; a bad value
		// is named; a quality manager may read but not change them.
		set, err := db.SurveySettings(app.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		bad := url.Values{"version": {fmt.Sprint(set.Version)}, "enabled": {"on"}, "template_code": {"nps"}, "delay_minutes": {"30"}, "expiry_days": {"0"}}
		if s, body, _ := staff.post("/surveys/settings", bad); s != http.StatusUnprocessableEntity || !strings.Contains(body, "must be 1 to 90") {
			t.Errorf("expiry 0: %d", s)
		}
		good := url.Values{"version": {fmt.Sprint(set.Version)}, "template_code": {"nps"}, "delay_minutes": {"30"}, "expiry_days": {"7"}}
		if s, _, h := staff.post("/surveys/settings", good); s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/surveys?ok=saved") {
			t.Errorf("save settings: %d", s)
		}
		if got, err := db.SurveySettings(app.Ctx); err != nil || got.Enabled || got.TemplateCode != "nps" || got.DelayMinutes != 30 || got.ExpiryDays != 7 {
			t.Errorf("settings after saving = %+v, %v", got, err)
		}
		testutil.MustUser(t, app.Ctx, db, "qm@example.com", aftersales.RoleQuality, nil)
		qm := newBrowser(t, app, "zh-CN")
		qm.login("qm@example.com", "password-123456")
		if s, body := qm.get("/surveys"); s != 200 || !strings.Contains(body, `id="nav-surveys"`) || strings.Contains(body, "survey-settings-form") {
			t.Errorf("quality manager's surveys page: %d", s)
		}
		good.Set("version", fmt.Sprint(set.Version+1))
		if s, _, _ := qm.post("/surveys/settings", good); s != http.StatusForbidden {
			t.Errorf("quality manager saves settings: %d, want 403", s)
		}
		tl, err := db.Timeline(app.Ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s, body := staff.get(fmt.Sprintf("/tickets/%d", tk.ID)); s != 200 || !strings.Contains(body, "survey answer CSAT 4") || tl[len(tl)-1].Body != "师傅很准时" {
			t.Errorf("ticket page lacks the survey answer: %d", s)
		}
	})
}

// TestSurveyMailFromCatalog: the invitation mail queued on resolution is
// the catalog's text in both languages, with the number, the link and
// the days it is valid, and goes after the configured delay.
func TestSurveyMailFromCatalog(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		cat, err := console.DefaultCatalog()
		if err != nil {
			t.Fatal(err)
		}
		clock := testutil.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
		db.Now, db.Messages, db.EmailNotifications, db.PublicURL = clock.Now, cat.T, true, "https://service.example.com"
		ctx, _ := testutil.Admin(t, db)
		c, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "周先生", Phone: "13800138000", Email: "zhou@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		tk := testutil.MustTicket(t, ctx, db, c.ID, "热水器不加热")
		for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
			if tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: to, Reason: "更换加热管", Version: tk.Version}); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Hour)
		mails, err := db.ClaimEmails(ctx, 10, time.Minute)
		if err != nil || len(mails) != 1 {
			t.Fatalf("mails after the delay: %d (%v)", len(mails), err)
		}
		m := mails[0]
		for _, want := range []string{"您的服务单 " + tk.Number + "（热水器不加热）已处理完毕", "Your service request " + tk.Number + " (热水器不加热) has been resolved",
			"https://service.example.com/s/", "链接 14 天内有效", "The link works for 14 days"} {
			if !strings.Contains(m.Body, want) {
				t.Errorf("mail lacks %q:\n%s", want, m.Body)
			}
		}
		if want := "请为我们的服务打分：服务单 " + tk.Number + " / How did we do? Service request " + tk.Number; m.Subject != want {
			t.Errorf("subject = %q, want %q", m.Subject, want)
		}
	})
}
