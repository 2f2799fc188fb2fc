package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// overflowJS lists what sticks out past the right edge of a viewport
// `width` CSS pixels wide: the document itself when it scrolls sideways,
// and every visible element whose box ends beyond the edge, named by a
// short selector path. Content inside a box that clips or scrolls on its
// own is left to that box, which is checked itself.
const overflowJS = `((width) => {
	const out = [];
	const doc = document.documentElement;
	if (doc.scrollWidth > width) out.push("document scrollWidth " + doc.scrollWidth);
	const name = (el) => {
		let s = el.tagName.toLowerCase();
		if (el.id) return s + "#" + el.id;
		const cls = (typeof el.className === "string" ? el.className : "").trim().split(/\s+/).filter(Boolean);
		if (cls.length) s += "." + cls.join(".");
		return s;
	};
	const path = (el) => {
		const parts = [];
		for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
			parts.unshift(name(e));
			if (e.id) break;
		}
		return parts.join(" > ");
	};
	const clipped = (el) => {
		for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
			if (getComputedStyle(e).overflowX !== "visible") return true;
		}
		return false;
	};
	for (const el of document.body.querySelectorAll("*")) {
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || r.right <= width + 0.5) continue;
		const cs = getComputedStyle(el);
		if (cs.visibility === "hidden" || cs.position === "fixed" || clipped(el)) continue;
		out.push(path(el) + " right=" + Math.round(r.right));
	}
	return out.slice(0, 20);
})`

