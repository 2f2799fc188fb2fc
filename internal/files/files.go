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

// Store checks and keeps attachments: it sniffs the type, refuses what
// could run in a browser, bounds the size, hashes the content and writes
// it to a BlobStore (a directory, or the database).
type Store struct {
	blobs   aftersales.BlobStore
	close   func() error
	MaxSize int64
}

// Open opens (creating if needed) the attachment directory dir.
func Open(dir string) (*Store, error) {
	d, err := OpenDir(dir)
	if err != nil {
		return nil, err
	}
	return &Store{blobs: d, close: d.Close, MaxSize: DefaultMaxSize}, nil
}

// New keeps attachments in b (the database's blob store, for instance).
func New(b aftersales.BlobStore) *Store {
	return &Store{blobs: b, MaxSize: DefaultMaxSize}
}

// Close releases the store's directory, if it has one.
func (s *Store) Close() error {
	if s.close == nil {
		return nil
	}
	return s.close()
}

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
func (s *Store) Save(ctx context.Context, r io.Reader, name string, now time.Time) (*aftersales.Attachment, error) {
	return s.save(ctx, r, name, now, false)
}

// SaveDownload is Save that also keeps the download-only types (XML,
// HTML, RAR, gzip), recorded as application/octet-stream; executables
// are still refused.
func (s *Store) SaveDownload(ctx context.Context, r io.Reader, name string, now time.Time) (*aftersales.Attachment, error) {
	return s.save(ctx, r, name, now, true)
}

func (s *Store) save(ctx context.Context, r io.Reader, name string, now time.Time, downloads bool) (*aftersales.Attachment, error) {
	name = CleanName(name)
	rnd := make([]byte, 12)
	rand.Read(rnd)
	key := path.Join(now.UTC().Format("2006/01"), hex.EncodeToString(rnd))
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
	if n == 0 {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The file is empty.",
			Fields: []aftersales.FieldError{{Field: "file", Reason: "is empty"}}}
	}
	bw, err := s.blobs.CreateBlob(ctx, key)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			bw.Abort()
		}
	}()
	w := io.MultiWriter(bw, h)
	if _, err := w.Write(head); err != nil {
		return nil, fmt.Errorf("files: write: %w", err)
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
	if err := bw.Commit(); err != nil {
		return nil, err
	}
	ok = true
	return &aftersales.Attachment{Name: name, ContentType: ctype, Size: size, SHA256: hex.EncodeToString(h.Sum(nil)), Path: key}, nil
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
func (s *Store) Open(ctx context.Context, key string) (aftersales.Blob, error) {
	return s.blobs.OpenBlob(ctx, key)
}

// Remove deletes a stored file; used when recording it in the database failed.
func (s *Store) Remove(ctx context.Context, key string) error { return s.blobs.RemoveBlob(ctx, key) }

// Attach saves r as a new attachment of ticket id and records it through
// tickets; if recording fails the stored file is removed again, so a
// refused upload leaves nothing behind.
func (s *Store) Attach(ctx context.Context, tickets aftersales.TicketService, ticketID int64, r io.Reader, name string, now time.Time) (*aftersales.Attachment, error) {
	if _, err := tickets.FindTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	a, err := s.Save(ctx, r, name, now)
	if err != nil {
		return nil, err
	}
	a.TicketID = ticketID
	if err := tickets.AddAttachment(ctx, a); err != nil {
		s.Remove(context.WithoutCancel(ctx), a.Path)
		return nil, err
	}
	return a, nil
}
