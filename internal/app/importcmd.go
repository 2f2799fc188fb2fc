package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/config"
	"aftersales/internal/dataio"
	"aftersales/internal/sqlstore"
)

// importFile is `aftersales import`: it reads a CSV or XLSX file through a
// mapping into tickets, atomically, prints the JSON summary on stdout and
// writes every rejected or flagged row to the report file.
func importFile(ctx context.Context, env Env, args []string) error {
	var mapping, report, user, cpuprofile string
	var dryRun, quiet, helpMapping bool
	c, rest, err := config.Load("import", false, args, env.Getenv, env.Stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&mapping, "mapping", "", "built-in mapping ("+strings.Join(dataio.BuiltinNames(), ", ")+") or a mapping .json file (required)")
		fs.StringVar(&report, "report", "", "row-level report of rejected and flagged rows (default ./NAME.report.csv in the current directory, NAME being the input file's base name)")
		fs.StringVar(&user, "user", "", "import as this staff user (default: the administrator AFTERSALES_ADMIN_EMAIL, else the first administrator; created on an empty database)")
		fs.BoolVar(&dryRun, "dry-run", false, "read, check and count everything, write the report, then roll back")
		fs.BoolVar(&quiet, "quiet", false, "no progress bar")
		fs.StringVar(&cpuprofile, "cpuprofile", "", "write a Go CPU profile of the import to this file (for performance work)")
		fs.BoolVar(&helpMapping, "help-mapping", false, "explain how to write a mapping: target fields, date layouts, accepted values")
	})
	if err != nil {
		return err
	}
	if helpMapping {
		return dataio.WriteMappingHelp(env.Stdout)
	}
	if mapping == "" || len(rest) != 1 {
		return fmt.Errorf("usage: aftersales import --mapping NAME|FILE.json [--report FILE] [--dry-run] FILE")
	}
	m, err := loadMapping(mapping)
	if err != nil {
		return describe(err)
	}
	m.Zone, _ = c.Location() // dates without a zone are the deployment's (--tz)
	path := rest[0]
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	size := int64(0)
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	// The report goes to the current directory by default, never beside
	// the input (often a shared or read-only folder). It is written to a
	// new file beside its place, made before anything is imported (an
	// unwritable place stops the command before the database changes),
	// and renamed over the report's name only once complete: a failed
	// import leaves a report already there as it was, and never the
	// input itself.
	if report == "" {
		report = defaultReportPath(path)
	}
	if in, err := f.Stat(); err == nil {
		if out, err := os.Stat(report); err == nil && os.SameFile(in, out) {
			return fmt.Errorf("--report: %s is the file being imported; name another file with --report PATH", report)
		}
	}
	rf, err := os.CreateTemp(filepath.Dir(report), "."+filepath.Base(report)+".*.part")
	if err != nil {
		return fmt.Errorf("--report: cannot write the report to %s (%v); name a writable file with --report PATH", report, errors.Unwrap(err))
	}
	kept := false
	defer func() {
		rf.Close()
		if !kept {
			os.Remove(rf.Name())
		}
	}()
	db, ctx, err := openAs(ctx, c, env, user)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer db.Close()
	defer importGC(db.Engine())()
	counter := &countingReader{r: f}
	var progress func(int)
	if !quiet {
		bar := &progressBar{w: env.Stderr, size: size, read: counter, start: env.Now(), now: env.Now}
		progress = bar.update
		defer bar.done()
	}
	// A dry run keeps nothing in the database: its report is collected as
	// the rows are written, the same rows a real run would store.
	var imp aftersales.Importer = db
	var issues []aftersales.RowIssue
	if dryRun {
		imp = dataio.Observe(db, func(i aftersales.RowIssue) { issues = append(issues, i) })
	}
	if cpuprofile != "" {
		pf, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
	}
	s, err := dataio.Import(ctx, imp, counter, m, filepath.Base(path), dryRun, env.Now, progress)
	if cpuprofile != "" {
		pprof.StopCPUProfile() // the import only, not the report
	}
	if err != nil {
		return describe(err)
	}
	kept = true
	rows := 0
	count := func(fn func(aftersales.RowIssue) error) func(aftersales.RowIssue) error {
		return func(i aftersales.RowIssue) error { rows++; return fn(i) }
	}
	if dryRun {
		slices.SortStableFunc(issues, func(a, b aftersales.RowIssue) int { return cmp.Compare(a.Line, b.Line) })
		err = writeReport(rf, func(fn func(aftersales.RowIssue) error) error {
			for _, i := range issues {
				if err := count(fn)(i); err != nil {
					return err
				}
			}
			return nil
		})
	} else {
		err = writeReport(rf, func(fn func(aftersales.RowIssue) error) error { return db.ImportIssues(ctx, s.BatchID, count(fn)) })
	}
	if cerr := rf.Close(); err == nil && !errors.Is(cerr, os.ErrClosed) { // writeReport may have closed it
		err = cerr
	}
	if err == nil {
		err = os.Rename(rf.Name(), report)
	}
	if err != nil {
		kept = false
		return fmt.Errorf("report %s: %w", report, err)
	}
	where := report
	if abs, err := filepath.Abs(report); err == nil {
		where = abs
	}
	fmt.Fprintf(env.Stderr, "report: %s (rejected or flagged rows: %d)\n", where, rows)
	out := json.NewEncoder(env.Stdout)
	out.SetIndent("", "  ")
	return out.Encode(s)
}