// TestBrowserPhoneLayout opens the console's pages on a 390×844 phone
// screen, in both languages, and fails when anything sticks out past the
// right edge; the header's menu and the ticket filters fold away behind
// buttons that unfold them. At desktop width the navigation and filters
// show without a click.
func TestBrowserPhoneLayout(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo", "--demo-tickets", "300"},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1"})

	ctx := browser(t, exe, filepath.Join(dir, "chrome"), 1280, 900, "zh-CN", 3*time.Minute)
	csp := watchConsole(t, ctx)

	const phoneW, phoneH = 390, 844
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(phoneW, phoneH, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/tickets"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#ticket-table")),
	)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	// A ticket and an improvement item to open.
	ticket, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#ticket-table tbody a[href^='/tickets/']").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/quality/items"), chromedp.WaitReady(chromedp.CSS("#board"))); err != nil {
		t.Fatal(err)
	}
	// Every item on the board: one being implemented shows its causes
	// and actions as forms to edit, the widest rows of the page.
	items, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...new Set([...document.querySelectorAll("#board a.item[href]")].map(a => a.getAttribute("href")))]`))
	if err != nil || len(items) == 0 {
		t.Fatalf("no improvement item on the board (%v)", err)
	}
	item := items[0]

	// On a phone the menu and the filters start folded.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/tickets"), chromedp.WaitVisible(chromedp.CSS("#ticket-table"))); err != nil {
		t.Fatal(err)
	}
	folded, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](`[!!document.querySelector("#top-menu nav a").offsetParent, !!document.querySelector("#f-status").offsetParent,
		!!document.querySelector("#menu-toggle").offsetParent, !!document.querySelector("#filters-toggle").offsetParent]`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{false, false, true, true}; fmt.Sprint(folded) != fmt.Sprint(want) {
		t.Errorf("on a phone [nav shown, filters shown, menu button shown, filter button shown] = %v, want %v", folded, want)
	}
	if head, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("header.top").getBoundingClientRect().height`)); err != nil || head > 80 {
		t.Errorf("the folded header is %.0f px high (%v), want one row", head, err)
	}
	shot(t, ctx, "phone-tickets.png")
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#menu-toggle")), chromedp.WaitVisible(chromedp.CSS("#nav-dashboard")),
		chromedp.Click(chromedp.CSS("#filters-toggle")), chromedp.WaitVisible(chromedp.CSS("#f-status")))
	if err != nil {
		t.Fatalf("unfold the menu and the filters: %v", err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`)); err != nil || len(got) > 0 {
		t.Errorf("/tickets with menu and filters open overflows (%v):\n%s", err, strings.Join(got, "\n"))
	}
	shot(t, ctx, "phone-tickets-open.png")

	pages := []string{"/tickets", ticket, "/tickets/new", ticket + "/edit", "/dashboard", "/quality/items", item, "/quality/cases",
		"/quality/root-causes", "/quality/alerts", "/quality/targets", "/quality/revenue", "/customers", "/customers/new", "/products",
		"/network", "/users", "/sla", "/fields", "/data-quality", "/data-quality/issues", "/imports", "/audit", "/tokens", "/notifications",
		"/followups", "/followup-policies", "/surveys",
		"/admin/models",
		"/field-standards",
		"/voc",
		"/admin/segments",
		"/stock", "/technicians", ticket + "/book", "/stock?part=1",
		"/form"}
	pages = append(pages, items[1:]...)
	for _, lang := range []string{"zh-CN", "en"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/lang/"+lang)); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			err := chromedp.Do(ctx, chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("body")))
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			// Charts are drawn after load, at the width of their box.
			ready := `document.readyState === "complete" && [...document.querySelectorAll("[data-chart]")].every(el => el.dataset.rendered)`
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](ready, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
				t.Fatalf("%s: charts not drawn: %v", p, err)
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(390)`))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) > 0 {
				t.Errorf("%s (%s) sticks out of a %d px screen:\n%s", p, lang, phoneW, strings.Join(got, "\n"))
			}
			shot(t, ctx, "phone-"+lang+strings.NewReplacer("/", "-", "?", "-").Replace(p)+".png")
		}
	}

	// At desktop width the navigation and the filters show at once, with
	// no fold buttons, and the header stays one row.
	err = chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/tickets"), chromedp.WaitVisible(chromedp.CSS("#ticket-table")))
	if err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](`[!!document.querySelector("#nav-dashboard").offsetParent, !!document.querySelector("#f-status").offsetParent,
		!!document.querySelector("#menu-toggle").offsetParent, !!document.querySelector("#filters-toggle").offsetParent]`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, true, false, false}; fmt.Sprint(shown) != fmt.Sprint(want) {
		t.Errorf("on a desktop [nav shown, filters shown, menu button shown, filter button shown] = %v, want %v", shown, want)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(1280)`)); err != nil || len(got) > 0 {
		t.Errorf("/tickets overflows a desktop (%v):\n%s", err, strings.Join(got, "\n"))
	}
	shot(t, ctx, "desktop-tickets.png")
	// The admin's header holds one row at 1280 px in both languages: the
	// daily pages in sight, the rest in menus that open by keyboard and
	// close on Escape.
	for _, lang := range []string{"zh-CN", "en"} {
		err := chromedp.Do(ctx, chromedp.Navigate(base+"/lang/"+lang), chromedp.Navigate(base+"/tickets"), chromedp.WaitVisible(chromedp.CSS("#ticket-table")))
		if err != nil {
			t.Fatal(err)
		}
		if head, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("header.top").getBoundingClientRect().height`)); err != nil || head > 64 {
			t.Errorf("%s: the desktop header is %.0f px high (%v), want one row", lang, head, err)
		}
		err = chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#nav-group-admin > summary")), chromedp.KeyEvent("\r"),
			chromedp.WaitVisible(chromedp.CSS(`#nav-group-admin a[href="/audit"]`)))
		if err != nil {
			t.Fatalf("%s: the admin menu does not open by keyboard: %v", lang, err)
		}
		if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS+`(1280)`)); err != nil || len(got) > 0 {
			t.Errorf("%s: the open admin menu overflows a desktop (%v):\n%s", lang, err, strings.Join(got, "\n"))
		}
		shot(t, ctx, "desktop-menu-"+lang+".png")
		// A closed <details> keeps its links' boxes (content-visibility),
		// so ask the page whether the link can be seen.
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\x1b")); err != nil {
			t.Fatal(err)
		}
		closed, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](`[!document.querySelector("#nav-group-admin").open,
			!document.querySelector('#nav-group-admin a[href="/audit"]').checkVisibility(),
			document.activeElement === document.querySelector("#nav-group-admin > summary")]`))
		if want := []bool{true, true, true}; err != nil || fmt.Sprint(closed) != fmt.Sprint(want) {
			t.Errorf("%s: after Escape [menu closed, link hidden, focus on the menu's name] = %v (%v), want %v", lang, closed, err, want)
		}
	}
	if got := csp.drain(t, ctx); len(got) > 0 {
		t.Errorf("console errors or policy violations:\n%s", strings.Join(got, "\n"))
	}
}
