package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aftersales"

	"github.com/chromedp/chromedp"
)

// TestBrowserComplaintClosure works a complaint's closure panel on a
// 390×844 phone in zh-CN: the panel names what is missing, a rejection
// without the customer's words is refused with the reason in Chinese by
// its field, a rejection with them reopens and escalates the complaint,
// and nothing sticks out of the screen or breaks the page's policy.
func TestBrowserComplaintClosure(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1"})

	db, sctx := sideStore(t, dir)
	cust, err := db.CreateCustomer(sctx, aftersales.CustomerInput{Name: "吴女士", Phone: "13700002222"})
	if err != nil {
		t.Fatal(err)
	}
	p := func(s string) *string { return &s }
	tk, err := db.CreateTicket(sctx, aftersales.TicketInput{Channel: new(aftersales.ChannelPhone), Nature: new(aftersales.NatureComplaint),
		Urgency: new(aftersales.UrgencyNormal), Title: p("投诉：热水器漏水三次上门未修好"), CustomerID: &cust.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
		if tk, err = db.Transition(sctx, tk.ID, aftersales.TransitionInput{To: to, Reason: "更换内胆", Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SetComplaint(sctx, tk.ID, aftersales.ComplaintInput{Severity: new(aftersales.SeverityCritical), RootCause: p("man.skill_mismatch")}); err != nil {
		t.Fatal(err)
	}

	ctx := browser(t, exe, filepath.Join(dir, "chrome"), 1280, 900, "zh-CN", 2*time.Minute)
	csp := watchConsole(t, ctx)
	overflow := func(page string) {
		t.Helper()
		if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
			t.Errorf("%s sticks out of a 390 px screen (%v):\n%s", page, err, strings.Join(got, "\n"))
		}
	}
	// waitFor asks again across the page's navigation until cond holds.
	waitFor := func(what, cond string) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; {
			if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " " + document.body.innerText.slice(0, 3000)`))
				t.Fatalf("%s never showed: %s", what, body)
			}
			time.Sleep(50 * time.Millisecond) // polling a condition, not timing
		}
	}
	loc := fmt.Sprintf("%s/tickets/%d", base, tk.ID)
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(loc),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#ticket-number")),
		chromedp.Navigate(base+"/lang/zh-CN"),
		chromedp.Navigate(loc),
		chromedp.WaitVisible(chromedp.CSS("#complaint")),
	)
	if err != nil {
		t.Fatalf("open the complaint: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#complaint-status")))
	if err != nil || !strings.Contains(status, "该投诉暂不能结案") || !strings.Contains(status, "请记录客户确认") {
		t.Errorf("the panel does not name the missing confirmation: %q %v", status, err)
	}
	sev, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#complaint-severity")))
	if err != nil || sev != "重大" {
		t.Errorf("severity %q (%v), want 重大", sev, err)
	}
	overflow("the complaint panel")
	shot(t, ctx, "phone-complaint.png")

	// A rejection needs the customer's words.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#cq-reject")),
		chromedp.Click(chromedp.CSS(`#complaint-answer-form button[type="submit"]`)),
	)
	if err != nil {
		t.Fatalf("reject without words: %v", err)
	}
	waitFor("the refused rejection", `(() => { const f = document.querySelector("#complaint-answer-form"); return !!f && f.textContent.includes("客户拒绝结案时必须填写"); })()`)
	overflow("the refused rejection")
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#cq-reject")),
		chromedp.SendKeys(chromedp.CSS("#cq-note"), "漏水依旧，要求换机"),
		chromedp.Click(chromedp.CSS(`#complaint-answer-form button[type="submit"]`)),
	)
	if err != nil {
		t.Fatalf("reject: %v", err)
	}
	waitFor("the rejection", `(() => { const c = document.querySelector("#complaint-confirm"); return !!c && c.textContent.includes("客户拒绝结案"); })()`)
	got, err := db.FindTicket(sctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != aftersales.StatusAccepted || got.Urgency != aftersales.UrgencyHigh {
		t.Errorf("after the rejection: %s, %s; want accepted, high", got.Status, got.Urgency)
	}
	timeline, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#timeline")))
	if err != nil || !strings.Contains(timeline, "客户拒绝结案") || !strings.Contains(timeline, "漏水依旧") {
		t.Errorf("the timeline lacks the rejection: %v", err)
	}
	overflow("the escalated complaint")
	if got := csp.drain(t, ctx); len(got) > 0 {
		t.Errorf("console errors or policy violations:\n%s", strings.Join(got, "\n"))
	}
}
