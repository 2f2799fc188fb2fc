package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"aftersales"
	"aftersales/internal/testutil"
)

// TestBrowserTicketPartsPhone: on a 390 px phone, in both languages, the
// ticket page's part field is a search that htmx answers with the
// matching parts and the service point's stock; a held part is marked
// used and a used part returned from the card; and an agent opening a
// user's edit page by its address reads a view (heading, no Save, who can
// change it). Nothing sticks out of the screen and the page breaks no
// content-security rule.
func TestBrowserTicketPartsPhone(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1"})
	db, ctx := sideStore(t, dir)
	region, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Code: "east", Name: "华东大区", Kind: aftersales.UnitRegion})
	if err != nil {
		t.Fatal(err)
	}
	unit := region
	for _, u := range []aftersales.ServiceUnitInput{{Code: "sh", Name: "上海分公司", Kind: aftersales.UnitBranch},
		{Code: "sh-pd", Name: "浦东工作站", Kind: aftersales.UnitWorkstation}, {Code: "sh-pd-1", Name: "浦东服务点", Kind: aftersales.UnitServicePoint}} {
		u.ParentID = &unit.ID
		if unit, err = db.CreateServiceUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	sp, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Code: "sp-pd", Name: "浦东服务点库", Kind: aftersales.LocationServicePoint, ServiceUnitID: &unit.ID, Active: testutil.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	var parts []*aftersales.Part
	for _, in := range []aftersales.PartInput{
		{Number: "AC-CMP-04", NameZH: "空调压缩机", NameEN: "Air conditioner compressor", UnitCost: 90000, Active: testutil.Ptr(true)},
		{Number: "RF-CMP-03", NameZH: "冰箱压缩机", NameEN: "Refrigerator compressor", UnitCost: 65000, Active: testutil.Ptr(true)},
		{Number: "AC-FAN-01", NameZH: "空调外机风扇电机", NameEN: "Outdoor fan motor", UnitCost: 12000, Active: testutil.Ptr(true)},
	} {
		p, err := db.CreatePart(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	if _, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: parts[0].ID, LocationID: sp.ID, Qty: 4}); err != nil {
		t.Fatal(err)
	}
	cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "赵女士", Phone: "13900000002"})
	if err != nil {
		t.Fatal(err)
	}
	in := testutil.TicketInput(cust.ID, "空调不制冷，外机不转")
	in.ServiceUnitID = &unit.ID
	tk, err := db.CreateTicket(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: parts[0].ID, LocationID: sp.ID, Qty: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, aftersales.UserInput{Email: "agent@example.com", Name: "客服小李", Role: aftersales.RoleAgent, Password: "agent-password-1"}); err != nil {
		t.Fatal(err)
	}

	axe, err := os.ReadFile(filepath.Join("testdata", "axe-4.14.1.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	bctx := browser(t, exe, filepath.Join(dir, "chrome"), 390, 844, "zh-CN", 3*time.Minute)
	// audit runs axe on the page as it stands (TestBrowserAccessibility's
	// rules): the search's answer and the return form come through htmx
	// or a click, which that test's page list does not reach.
	audit := func(what string) {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](string(axe)+";true")); err != nil {
			t.Fatalf("%s: load axe: %v", what, err)
		}
		got, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](axeRun, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: axe: %v", what, err)
		}
		if len(got) > 0 {
			t.Errorf("%s:\n  %s", what, strings.Join(got, "\n  "))
		}
	}
	csp := watchConsole(t, bctx)
	login := func(email, password, lang string) {
		t.Helper()
		err := chromedp.Do(bctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
			chromedp.Navigate(base+"/lang/"+lang), chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#bell")))
		if err != nil {
			t.Fatalf("login %s: %v", email, err)
		}
	}
	fits := func(what string) {
		t.Helper()
		if got, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
			t.Errorf("%s overflows (%v):\n%s", what, err, strings.Join(got, "\n"))
		}
	}
	page := fmt.Sprintf("%s/tickets/%d", base, tk.ID)
	signOut := func() {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`(document.querySelector("form[action='/logout']").submit(), true)`)); err != nil {
			t.Fatalf("sign out: %v", err)
		}
		if err := chromedp.Do(bctx, chromedp.WaitVisible(chromedp.CSS("#email"))); err != nil {
			t.Fatalf("sign out: %v", err)
		}
	}

	for _, lang := range []string{"zh-CN", "en"} {
		login("admin@example.com", "e2e-password-1", lang)
		// The search: what is typed asks the server, which answers the
		// matches with the service point's stock.
		q := map[string]string{"zh-CN": "压缩机", "en": "compressor"}[lang]
		err := chromedp.Do(bctx, chromedp.Navigate(page+"#parts"), chromedp.WaitVisible(chromedp.CSS("#res-part")),
			chromedp.SendKeys(chromedp.CSS("#res-part"), q),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#res-part-pick input[value="%d"]`, parts[1].ID))))
		if err != nil {
			t.Fatalf("%s: the part search: %v", lang, err)
		}
		pick, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("#res-part-pick").innerText`))
		if err != nil {
			t.Fatal(err)
		}
		// 4 on hand, 2 held for the ticket; in English, after one of the
		// two was used and returned.
		want := map[string]string{"zh-CN": "可用 2", "en": "3 available"}[lang]
		if !strings.Contains(pick, "AC-CMP-04") || !strings.Contains(pick, want) || strings.Contains(pick, "AC-FAN-01") {
			t.Errorf("%s: the search answered %q", lang, pick)
		}
		fits(lang + " ticket page with the part search")
		audit(lang + " ticket page with the part search")
		shot(t, bctx, "phone-parts-search-"+lang+".png")
		cardShot(t, bctx, "#parts", "phone-parts-card-search-"+lang+".png")
		if lang == "zh-CN" {
			// Mark the held part used, then return one.
			err = chromedp.Do(bctx, chromedp.Click(chromedp.CSS(fmt.Sprintf("#use-%d", res.ID))),
				chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#return-%d", res.ID))),
				chromedp.Click(chromedp.CSS(fmt.Sprintf("#return-%d", res.ID))),
				chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#ret-reason-%d", res.ID))))
			if err != nil {
				t.Fatalf("mark used: %v", err)
			}
			fits("the return form")
			audit("the return form")
			shot(t, bctx, "phone-parts-return-form.png")
			cardShot(t, bctx, "#parts", "phone-parts-card-return-form.png")
			err = chromedp.Do(bctx, chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#ret-qty-%d", res.ID)), "1"),
				chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#ret-reason-%d", res.ID)), "客户拒绝更换"),
				chromedp.Click(chromedp.CSS(fmt.Sprintf("#return-btn-%d", res.ID))),
				chromedp.WaitVisible(chromedp.CSS("#parts-returns")))
			if err != nil {
				t.Fatalf("return: %v", err)
			}
		}
		card, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("#parts").innerText`))
		if err != nil {
			t.Fatal(err)
		}
		want = map[string]string{"zh-CN": "已退回 1", "en": "1 returned"}[lang]
		if !strings.Contains(card, want) || !strings.Contains(card, "客户拒绝更换") {
			t.Errorf("%s: the card reads %q", lang, card)
		}
		fits(lang + " the card after the return")
		shot(t, bctx, "phone-parts-returned-"+lang+".png")
		cardShot(t, bctx, "#parts", "phone-parts-card-returned-"+lang+".png")
		signOut()

		// An agent opening a user's edit page by its address reads a view.
		login("agent@example.com", "agent-password-1", lang)
		if err := chromedp.Do(bctx, chromedp.Navigate(base+"/users/1/edit"), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			t.Fatal(err)
		}
		h, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[document.querySelector("main h1").innerText, String(document.querySelectorAll("main [type=submit]").length), (document.querySelector(".readonly-note") || {innerText: ""}).innerText]`))
		if err != nil {
			t.Fatal(err)
		}
		view := map[string]string{"zh-CN": "查看", "en": "View"}[lang]
		if !strings.HasPrefix(h[0], view) || h[1] != "0" || h[2] == "" {
			t.Errorf("%s: an agent's view of a user reads [heading, submit buttons, note] = %q", lang, h)
		}
		fits(lang + " the view of a user")
		audit(lang + " the view of a user")
		shot(t, bctx, "phone-user-view-"+lang+".png")
		signOut()
	}
	if msgs := csp.drain(t, bctx); len(msgs) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(msgs, "\n"))
	}
}

// cardShot saves one element's PNG when AFTERSALES_SCREENSHOT_DIR is set.
func cardShot(t *testing.T, ctx context.Context, sel, name string) {
	dir := os.Getenv("AFTERSALES_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(filepath.Join(dir, name), png, 0o644)
}
