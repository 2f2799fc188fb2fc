package console_test

import (
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
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

// TestConsoleCostTimelineKind: the timeline line of a cost names its kind
// in the page's language ("记录服务成本 备件 396.00 更换配件"), not the
// store's token ("parts"), when it is added and when it is voided.
func TestConsoleCostTimelineKind(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		tomorrowAt(db, 10)
		app := webtest.Start(t, db)
		ctx := app.Ctx
		cust := testutil.MustCustomer(t, ctx, db, "赵先生")
		tk := testutil.MustTicket(t, ctx, db, cust.ID, "冰箱不制冷")
		c, err := db.AddCost(ctx, tk.ID, aftersales.CostInput{Kind: aftersales.CostKind("parts"), Amount: 39600, Description: "更换配件"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.VoidCost(ctx, tk.ID, c.ID, "录错"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			lang      string
			want      []string
			forbidden string
		}{
			{"zh-CN", []string{"记录服务成本 备件 396.00 更换配件", "作废服务成本 备件 396.00 更换配件"}, "parts 396.00"},
			{"en", []string{"Parts 396.00 更换配件"}, "parts 396.00"},
		} {
			b := newBrowser(t, app, tc.lang)
			b.login("admin@example.com", "admin-password-1")
			s, body := b.get(fmt.Sprintf("/tickets/%d", tk.ID))
			if s != 200 {
				t.Fatalf("%s: ticket page %d", tc.lang, s)
			}
			tl := between(body, `id="timeline"`, "</ul>")
			for _, w := range tc.want {
				if !strings.Contains(tl, w) {
					t.Errorf("%s: the timeline lacks %q:\n%s", tc.lang, w, tl)
				}
			}
			if tc.forbidden != "" && strings.Contains(tl, tc.forbidden) {
				t.Errorf("%s: the timeline shows the raw cost kind %q:\n%s", tc.lang, tc.forbidden, tl)
			}
		}
	})
}

// TestConsoleBookVisit: a supervisor books a visit from the ticket page
// with one of the windows on offer, each explained in the page's
// language, and cancels it with a reason; a cancellation without one is
// refused under its field, in Chinese, with nothing changed. A
// technician may not book.
func TestConsoleBookVisit(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		tomorrowAt(db, 10)
		app := webtest.Start(t, db)
		ctx := app.Ctx
		lat, lng := 30.66, 104.08
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "赵女士", Phone: "13900000002",
			Address: aftersales.Address{City: "成都市", Street: "人民南路 12 号", Lat: &lat, Lng: &lng}})
		if err != nil {
			t.Fatal(err)
		}
		tk := testutil.MustTicket(t, ctx, db, cust.ID, "空调不制冷")
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		var shifts []aftersales.Shift
		for wd := range 7 {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 480, EndMin: 1200})
		}
		home := aftersales.Position{Lat: 30.65, Lng: 104.06}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Home: &home, Shifts: shifts, CapacityVisits: 6}); err != nil {
			t.Fatal(err)
		}
		book := fmt.Sprintf("/tickets/%d/book", tk.ID)

		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		if _, body := b.get(fmt.Sprintf("/tickets/%d", tk.ID)); !strings.Contains(body, `href="`+book+`"`) {
			t.Fatalf("the ticket page has no link to book a visit:\n%s", between(body, `id="visits"`, "</table>"))
		}
		s, body := b.get(book)
		if s != 200 {
			t.Fatalf("booking page %d:\n%s", s, body)
		}
		offers := between(body, `id="offers"`, "</table>")
		for _, w := range []string{tech.Name, "班次 08:00-20:00", "当日 0/6", "公里", `id="book-0"`} {
			if !strings.Contains(offers, w) {
				t.Errorf("the offers lack %q:\n%s", w, offers)
			}
		}
		form := url.Values{}
		for _, name := range []string{"window_start", "window_end", "technician_id", "duration"} {
			m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(offers)
			if m == nil {
				t.Fatalf("the first offer's form lacks %s:\n%s", name, offers)
			}
			form.Set(name, html.UnescapeString(m[1]))
		}
		s, _, h := b.post(book, form)
		if s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), fmt.Sprintf("/tickets/%d?ok=booked", tk.ID)) {
			t.Fatalf("book: %d %q", s, h.Get("Location"))
		}
		vs, err := db.ListVisits(ctx, tk.ID)
		if err != nil || len(vs) != 1 || vs[0].TechnicianID == nil || *vs[0].TechnicianID != tech.ID || vs[0].DurationMin != 60 {
			t.Fatalf("after booking the visits are %+v (%v)", vs, err)
		}
		if _, body := b.get(h.Get("Location")); !strings.Contains(body, "上门已预约") {
			t.Errorf("the ticket page does not say the visit was booked")
		}
		v := vs[0]

		// No reason: refused under the visit's own field, nothing changed.
		cancel := fmt.Sprintf("/tickets/%d/visits/%d/cancel", tk.ID, v.ID)
		s, body, _ = b.post(cancel, url.Values{"version": {fmt.Sprint(v.Version)}, "reason": {"  "}})
		if s != http.StatusUnprocessableEntity {
			t.Fatalf("cancel without a reason: %d", s)
		}
		cf := between(body, fmt.Sprintf(`id="cancel-form-%d"`, v.ID), "</form>")
		if !strings.Contains(cf, `aria-invalid="true"`) || !strings.Contains(cf, `class="err"`) || strings.Contains(cf, "is required") {
			t.Errorf("the refused cancellation does not say why in Chinese under its field:\n%s", cf)
		}
		if got, _ := db.FindVisit(ctx, tk.ID, v.ID); got.Status != aftersales.VisitScheduled {
			t.Errorf("a refused cancellation changed the visit to %s", got.Status)
		}
		s, _, h = b.post(cancel, url.Values{"version": {fmt.Sprint(v.Version)}, "reason": {"客户改约"}})
		if s != http.StatusSeeOther {
			t.Fatalf("cancel: %d", s)
		}
		if got, _ := db.FindVisit(ctx, tk.ID, v.ID); got.Status != aftersales.VisitCancelled {
			t.Errorf("after cancelling the visit is %s", got.Status)
		}
		if _, body := b.get(h.Get("Location")); !strings.Contains(body, "上门已取消") || strings.Contains(body, fmt.Sprintf(`id="cancel-form-%d"`, v.ID)) {
			t.Errorf("the booking page still offers to cancel the cancelled visit")
		}

		// A technician books nothing.
		tb := newBrowser(t, app, "en")
		tb.login("wang@example.com", "password-123456")
		if s, _ := tb.get(book); s != http.StatusForbidden && s != http.StatusNotFound {
			t.Errorf("a technician opens the booking page: %d", s)
		}
		if _, body := tb.get(fmt.Sprintf("/tickets/%d", tk.ID)); strings.Contains(body, `href="`+book+`"`) {
			t.Errorf("a technician's ticket page links to booking")
		}
	})
}

