package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/config"
	"aftersales/internal/dataio"
)

// exportFile is `aftersales export`: the filtered ticket list as CSV or
// XLSX, streamed page by page, in the columns the "aftersales" mapping reads.
func exportFile(ctx context.Context, env Env, args []string) error {
	var format, user, status, from, to string
	c, rest, err := config.Load("export", false, args, env.Getenv, env.Stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "", "csv or xlsx (default: from the file name)")
		fs.StringVar(&user, "user", "", "export as this staff user (default: the administrator)")
		fs.StringVar(&status, "status", "", "only these statuses, comma-separated")
		fs.StringVar(&from, "from", "", "created on or after this date (YYYY-MM-DD)")
		fs.StringVar(&to, "to", "", "created before this date (YYYY-MM-DD)")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("usage: aftersales export [--format csv|xlsx] [--status S,...] [--from DATE] [--to DATE] FILE|-")
	}
	path := rest[0]
	if format == "" {
		format = "csv"
		if strings.HasSuffix(path, ".xlsx") {
			format = "xlsx"
		}
	}
	loc, err := c.Location()
	if err != nil {
		return err
	}
	var f aftersales.TicketFilter
	for _, s := range strings.Split(status, ",") {
		if s != "" {
			f.Status = append(f.Status, aftersales.Status(s))
		}
	}
	for _, d := range []struct {
		name, v string
		dst     **time.Time
	}{{"from", from, &f.CreatedFrom}, {"to", to, &f.CreatedTo}} {
		if d.v == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.v, loc)
		if err != nil {
			return fmt.Errorf("--%s: %q is not a date in the form 2006-01-02", d.name, d.v)
		}
		*d.dst = &t
	}
	db, ctx, err := openAs(ctx, c, env, user)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer db.Close()
	if u := aftersales.UserFromContext(ctx); u != nil {
		fmt.Fprintf(env.Stderr, "exporting as %s\n", u.Email)
	}
	names, err := dataio.ExportNames(ctx, db.Services())
	if err != nil {
		return err
	}
	// The export goes to a file beside the target, which takes its
	// place only when complete: a refused filter or a failure half-way
	// leaves an earlier export of the same name as it was.
	var out io.Writer = env.Stdout
	var tmp *os.File
	if path != "-" {
		if tmp, err = os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*"); err != nil {
			return err
		}
		defer func() {
			tmp.Close()
			os.Remove(tmp.Name()) // gone already after the rename
		}()
		out = tmp
	}
	n := 0
	pages := dataio.TicketPages(ctx, db, f)
	next := func() (*aftersales.Ticket, error) {
		t, err := pages()
		if t != nil {
			n++
		}
		return t, err
	}
	if err := dataio.Export(out, format, names, next); err != nil {
		return describe(err)
	}
	if tmp != nil {
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Chmod(tmp.Name(), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.Stderr, "exported %d tickets to %s\n", n, path)
	return nil
}
