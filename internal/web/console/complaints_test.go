package console_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestConsoleComplaintClosure walks a complaint through the closure panel
// in zh-CN: closing is refused with the missing requirements named in
// Chinese, a bad root cause names its field, the severity and root cause
// are saved, a rejection without the customer's words is refused, a
// rejection reopens and escalates, a confirmation lets the complaint
// close; the English page shows the same panel in English.
func TestConsoleComplaintClosure(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		cust := testutil.MustCustomer(t, app.Ctx, db, "投诉的钱先生")
		in := testutil.TicketInput(cust.ID, "师傅迟到两小时")
		in.Nature = testutil.Ptr(aftersales.NatureComplaint)
		tk, err := db.CreateTicket(app.Ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
			if tk, err = db.Transition(app.Ctx, tk.ID, aftersales.TransitionInput{To: to, Version: tk.Version, Reason: "已致歉"}); err != nil {
				t.Fatal(err)
			}
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		loc := fmt.Sprintf("/tickets/%d", tk.ID)

		_, body := b.get(loc)
		for _, want := range []string{`id="complaint"`, "投诉结案", "该投诉暂不能结案", "请设置严重程度", "请选择根本原因", "待客户确认"} {
			if !strings.Contains(body, want) {
				t.Fatalf("complaint panel lacks %q: %s", want, between(body, `id="complaint"`, "</form>"))
			}
		}
		s, body, _ := b.post(loc+"/transition", url.Values{"to": {"closed"}, "version": {fmt.Sprint(tk.Version)}})
		if s != 422 || !strings.Contains(body, "投诉结案前必须填写") {
			t.Fatalf("closing a bare complaint: %d %s", s, between(body, `id="complaint"`, "</form>"))
		}
		if s, body, _ := b.post(loc+"/complaint", url.Values{"severity": {"major"}, "root_cause": {"no.such"}}); s != 422 || !strings.Contains(body, "不是有效的根本原因代码") {
			t.Fatalf("bad root cause: %d", s)
		}
		if s, _, _ := b.post(loc+"/complaint", url.Values{"severity": {"major"}, "root_cause": {"man.communication"}}); s != 303 {
			t.Fatalf("set complaint: %d", s)
		}
		if s, body, _ := b.post(loc+"/complaint/answer", url.Values{"answer": {"reject"}, "channel": {"phone"}}); s != 422 || !strings.Contains(body, "客户拒绝结案时必须填写") {
			t.Fatalf("rejection without words: %d", s)
		}
		if s, _, _ := b.post(loc+"/complaint/answer", url.Values{"answer": {"reject"}, "channel": {"phone"}, "note": {"师傅还没道歉"}}); s != 303 {
			t.Fatalf("reject: %d", s)
		}
		got, _ := db.FindTicket(app.Ctx, tk.ID)
		if got.Status != aftersales.StatusAccepted || got.Urgency != aftersales.UrgencyHigh {
			t.Fatalf("after rejection: %s, %s", got.Status, got.Urgency)
		}
		_, body = b.get(loc)
		for _, want := range []string{"客户拒绝结案", "师傅还没道歉", "严重", "与客户沟通不到位"} {
			if !strings.Contains(body, want) {
				t.Errorf("after rejection the page lacks %q", want)
			}
		}
		got, _ = db.Transition(app.Ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusResolved, Version: got.Version, Reason: "主管上门致歉"})
		if s, _, _ := b.post(loc+"/complaint/answer", url.Values{"answer": {"confirm"}, "channel": {"wechat"}, "note": {"满意"}}); s != 303 {
			t.Fatalf("confirm: %d", s)
		}
		if _, body = b.get(loc); !strings.Contains(body, "结案条件已满足") {
			t.Errorf("confirmed complaint not shown as closable: %s", between(body, `id="complaint-status"`, "</div>"))
		}
		if s, _, _ := b.post(loc+"/transition", url.Values{"to": {"closed"}, "version": {fmt.Sprint(got.Version)}}); s != 303 {
			t.Fatalf("close: %d", s)
		}
		if _, body = b.get(loc); !strings.Contains(body, `id="complaint-closures"`) || !strings.Contains(body, "客户确认") {
			t.Errorf("closure not listed: %s", between(body, `id="complaint"`, "</ul>"))
		}

		en := newBrowser(t, app, "en")
		en.login("admin@example.com", "admin-password-1")
		if _, body := en.get(loc); !strings.Contains(body, "Complaint closure") || !strings.Contains(body, "Closures") || !strings.Contains(body, "The customer rejected the closure") {
			t.Errorf("English complaint panel: %s", between(body, `id="complaint"`, "</form>"))
		}
		// The targets page edits the severities' closure targets, naming
		// a bad field.
		if s, body, _ := b.post("/quality/complaint-targets", url.Values{"severity": {"major"}, "hours": {"0"}}); s != 422 || !strings.Contains(body, "必须在 1 到 8760 之间") {
			t.Fatalf("target of 0 hours: %d", s)
		}
		if s, _, _ := b.post("/quality/complaint-targets", url.Values{"severity": {"major"}, "hours": {"48"}}); s != 303 {
			t.Fatalf("set target: %d", s)
		}
		if _, body := b.get("/quality/targets"); !strings.Contains(body, `id="complaint-targets"`) || !strings.Contains(body, `value="48"`) || !strings.Contains(body, "投诉结案时限") {
			t.Errorf("targets page lacks the complaint targets: %s", between(body, `id="complaint-targets"`, "</table>"))
		}
		// A repair has no complaint panel.
		rep := testutil.MustTicket(t, app.Ctx, db, cust.ID, "维修")
		if _, body := b.get(fmt.Sprintf("/tickets/%d", rep.ID)); strings.Contains(body, `id="complaint"`) {
			t.Error("a repair shows the complaint panel")
		}
	})
}