// TestConsoleMyDayNeedsPart: a technician completing a visit as "needs
// parts" names the missing part on the work report; the ticket then waits
// for it (awaiting parts, the part named on its timeline, a waiting
// reservation at the warehouse). Without a part, or with one the catalog
// does not know, the step is refused under the field in the page's
// language, with what was typed kept and nothing changed.
func TestConsoleMyDayNeedsPart(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		tomorrowAt(db, 10)
		app := webtest.Start(t, db)
		ctx := app.Ctx
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		var shifts []aftersales.Shift
		for wd := range 7 {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 0, EndMin: 1440})
		}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Shifts: shifts}); err != nil {
			t.Fatal(err)
		}
		lat, lng := 30.66, 104.08
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "赵先生", Phone: "13900000002",
			Address: aftersales.Address{City: "成都市", Street: "人民南路 12 号", Lat: &lat, Lng: &lng}})
		if err != nil {
			t.Fatal(err)
		}
		tk := testutil.MustTicket(t, ctx, db, cust.ID, "冰箱不制冷")
		tk, err = db.Assign(ctx, tk.ID, tk.Version, nil, &tech.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
		part, err := db.CreatePart(ctx, aftersales.PartInput{Number: "CMP-100", NameZH: "压缩机"})
		if err != nil {
			t.Fatal(err)
		}
		wh, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Kind: aftersales.LocationWarehouse, Code: "wh", Name: "仓库"})
		if err != nil {
			t.Fatal(err)
		}
		start := db.Now().Add(-time.Hour)
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: start, WindowEnd: start.Add(2 * time.Hour), DurationMin: 60, TechnicianID: &tech.ID})
		if err != nil {
			t.Fatal(err)
		}
		if v, err = db.StepVisit(ctx, tk.ID, v.ID, aftersales.VisitStep{To: aftersales.VisitCheckedIn, Version: v.Version}); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("wang@example.com", "password-123456")
		step := fmt.Sprintf("/my/day/visits/%d/%d", tk.ID, v.ID)
		form := func(part, qty string) url.Values {
			return url.Values{"to": {"completed"}, "outcome": {"needs_parts"}, "version": {fmt.Sprint(v.Version)},
				"diagnosis": {"压缩机不启动"}, "need_part": {part}, "need_qty": {qty}}
		}
		for _, tc := range []struct{ part, qty, reason string }{
			{"", "1", "必填"},
			{"CMP-999", "1", "不在配件目录中"},
			{"CMP-100", "0", "1"},
		} {
			s, body, _ := b.post(step, form(tc.part, tc.qty))
			if s != http.StatusUnprocessableEntity {
				t.Fatalf("part %q qty %q: %d\n%s", tc.part, tc.qty, s, between(body, "<main", "</main>"))
			}
			card := between(body, fmt.Sprintf(`id="complete-%d"`, v.ID), "</form>")
			if !strings.Contains(card, `aria-invalid="true"`) || !strings.Contains(card, tc.reason) || !strings.Contains(card, "压缩机不启动") {
				t.Errorf("part %q qty %q: the refusal lacks %q under its field or lost the diagnosis:\n%s", tc.part, tc.qty, tc.reason, card)
			}
			if got, _ := db.FindVisit(ctx, tk.ID, v.ID); got.Status != aftersales.VisitCheckedIn {
				t.Fatalf("part %q: a refused step completed the visit", tc.part)
			}
		}
		s, _, _ := b.post(step, form("cmp-100", "2"))
		if s != http.StatusSeeOther {
			t.Fatalf("needs parts with CMP-100: %d", s)
		}
		got, err := db.FindTicket(ctx, tk.ID)
		if err != nil || got.Status != aftersales.StatusAwaitingParts {
			t.Fatalf("the ticket is %v after needs parts (%v)", got.Status, err)
		}
		rs, err := db.ListReservations(ctx, tk.ID)
		if err != nil || len(rs) != 1 || rs[0].PartID != part.ID || rs[0].LocationID != wh.ID || rs[0].Qty != 2 || rs[0].Status != aftersales.ReservationWaiting {
			t.Fatalf("reservations %+v (%v)", rs, err)
		}
		if _, body := b.get(fmt.Sprintf("/tickets/%d", tk.ID)); !strings.Contains(between(body, `id="timeline"`, "</ul>"), "CMP-100") {
			t.Errorf("the ticket's timeline does not name the part:\n%s", between(body, `id="timeline"`, "</ul>"))
		}
	})
}

