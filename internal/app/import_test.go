package app

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// The import command prints a summary that adds up and writes a report
// with one line per rejected or flagged row; export writes what the
// "aftersales" mapping imports again elsewhere.
func TestImportExportCommands(t *testing.T) {
	nyc := testutil.SharedData(t, "nyc_311_sample_2000_2011.csv")
	old := testutil.SharedData(t, "cfpb_complaints_2014_8340.csv")
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"AFTERSALES_DATA_DIR": dir, "AFTERSALES_USER_PASSWORD": "cli-password-123"}
			if e == sqlstore.Postgres {
				env["AFTERSALES_DB"] = testutil.DSN(t, e)
			}
			if code, out := run(t, env, "user", "create", "--email", "admin@example.com", "--name", "管理员", "--role", "admin"); code != 0 {
				t.Fatalf("user create: %s", out)
			}
			if code, out := run(t, env, "import", "--quiet", nyc); code != 1 || !strings.Contains(out, "--mapping") {
				t.Fatalf("no mapping: %d %q", code, out)
			}
			if code, out := run(t, env, "import", "--quiet", "--mapping", "nope", nyc); code != 1 || !strings.Contains(out, "boston311") {
				t.Fatalf("unknown mapping: %d %q", code, out)
			}
			bad := filepath.Join(dir, "bad.json")
			os.WriteFile(bad, []byte(`{"name": "bad", "key": {"column": "Unique Key"}, "fields": {"title": {"column": "Complaint"}, "created_at": {"column": "Created Date"}}}`), 0o600)
			if code, out := run(t, env, "import", "--quiet", "--mapping", bad, nyc); code != 1 || !strings.Contains(out, `--fields.title: column "Complaint" is not in the file's header`) {
				t.Fatalf("bad mapping: %d %q", code, out)
			}
			report := filepath.Join(dir, "report.csv")
			code, out := run(t, env, "import", "--quiet", "--mapping", "cfpb", "--report", report, old)
			s := summaryOf(t, out)
			if code != 0 {
				t.Fatalf("import: %d %q", code, out)
			}
			if s.Total != 8340 || s.Total != s.Created+s.Updated+s.Rejected+s.Duplicates || s.Rejected == 0 {
				t.Fatalf("summary %+v", s)
			}
			f, _ := os.Open(report)
			rows, err := csv.NewReader(f).ReadAll()
			f.Close()
			if err != nil || len(rows) != 1+s.Rejected+s.Flags[aftersales.FlagNoClosingDate] || !strings.HasSuffix(rows[0][0], "line") || rows[len(rows)-1][7] != "true" {
				t.Fatalf("report: %v %v", err, rows)
			}
			// Tests never write beside the shared data (older versions
			// put the report at FILE.report.csv without --report).
			beside := nyc + ".report.csv"
			was, _ := os.Stat(beside)
			if code, out := run(t, env, "import", "--quiet", "--mapping", "nyc311", "--report", filepath.Join(dir, "nyc.report.csv"), nyc); code != 0 || !strings.Contains(out, `"created": 2000`) {
				t.Fatalf("nyc: %d %q", code, out)
			}
			if _, err := os.Stat(filepath.Join(dir, "nyc.report.csv")); err != nil {
				t.Errorf("nyc report: %v", err)
			}
			if now, _ := os.Stat(beside); now != nil && (was == nil || !now.ModTime().Equal(was.ModTime())) {
				t.Errorf("the import wrote %s into the shared data", beside)
			}
			export := filepath.Join(dir, "closed.xlsx")
			if code, out := run(t, env, "export", "--status", "closed", "--from", "2011-01-01", "--to", "2012-01-01", export); code != 0 {
				t.Fatalf("export: %d %q", code, out)
			}
			if code, out := run(t, env, "export", "--from", "yesterday", "-"); code != 1 || !strings.Contains(out, "--from") {
				t.Fatalf("bad date: %d %q", code, out)
			}
			// Into a second installation, through the built-in mapping.
			env2 := map[string]string{"AFTERSALES_DATA_DIR": t.TempDir(), "AFTERSALES_USER_PASSWORD": "cli-password-123"}
			if e == sqlstore.Postgres {
				env2["AFTERSALES_DB"] = testutil.DSN(t, e)
			}
			run(t, env2, "user", "create", "--email", "admin@example.com", "--name", "管理员", "--role", "admin")
			code, out = run(t, env2, "import", "--quiet", "--mapping", "aftersales", "--report", filepath.Join(dir, "closed.report.csv"), export)
			s2 := summaryOf(t, out)
			if code != 0 {
				t.Fatalf("re-import: %d %q", code, out)
			}
			if s2.Created != 1956 || s2.Rejected != 0 {
				t.Fatalf("re-imported %+v, want the 1,956 closed NYC tickets", s2)
			}
		})
	}
}

