package sqlstore_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// schemaDifferences are the intended differences between the engines'
// schemas, each with its reason. Every other table, column (name, type
// family, NOT NULL, primary key) and index (name, uniqueness, columns) must
// be the same on SQLite and PostgreSQL.
var schemaDifferences = map[string]string{}

// TestMigrationsAgree migrates an empty SQLite and an empty PostgreSQL
// database and compares what the two sets of migrations built.
func TestMigrationsAgree(t *testing.T) {
	ctx := context.Background()
	lite := describeSchema(t, ctx, testutil.OpenDB(t, sqlstore.SQLite), sqlstore.SQLite)
	pg := describeSchema(t, ctx, testutil.OpenDB(t, sqlstore.Postgres), sqlstore.Postgres)
	var diffs []string
	for _, k := range union(lite, pg) {
		l, lok := lite[k]
		p, pok := pg[k]
		switch {
		case lok && pok && l == p:
			continue
		case !pok:
			diffs = append(diffs, fmt.Sprintf("%s: only SQLite has it (%s)", k, l))
		case !lok:
			diffs = append(diffs, fmt.Sprintf("%s: only PostgreSQL has it (%s)", k, p))
		default:
			diffs = append(diffs, fmt.Sprintf("%s: SQLite %s, PostgreSQL %s", k, l, p))
		}
	}
	var unexplained []string
	for _, d := range diffs {
		key, _, _ := strings.Cut(d, ": ")
		if _, ok := schemaDifferences[key]; !ok {
			unexplained = append(unexplained, d)
		}
	}
	for key := range schemaDifferences {
		if !slices.ContainsFunc(diffs, func(d string) bool { return strings.HasPrefix(d, key+": ") }) {
			unexplained = append(unexplained, key+": listed as a difference, but the engines agree: remove it from schemaDifferences")
		}
	}
	if len(unexplained) > 0 {
		t.Errorf("the migrations of the two engines differ (fix with a migration, or list an intended difference with its reason):\n%s",
			strings.Join(unexplained, "\n"))
	}
	counts := map[string]int{}
	for k := range lite {
		switch {
		case strings.Contains(k, " index "):
			counts["indexes"]++
		case strings.Contains(k, " foreign key "):
			counts["foreign keys"]++
		case strings.Contains(k, "."):
			counts["columns"]++
		default:
			counts["tables"]++
		}
	}
	if counts["tables"] < 40 || counts["columns"] < 400 || counts["indexes"] < 50 || counts["foreign keys"] < 50 {
		t.Fatalf("too little read from the schema: %v", counts)
	}
	t.Logf("compared %v", counts)
}

