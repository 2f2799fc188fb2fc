package app

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestZZLookFieldDemo(t *testing.T) {
	base := os.Getenv("LOOK_BASE")
	if base == "" {
		t.Skip()
	}
	exe := chromium(t)
	out := "/tmp/fd-shots"
	os.MkdirAll(out, 0o755)
	for _, lang := range []string{"zh-CN", "en"} {
		ctx := browser(t, exe, filepath.Join(t.TempDir(), "c"), 1280, 2400, lang, 4*time.Minute, chromedp.Flag("accept-lang", lang))
		err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 2400), chromedp.Navigate(base+"/lang/"+lang), chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), "FJJD4OEW6ILNANJE42HL"),
			chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#ticket-table")))
		if err != nil {
			t.Fatal(err)
		}
		for name, path := range map[string]string{"dash": "/dashboard", "sw": "/dashboard?kpi=window_on_time&filter=region&value=" + os.Getenv("LOOK_SW"), "swparts": "/dashboard?kpi=parts_wait_median&filter=region&value=" + os.Getenv("LOOK_SW")} {
			if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("#tiles"))); err != nil {
				t.Fatal(err)
			}
			ready := `document.readyState === "complete" && [...document.querySelectorAll("[data-chart]")].every(el => el.dataset.rendered)`
			chromedp.Run(ctx, chromedp.Poll[bool](ready, chromedp.WithPollingTimeout(30*time.Second)))
			txt, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll(".tile")].map(e => e.id + ": " + e.querySelector(".tile-value").textContent.trim()).join("\n")`))
			t.Logf("%s %s:\n%s", lang, name, txt)
			png, _ := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			os.WriteFile(filepath.Join(out, lang+"-"+name+".png"), png, 0o644)
		}
	}
}
