package app

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestBrowserMergedDuplicateFiles opens a merged duplicate's page and
// downloads the file sent on it, which the merge moved to the ticket kept:
// in the console as the duplicate's technician (who does not see the
// kept ticket), from the timeline entry, and on the portal as the
// customer, from the duplicate's list of files. Both links answered 404.
func TestBrowserMergedDuplicateFiles(t *testing.T) {
	exe := chromium(t)
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	ctx0 := app.Ctx
	base := app.Server.URL
	c, err := db.CreateCustomer(ctx0, aftersales.CustomerInput{Name: "李明", Email: "li@example.cn"})
	if err != nil {
		t.Fatal(err)
	}
	kept := testutil.MustTicket(t, ctx0, db, c.ID, "洗衣机漏水")
	dup := testutil.MustTicket(t, ctx0, db, c.ID, "洗衣机还在漏水")
	tech := testutil.MustUser(t, ctx0, db, "tech@example.com", aftersales.RoleTechnician, nil)
	if _, err := db.UpdateTicket(ctx0, dup.ID, dup.Version, aftersales.TicketInput{AssigneeID: &tech.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.InvitePortalUser(ctx0, c.ID, aftersales.PortalInvite{Email: "li@example.cn", Name: "李明"}); err != nil {
		t.Fatal(err)
	}
	// The file goes in through the API, so it is stored like any upload.
	const content = "水从底部漏出"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "leak.txt")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/tickets/%d/attachments", base, dup.ID), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+app.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %s", res.Status)
	}
	d, _ := db.FindTicket(ctx0, dup.ID)
	if _, err := db.MergeTicket(ctx0, dup.ID, kept.ID, aftersales.MergeInput{Version: d.Version}); err != nil {
		t.Fatal(err)
	}

	ctx := browser(t, exe, filepath.Join(t.TempDir(), "chrome"), 1280, 900, "zh-CN", 2*time.Minute)
	// download fetches the first link matching sel as the page's user
	// would follow it: its status, its disposition and its text.
	download := func(sel string) []string {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async () => {
			const a = document.querySelector(`+"`"+sel+"`"+`);
			if (!a) return ["no link"];
			const r = await fetch(a.href);
			return [String(r.status), r.headers.get("Content-Disposition") || "", await r.text()];
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return got
	}
	want := fmt.Sprint([]string{"200", "attachment; filename*=UTF-8''leak.txt", content})

	err = chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/tickets/%d", base, dup.ID)),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "tech@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "password-123456"),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#timeline")),
	)
	if err != nil {
		t.Fatalf("the technician opens the duplicate: %v", err)
	}
	for _, sel := range []string{`#timeline a[href^="/api/v1/attachments/"]`, `#attachment-list a[href^="/api/v1/attachments/"]`} {
		if got := download(sel); fmt.Sprint(got) != want {
			t.Errorf("console: the duplicate's link %s gives %q, want %q", sel, got, want)
		}
	}
	shot(t, ctx, "merged-duplicate-files-console.png")

	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/portal/login"),
		chromedp.WaitVisible(chromedp.CSS("#link-email")),
		chromedp.SendKeys(chromedp.CSS("#link-email"), "li@example.cn"),
		chromedp.Click(chromedp.CSS("#send-link")),
		chromedp.WaitVisible(chromedp.CSS("#link-sent")),
	)
	if err != nil {
		t.Fatalf("ask for a portal link: %v", err)
	}
	mail, err := db.LatestMailTo(context.Background(), "li@example.cn")
	link := regexp.MustCompile(`/portal/link/asl_[A-Z0-9]+`).FindString(mail)
	if err != nil || link == "" {
		t.Fatalf("no sign-in link in the outbox: %q %v", mail, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+link),
		chromedp.WaitVisible(chromedp.CSS("#use-link")),
		chromedp.Click(chromedp.CSS("#use-link")),
		chromedp.WaitVisible(chromedp.CSS("#pnav-tickets")),
		chromedp.Navigate(fmt.Sprintf("%s/portal/tickets/%d", base, dup.ID)),
		chromedp.WaitVisible(chromedp.CSS("#merged-banner")),
	)
	if err != nil {
		t.Fatalf("the customer opens the duplicate: %v", err)
	}
	files, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#files ul").innerText`))
	if err != nil || !strings.Contains(files, "leak.txt") {
		t.Errorf("portal: the duplicate's files read %q (%v), want leak.txt", files, err)
	}
	if got := download(`#files a[href*="/attachments/"]`); fmt.Sprint(got) != want {
		t.Errorf("portal: the duplicate's file link gives %q, want %q", got, want)
	}
	shot(t, ctx, "merged-duplicate-files-portal.png")
}