// TestConsoleMyDayUnplannedVisit: a visit the route planner leaves out
// (here the customer has no coordinates) still has its card on /my/day,
// with the reason, the customer and the steps, so the technician can
// check in and complete it; before, it was a line without buttons and its
// steps came back as a bare error.
func TestConsoleMyDayUnplannedVisit(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		tomorrowAt(db, 10)
		app := webtest.Start(t, db)
		ctx := app.Ctx
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		var shifts []aftersales.Shift
		for wd := range 7 {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 0, EndMin: 1440})
		}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Shifts: shifts}); err != nil {
			t.Fatal(err)
		}
		cust := testutil.MustCustomer(t, ctx, db, "赵先生")
		tk := testutil.MustTicket(t, ctx, db, cust.ID, "冰箱不制冷")
		tk, err := db.Assign(ctx, tk.ID, tk.Version, nil, &tech.ID)
		if err != nil {
			t.Fatal(err)
		}
		start := db.Now().Add(-time.Hour)
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: start, WindowEnd: start.Add(2 * time.Hour), DurationMin: 60, TechnicianID: &tech.ID})
		if err != nil {
			t.Fatal(err)
		}
		date := start.In(db.Zone).Format(time.DateOnly)
		for _, lang := range []string{"zh-CN", "en"} {
			b := newBrowser(t, app, lang)
			b.login("wang@example.com", "password-123456")
			s, body := b.get("/my/day?date=" + date)
			card := between(body, fmt.Sprintf(`id="stop-%d"`, v.ID), "</section>")
			if s != 200 || card == "" {
				t.Fatalf("%s: /my/day %d has no card for the unplanned visit:\n%s", lang, s, between(body, "<main", "</main>"))
			}
			want := map[string][]string{"zh-CN": {"客户没有坐标", "赵先生", `id="checked_in-`}, "en": {"no coordinates", "赵先生", `id="checked_in-`}}[lang]
			for _, w := range want {
				if !strings.Contains(card, w) {
					t.Errorf("%s: the unplanned visit's card lacks %q:\n%s", lang, w, card)
				}
			}
			if strings.Contains(card, `href=""`) {
				t.Errorf("%s: the unplanned visit's card has an empty link:\n%s", lang, card)
			}
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("wang@example.com", "password-123456")
		s, _, _ := b.post(fmt.Sprintf("/my/day/visits/%d/%d", tk.ID, v.ID), url.Values{"to": {"checked_in"}, "version": {fmt.Sprint(v.Version)}, "date": {date}})
		if s != http.StatusSeeOther {
			t.Fatalf("check in: %d", s)
		}
		if got, _ := db.FindVisit(ctx, tk.ID, v.ID); got.Status != aftersales.VisitCheckedIn {
			t.Errorf("after check-in the visit is %s", got.Status)
		}
	})
}

