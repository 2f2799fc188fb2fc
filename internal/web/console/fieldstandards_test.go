package console_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestConsoleFieldStandards: an administrator defines a service checklist
// and the rates on one page; the technician's work report offers the
// checklist, the ticked items are recorded with the visit, and the ticket
// page shows the automatic cost lines and what the customer pays.
func TestConsoleFieldStandards(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := testutil.NewClock(time.Now())
		db.Now = clock.Now
		app := webtest.Start(t, db)
		ctx := app.Ctx
		admin := newBrowser(t, app, "zh-CN")
		admin.login("admin@example.com", "admin-password-1")
		if s, body, _ := admin.post("/field-standards", url.Values{"name": {"上门规范"}, "required": {"  \n"}}); s != 422 || !strings.Contains(body, `id="cl-required"`) {
			t.Errorf("a checklist without items: %d", s)
		}
		if s, _, h := admin.post("/field-standards", url.Values{"name": {"上门规范"}, "required": {"出示工作证\n穿鞋套"}, "optional": {"清理现场"}}); s != 303 {
			t.Fatalf("create checklist: %d %v", s, h)
		}
		if s, _, _ := admin.post("/field-rates", url.Values{"labour_per_hour": {"120"}, "travel_per_km": {"2"}}); s != 303 {
			t.Fatalf("set rate: %d", s)
		}
		if s, body := admin.get("/field-standards"); s != 200 || !strings.Contains(body, "穿鞋套") || !strings.Contains(body, "¥120.00") || missingKey.MatchString(body) {
			t.Errorf("field standards page: %d %s", s, missingKey.FindString(body))
		}

		lat, lng := 30.66, 104.08
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "赵先生", Phone: "13900000002",
			Address: aftersales.Address{City: "成都市", Street: "人民南路四段 12 号", Lat: &lat, Lng: &lng}})
		if err != nil {
			t.Fatal(err)
		}
		tk := testutil.MustTicket(t, ctx, db, cust.ID, "空调不制冷")
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		tk, err = db.Assign(ctx, tk.ID, tk.Version, nil, &tech.ID)
		if err != nil {
			t.Fatal(err)
		}
		var shifts []aftersales.Shift
		for wd := range 7 {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 0, EndMin: 1440})
		}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Shifts: shifts}); err != nil {
			t.Fatal(err)
		}
		now := db.Now().In(db.Zone)
		mid := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, db.Zone)
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: mid, WindowEnd: mid.Add(23 * time.Hour), DurationMin: 60, TechnicianID: &tech.ID})
		if err != nil {
			t.Fatal(err)
		}
		if v, err = db.StepVisit(aftersales.NewContextWithUser(ctx, tech), tk.ID, v.ID, aftersales.VisitStep{To: aftersales.VisitCheckedIn, Version: v.Version}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(45 * time.Minute)
		b := newBrowser(t, app, "zh-CN")
		b.login("wang@example.com", "password-123456")
		day := "/my/day?date=" + mid.Format(time.DateOnly)
		s, body := b.get(day)
		if s != 200 || !strings.Contains(body, fmt.Sprintf(`id="check-%d-2"`, v.ID)) || !strings.Contains(body, "穿鞋套") {
			t.Fatalf("the work report lacks the checklist: %d\n%s", s, between(body, "<main", "</main>"))
		}
		s, _, _ = b.post(fmt.Sprintf("/my/day/visits/%d/%d", tk.ID, v.ID), url.Values{"to": {"completed"}, "outcome": {"fixed"},
			"version": {fmt.Sprint(v.Version)}, "confirmed_by": {"赵先生"}, "check": {"1", "3"}, "date": {mid.Format(time.DateOnly)}})
		if s != 303 {
			t.Fatalf("complete: %d", s)
		}
		rep, err := db.VisitReport(ctx, tk.ID, v.ID)
		if err != nil || len(rep.Checks) != 3 || !rep.Checks[0].Done || rep.Checks[1].Done || !rep.Checks[2].Done || aftersales.Compliant(rep.Checks) {
			t.Errorf("recorded checks: %+v %v", rep, err)
		}
		// No home base, no drive: 45 minutes of labour only; no warranty,
		// so the customer pays it.
		for _, tc := range []struct{ lang, want string }{{"zh-CN", "向客户收费（保外）"}, {"en", "Billable to the customer (out of warranty)"}} {
			ab := newBrowser(t, app, tc.lang)
			ab.login("admin@example.com", "admin-password-1")
			s, body := ab.get(fmt.Sprintf("/tickets/%d", tk.ID))
			if s != 200 || !strings.Contains(body, tc.want) || !strings.Contains(body, `id="billables"`) || !strings.Contains(body, "#1 · 45 min") || !strings.Contains(body, "¥90.00") {
				t.Errorf("%s: ticket page lacks the automatic costs and billing: %d\n%s", tc.lang, s, between(body, `id="costs"`, `id="cost-form"`))
			}
		}
	})
}
