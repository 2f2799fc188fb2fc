package app

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"aftersales/internal/config"
	"aftersales/internal/sqlstore"
)

// A backup is a gzipped tar holding backupManifest, the database copy as
// backupDB and the attachments under backupFiles/.
const (
	backupManifest = "aftersales-backup.json"
	backupDB       = "aftersales.db"
	backupFiles    = "attachments"
)

type manifest struct {
	Format      int       `json:"format"`
	Version     string    `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	Attachments int       `json:"attachments"`
}

// backup is `aftersales backup FILE`: a consistent copy of a running
// SQLite installation, the database (VACUUM INTO, one snapshot while the
// server keeps writing) and then the attachments. Attachments are written
// before the rows that name them commit and never change, so every file
// the snapshot names is already on disk when the directory is copied.
func backup(ctx context.Context, env Env, args []string) error {
	c, rest, err := config.Load("backup", false, args, env.Getenv, env.Stderr, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("usage: aftersales backup [--data-dir DIR] FILE.tar.gz")
	}
	out := rest[0]
	if sqlstore.IsPostgres(c.DSN()) {
		return fmt.Errorf("backup: %w", sqlstore.ErrBackupEngine)
	}
	if _, err := os.Stat(sqlstore.SQLitePath(c.DSN())); err != nil {
		return fmt.Errorf("backup: no database at %s: %w", sqlstore.SQLitePath(c.DSN()), err)
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file", out)
	}
	// Open without migrating: a backup never changes the live database.
	db, err := sqlstore.Open(ctx, c.DSN())
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".aftersales-backup-")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	snapshot := filepath.Join(tmp, backupDB)
	if err := db.BackupTo(ctx, snapshot); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	part := out + ".part"
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(part)
		}
	}()
	n, err := writeBackup(f, snapshot, filepath.Join(c.DataDir, backupFiles), env.Now())
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(part, out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	ok = true
	fmt.Fprintf(env.Stdout, "backup: wrote %s (database and %d attachments)\n", out, n)
	return nil
}

func writeBackup(w io.Writer, snapshot, attachments string, now time.Time) (int, error) {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	var files []string
	err := filepath.WalkDir(attachments, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == attachments {
			return fs.SkipDir // no attachments yet
		}
		if err != nil {
			return err
		}
		// Skip uploads still being written: no row names them yet.
		if d.Type().IsRegular() && !strings.HasSuffix(p, ".part") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	add := func(src, name string) error {
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		return err
	}
	if err := add(snapshot, backupDB); err != nil {
		return 0, err
	}
	n := 0
	for _, p := range files {
		rel, err := filepath.Rel(attachments, p)
		if err != nil {
			return 0, err
		}
		err = add(p, path.Join(backupFiles, filepath.ToSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			continue // a refused upload removed again; no row names it
		}
		if err != nil {
			return 0, err
		}
		n++
	}
	// The manifest comes last, so it can count what was written.
	m, _ := json.MarshalIndent(manifest{Format: 1, Version: Version, CreatedAt: now.UTC(), Attachments: n}, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: backupManifest, Mode: 0o600, Size: int64(len(m)), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
		return 0, err
	}
	if _, err := tw.Write(m); err != nil {
		return 0, err
	}
	if err := tw.Close(); err != nil {
		return 0, err
	}
	return n, zw.Close()
}

// restore is `aftersales restore FILE`: it unpacks a backup into an empty
// data directory (and, with --db naming a SQLite file, that file, which
// must not exist). On any error it removes what it wrote.
func restore(ctx context.Context, env Env, args []string) (err error) {
	c, rest, err := config.Load("restore", false, args, env.Getenv, env.Stderr, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("usage: aftersales restore [--data-dir DIR] FILE.tar.gz")
	}
	if sqlstore.IsPostgres(c.DSN()) {
		return fmt.Errorf("restore: %w", sqlstore.ErrBackupEngine)
	}
	in, err := os.Open(rest[0])
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer in.Close()
	entries, err := os.ReadDir(c.DataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("restore: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("restore: data directory %s is not empty; restore into an empty or new directory", c.DataDir)
	}
	dbPath := sqlstore.SQLitePath(c.DSN())
	if _, err := os.Stat(dbPath); err == nil {
		return fmt.Errorf("restore: database %s already exists; restore into a new file", dbPath)
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// Nothing half-written: on failure take back everything restored.
	defer func() {
		if err != nil {
			os.Remove(dbPath)
			if entries, _ := os.ReadDir(c.DataDir); entries != nil {
				for _, e := range entries {
					os.RemoveAll(filepath.Join(c.DataDir, e.Name()))
				}
			}
		}
	}()
	n, err := readBackup(in, dbPath, filepath.Join(c.DataDir, backupFiles))
	if err != nil {
		return fmt.Errorf("restore: %s: %w", rest[0], err)
	}
	db, err := sqlstore.Open(ctx, dbPath)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer db.Close()
	if err := db.CheckIntegrity(ctx); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(env.Stdout, "restore: database %s and %d attachments restored\n", dbPath, n)
	return nil
}

// readBackup unpacks r: the database to dbPath and the attachments below
// attachments, through an os.Root so no entry can land outside it.
func readBackup(r io.Reader, dbPath, attachments string) (int, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return 0, fmt.Errorf("not a gzipped backup: %w", err)
	}
	if err := os.MkdirAll(attachments, 0o750); err != nil {
		return 0, err
	}
	root, err := os.OpenRoot(attachments)
	if err != nil {
		return 0, err
	}
	defer root.Close()
	tr := tar.NewReader(zr)
	var sawManifest, sawDB bool
	n := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("read archive: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			return 0, fmt.Errorf("entry %q is not a regular file", h.Name)
		}
		switch name := h.Name; {
		case name == backupManifest:
			var m manifest
			if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&m); err != nil {
				return 0, fmt.Errorf("read manifest: %w", err)
			}
			if m.Format != 1 {
				return 0, fmt.Errorf("backup format %d is not supported", m.Format)
			}
			sawManifest = true
		case name == backupDB:
			if err := writeFile(tr, func() (*os.File, error) {
				return os.OpenFile(dbPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
			}); err != nil {
				return 0, fmt.Errorf("write database: %w", err)
			}
			sawDB = true
		case strings.HasPrefix(name, backupFiles+"/"):
			rel := strings.TrimPrefix(name, backupFiles+"/")
			if rel == "" || !fs.ValidPath(rel) {
				return 0, fmt.Errorf("entry %q has a bad path", name)
			}
			if err := root.MkdirAll(path.Dir(rel), 0o750); err != nil {
				return 0, err
			}
			if err := writeFile(tr, func() (*os.File, error) {
				return root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
			}); err != nil {
				return 0, fmt.Errorf("write attachment %s: %w", rel, err)
			}
			n++
		default:
			return 0, fmt.Errorf("unexpected entry %q", name)
		}
	}
	if !sawManifest || !sawDB {
		return 0, fmt.Errorf("not an aftersales backup: %s or %s is missing", backupManifest, backupDB)
	}
	return n, nil
}

func writeFile(r io.Reader, create func() (*os.File, error)) error {
	f, err := create()
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
