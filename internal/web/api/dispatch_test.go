package api_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestDispatchAPI: the board lists an unassigned visit, suggestions
// explain themselves, dispatching assigns it (a stale version is 409), and
// a technician's position starts their day.
func TestDispatchAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		ctx := app.Ctx
		region, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "sw", Name: "西南"})
		branch, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "cd", Name: "成都", ParentID: &region.ID})
		ws, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitWorkstation, Code: "cdw", Name: "成都站", ParentID: &branch.ID})
		sp, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitServicePoint, Code: "cd1", Name: "武侯", ParentID: &ws.ID})
		if err != nil {
			t.Fatal(err)
		}
		tech := testutil.MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		home := aftersales.Position{Lat: 30.65, Lng: 104.06}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{ServiceUnitID: &sp.ID, Home: &home,
			Shifts: []aftersales.Shift{{Weekday: 1, StartMin: 480, EndMin: 1080}}}); err != nil {
			t.Fatal(err)
		}
		cust, _ := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "王女士", Phone: "13900000000",
			Address: aftersales.Address{Lat: testutil.Ptr(30.65), Lng: testutil.Ptr(104.08)}})
		in := testutil.TicketInput(cust.ID, "空调不制冷")
		in.ServiceUnitID = &sp.ID
		tk, _ := db.CreateTicket(ctx, in)
		at := func(h int) time.Time { return time.Date(2026, 12, 7, h, 0, 0, 0, db.Zone) }
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(9), WindowEnd: at(11), DurationMin: 60})
		if err != nil {
			t.Fatal(err)
		}
		r := c.do("GET", fmt.Sprintf("/service-units/%d/board?date=2026-12-07", sp.ID), nil)
		if un, ok := r.Body["unassigned"].([]any); r.Status != 200 || !ok || len(un) != 1 {
			t.Fatalf("board: %d %s", r.Status, r.Raw)
		}
		r = c.do("GET", fmt.Sprintf("/visits/%d/suggestions", v.ID), nil)
		var list []map[string]any
		if err := json.Unmarshal(r.Raw, &list); r.Status != 200 || err != nil || len(list) != 1 {
			t.Fatalf("suggestions: %d %s", r.Status, r.Raw)
		}
		first := list[0]
		why, _ := first["why"].(map[string]any)
		if mins, ok := why["travel_min"].(float64); !ok || mins <= 0 || first["technician_id"] != float64(tech.ID) {
			t.Errorf("suggestion: %v", first)
		}
		if r := c.do("POST", fmt.Sprintf("/visits/%d/dispatch", v.ID), map[string]any{"technician_id": tech.ID, "version": v.Version + 5}); r.Status != 409 {
			t.Errorf("stale dispatch: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", fmt.Sprintf("/visits/%d/dispatch", v.ID), map[string]any{"technician_id": tech.ID, "version": v.Version}); r.Status != 200 ||
			r.Body["technician_id"] != float64(tech.ID) {
			t.Fatalf("dispatch: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", fmt.Sprintf("/visits/%d/suggestions", v.ID+100), nil); r.Status != 404 {
			t.Errorf("suggestions for a missing visit: %d %s", r.Status, r.Raw)
		}
		tok, err := db.CreateToken(ctx, tech.ID, "phone")
		if err != nil {
			t.Fatal(err)
		}
		tc := &client{t: t, base: c.base, token: tok.Secret}
		if r := tc.do("GET", fmt.Sprintf("/service-units/%d/board?date=2026-12-07", sp.ID), nil); r.Status != 403 {
			t.Errorf("board for a technician: %d %s", r.Status, r.Raw)
		}
		if r := tc.do("POST", "/me/position", map[string]any{"lat": 30.65, "lng": 104.07}); r.Status != 200 || r.Body["source"] != "update" {
			t.Errorf("report position: %d %s", r.Status, r.Raw)
		}
		if r := tc.do("POST", "/me/position", map[string]any{"lat": 95, "lng": 104.07}); r.Status != 422 {
			t.Errorf("a position off the globe: %d %s", r.Status, r.Raw)
		}
	})
}
