package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestAuditLog filters and pages the audit log in the store, on both
// engines: every filter alone and combined, the total, and the values
// offered for the entity and action filters.
func TestAuditLog(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		// 30 entries, one a day: actors alternate, every third is a
		// ticket update, the rest customer creations.
		for i := range 30 {
			actor, entity, action := "alice@example.com", "customer", "create"
			if i%2 == 1 {
				actor = "Bob_Smith@example.com"
			}
			if i%3 == 0 {
				entity, action = "ticket", "update"
			}
			if err := db.ExecRaw(ctx, `INSERT INTO audit_log (at, actor, action, entity, entity_id, ip, user_agent, detail)
				VALUES ($1, $2, $3, $4, $5, '', '', '')`, base.AddDate(0, 0, i).UnixMilli(), actor, action, entity, int64(i+1)); err != nil {
				t.Fatal(err)
			}
		}
		day := func(i int) time.Time { return base.AddDate(0, 0, i) }
		// Admin itself audited the creation of the administrator: count
		// only what this test wrote by bounding the time.
		all := aftersales.AuditFilter{From: day(0), To: day(30)}
		tests := []struct {
			name  string
			f     aftersales.AuditFilter
			total int
			ids   []int64 // entity ids of the page, newest first
		}{
			{"everything, first page", aftersales.AuditFilter{From: all.From, To: all.To, Limit: 5}, 30, []int64{30, 29, 28, 27, 26}},
			{"everything, third page", aftersales.AuditFilter{From: all.From, To: all.To, Limit: 5, Offset: 10}, 30, []int64{20, 19, 18, 17, 16}},
			{"past the end", aftersales.AuditFilter{From: all.From, To: all.To, Limit: 5, Offset: 30}, 30, nil},
			{"entity", aftersales.AuditFilter{From: all.From, To: all.To, Entity: "ticket", Limit: 3}, 10, []int64{28, 25, 22}},
			{"action", aftersales.AuditFilter{From: all.From, To: all.To, Action: "create", Limit: 2}, 20, []int64{30, 29}},
			{"actor, part and case", aftersales.AuditFilter{From: all.From, To: all.To, Actor: "BOB", Limit: 2}, 15, []int64{30, 28}},
			{"actor, underscore is no wildcard", aftersales.AuditFilter{From: all.From, To: all.To, Actor: "b_b"}, 0, nil},
			{"actor, wildcard is literal", aftersales.AuditFilter{From: all.From, To: all.To, Actor: "b%s"}, 0, nil},
			{"date range", aftersales.AuditFilter{From: day(10), To: day(13)}, 3, []int64{13, 12, 11}},
			{"combined", aftersales.AuditFilter{From: day(0), To: day(12), Entity: "ticket", Actor: "alice"}, 2, []int64{7, 1}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := db.AuditLog(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, e := range p.Entries {
					ids = append(ids, e.EntityID)
				}
				if p.Total != tt.total || !cmp.Equal(ids, tt.ids) {
					t.Errorf("total %d, ids %v; want %d, %v", p.Total, ids, tt.total, tt.ids)
				}
			})
		}
		// Counting stops at the cap, and says so.
		if err := db.ExecRaw(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $1)
			INSERT INTO audit_log (at, actor, action, entity, entity_id, ip, user_agent, detail)
			SELECT CAST($2 AS BIGINT) + i, 'system', 'bulk', 'import_batch', i, '', '', '' FROM n`, aftersales.AuditCountCap+5, day(-400).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			f     aftersales.AuditFilter
			total int
			more  bool
		}{
			{aftersales.AuditFilter{Action: "bulk"}, aftersales.AuditCountCap, true},
			{aftersales.AuditFilter{Action: "bulk", Before: aftersales.AuditCountCap}, aftersales.AuditCountCap, false},
		} {
			// Before is an id cursor; ids start after the admin's entries,
			// so this leaves fewer than the cap.
			p, err := db.AuditLog(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if c.more && (p.Total != c.total || !p.More) || !c.more && (p.Total >= c.total || p.More) {
				t.Errorf("%+v: total %d, more %v", c.f, p.Total, p.More)
			}
		}
		p, err := db.AuditLog(ctx, aftersales.AuditFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []struct {
			list []string
			v    string
		}{{p.Entities, "ticket"}, {p.Entities, "customer"}, {p.Entities, "import_batch"}, {p.Actions, "update"}, {p.Actions, "create"}, {p.Actions, "bulk"}} {
			if !slices.Contains(want.list, want.v) {
				t.Errorf("the choices %v lack %q", want.list, want.v)
			}
		}
		for _, list := range [][]string{p.Entities, p.Actions} {
			if !slices.IsSorted(list) || len(slices.Compact(slices.Clone(list))) != len(list) {
				t.Errorf("choices %v are not sorted and distinct", list)
			}
		}
		for _, bad := range []struct {
			f     aftersales.AuditFilter
			field string
		}{
			{aftersales.AuditFilter{Offset: -1}, "offset"},
			{aftersales.AuditFilter{Offset: 1_000_000}, "offset"},
			{aftersales.AuditFilter{From: day(3), To: day(2)}, "to"},
			{aftersales.AuditFilter{Actor: "a\x00"}, "actor"},
		} {
			_, err := db.AuditLog(ctx, bad.f)
			if fs := aftersales.ErrorFields(err); len(fs) != 1 || fs[0].Field != bad.field {
				t.Errorf("%+v: %v, want a reason for %s", bad.f, err, bad.field)
			}
		}
		// Reading the log takes the audit permission.
		tech := MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		if _, err := db.AuditLog(aftersales.NewContextWithUser(ctx, tech), aftersales.AuditFilter{}); aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
			t.Errorf("a technician read the audit log: %v", err)
		}
	})
}
