package console_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestAlertItemTitleInPageLanguage opens an item an alert opened: its
// title is said in the page's language in the heading, and also in the
// browser's title bar and the fishbone's head, which showed the stored
// "fcr out of bounds for all tickets" on the Chinese page.
func TestAlertItemTitleInPageLanguage(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	if _, err := demo.Load(app.Ctx, db.Services(), db, demo.Options{Seed: 1, Tickets: 200, End: time.Now(), Zone: testutil.Shanghai(t)}); err != nil {
		t.Fatal(err)
	}
	// A rule every month of the demo breaches opens an item.
	limit := 100.0
	if err := db.SaveAlertRule(app.Ctx, &aftersales.AlertRule{KPI: "fcr", Grain: aftersales.GrainMonth, Threshold: &limit, Active: true}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.EvaluateAlerts(app.Ctx); err != nil || n == 0 {
		t.Fatalf("evaluate alerts: %d, %v", n, err)
	}
	items, err := db.ImprovementItems(app.Ctx, aftersales.ItemFilter{})
	if err != nil || len(items) == 0 || items[0].Title != "fcr out of bounds for all tickets" {
		t.Fatalf("the alert's item: %v, %v", items, err)
	}
	it := items[0]
	for _, tc := range []struct{ lang, want string }{
		{"zh-CN", "一次解决率 超出控制界限：全部工单"},
		{"en", "First-contact resolution out of bounds: all tickets"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			b := newBrowser(t, app, tc.lang)
			b.login(app.Admin.Email, "admin-password-1")
			s, body := b.get(fmt.Sprintf("/quality/items/%d", it.ID))
			if s != 200 {
				t.Fatalf("item page: %d", s)
			}
			title := body[strings.Index(body, "<title>"):strings.Index(body, "</title>")]
			if !strings.Contains(title, tc.want) {
				t.Errorf("title bar %q, want %q", title, tc.want)
			}
			if tc.lang == "zh-CN" && strings.Contains(body, "out of bounds") {
				i := strings.Index(body, "out of bounds")
				t.Errorf("the stored English title is on the page: …%s…", body[max(0, i-80):i+40])
			}
		})
	}
}
