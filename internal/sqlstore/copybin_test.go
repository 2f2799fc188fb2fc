package sqlstore_test

import (
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// A first load's binary COPY stores each kind of value it encodes
// (bigint, integer, smallint, text, boolean, NULL) as pgx stored them,
// falls back to pgx for a value it does not encode (a float), and
// refuses what the column refuses (an integer out of range, a NUL).
func TestCopyBinaryStoresValues(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		if db.Engine() != sqlstore.Postgres {
			t.Skip("binary COPY is PostgreSQL's")
		}
		ctx, _ := Admin(t, db)
		if err := db.ExecRaw(ctx, `CREATE TABLE copy_bin (a BIGINT, b INTEGER, c SMALLINT, d TEXT, e BOOLEAN, f DOUBLE PRECISION)`); err != nil {
			t.Fatal(err)
		}
		const table = `TRUNCATE copy_bin`
		cols := []string{"a", "b", "c", "d", "e", "f"}
		err := db.CopyAsyncForTest(ctx, table, "copy_bin", cols, [][]any{
			{int64(-9007199254740993), 2147483647, int64(-32768), "维修 \"x\"\n", true, nil},
			{nil, nil, nil, "", false, nil},
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.LinesForTest(ctx, `SELECT concat_ws('|', a, b, c, d, e, f, d IS NULL) FROM copy_bin ORDER BY a NULLS LAST`)
		if err != nil {
			t.Fatal(err)
		}
		want := "-9007199254740993|2147483647|-32768|维修 \"x\"\n|t|f\n-9007199254740993|2147483647|-32768|维修 \"x\"\n|t|f\n|f|f"
		if strings.Join(got, "\n") != want {
			t.Errorf("stored:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
		}
		if err := db.CopyAsyncForTest(ctx, table, "copy_bin", cols, [][]any{{int64(1), 2, 3, "f", true, 1.5}}); err != nil {
			t.Fatalf("a float through pgx: %v", err)
		}
		if err := db.CopyAsyncForTest(ctx, table, "copy_bin", cols, [][]any{{int64(1), int64(1) << 40, 3, "f", true, nil}}); err == nil {
			t.Error("an integer out of range was stored")
		}
		if err := db.CopyAsyncForTest(ctx, table, "copy_bin", cols, [][]any{{int64(1), 2, 3, "a\x00b", true, nil}}); err == nil {
			t.Error("a NUL in text was stored")
		}
	})
}
