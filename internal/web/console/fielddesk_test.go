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

// TestConsoleTicketParts: the ticket page reserves a part (the location
// left to the page: where the stock covers it), which lands in the ledger
// as one reservation line; bad input comes back under its field in the
// page's language with the typed values kept; a reservation the stock
// does not cover waits and the ticket shows it awaits that part; a
// release gives the parts back.
func TestConsoleTicketParts(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "张女士", Phone: "13900000000"})
		if err != nil {
			t.Fatal(err)
		}
		tk := testutil.MustTicket(t, ctx, db, cust.ID, "空调不制冷")
		if tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
		part, err := db.CreatePart(ctx, aftersales.PartInput{Number: "CMP-100", NameZH: "压缩机", NameEN: "Compressor"})
		if err != nil {
			t.Fatal(err)
		}
		wh, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Kind: aftersales.LocationWarehouse, Code: "wh", Name: "中心仓"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: part.ID, LocationID: wh.ID, Qty: 2}); err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/tickets/%d", tk.ID)
		for _, lang := range []string{"zh-CN", "en"} {
			b := newBrowser(t, app, lang)
			b.login("admin@example.com", "admin-password-1")
			s, body := b.get(page)
			if s != 200 || missingKey.MatchString(body) || !strings.Contains(body, `id="reserve-form"`) || !strings.Contains(body, `id="parts"`) {
				t.Fatalf("%s: ticket page %d without the parts card %s", lang, s, missingKey.FindString(body))
			}
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		post := func(form url.Values) (int, string, http.Header) {
			t.Helper()
			return b.post(page+"/reservations", form)
		}

		// Bad input: the reason under the field, in Chinese; the typed
		// part kept.
		s, body, _ := post(url.Values{"part_id": {fmt.Sprint(part.ID)}, "qty": {"0"}, "wait": {"1"}})
		if s != 422 || !strings.Contains(body, `id="res-qty-err">必须是 1 到 1000000 之间的整数`) ||
			!strings.Contains(body, fmt.Sprintf(`name="part_id" value="%d" checked>`, part.ID)) || !strings.Contains(body, `value="0"`) {
			t.Errorf("qty 0: %d, want 422 with the reason under the quantity and the part kept", s)
		}
		if s, body, _ := post(url.Values{"qty": {"1"}}); s != 422 || !strings.Contains(body, `id="res-part-err">必填`) {
			t.Errorf("no part: %d", s)
		}
		// More than the shelf holds, without waiting: refused under the
		// quantity, naming the part and the location; nothing written.
		if s, body, _ := post(url.Values{"part_id": {fmt.Sprint(part.ID)}, "location_id": {fmt.Sprint(wh.ID)}, "qty": {"5"}}); s != 409 ||
			!strings.Contains(html.UnescapeString(body), `id="res-qty-err">超出可用数量 2（配件 CMP-100，库位 wh）`) {
			t.Errorf("shortage: %d", s)
		}

		// One part, the location left to the page.
		if s, _, h := post(url.Values{"part_id": {fmt.Sprint(part.ID)}, "location_id": {""}, "qty": {"1"}, "wait": {"1"}}); s != 303 ||
			!strings.Contains(h.Get("Location"), "ok=parts_reserved") {
			t.Fatalf("reserve: %d %v", s, h)
		}
		rs, err := db.ListReservations(ctx, tk.ID)
		if err != nil || len(rs) != 1 || rs[0].Status != aftersales.ReservationHeld || rs[0].LocationID != wh.ID || rs[0].Qty != 1 {
			t.Fatalf("reservations after the page: %+v %v", rs, err)
		}
		held := rs[0]
		ms, err := db.ListMovements(ctx, aftersales.StockFilter{PartID: part.ID})
		if err != nil {
			t.Fatal(err)
		}
		var lines []*aftersales.StockMovement
		for _, m := range ms {
			if m.Kind == aftersales.MoveReserve {
				lines = append(lines, m)
			}
		}
		if len(lines) != 1 || lines[0].Reserved != 1 || lines[0].ReservationID == nil || *lines[0].ReservationID != held.ID ||
			lines[0].TicketID == nil || *lines[0].TicketID != tk.ID {
			t.Errorf("ledger: want one reservation line of 1 for the reservation, got %+v", lines)
		}

		// Five more wait: the ticket awaits the part, and the page says so.
		if s, _, _ := post(url.Values{"part_id": {fmt.Sprint(part.ID)}, "location_id": {fmt.Sprint(wh.ID)}, "qty": {"5"}, "wait": {"1"}}); s != 303 {
			t.Fatalf("wait: %d", s)
		}
		if got, err := db.FindTicket(ctx, tk.ID); err != nil || got.Status != aftersales.StatusAwaitingParts {
			t.Errorf("ticket after a waiting reservation: %+v %v", got, err)
		}
		for lang, want := range map[string]string{"zh-CN": "工单等待配件：CMP-100 压缩机 ×5", "en": "The ticket awaits parts: CMP-100 Compressor ×5"} {
			lb := newBrowser(t, app, lang)
			lb.login("admin@example.com", "admin-password-1")
			s, body := lb.get(page)
			if s != 200 || !strings.Contains(html.UnescapeString(body), want) || !strings.Contains(body, fmt.Sprintf(`id="release-%d"`, held.ID)) {
				t.Errorf("%s: the page does not say %q or lacks the release button (%d)", lang, want, s)
			}
		}

		// Release frees the held part.
		if s, _, h := b.post(fmt.Sprintf("%s/reservations/%d/release", page, held.ID), url.Values{}); s != 303 || !strings.Contains(h.Get("Location"), "ok=parts_released") {
			t.Fatalf("release: %d %v", s, h)
		}
		got, err := db.ListReservations(ctx, tk.ID)
		if err != nil || len(got) != 2 || got[0].Status != aftersales.ReservationReleased {
			t.Errorf("reservations after the release: %+v %v", got, err)
		}
		bs, err := db.ListStock(ctx, aftersales.StockFilter{PartID: part.ID, LocationID: wh.ID})
		if err != nil || len(bs) != 1 || bs[0].Reserved != 0 || bs[0].Available != 2 {
			t.Errorf("balance after the release: %+v %v", bs, err)
		}
		if s, _, _ := b.post(fmt.Sprintf("%s/reservations/%d/release", page, held.ID), url.Values{}); s != 409 {
			t.Errorf("release again: %d, want 409", s)
		}
	})
}

