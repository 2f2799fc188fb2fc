package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestFieldAPI walks parts, stock and a visit through the API: refusals
// name the field, the part and the location.
func TestFieldAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := testutil.MustCustomer(t, app.Ctx, db, "张三")
		tk := testutil.MustTicket(t, app.Ctx, db, cust.ID, "空调不制冷")
		num := func(r resp, key string) int64 {
			t.Helper()
			v, ok := r.Body[key].(float64)
			if !ok {
				t.Fatalf("no %s in %d %s", key, r.Status, r.Raw)
			}
			return int64(v)
		}
		part := c.do("POST", "/parts", map[string]any{"number": "CMP-100", "name_zh": "压缩机", "models": []string{"KFR-35"}, "unit_cost": 45000, "price": 68000})
		if part.Status != 201 {
			t.Fatalf("create part: %d %s", part.Status, part.Raw)
		}
		if r := c.do("POST", "/parts", map[string]any{"number": "has space", "unit_cost": 1, "price": 1}); r.Status != 422 ||
			!strings.Contains(string(r.Raw), `"location":"body.number"`) || !strings.Contains(string(r.Raw), `"location":"body.name_zh"`) {
			t.Errorf("bad part: %d %s", r.Status, r.Raw)
		}
		loc := c.do("POST", "/stock-locations", map[string]any{"kind": "warehouse", "code": "wh", "name": "中心仓"})
		if loc.Status != 201 {
			t.Fatalf("create location: %d %s", loc.Status, loc.Raw)
		}
		p, l := num(part, "id"), num(loc, "id")
		if r := c.do("POST", "/stock-movements", map[string]any{"kind": "receipt", "part_id": p, "location_id": l, "qty": 2}); r.Status != 201 {
			t.Fatalf("receipt: %d %s", r.Status, r.Raw)
		}
		r := c.do("POST", "/stock-movements", map[string]any{"kind": "consume", "part_id": p, "location_id": l, "qty": 3})
		if r.Status != 409 || !strings.Contains(string(r.Raw), "CMP-100") || !strings.Contains(string(r.Raw), "at wh") {
			t.Errorf("consume beyond stock: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", "/stock-movements", map[string]any{"kind": "adjust", "part_id": p, "location_id": l, "qty": -1}); r.Status != 422 ||
			!strings.Contains(string(r.Raw), `"location":"body.reason"`) {
			t.Errorf("adjust without a reason: %d %s", r.Status, r.Raw)
		}

		// A stock file with a bad row changes nothing and names the row.
		upload := func(text string) resp {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			w, _ := mw.CreateFormFile("file", "stock.csv")
			w.Write([]byte(text))
			mw.Close()
			req, _ := http.NewRequest("POST", c.base+"/stock/import", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			return send(t, c, req)
		}
		if r := upload("kind,part_number,location,qty\nreceipt,CMP-100,wh,5\nconsume,CMP-100,wh,9\n"); r.Status != 422 ||
			!strings.Contains(string(r.Raw), "line 3: qty") {
			t.Errorf("import with a bad row: %d %s", r.Status, r.Raw)
		}
		if r := upload("part_number,location,on_hand,reorder_point,order_up_to\nCMP-100,wh,1,1,6\n"); r.Status != 200 {
			t.Errorf("count import: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", "/stock/export", nil); r.Status != 200 || !strings.Contains(string(r.Raw), "CMP-100,wh,1,0,1,1,6,5") {
			t.Errorf("export: %d %s", r.Status, r.Raw)
		}

		// A visit, booked, checked in late and completed.
		base := fmt.Sprintf("/tickets/%d/visits", tk.ID)
		v := c.do("POST", base, map[string]any{"window_start": "2020-01-01T09:00:00+08:00", "window_end": "2020-01-01T11:00:00+08:00", "duration_min": 60})
		if v.Status != 201 || num(v, "number") != 1 {
			t.Fatalf("create visit: %d %s", v.Status, v.Raw)
		}
		id := num(v, "id")
		if r := c.do("POST", fmt.Sprintf("%s/%d/complete", base, id), map[string]any{"outcome": "fixed", "version": 1}); r.Status != 409 ||
			!strings.Contains(string(r.Raw), `"location":"body.to"`) {
			t.Errorf("complete before check-in: %d %s", r.Status, r.Raw)
		}
		in := c.do("POST", fmt.Sprintf("%s/%d/check-in", base, id), map[string]any{"version": 1, "position": map[string]any{"lat": 30.6, "lng": 104.1}})
		if in.Status != 200 || in.Body["late"] != true {
			t.Fatalf("check-in: %d %s", in.Status, in.Raw)
		}
		if r := c.do("POST", fmt.Sprintf("%s/%d/complete", base, id), map[string]any{"outcome": "fixed", "version": num(in, "version")}); r.Status != 200 || r.Body["outcome"] != "fixed" {
			t.Errorf("complete: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", fmt.Sprintf("%s/%d/history", base, id), nil); r.Status != 200 || !strings.Contains(string(r.Raw), "completed fixed") {
			t.Errorf("history: %d %s", r.Status, r.Raw)
		}
	})
}
