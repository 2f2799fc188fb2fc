package console_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

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
