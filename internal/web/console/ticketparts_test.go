package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestTicketPartsUseAndReturn: outside a visit's work report a held
// reservation was marked used, and a used part returned, only through the
// API. The ticket page's parts card now does both for the roles that
// move stock, writing what the API writes: the consume line, the parts
// cost line and the timeline for "used"; a return line for the ticket for
// "return". A refused return names the field and the reason in the page's
// language and writes nothing; a role that cannot move stock is shown
// neither.
func TestTicketPartsUseAndReturn(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		cust := testutil.MustCustomer(t, ctx, db, "李女士")
		tk := testutil.MustTicket(t, ctx, db, cust.ID, "压缩机异响")
		part, err := db.CreatePart(ctx, aftersales.PartInput{Number: "CMP-100", NameZH: "压缩机", NameEN: "Compressor", UnitCost: 12000, Active: testutil.Ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		wh, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Code: "wh01", Name: "中心仓", Kind: aftersales.LocationWarehouse, Active: testutil.Ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: part.ID, LocationID: wh.ID, Qty: 5}); err != nil {
			t.Fatal(err)
		}
		res, err := db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: part.ID, LocationID: wh.ID, Qty: 2})
		if err != nil {
			t.Fatal(err)
		}
		page := "/tickets/" + strconv.FormatInt(tk.ID, 10)
		use := page + "/reservations/" + strconv.FormatInt(res.ID, 10) + "/consume"
		ret := page + "/reservations/" + strconv.FormatInt(res.ID, 10) + "/return"

		q := newBrowser(t, app, "zh-CN")
		testutil.MustUser(t, ctx, db, "qm@example.com", aftersales.RoleQuality, nil)
		q.login("qm@example.com", "password-123456")
		if _, body := q.get(page); strings.Contains(body, `action="`+use+`"`) {
			t.Error("a quality manager, who cannot move stock, is shown Mark used")
		}
		if s, _, _ := q.post(use, url.Values{}); s != http.StatusForbidden {
			t.Errorf("a quality manager marks a part used: %d", s)
		}

		b := newBrowser(t, app, "zh-CN")
		b.login(app.Admin.Email, "admin-password-1")
		_, body := b.get(page)
		if !strings.Contains(body, `action="`+use+`"`) || !strings.Contains(body, "记为已使用") ||
			!strings.Contains(body, `id="use-qty-`+strconv.FormatInt(res.ID, 10)+`" name="qty" type="number" min="1" max="2"`) {
			t.Fatalf("the card offers no Mark used for a held reservation:\n%s", section(body, `id="parts"`))
		}
		if s, _, h := b.post(use, url.Values{}); s != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "ok=parts_used") {
			t.Fatalf("mark used: %d %v", s, h)
		}
		ms, err := db.ListMovements(ctx, aftersales.StockFilter{PartID: part.ID, TicketID: tk.ID})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []aftersales.MovementKind
		for _, m := range ms {
			kinds = append(kinds, m.Kind)
		}
		if diff := cmp.Diff([]aftersales.MovementKind{aftersales.MoveReserve, aftersales.MoveConsume}, kinds); diff != "" {
			t.Errorf("ledger lines for the ticket (-want +got):\n%s", diff)
		}
		costs, err := db.ListCosts(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(costs) != 1 || costs[0].Kind != aftersales.CostParts {
			t.Errorf("cost lines after use: %+v", costs)
		}
		_, body = b.get(page)
		if !strings.Contains(body, "已使用 CMP-100 ×2 @ wh01") && !strings.Contains(body, "CMP-100 ×2") {
			t.Errorf("the timeline does not say the part was used:\n%s", section(body, `id="timeline"`))
		}
		if !strings.Contains(body, `action="`+ret+`"`) {
			t.Fatalf("the card offers no return for a used part:\n%s", section(body, `id="parts"`))
		}

		// A refused return names the field and the reason in Chinese and
		// writes nothing.
		for _, c := range []struct {
			name  string
			form  url.Values
			field string
		}{
			{"no reason", url.Values{"location_id": {strconv.FormatInt(wh.ID, 10)}, "qty": {"1"}}, "ret-reason-err"},
			{"too many", url.Values{"location_id": {strconv.FormatInt(wh.ID, 10)}, "qty": {"3"}, "reason": {"客户拒绝更换"}}, "ret-qty-err"},
			{"no location", url.Values{"location_id": {""}, "qty": {"1"}, "reason": {"客户拒绝更换"}}, "ret-loc-err"},
		} {
			s, body, _ := b.post(ret, c.form)
			if s != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+c.field) {
				t.Errorf("%s: %d, no %s:\n%s", c.name, s, c.field, section(body, `id="parts"`))
			}
			if m := englishReason.FindString(section(body, `id="parts"`)); m != "" {
				t.Errorf("%s: the reason reads %q on a Chinese page", c.name, m)
			}
		}
		s, _, h := b.post(ret, url.Values{"location_id": {strconv.FormatInt(wh.ID, 10)}, "qty": {"1"}, "reason": {"客户拒绝更换"}})
		if s != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "ok=parts_returned") {
			t.Fatalf("return: %d %v", s, h)
		}
		ms, err = db.ListMovements(ctx, aftersales.StockFilter{PartID: part.ID, TicketID: tk.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 3 || ms[2].Kind != aftersales.MoveReturn || ms[2].OnHand != 1 || ms[2].Reason != "客户拒绝更换" || ms[2].LocationID != wh.ID {
			t.Errorf("ledger after the return: %+v", ms[len(ms)-1])
		}
		_, body = b.get(page)
		if !strings.Contains(body, `id="returned-`+strconv.FormatInt(res.ID, 10)+`"`) || !strings.Contains(body, "客户拒绝更换") {
			t.Errorf("the card does not show the return:\n%s", section(body, `id="parts"`))
		}
		// One of the two is back: a second return of two is refused, of
		// one taken; then there is nothing left to return.
		if s, body, _ := b.post(ret, url.Values{"location_id": {strconv.FormatInt(wh.ID, 10)}, "qty": {"2"}, "reason": {"多领"}}); s != http.StatusUnprocessableEntity || !strings.Contains(body, `id="ret-qty-err`) {
			t.Errorf("returning more than is left: %d", s)
		}
		if s, _, _ := b.post(ret, url.Values{"location_id": {strconv.FormatInt(wh.ID, 10)}, "qty": {"1"}, "reason": {"多领"}}); s != http.StatusSeeOther {
			t.Errorf("returning the last one: %d", s)
		}
		if _, body := b.get(page); strings.Contains(body, `action="`+ret+`"`) {
			t.Error("the card offers a return with nothing left to return")
		}
	})
}

