package app

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserVoiceOfCustomer is issue #21's page in the browser: the demo
// company's texts are analysed when the demo loads; on a 390×844 phone in
// Chinese /voc shows top terms and the sentiment chart (with its text
// alternative), nothing sticks out of the screen, changing the filters
// swaps the page body with htmx, and a click on a term lists its tickets
// with the term as a chip and as many tickets as the term counted.
func TestBrowserVoiceOfCustomer(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo", "--demo-tickets", "600"},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1"})
	ctx := browser(t, exe, filepath.Join(dir, "chrome"), 390, 844, "zh-CN", 3*time.Minute)
	csp := watchConsole(t, ctx)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/lang/zh-CN"),
		chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"),
		chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#ticket-table")),
		// A quarter: the demo's last weeks hold enough tickets for many terms.
		chromedp.Navigate(base+"/voc?grain=week&from="+time.Now().AddDate(0, -3, 0).Format(time.DateOnly)),
		chromedp.WaitReady(chromedp.CSS("#voc-top a.voc-term")),
	)
	if err != nil {
		t.Fatalf("sign in and open /voc: %v", err)
	}
	ready := `document.readyState === "complete" && [...document.querySelectorAll("[data-chart]")].every(el => el.dataset.rendered)`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](ready, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the sentiment chart was not drawn: %v", err)
	}
	if label, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#chart-sentiment").getAttribute("aria-label") || ""`)); err != nil ||
		!strings.Contains(label, "负面情绪占比") {
		t.Errorf("the chart's text alternative is %q (%v), want the Chinese description", label, err)
	}
	if title, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("h1").textContent`)); err != nil || !strings.Contains(title, "客户之声") {
		t.Errorf("title %q (%v)", title, err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
		t.Errorf("/voc sticks out of a 390 px screen (%v):\n%s", err, strings.Join(got, "\n"))
	}
	shot(t, ctx, "phone-voc.png")

	// The filters swap the body in place (htmx) and the chart is drawn again.
	err = chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#voc-grain"), "month"), chromedp.Click(chromedp.CSS("#voc-filters button[type=submit]")))
	if err != nil {
		t.Fatal(err)
	}
	swapped := `location.search.includes("grain=month") && document.querySelector("#chart-sentiment") && document.querySelector("#chart-sentiment").dataset.rendered === "1"`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](swapped, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("changing the grain did not redraw the page body: %v", err)
	}

	term, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#voc-top a.voc-term").dataset.term`))
	if err != nil || term == "" {
		t.Fatalf("first term: %q %v", term, err)
	}
	count, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#voc-top a.voc-term").dataset.count`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#voc-top a.voc-term")), chromedp.WaitVisible(chromedp.CSS("#chip-term")),
		chromedp.WaitVisible(chromedp.CSS("#ticket-total")))
	if err != nil {
		t.Fatalf("drill from %s to its tickets: %v", term, err)
	}
	chip, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#chip-term").textContent`))
	if err != nil || !strings.Contains(chip, term) || !strings.Contains(chip, "词语") {
		t.Errorf("chip %q (%v), want the term %s", chip, err, term)
	}
	total, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#ticket-total").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	n := strings.ReplaceAll(regexp.MustCompile(`[\d,]+`).FindString(total), ",", "")
	if _, err := strconv.Atoi(n); err != nil || n != count {
		t.Errorf("the list of %s shows %q, want %s tickets as /voc counted", term, total, count)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
		t.Errorf("the term's ticket list sticks out of a 390 px screen (%v):\n%s", err, strings.Join(got, "\n"))
	}
	if got := csp.drain(t, ctx); len(got) > 0 {
		t.Errorf("console problems:\n%s", strings.Join(got, "\n"))
	}
}
