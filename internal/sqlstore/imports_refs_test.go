package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"aftersales/internal/dataio"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// A first load resolves teams, regions and categories the way the lookups
// by name do, on both engines (PostgreSQL reads them all once, SQLite
// looks each new name up): the lowest id of a repeated team name, a
// region before another kind of service unit of the same name, a category
// by its Chinese or English name under its own parent only, and each new
// name created once, with its path, across chunks.
func TestImportFirstLoadResolvesReferencesSameOnBothEngines(t *testing.T) {
	const mapping = `{"name": "refs", "time_zone": "Asia/Shanghai", "key": {"column": "id"},
	  "fields": {"title": {"column": "title", "required": true}, "created_at": {"column": "at", "required": true},
	    "category": {"join": ["c1", "c2"]}, "team": {"column": "team"}, "region": {"column": "region"}}}`
	m, err := dataio.ReadMapping(strings.NewReader(mapping))
	if err != nil {
		t.Fatal(err)
	}
	const rows = 2*dataio.ChunkSize + 500 // three chunks
	var b strings.Builder
	b.WriteString("id,title,at,c1,c2,team,region\n")
	teams := []string{"Twice", "Once", "New A", "New B"}
	regions := []string{"North", "Site only", "New R"}
	cats := [][2]string{{"电器", "Fridge"}, {"Appliances", "Washer"}, {"Appliances", "Stove"}, {"Other", "Fridge"}, {"New root", "New leaf"}, {"Second root", "Second leaf"}}
	for k := range rows {
		c := cats[k%len(cats)]
		if k < dataio.ChunkSize && k%len(cats) >= 4 {
			c = cats[0] // the new roots first appear in the second chunk
		}
		fmt.Fprintf(&b, "K%d,request %d,2026-03-%02d 08:00,%s,%s,%s,%s\n", k, k, 1+k%28, c[0], c[1], teams[k%len(teams)], regions[k%len(regions)])
	}
	dumps := map[sqlstore.Engine][]string{}
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		for _, q := range []string{
			`INSERT INTO teams (code, name, created_at, updated_at) VALUES ('t1', 'Other team', 0, 0), ('t2', 'Twice', 0, 0), ('t3', 'Once', 0, 0), ('t4', 'Twice', 0, 0)`,
			`INSERT INTO service_units (kind, code, name, created_at, updated_at) VALUES ('region', 's0', 'Head', 0, 0)`,
			`INSERT INTO service_units (parent_id, kind, code, name, created_at, updated_at) SELECT id, 'branch', 's1', 'North', 0, 0 FROM service_units WHERE code = 's0'`,
			`INSERT INTO service_units (kind, code, name, created_at, updated_at) VALUES ('region', 's2', 'North', 0, 0)`,
			`INSERT INTO service_units (parent_id, kind, code, name, created_at, updated_at) SELECT id, 'branch', 's3', 'Site only', 0, 0 FROM service_units WHERE code = 's0'`,
			`INSERT INTO service_units (kind, code, name, created_at, updated_at) VALUES ('region', 's4', 'North', 0, 0)`,
			`INSERT INTO product_categories (code, name_zh, name_en, depth) VALUES ('c1', '电器', 'Appliances', 0), ('c2', '', 'Other', 0)`,
			`UPDATE product_categories SET path = '/' || CAST(id AS TEXT) || '/' WHERE code IN ('c1', 'c2')`,
			`INSERT INTO product_categories (parent_id, code, name_zh, name_en, depth) SELECT id, 'c3', '冰箱', 'Fridge', 1 FROM product_categories WHERE code = 'c2'`,
			`UPDATE product_categories SET path = (SELECT path FROM product_categories WHERE code = 'c2') || CAST(id AS TEXT) || '/' WHERE code = 'c3'`,
		} {
			if err := db.ExecRaw(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		s, err := dataio.Import(ctx, db, strings.NewReader(b.String()), m, "refs.csv", false, func() time.Time { return importNow }, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.Created != rows {
			t.Fatalf("summary %+v, want %d created", s, rows)
		}
		var dump []string
		for _, q := range []string{
			`SELECT t.external_id || ' team ' || tm.code || ' ' || tm.name || ' region ' || u.code || ' ' || u.kind || ' category ' || c.path || ' depth ' || CAST(c.depth AS TEXT)
				FROM tickets t JOIN teams tm ON tm.id = t.team_id JOIN service_units u ON u.id = t.service_unit_id
				JOIN product_categories c ON c.id = t.category_id ORDER BY t.external_id`,
			`SELECT 'team ' || CAST(id AS TEXT) || ' ' || code || ' ' || name FROM teams ORDER BY id`,
			`SELECT 'unit ' || CAST(id AS TEXT) || ' ' || code || ' ' || kind || ' ' || name FROM service_units ORDER BY id`,
			`SELECT 'category ' || CAST(c.id AS TEXT) || ' ' || COALESCE(CAST(c.parent_id AS TEXT), '-') || ' ' || c.name_zh || '/' || c.name_en || ' ' || c.path
				FROM product_categories c ORDER BY c.id`,
		} {
			lines, err := db.LinesForTest(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			dump = append(dump, lines...)
		}
		// Sorted by external id, K0 and K1 come first.
		for i, want := range []string{
			"refs:K0 team t2 Twice region s2 region category ", // the lowest Twice; the first North region
			"refs:K1 team t3 Once region s3 branch category ",  // no region Site only: the branch
		} {
			if !strings.HasPrefix(dump[i], want) {
				t.Errorf("got %q, want it to start %q", dump[i], want)
			}
		}
		dumps[db.Engine()] = dump
	})
	if len(dumps) == 2 {
		if diff := cmp.Diff(dumps[sqlstore.SQLite], dumps[sqlstore.Postgres]); diff != "" {
			t.Errorf("SQLite and PostgreSQL differ (-sqlite +postgres):\n%s", diff)
		}
	}
}