// englishReason is a field reason left in English.
var englishReason = regexp.MustCompile(`must be|is required|chosen from|whole number`)

// section is the part of a page from marker on, for a failure's message.
func section(body, marker string) string {
	i := strings.Index(body, marker)
	if i < 0 {
		return "(no " + marker + ")"
	}
	return body[i:min(len(body), i+3000)]
}

// TestTicketPartPicker: the card's part field was a list of every part.
// It is now a search: a part number or a name in Chinese or English finds
// the active parts, each with what the ticket's service point has
// available; and without script a full part number reserves the part.
func TestTicketPartPicker(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
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
		cust := testutil.MustCustomer(t, ctx, db, "李女士")
		in := testutil.TicketInput(cust.ID, "压缩机异响")
		in.ServiceUnitID = &unit.ID
		tk, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		sp, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Code: "sp-sh", Name: "上海服务站库", Kind: aftersales.LocationServicePoint, ServiceUnitID: &unit.ID, Active: testutil.Ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, p := range []aftersales.PartInput{
			{Number: "CMP-100", NameZH: "压缩机", NameEN: "Compressor", Active: testutil.Ptr(true)},
			{Number: "FAN-200", NameZH: "风扇电机", NameEN: "Fan motor", Active: testutil.Ptr(true)},
			{Number: "CMP-900", NameZH: "旧压缩机", NameEN: "Old compressor", Active: testutil.Ptr(false)},
		} {
			pt, err := db.CreatePart(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, pt.ID)
		}
		if _, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: ids[0], LocationID: sp.ID, Qty: 3}); err != nil {
			t.Fatal(err)
		}
		page := "/tickets/" + strconv.FormatInt(tk.ID, 10)
		b := newBrowser(t, app, "en")
		b.login(app.Admin.Email, "admin-password-1")
		if _, body := b.get(page); strings.Contains(section(body, `id="reserve-form"`), "FAN-200") {
			t.Error("the card still lists every part")
		}
		radio := func(id int64) string { return `name="part_id" value="` + strconv.FormatInt(id, 10) + `"` }
		for _, c := range []struct {
			q        string
			want     []int64
			not      []int64
			contains string
		}{
			{"cmp", []int64{ids[0]}, []int64{ids[1], ids[2]}, "3 available"},
			{"压缩", []int64{ids[0]}, []int64{ids[1], ids[2]}, "sp-sh"},
			{"fan motor", []int64{ids[1]}, []int64{ids[0]}, "0 available"},
			{"nothing-like-it", nil, ids, "No active part matches."},
		} {
			s, body := b.get(page + "/parts/pick?part_q=" + url.QueryEscape(c.q))
			if s != http.StatusOK {
				t.Fatalf("%s: %d", c.q, s)
			}
			for _, id := range c.want {
				if !strings.Contains(body, radio(id)) {
					t.Errorf("%q does not find part %d:\n%s", c.q, id, body)
				}
			}
			for _, id := range c.not {
				if strings.Contains(body, radio(id)) {
					t.Errorf("%q finds part %d:\n%s", c.q, id, body)
				}
			}
			if !strings.Contains(body, c.contains) {
				t.Errorf("%q: no %q in:\n%s", c.q, c.contains, body)
			}
		}
		// Without script: the typed part number is the part.
		s, _, h := b.post(page+"/reservations", url.Values{"part_q": {"fan-200"}, "qty": {"1"}, "location_id": {strconv.FormatInt(sp.ID, 10)}, "wait": {"1"}})
		if s != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "ok=parts_reserved") {
			t.Fatalf("reserve by number: %d %v", s, h)
		}
		rs, err := db.ListReservations(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].PartID != ids[1] {
			t.Errorf("reservations: %+v", rs)
		}
		s, body, _ := b.post(page+"/reservations", url.Values{"part_q": {"compressor"}, "qty": {"1"}})
		if s != http.StatusUnprocessableEntity || !strings.Contains(body, `id="res-part-err"`) || !strings.Contains(body, radio(ids[0])) {
			t.Errorf("a name that is not a part number: %d, no error or no matches:\n%s", s, section(body, `id="reserve-form"`))
		}
	})
}

