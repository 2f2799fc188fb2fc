package app

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aftersales"

	"github.com/chromedp/chromedp"
)

// TestBrowserFollowup walks one follow-up task on a 390×844 phone: the
// queue lists it, an unanswered call is logged, then a satisfied answer
// with its scores closes it; the ticket's satisfaction KPI reads the
// answer once the rollups catch up. Nothing sticks out of the screen and
// no script breaks the policy.
func TestBrowserFollowup(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1"})

	// The data goes in through the store, beside the running server.
	db, sctx := sideStore(t, dir)
	if _, err := db.CreateFollowupPolicy(sctx, aftersales.FollowupPolicy{Name: "投诉全回访", Active: true, Natures: []aftersales.Nature{aftersales.NatureComplaint},
		SamplePercent: 100, DeadlineHours: 48, MaxAttempts: 3, ScriptZH: "您好，这里是售后服务回访，请问问题解决了吗？"}); err != nil {
		t.Fatal(err)
	}
	cust, err := db.CreateCustomer(sctx, aftersales.CustomerInput{Name: "周先生", Phone: "13700001111"})
	if err != nil {
		t.Fatal(err)
	}
	p := func(s string) *string { return &s }
	tk, err := db.CreateTicket(sctx, aftersales.TicketInput{Channel: new(aftersales.ChannelPhone), Nature: new(aftersales.NatureComplaint),
		Urgency: new(aftersales.UrgencyHigh), Title: p("投诉：维修后空调仍漏水"), CustomerID: &cust.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
		if tk, err = db.Transition(sctx, tk.ID, aftersales.TransitionInput{To: to, Reason: "更换排水管", Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SweepFollowups(sctx, 100); err != nil {
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
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/followups"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#followup-rows")),
		chromedp.Navigate(base+"/lang/zh-CN"),
		chromedp.Navigate(base+"/followups"),
		chromedp.WaitVisible(chromedp.CSS("#followup-rows")),
	)
	if err != nil {
		t.Fatalf("login to the queue: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#followup-rows tbody")))
	if err != nil || !strings.Contains(rows, tk.Number) {
		t.Fatalf("the queue does not list %s: %q %v", tk.Number, rows, err)
	}
	overflow("/followups")
	shot(t, ctx, "phone-followups.png")

	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#followup-rows a[href^="/followups/"]`)),
		chromedp.WaitVisible(chromedp.CSS("#followup-answer")),
	)
	if err != nil {
		t.Fatalf("open the task: %v", err)
	}
	script, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#followup-script")))
	if err != nil || !strings.Contains(script, "请问问题解决了吗") {
		t.Errorf("the task shows no script: %q %v", script, err)
	}
	overflow("the task page")
	// The first call goes unanswered; the second reaches the customer.
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#fu-result"), "no_answer"),
		chromedp.Click(chromedp.CSS("#fu-log")),
	)
	if err != nil {
		t.Fatalf("log an attempt: %v", err)
	}
	// The answer form is on the page before the attempt is logged too: wait
	// for the logged attempt itself, so the next step acts on the new page.
	logged := `(() => { const ul = document.querySelector("#followup-attempts ul"); return !!ul && ul.textContent.includes("无人接听") && !!document.querySelector("#followup-answer"); })()`
	// The page navigates meanwhile: a check that meets the navigation is
	// simply asked again.
	for deadline := time.Now().Add(30 * time.Second); ; {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](logged)); err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the logged attempt never showed")
		}
		time.Sleep(50 * time.Millisecond) // polling a condition, not timing
	}
	log, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#followup-attempts ul")))
	if err != nil || !strings.Contains(log, "无人接听") {
		t.Errorf("the attempt log does not show the unanswered call: %q %v", log, err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#fu-csat"), "5"),
		chromedp.SetValue(chromedp.CSS("#fu-nps"), "9"),
		chromedp.SendKeys(chromedp.CSS("#fu-comment"), "师傅很专业"),
		chromedp.Click(chromedp.CSS("#fu-satisfied")),
		chromedp.WaitVisible(chromedp.CSS("#followup-outcome")),
	)
	if err != nil {
		t.Fatalf("answer: %v", err)
	}
	outcome, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#followup-outcome")))
	if err != nil || outcome != "满意" {
		t.Errorf("outcome %q (%v), want 满意", outcome, err)
	}
	overflow("the answered task")
	shot(t, ctx, "phone-followup-done.png")

	// The answer is the ticket's feedback: once the rollups catch up, the
	// satisfaction KPI reads it.
	for {
		n, err := db.RefreshRollups(sctx, 2000)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	day := time.Now().In(db.Zone)
	from := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, db.Zone)
	r, err := db.Metric(sctx, aftersales.MetricQuery{KPI: "csat_mean", From: from, To: from.AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total.Value == nil || *r.Total.Value != 5 || r.Total.N != 1 {
		t.Errorf("csat_mean after the follow-up: %+v", r.Total)
	}
	if got := csp.drain(t, ctx); len(got) > 0 {
		t.Errorf("console errors or policy violations:\n%s", strings.Join(got, "\n"))
	}
}
