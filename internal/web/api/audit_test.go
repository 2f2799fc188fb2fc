package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"

	"github.com/google/go-cmp/cmp"
)

// TestAuditFilters reads the audit log through the API with the console's
// filters: actor, entity, action and days of the deployment's zone, paged
// by offset, with the number of matches in X-Total-Count. The body stays
// the bare list it always was, and the old parameters keep working.
func TestAuditFilters(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		// 01:00 on 10 March in Shanghai is still 9 March in UTC: the days
		// must be the deployment's.
		clock := testutil.NewClock(time.Date(2026, 3, 9, 17, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		first := testutil.MustCustomer(t, app.Ctx, db, "甲")
		clock.Advance(24 * time.Hour)
		second := testutil.MustCustomer(t, app.Ctx, db, "乙")
		if _, err := db.UpdateCustomer(app.Ctx, second.ID, second.Version, aftersales.CustomerInput{Name: "乙二"}); err != nil {
			t.Fatal(err)
		}
		third := testutil.MustCustomer(t, app.Ctx, db, "丙")
		type entry struct {
			Action   string `json:"action"`
			EntityID int64  `json:"entity_id"`
			Actor    string `json:"actor"`
		}
		get := func(t *testing.T, query string) ([]entry, string, string) {
			t.Helper()
			r := c.do("GET", "/audit?"+query, nil)
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", query, r.Status, r.Raw)
			}
			var out []entry
			if err := json.Unmarshal(r.Raw, &out); err != nil || out == nil {
				t.Fatalf("%s: not a list: %v %s", query, err, r.Raw)
			}
			return out, r.Header.Get("X-Total-Count"), r.Header.Get("X-Total-More")
		}
		c1, c2, u2, c3 := entry{"create", first.ID, "admin@example.com"}, entry{"create", second.ID, "admin@example.com"},
			entry{"update", second.ID, "admin@example.com"}, entry{"create", third.ID, "admin@example.com"}
		tests := []struct {
			query string
			want  []entry
			total string
		}{
			{"entity=customer", []entry{c3, u2, c2, c1}, "4"},
			{"entity=customer&limit=2", []entry{c3, u2}, "4"},
			{"entity=customer&limit=2&offset=2", []entry{c2, c1}, "4"},
			{"entity=customer&offset=4", []entry{}, "4"},
			{"entity=customer&action=update", []entry{u2}, "1"},
			{"entity=customer&actor=ADMIN@", []entry{c3, u2, c2, c1}, "4"},
			{"entity=customer&actor=nobody", []entry{}, "0"},
			{"entity=customer&from=2026-03-10&to=2026-03-10", []entry{c1}, "1"},
			{"entity=customer&from=2026-03-11", []entry{c3, u2, c2}, "3"},
			{"entity=customer&to=2026-03-09", []entry{}, "0"},
			// The parameters clients used before the filters.
			{fmt.Sprintf("entity=customer&entity_id=%d", second.ID), []entry{u2, c2}, "2"},
			{fmt.Sprintf("entity=customer&actor_id=%d&limit=1", app.Admin.ID), []entry{c3}, "4"},
		}
		for _, tt := range tests {
			t.Run(tt.query, func(t *testing.T) {
				got, total, more := get(t, tt.query)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("entries (-want +got):\n%s", diff)
				}
				if total != tt.total || more != "false" {
					t.Errorf("X-Total-Count %q X-Total-More %q, want %q false", total, more, tt.total)
				}
			})
		}
		t.Run("before", func(t *testing.T) {
			all, _, _ := get(t, "entity=customer")
			r := c.do("GET", "/audit?entity=customer&limit=1", nil)
			var top []struct {
				ID int64 `json:"id"`
			}
			if err := json.Unmarshal(r.Raw, &top); err != nil || len(top) != 1 {
				t.Fatalf("%v %s", err, r.Raw)
			}
			got, _, _ := get(t, fmt.Sprintf("entity=customer&before=%d", top[0].ID))
			if diff := cmp.Diff(all[1:], got); diff != "" {
				t.Errorf("before the newest (-want +got):\n%s", diff)
			}
		})
		bad := []struct{ query, field, reason string }{
			{"from=yesterday", "query.from", "YYYY-MM-DD"},
			{"to=2026-13-01", "query.to", "YYYY-MM-DD"},
			{"from=2026-03-11&to=2026-03-10", "query.to", "before from"},
			{"offset=-1", "query.offset", "between"},
			{"offset=100001", "query.offset", "between"},
			{"actor=%00", "query.actor", "NUL"},
		}
		for _, tt := range bad {
			t.Run("bad "+tt.query, func(t *testing.T) {
				r := c.do("GET", "/audit?"+tt.query, nil)
				if r.Status != 422 || !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
					t.Fatalf("%d %s %s", r.Status, r.Header.Get("Content-Type"), r.Raw)
				}
				errs, _ := r.Body["errors"].([]any)
				found := false
				for _, e := range errs {
					m, _ := e.(map[string]any)
					loc, _ := m["location"].(string)
					msg, _ := m["message"].(string)
					found = found || (loc == tt.field && strings.Contains(msg, tt.reason))
				}
				if !found {
					t.Errorf("no error for %s (%s): %s", tt.field, tt.reason, r.Raw)
				}
			})
		}
	})
}