// TestConsoleDispatchRefusalSaysWhy: a move the store refuses (a window
// that ends before it starts) comes back on the board saying which field
// and why in the page's language, not only "the request has invalid
// fields" with nothing marked; nothing changes.
func TestConsoleDispatchRefusalSaysWhy(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		tomorrowAt(db, 10)
		app := webtest.Start(t, db)
		ctx := app.Ctx
		region, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "sw", Name: "西南"})
		branch, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "cd", Name: "成都", ParentID: &region.ID})
		ws, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitWorkstation, Code: "cdw", Name: "成都站", ParentID: &branch.ID})
		sp, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitServicePoint, Code: "cd1", Name: "武侯网点", ParentID: &ws.ID})
		if err != nil {
			t.Fatal(err)
		}
		cust := testutil.MustCustomer(t, ctx, db, "张女士")
		in := testutil.TicketInput(cust.ID, "空调不制冷")
		in.ServiceUnitID = &sp.ID
		tk, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		today := db.Now().In(db.Zone)
		date := today.Format(time.DateOnly)
		at := func(h int) time.Time { return time.Date(today.Year(), today.Month(), today.Day(), h, 0, 0, 0, db.Zone) }
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(14), WindowEnd: at(16), DurationMin: 60})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ lang, want string }{
			{"zh-CN", "时间窗结束：必须晚于时间窗开始"},
			{"en", "Window to: must be after the window's start"},
		} {
			b := newBrowser(t, app, tc.lang)
			b.login("admin@example.com", "admin-password-1")
			s, body, _ := b.post(fmt.Sprintf("/dispatch/visits/%d", v.ID), url.Values{"unit": {fmt.Sprint(sp.ID)}, "date": {date},
				"version": {fmt.Sprint(v.Version)}, "from": {"18:00"}, "to": {"17:00"}})
			if s != http.StatusUnprocessableEntity {
				t.Fatalf("%s: move %d", tc.lang, s)
			}
			flash := between(body, `id="dispatch-flash"`, "</p>")
			if !strings.Contains(html.UnescapeString(flash), tc.want) {
				t.Errorf("%s: the refusal %q does not say %q", tc.lang, flash, tc.want)
			}
		}
		if got, _ := db.FindVisit(ctx, tk.ID, v.ID); !got.WindowStart.Equal(at(14)) {
			t.Errorf("a refused move changed the window to %v", got.WindowStart)
		}
	})
}

