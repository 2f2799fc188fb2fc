package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"aftersales"
	"aftersales/internal/testutil"
)

// TestBrowserDispatchKeyboard: a supervisor assigns an unassigned visit
// on /dispatch in zh-CN without the mouse, at 1280 px and on a 390 px
// phone: Tab to the visit's "派工或改约", Enter to open it, arrow keys in
// the technician select, Enter on the save button. The board swaps in
// with the visit in the technician's row; on the phone the grid is a
// list and nothing sticks out of the screen. Then the same keyboard
// reorders a technician's day: Tab to a visit's "提前" (Earlier) or "延后"
// (Later), Enter; the day comes back in the new order, the visit the
// order makes late flagged, the focus still on the button.
func TestBrowserDispatchKeyboard(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1"})
	db, ctx := sideStore(t, dir)
	region, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "sw", Name: "西南大区"})
	branch, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "cd", Name: "成都分公司", ParentID: &region.ID})
	ws, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitWorkstation, Code: "cdw", Name: "成都工作站", ParentID: &branch.ID})
	sp, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitServicePoint, Code: "cd1", Name: "武侯网点", ParentID: &ws.ID})
	if err != nil {
		t.Fatal(err)
	}
	var shifts []aftersales.Shift
	for wd := range 7 {
		shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 0, EndMin: 1440})
	}
	var techs []*aftersales.User
	for i, name := range []string{"王师傅", "李师傅"} {
		u, err := db.CreateUser(ctx, aftersales.UserInput{Email: fmt.Sprintf("tech%d@example.com", i), Name: name, Role: aftersales.RoleTechnician,
			Password: "tech-password-1"})
		if err != nil {
			t.Fatal(err)
		}
		home := aftersales.Position{Lat: 30.65, Lng: 104.06 + float64(i)*0.05}
		if _, err := db.SetTechnician(ctx, u.ID, aftersales.TechnicianProfileInput{ServiceUnitID: &sp.ID, Home: &home, Shifts: shifts, CapacityVisits: 6}); err != nil {
			t.Fatal(err)
		}
		techs = append(techs, u)
	}
	now := time.Now().In(db.Zone)
	mid := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, db.Zone)
	var visits []*aftersales.Visit
	for i, name := range []string{"赵女士", "钱先生"} {
		lat, lng := 30.66, 104.07+float64(i)*0.01
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: name, Phone: "13900000002",
			Address: aftersales.Address{City: "成都市", Street: "人民南路四段 12 号", Lat: &lat, Lng: &lng}})
		if err != nil {
			t.Fatal(err)
		}
		in := testutil.TicketInput(cust.ID, "空调不制冷，外机不转")
		in.ServiceUnitID = &sp.ID
		tk, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: mid.Add(14 * time.Hour), WindowEnd: mid.Add(16 * time.Hour), DurationMin: 60})
		if err != nil {
			t.Fatal(err)
		}
		visits = append(visits, v)
	}
	// The first technician's morning: r1 09:00-11:00, then r2 11:00-13:00.
	var morning []*aftersales.Visit
	for i, h := range []int{9, 11} {
		lat, lng := 30.67, 104.07+float64(i)*0.01
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: fmt.Sprintf("孙%d", i), Phone: "13900000003",
			Address: aftersales.Address{City: "成都市", Street: "科华北路 8 号", Lat: &lat, Lng: &lng}})
		if err != nil {
			t.Fatal(err)
		}
		in := testutil.TicketInput(cust.ID, "洗衣机漏水")
		in.ServiceUnitID = &sp.ID
		tk, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: mid.Add(time.Duration(h) * time.Hour), WindowEnd: mid.Add(time.Duration(h+2) * time.Hour),
			DurationMin: 60, TechnicianID: &techs[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		morning = append(morning, v)
	}
	r1, r2 := morning[0], morning[1]
	firstOfDay := fmt.Sprintf(`document.querySelector("#tech-%d .dtrack > li").id`, techs[0].ID)
	page := fmt.Sprintf("%s/dispatch?unit=%d&date=%s", base, sp.ID, mid.Format(time.DateOnly))

	// tabTo presses Tab until the element with id has the focus.
	tabTo := func(bctx context.Context, id string) {
		t.Helper()
		for range 200 {
			got, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
			if err != nil {
				t.Fatal(err)
			}
			if got == id {
				return
			}
			if err := chromedp.Do(bctx, chromedp.KeyEvent(kb.Tab)); err != nil {
				t.Fatal(err)
			}
		}
		t.Fatalf("Tab never reached #%s", id)
	}
	for i, width := range []int64{1280, 390} {
		v, tech := visits[i], techs[1-i] // the second technician at 1280 px, the first on the phone
		bctx := browser(t, exe, filepath.Join(dir, fmt.Sprintf("chrome-%d", width)), int(width), 844, "zh-CN", 2*time.Minute)
		csp := watchConsole(t, bctx)
		steps := []chromedp.Action[chromedp.Void]{}
		if width == 390 {
			steps = append(steps, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		}
		steps = append(steps, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"),
			chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#dboard")),
			chromedp.Navigate(base+"/lang/zh-CN"), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#visit-%d", v.ID))))
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%d px: sign in and open the board: %v", width, err)
		}
		if title, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("h1").textContent`)); err != nil || title != "调度看板" {
			t.Fatalf("%d px: the board is not in Chinese: %q %v", width, title, err)
		}
		tabTo(bctx, fmt.Sprintf("move-%d", v.ID))
		outline, err := chromedp.Run(bctx, chromedp.Evaluate[string](`getComputedStyle(document.activeElement).outlineStyle`))
		if err != nil || outline == "none" {
			t.Errorf("%d px: the focused summary shows no outline (%q, %v)", width, outline, err)
		}
		if err := chromedp.Do(bctx, chromedp.KeyEvent(kb.Enter)); err != nil {
			t.Fatal(err)
		}
		tabTo(bctx, fmt.Sprintf("vtech-%d", v.ID))
		// The select lists "(不指派)" and then the technicians in order.
		for range 2 - i {
			if err := chromedp.Do(bctx, chromedp.KeyEvent(kb.ArrowDown)); err != nil {
				t.Fatal(err)
			}
		}
		chosen, err := chromedp.Run(bctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector("#vtech-%d").value`, v.ID)))
		if err != nil || chosen != fmt.Sprint(tech.ID) {
			t.Fatalf("%d px: the select holds %q, want %d (%v)", width, chosen, tech.ID, err)
		}
		tabTo(bctx, fmt.Sprintf("save-%d", v.ID))
		row := fmt.Sprintf("#tech-%d #visit-%d", tech.ID, v.ID)
		if err := chromedp.Do(bctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(row))); err != nil {
			t.Fatalf("%d px: the visit did not move to the technician's row: %v", width, err)
		}
		got, err := db.FindVisit(ctx, v.TicketID, v.ID)
		if err != nil || got.TechnicianID == nil || *got.TechnicianID != tech.ID {
			t.Fatalf("%d px: visit after the board: %+v %v", width, got, err)
		}
		// Reorder the first technician's morning by keyboard: at 1280 px
		// r2 one place earlier (r1 then starts after its window: flagged),
		// on the phone r2 one place later again (the flag goes).
		button, first, flagged := fmt.Sprintf("earlier-%d", r2.ID), fmt.Sprintf("visit-%d", r2.ID), true
		if width == 390 {
			button, first, flagged = fmt.Sprintf("later-%d", r2.ID), fmt.Sprintf("visit-%d", r1.ID), false
		}
		tabTo(bctx, button)
		if err := chromedp.Do(bctx, chromedp.KeyEvent(kb.Enter)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(bctx, chromedp.Poll[bool](fmt.Sprintf(`%s === %q && !!document.querySelector("#late-%d") === %v`, firstOfDay, first, r1.ID, flagged),
			chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			t.Fatalf("%d px: %s did not reorder the day (first %s, r1 flagged %v): %v", width, button, first, flagged, err)
		}
		// The focus stays on the button pressed, so the keyboard user can
		// go on from there.
		if focus, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`)); err != nil || focus != button {
			t.Errorf("%d px: after the swap the focus is on %q, want %q (%v)", width, focus, button, err)
		}
		bd, err := db.Board(ctx, sp.ID, aftersales.Date(mid.Format(time.DateOnly)))
		if err != nil {
			t.Fatal(err)
		}
		for _, bt := range bd.Technicians {
			if bt.TechnicianID == techs[0].ID && (!bt.Manual || fmt.Sprintf("visit-%d", bt.Visits[0].VisitID) != first || (bt.Visits[1].LateMin > 0) != flagged) {
				t.Errorf("%d px: stored day %+v, want manual with %s first", width, bt, first)
			}
		}
		if width == 390 {
			display, err := chromedp.Run(bctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".dtrack")).display`))
			if err != nil || display != "flex" {
				t.Errorf("the phone's board is not a list: %q %v", display, err)
			}
			overflow, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](overflowJS+`(390)`))
			if err != nil || len(overflow) > 0 {
				t.Errorf("/dispatch sticks out of a 390 px screen (%v):\n%s", err, strings.Join(overflow, "\n"))
			}
		}
		shot(t, bctx, fmt.Sprintf("dispatch-%d.png", width))
		if got := csp.drain(t, bctx); len(got) > 0 {
			t.Errorf("%d px: console errors or policy violations:\n%s", width, strings.Join(got, "\n"))
		}
	}
}