// TestConsoleDispatchOtherDay: the board's move form takes a day: the
// visit's window moves to that day, it leaves today's plan and joins the
// other day's, and the board says where it went; a day that is not a
// date is refused naming the field, in the page's language.
func TestConsoleDispatchOtherDay(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Now().In(db.Zone)
		mid := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, db.Zone)
		db.Now = testutil.NewClock(mid.Add(7 * time.Hour)).Now
		app := webtest.Start(t, db)
		ctx := app.Ctx
		region, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "sw", Name: "西南"})
		branch, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "cd", Name: "成都", ParentID: &region.ID})
		ws, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitWorkstation, Code: "cdw", Name: "成都站", ParentID: &branch.ID})
		sp, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitServicePoint, Code: "cd1", Name: "武侯网点", ParentID: &ws.ID})
		if err != nil {
			t.Fatal(err)
		}
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		var shifts []aftersales.Shift
		for wd := range 7 {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 0, EndMin: 1440})
		}
		home := aftersales.Position{Lat: 30.65, Lng: 104.06}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{ServiceUnitID: &sp.ID, Home: &home, Shifts: shifts}); err != nil {
			t.Fatal(err)
		}
		cust, _ := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "张女士", Phone: "13900000000",
			Address: aftersales.Address{Lat: testutil.Ptr(30.65), Lng: testutil.Ptr(104.08)}})
		in := testutil.TicketInput(cust.ID, "空调不制冷")
		in.ServiceUnitID = &sp.ID
		tk, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		day1, day2 := aftersales.DateOf(mid), aftersales.DateOf(mid.AddDate(0, 0, 2))
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: mid.Add(14 * time.Hour), WindowEnd: mid.Add(16 * time.Hour),
			DurationMin: 60, TechnicianID: &tech.ID})
		if err != nil {
			t.Fatal(err)
		}
		planned := func(day aftersales.Date) bool {
			t.Helper()
			r, err := db.DayRoute(ctx, tech.ID, day)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range r.Stops {
				if s.VisitID == v.ID {
					return true
				}
			}
			return false
		}
		if !planned(day1) || planned(day2) {
			t.Fatalf("before: the visit should be planned on %s only", day1)
		}
		page := fmt.Sprintf("/dispatch?unit=%d&date=%s", sp.ID, day1)
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		if _, body := b.get(page); !strings.Contains(body, fmt.Sprintf(`id="day-%d" type="date" name="day" value="%s"`, v.ID, day1)) {
			t.Errorf("the move form has no day field")
		}
		form := url.Values{"unit": {fmt.Sprint(sp.ID)}, "date": {string(day1)}, "version": {fmt.Sprint(v.Version)},
			"technician_id": {fmt.Sprint(tech.ID)}, "day": {"2026-13-45"}, "from": {"10:00"}, "to": {"12:00"}}
		form.Set("reason", "客户改约")
		if s, body, _ := b.post(fmt.Sprintf("/dispatch/visits/%d", v.ID), form); s != 422 || !strings.Contains(body, "日期：必须是日期") ||
			!strings.Contains(body, fmt.Sprintf(`<div class="err" id="day-err-%d">必须是日期`, v.ID)) ||
			!strings.Contains(body, fmt.Sprintf(`id="day-%d" type="date" name="day" value="2026-13-45"`, v.ID)) || !strings.Contains(body, `value="客户改约"`) {
			t.Errorf("bad day: %d, want 422 with the reason under the day and the typed values kept %s", s, missingKey.FindString(body))
		}
		form.Set("day", string(day2))
		s, _, h := b.post(fmt.Sprintf("/dispatch/visits/%d", v.ID), form)
		if s != 303 || !strings.Contains(h.Get("Location"), "moved_to="+string(day2)) || !strings.Contains(h.Get("Location"), "date="+string(day1)) {
			t.Fatalf("move to another day: %d %v", s, h)
		}
		got, err := db.FindVisit(ctx, tk.ID, v.ID)
		day2mid := mid.AddDate(0, 0, 2)
		if err != nil || !got.WindowStart.Equal(day2mid.Add(10*time.Hour)) || !got.WindowEnd.Equal(day2mid.Add(12*time.Hour)) ||
			got.TechnicianID == nil || *got.TechnicianID != tech.ID {
			t.Fatalf("visit after the move: %+v %v", got, err)
		}
		if planned(day1) || !planned(day2) {
			t.Errorf("after: the visit should be planned on %s only", day2)
		}
		for lang, want := range map[string]string{"zh-CN": "上门已改约到 " + string(day2), "en": "The visit was moved to " + string(day2)} {
			lb := newBrowser(t, app, lang)
			lb.login("admin@example.com", "admin-password-1")
			s, body := lb.get(h.Get("Location"))
			if s != 200 || !strings.Contains(body, want) || strings.Contains(body, fmt.Sprintf(`id="visit-%d"`, v.ID)) || missingKey.MatchString(body) {
				t.Errorf("%s: the board after the move: %d, want %q and the visit gone", lang, s, want)
			}
		}
		// Back through htmx: the board answers with the note.
		form.Set("version", fmt.Sprint(got.Version))
		form.Set("day", string(day1))
		// The form's board is day2's now.
		form.Set("date", string(day2))
		req, _ := http.NewRequest("POST", app.Server.URL+fmt.Sprintf("/dispatch/visits/%d", v.ID), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		if s, body, _ := b.do(req); s != 200 || !strings.Contains(body, `id="dispatch-moved"`) || !strings.Contains(body, "上门已改约到 "+string(day1)) {
			t.Errorf("htmx move back: %d", s)
		}
		if !planned(day1) || planned(day2) {
			t.Errorf("after moving back: the visit should be planned on %s only", day1)
		}
	})
}

