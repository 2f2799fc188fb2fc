package files

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"aftersales"
)

// Dir is a BlobStore on the instance's own disk: one file per key below
// one directory, reached only through an os.Root so no key can name a
// file outside it. A blob is written to KEY.part and renamed on Commit.
type Dir struct {
	root *os.Root
}

// OpenDir opens (creating if needed) the directory dir as a BlobStore.
func OpenDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("files: create %s: %w", dir, err)
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("files: open %s: %w", dir, err)
	}
	return &Dir{root: r}, nil
}

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// CreateBlob implements aftersales.BlobStore.
func (d *Dir) CreateBlob(_ context.Context, key string) (aftersales.BlobWriter, error) {
	if dir := path.Dir(key); dir != "." {
		if err := d.root.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("files: mkdir: %w", err)
		}
	}
	f, err := d.root.OpenFile(key+".part", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("files: create: %w", err)
	}
	return &dirWriter{d: d, f: f, key: key}, nil
}

type dirWriter struct {
	d    *Dir
	f    *os.File
	key  string
	done bool
}

func (w *dirWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

func (w *dirWriter) Commit() error {
	if w.done {
		return errors.New("files: blob already committed or aborted")
	}
	w.done = true
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = w.d.root.Rename(w.key+".part", w.key)
	}
	if err != nil {
		w.d.root.Remove(w.key + ".part")
		return fmt.Errorf("files: commit %s: %w", w.key, err)
	}
	return nil
}

func (w *dirWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	return w.d.root.Remove(w.key + ".part")
}

// OpenBlob implements aftersales.BlobStore.
func (d *Dir) OpenBlob(_ context.Context, key string) (aftersales.Blob, error) {
	if strings.HasSuffix(key, ".part") {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "This file does not exist.")
	}
	f, err := d.root.Open(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "This file does not exist.")
	}
	if err != nil {
		return nil, fmt.Errorf("files: open %s: %w", key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("files: stat %s: %w", key, err)
	}
	return dirBlob{File: f, size: st.Size()}, nil
}

type dirBlob struct {
	*os.File
	size int64
}

func (b dirBlob) Size() int64 { return b.size }

// RemoveBlob implements aftersales.BlobStore.
func (d *Dir) RemoveBlob(_ context.Context, key string) error {
	if err := d.root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("files: remove %s: %w", key, err)
	}
	return nil
}

// SweepBlobs implements aftersales.BlobStore: files below prefix last
// modified before the instant, including the .part files of writes that
// never finished.
func (d *Dir) SweepBlobs(_ context.Context, prefix string, before time.Time) (int, error) {
	dir := strings.TrimSuffix(prefix, "/")
	if dir == "" {
		dir = "."
	}
	n := 0
	err := fs.WalkDir(d.root.FS(), dir, func(p string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return fs.SkipAll
		}
		if err != nil || e.IsDir() {
			return err
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(before) {
			if d.root.Remove(p) == nil {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("files: sweep %s: %w", prefix, err)
	}
	return n, nil
}
