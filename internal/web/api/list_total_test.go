package api_test

import (
	"fmt"
	"net/url"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// The ticket list answers the total number of matches on every page, and
// filters by region (a unit and the units under it) and by breached SLA.
func TestListTicketsTotal(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		reg, _ := db.CreateServiceUnit(app.Ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "east", Name: "华东"})
		br, _ := db.CreateServiceUnit(app.Ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "sh", Name: "上海", ParentID: &reg.ID})
		cust := testutil.MustCustomer(t, app.Ctx, db, "吴九")
		for i := range 3 {
			in := testutil.TicketInput(cust.ID, fmt.Sprintf("工单 %d", i))
			if i < 2 {
				in.ServiceUnitID = &br.ID
			}
			if _, err := db.CreateTicket(app.Ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		path := fmt.Sprintf("/tickets?limit=1&region_id=%d", reg.ID)
		for page := 1; path != ""; page++ {
			r := c.do("GET", path, nil)
			total, ok := r.Body["total"].(float64)
			if r.Status != 200 || !ok || total != 2 {
				t.Fatalf("page %d: %d total=%v %s", page, r.Status, r.Body["total"], r.Raw)
			}
			if page > 2 {
				t.Fatalf("more than two pages for two tickets")
			}
			path = ""
			if next, _ := r.Body["next_cursor"].(string); next != "" {
				path = fmt.Sprintf("/tickets?limit=1&region_id=%d&cursor=%s", reg.ID, url.QueryEscape(next))
			}
		}
		r := c.do("GET", "/tickets?sla=breached", nil)
		if total, ok := r.Body["total"].(float64); r.Status != 200 || !ok || total != 0 {
			t.Fatalf("breached: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", "/tickets?sla=late", nil); r.Status != 422 {
			t.Fatalf("unknown sla filter: %d", r.Status)
		}
	})
}
