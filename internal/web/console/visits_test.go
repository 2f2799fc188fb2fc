package console_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestConsoleTicketVisits: the ticket page lists its visits, late ones
// marked, and the timeline says what happened to visits and parts in
// the page's language.
func TestConsoleTicketVisits(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		cust := testutil.MustCustomer(t, ctx, db, "赵先生")
		tk := testutil.MustTicket(t, ctx, db, cust.ID, "空调不制冷")
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		start := db.Now().Add(-4 * time.Hour)
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: start, WindowEnd: start.Add(2 * time.Hour), DurationMin: 60, TechnicianID: &tech.ID})
		if err != nil {
			t.Fatal(err)
		}
		if v, err = db.StepVisit(ctx, tk.ID, v.ID, aftersales.VisitStep{To: aftersales.VisitCheckedIn, Version: v.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err = db.StepVisit(ctx, tk.ID, v.ID, aftersales.VisitStep{To: aftersales.VisitCompleted, Outcome: aftersales.OutcomeNeedsParts, Version: v.Version}); err != nil {
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
		tk, _ = db.FindTicket(ctx, tk.ID)
		if _, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: part.ID, LocationID: wh.ID, Qty: 1, Wait: true}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ lang, want []string }{
			{[]string{"en"}, []string{"Visits", "completed · needs parts", `class="late">late<`, "wang", "waiting for part CMP-100 (压缩机) ×1 at wh", "waiting for CMP-100"}},
			{[]string{"zh-CN"}, []string{"上门记录", "已完成 · 需备件", `class="late">迟到<`, "等待备件 CMP-100（压缩机）×1，库位 wh", "等待到货 CMP-100"}},
		} {
			b := newBrowser(t, app, tc.lang[0])
			b.login("admin@example.com", "admin-password-1")
			s, body := b.get(fmt.Sprintf("/tickets/%d", tk.ID))
			if s != 200 {
				t.Fatalf("%s: ticket page %d", tc.lang[0], s)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: the ticket page lacks %q:\n%s", tc.lang[0], w, between(body, `id="visits"`, "</table>"))
				}
			}
			// The visits table names the visit's technician.
			if visits := between(body, `id="visits"`, "</table>"); !strings.Contains(visits, ">"+tech.Name+"<") {
				t.Errorf("%s: the visits table does not name technician %q:\n%s", tc.lang[0], tech.Name, visits)
			}
			if s, body := b.get("/dashboard"); s != 200 || !strings.Contains(body, `id="tile-first_time_fix"`) || !strings.Contains(body, `id="tile-window_on_time"`) {
				t.Errorf("%s: the dashboard lacks the field tiles (%d)", tc.lang[0], s)
			}
		}
	})
}
