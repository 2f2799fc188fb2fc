package console_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestConsoleDispatch: the board shows an unassigned visit with its
// suggestion worded in the page's language; the move form (selects and
// time fields) assigns and moves it; a technician may not open the board.
func TestConsoleDispatch(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		region, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "sw", Name: "西南"})
		branch, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "cd", Name: "成都", ParentID: &region.ID})
		ws, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitWorkstation, Code: "cdw", Name: "成都站", ParentID: &branch.ID})
		sp, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitServicePoint, Code: "cd1", Name: "武侯网点", ParentID: &ws.ID})
		if err != nil {
			t.Fatal(err)
		}
		cat, err := db.CreateCategory(ctx, aftersales.CategoryInput{Code: "ac", NameZH: "空调", NameEN: "Air conditioner"})
		if err != nil {
			t.Fatal(err)
		}
		tech, err := db.CreateUser(ctx, aftersales.UserInput{Email: "wang@example.com", Name: "王师傅", Role: aftersales.RoleTechnician,
			Password: "password-123456", Skills: []aftersales.Skill{{CategoryID: cat.ID, Level: 3}}})
		if err != nil {
			t.Fatal(err)
		}
		var shifts []aftersales.Shift
		for wd := range 7 {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 0, EndMin: 1440})
		}
		home := aftersales.Position{Lat: 30.65, Lng: 104.06}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{ServiceUnitID: &sp.ID, Home: &home, Shifts: shifts, CapacityVisits: 6}); err != nil {
			t.Fatal(err)
		}
		cust, _ := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "张女士", Phone: "13900000000",
			Address: aftersales.Address{Lat: testutil.Ptr(30.65), Lng: testutil.Ptr(104.06 + 2/96.2)}})
		in := testutil.TicketInput(cust.ID, "空调不制冷")
		in.ServiceUnitID = &sp.ID
		tk, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		today := db.Now().In(db.Zone)
		date := today.Format(time.DateOnly)
		at := func(h int) time.Time { return time.Date(today.Year(), today.Month(), today.Day(), h, 0, 0, 0, db.Zone) }
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(14), WindowEnd: at(16), DurationMin: 60,
			Skills: []aftersales.Skill{{CategoryID: cat.ID, Level: 2}}})
		if err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/dispatch?unit=%d&date=%s", sp.ID, date)
		for lang, want := range map[string]string{"zh-CN": "技能匹配 空调（3 级）；路程 6 分钟（从家出发）；今日 0/6",
			"en": "skill Air conditioner (level 3); 6 min drive (from home); today 0/6"} {
			b := newBrowser(t, app, lang)
			b.login("admin@example.com", "admin-password-1")
			s, body := b.get(page)
			if s != 200 || missingKey.MatchString(body) {
				t.Fatalf("%s: board %d %s", lang, s, missingKey.FindString(body))
			}
			if !strings.Contains(html.UnescapeString(body), want) {
				t.Errorf("%s: the suggestion is not explained as %q", lang, want)
			}
			if !strings.Contains(body, `id="nav-dispatch"`) || !strings.Contains(body, fmt.Sprintf(`id="suggest-%d-%d"`, v.ID, tech.ID)) {
				t.Errorf("%s: no nav entry or suggestion button", lang)
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
				t.Errorf("%s: inline script or style", lang)
			}
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		form := url.Values{"unit": {fmt.Sprint(sp.ID)}, "date": {date}, "version": {fmt.Sprint(v.Version)},
			"technician_id": {fmt.Sprint(tech.ID)}, "from": {"15:00"}, "to": {"17:00"}}
		if s, _, _ := b.post(fmt.Sprintf("/dispatch/visits/%d", v.ID), form); s != 303 {
			t.Fatalf("assign: %d", s)
		}
		got, err := db.FindVisit(ctx, tk.ID, v.ID)
		if err != nil || got.TechnicianID == nil || *got.TechnicianID != tech.ID || !got.WindowStart.Equal(at(15)) {
			t.Fatalf("visit after the form: %+v %v", got, err)
		}
		// The same form again is stale.
		if s, body, _ := b.post(fmt.Sprintf("/dispatch/visits/%d", v.ID), form); s != 409 || !strings.Contains(body, `id="dispatch-flash"`) {
			t.Errorf("stale form: %d", s)
		}
		_, body := b.get(page)
		row := body[strings.Index(body, fmt.Sprintf(`id="tech-%d"`, tech.ID)):]
		if !strings.Contains(row[:strings.Index(row, "</section>")], fmt.Sprintf(`id="visit-%d"`, v.ID)) {
			t.Errorf("the visit is not in the technician's row")
		}
		// Reordering by the Earlier button (htmx): a morning visit w, then v
		// (15:00-17:00) first makes w start hours after its window. The
		// board comes back in manual order with w flagged and the flash
		// saying so, in the page's language.
		tk2, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		w, err := db.CreateVisit(ctx, tk2.ID, aftersales.VisitInput{WindowStart: at(9), WindowEnd: at(10), DurationMin: 60, TechnicianID: &tech.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, body = b.get(page)
		if !strings.Contains(body, fmt.Sprintf(`id="earlier-%d" aria-disabled="true"`, w.ID)) || !strings.Contains(body, fmt.Sprintf(`id="earlier-%d">`, v.ID)) ||
			strings.Contains(body, fmt.Sprintf(`id="manual-%d"`, tech.ID)) {
			t.Errorf("the planner's day: Earlier should be off for the first visit and on for the second, no manual order yet")
		}
		got, _ = db.FindVisit(ctx, tk.ID, v.ID)
		for _, lang := range []string{"zh-CN", "en"} {
			want := "迟到风险：将晚于约定时段"
			lb := newBrowser(t, app, lang)
			lb.login("admin@example.com", "admin-password-1")
			req, _ := http.NewRequest("POST", app.Server.URL+fmt.Sprintf("/dispatch/visits/%d/reorder", v.ID), strings.NewReader(url.Values{
				"unit": {fmt.Sprint(sp.ID)}, "date": {date}, "version": {fmt.Sprint(got.Version)}, "direction": {"earlier"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("HX-Request", "true")
			s, body, _ := lb.do(req)
			if lang == "en" {
				// Already first now: refused with the reason, the board kept.
				if s != 200 || !strings.Contains(body, `id="dispatch-flash"`) || !strings.Contains(body, "already the first") {
					t.Errorf("en: earlier again: %d %s", s, missingKey.FindString(body))
				}
				continue
			}
			if s != 200 || missingKey.MatchString(body) || !strings.Contains(body, fmt.Sprintf(`id="manual-%d"`, tech.ID)) ||
				!strings.Contains(body, fmt.Sprintf(`id="late-%d"`, w.ID)) || !strings.Contains(body, want) || !strings.Contains(body, `id="dispatch-flash"`) {
				t.Errorf("%s: reorder answered %d without the manual order, the late flag or the flash %s", lang, s, missingKey.FindString(body))
			}
			row := body[strings.Index(body, fmt.Sprintf(`id="tech-%d"`, tech.ID)):]
			if iv, iw := strings.Index(row, fmt.Sprintf(`id="visit-%d"`, v.ID)), strings.Index(row, fmt.Sprintf(`id="visit-%d"`, w.ID)); iv < 0 || iw < iv {
				t.Errorf("%s: v is not first in the row", lang)
			}
			got, _ = db.FindVisit(ctx, tk.ID, v.ID)
		}
		eb := newBrowser(t, app, "en")
		eb.login("admin@example.com", "admin-password-1")
		_, body = eb.get(page)
		if !strings.Contains(body, "Late risk: starts") || !strings.Contains(body, "Manual order") {
			t.Errorf("en: the board does not show the late risk and the manual order")
		}
		// Back to the planner's order (without htmx: a redirect).
		if s, _, h := b.post(fmt.Sprintf("/dispatch/technicians/%d/order", tech.ID), url.Values{"unit": {fmt.Sprint(sp.ID)}, "date": {date}}); s != 303 ||
			!strings.HasSuffix(h.Get("Location"), fmt.Sprintf("#tech-%d", tech.ID)) {
			t.Errorf("back to the planner: %d %v", s, h)
		}
		if bd, err := db.Board(ctx, sp.ID, aftersales.Date(date)); err != nil || bd.Technicians[0].Manual || bd.Technicians[0].Visits[0].VisitID != w.ID {
			t.Errorf("board back to the planner: %+v %v", bd, err)
		}
		tb := newBrowser(t, app, "zh-CN")
		tb.login("wang@example.com", "password-123456")
		if s, body := tb.get(page); s != 403 || strings.Contains(body, `id="nav-dispatch"`) {
			t.Errorf("board for a technician: %d", s)
		}
	})
}
