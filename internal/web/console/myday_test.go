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

// TestConsoleMyDay: a technician's day page lists the visits in route
// order with the map, phone and parts; the technician checks in and
// checks out with a report, consuming the part; another technician's
// day is not found, a supervisor may open it.
func TestConsoleMyDay(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		// The day is tomorrow's, seen at 07:00 local time, before both
		// windows. With the wall clock the outcome depended on the hour
		// the suite ran at: after 18:00 in Shanghai, when the afternoon
		// window had passed, the supervisor's view failed. Tomorrow, so
		// the session cookies do not expire in the jar.
		now := time.Now().In(db.Zone)
		mid := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, db.Zone)
		db.Now = testutil.NewClock(mid.Add(7 * time.Hour)).Now
		app := webtest.Start(t, db)
		ctx := app.Ctx
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		other := testutil.MustUser(t, ctx, db, "li@example.com", aftersales.RoleTechnician, nil)
		var shifts []aftersales.Shift
		for wd := range 7 {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 0, EndMin: 1440})
		}
		home := aftersales.Position{Lat: 30.65, Lng: 104.06}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Home: &home, Shifts: shifts}); err != nil {
			t.Fatal(err)
		}
		book := func(name string, km float64, from int) (*aftersales.Ticket, *aftersales.Visit) {
			c, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: name, Phone: "13900000001",
				Address: aftersales.Address{City: "成都", Street: "人民南路" + name, Lat: testutil.Ptr(home.Lat), Lng: testutil.Ptr(home.Lng + km/96.2)}})
			if err != nil {
				t.Fatal(err)
			}
			tk := testutil.MustTicket(t, ctx, db, c.ID, name+"的空调不制冷")
			if tk, err = db.Assign(ctx, tk.ID, tk.Version, nil, &tech.ID); err != nil {
				t.Fatal(err)
			}
			v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: mid.Add(time.Duration(from) * time.Hour),
				WindowEnd: mid.Add(time.Duration(from+4) * time.Hour), DurationMin: 60, TechnicianID: &tech.ID})
			if err != nil {
				t.Fatal(err)
			}
			return tk, v
		}
		// The later window is booked first; the page lists by route.
		_, late := book("乙", 2, 14)
		tk, early := book("甲", 4, 8)
		part, err := db.CreatePart(ctx, aftersales.PartInput{Number: "CMP-100", NameZH: "压缩机"})
		if err != nil {
			t.Fatal(err)
		}
		van, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Kind: aftersales.LocationVan, Code: "van-wang", Name: "王的车", TechnicianID: &tech.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: part.ID, LocationID: van.ID, Qty: 5}); err != nil {
			t.Fatal(err)
		}
		res, err := db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: part.ID, LocationID: van.ID, VisitID: &early.ID, Qty: 4})
		if err != nil {
			t.Fatal(err)
		}

		for _, lang := range []string{"zh-CN", "en"} {
			b := newBrowser(t, app, lang)
			b.login("wang@example.com", "password-123456")
			s, body := b.get("/tickets")
			if s != 200 || !strings.Contains(body, `id="nav-my-day"`) {
				t.Errorf("%s: no nav entry for the technician (%d)", lang, s)
			}
			s, body = b.get("/my/day")
			if s != 200 || missingKey.MatchString(body) {
				t.Fatalf("%s: my day %d %s", lang, s, missingKey.FindString(body))
			}
			i, j := strings.Index(body, fmt.Sprintf(`id="stop-%d"`, early.ID)), strings.Index(body, fmt.Sprintf(`id="stop-%d"`, late.ID))
			if i < 0 || j < 0 || i > j {
				t.Errorf("%s: the visits are not in route order (%d, %d)", lang, i, j)
			}
			for _, want := range []string{`href="tel:13900000001"`, "https://www.google.com/maps/dir/?api=1", "https://uri.amap.com/navigation?",
				"baidumap://map/direction?", "CMP-100 压缩机 × 4", "人民南路甲"} {
				if !strings.Contains(body, want) {
					t.Errorf("%s: the page lacks %q", lang, want)
				}
			}
			// Labels end in the page's colon: full width without a space
			// after Chinese text.
			if want := map[string]string{"zh-CN": "<p>地址：成都", "en": "<p>Address: 成都"}[lang]; !strings.Contains(body, want) {
				t.Errorf("%s: the address label is not %q", lang, want)
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, " onclick=") {
				t.Errorf("%s: inline script", lang)
			}
			if len(body) > 200<<10 {
				t.Errorf("%s: the page is %d bytes", lang, len(body))
			}
			if s, _ := b.get(fmt.Sprintf("/my/day?technician=%d", other.ID)); s != 404 {
				t.Errorf("%s: another technician's day: %d", lang, s)
			}
		}

		// A supervisor puts the afternoon visit first: the phone shows the
		// morning one's late risk; back in the planner's order it goes.
		cur, err := db.FindVisit(ctx, late.TicketID, late.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ReorderVisit(ctx, late.ID, aftersales.ReorderInput{Direction: "earlier", Version: cur.Version}); err != nil {
			t.Fatal(err)
		}
		zb := newBrowser(t, app, "zh-CN")
		zb.login("wang@example.com", "password-123456")
		if _, body := zb.get("/my/day"); !strings.Contains(body, fmt.Sprintf(`id="late-%d"`, early.ID)) || !strings.Contains(body, "迟到风险：将晚于约定时段") {
			t.Errorf("the technician's page does not flag the morning visit's late risk")
		}
		if _, err := db.SetDayOrder(ctx, tech.ID, aftersales.DateOf(mid), aftersales.DayOrderInput{}); err != nil {
			t.Fatal(err)
		}
		if _, body := zb.get("/my/day"); strings.Contains(body, `class="late" id="late-`) {
			t.Errorf("late risk left after returning to the planner's order")
		}

		b := newBrowser(t, app, "en")
		b.login("wang@example.com", "password-123456")
		step := func(v *aftersales.Visit, form url.Values) int {
			t.Helper()
			cur, err := db.FindVisit(ctx, v.TicketID, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			form.Set("version", fmt.Sprint(cur.Version))
			s, _, _ := b.post(fmt.Sprintf("/my/day/visits/%d/%d", v.TicketID, v.ID), form)
			return s
		}
		if s := step(early, url.Values{"to": {"checked_in"}, "lat": {"30.65"}, "lng": {"104.10"}}); s != 303 {
			t.Fatalf("check in: %d", s)
		}
		if s := step(early, url.Values{"to": {"completed"}, "outcome": {"bogus"}}); s != 422 {
			t.Errorf("bad outcome: %d", s)
		}
		// Four reserved, three fitted: more than four is refused whole
		// (the visit stays checked in, the parts held); three are used and
		// the fourth is back in the van's available stock.
		report := func(used string) url.Values {
			return url.Values{"to": {"completed"}, "outcome": {"fixed"}, "diagnosis": {"压缩机烧毁"}, "work_done": {"更换压缩机"},
				"confirmed_by": {"甲"}, "used": {fmt.Sprint(res.ID)}, fmt.Sprintf("used_qty_%d", res.ID): {used}}
		}
		if s := step(early, report("9")); s != 422 {
			t.Errorf("using 9 of 4: %d", s)
		}
		if v, _ := db.FindVisit(ctx, tk.ID, early.ID); v == nil || v.Status != aftersales.VisitCheckedIn {
			t.Errorf("a refused report moved the visit: %+v", v)
		}
		if s := step(early, report("3")); s != 303 {
			t.Fatalf("check out: %d", s)
		}
		v, err := db.FindVisit(ctx, tk.ID, early.ID)
		if err != nil || v.Status != aftersales.VisitCompleted || v.Outcome != aftersales.OutcomeFixed || v.CheckIn == nil || v.CheckIn.Lng != 104.10 {
			t.Errorf("visit after the page: %+v %v", v, err)
		}
		rep, err := db.VisitReport(ctx, tk.ID, early.ID)
		if err != nil || rep.ConfirmedBy != "甲" || rep.WorkDone != "更换压缩机" {
			t.Errorf("report: %+v %v", rep, err)
		}
		if rs, _ := db.ListReservations(ctx, tk.ID); len(rs) != 1 || rs[0].Status != aftersales.ReservationConsumed || rs[0].Qty != 3 {
			t.Errorf("the part was not consumed, 3 of 4: %+v", rs)
		}
		if bs, err := db.ListStock(ctx, aftersales.StockFilter{PartID: part.ID, LocationID: van.ID}); err != nil || len(bs) != 1 || bs[0].Available != 2 || bs[0].Reserved != 0 {
			t.Errorf("the van after using 3 of 4 (5 on board): %+v %v; want 2 available, none reserved", bs, err)
		}

		// A supervisor opens the technician's day.
		a := newBrowser(t, app, "en")
		a.login("admin@example.com", "admin-password-1")
		if s, body := a.get(fmt.Sprintf("/my/day?technician=%d", tech.ID)); s != 200 || !strings.Contains(body, fmt.Sprintf(`id="stop-%d"`, late.ID)) {
			t.Errorf("supervisor: %d", s)
		}
	})
}
