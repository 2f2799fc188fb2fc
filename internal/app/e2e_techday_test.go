package app

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"aftersales"
	"aftersales/internal/testutil"
)

// TestBrowserTechnicianDay walks a technician's day on a 390×844 phone:
// sign in, open /my/day, check in, complete the visit as fixed, ticking
// the service checklist, with a typed confirmation, each step swapping
// the visit's card in place through htmx without reloading the page; first_time_fix and
// standard_compliance for the day go from no data to 1/1 once the rollup
// job has caught up, on the dashboard too, and nothing sticks out of the
// screen in either language.
func TestBrowserTechnicianDay(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1"})

	// The visit is booked in the store the app serves.
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
		Address: aftersales.Address{City: "成都市", District: "武侯区", Street: "人民南路四段 12 号 3 单元 502", Lat: &lat, Lng: &lng}})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := db.CreateTicket(ctx, testutil.TicketInput(cust.ID, "空调不制冷，外机不转"))
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
	if _, err := db.CreateChecklist(ctx, aftersales.ChecklistInput{Name: "上门服务规范", Items: []aftersales.ChecklistItem{
		{Label: "出示工作证", Required: true}, {Label: "穿鞋套", Required: true}, {Label: "试机确认", Required: true}, {Label: "清理现场"}}}); err != nil {
		t.Fatal(err)
	}
	metric := func(key string) (int64, int64) {
		t.Helper()
		for {
			n, err := db.RefreshRollups(ctx, 2000)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		res, err := db.Metric(ctx, aftersales.MetricQuery{KPI: key, From: mid, To: mid.Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total.Num, res.Total.N
	}
	for _, key := range []string{"first_time_fix", "standard_compliance"} {
		if num, n := metric(key); n != 0 {
			t.Fatalf("%s before the visit = %d/%d", key, num, n)
		}
	}

	bctx := browser(t, exe, filepath.Join(dir, "chrome"), 390, 844, "zh-CN", 2*time.Minute)
	csp := watchConsole(t, bctx)
	// The menu folds away on a phone: sign out through the form itself.
	signOut := func() {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`(document.querySelector("form[action='/logout']").submit(), true)`)); err != nil {
			t.Fatalf("sign out: %v", err)
		}
		if err := chromedp.Do(bctx, chromedp.WaitVisible(chromedp.CSS("#email"))); err != nil {
			t.Fatalf("sign out: %v", err)
		}
	}
	// The dashboard's field tiles, read by an administrator.
	tiles := func(when string) map[string]string {
		t.Helper()
		out := map[string]string{}
		err := chromedp.Do(bctx,
			chromedp.Navigate(base+"/dashboard"),
			chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
			chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"),
			chromedp.Click(chromedp.CSS("#login")),
			chromedp.WaitVisible(chromedp.CSS("#tile-standard_compliance")),
		)
		if err != nil {
			t.Fatalf("dashboard %s: %v", when, err)
		}
		for _, key := range []string{"first_time_fix", "standard_compliance"} {
			v, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("#tile-`+key+` .tile-value").textContent`))
			if err != nil {
				t.Fatalf("tile %s %s: %v", key, when, err)
			}
			out[key] = strings.TrimSpace(v)
		}
		signOut()
		return out
	}
	before := tiles("before the visit")

	stop := fmt.Sprintf("#stop-%d", v.ID)
	err = chromedp.Do(bctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/lang/zh-CN"),
		chromedp.Navigate(base+"/my/day"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "tech@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "tech-password-1"),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS(stop)),
	)
	if err != nil {
		t.Fatalf("sign in and open the day: %v", err)
	}
	overflow := func(what string) {
		t.Helper()
		got, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](overflowJS+`(390)`))
		if err != nil || len(got) > 0 {
			t.Errorf("%s sticks out of a 390 px screen (%v):\n%s", what, err, strings.Join(got, "\n"))
		}
	}
	overflow("/my/day (zh-CN)")
	shot(t, bctx, "phone-my-day.png")
	// A mark on the window survives an htmx swap, not a reload.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`(window.techdayMark = "kept", true)`)); err != nil {
		t.Fatal(err)
	}
	// The status in the page's language (the headless browser may not
	// ask for the one it was started with).
	inPlace := func(step string, status map[string]string) {
		t.Helper()
		// The card takes the focus once htmx has settled it.
		focused := fmt.Sprintf(`document.activeElement && document.activeElement.id === "stop-h-%d"`, v.ID)
		if _, err := chromedp.Run(bctx, chromedp.Poll[bool](focused, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Errorf("after %s the card did not take the focus: %v", step, err)
		}
		got, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](fmt.Sprintf(`[String(window.techdayMark),
			document.querySelector("#plan-%d .pill").textContent.trim(), document.activeElement.id,
			String(document.querySelectorAll("#stop-%d").length), document.documentElement.lang]`, v.ID, v.ID)))
		if err != nil || len(got) != 5 {
			t.Fatalf("%s: %q %v", step, got, err)
		}
		want := []string{"kept", status[got[4]], fmt.Sprintf("stop-h-%d", v.ID), "1", got[4]}
		if !slices.Equal(got, want) {
			t.Errorf("after %s [mark, status, focus, cards] = %q, want %q (a reload loses the mark)", step, got, want)
		}
	}
	err = chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#checked_in-%d", v.ID))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#complete-%d", v.ID))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#stop-ok-%d", v.ID))),
	)
	if err != nil {
		t.Fatalf("check in: %v", err)
	}
	inPlace("check-in", map[string]string{"zh-CN": "已签到", "en": "checked in"})
	overflow("/my/day with the work report")
	shot(t, bctx, "phone-my-day-report.png")
	err = chromedp.Do(bctx,
		chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#outcome-%d", v.ID)), "fixed"),
		chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#diagnosis-%d", v.ID)), "外机电容损坏"),
		chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#work-%d", v.ID)), "更换电容，试机正常"),
		chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#confirm-%d", v.ID)), "赵女士"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#check-%d-1", v.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#check-%d-2", v.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#check-%d-3", v.ID))),
	)
	if err != nil {
		t.Fatalf("fill the report: %v", err)
	}
	// The customer signs on the pad with a finger: a stroke across it.
	signed, err := chromedp.Run(bctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const c = document.getElementById("sig-%d"), r = c.getBoundingClientRect();
		const ev = (type, x, y) => c.dispatchEvent(new PointerEvent(type, {clientX: r.left + x, clientY: r.top + y, pointerId: 1, bubbles: true}));
		ev("pointerdown", 20, 40); ev("pointermove", 120, 90); ev("pointermove", 220, 50); ev("pointerup", 220, 50);
		return document.getElementById("signature-%d").value.startsWith("data:image/png;base64,");
	})()`, v.ID, v.ID)))
	if err != nil || !signed {
		t.Fatalf("the signature pad kept no drawing (%v)", err)
	}
	// A photo that is not an image: the card comes back with the reason
	// at the photos, which take the focus, and keeps what was typed,
	// ticked and drawn.
	notPhoto := filepath.Join(dir, "not-a-photo.txt")
	if err := os.WriteFile(notPhoto, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(bctx,
		chromedp.SetUploadFiles(chromedp.CSS(fmt.Sprintf("#photos-%d", v.ID)), []string{notPhoto}),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#complete-btn-%d", v.ID))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#err-photo-%d", v.ID))),
	)
	if err != nil {
		t.Fatalf("a bad photo: %v", err)
	}
	kept, err := chromedp.Run(bctx, chromedp.Poll[[]string](fmt.Sprintf(`document.activeElement && document.activeElement.id === "photos-%d" &&
		[String(window.techdayMark), document.getElementById("diagnosis-%d").value, document.getElementById("confirm-%d").value,
		String(document.getElementById("check-%d-2").checked), String(document.getElementById("signature-%d").value.startsWith("data:image/png")),
		document.getElementById("err-photo-%d").textContent]`, v.ID, v.ID, v.ID, v.ID, v.ID, v.ID), chromedp.WithPollingTimeout(10*time.Second)))
	if want := []string{"kept", "外机电容损坏", "赵女士", "true", "true", "须为 JPEG、PNG、WebP 或 GIF 图片"}; err != nil || !slices.Equal(kept, want) {
		t.Errorf("the card after a bad photo: %q %v, want %q", kept, err, want)
	}
	overflow("/my/day with a refused report")
	shot(t, bctx, "phone-my-day-refused.png")
	// The card as htmx swapped it in, with its error, passes axe.
	axe, err := os.ReadFile(filepath.Join("testdata", "axe-4.14.1.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](string(axe)+";true")); err != nil {
		t.Fatalf("load axe: %v", err)
	}
	if got, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](axeRun, chromedp.EvalAwaitPromise)); err != nil || len(got) > 0 {
		t.Errorf("/my/day with a refused report: axe %v:\n  %s", err, strings.Join(got, "\n  "))
	}
	err = chromedp.Do(bctx, chromedp.Click(chromedp.CSS(fmt.Sprintf("#complete-btn-%d", v.ID))))
	if err != nil {
		t.Fatalf("complete: %v", err)
	}
	// The card comes back without the report form, in place.
	if err := chromedp.Do(bctx, chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf("#complete-%d", v.ID))), chromedp.WaitVisible(chromedp.CSS(stop))); err != nil {
		t.Fatalf("the visit did not complete: %v", err)
	}
	inPlace("check-out", map[string]string{"zh-CN": "已完成", "en": "completed"})
	overflow("/my/day after the check-out")
	shot(t, bctx, "phone-my-day-done.png")
	got, err := db.FindVisit(ctx, tk.ID, v.ID)
	if err != nil || got.Status != aftersales.VisitCompleted || got.Outcome != aftersales.OutcomeFixed {
		t.Fatalf("visit after the phone: %+v %v", got, err)
	}
	if rep, err := db.VisitReport(ctx, tk.ID, v.ID); err != nil || rep.ConfirmedBy != "赵女士" {
		t.Errorf("report: %+v %v", rep, err)
	}
	if atts, err := db.ListAttachments(ctx, tk.ID); err != nil || len(atts) != 1 || atts[0].ContentType != "image/png" {
		t.Errorf("the drawn signature was not kept as a PNG: %+v %v", atts, err)
	}
	if rep, err := db.VisitReport(ctx, tk.ID, v.ID); err != nil || !aftersales.Compliant(rep.Checks) {
		t.Errorf("checklist as recorded: %+v %v", rep, err)
	}
	for _, key := range []string{"first_time_fix", "standard_compliance"} {
		if num, n := metric(key); num != 1 || n != 1 {
			t.Errorf("%s after the visit = %d/%d, want 1/1", key, num, n)
		}
	}
	err = chromedp.Do(bctx, chromedp.Navigate(base+"/lang/en"), chromedp.Navigate(base+"/my/day"), chromedp.WaitVisible(chromedp.CSS(stop)))
	if err != nil {
		t.Fatal(err)
	}
	overflow("/my/day (en)")
	signOut()
	after := tiles("after the visit")
	for key, want := range map[string]string{"first_time_fix": "100.0%", "standard_compliance": "100.0%"} {
		if before[key] == after[key] || after[key] != want {
			t.Errorf("dashboard tile %s: %q before the visit, %q after, want %q after", key, before[key], after[key], want)
		}
	}
	if got := csp.drain(t, bctx); len(got) > 0 {
		t.Errorf("console errors or policy violations:\n%s", strings.Join(got, "\n"))
	}
}