// TestTicketPartsUseSome: the card's Mark used takes the units used, two
// of a reservation of three: the third goes back to the location, the
// card lists the reservation as used ×2 and offers at most two back. More
// than reserved is refused at the reservation's quantity field in the
// page's language, with what was typed kept, and writes nothing. Before,
// the card used the reservation whole.
func TestTicketPartsUseSome(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		cust := testutil.MustCustomer(t, ctx, db, "周先生")
		tk := testutil.MustTicket(t, ctx, db, cust.ID, "滤网更换")
		part, err := db.CreatePart(ctx, aftersales.PartInput{Number: "FLT-20", NameZH: "滤网", NameEN: "Filter", UnitCost: 3000, Active: testutil.Ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		wh, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Code: "wh01", Name: "中心仓", Kind: aftersales.LocationWarehouse, Active: testutil.Ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: part.ID, LocationID: wh.ID, Qty: 5}); err != nil {
			t.Fatal(err)
		}
		res, err := db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: part.ID, LocationID: wh.ID, Qty: 3})
		if err != nil {
			t.Fatal(err)
		}
		rid := strconv.FormatInt(res.ID, 10)
		page := "/tickets/" + strconv.FormatInt(tk.ID, 10)
		use := page + "/reservations/" + rid + "/consume"
		for _, lang := range []string{"zh-CN", "en"} {
			b := newBrowser(t, app, lang)
			b.login(app.Admin.Email, "admin-password-1")
			s, body, _ := b.post(use, url.Values{"qty": {"7"}})
			card := section(body, `id="parts"`)
			if s != http.StatusUnprocessableEntity || !strings.Contains(card, `id="use-qty-err-`+rid+`"`) || !strings.Contains(card, `value="7"`) {
				t.Errorf("%s: using 7 of 3: %d, no error at the quantity:\n%s", lang, s, card)
			}
			if strings.Contains(card, `id="res-qty-err"`) {
				t.Errorf("%s: the error shows under the reservation form too", lang)
			}
			if m := englishReason.FindString(card); lang == "zh-CN" && m != "" {
				t.Errorf("the reason reads %q on a Chinese page", m)
			}
			// The form refuses 0 ("none used" on a form, "all" on the API)
			// and more than the most a quantity can be, with its own reason.
			want := map[string]string{"zh-CN": "必须是 1 到 1000000 之间的整数", "en": "must be a whole number between 1 and 1000000"}[lang]
			for _, q := range []string{"0", "2000000"} {
				s, body, _ := b.post(use, url.Values{"qty": {q}})
				if card := section(body, `id="parts"`); s != http.StatusUnprocessableEntity || !strings.Contains(card, want) {
					t.Errorf("%s: using %s: %d, want the reason %q:\n%s", lang, q, s, want, card)
				}
			}
		}
		if bs, _ := db.ListStock(ctx, aftersales.StockFilter{PartID: part.ID, LocationID: wh.ID}); len(bs) != 1 || bs[0].Reserved != 3 {
			t.Fatalf("a refused use moved stock: %+v", bs)
		}
		b := newBrowser(t, app, "zh-CN")
		b.login(app.Admin.Email, "admin-password-1")
		if s, _, h := b.post(use, url.Values{"qty": {"2"}}); s != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "ok=parts_used") {
			t.Fatalf("using 2 of 3: %d %v", s, h)
		}
		bs, err := db.ListStock(ctx, aftersales.StockFilter{PartID: part.ID, LocationID: wh.ID})
		if err != nil || len(bs) != 1 || bs[0].OnHand != 3 || bs[0].Reserved != 0 {
			t.Errorf("stock after using 2 of 3 (5 on hand): %+v %v; want 3 on hand, none reserved", bs, err)
		}
		costs, err := db.ListCosts(ctx, tk.ID)
		if err != nil || len(costs) != 1 || costs[0].Amount != 2*3000 {
			t.Errorf("cost lines: %+v %v; want one of 2 × 30.00", costs, err)
		}
		_, body := b.get(page)
		if !strings.Contains(body, "已领用 FLT-20 ×2 @ wh01 已释放 ×1") && !strings.Contains(body, "已领用 FLT-20 ×2 @ wh01 · 已释放 ×1") {
			t.Errorf("the timeline does not say 2 used and 1 released:\n%s", section(body, `id="timeline"`))
		}
		if !strings.Contains(body, `id="ret-qty-`+rid+`" name="qty" type="number" min="1" max="2"`) {
			t.Errorf("the return offers other than the 2 used:\n%s", section(body, `id="parts"`))
		}
		ret := page + "/reservations/" + rid + "/return"
		if s, _, _ := b.post(ret, url.Values{"location_id": {strconv.FormatInt(wh.ID, 10)}, "qty": {"3"}, "reason": {"多领"}}); s != http.StatusUnprocessableEntity {
			t.Errorf("returning 3 of 2 used: %d", s)
		}
	})
}
