// Package files keeps ticket attachments under the data directory. Paths
// are chosen by the package (never by the uploader) and every access goes
// through an os.Root, so no name can escape the attachments directory.
package files

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"aftersales"
)

// DefaultMaxSize is the default largest attachment, 20 MiB.
const DefaultMaxSize = 20 << 20

// allowed lists the content types accepted, by sniffed type. Executables,
// HTML and scripts are refused because they could run in a browser.
var allowed = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true, "image/bmp": true,
	"application/pdf": true, "text/plain; charset=utf-8": true, "text/plain; charset=utf-16be": true,
	"text/plain; charset=utf-16le": true, "application/zip": true, "video/mp4": true, "audio/mpeg": true,
	"audio/wave": true, "application/octet-stream": true, "text/csv; charset=utf-8": true,
}

// downloadOnly lists types that are kept only as downloads by
// SaveDownload (mail attachments: XML e-invoices, archives, HTML): they
// are stored as application/octet-stream, so no browser renders them.
var downloadOnly = map[string]bool{
	"text/xml; charset=utf-8": true, "text/html; charset=utf-8": true, "application/x-rar-compressed": true,
	"application/x-gzip": true, "application/x-7z-compressed": true,
}

// Store writes and reads attachments below one directory.
type Store struct {
	root    *os.Root
	MaxSize int64
}

// Open opens (creating if needed) the attachment directory dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("files: create %s: %w", dir, err)
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("files: open %s: %w", dir, err)
	}
	return &Store{root: r, MaxSize: DefaultMaxSize}, nil
}

// Close releases the directory.
func (s *Store) Close() error { return s.root.Close() }

// CleanName keeps the base name of an uploaded file, without control
// characters or path separators, at most 200 bytes.
func CleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' {
			return -1
		}
		return r
	}, name)
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		name = "file"
	}
	return name
}

// Save copies r into a new file and returns the attachment's metadata
// (without ticket and id). It refuses files over MaxSize and types outside
// the allowlist, leaving nothing behind.
func (s *Store) Save(r io.Reader, name string, now time.Time) (*aftersales.Attachment, error) {
	return s.save(r, name, now, false)
}

// SaveDownload is Save that also keeps the download-only types (XML,
// HTML, RAR, gzip), recorded as application/octet-stream; executables
// are still refused.
func (s *Store) SaveDownload(r io.Reader, name string, now time.Time) (*aftersales.Attachment, error) {
	return s.save(r, name, now, true)
}

func (s *Store) save(r io.Reader, name string, now time.Time, downloads bool) (*aftersales.Attachment, error) {
	name = CleanName(name)
	rnd := make([]byte, 12)
	rand.Read(rnd)
	dir := now.UTC().Format("2006/01")
	if err := s.root.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("files: mkdir: %w", err)
	}
	rel := path.Join(dir, hex.EncodeToString(rnd))
	f, err := s.root.OpenFile(rel+".part", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("files: create: %w", err)
	}
	ok := false
	defer func() {
		f.Close()
		if !ok {
			s.root.Remove(rel + ".part")
		}
	}()
	h := sha256.New()
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("files: read upload: %w", err)
	}
	head = head[:n]
	ctype := sniff(head, name)
	if downloads && downloadOnly[ctype] {
		ctype = "application/octet-stream"
	}
	if !allowed[ctype] {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "This file type is not accepted.",
			Fields: []aftersales.FieldError{{Field: "file", Reason: fmt.Sprintf("type %s is not accepted", ctype)}}}
	}
	w := io.MultiWriter(f, h)
	if _, err := w.Write(head); err != nil {
		return nil, err
	}
	copied, err := io.Copy(w, io.LimitReader(r, s.MaxSize-int64(n)+1))
	if err != nil {
		return nil, fmt.Errorf("files: write: %w", err)
	}
	size := int64(n) + copied
	if size > s.MaxSize {
		return nil, &aftersales.Error{Code: aftersales.ETOOLARGE, Message: "The file is too large.",
			Fields: []aftersales.FieldError{{Field: "file", Reason: fmt.Sprintf("must be at most %d bytes", s.MaxSize)}}}
	}
	if size == 0 {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The file is empty.",
			Fields: []aftersales.FieldError{{Field: "file", Reason: "is empty"}}}
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	if err := s.root.Rename(rel+".part", rel); err != nil {
		return nil, fmt.Errorf("files: rename: %w", err)
	}
	ok = true
	return &aftersales.Attachment{Name: name, ContentType: ctype, Size: size, SHA256: hex.EncodeToString(h.Sum(nil)), Path: rel}, nil
}

// sniff decides the type from the content; a CSV's extension refines
// plain text, nothing else trusts the name.
func sniff(head []byte, name string) string {
	ct := http.DetectContentType(head)
	if executable(head, name, ct) {
		return "application/x-executable"
	}
	if ct == "text/plain; charset=utf-8" && strings.EqualFold(path.Ext(name), ".csv") {
		return "text/csv; charset=utf-8"
	}
	return ct
}

// executable recognises programs the sniffer calls octet-stream (Windows
// PE, ELF and Mach-O, by their magic numbers) and scripts and installers
// by their extension.
func executable(head []byte, name, ct string) bool {
	for _, magic := range []string{"MZ", "\x7fELF", "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xcf\xfa\xed\xfe", "\xce\xfa\xed\xfe"} {
		if ct == "application/octet-stream" && strings.HasPrefix(string(head), magic) {
			return true
		}
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".exe", ".com", ".bat", ".cmd", ".scr", ".msi", ".dll", ".js", ".vbs", ".ps1", ".sh", ".jar", ".apk", ".lnk", ".hta":
		return true
	}
	return false
}

// Open opens a stored attachment for reading.
func (s *Store) Open(rel string) (*os.File, error) {
	return s.root.Open(rel)
}

// Remove deletes a stored file; used when recording it in the database failed.
func (s *Store) Remove(rel string) error { return s.root.Remove(rel) }

// Attach saves r as a new attachment of ticket id and records it through
// tickets; if recording fails the stored file is removed again, so a
// refused upload leaves nothing behind.
func (s *Store) Attach(ctx context.Context, tickets aftersales.TicketService, ticketID int64, r io.Reader, name string, now time.Time) (*aftersales.Attachment, error) {
	if _, err := tickets.FindTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	a, err := s.Save(r, name, now)
	if err != nil {
		return nil, err
	}
	a.TicketID = ticketID
	if err := tickets.AddAttachment(ctx, a); err != nil {
		s.Remove(a.Path)
		return nil, err
	}
	return a, nil
}
