package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeRun runs axe-core's WCAG 2.1 A and AA rules on the page and returns
// the serious and critical violations, one line each: the rule, how many
// elements break it, and the first of them.
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
	.then(r => r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.impact + " " + v.id + " (" + v.nodes.length + "): " + v.help + " — " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ")))`

// TestBrowserAccessibility audits every console page with axe-core
// (vendored under testdata, injected through DevTools so the page's CSP
// stays as it is), in both languages, at desktop and phone width: no
// serious or critical WCAG 2.1 AA violation.
func TestBrowserAccessibility(t *testing.T) {
	exe := chromium(t)
	axe, err := os.ReadFile(filepath.Join("testdata", "axe-4.14.1.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo", "--demo-tickets", "300"},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1"})
	ctx := browser(t, exe, filepath.Join(dir, "chrome"), 1280, 900, "zh-CN", 6*time.Minute)

	audit := func(name string) {
		t.Helper()
		ready := `document.readyState === "complete" && [...document.querySelectorAll("[data-chart]")].every(el => el.dataset.rendered)`
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](ready, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("%s: not ready: %v", name, err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axe)+";true")); err != nil {
			t.Fatalf("%s: load axe: %v", name, err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](axeRun, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: axe: %v", name, err)
		}
		// Every chart carries a text alternative (ECharts' aria description);
		// a tile's sparkline is decoration beside the value it shows in text.
		bare, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-chart]")].filter(el => !el.getAttribute("aria-label") && el.getAttribute("aria-hidden") !== "true").map(el => el.id || el.dataset.chart)`))
		if err != nil {
			t.Fatalf("%s: charts: %v", name, err)
		}
		if len(bare) > 0 {
			got = append(got, "charts without a text alternative: "+strings.Join(bare, ", "))
		}
		if len(got) > 0 {
			t.Errorf("%s:\n  %s", name, strings.Join(got, "\n  "))
		}
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login")); err != nil {
		t.Fatal(err)
	}
	audit("/login")
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/form")); err != nil {
		t.Fatal(err)
	}
	audit("/form")
	err = chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"),
		chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#ticket-table")))
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	ticket, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#ticket-table tbody a[href^='/tickets/']").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/quality/items"), chromedp.WaitReady(chromedp.CSS("#board"))); err != nil {
		t.Fatal(err)
	}
	item, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#board a.item[href]") || {getAttribute: () => ""}).getAttribute("href")`))
	if err != nil || item == "" {
		t.Fatalf("no improvement item on the board (%v)", err)
	}
	pages := []string{"/tickets", ticket, "/tickets/new", ticket + "/edit", "/dashboard", "/quality/items", item, "/quality/cases",
		"/quality/root-causes", "/quality/alerts", "/quality/targets", "/quality/revenue", "/customers", "/customers/new", "/products",
		"/network", "/users", "/sla", "/rules/routing/new", "/rules/automation/new", "/rules/webhook/new", "/fields", "/data-quality",
		"/data-quality/issues", "/imports", "/audit", "/tokens", "/notifications", "/followups", "/followup-policies", "/surveys",
		"/voc"}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, width := range []int64{1280, 390} {
			err := chromedp.Do(ctx, chromedp.Navigate(base+"/lang/"+lang), chromedp.EmulateViewport(width, 844))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pages {
				if err := chromedp.Do(ctx, chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				audit(fmt.Sprintf("%s (%s, %d px)", p, lang, width))
			}
		}
	}
}