// TestConsoleStock: an administrator sees the catalog and the stock per
// location with the reorder suggestion, transfers between locations (a
// transfer the stock does not cover is refused under the quantity, in the
// page's language, nothing moved), and imports a stock count from CSV
// with one bad row: nothing is imported and the row is named with its
// reason in Chinese; the export link answers the CSV.
func TestConsoleStock(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		tomorrowAt(db, 10)
		app := webtest.Start(t, db)
		ctx := app.Ctx
		part, err := db.CreatePart(ctx, aftersales.PartInput{Number: "CMP-100", NameZH: "压缩机", NameEN: "Compressor", UnitCost: 30000, Price: 45000})
		if err != nil {
			t.Fatal(err)
		}
		wh, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Kind: aftersales.LocationWarehouse, Code: "wh", Name: "中心仓"})
		if err != nil {
			t.Fatal(err)
		}
		wh2, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Kind: aftersales.LocationWarehouse, Code: "wh2", Name: "成都仓"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MovementKind("receipt"), PartID: part.ID, LocationID: wh.ID, Qty: 10}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetStockLevel(ctx, part.ID, wh2.ID, aftersales.StockLevelInput{ReorderPoint: 2, OrderUpTo: 8}); err != nil {
			t.Fatal(err)
		}
		onHand := func(loc int64) int64 {
			t.Helper()
			bs, err := db.ListStock(ctx, aftersales.StockFilter{PartID: part.ID, LocationID: loc})
			if err != nil {
				t.Fatal(err)
			}
			if len(bs) == 0 {
				return 0
			}
			return bs[0].OnHand
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		s, body := b.get("/stock")
		if s != 200 || missingKey.MatchString(body) {
			t.Fatalf("/stock %d %s", s, missingKey.FindString(body))
		}
		for _, w := range []string{`id="nav-stock"`, "CMP-100 压缩机", "建议订购 8", `href="/api/v1/stock/export"`, "¥300.00"} {
			if !strings.Contains(body, w) {
				t.Errorf("/stock lacks %q", w)
			}
		}
		transfer := func(qty string) (int, string) {
			s, body, _ := b.post("/stock/transfer", url.Values{"part_id": {fmt.Sprint(part.ID)}, "from_id": {fmt.Sprint(wh.ID)}, "to_id": {fmt.Sprint(wh2.ID)}, "qty": {qty}})
			return s, body
		}
		if s, body := transfer("50"); s != http.StatusConflict || !strings.Contains(body, "超出可用数量 10（配件 CMP-100，库位 wh）") || !strings.Contains(body, `value="50"`) {
			t.Errorf("a transfer beyond the stock: %d\n%s", s, between(body, `id="transfer"`, "</form>"))
		}
		if s, _ := transfer("3"); s != http.StatusSeeOther {
			t.Fatalf("transfer 3: %d", s)
		}
		if a, b := onHand(wh.ID), onHand(wh2.ID); a != 7 || b != 3 {
			t.Errorf("after the transfer wh %d wh2 %d, want 7 and 3", a, b)
		}
		// A count with one bad row: nothing changes, the row is named.
		var buf strings.Builder
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "count.csv")
		fmt.Fprint(fw, "part_number,location,on_hand\nCMP-100,wh,9\nCMP-999,wh2,4\n")
		mw.Close()
		req, _ := http.NewRequest("POST", b.base+"/stock/import", strings.NewReader(buf.String()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		s, body, _ = b.do(req)
		rej := between(body, `id="import-rejected"`, "</table>")
		if s != http.StatusUnprocessableEntity || !strings.Contains(rej, "<td data-label=\"行\">3</td>") || !strings.Contains(rej, "没有配件 CMP-999") {
			t.Errorf("an import with a bad row: %d\n%s", s, rej)
		}
		if !strings.Contains(body, "1 行被拒，未导入任何数据") {
			t.Errorf("the refused import does not say so: %s", between(body, `class="flash"`, "</div>"))
		}
		// A row with too few fields is named in Chinese too.
		buf.Reset()
		mw = multipart.NewWriter(&buf)
		fw, _ = mw.CreateFormFile("file", "count.csv")
		fmt.Fprint(fw, "part_number,location,on_hand\nCMP-100,wh,9\nCMP-100,wh2\n")
		mw.Close()
		req, _ = http.NewRequest("POST", b.base+"/stock/import", strings.NewReader(buf.String()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if s, body, _ = b.do(req); s != http.StatusUnprocessableEntity || !strings.Contains(between(body, `id="import-rejected"`, "</table>"), "有 2 列，表头有 3 列") {
			t.Errorf("a short row: %d\n%s", s, between(body, `id="import-rejected"`, "</table>"))
		}
		if a := onHand(wh.ID); a != 7 {
			t.Errorf("a refused import changed wh to %d", a)
		}
		if s, body := b.get("/api/v1/stock/export"); s != 200 || !strings.Contains(body, "CMP-100,wh,7") {
			t.Errorf("the export: %d\n%s", s, body)
		}
	})
}

// TestConsoleTechnicians: an administrator sees each technician's
// profile, a certification that expired marked as such, edits the
// capacity and certifications (the shifts stay), and a bad expiry date is
// refused under the field in Chinese with what was typed kept. A
// technician may not open the page.
func TestConsoleTechnicians(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		tomorrowAt(db, 10)
		app := webtest.Start(t, db)
		ctx := app.Ctx
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		today := db.Now().In(db.Zone)
		past := aftersales.Date(today.AddDate(0, 0, -3).Format(time.DateOnly))
		future := aftersales.Date(today.AddDate(1, 0, 0).Format(time.DateOnly))
		shifts := []aftersales.Shift{{Weekday: 1, StartMin: 510, EndMin: 1050}}
		prof, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Shifts: shifts, CapacityVisits: 6,
			Certs: []aftersales.Certification{{Code: "gas", Name: "燃气具维修", Expires: past}, {Code: "elec", Expires: future}}})
		if err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		s, body := b.get("/technicians")
		if s != 200 || missingKey.MatchString(body) {
			t.Fatalf("/technicians %d %s", s, missingKey.FindString(body))
		}
		certs := between(body, fmt.Sprintf(`id="certs-%d"`, tech.ID), "</dd>")
		if !strings.Contains(certs, "gas 燃气具维修 · 到期 "+string(past)+` <strong class="late">已过期</strong>`) ||
			strings.Count(certs, "已过期") != 1 {
			t.Errorf("the certifications do not mark the expired one (and only it):\n%s", certs)
		}
		for _, w := range []string{`id="nav-technicians"`, "周一 08:30–17:30", "最多 6 单"} {
			if !strings.Contains(body, w) {
				t.Errorf("/technicians lacks %q", w)
			}
		}
		save := fmt.Sprintf("/technicians/%d", tech.ID)
		s, body, _ = b.post(save, url.Values{"version": {fmt.Sprint(prof.Version)}, "capacity_visits": {"4"}, "certifications": {"gas 2027-13-40 燃气具维修"}})
		form := between(body, fmt.Sprintf(`id="tech-%d"`, tech.ID), "</form>")
		if s != http.StatusUnprocessableEntity || !strings.Contains(form, "必须是日期") || !strings.Contains(form, "gas 2027-13-40 燃气具维修") {
			t.Errorf("a bad expiry: %d\n%s", s, form)
		}
		s, _, _ = b.post(save, url.Values{"version": {fmt.Sprint(prof.Version)}, "capacity_visits": {"4"}, "certifications": {"gas 2027-06-30 燃气具维修\nelec"}})
		if s != http.StatusSeeOther {
			t.Fatalf("save: %d", s)
		}
		got, err := db.FindTechnician(ctx, tech.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []aftersales.Certification{{Code: "elec"}, {Code: "gas", Name: "燃气具维修", Expires: "2027-06-30"}} // by code
		if got.CapacityVisits != 4 || len(got.Shifts) != 1 || fmt.Sprint(got.Certs) != fmt.Sprint(want) {
			t.Errorf("after saving: capacity %d, shifts %v, certifications %v", got.CapacityVisits, got.Shifts, got.Certs)
		}
		tb := newBrowser(t, app, "en")
		tb.login("wang@example.com", "password-123456")
		if s, _ := tb.get("/technicians"); s != http.StatusForbidden {
			t.Errorf("a technician opens /technicians: %d", s)
		}
	})
}

