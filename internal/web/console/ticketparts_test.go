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
		if !strings.Contains(body, `action="`+use+`"`) || !strings.Contains(body, "记为已使用 ×2") {
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
