package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

var formToken = regexp.MustCompile(`name="ft" value="([^"]+)"`)

func TestWebForm(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := testutil.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		app := webtest.Start(t, db)
		b := newBrowser(t, app, "zh-CN")
		tickets := func() int {
			page, _ := db.ListTickets(app.Ctx, aftersales.TicketFilter{Limit: 100})
			return len(page.Tickets)
		}
		freshForm := func() url.Values {
			t.Helper()
			req, _ := http.NewRequest("GET", b.base+"/form", nil)
			s, body, h := b.do(req)
			if s != 200 || h.Get("X-Frame-Options") != "" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors") {
				t.Fatalf("form: %d, framing headers %v", s, h)
			}
			if !strings.Contains(body, "提交服务请求") {
				t.Fatal("form is not in Chinese")
			}
			clock.Advance(20 * time.Second) // a person typing
			return url.Values{"ft": {formToken.FindStringSubmatch(body)[1]}, "name": {"陈先生"}, "phone": {"138 0013 8000"},
				"nature": {"repair"}, "title": {"洗衣机不脱水"}, "description": {"滚筒洗衣机脱水时报 E21。"}, "address": {"成都市武侯区天府大道 100 号"}}
		}

		// The spam trap: a filled hidden field, or a form sent at once, is
		// answered politely and creates nothing.
		f := freshForm()
		f.Set("website", "http://spam.example")
		if s, body, _ := b.post("/form", f); s != 200 || !strings.Contains(body, "已收到") {
			t.Fatalf("honeypot: %d", s)
		}
		_, body := b.get("/form")
		fast := url.Values{"ft": {formToken.FindStringSubmatch(body)[1]}, "name": {"bot"}, "phone": {"13800138000"}, "title": {"x"}, "description": {"y"}}
		b.post("/form", fast)
		// A forged or expired token shows the form again with what was typed.
		f = freshForm()
		f.Set("ft", "1795399200.deadbeefdeadbeefdeadbeef")
		if s, body, _ := b.post("/form", f); s != 400 || !strings.Contains(body, "表单已过期") || !strings.Contains(body, "洗衣机不脱水") {
			t.Fatalf("forged token: %d", s)
		}
		f = freshForm()
		clock.Advance(25 * time.Hour)
		if s, _, _ := b.post("/form", f); s != 400 {
			t.Fatalf("day-old form: %d", s)
		}
		if n := tickets(); n != 0 {
			t.Fatalf("the trap let %d tickets through", n)
		}

		// Invalid input names the field and keeps the rest.
		f = freshForm()
		f.Set("phone", "")
		f.Set("email", "not-an-address")
		s, body, _ := b.post("/form", f)
		if s != 422 || !strings.Contains(body, "不是电子邮件地址") || !strings.Contains(body, "成都市武侯区天府大道 100 号") {
			t.Fatalf("invalid form: %d", s)
		}

		// A good submission: ticket number and a link to follow it.
		f = freshForm()
		f.Set("email", "Chen@Example.com")
		s, _, h := b.post("/form", f)
		if s != 303 || !strings.HasPrefix(h.Get("Location"), "/follow/AS") {
			t.Fatalf("submit: %d %v", s, h.Get("Location"))
		}
		s, body = b.get(h.Get("Location"))
		if s != 200 || !strings.Contains(body, `id="number"`) || !strings.Contains(body, "滚筒洗衣机脱水时报 E21。") {
			t.Fatalf("follow page: %d", s)
		}
		page, _ := db.ListTickets(app.Ctx, aftersales.TicketFilter{Limit: 10})
		if len(page.Tickets) != 1 {
			t.Fatalf("tickets: %d", len(page.Tickets))
		}
		tk := page.Tickets[0]
		if tk.Channel != aftersales.ChannelWeb || tk.Nature != aftersales.NatureRepair || tk.Title != "洗衣机不脱水" || !strings.Contains(tk.Description, "天府大道") {
			t.Fatalf("ticket = %+v", tk)
		}
		cust, _ := db.FindCustomer(app.Ctx, *tk.CustomerID)
		if cust.Name != "陈先生" || cust.Phone != "13800138000" || cust.Email != "chen@example.com" {
			t.Errorf("customer = %q %q %q", cust.Name, cust.Phone, cust.Email)
		}

		// Staff replies show on the follow page; internal notes never do.
		db.AddComment(app.Ctx, tk.ID, aftersales.CommentInput{Body: "师傅明天上午上门。", Public: true})
		db.AddComment(app.Ctx, tk.ID, aftersales.CommentInput{Body: "内部：客户上次投诉过"})
		_, body = b.get(h.Get("Location"))
		if !strings.Contains(body, "师傅明天上午上门。") || strings.Contains(body, "上次投诉") {
			t.Fatal("follow page shows the wrong messages")
		}
		// The number alone, or with a wrong token, shows nothing.
		for _, p := range []string{"/follow/" + tk.Number, "/follow/" + tk.Number + "?t=0123", "/follow/AS000000-000000?t=x"} {
			if s, body := b.get(p); s != 404 || strings.Contains(body, "洗衣机") {
				t.Errorf("%s: %d", p, s)
			}
		}

		// Further submissions by the same phone reuse the customer, until
		// the rate limit (5 an hour) refuses the address. Every submission
		// since the clock moved a day counts, the day-old and the invalid
		// one included, and the refusal comes before the body is read.
		for i := 0; i < webtest.FormRate; i++ {
			s, body, _ = b.post("/form", freshForm())
		}
		if s != 429 || !strings.Contains(body, "请求过于频繁") || strings.Contains(body, "洗衣机不脱水") {
			t.Fatalf("rate limit: %d", s)
		}
		all, _ := db.ListTickets(app.Ctx, aftersales.TicketFilter{Limit: 100, CustomerID: cust.ID})
		if len(all.Tickets) != webtest.FormRate-2 || tickets() != webtest.FormRate-2 {
			t.Fatalf("tickets of the customer: %d of %d", len(all.Tickets), tickets())
		}

		// English on request, for embedding.
		if _, body := b.get("/form?lang=en"); !strings.Contains(body, "Request service") || missingKey.MatchString(body) {
			t.Errorf("English form: %s", missingKey.FindString(body))
		}
	})
}

// TestWebFormTakesALongChineseDescription: the body limit of the public
// form leaves room for the longest description the form accepts.
func TestWebFormTakesALongChineseDescription(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	clock := testutil.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	db.Now = clock.Now
	app := webtest.Start(t, db)
	b := newBrowser(t, app, "zh-CN")
	_, body := b.get("/form")
	clock.Advance(time.Minute)
	f := url.Values{"ft": {formToken.FindStringSubmatch(body)[1]}, "name": {"陈先生"}, "phone": {"138 0013 8000"},
		"nature": {"repair"}, "title": {"洗衣机不脱水"}, "description": {strings.Repeat("脱", 20000)}}
	if s, _, h := b.post("/form", f); s != 303 || !strings.HasPrefix(h.Get("Location"), "/follow/") {
		t.Fatalf("a 20,000-character description (%d bytes encoded): %d", len(f.Encode()), s)
	}
}
