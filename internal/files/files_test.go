package files

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"aftersales"
)

func TestSave(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.MaxSize = 1000
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)

	a, err := s.Save(ctx, bytes.NewReader(png), "../../etc/照片.png", now)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "照片.png" || a.ContentType != "image/png" || a.Size != int64(len(png)) || !strings.HasPrefix(a.Path, "2026/05/") {
		t.Fatalf("attachment = %+v", a)
	}
	f, err := s.Open(ctx, a.Path)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, png) {
		t.Fatal("stored bytes differ")
	}
	if _, err := s.Open(ctx, "../outside"); err == nil {
		t.Fatal("opened a path outside the root")
	}

	for _, tc := range []struct {
		name, body, code string
	}{
		{"page.html", "<html><script>alert(1)</script></html>", aftersales.EINVALID},
		{"big.txt", strings.Repeat("a", 1001), aftersales.ETOOLARGE},
		{"empty.txt", "", aftersales.EINVALID},
		{"invoice.pdf", "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", aftersales.EINVALID}, // a PE program, whatever its name
		{"update.bat", "echo hi", aftersales.EINVALID},
		{"tool", "\x7fELF\x02\x01\x01\x00", aftersales.EINVALID},
	} {
		_, err := s.Save(ctx, strings.NewReader(tc.body), tc.name, now)
		if aftersales.ErrorCode(err) != tc.code || aftersales.ErrorFields(err)[0].Field != "file" {
			t.Errorf("%s: err = %v, want %s on file", tc.name, err, tc.code)
		}
	}
	// Text that merely starts with "MZ" is text.
	if _, err := s.Save(ctx, strings.NewReader("MZ-35 型号说明"), "note.txt", now); err != nil {
		t.Fatalf("text starting with MZ: %v", err)
	}
	// Refused uploads leave nothing behind.
	left, err := readDir(dir + "/2026/05")
	if err != nil || len(left) != 2 {
		t.Fatalf("files left = %v, %v; want only the accepted ones", left, err)
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{"a/b/c.txt": "c.txt", `C:\x\y.pdf`: "y.pdf", "..": "file", "": "file", "a\x00b\n.txt": "ab.txt"} {
		if got := CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
}