// TestConsoleMyDayPosition: "update my position" posts through htmx like
// the visits' steps and answers with its form, what happened, and the
// day's totals and planned times out of band, not a reload of the page;
// without a position it says why in the page's language (through htmx
// and without script).
func TestConsoleMyDayPosition(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		tomorrowAt(db, 10)
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
		b := newBrowser(t, app, "zh-CN")
		b.login("wang@example.com", "password-123456")
		if _, body := b.get("/my/day"); !strings.Contains(body, `hx-post="/my/day/position"`) {
			t.Fatalf("the position form does not post through htmx:\n%s", between(body, `id="day-position"`, "</form>"))
		}
		post := func(form url.Values, htmx bool) (int, string) {
			req, _ := http.NewRequest("POST", b.base+"/my/day/position", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if htmx {
				req.Header.Set("HX-Request", "true")
				req.Header.Set("HX-Target", "day-position")
			}
			s, body, _ := b.do(req)
			return s, body
		}
		s, body := post(url.Values{"lat": {"30.66"}, "lng": {"104.07"}}, true)
		if s != 200 || strings.Contains(body, "<html") || !strings.Contains(body, `id="day-position"`) ||
			!strings.Contains(body, `id="day-head" hx-swap-oob="true"`) || !strings.Contains(body, "位置已更新") {
			t.Errorf("the htmx answer (%d) is not the form with the day's head out of band:\n%s", s, body)
		}
		if _, err := db.DayRoute(ctx, tech.ID, aftersales.Date(db.Now().In(db.Zone).Format(time.DateOnly))); err != nil {
			t.Fatal(err)
		}
		s, body = post(url.Values{"lat": {""}, "lng": {""}}, true)
		if s != 200 || !strings.Contains(body, "手机没有提供位置") || strings.Contains(body, "hx-swap-oob") {
			t.Errorf("a missing position through htmx (%d):\n%s", s, body)
		}
		s, body = post(url.Values{"lat": {""}, "lng": {""}}, false)
		if s != http.StatusUnprocessableEntity || !strings.Contains(body, "手机没有提供位置") {
			t.Errorf("a missing position without script (%d): %s", s, between(body, `class="flash"`, "</div>"))
		}
	})
}

