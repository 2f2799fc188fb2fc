package console_test

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestDrillDownFilterFormKeepsTheKPI: on a drill-down list the filter
// form carries the KPI, its period and the other filters it has no field
// for as hidden inputs named after them, so narrowing the list (a team,
// a status) keeps the tickets behind the number. The inputs were named
// after the whole page (a struct dump), and the KPI was dropped.
func TestDrillDownFilterFormKeepsTheKPI(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	b := newBrowser(t, app, "en")
	b.login("admin@example.com", "admin-password-1")
	q := url.Values{"kpi": {"res_sla"}, "kpi_from": {"2026-12-01"}, "kpi_to": {"2026-12-08"}, "tag": {"vip"}, "team_id": {"1"}}
	s, body := b.get("/tickets?" + q.Encode())
	if s != 200 {
		t.Fatalf("/tickets: %d", s)
	}
	start := strings.Index(body, `<form`)
	for start >= 0 && !strings.Contains(body[start:start+strings.Index(body[start:], ">")], `filters`) {
		next := strings.Index(body[start+1:], `<form`)
		if next < 0 {
			start = -1
			break
		}
		start += 1 + next
	}
	if start < 0 {
		t.Fatal("no filter form on the list")
	}
	form := body[start : start+strings.Index(body[start:], "</form>")]
	var got []string
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`).FindAllStringSubmatch(form, -1) {
		got = append(got, m[1]+"="+m[2])
	}
	slices.Sort(got)
	want := []string{"kpi=res_sla", "kpi_from=2026-12-01", "kpi_to=2026-12-08", "tag=vip"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hidden filters of the form (-want +got):\n%s", diff)
	}
}
