package api_test

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

// TestTechnicianDayAPI: GET /technicians/{id}/day answers the planned
// route with map links, names a bad date, and hides other technicians'
// days from a technician.
func TestTechnicianDayAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		ctx := app.Ctx
		tech := testutil.MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		other := testutil.MustUser(t, ctx, db, "other@example.com", aftersales.RoleTechnician, nil)
		home := aftersales.Position{Lat: 30.65, Lng: 104.06}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Home: &home,
			Shifts: []aftersales.Shift{{Weekday: 1, StartMin: 480, EndMin: 1080}}}); err != nil {
			t.Fatal(err)
		}
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "王女士", Phone: "13900000000",
			Address: aftersales.Address{Lat: testutil.Ptr(30.65), Lng: testutil.Ptr(104.08)}})
		if err != nil {
			t.Fatal(err)
		}
		tk := testutil.MustTicket(t, ctx, db, cust.ID, "空调不制冷")
		at := func(h int) time.Time { return time.Date(2026, 12, 7, h, 0, 0, 0, db.Zone) }
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(9), WindowEnd: at(11), DurationMin: 60, TechnicianID: &tech.ID})
		if err != nil {
			t.Fatal(err)
		}
		r := c.do("GET", fmt.Sprintf("/technicians/%d/day?date=2026-12-07", tech.ID), nil)
		stops, ok := r.Body["stops"].([]any)
		if r.Status != 200 || !ok || len(stops) != 1 {
			t.Fatalf("day: %d %s", r.Status, r.Raw)
		}
		stop, _ := stops[0].(map[string]any)
		if id, ok := stop["visit_id"].(float64); !ok || int64(id) != v.ID {
			t.Errorf("stop: %v", stop)
		}
		links, _ := r.Body["map_links"].(map[string]any)
		if g, ok := links["google"].(string); !ok || !strings.HasPrefix(g, "https://www.google.com/maps/dir/?api=1") {
			t.Errorf("map links: %v", links)
		}
		if r := c.do("GET", fmt.Sprintf("/tickets/%d/visits/%d/report", tk.ID, v.ID), nil); r.Status != 404 {
			t.Errorf("report before completion: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", fmt.Sprintf("/tickets/%d/visits/%d/check-in", tk.ID, v.ID), map[string]any{"version": v.Version}); r.Status != 200 {
			t.Fatalf("check in: %d %s", r.Status, r.Raw)
		}
		r = c.do("POST", fmt.Sprintf("/tickets/%d/visits/%d/complete", tk.ID, v.ID), map[string]any{"version": v.Version + 1, "outcome": "fixed",
			"report": map[string]any{"diagnosis": "电容损坏", "work_done": "更换电容", "confirmed_by": "王女士"}})
		if r.Status != 200 {
			t.Fatalf("complete with a report: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", fmt.Sprintf("/tickets/%d/visits/%d/report", tk.ID, v.ID), nil); r.Status != 200 || r.Body["confirmed_by"] != "王女士" {
			t.Errorf("report: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", fmt.Sprintf("/technicians/%d/day?date=7.12.2026", tech.ID), nil); r.Status != 422 ||
			!strings.Contains(string(r.Raw), `"location":"query.date"`) {
			t.Errorf("bad date: %d %s", r.Status, r.Raw)
		}
		tok, err := db.CreateToken(ctx, other.ID, "phone")
		if err != nil {
			t.Fatal(err)
		}
		oc := &client{t: t, base: c.base, token: tok.Secret}
		if r := oc.do("GET", fmt.Sprintf("/technicians/%d/day?date=2026-12-07", tech.ID), nil); r.Status != 404 {
			t.Errorf("another technician's day: %d %s", r.Status, r.Raw)
		}
		if r := oc.do("GET", fmt.Sprintf("/technicians/%d/day?date=2026-12-07", other.ID), nil); r.Status != 200 {
			t.Errorf("own day: %d %s", r.Status, r.Raw)
		}
	})
}
