package app

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestBrowserKBPhone searches the demo company's knowledge base on a
// 390×844 phone in Chinese: typing on /kb brings the ranked articles in
// through htmx (no inline script, no CSP violation) without the page
// overflowing, and the public form suggests an article as the customer
// types their subject.
func TestBrowserKBPhone(t *testing.T) {
	exe := chromium(t)
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	if _, err := demo.Load(app.Ctx, db.Services(), db, demo.Options{Seed: 1, Tickets: 200, End: time.Now(), Zone: testutil.Shanghai(t)}); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t, exe, filepath.Join(t.TempDir(), "chrome"), 390, 844, "zh-CN", 3*time.Minute)
	csp := watchConsole(t, ctx)
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "zh-CN,zh;q=0.9"}}); err != nil {
		t.Fatal(err)
	}
	base := app.Server.URL
	err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), "admin-password-1"),
		chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#ticket-table")))
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	err = chromedp.Do(ctx, chromedp.Navigate(base+"/kb"), chromedp.WaitVisible(chromedp.CSS("#kb-q")),
		chromedp.SendKeys(chromedp.CSS("#kb-q"), "空调吹出来的风不凉"))
	if err == nil {
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector("#kb-hits li")`, chromedp.WithPollingTimeout(40*time.Second)))
	}
	if err != nil {
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerHTML`))
		t.Fatalf("search: %v\n%s", err, html)
	}
	first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#kb-hits li a").textContent`))
	if err != nil || first != "空调不制冷怎么办" {
		t.Errorf("first hit %q (%v), want 空调不制冷怎么办", first, err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
		t.Errorf("/kb overflows a phone (%v):\n%s", err, strings.Join(got, "\n"))
	}
	shot(t, ctx, "phone-kb.png")
	// Every knowledge-base page fits the phone.
	for _, p := range []string{"/kb", "/kb/1", "/kb/1/versions/1", "/kb/1/edit", "/kb/report", "/help/1"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
			t.Errorf("%s overflows a phone (%v):\n%s", p, err, strings.Join(got, "\n"))
		}
	}

	// The public form suggests as the customer types.
	err = chromedp.Do(ctx, chromedp.Navigate(base+"/form"), chromedp.WaitVisible(chromedp.CSS("#title")),
		chromedp.SendKeys(chromedp.CSS("#title"), "洗衣机甩干的时候咣咣响"),
		chromedp.WaitVisible(chromedp.CSS("#kb-suggest a")))
	if err != nil {
		t.Fatalf("suggestions: %v", err)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#kb-suggest a").getAttribute("href")`))
	if err != nil || !strings.HasPrefix(href, "/help/") || !strings.Contains(href, "ft=") {
		t.Errorf("suggestion link %q (%v), want /help/… with the form's session", href, err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
		t.Errorf("/form with suggestions overflows a phone (%v):\n%s", err, strings.Join(got, "\n"))
	}
	if p := csp.drain(t, ctx); len(p) > 0 {
		t.Errorf("console errors or policy violations:\n%s", strings.Join(p, "\n"))
	}
}
