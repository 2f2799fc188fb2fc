package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"aftersales"
	"aftersales/internal/testutil"
)

// TestBrowserWorkReportPartsUsed: the work report on /my/day offers each
// held part with how many were used (all of them by default, at most the
// reserved), and so does the ticket page's parts card, at 1280 px and on
// a 390 px phone, in Chinese and English, without sticking out of the
// screen.
func TestBrowserWorkReportPartsUsed(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1"})
	db, ctx := sideStore(t, dir)
	tech, err := db.CreateUser(ctx, aftersales.UserInput{Email: "tech@example.com", Name: "王师傅", Role: aftersales.RoleTechnician, Password: "tech-password-1"})
	if err != nil {
		t.Fatal(err)
	}
	var shifts []aftersales.Shift
	for wd := range 7 {
		shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 0, EndMin: 1440})
	}
	home := aftersales.Position{Lat: 30.65, Lng: 104.06}
	if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Home: &home, Shifts: shifts}); err != nil {
		t.Fatal(err)
	}
	lat, lng := 30.66, 104.08
	cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "赵女士", Phone: "13900000002",
		Address: aftersales.Address{City: "成都市", District: "武侯区", Street: "人民南路四段 12 号", Lat: &lat, Lng: &lng}})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := db.CreateTicket(ctx, testutil.TicketInput(cust.ID, "净水器滤芯更换"))
	if err != nil {
		t.Fatal(err)
	}
	if tk, err = db.Assign(ctx, tk.ID, tk.Version, nil, &tech.ID); err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(db.Zone)
	mid := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, db.Zone)
	v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: mid, WindowEnd: mid.Add(23 * time.Hour), DurationMin: 60, TechnicianID: &tech.ID})
	if err != nil {
		t.Fatal(err)
	}
	part, err := db.CreatePart(ctx, aftersales.PartInput{Number: "FLT-20", NameZH: "PP 棉滤芯", NameEN: "PP cotton filter", UnitCost: 3000, Active: testutil.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	van, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Kind: aftersales.LocationVan, Code: "van-wang", Name: "王的车", TechnicianID: &tech.ID, Active: testutil.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: part.ID, LocationID: van.ID, Qty: 6}); err != nil {
		t.Fatal(err)
	}
	res, err := db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: part.ID, LocationID: van.ID, VisitID: &v.ID, Qty: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.StepVisit(aftersales.NewContextWithUser(ctx, tech), tk.ID, v.ID, aftersales.VisitStep{To: aftersales.VisitCheckedIn, Version: v.Version}); err != nil {
		t.Fatal(err)
	}
	qty := fmt.Sprintf("#used-qty-%d", res.ID)
	for _, width := range []int{1280, 390} {
		bctx := browser(t, exe, filepath.Join(dir, fmt.Sprintf("chrome-%d", width)), width, 844, "zh-CN", 2*time.Minute)
		steps := []chromedp.Action[chromedp.Void]{}
		if width == 390 {
			steps = append(steps, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		}
		steps = append(steps, chromedp.Navigate(base+"/my/day"), chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), "tech@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), "tech-password-1"),
			chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#stop-%d", v.ID))))
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%d px: sign in: %v", width, err)
		}
		for _, lang := range []string{"zh-CN", "en"} {
			if err := chromedp.Do(bctx, chromedp.Navigate(base+"/lang/"+lang), chromedp.Navigate(base+"/my/day"), chromedp.WaitVisible(chromedp.CSS(qty))); err != nil {
				t.Fatalf("%d px %s: the work report has no quantity used: %v", width, lang, err)
			}
			got, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](fmt.Sprintf(`(q => [q.value, q.max, q.closest("label").innerText.trim()])(document.querySelector(%q))`, qty)))
			want := map[string]string{"zh-CN": "使用数量", "en": "Units used"}[lang]
			if err != nil || len(got) != 3 || got[0] != "4" || got[1] != "4" || got[2] != want {
				t.Errorf("%d px %s: the quantity used reads %q (%v); want 4 of at most 4, labelled %q", width, lang, got, err, want)
			}
			overflow, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](fmt.Sprintf(overflowJS+`(%d)`, width)))
			if err != nil || len(overflow) > 0 {
				t.Errorf("%d px %s: /my/day sticks out (%v):\n%s", width, lang, err, strings.Join(overflow, "\n"))
			}
			cardShot(t, bctx, fmt.Sprintf("#used-%d", v.ID), fmt.Sprintf("my-day-parts-used-%s-%d.png", lang, width))
		}
		// The ticket page's card, for a supervisor.
		if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`(document.querySelector("form[action='/logout']").submit(), true)`)); err != nil {
			t.Fatalf("sign out: %v", err)
		}
		use := fmt.Sprintf("#use-qty-%d", res.ID)
		if err := chromedp.Do(bctx, chromedp.WaitVisible(chromedp.CSS("#email")), chromedp.Navigate(base+fmt.Sprintf("/tickets/%d", tk.ID)),
			chromedp.WaitVisible(chromedp.CSS("#email")), chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
			chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"), chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS(use))); err != nil {
			t.Fatalf("%d px: the ticket page: %v", width, err)
		}
		for _, lang := range []string{"zh-CN", "en"} {
			if err := chromedp.Do(bctx, chromedp.Navigate(base+"/lang/"+lang), chromedp.Navigate(base+fmt.Sprintf("/tickets/%d", tk.ID)), chromedp.WaitVisible(chromedp.CSS(use))); err != nil {
				t.Fatalf("%d px %s: the card has no quantity used: %v", width, lang, err)
			}
			got, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](fmt.Sprintf(`(q => [q.value, q.max, document.querySelector("label[for='" + q.id + "']").textContent])(document.querySelector(%q))`, use)))
			want := map[string]string{"zh-CN": "使用数量（最多 4）", "en": "Units used, at most 4"}[lang]
			if err != nil || len(got) != 3 || got[0] != "4" || got[1] != "4" || got[2] != want {
				t.Errorf("%d px %s: the card's quantity used reads %q (%v); want 4 of at most 4, labelled %q", width, lang, got, err, want)
			}
			overflow, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](fmt.Sprintf(overflowJS+`(%d)`, width)))
			if err != nil || len(overflow) > 0 {
				t.Errorf("%d px %s: the ticket page sticks out (%v):\n%s", width, lang, err, strings.Join(overflow, "\n"))
			}
			cardShot(t, bctx, "#parts", fmt.Sprintf("ticket-parts-use-%s-%d.png", lang, width))
		}
	}
}
