package app

import (
	"os"
	"testing"
	"time"

	"aftersales/internal/dataio"
	"aftersales/internal/testutil"
)

// BenchmarkImportBoston imports the full Boston 311 file (121,145 rows)
// into an empty database per iteration; rows/s is the headline number.
func BenchmarkImportBoston(b *testing.B) {
	path := testutil.SharedData(b, "boston_311_2015_merged.csv.gz")
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
}
