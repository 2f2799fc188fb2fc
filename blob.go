package aftersales

import (
	"context"
	"io"
	"time"
)

// BlobStore keeps file bodies (ticket attachments, raw mails, files
// uploaded for import) under keys the program chooses, never the
// uploader. Two implementations exist: a directory on the instance's own
// disk, and the database itself, which every instance on one PostgreSQL
// reaches.
//
// A blob is written once and never changed: CreateBlob returns a writer
// whose bytes become visible under key only when Commit succeeds; Abort
// (or a crash before Commit) leaves nothing a reader can see.
type BlobStore interface {
	CreateBlob(ctx context.Context, key string) (BlobWriter, error)
	// OpenBlob opens a committed blob; an unknown key is ENOTFOUND.
	OpenBlob(ctx context.Context, key string) (Blob, error)
	// RemoveBlob deletes a blob; removing a missing key is not an error.
	RemoveBlob(ctx context.Context, key string) error
	// SweepBlobs removes the blobs under prefix (a key prefix ending in
	// "/") created before the given instant, and whatever aborted or
	// crashed writes left behind; it returns how many it removed.
	SweepBlobs(ctx context.Context, prefix string, before time.Time) (int, error)
}

// BlobWriter receives a blob's bytes.
type BlobWriter interface {
	io.Writer
	// Commit makes the blob visible under its key.
	Commit() error
	// Abort discards what was written; safe after Commit (then a no-op).
	Abort() error
}

// Blob is an open, committed blob: readable, seekable, with its size.
type Blob interface {
	io.ReadSeekCloser
	Size() int64
}
