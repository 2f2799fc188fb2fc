package app

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserClustersPhone is issue #21's check of the complaint topics
// on the demo company: on a 390×844 phone in Chinese the page shows the
// topics of the demo's complaints with their charts drawn (each with a
// description for screen readers), nothing overflows sideways, no script
// breaks the CSP, and a topic's drill-down lists as many tickets as its
// size under a chip with the topic's name.
func TestBrowserClustersPhone(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo", "--demo-tickets", "300"},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1"})
	ctx := browser(t, exe, filepath.Join(dir, "chrome"), 390, 844, "zh-CN", 3*time.Minute)
	csp := watchConsole(t, ctx)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/voc/clusters"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#clusters")),
		chromedp.Navigate(base+"/lang/zh-CN"),
		chromedp.Navigate(base+"/voc/clusters"),
		chromedp.WaitVisible(chromedp.CSS("#clusters")),
	)
	if err == nil {
		err = chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS("#chart-cluster-pareto svg")))
	}
	if err != nil {
		if body, e := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " " + document.body.innerText.slice(0, 600)`)); e == nil {
			t.Log(body)
		}
		t.Fatalf("open the clusters page: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.querySelector("h1").textContent,
		String(document.querySelectorAll("section.cluster").length),
		document.querySelector("#chart-cluster-pareto").getAttribute("aria-label") || "",
		document.querySelector("section.cluster .chart").getAttribute("aria-label") || ""]`))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.Atoi(got[1]); got[0] != "投诉主题聚类" || n < 2 || !strings.Contains(got[2], "投诉主题帕累托图") || !strings.Contains(got[3], "每周工单数") {
		t.Errorf("page: title %q, %s topics, pareto aria %q, trend aria %q", got[0], got[1], got[2], got[3])
	}
	if sum, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#cluster-summary").textContent`)); err == nil {
		t.Logf("demo complaints: %s", strings.TrimSpace(sum))
	}
	if over, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(over) > 0 {
		t.Errorf("the clusters page overflows a phone (%v):\n%s", err, strings.Join(over, "\n"))
	}
	shot(t, ctx, "phone-clusters.png")
	drill, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => { const a = document.querySelector("a.cluster-drill");
		return [a.getAttribute("href"), a.dataset.size, a.closest("section").querySelector("h2").textContent]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx, chromedp.Navigate(base+drill[0]), chromedp.WaitVisible(chromedp.CSS("#chip-topic_id")))
	if err != nil {
		t.Fatalf("drill %s: %v", drill[0], err)
	}
	list, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.querySelector("#chip-topic_id").textContent, document.querySelector("#ticket-total").textContent]`))
	if err != nil || !strings.Contains(list[0], drill[2]) || !strings.Contains(list[1], drill[1]) {
		t.Errorf("drill to %q (%s tickets): chip %q, total %q (%v)", drill[2], drill[1], list[0], list[1], err)
	}
	if p := csp.drain(t, ctx); len(p) > 0 {
		t.Errorf("console problems:\n%s", strings.Join(p, "\n"))
	}
}
