package app

import (
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

// TestBrowserDispatchLateVisit: a technician whose only visit of the day
// is at 20:00 gets a row as tall as one whose visit is in the morning, at
// 1280 px and on a 390 px phone, in Chinese and in English; the visit
// block is as wide as the morning one, and nothing sticks out of the
// phone's screen.
func TestBrowserDispatchLateVisit(t *testing.T) {
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
	// Tomorrow, so that neither visit has passed whatever the hour.
	now := time.Now().In(db.Zone)
	mid := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, db.Zone)
	var visits []*aftersales.Visit
	var techs []*aftersales.User
	for i, h := range []int{9, 20} {
		u, err := db.CreateUser(ctx, aftersales.UserInput{Email: fmt.Sprintf("tech%d@example.com", i), Name: []string{"王师傅", "李师傅"}[i],
			Role: aftersales.RoleTechnician, Password: "tech-password-1"})
		if err != nil {
			t.Fatal(err)
		}
		home := aftersales.Position{Lat: 30.65, Lng: 104.06}
		if _, err := db.SetTechnician(ctx, u.ID, aftersales.TechnicianProfileInput{ServiceUnitID: &sp.ID, Home: &home, Shifts: shifts, CapacityVisits: 6}); err != nil {
			t.Fatal(err)
		}
		lat, lng := 30.66, 104.07
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: fmt.Sprintf("赵%d", i), Phone: "13900000002",
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
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: mid.Add(time.Duration(h) * time.Hour), WindowEnd: mid.Add(time.Duration(h+2) * time.Hour),
			DurationMin: 90, TechnicianID: &u.ID})
		if err != nil {
			t.Fatal(err)
		}
		techs, visits = append(techs, u), append(visits, v)
	}
	page := fmt.Sprintf("%s/dispatch?unit=%d&date=%s", base, sp.ID, mid.Format(time.DateOnly))
	measure := fmt.Sprintf(`[%d, %d].map(id => [document.querySelector("#tech-" + id).getBoundingClientRect().height]).concat(
		[%d, %d].map(id => [document.querySelector("#visit-" + id).getBoundingClientRect().width, document.querySelector("#visit-" + id).getBoundingClientRect().height]))`,
		techs[0].ID, techs[1].ID, visits[0].ID, visits[1].ID)
	for _, width := range []int64{1280, 390} {
		bctx := browser(t, exe, filepath.Join(dir, fmt.Sprintf("chrome-%d", width)), int(width), 844, "zh-CN", 2*time.Minute)
		steps := []chromedp.Action[chromedp.Void]{}
		if width == 390 {
			steps = append(steps, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		}
		steps = append(steps, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"),
			chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#dboard")))
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%d px: sign in: %v", width, err)
		}
		for _, lang := range []string{"zh-CN", "en"} {
			if err := chromedp.Do(bctx, chromedp.Navigate(base+"/lang/"+lang), chromedp.Navigate(page),
				chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#visit-%d", visits[1].ID)))); err != nil {
				t.Fatalf("%d px %s: open the board: %v", width, lang, err)
			}
			m, err := chromedp.Run(bctx, chromedp.Evaluate[[][]float64](measure))
			if err != nil || len(m) != 4 {
				t.Fatalf("%d px %s: measure: %v %v", width, lang, m, err)
			}
			morningRow, lateRow := m[0][0], m[1][0]
			morningW, lateW, lateH := m[2][0], m[3][0], m[3][1]
			t.Logf("%d px %s: rows %.0f (09:00) and %.0f (20:00) px tall; blocks %.0f and %.0f px wide, the late one %.0f tall",
				width, lang, morningRow, lateRow, morningW, lateW, lateH)
			if lateRow > morningRow+2 {
				t.Errorf("%d px %s: the 20:00 technician's row is %.0f px tall, the 09:00 one's %.0f", width, lang, lateRow, morningRow)
			}
			if lateW+2 < morningW {
				t.Errorf("%d px %s: the 20:00 visit is %.0f px wide, the 09:00 one %.0f", width, lang, lateW, morningW)
			}
			// The row's heading names the visit's start, a link to it
			// wherever the grid is scrolled.
			link, err := chromedp.Run(bctx, chromedp.Evaluate[string](fmt.Sprintf(`(a => a ? a.getAttribute("href") + " " + a.textContent : "")(document.querySelector("#tech-name-%d #start-%d"))`, techs[1].ID, visits[1].ID)))
			if want := fmt.Sprintf("#visit-%d 20:00", visits[1].ID); err != nil || link != want {
				t.Errorf("%d px %s: the 20:00 row's heading links %q, want %q (%v)", width, lang, link, want, err)
			}
			overflow, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](fmt.Sprintf(overflowJS+`(%d)`, width)))
			if err != nil || len(overflow) > 0 {
				t.Errorf("%s: /dispatch sticks out of a %d px screen (%v):\n%s", lang, width, err, strings.Join(overflow, "\n"))
			}
			shot(t, bctx, fmt.Sprintf("dispatch-late-%s-%d.png", lang, width))
		}
	}
}