// importGC lets the Go heap grow to three times what is live (GOGC=200
// instead of 100) while this process imports into PostgreSQL: the
// collector then takes about a third less of the client's CPU on the
// Boston file (3.0 → 2.4 CPU-seconds with everything else the same),
// which on two cores the server wants, for about 45 MB more peak RSS
// (150 MB). SQLite keeps the default: its page cache already brings the
// process to 240-255 MB. It returns what restores the setting.
func importGC(e sqlstore.Engine) (restore func()) {
	if e != sqlstore.Postgres {
		return func() {}
	}
	old := debug.SetGCPercent(200)
	return func() { debug.SetGCPercent(old) }
}

// mappingList is `aftersales mapping list`: the built-in mappings.
func mappingList(_ context.Context, env Env, args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("usage: aftersales mapping list")
	}
	for _, n := range dataio.BuiltinNames() {
		m, err := dataio.Builtin(n)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%-12s %s\n", n, m.Description)
	}
	return nil
}

// mappingShow is `aftersales mapping show NAME`: a built-in mapping's JSON,
// to copy and edit.
func mappingShow(_ context.Context, env Env, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: aftersales mapping show NAME (one of %s)", strings.Join(dataio.BuiltinNames(), ", "))
	}
	b, err := dataio.BuiltinJSON(args[0])
	if err != nil {
		return describe(err)
	}
	_, err = env.Stdout.Write(b)
	return err
}

func loadMapping(name string) (*dataio.Mapping, error) {
	if !strings.HasSuffix(name, ".json") {
		return dataio.Builtin(name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return dataio.ReadMapping(f)
}

// defaultReportPath is where the report of importing path goes without
// --report: NAME.report.csv in the current directory.
func defaultReportPath(path string) string {
	return "." + string(filepath.Separator) + filepath.Base(path) + ".report.csv"
}

// writeReport writes the row-level report of the issues each yields into
// f and closes it.
func writeReport(f *os.File, each func(func(aftersales.RowIssue) error) error) error {
	rw, err := dataio.NewReportWriter(f)
	if err != nil {
		f.Close()
		return err
	}
	if err := each(rw.Write); err != nil {
		f.Close()
		return err
	}
	if err := rw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progressBar draws "[#####.....] 52% 63,000 rows 41,000 rows/s" on stderr,
// by bytes read of the file (which is compressed for .gz files, so it is
// still the right fraction).
type progressBar struct {
	w     io.Writer
	size  int64
	read  *countingReader
	start time.Time
	now   func() time.Time
	rows  int
	last  time.Time
}

func (p *progressBar) update(rows int) {
	p.rows = rows
	now := p.now()
	if now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	p.draw(now)
}

func (p *progressBar) draw(now time.Time) {
	frac := 0.0
	if p.size > 0 {
		frac = min(float64(p.read.n)/float64(p.size), 1)
	}
	const width = 30
	n := int(frac * width)
	rate := float64(p.rows) / max(now.Sub(p.start).Seconds(), 0.001)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %d rows %.0f rows/s ", strings.Repeat("#", n), strings.Repeat(".", width-n), frac*100, p.rows, rate)
}

func (p *progressBar) done() {
	p.draw(p.now())
	fmt.Fprintln(p.w)
}

// openAs opens the store and acts as the staff user email. Without one it
// acts as the administrator (AFTERSALES_ADMIN_EMAIL), else the first
// administrator; on a database without users (after migrate, before any
// serve) it creates the administrator as serve does (the password goes to
// stderr). The caller says whom the work is attributed to.
func openAs(ctx context.Context, c config.Config, env Env, email string) (*sqlstore.DB, context.Context, error) {
	db, err := open(ctx, c, env.Now)
	if err != nil {
		return nil, ctx, err
	}
	var u *aftersales.User
	if email != "" {
		if u, err = db.FindUserByEmail(ctx, email); err != nil {
			db.Close()
			return nil, ctx, fmt.Errorf("no user %s (set --user to an existing staff account)", email)
		}
	} else if u, err = ensureAdmin(ctx, db, c, env.Stderr); err == nil && u == nil {
		u, err = db.FirstAdmin(ctx)
	}
	if err != nil {
		db.Close()
		return nil, ctx, fmt.Errorf("no administrator to act as (set --user): %w", err)
	}
	return db, aftersales.NewContextWithUser(ctx, u), nil
}
