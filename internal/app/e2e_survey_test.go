package app

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"aftersales"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestBrowserSurveyPhone is issue #20's done-when for surveys by link: on
// a 390×844 phone in Chinese, a customer opens the survey link of a
// resolved ticket of the demo company, answers on one screen, and the
// ticket's feedback holds the answer (channel survey), the CSAT KPI moves
// once the rollup job has run, and opening the link again shows the first
// answer instead of the form.
func TestBrowserSurveyPhone(t *testing.T) {
	exe := chromium(t)
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	zone := testutil.Shanghai(t)
	if _, err := demo.Load(app.Ctx, db.Services(), db, demo.Options{Seed: 1, Tickets: 200, End: time.Now(), Zone: zone}); err != nil {
		t.Fatal(err)
	}
	// A demo customer's ticket, resolved now.
	page, err := db.ListTickets(app.Ctx, aftersales.TicketFilter{Limit: 1})
	if err != nil || len(page.Tickets) == 0 || page.Tickets[0].CustomerID == nil {
		t.Fatalf("no demo ticket with a customer: %v", err)
	}
	tk := testutil.MustTicket(t, app.Ctx, db, *page.Tickets[0].CustomerID, "空调不制冷")
	for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
		if tk, err = db.Transition(app.Ctx, tk.ID, aftersales.TransitionInput{To: to, Reason: "补充冷媒", Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
	}
	link, err := db.SurveyLink(app.Ctx, tk.ID, aftersales.SendSMS)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(zone)
	q := aftersales.MetricQuery{KPI: "csat_mean", From: today.AddDate(0, 0, -1), To: today.AddDate(0, 0, 1)}
	kpi := func() aftersales.MetricPoint {
		t.Helper()
		for { // what the kpi-rollups job does, until nothing is pending
			n, err := db.RefreshRollups(app.Ctx, 2000)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		r, err := db.Metric(app.Ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return r.Total
	}
	before := kpi()

	ctx := browser(t, exe, filepath.Join(t.TempDir(), "chrome"), 390, 844, "zh-CN", 2*time.Minute)
	csp := watchConsole(t, ctx)

	url := app.Server.URL + link.URL // relative: no public URL in the test server
	// A phone set to Chinese: the page follows Accept-Language.
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "zh-CN,zh;q=0.9"}}); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("#survey-form")),
	)
	if err != nil {
		t.Fatalf("open the link: %v", err)
	}
	title, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("h1").textContent`))
	if err != nil || title != "服务满意度调查" {
		t.Errorf("title = %q (%v), want the Chinese template's", title, err)
	}
	// One screen: nothing sticks out sideways, and the send button is
	// reachable without scrolling.
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
		t.Errorf("the survey overflows a phone (%v):\n%s", err, strings.Join(got, "\n"))
	}
	bottom, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("#survey-submit").getBoundingClientRect().bottom`))
	if err != nil || bottom > 844 {
		t.Errorf("the send button ends at %.0f px (%v): below a 844 px screen", bottom, err)
	}
	t.Logf("the send button ends at %.0f px of 844", bottom)
	if h, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("label:has(#csat-5) span").getBoundingClientRect().height`)); err != nil || h < 44 {
		t.Errorf("a score button is %.0f px high (%v), want a tap target of at least 44", h, err)
	}
	shot(t, ctx, "phone-survey.png")
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("label:has(#csat-5) span")),
		chromedp.Click(chromedp.CSS("label:has(#reason-fixed) span")),
		chromedp.SendKeys(chromedp.CSS("#comment"), "师傅很专业"),
		chromedp.Click(chromedp.CSS("#survey-submit")),
		chromedp.WaitVisible(chromedp.CSS("#survey-answer")),
	)
	if err != nil {
		t.Fatalf("answer: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.querySelector("h1").textContent, document.querySelector("#answer-csat").textContent,
		document.querySelector("#answer-reasons").textContent, document.querySelector("#answer-comment").textContent]`))
	if want := []string{"感谢您的回复！", "5 / 5", "问题已解决", "师傅很专业"}; err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("after answering: %q (%v), want %q", got, err, want)
	}
	shot(t, ctx, "phone-survey-done.png")

	// The ticket's feedback, as the KPIs read it.
	raw, err := sql.Open("sqlite", db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var csat int
	var channel string
	if err := raw.QueryRow(`SELECT csat, channel FROM ticket_feedback WHERE ticket_id = $1`, tk.ID).Scan(&csat, &channel); err != nil || csat != 5 || channel != "survey" {
		t.Errorf("ticket feedback = %d %q (%v), want 5 from the survey", csat, channel, err)
	}
	after := kpi()
	if after.N != before.N+1 || after.Value == nil || before.Value != nil && *after.Value == *before.Value {
		t.Errorf("csat_mean before %v (n=%d), after %v (n=%d): the answer did not count", before.Value, before.N, after.Value, after.N)
	}

	// The link again: the first answer, no form.
	err = chromedp.Do(ctx, chromedp.Navigate(url+"?score=1"), chromedp.WaitVisible(chromedp.CSS("#survey-answer")))
	if err != nil {
		t.Fatal(err)
	}
	again, err := chromedp.Run(ctx, chromedp.Evaluate[[]any](`[document.querySelector("h1").textContent, document.querySelector("#answer-csat").textContent, !!document.querySelector("form#survey-form")]`))
	if err != nil || len(again) != 3 || again[0] != "此问卷已回复" || again[1] != "5 / 5" || again[2] != false {
		t.Errorf("opening the link again: %v (%v)", again, err)
	}
	if p := csp.drain(t, ctx); len(p) > 0 {
		t.Errorf("console errors or policy violations:\n%s", strings.Join(p, "\n"))
	}
}
