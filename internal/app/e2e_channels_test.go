package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserChannelsPhone saves the email channel's settings on the
// Channels page on a 390×844 phone, in Chinese and then in English: a
// mailbox and the SMTP server are saved, the page says so, shows the
// mailbox from --imap read-only, never shows a password back, and
// nothing overflows sideways.
func TestBrowserChannelsPhone(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1", "AFTERSALES_IMAP": "imaps://ops%40flag.example:pw@127.0.0.1:1/INBOX"})
	ctx := browser(t, exe, filepath.Join(dir, "chrome"), 390, 844, "zh-CN", 3*time.Minute)
	csp := watchConsole(t, ctx)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/admin/channels"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#channels-form")),
	)
	if err != nil {
		t.Fatalf("open the channels page: %v", err)
	}
	for i, lang := range []string{"zh-CN", "en"} {
		secret := fmt.Sprintf("mailbox-secret-%d", i)
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/lang/"+lang),
			chromedp.Navigate(base+"/admin/channels"),
			chromedp.WaitVisible(chromedp.CSS("#channels-form")),
			// The blank fieldset is the last one: index i.
			chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#mb%d-host", i)), "imap.example.com"),
			chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#mb%d-user", i)), fmt.Sprintf("support%d@example.com", i)),
			chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#mb%d-pw", i)), secret),
		)
		if err == nil && i == 0 {
			err = chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.CSS("#smtp-addr"), "smtp.example.com:587"),
				chromedp.SendKeys(chromedp.CSS("#smtp-from"), "support@example.com"),
				chromedp.SendKeys(chromedp.CSS("#smtp-pw"), "smtp-secret"))
		}
		if err == nil {
			err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#channels-save")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		}
		if err != nil {
			if body, e := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " " + document.body.innerText.slice(0, 1500)`)); e == nil {
				t.Log(body)
			}
			t.Fatalf("%s: save: %v", lang, err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.querySelector("h1").textContent, document.querySelector(".flash.ok").textContent,
			String(document.querySelectorAll("fieldset[id^=mailbox-]").length), document.querySelector("#server-mailboxes").textContent,
			document.documentElement.outerHTML.includes("secret") ? "leak" : "", document.querySelector("#mb0-pw").value,
			document.querySelector("#mb0-pw").placeholder]`))
		if err != nil {
			t.Fatal(err)
		}
		title, saved, placeholder := "渠道设置", "已保存", "已保存；留空则不变"
		if lang == "en" {
			title, saved, placeholder = "Channels", "Saved", "stored; leave empty to keep"
		}
		// The saved mailboxes and a blank one to add the next.
		if got[0] != title || !strings.Contains(got[1], saved) || got[2] != fmt.Sprint(i+2) || !strings.Contains(got[3], "ops@flag.example@127.0.0.1:1/INBOX") ||
			got[4] != "" || got[5] != "" || got[6] != placeholder {
			t.Errorf("%s after saving: %q", lang, got)
		}
		if over, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(over) > 0 {
			t.Errorf("%s: the channels page overflows a phone (%v):\n%s", lang, err, strings.Join(over, "\n"))
		}
		shot(t, ctx, "phone-channels-"+lang+".png")
	}
	// (In English.) A bad host is named under its field; a test of a
	// server that refuses the connection shows the failure.
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#mb2-host"), "bad host"),
		chromedp.SendKeys(chromedp.CSS("#mb2-user"), "x@example.com"),
		chromedp.Click(chromedp.CSS("#channels-save")),
		chromedp.WaitVisible(chromedp.CSS("#mailbox-2 .err")))
	if err != nil {
		t.Fatalf("bad host: %v", err)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#mailbox-2 .err").textContent`)); got != "must be a host name or address" {
		t.Errorf("bad host says %q", got)
	}
	shot(t, ctx, "phone-channels-error-en.png")
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#mb0-host"), "127.0.0.1"),
		chromedp.SetValue(chromedp.CSS("#mb0-port"), "1"),
		chromedp.SetValue(chromedp.CSS("#mb0-tls"), "none"),
		chromedp.Click(chromedp.CSS("#mb0-test")),
		chromedp.WaitVisible(chromedp.CSS("#mailbox-0 #test-result")))
	if err != nil {
		t.Fatalf("test connection: %v", err)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#test-result").textContent`)); !strings.Contains(got, "Connection failed") || !strings.Contains(got, "refused") {
		t.Errorf("test of a refusing server says %q", got)
	}
	shot(t, ctx, "phone-channels-test-en.png")
	for _, lang := range []string{"zh-CN", "en"} {
		chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/lang/"+lang), chromedp.Navigate(base+"/admin/channels"),
			chromedp.WaitVisible(chromedp.CSS("#channels-form")))
		shot(t, ctx, "desk-channels-"+lang+".png")
	}
	if p := csp.drain(t, ctx); len(p) > 0 {
		t.Errorf("console problems:\n%s", strings.Join(p, "\n"))
	}
}
