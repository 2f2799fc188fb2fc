package app

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// screenshotsEnv names the folder TestScreenshots writes to; unset, the
// test skips, so ordinary test runs and CI never write anything.
const screenshotsEnv = "AFTERSALES_SCREENSHOTS"

// TestScreenshots regenerates the README's screenshots (docs/screenshots)
// from a fresh demo installation in Debian's chromium: the main pages in
// zh-CN and English at 1280×900, and the ticket list, a ticket and the
// dashboard on a 390×844 phone. Viewport PNGs at device scale 1, named
// LANG-PAGE.png and LANG-phone-PAGE.png. It only runs when asked:
//
//	AFTERSALES_SCREENSHOTS=docs/screenshots go test ./internal/app -run TestScreenshots -count=1
//
// A relative folder is taken from the module root. The images are made in
// a temporary folder first; only when every page was shot do they replace
// the folder's LANG-*.png files.
func TestScreenshots(t *testing.T) {
	out := os.Getenv(screenshotsEnv)
	if out == "" {
		t.Skip(screenshotsEnv + " is not set; to regenerate the README's screenshots run " +
			screenshotsEnv + "=docs/screenshots go test ./internal/app -run TestScreenshots -count=1")
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join(moduleRoot(t), out)
	}
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo", "--demo-tickets", "3000"},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "screenshots-password-1"})

	shots := filepath.Join(dir, "shots")
	if err := os.Mkdir(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	var names []string
	// browser starts a chromium that asks for pages in lang, as a
	// customer's would. (Its date and month inputs keep the format of
	// chromium's own locale: Debian's package only carries en-US.)
	browser := func(lang string) context.Context {
		t.Helper()
		ctx := browser(t, exe, filepath.Join(dir, "chrome-"+lang), 1280, 900, lang, 8*time.Minute, chromedp.Flag("accept-lang", lang), chromedp.Flag("hide-scrollbars", true))
		// Start it now, so that a tab opened from ctx shares this browser.
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
			t.Fatalf("start chromium (%s): %v", lang, err)
		}
		return ctx
	}
	// take waits until the page has loaded and drawn its charts, then saves
	// what the viewport shows.
	take := func(ctx context.Context, name string) {
		t.Helper()
		ready := `document.readyState === "complete" && [...document.querySelectorAll("[data-chart]")].every(el => el.dataset.rendered)`
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](ready, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			t.Fatalf("%s: page not ready: %v", name, err)
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	open := func(ctx context.Context, path string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	desktop := chromedp.EmulateViewport(1280, 900)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)
	signIn := func(ctx context.Context, lang string) {
		t.Helper()
		if err := chromedp.Do(ctx, desktop); err != nil {
			t.Fatal(err)
		}
		open(ctx, "/lang/"+lang)
		open(ctx, "/login")
		take(ctx, lang+"-login.png")
		err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), "screenshots-password-1"),
			chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#ticket-table")))
		if err != nil {
			t.Fatalf("sign in (%s): %v", lang, err)
		}
	}

	zh, en := browser("zh-CN"), browser("en")
	// A customer fills in the web form in a second tab; it is sent after
	// the console's pages, well past the form's spam-trap minimum age (and
	// after them, so that no page shows the new ticket still being
	// counted), and leads to the page that follows the new ticket.
	form, cancelForm := chromedp.NewContext(zh)
	defer cancelForm()
	err := chromedp.Do(form, desktop, chromedp.Navigate(base+"/form?lang=zh-CN"),
		chromedp.WaitVisible(chromedp.CSS("#web-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), "王女士"),
		chromedp.SendKeys(chromedp.CSS("#phone"), "13800138000"),
		chromedp.SetValue(chromedp.CSS("#nature"), "repair"),
		chromedp.SendKeys(chromedp.CSS("#address"), "成都市武侯区人民南路四段 12 号"),
		chromedp.SendKeys(chromedp.CSS("#title"), "空调制冷效果差，出风不凉"),
		chromedp.SendKeys(chromedp.CSS("#description"), "去年夏天安装的挂机，这两天开 16 度也只有一点凉风，外机一直在转。"))
	if err != nil {
		t.Fatalf("fill in the web form: %v", err)
	}

	signIn(zh, "zh-CN")
	// A ticket that has been worked on (its timeline has more than the
	// opening), and an improvement item as far along the loop as the demo
	// has one.
	open(zh, "/tickets?status=in_service")
	ticket, err := chromedp.Run(zh, chromedp.Evaluate[string](`(document.querySelector("#ticket-table tbody a[href^='/tickets/']") || {getAttribute: () => ""}).getAttribute("href")`))
	if err != nil || ticket == "" {
		open(zh, "/tickets")
		ticket, err = chromedp.Run(zh, chromedp.Evaluate[string](`document.querySelector("#ticket-table tbody a[href^='/tickets/']").getAttribute("href")`))
		if err != nil {
			t.Fatalf("no ticket in the list: %v", err)
		}
	}
	open(zh, "/quality/items")
	item, err := chromedp.Run(zh, chromedp.Evaluate[string](`(["verifying", "closed", "implementing", "planning", "analysing", "open"]
		.map(s => document.querySelector('#board .col[data-status="' + s + '"] a.item[href]')).find(a => a) || {getAttribute: () => ""}).getAttribute("href")`))
	if err != nil || item == "" {
		t.Fatalf("no improvement item on the board (%v)", err)
	}
	signIn(en, "en")

	pages := []struct {
		name, path string
		phone      bool
	}{
		{"tickets", "/tickets", true}, {"ticket", ticket, true}, {"new-ticket", "/tickets/new", false}, {"dashboard", "/dashboard", true},
		{"improvement-board", "/quality/items", false}, {"improvement-item", item, false}, {"alerts", "/quality/alerts", false},
		{"sla-rules", "/sla", false}, {"routing-rule", "/rules/routing/new", false}, {"data-quality", "/data-quality", false},
	}
	for _, b := range []struct {
		lang string
		ctx  context.Context
	}{{"zh-CN", zh}, {"en", en}} {
		ctx, lang := b.ctx, b.lang
		if err := chromedp.Do(ctx, desktop); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			open(ctx, p.path)
			take(ctx, lang+"-"+p.name+".png")
		}
		open(ctx, "/form?lang="+lang)
		take(ctx, lang+"-form.png")
		if err := chromedp.Do(ctx, phone); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			if p.phone {
				open(ctx, p.path)
				take(ctx, lang+"-phone-"+p.name+".png")
			}
		}
		if err := chromedp.Do(ctx, desktop); err != nil {
			t.Fatal(err)
		}
	}

	// Sent now, the form is many seconds old.
	fctx, fcancel := context.WithTimeout(form, time.Minute)
	defer fcancel()
	err = chromedp.Do(fctx, chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("dd#status")))
	var follow string
	if err == nil {
		follow, err = chromedp.Run(fctx, chromedp.Location())
	}
	if err != nil || !strings.Contains(follow, "/follow/") {
		t.Fatalf("the web form led to %q, not to the ticket's follow page (%v)", follow, err)
	}
	cancelForm()
	u, err := url.Parse(follow)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("lang", "zh-CN")
	open(zh, u.Path+"?"+q.Encode())
	take(zh, "zh-CN-follow.png")
	q.Set("lang", "en")
	open(en, u.Path+"?"+q.Encode())
	take(en, "en-follow.png")

	// Every page was shot: replace the folder's screenshots.
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		old, err := filepath.Glob(filepath.Join(out, lang+"-*.png"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range old {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	var total int64
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(shots, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		total += int64(len(b))
	}
	t.Logf("%d screenshots, %.1f MB, in %s", len(names), float64(total)/1e6, out)
}

// moduleRoot is the folder holding go.mod, above the test's working
// directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	d, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			t.Fatal("no go.mod above the working directory")
		}
		d = up
	}
}
