package console_test

import (
	"encoding/json"
	"html"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestFollowReply: the customer answers from the follow page. The message
// lands on the ticket as the customer's, a resolved ticket is reopened, a
// closed one takes no more messages, and only the link's token opens it.
func TestFollowReply(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := testutil.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		app := webtest.Start(t, db)
		b := newBrowser(t, app, "zh-CN")
		_, body := b.get("/form")
		clock.Advance(20 * time.Second)
		f := url.Values{"ft": {formToken.FindStringSubmatch(body)[1]}, "name": {"陈先生"}, "phone": {"13800138000"},
			"nature": {"repair"}, "title": {"热水器漏水"}, "description": {"热水器底部漏水。"}}
		s, _, h := b.post("/form", f)
		if s != 303 {
			t.Fatalf("form: %d", s)
		}
		follow := h.Get("Location")
		u, _ := url.Parse(follow)
		page, _ := db.ListTickets(app.Ctx, aftersales.TicketFilter{Limit: 1})
		tk := page.Tickets[0]
		reply := func(link, msg string) (int, string, string) {
			t.Helper()
			clock.Advance(time.Minute)
			s, body, h := b.post(link, url.Values{"message": {msg}})
			return s, body, h.Get("Location")
		}
		base := "/follow/" + tk.Number + "?t=" + url.QueryEscape(u.Query().Get("t"))

		// An empty message names the field.
		if s, body, _ := reply(base, "  "); s != 422 || !strings.Contains(body, `id="f-message"`) || !strings.Contains(body, "必填") {
			t.Fatalf("empty reply: %d", s)
		}
		// A message is the customer's, on the page and in the timeline.
		s, _, loc := reply(base, "今天下午在家，随时可以上门。")
		if s != 303 || !strings.Contains(loc, "sent=1") {
			t.Fatalf("reply: %d %s", s, loc)
		}
		if _, body := b.get(loc); !strings.Contains(body, `id="reply-sent"`) || !strings.Contains(body, "今天下午在家") {
			t.Fatal("the follow page does not show the reply")
		}
		events, err := db.Timeline(app.Ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := events[len(events)-1]
		if last.Kind != aftersales.EventCustomerMessage || last.Channel != aftersales.ChannelWeb || !last.Public || last.Body != "今天下午在家，随时可以上门。" {
			t.Fatalf("last event = %+v", last)
		}
		// A resolved ticket is reopened by the customer's message.
		cur, _ := db.FindTicket(app.Ctx, tk.ID)
		for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
			if cur, err = db.Transition(app.Ctx, tk.ID, aftersales.TransitionInput{To: to, Version: cur.Version, Reason: "已更换密封圈"}); err != nil {
				t.Fatal(err)
			}
		}
		if s, _, _ := reply(base, "还是漏水。"); s != 303 {
			t.Fatalf("reply to a resolved ticket: %d", s)
		}
		if cur, _ = db.FindTicket(app.Ctx, tk.ID); cur.Status != aftersales.StatusAccepted {
			t.Fatalf("status after the customer wrote = %s, want accepted (reopened)", cur.Status)
		}
		// A wrong token opens nothing and writes nothing.
		if s, body, _ := reply("/follow/"+tk.Number+"?t=wrong", "伪造"); s != 404 || strings.Contains(body, "热水器") {
			t.Fatalf("wrong token: %d", s)
		}
		// A closed ticket: no form, and a post is refused.
		for _, to := range []aftersales.Status{aftersales.StatusResolved, aftersales.StatusClosed} {
			if cur, err = db.Transition(app.Ctx, tk.ID, aftersales.TransitionInput{To: to, Version: cur.Version, Reason: "已修好"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, body := b.get(base); strings.Contains(body, `id="reply"`) || !strings.Contains(body, `id="closed-note"`) {
			t.Fatal("a closed ticket still offers the reply form")
		}
		clock.Advance(time.Hour) // replies count against the form's hourly budget (webtest.FormRate)
		if s, _, _ := reply(base, "再问一下"); s != 409 {
			t.Fatalf("reply to a closed ticket: %d, want 409", s)
		}
		events, _ = db.Timeline(app.Ctx, tk.ID)
		n := 0
		for _, e := range events {
			if e.Kind == aftersales.EventCustomerMessage {
				n++
			}
		}
		if n != 3 { // the form's description, and the two replies taken
			t.Errorf("customer messages = %d, want 3", n)
		}
	})
}

// TestZhCNAuditValues: the audit page says a status change and an urgency
// change in Chinese, field and values, not as the stored codes.
func TestZhCNAuditValues(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	raw, err := os.ReadFile("locales/zh-CN.json")
	if err != nil {
		t.Fatal(err)
	}
	var zh map[string]string
	if err := json.Unmarshal(raw, &zh); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"status.new", "status.accepted", "urgency.normal", "urgency.high", "field.urgency"} {
		if zh[k] == "" {
			t.Fatalf("the zh-CN catalog has no %s", k)
		}
	}
	c := testutil.MustCustomer(t, app.Ctx, db, "审计")
	tk := testutil.MustTicket(t, app.Ctx, db, c.ID, "审计工单")
	tk, err = db.Transition(app.Ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Version: tk.Version})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateTicket(app.Ctx, tk.ID, tk.Version, aftersales.TicketInput{Urgency: testutil.Ptr(aftersales.UrgencyHigh)}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, app, "zh-CN")
	b.login("admin@example.com", "admin-password-1")
	s, body := b.get("/audit")
	if s != 200 {
		t.Fatalf("audit: %d", s)
	}
	body = html.UnescapeString(body)
	for _, want := range []string{zh["status.new"] + " → " + zh["status.accepted"], zh["urgency.normal"] + " → " + zh["urgency.high"], zh["field.urgency"]} {
		if !strings.Contains(body, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
	for _, raw := range []string{"new → accepted", "normal → high"} {
		if strings.Contains(body, raw) {
			t.Errorf("the audit page shows stored codes: %q", raw)
		}
	}
}
