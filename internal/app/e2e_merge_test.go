package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserMergeTicket merges a duplicate on a 390 px phone screen, in
// Chinese and in English: the number typed on the duplicate's page is
// previewed with the kept ticket's title and customer, the confirmation
// lands on the ticket kept with a flash naming the duplicate, and the
// duplicate's page shows a banner linking there. Nothing sticks out past
// the right edge on the way.
func TestBrowserMergeTicket(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1"})
	ctx := browser(t, exe, filepath.Join(dir, "chrome"), 390, 844, "zh-CN", 2*time.Minute)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/tickets"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"),
		chromedp.Click(chromedp.CSS("#login")),
		// The ticket list, not any main: the sign-in page has one too, and
		// the API calls below need the session the sign-in sets.
		chromedp.WaitVisible(chromedp.CSS("#ticket-table")),
	)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	// The signed-in session creates the customer and two pairs of
	// tickets through the API.
	made, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async () => {
		const post = async (path, body) => {
			const r = await fetch("/api/v1" + path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
			if (!r.ok) throw new Error(path + " " + r.status + " " + await r.text());
			return r.json();
		};
		const c = await post("/customers", {kind: "person", name: "李明", phone: "13900139000"});
		const out = [];
		for (const title of ["洗衣机漏水", "洗衣机还在漏水", "Fridge is warm", "Fridge still warm"]) {
			const t = await post("/tickets", {channel: "phone", nature: "repair", urgency: "normal", title, customer_id: c.id});
			out.push(String(t.id), t.number);
		}
		return out;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || len(made) != 8 {
		t.Fatalf("make tickets: %v %v", made, err)
	}
	for i, tc := range []struct{ lang, flash, banner string }{
		{"zh-CN", "已合并到本工单", "已合并到"},
		{"en", "was merged into this ticket", "Merged into"},
	} {
		keepID, keepNo, dupID, dupNo := made[4*i], made[4*i+1], made[4*i+2], made[4*i+3]
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/lang/"+tc.lang),
			chromedp.Navigate(base+"/tickets/"+dupID),
			chromedp.WaitVisible(chromedp.CSS("#merge-into")),
			chromedp.SendKeys(chromedp.CSS("#merge-into"), keepNo),
			chromedp.Click(chromedp.CSS("#merge-next")),
			chromedp.WaitVisible(chromedp.CSS("#merge-preview")),
		)
		if err != nil {
			t.Fatalf("%s: find the ticket to keep: %v", tc.lang, err)
		}
		preview, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#merge-preview").innerText`))
		if err != nil || !strings.Contains(preview, keepNo) || !strings.Contains(preview, "李明") {
			t.Errorf("%s: preview %q (%v), want %s and the customer", tc.lang, preview, err, keepNo)
		}
		if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
			t.Errorf("%s: the merge preview overflows (%v):\n%s", tc.lang, err, strings.Join(got, "\n"))
		}
		shot(t, ctx, "merge-preview-"+tc.lang+".png")
		err = chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#merge-note"), "同一故障"),
			chromedp.Click(chromedp.CSS("#merge-confirm")),
			chromedp.WaitVisible(chromedp.CSS(".flash.ok")),
		)
		if err != nil {
			t.Fatalf("%s: merge: %v", tc.lang, err)
		}
		state, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[location.pathname, document.querySelector(".flash.ok").innerText]`))
		if err != nil || len(state) != 2 || state[0] != "/tickets/"+keepID || !strings.Contains(state[1], dupNo) || !strings.Contains(state[1], tc.flash) {
			t.Errorf("%s: after the merge %v (%v), want /tickets/%s with a flash naming %s", tc.lang, state, err, keepID, dupNo)
		}
		err = chromedp.Do(ctx, chromedp.Navigate(base+"/tickets/"+dupID), chromedp.WaitVisible(chromedp.CSS("#merged-banner")))
		if err != nil {
			t.Fatalf("%s: duplicate's banner: %v", tc.lang, err)
		}
		banner, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.querySelector("#merged-banner").innerText, document.querySelector("#merged-link").getAttribute("href"), String(!!document.querySelector("#merge"))]`))
		if err != nil || fmt.Sprint(banner) != fmt.Sprint([]string{tc.banner + " " + keepNo, "/tickets/" + keepID, "false"}) {
			t.Errorf("%s: banner %q (%v)", tc.lang, banner, err)
		}
		if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
			t.Errorf("%s: the merged ticket's page overflows (%v):\n%s", tc.lang, err, strings.Join(got, "\n"))
		}
		shot(t, ctx, "merge-banner-"+tc.lang+".png")
	}
}
