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
// list and nothing sticks out of the screen.
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