// TestConsoleBookVisitSkills: booking from the ticket offers only
// technicians with the skill its product needs (the product's top-level
// category), says which skill, and the booked visit asks for it.
func TestConsoleBookVisitSkills(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		tomorrowAt(db, 10)
		app := webtest.Start(t, db)
		ctx := app.Ctx
		ac, err := db.CreateCategory(ctx, aftersales.CategoryInput{Code: "ac", NameZH: "空调", NameEN: "Air conditioners"})
		if err != nil {
			t.Fatal(err)
		}
		wall, err := db.CreateCategory(ctx, aftersales.CategoryInput{Code: "ac-wall", NameZH: "挂机", NameEN: "Wall units", ParentID: &ac.ID})
		if err != nil {
			t.Fatal(err)
		}
		var shifts []aftersales.Shift
		for wd := range 7 {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 480, EndMin: 1200})
		}
		home := aftersales.Position{Lat: 30.65, Lng: 104.06}
		mk := func(email, name string, skills []aftersales.Skill) *aftersales.User {
			u, err := db.CreateUser(ctx, aftersales.UserInput{Email: email, Name: name, Role: aftersales.RoleTechnician, Password: "password-123456", Skills: skills})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SetTechnician(ctx, u.ID, aftersales.TechnicianProfileInput{Home: &home, Shifts: shifts}); err != nil {
				t.Fatal(err)
			}
			return u
		}
		skilled := mk("wang@example.com", "王师傅", []aftersales.Skill{{CategoryID: ac.ID, Level: 2}})
		mk("li@example.com", "李师傅", nil)
		lat, lng := 30.66, 104.08
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "赵女士", Phone: "13900000002",
			Address: aftersales.Address{City: "成都市", Street: "人民南路 12 号", Lat: &lat, Lng: &lng}})
		if err != nil {
			t.Fatal(err)
		}
		in := testutil.TicketInput(cust.ID, "空调不制冷")
		in.CategoryID = &wall.ID
		tk, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		book := fmt.Sprintf("/tickets/%d/book", tk.ID)
		_, body := b.get(book)
		offers := between(body, `id="offers"`, "</table>")
		if !strings.Contains(offers, "需要技能：空调（1 级起）") || !strings.Contains(offers, "王师傅") || strings.Contains(offers, "李师傅") {
			t.Fatalf("the offers do not keep to the skilled technician:\n%s", offers)
		}
		form := url.Values{}
		for _, name := range []string{"window_start", "window_end", "technician_id", "duration"} {
			m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(offers)
			if m == nil {
				t.Fatalf("the first offer's form lacks %s", name)
			}
			form.Set(name, html.UnescapeString(m[1]))
		}
		if s, _, _ := b.post(book, form); s != http.StatusSeeOther {
			t.Fatalf("book: %d", s)
		}
		vs, err := db.ListVisits(ctx, tk.ID)
		if err != nil || len(vs) != 1 || *vs[0].TechnicianID != skilled.ID || fmt.Sprint(vs[0].Skills) != fmt.Sprint([]aftersales.Skill{{CategoryID: ac.ID, Level: 1}}) {
			t.Fatalf("the booked visit %+v (%v)", vs, err)
		}
	})
}

// tomorrowAt fixes the store's clock at hour h tomorrow, local time: what
// these tests see (a visit an hour ago is today's, a shift has begun)
// must not depend on the hour the suite runs at (they failed in the hour
// after midnight in Shanghai, when an hour ago was yesterday), and a
// clock ahead of the real time keeps the session cookies in the jar.
func tomorrowAt(db *sqlstore.DB, h int) {
	now := time.Now().In(db.Zone)
	db.Now = testutil.NewClock(time.Date(now.Year(), now.Month(), now.Day()+1, h, 0, 0, 0, db.Zone)).Now
}
