package dataio

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"aftersales/internal/testutil/shareddata"
)

// BenchmarkReadBoston reads the full Boston 311 file (121,145 rows, gzip)
// through the boston311 mapping, as an import's parsing goroutine does:
// gunzip, CSV, conversion, near-duplicate checks and fingerprints.
func BenchmarkReadBoston(b *testing.B) {
	path := shareddata.Path(b, "boston_311_2015_merged.csv.gz")
	m, err := Builtin("boston311")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		src, err := Open(f, Format{})
		if err != nil {
			b.Fatal(err)
		}
		r, err := NewReader(src, m, now)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		f.Close()
		if n != 121145 {
			b.Fatalf("read %d records, want 121145", n)
		}
	}
}
