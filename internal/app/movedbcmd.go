package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"aftersales/internal/config"
	"aftersales/internal/sqlstore"
)

// moveDB is `aftersales move-db --to postgres://...`: it moves a whole
// SQLite instance (every table, and the attachments and import uploads
// of its data directory) into a new PostgreSQL database, in one
// PostgreSQL transaction (sqlstore.MoveTo).
func moveDB(ctx context.Context, env Env, args []string) error {
	var to, filesAt string
	var summaryOnly bool
	c, rest, err := config.Load("move-db", false, args, env.Getenv, env.Stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "the PostgreSQL database to move into (postgres://...): new and empty, or holding only what migrate and a first start make")
		fs.BoolVar(&summaryOnly, "summary", false, "print only the summary, not the rows of every table")
		fs.StringVar(&filesAt, "files", "", "where the instance's attachments and import uploads live, as serve was given it: dir (the data directory, SQLite's default) or db (in the SQLite database; they move with its tables) (AFTERSALES_FILES)")
	})
	if err != nil {
		return err
	}
	if filesAt != "" {
		c.Files = filesAt
		if err := c.Validate(); err != nil {
			return err
		}
	}
	if len(rest) != 0 {
		return fmt.Errorf("usage: aftersales move-db [--data-dir DIR | --db FILE] [--files dir|db] --to postgres://...")
	}
	if !sqlstore.IsPostgres(to) {
		return fmt.Errorf("move-db: --to: must name a PostgreSQL database (postgres://...), not %q", to)
	}
	if sqlstore.IsPostgres(c.DSN()) {
		return fmt.Errorf("move-db: the source must be a SQLite instance (--data-dir, or --db naming a SQLite file), not PostgreSQL")
	}
	if _, err := os.Stat(sqlstore.SQLitePath(c.DSN())); err != nil {
		return fmt.Errorf("move-db: no SQLite database at %s: %w", sqlstore.SQLitePath(c.DSN()), err)
	}
	// A serve still running would go on writing into SQLite after the
	// move read it: what it wrote would be lost.
	if err := sqlstore.CheckSQLiteAlone(ctx, c.DSN()); err != nil {
		return fmt.Errorf("move-db: %w", err)
	}
	src, err := open(ctx, c, env.Now)
	if err != nil {
		return fmt.Errorf("move-db: source: %w", err)
	}
	defer src.Close()
	tc := c
	tc.DB = to
	dst, err := open(ctx, tc, env.Now)
	if err != nil {
		return fmt.Errorf("move-db: target: %w", err)
	}
	defer dst.Close()
	// Refuse before reading any file; MoveTo checks again under its locks.
	if err := dst.CheckMoveTarget(ctx); err != nil {
		return fmt.Errorf("move-db: %w", err)
	}
	// The files where serve keeps them (openFiles): in the data directory,
	// or already in the database's blob tables, which move with the rest
	// (what a data directory still holds then is not the instance's).
	var moved []sqlstore.MoveFile
	if !c.FilesInDB(false) {
		for _, d := range []string{"attachments", "uploads"} {
			fl, err := storedFiles(filepath.Join(c.DataDir, d))
			if err != nil {
				return fmt.Errorf("move-db: %w", err)
			}
			moved = append(moved, fl...)
		}
	}
	sum, err := src.MoveTo(ctx, dst, moved)
	if err != nil {
		return fmt.Errorf("move-db: %w", err)
	}
	if !summaryOnly {
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "table\tsource rows\ttarget rows\t")
		for _, t := range sum.Tables {
			fmt.Fprintf(tw, "%s\t%d\t%d\t\n", t.Name, t.Rows, t.Target)
		}
		tw.Flush()
	}
	fmt.Fprintf(env.Stdout, "move-db: moved %d tables, %d rows, %d files (%d bytes) into PostgreSQL in %.1f s; counts checked on both sides\n",
		len(sum.Tables), sum.Rows, sum.Files, sum.Bytes, sum.Seconds)
	fmt.Fprintln(env.Stdout, "Serve it with: aftersales serve --db postgres://... (the --to database); attachments and uploads now live in the database")
	return nil
}

// storedFiles lists the files below dir (a files.Dir) under the keys the
// store gave them, without uploads still being written (.part).
func storedFiles(dir string) ([]sqlstore.MoveFile, error) {
	var out []sqlstore.MoveFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == dir {
			return fs.SkipDir
		}
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || strings.HasSuffix(p, ".part") {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out = append(out, sqlstore.MoveFile{Key: filepath.ToSlash(rel), Open: func() (io.ReadCloser, error) { return os.Open(p) }})
		return nil
	})
	return out, err
}
