package api_test

import (
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestUtilisationAPI: technician_utilisation is in the catalog and
// answers through the KPI endpoint; a ticket dimension is a 422 naming
// query.by. (Its values are checked in sqlstore.TestTechnicianUtilisation.)
func TestUtilisationAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		day := db.Now().In(db.Zone).Format("2006-01-02")
		next := db.Now().In(db.Zone).AddDate(0, 0, 1).Format("2006-01-02")
		r := c.do("GET", "/metrics/kpis/technician_utilisation?from="+day+"&to="+next+"&grain=day&by=technician", nil)
		if r.Status != 200 {
			t.Fatalf("utilisation by technician: %d %s", r.Status, r.Raw)
		}
		if kpi, _ := r.Body["kpi"].(map[string]any); kpi == nil || kpi["unit"] != "percent" || kpi["cohort"] != "shift_day" {
			t.Errorf("kpi %v", r.Body["kpi"])
		}
		if r := c.do("GET", "/metrics/kpis/technician_utilisation?from="+day+"&to="+next+"&by=channel", nil); r.Status != 422 || r.locations()["query.by"] == "" {
			t.Errorf("by channel: %d %s", r.Status, r.Raw)
		}
	})
}
