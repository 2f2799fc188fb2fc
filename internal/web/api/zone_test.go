package api_test

import (
	"testing"
	"time"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web"
	"aftersales/internal/web/webtest"
)

// TestTicketDateFiltersUseConfiguredZone checks that plain dates in the
// ticket list are days of --tz, not of Asia/Shanghai.
func TestTicketDateFiltersUseConfiguredZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		// 02:00 UTC on 10 March is the evening of 9 March in New York and
		// the morning of 10 March in Shanghai.
		db.Now = testutil.NewClock(time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)).Now
		db.Zone = ny
		app := webtest.StartWith(t, db, func(s *web.Server) { s.Zone = ny })
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := testutil.MustCustomer(t, app.Ctx, db, "王五")
		tk := testutil.MustTicket(t, app.Ctx, db, cust.ID, "时区")
		for _, tc := range []struct {
			query string
			want  int
		}{
			{"created_from=2026-03-09&created_to=2026-03-10", 1},
			{"created_from=2026-03-10", 0},
			{"created_to=2026-03-09", 0},
		} {
			r := c.do("GET", "/tickets?open=&"+tc.query, nil)
			list, ok := r.Body["tickets"].([]any)
			if r.Status != 200 || !ok {
				t.Fatalf("%s: %d %s", tc.query, r.Status, r.Raw)
			}
			if len(list) != tc.want {
				t.Errorf("%s: %d tickets, want %d (ticket %s created %s)", tc.query, len(list), tc.want, tk.Number, tk.CreatedAt.In(ny))
			}
		}
	})
}
