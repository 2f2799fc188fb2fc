package app

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"aftersales/internal/dataio"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// sharedData returns the path of a file in ../shared/data, skipping when
// the directory is absent (it is beside the repository in CI).
func sharedData(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared data %s is absent (%v); CI has ../shared/data beside the repository", name, err)
	}
	return p
}

// BenchmarkImportBoston imports the full Boston 311 file (121,145 rows)
// into an empty database per iteration; rows/s is the headline number.
func BenchmarkImportBoston(b *testing.B) {
	path := sharedData(b, "boston_311_2015_merged.csv.gz")
	for _, e := range testutil.Engines() {
		b.Run(string(e), func(b *testing.B) {
			m, _ := dataio.Builtin("boston311")
			var rows int
			for b.Loop() {
				b.StopTimer()
				db := testutil.OpenDB(b, e)
				ctx, _ := testutil.Admin(b, db)
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				s, err := dataio.Import(ctx, db, f, m, "boston", false, time.Now, nil)
				if err != nil {
					b.Fatal(err)
				}
				f.Close()
				rows += s.Total
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	_ = sqlstore.SQLite
}
