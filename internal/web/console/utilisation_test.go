package console_test

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestConsoleTechnicianUtilisation: the dashboard has a technician
// utilisation tile whose value is the month's booked visit minutes over
// shift minutes, and it drills down to the dispatch board of the period
// (technicians' days, not tickets); the KPI's page draws it by
// technician, service point and region only.
func TestConsoleTechnicianUtilisation(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		// After today's shift (08:00-16:00), whatever the hour the suite
		// runs at.
		tomorrowAt(db, 17)
		app := webtest.Start(t, db)
		ctx := app.Ctx
		region, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "sw", Name: "西南大区"})
		if err != nil {
			t.Fatal(err)
		}
		br, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "cd", Name: "成都分公司", ParentID: &region.ID})
		ws, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitWorkstation, Code: "cd-w", Name: "成都工作站", ParentID: &br.ID})
		sp, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitServicePoint, Code: "cd-1", Name: "武侯网点", ParentID: &ws.ID})
		if err != nil {
			t.Fatal(err)
		}
		u, err := db.CreateUser(ctx, aftersales.UserInput{Email: "wang@example.com", Name: "王师傅", Role: aftersales.RoleTechnician, Password: "password-123456"})
		if err != nil {
			t.Fatal(err)
		}
		// Only today has a shift (one 24-hour shift a weekday would count
		// every day of the month so far): 08:00-16:00, and a 96-minute visit.
		now := app.DB.Now().In(db.Zone)
		shifts := []aftersales.Shift{{Weekday: int(now.Weekday()), StartMin: 480, EndMin: 960}}
		leave := []aftersales.Leave{}
		for d := 1; d <= 7; d++ {
			// The same weekday earlier this month is on leave all day.
			if day := now.AddDate(0, 0, -7*d); day.Month() == now.Month() {
				mid := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, db.Zone)
				leave = append(leave, aftersales.Leave{Start: mid, End: mid.AddDate(0, 0, 1), Reason: "休假"})
			}
		}
		if _, err := db.SetTechnician(ctx, u.ID, aftersales.TechnicianProfileInput{ServiceUnitID: &sp.ID, Shifts: shifts, Leave: leave}); err != nil {
			t.Fatal(err)
		}
		c := testutil.MustCustomer(t, ctx, db, "赵先生")
		tk := testutil.MustTicket(t, ctx, db, c.ID, "空调不制冷")
		mid := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, db.Zone)
		if _, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: mid.Add(10 * time.Hour), WindowEnd: mid.Add(12 * time.Hour),
			DurationMin: 96, TechnicianID: &u.ID}); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, app, "en")
		b.login("admin@example.com", "admin-password-1")
		s, body := b.get("/dashboard?kpi=technician_utilisation")
		if s != 200 {
			t.Fatalf("dashboard: %d", s)
		}
		m := regexp.MustCompile(`<a class="tile" id="tile-technician_utilisation" href="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no utilisation tile with a link: %s", between(body, `id="tile-technician_utilisation"`, "</a>"))
		}
		want := "/dispatch?date=" + now.Format("2006-01") + "-01"
		if got := html.UnescapeString(m[1]); got != want {
			t.Errorf("tile links to %s, want %s", got, want)
		}
		// 96 of 480 minutes.
		if tile := between(body, `id="tile-technician_utilisation"`, "</a>"); !strings.Contains(tile, "20.0%") && !strings.Contains(tile, "20%") {
			t.Errorf("tile does not read 20%%: %s", tile)
		}
		if s, _ := b.get(m[1]); s != 200 {
			t.Errorf("%s: %d", m[1], s)
		}
		// An alert on it opens an item whose evidence chart links to the
		// boards of its weeks (earlier weeks had shifts and no visits).
		th := 50.0
		if err := db.SaveAlertRule(ctx, &aftersales.AlertRule{KPI: "technician_utilisation", Grain: aftersales.GrainWeek, Threshold: &th, Active: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.EvaluateAlerts(ctx); err != nil {
			t.Fatal(err)
		}
		items, err := db.ImprovementItems(ctx, aftersales.ItemFilter{})
		if err != nil || len(items) != 1 {
			t.Fatalf("items %+v %v", items, err)
		}
		if s, body := b.get(fmt.Sprintf("/quality/items/%d", items[0].ID)); s != 200 || !strings.Contains(body, "/dispatch?date=") {
			t.Errorf("item page: %d, no link to the dispatch board: %s", s, between(body, `class="flash`, "</div>"))
		}
		// The item verifies on technician-days (it used to be refused): the
		// week before (its shift day on leave, or outside this month at
		// 0 %) and today are too few, inconclusive, and the
		// verdict and reason read as for any KPI, in both languages.
		item := fmt.Sprintf("/quality/items/%d", items[0].ID)
		form := url.Values{"kpi": {"technician_utilisation"}, "before_from": {mid.AddDate(0, 0, -7).Format(time.DateOnly)},
			"before_to": {mid.Format(time.DateOnly)}, "after_from": {mid.Format(time.DateOnly)}, "after_to": {mid.AddDate(0, 0, 1).Format(time.DateOnly)}}
		if s, body, _ := b.post(item+"/verify", form); s != 303 {
			t.Fatalf("verify: %d %s", s, between(body, `class="flash`, "</p>"))
		}
		for lang, want := range map[string][]string{"en": {`data-verdict="inconclusive"`, "Welch t", "too little data to conclude: ", " and 1 after"},
			"zh-CN": {`data-verdict="inconclusive"`, "Welch t", "样本太少，无法下结论"}} {
			lb := newBrowser(t, app, lang)
			lb.login("admin@example.com", "admin-password-1")
			s, body := lb.get(item)
			if s != 200 || missingKey.MatchString(body) {
				t.Fatalf("%s: item page %d %s", lang, s, missingKey.FindString(body))
			}
			for _, w := range want {
				if !strings.Contains(html.UnescapeString(body), w) {
					t.Errorf("%s: the verification does not show %q: %s", lang, w, between(body, `class="card verification"`, "</table>"))
				}
			}
		}
	})
}
