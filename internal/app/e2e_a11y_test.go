package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"aftersales/internal/demo"
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
	ctx := browser(t, exe, filepath.Join(dir, "chrome"), 1280, 900, "zh-CN", 8*time.Minute) // 8: the knowledge-base pages added 24 audits

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
	// A complaint, with its closure panel (issue #20).
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/tickets?nature=complaint"), chromedp.WaitVisible(chromedp.CSS("#ticket-table"))); err != nil {
		t.Fatal(err)
	}
	complaint, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#ticket-table tbody a[href^='/tickets/']") || {getAttribute: () => ""}).getAttribute("href")`))
	if err != nil || complaint == "" {
		t.Fatalf("no complaint in the demo (%v)", err)
	}
	// The customer portal, as the demo company's portal admin.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/portal/login"), chromedp.WaitVisible(chromedp.CSS("#password-form"))); err != nil {
		t.Fatal(err)
	}
	audit("/portal/login")
	err = chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#email"), demo.PortalCompanyAdmin), chromedp.SendKeys(chromedp.CSS("#password"), demo.PortalPassword),
		chromedp.Click(chromedp.CSS("#password-form #login")))
	if err == nil {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS("#pnav-tickets")))
		cancel()
	}
	if err != nil {
		where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " " + document.body.innerText.slice(0, 300)`))
		t.Fatalf("portal sign-in: %v (at %s)", err, where)
	}
	portalTicket, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main a[href^='/portal/tickets/']:not(#new-ticket)").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	pages := []string{"/portal/tickets", portalTicket, "/portal/tickets/new", "/portal/assets", "/portal/account", "/tickets", ticket, complaint, "/tickets/new", ticket + "/edit", "/dashboard", "/quality/items", item, "/quality/cases",
		"/quality/root-causes", "/quality/alerts", "/quality/targets", "/quality/revenue", "/customers", "/customers/new", "/products",
		"/network", "/users", "/sla", "/rules/routing/new", "/rules/automation/new", "/rules/webhook/new", "/fields", "/data-quality",
		"/data-quality/issues", "/imports", "/audit", "/tokens", "/notifications", "/followups", "/followup-policies", "/surveys", "/dispatch",
		"/admin/models", "/surveys/templates/edit?code=csat",
		"/kb", "/kb?q=%E7%A9%BA%E8%B0%83%E4%B8%8D%E5%88%B6%E5%86%B7", "/kb/1", "/kb/1/edit", "/kb/report", "/help/1",
		"/field-standards",
		"/voc/clusters", "/admin/dictionary",
		"/voc",
		"/admin/segments",
		"/stock", ticket + "/book", "/technicians", "/stock?part=1", "/stock?loc=1"}
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
