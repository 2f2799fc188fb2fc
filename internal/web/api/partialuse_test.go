package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestConsumePartOfReservationAPI: consume-reservation takes the units
// used ({"qty": 3} of 4); the rest are released and the location's
// available stock shows them. A quantity above the reservation, or below
// one, is refused with 422 naming qty; without a body the reservation is
// used whole, as before.
func TestConsumePartOfReservationAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := testutil.MustCustomer(t, app.Ctx, db, "孙女士")
		tk := testutil.MustTicket(t, app.Ctx, db, cust.ID, "净水器滤芯更换")
		num := func(r resp, key string) int64 {
			t.Helper()
			v, ok := r.Body[key].(float64)
			if !ok {
				t.Fatalf("no %s in %d %s", key, r.Status, r.Raw)
			}
			return int64(v)
		}
		part := c.do("POST", "/parts", map[string]any{"number": "FLT-20", "name_zh": "滤芯", "unit_cost": 3000, "price": 5000})
		loc := c.do("POST", "/stock-locations", map[string]any{"kind": "warehouse", "code": "wh", "name": "中心仓"})
		p, l := num(part, "id"), num(loc, "id")
		if r := c.do("POST", "/stock-movements", map[string]any{"kind": "receipt", "part_id": p, "location_id": l, "qty": 10}); r.Status != 201 {
			t.Fatalf("receipt: %d %s", r.Status, r.Raw)
		}
		reserve := func(n int) string {
			t.Helper()
			r := c.do("POST", fmt.Sprintf("/tickets/%d/reservations", tk.ID), map[string]any{"part_id": p, "location_id": l, "qty": n})
			if r.Status != 201 {
				t.Fatalf("reserve: %d %s", r.Status, r.Raw)
			}
			return fmt.Sprintf("/tickets/%d/reservations/%d/consume", tk.ID, num(r, "id"))
		}
		use := reserve(4)
		for _, n := range []int{9, -1} {
			if r := c.do("POST", use, map[string]any{"qty": n}); r.Status != 422 || !strings.Contains(string(r.Raw), `"location":"body.qty"`) {
				t.Errorf("using %d of 4: %d %s", n, r.Status, r.Raw)
			}
		}
		r := c.do("POST", use, map[string]any{"qty": 3})
		if r.Status != 200 || r.Body["status"] != "consumed" || num(r, "qty") != 3 {
			t.Fatalf("using 3 of 4: %d %s", r.Status, r.Raw)
		}
		available := func() float64 {
			t.Helper()
			r := c.do("GET", fmt.Sprintf("/stock?part_id=%d&location_id=%d", p, l), nil)
			if r.Status != 200 {
				t.Fatalf("stock: %d %s", r.Status, r.Raw)
			}
			var rows []map[string]any
			if err := json.Unmarshal(r.Raw, &rows); err != nil || len(rows) != 1 {
				t.Fatalf("stock rows: %v %s", err, r.Raw)
			}
			v, ok := rows[0]["available"].(float64)
			if !ok {
				t.Fatalf("no available in %s", r.Raw)
			}
			return v
		}
		if got := available(); got != 7 {
			t.Errorf("available after using 3 of 4: %v, want 7", got)
		}
		if r := c.do("POST", reserve(2), nil); r.Status != 200 || num(r, "qty") != 2 {
			t.Errorf("using a reservation without a body: %d %s", r.Status, r.Raw)
		}
		if got := available(); got != 5 {
			t.Errorf("available after using all of 2: %v, want 5", got)
		}
	})
}
