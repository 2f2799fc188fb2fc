package app

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserDrillChips clicks a dashboard tile on a 390 px phone and
// lands on the ticket list with the drill-down's filters as chips: they
// are visible, the page does not overflow, and clicking the period chip
// removes just that filter (the population's chip stays). On the way the
// charts offer their PNG and CSV, and the list's bulk actions are used by
// keyboard.
func TestBrowserDrillChips(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo", "--demo-tickets", "200"},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1"})
	ctx := browser(t, exe, filepath.Join(dir, "chrome"), 1280, 900, "en", 90*time.Second)
	csp := watchConsole(t, ctx)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/tickets"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#ticket-table")),
		chromedp.Navigate(base+"/lang/en"),
		chromedp.Navigate(base+"/dashboard"),
		chromedp.WaitVisible(chromedp.CSS("#tile-created")),
		chromedp.WaitVisible(chromedp.CSS("#chart-trend + .chart-downloads .chart-download-csv")),
	)
	if err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	// Every chart offers its picture and its data points.
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.querySelectorAll(".chart[data-rendered]").length,
		document.querySelectorAll(".chart[data-rendered] + .chart-downloads .chart-download-png").length,
		document.querySelectorAll(".chart[data-rendered] + .chart-downloads .chart-download-csv").length]`))
	if err != nil || counts[0] == 0 || counts[1] != counts[0] || counts[2] != counts[0] {
		t.Errorf("[charts, PNG links, CSV links] = %v (%v), want one of each per chart", counts, err)
	}
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#chart-trend + .chart-downloads .chart-download-csv")),
		chromedp.Click(chromedp.CSS("#chart-trend + .chart-downloads .chart-download-png")),
		chromedp.WaitReady(chromedp.CSS("#chart-trend + .chart-downloads .chart-download-png[data-ready]")))
	if err != nil {
		t.Fatalf("chart downloads: %v", err)
	}
	hrefs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[decodeURIComponent(document.querySelector("#chart-trend + .chart-downloads .chart-download-csv").href),
		document.querySelector("#chart-trend + .chart-downloads .chart-download-png").href.slice(0, 22)]`))
	if err != nil || !strings.Contains(hrefs[0], "series,category,value,tickets,of\r\n") || strings.Count(hrefs[0], "\r\n") < 4 ||
		hrefs[1] != "data:image/png;base64," {
		t.Errorf("the trend's downloads: %q (%v), want its points as CSV and a PNG", hrefs, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#tile-created")),
		chromedp.WaitVisible(chromedp.CSS("#chip-kpi_from")),
	)
	if err != nil {
		t.Fatalf("dashboard tile to the ticket list: %v", err)
	}
	chips, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#filter-chips .chip")].map(c => c.id + "=" + c.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	if len(chips) != 2 || !strings.HasPrefix(chips[0], "chip-kpi=Counted in Tickets created") || !strings.HasPrefix(chips[1], "chip-kpi_from=created 20") {
		t.Errorf("chips after the tile's drill-down = %q, want the population and its month", chips)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
		t.Errorf("the drill-down list overflows a phone (%v):\n%s", err, strings.Join(got, "\n"))
	}
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#chip-kpi_from")), chromedp.WaitNotPresent(chromedp.CSS("#chip-kpi_from")),
		chromedp.WaitVisible(chromedp.CSS("#chip-kpi")))
	if err != nil {
		t.Fatalf("remove the period chip: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || strings.Contains(loc, "kpi_from") || !strings.Contains(loc, "kpi=created") {
		t.Errorf("after removing the period the list is at %q (%v), want the population without its period", loc, err)
	}

	// Bulk actions work from the keyboard on a phone: the panel opens with
	// Enter, a row is ticked with Space, and nothing sticks out.
	err = chromedp.Do(ctx, chromedp.Navigate(base+"/tickets"), chromedp.WaitVisible(chromedp.CSS("#bulk > summary")),
		chromedp.Focus(chromedp.CSS("#bulk > summary")), chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS("#bulk-apply")),
		chromedp.Focus(chromedp.CSS("input.bulk-pick")), chromedp.KeyEvent(" "))
	if err != nil {
		t.Fatalf("bulk actions by keyboard: %v", err)
	}
	picked, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("input.bulk-pick:checked").length`))
	if err != nil || picked != 1 {
		t.Errorf("after Space on the first row %d rows are ticked (%v), want 1", picked, err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
		t.Errorf("the list with the bulk panel open overflows a phone (%v):\n%s", err, strings.Join(got, "\n"))
	}
	if got := csp.drain(t, ctx); len(got) > 0 {
		t.Errorf("console problems: %q", got)
	}
}