// TestConsoleMyDayAssetAndParts: the technician's card names the
// appliance by model, product and serial, without the asset form's link,
// and the parts to bring by name in the page's language.
func TestConsoleMyDayAssetAndParts(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Now().In(db.Zone)
		mid := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, db.Zone)
		db.Now = testutil.NewClock(mid.Add(7 * time.Hour)).Now
		app := webtest.Start(t, db)
		ctx := app.Ctx
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		var shifts []aftersales.Shift
		for wd := range 7 {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 0, EndMin: 1440})
		}
		home := aftersales.Position{Lat: 30.65, Lng: 104.06}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Home: &home, Shifts: shifts}); err != nil {
			t.Fatal(err)
		}
		cat, err := db.CreateCategory(ctx, aftersales.CategoryInput{Code: "ac", NameZH: "空调", NameEN: "Air conditioner"})
		if err != nil {
			t.Fatal(err)
		}
		prod, err := db.CreateProduct(ctx, aftersales.ProductInput{CategoryID: cat.ID, Model: "KFR-35GW", Name: "壁挂空调"})
		if err != nil {
			t.Fatal(err)
		}
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "甲", Phone: "13900000001",
			Address: aftersales.Address{City: "成都", Street: "人民南路", Lat: testutil.Ptr(30.65), Lng: testutil.Ptr(104.08)}})
		if err != nil {
			t.Fatal(err)
		}
		asset, err := db.CreateAsset(ctx, aftersales.AssetInput{ProductID: prod.ID, CustomerID: cust.ID, SerialNo: "SN-8848"})
		if err != nil {
			t.Fatal(err)
		}
		in := testutil.TicketInput(cust.ID, "空调不制冷")
		in.AssetID = &asset.ID
		tk, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if tk, err = db.Assign(ctx, tk.ID, tk.Version, nil, &tech.ID); err != nil {
			t.Fatal(err)
		}
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: mid.Add(9 * time.Hour), WindowEnd: mid.Add(12 * time.Hour),
			DurationMin: 60, TechnicianID: &tech.ID})
		if err != nil {
			t.Fatal(err)
		}
		part, err := db.CreatePart(ctx, aftersales.PartInput{Number: "CMP-100", NameZH: "压缩机", NameEN: "Compressor"})
		if err != nil {
			t.Fatal(err)
		}
		van, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Kind: aftersales.LocationVan, Code: "van-wang", Name: "王的车", TechnicianID: &tech.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: part.ID, LocationID: van.ID, Qty: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: part.ID, LocationID: van.ID, VisitID: &v.ID, Qty: 1}); err != nil {
			t.Fatal(err)
		}
		for lang, want := range map[string][]string{
			"zh-CN": {"型号 KFR-35GW · 壁挂空调", "序列号 SN-8848", "CMP-100 压缩机 × 1"},
			"en":    {"Model KFR-35GW · 壁挂空调", "Serial no. SN-8848", "CMP-100 Compressor × 1"},
		} {
			b := newBrowser(t, app, lang)
			b.login("wang@example.com", "password-123456")
			s, body := b.get("/my/day")
			if s != 200 || missingKey.MatchString(body) {
				t.Fatalf("%s: my day %d %s", lang, s, missingKey.FindString(body))
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: the card lacks %q", lang, w)
				}
			}
			if strings.Contains(body, fmt.Sprintf("/assets/%d/edit", asset.ID)) {
				t.Errorf("%s: the technician gets a link to the asset's form", lang)
			}
		}
	})
}
