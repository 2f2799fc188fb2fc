package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestBrowserPortalPhone is issue #20's customer portal on a 390×844
// phone in Chinese: the customer asks for a sign-in link, follows it from
// the mail outbox, sees only their own tickets, opens a ticket with a
// photo, writes on it, and moves a field visit to another offered window.
func TestBrowserPortalPhone(t *testing.T) {
	exe := chromium(t)
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	ctx0 := app.Ctx
	tech := testutil.MustUser(t, ctx0, db, "tech@example.com", aftersales.RoleTechnician, nil)
	var shifts []aftersales.Shift
	for wd := 0; wd <= 6; wd++ {
		shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 8 * 60, EndMin: 20 * 60})
	}
	if _, err := db.SetTechnician(ctx0, tech.ID, aftersales.TechnicianProfileInput{Home: &aftersales.Position{Lat: 30.65, Lng: 104.06}, Shifts: shifts}); err != nil {
		t.Fatal(err)
	}
	c, err := db.CreateCustomer(ctx0, aftersales.CustomerInput{Name: "王女士", Email: "wang@example.com", Address: aftersales.Address{Lat: testutil.Ptr(30.66), Lng: testutil.Ptr(104.07)}})
	if err != nil {
		t.Fatal(err)
	}
	mine := testutil.MustTicket(t, ctx0, db, c.ID, "空调不制冷")
	zone := testutil.Shanghai(t)
	d := time.Now().In(zone).AddDate(0, 0, 3)
	start := time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, zone)
	v, err := db.CreateVisit(ctx0, mine.ID, aftersales.VisitInput{WindowStart: start, WindowEnd: start.Add(2 * time.Hour), DurationMin: 60, TechnicianID: &tech.ID})
	if err != nil {
		t.Fatal(err)
	}
	other := testutil.MustCustomer(t, ctx0, db, "隔壁客户")
	theirs := testutil.MustTicket(t, ctx0, db, other.ID, "别人的热水器")
	if _, err := db.InvitePortalUser(ctx0, c.ID, aftersales.PortalInvite{Email: "wang@example.com", Name: "王女士"}); err != nil {
		t.Fatal(err)
	}

	ctx := browser(t, exe, filepath.Join(t.TempDir(), "chrome"), 390, 844, "zh-CN", 3*time.Minute)
	csp := watchConsole(t, ctx)
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "zh-CN,zh;q=0.9"}}); err != nil {
		t.Fatal(err)
	}
	base := app.Server.URL
	text := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	fits := func(where string) {
		t.Helper()
		if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
			t.Errorf("%s overflows a phone (%v):\n%s", where, err, strings.Join(got, "\n"))
		}
	}

	// Sign in by a one-time link, taken from the mail outbox.
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/portal/login"),
		chromedp.WaitVisible(chromedp.CSS("#link-email")),
		chromedp.SendKeys(chromedp.CSS("#link-email"), "wang@example.com"),
		chromedp.Click(chromedp.CSS("#send-link")),
		chromedp.WaitVisible(chromedp.CSS("#link-sent")),
	)
	if err != nil {
		t.Fatalf("ask for a link: %v", err)
	}
	fits("/portal/login")
	mail, err := db.LatestMailTo(context.Background(), "wang@example.com")
	link := regexp.MustCompile(`/portal/link/asl_[A-Z0-9]+`).FindString(mail)
	if err != nil || link == "" {
		t.Fatalf("no sign-in link in the outbox: %q %v", mail, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+link),
		chromedp.WaitVisible(chromedp.CSS("#use-link")),
		chromedp.Click(chromedp.CSS("#use-link")),
		chromedp.WaitVisible(chromedp.CSS("#pnav-tickets")),
	)
	if err != nil {
		t.Fatalf("use the link: %v", err)
	}
	if h1 := text(`document.querySelector("h1").textContent`); h1 != "我的工单" {
		t.Errorf("tickets page title %q", h1)
	}
	list := text(`document.querySelector("main").textContent`)
	if !strings.Contains(list, mine.Number) || strings.Contains(list, theirs.Number) || strings.Contains(list, "别人的热水器") {
		t.Errorf("the list shows %q: want only the customer's own ticket %s", list, mine.Number)
	}
	fits("/portal/tickets")
	// The header's links in a row, not one per line in a column between
	// the brand and the account, and the heading below the header.
	if got := text(`(() => { const tops = new Set([...document.querySelectorAll("header.portal-top nav a")].map(a => Math.round(a.getBoundingClientRect().top)));
		const gap = document.querySelector("h1").getBoundingClientRect().top - document.querySelector("header.portal-top").getBoundingClientRect().bottom;
		return tops.size + " rows, " + (gap >= 8 ? "apart" : "touching") })()`); got != "1 rows, apart" {
		t.Errorf("the portal's header on a phone: links in %s, want 1 rows, apart", got)
	}
	shot(t, ctx, "phone-portal-tickets.png")

	// A new ticket with a photo.
	photo := filepath.Join(t.TempDir(), "leak.txt")
	if err := os.WriteFile(photo, []byte("水从底部漏出"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#new-ticket")),
		chromedp.WaitVisible(chromedp.CSS("#f-title")),
		chromedp.SendKeys(chromedp.CSS("#f-title"), "热水器漏水"),
		chromedp.SetValue(chromedp.CSS("#f-nature"), "repair"),
		chromedp.SendKeys(chromedp.CSS("#f-description"), "卫生间热水器底部滴水"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{photo}),
		chromedp.Click(chromedp.CSS("#create-ticket")),
		chromedp.WaitVisible(chromedp.CSS("#number")),
	)
	if err != nil {
		t.Fatalf("create a ticket: %v", err)
	}
	fits("the new ticket")
	if files := text(`document.querySelector("#files").textContent`); !strings.Contains(files, "leak.txt") {
		t.Errorf("the new ticket's files: %q", files)
	}
	// A reply.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#f-body"), "今天下午家里有人"),
		chromedp.Click(chromedp.CSS("#send-reply")),
		chromedp.WaitVisible(chromedp.CSS("#messages li.customer:nth-child(2)")),
	)
	if err != nil {
		t.Fatalf("reply: %v", err)
	}
	if msgs := text(`document.querySelector("#messages").textContent`); !strings.Contains(msgs, "今天下午家里有人") {
		t.Errorf("messages after the reply: %q", msgs)
	}

	// Move the visit to another offered window.
	err = chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/portal/tickets/%d", base, mine.ID)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#move-%d", v.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#move-%d", v.ID))),
		chromedp.WaitVisible(chromedp.CSS("button.window-pick")),
	)
	if err != nil {
		t.Fatalf("open the windows: %v", err)
	}
	fits("the visit windows")
	shot(t, ctx, "phone-portal-windows.png")
	pick := text(`document.querySelector("button.window-pick").textContent`)
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("button.window-pick")),
		chromedp.WaitVisible(chromedp.CSS(".flash.ok")),
	)
	if err != nil {
		t.Fatalf("move the visit: %v", err)
	}
	if ok := text(`document.querySelector(".flash.ok").textContent`); ok != "上门时间已改约。" {
		t.Errorf("after the move: %q", ok)
	}
	if shown := text(fmt.Sprintf(`document.querySelector("#visit-%d .window").textContent`, v.ID)); shown != strings.TrimSpace(pick) {
		t.Errorf("the visit shows %q, want the picked window %q", shown, pick)
	}
	hist, err := db.VisitHistory(ctx0, mine.ID, v.ID)
	if err != nil || hist[len(hist)-1].Kind != "rescheduled" {
		t.Errorf("the visit's history does not show the move: %+v %v", hist, err)
	}
	if p := csp.drain(t, ctx); len(p) > 0 {
		t.Errorf("console errors or policy violations:\n%s", strings.Join(p, "\n"))
	}
}
