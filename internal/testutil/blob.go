package testutil

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"aftersales"
)

// CheckBlobStore runs the behaviour every BlobStore must have against b:
// bytes read back equal bytes written (empty, one byte, several chunks),
// seeking, nothing visible before Commit or after Abort, removal, and the
// sweep. now is the store's clock, which the sweep compares against.
func CheckBlobStore(t *testing.T, b aftersales.BlobStore, now time.Time) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	big := make([]byte, 700<<10+17) // more than two 256 KiB chunks, not a multiple
	for i := range big {
		big[i] = byte(rng.IntN(256))
	}
	write := func(key string, data []byte, commit bool) {
		t.Helper()
		w, err := b.CreateBlob(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		// Uneven writes, as io.Copy from a network body makes them.
		for rest := data; len(rest) > 0; {
			k := min(len(rest), 1+rng.IntN(100<<10))
			if n, err := w.Write(rest[:k]); err != nil || n != k {
				t.Fatalf("write %s: %d, %v", key, n, err)
			}
			rest = rest[k:]
		}
		if commit {
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := w.Abort(); err != nil {
				t.Errorf("abort after commit: %v", err)
			}
			return
		}
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
	}
	notFound := func(key string) {
		t.Helper()
		if r, err := b.OpenBlob(ctx, key); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			if r != nil {
				r.Close()
			}
			t.Errorf("open %s: got %v, want ENOTFOUND", key, err)
		}
	}
	for _, tc := range []struct {
		key  string
		data []byte
	}{{"2026/05/big", big}, {"2026/05/one", []byte{7}}, {"uploads/abc", []byte("工单,描述\n1,空调不制冷\n")}} {
		write(tc.key, tc.data, true)
		r, err := b.OpenBlob(ctx, tc.key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, tc.data) || r.Size() != int64(len(tc.data)) {
			t.Errorf("%s: read %d bytes (size %d), %v; want the %d written", tc.key, len(got), r.Size(), err, len(tc.data))
		}
		r.Close()
	}
	r, err := b.OpenBlob(ctx, "2026/05/big")
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []int64{0, 256<<10 - 3, 512 << 10, int64(len(big)) - 5, 1000} {
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		p := make([]byte, 10)
		n, err := io.ReadFull(r, p)
		want := big[off:min(off+10, int64(len(big)))]
		if !bytes.Equal(p[:n], want) || (n < 10 && !errors.Is(err, io.ErrUnexpectedEOF)) {
			t.Errorf("read 10 at %d: %v %v, want %v", off, p[:n], err, want)
		}
	}
	if pos, err := r.Seek(-4, io.SeekEnd); err != nil || pos != int64(len(big))-4 {
		t.Errorf("seek from end: %d %v", pos, err)
	}
	r.Close()

	write("2026/05/aborted", big, false)
	notFound("2026/05/aborted")
	notFound("2026/05/never")
	if err := b.RemoveBlob(ctx, "2026/05/one"); err != nil {
		t.Fatal(err)
	}
	notFound("2026/05/one")
	if err := b.RemoveBlob(ctx, "2026/05/one"); err != nil {
		t.Errorf("removing a missing blob: %v", err)
	}
	// A write left unfinished (no Commit, no Abort) is invisible.
	w, err := b.CreateBlob(ctx, "uploads/crashed")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(big)
	notFound("uploads/crashed")

	if n, err := b.SweepBlobs(ctx, "uploads/", now.Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("sweep of nothing old: %d %v", n, err)
	}
	if n, err := b.SweepBlobs(ctx, "uploads/", now.Add(time.Hour)); err != nil || n < 1 {
		t.Errorf("sweep uploads: %d %v", n, err)
	}
	notFound("uploads/abc")
	if r, err := b.OpenBlob(ctx, "2026/05/big"); err != nil {
		t.Errorf("the sweep of uploads/ took an attachment: %v", err)
	} else {
		r.Close()
	}
}