func union(a, b map[string]string) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// describeSchema reads the tables, columns and indexes of the database as
// "table", "table.column" and "table index name" keys, each with a value
// that holds what is compared.
func describeSchema(t *testing.T, ctx context.Context, db *sqlstore.DB, e sqlstore.Engine) map[string]string {
	t.Helper()
	q := map[sqlstore.Engine][4]string{
		// table
		sqlstore.SQLite: {`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
			// column|type|notnull|pk
			`SELECT m.name || '|' || c.name || '|' || c.type || '|' || c."notnull" || '|' || (c.pk > 0)
				FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`,
			// table|index|unique|columns (in order; an expression shows as "expr")|partial
			`SELECT m.name || '|' || il.name || '|' || il."unique" || '|' ||
					(SELECT group_concat(COALESCE(ii.name, 'expr'), ',') FROM (SELECT * FROM pragma_index_xinfo(il.name) WHERE key = 1 ORDER BY seqno) ii)
					|| '|' || il.partial
				FROM sqlite_master m, pragma_index_list(m.name) il WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND il.origin <> 'pk'`,
			// table|columns|referenced table|referenced columns|on delete
			`SELECT m.name || '|' || group_concat(f."from", ',') || '|' || f."table" || '|' || group_concat(COALESCE(f."to", ''), ',') || '|' || f.on_delete
				FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
				GROUP BY m.name, f.id`},
		sqlstore.Postgres: {`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
			`SELECT c.table_name || '|' || c.column_name || '|' || c.data_type || '|' || (c.is_nullable = 'NO')::int || '|' ||
					EXISTS (SELECT 1 FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage k
						ON k.constraint_name = tc.constraint_name AND k.table_name = tc.table_name AND k.table_schema = tc.table_schema
						WHERE tc.table_schema = c.table_schema AND tc.table_name = c.table_name AND tc.constraint_type = 'PRIMARY KEY' AND k.column_name = c.column_name)::int
				FROM information_schema.columns c JOIN information_schema.tables tb ON tb.table_name = c.table_name AND tb.table_schema = c.table_schema
				WHERE c.table_schema = current_schema() AND tb.table_type = 'BASE TABLE'`,
			`SELECT t.relname || '|' || i.relname || '|' || ix.indisunique::int || '|' ||
					array_to_string(ARRAY(SELECT CASE WHEN ix.indkey[k] = 0 THEN 'expr' ELSE (SELECT attname FROM pg_attribute WHERE attrelid = t.oid AND attnum = ix.indkey[k]) END
						FROM generate_series(0, ix.indnkeyatts - 1) k ORDER BY k), ',') || '|' || (ix.indpred IS NOT NULL)::int
				FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
				JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema() AND NOT ix.indisprimary`,
			`SELECT t.relname || '|' ||
					array_to_string(ARRAY(SELECT attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY o), ',') || '|' ||
					r.relname || '|' ||
					array_to_string(ARRAY(SELECT attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY o), ',') || '|' ||
					CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END
				FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
				JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema() AND c.contype = 'f'`},
	}[e]
	lines := func(s string) [][]string {
		ls, err := db.LinesForTest(ctx, s)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		var out [][]string
		for _, l := range ls {
			out = append(out, strings.Split(l, "|"))
		}
		return out
	}
	out := map[string]string{}
	for _, r := range lines(q[0]) {
		out[r[0]] = "table"
	}
	for _, r := range lines(q[1]) {
		pk := r[4] == "1" || r[4] == "true"
		notNull := r[3] == "1" || r[3] == "true" || pk
		out[r[0]+"."+r[1]] = fmt.Sprintf("%s null=%v pk=%v", family(r[2]), !notNull, pk)
	}
	for _, r := range lines(q[2]) {
		name := r[1]
		// Indexes of UNIQUE constraints get generated names: SQLite
		// sqlite_autoindex_T_N, PostgreSQL T_col_key. They are compared by
		// their columns.
		if strings.HasPrefix(name, "sqlite_autoindex_") || strings.HasSuffix(name, "_key") {
			name = "unique(" + r[3] + ")"
		}
		out[r[0]+" index "+name] = fmt.Sprintf("unique=%v columns=%s partial=%v", r[2] == "1", r[3], r[4] == "1")
	}
	for _, r := range lines(q[3]) {
		// SQLite leaves the referenced columns empty when they are the
		// primary key; every reference here is to an "id".
		to := r[3]
		if strings.Trim(to, ",") == "" {
			to = strings.TrimSuffix(strings.Repeat("id,", strings.Count(r[1], ",")+1), ",")
		}
		out[r[0]+" foreign key ("+r[1]+")"] = fmt.Sprintf("references %s(%s) on delete %s", r[2], to, r[4])
	}
	return out
}

var typeFamilies = []struct {
	family string
	re     *regexp.Regexp
}{
	{"integer", regexp.MustCompile(`(?i)^(integer|int|bigint|smallint|int2|int4|int8|bigserial|serial)$`)},
	{"text", regexp.MustCompile(`(?i)^(text|character varying|varchar.*|char.*|character.*)$`)},
	{"real", regexp.MustCompile(`(?i)^(real|double precision|double|float.*|numeric.*|decimal.*)$`)},
	// SQLite has no boolean type: the SQLite migrations declare booleans
	// INTEGER (0/1), PostgreSQL's boolean. One family, by intent.
	{"integer", regexp.MustCompile(`(?i)^(boolean|bool)$`)},
	{"blob", regexp.MustCompile(`(?i)^(blob|bytea)$`)},
	{"json", regexp.MustCompile(`(?i)^(json|jsonb)$`)},
}

// family maps a declared or reported type to its family.
func family(typ string) string {
	for _, f := range typeFamilies {
		if f.re.MatchString(strings.TrimSpace(typ)) {
			return f.family
		}
	}
	return "other:" + strings.ToLower(typ)
}