// Without --report the report goes to the current directory, not beside
// the input (a shared or read-only folder), and the command says where;
// a place it cannot write stops it before anything is imported, naming
// --report.
func TestImportReportPlace(t *testing.T) {
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"AFTERSALES_DATA_DIR": dir, "AFTERSALES_USER_PASSWORD": "cli-password-123"}
			if e == sqlstore.Postgres {
				env["AFTERSALES_DB"] = testutil.DSN(t, e)
			}
			shared := t.TempDir()
			file := filepath.Join(shared, "tickets.csv")
			os.WriteFile(file, []byte("id,title,opened,urgency,state\n"+
				"1,Leaking tap,2026-03-01 09:00,high,open\n"+
				"2,No heating,2026-03-02 10:00,super,open\n"), 0o600)
			mapping := filepath.Join(dir, "mine.json")
			os.WriteFile(mapping, []byte(`{"name": "mine", "key": {"column": "id"},
				"fields": {"title": {"column": "title"}, "created_at": {"column": "opened", "formats": ["2006-01-02 15:04"]},
					"urgency": {"column": "urgency"}, "status": {"column": "state", "map": {"open": "new"}}}}`), 0o600)
			work := t.TempDir()
			t.Chdir(work)

			nowhere := filepath.Join(dir, "no-such-folder", "r.csv")
			code, out := run(t, env, "import", "--quiet", "--mapping", mapping, "--report", nowhere, file)
			if code != 1 || !strings.Contains(out, "--report") || !strings.Contains(out, nowhere) {
				t.Fatalf("unwritable report: %d %q", code, out)
			}
			code, out = run(t, env, "import", "--quiet", "--mapping", mapping, file)
			if s := summaryOf(t, out); code != 0 || s.Created != 1 || s.Rejected != 1 {
				t.Fatalf("import after the refused one: %d %q (the refused one imported?)", code, out)
			}
			if _, err := os.Stat(file + ".report.csv"); err == nil {
				t.Errorf("the report was written beside the input")
			}
			want := filepath.Join(work, "tickets.csv.report.csv")
			b, err := os.ReadFile(want)
			if err != nil || strings.Count(string(b), "\n") != 2 {
				t.Fatalf("report in the current directory: %v %q", err, b)
			}
			if !strings.Contains(out, "report: "+want+" (rejected or flagged rows: 1)") {
				t.Errorf("the command does not say where the report went: %q", out)
			}

			// The input named as its own report is refused and left whole
			// (it used to be emptied before it was read, then deleted).
			before, _ := os.ReadFile(file)
			code, out = run(t, env, "import", "--quiet", "--mapping", mapping, "--report", file, file)
			if after, _ := os.ReadFile(file); code != 1 || !strings.Contains(out, "--report") || string(after) != string(before) {
				t.Errorf("the input as its own report: %d %q, input now %q", code, out, after)
			}
			// A failed import leaves the report already there as it was
			// (it used to empty it and then delete it), and no partial
			// file beside it.
			code, out = run(t, env, "import", "--quiet", "--mapping", mapping, "--user", "nobody@example.com", file)
			if again, err := os.ReadFile(want); code != 1 || err != nil || string(again) != string(b) {
				t.Errorf("a failed import changed the earlier report: %d %q, report %v %q", code, out, err, again)
			}
			if left, _ := filepath.Glob(filepath.Join(work, "*.part")); len(left) != 0 {
				t.Errorf("partial reports left behind: %v", left)
			}
		})
	}
}
