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

// TestReorderDayAPI: POST /visits/{id}/reorder moves a visit in its
// technician's day and answers the day timed in that order, the visit it
// makes late flagged; PUT /technicians/{id}/day/order sets or clears the
// order; bad input names its field, a stale version is 409 and a
// technician may not order days.
func TestReorderDayAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		ctx := app.Ctx
		tech := testutil.MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		home := aftersales.Position{Lat: 30.65, Lng: 104.06}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Home: &home,
			Shifts: []aftersales.Shift{{Weekday: 1, StartMin: 480, EndMin: 1080}}}); err != nil {
			t.Fatal(err)
		}
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "王女士", Phone: "13900000000",
			Address: aftersales.Address{Lat: testutil.Ptr(home.Lat), Lng: testutil.Ptr(home.Lng)}})
		if err != nil {
			t.Fatal(err)
		}
		at := func(h int) time.Time { return time.Date(2026, 12, 7, h, 0, 0, 0, db.Zone) }
		var vs []*aftersales.Visit
		for _, h := range []int{9, 11} {
			tk := testutil.MustTicket(t, ctx, db, cust.ID, "空调不制冷")
			v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(h), WindowEnd: at(h + 1), DurationMin: 60, TechnicianID: &tech.ID})
			if err != nil {
				t.Fatal(err)
			}
			vs = append(vs, v)
		}
		a, b := vs[0], vs[1]
		stops := func(r resp) []string {
			t.Helper()
			ss, ok := r.Body["stops"].([]any)
			if !ok {
				t.Fatalf("no stops: %d %s", r.Status, r.Raw)
			}
			var out []string
			for _, s := range ss {
				m, _ := s.(map[string]any)
				out = append(out, fmt.Sprintf("%v late %v", m["visit_id"], m["late_min"]))
			}
			return out
		}
		// B first: B 11:00-12:00, then A at 12:00, two hours after its window.
		r := c.do("POST", fmt.Sprintf("/visits/%d/reorder", b.ID), map[string]any{"direction": "earlier", "version": b.Version})
		if r.Status != 200 || r.Body["manual"] != true {
			t.Fatalf("reorder: %d %s", r.Status, r.Raw)
		}
		if got, want := strings.Join(stops(r), ", "), fmt.Sprintf("%d late 0, %d late 120", b.ID, a.ID); got != want {
			t.Errorf("stops %s, want %s", got, want)
		}
		for _, tc := range []struct {
			name, method, path string
			body               any
			status             int
			location           string
		}{
			{"bad direction", "POST", fmt.Sprintf("/visits/%d/reorder", a.ID), map[string]any{"direction": "up", "version": a.Version + 1}, 422, "body.direction"},
			{"stale", "POST", fmt.Sprintf("/visits/%d/reorder", b.ID), map[string]any{"direction": "later", "version": b.Version}, 409, "body.version"},
			{"already first", "POST", fmt.Sprintf("/visits/%d/reorder", b.ID), map[string]any{"direction": "earlier", "version": b.Version + 1}, 409, "body.direction"},
			{"missing visit", "PUT", fmt.Sprintf("/technicians/%d/day/order?date=2026-12-07", tech.ID), map[string]any{"visit_ids": []int64{a.ID}}, 422, "body.visit_ids"},
			{"bad date", "PUT", fmt.Sprintf("/technicians/%d/day/order?date=7.12.2026", tech.ID), map[string]any{"visit_ids": []int64{}}, 422, "query.date"},
			{"no such visit", "POST", fmt.Sprintf("/visits/%d/reorder", b.ID+999), map[string]any{"direction": "later", "version": 1}, 404, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := c.do(tc.method, tc.path, tc.body)
				if r.Status != tc.status || tc.location != "" && !strings.Contains(string(r.Raw), `"location":"`+tc.location+`"`) {
					t.Errorf("%d %s, want %d naming %s", r.Status, r.Raw, tc.status, tc.location)
				}
			})
		}
		r = c.do("PUT", fmt.Sprintf("/technicians/%d/day/order?date=2026-12-07", tech.ID), map[string]any{"visit_ids": []int64{a.ID, b.ID}})
		if got, want := strings.Join(stops(r), ", "), fmt.Sprintf("%d late 0, %d late 0", a.ID, b.ID); r.Status != 200 || r.Body["manual"] != true || got != want {
			t.Errorf("set order: %d %s", r.Status, r.Raw)
		}
		r = c.do("PUT", fmt.Sprintf("/technicians/%d/day/order?date=2026-12-07", tech.ID), map[string]any{"visit_ids": []int64{}})
		if r.Status != 200 || r.Body["manual"] != false {
			t.Errorf("clear order: %d %s", r.Status, r.Raw)
		}
		tok, err := db.CreateToken(ctx, tech.ID, "phone")
		if err != nil {
			t.Fatal(err)
		}
		tc := &client{t: t, base: c.base, token: tok.Secret}
		if r := tc.do("PUT", fmt.Sprintf("/technicians/%d/day/order?date=2026-12-07", tech.ID), map[string]any{"visit_ids": []int64{}}); r.Status != 403 {
			t.Errorf("a technician orders a day: %d %s", r.Status, r.Raw)
		}
	})
}
