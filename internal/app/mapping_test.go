package app

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/dataio"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// summaryOf reads the JSON summary at the end of a command's output
// (stderr comes first in run's combined output).
func summaryOf(t *testing.T, out string) aftersales.ImportSummary {
	t.Helper()
	i := strings.Index(out, "\n{")
	if strings.HasPrefix(out, "{") {
		i = -1
	} else if i < 0 {
		t.Fatalf("no summary in %q", out)
	}
	var s aftersales.ImportSummary
	if err := json.Unmarshal([]byte(out[i+1:]), &s); err != nil {
		t.Fatalf("summary: %v in %q", err, out)
	}
	return s
}

// A user with only the binary writes a mapping: the help lists the target
// fields, date layouts and accepted values, a built-in mapping is printed
// to start from, a dry run writes the row report and keeps nothing, bad
// values name the valid ones, and import works right after migrate.
func TestMappingCommands(t *testing.T) {
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"AFTERSALES_DATA_DIR": dir, "AFTERSALES_ADMIN_PASSWORD": "admin-password-123"}
			if e == sqlstore.Postgres {
				env["AFTERSALES_DB"] = testutil.DSN(t, e)
			}
			code, out := run(t, env, "import", "--help-mapping")
			if code != 0 {
				t.Fatalf("help: %d %q", code, out)
			}
			for _, want := range append(append([]string{"01/02/2006 03:04:05 PM", "2006-01-02", "product", "time_zone", "closing_date_missing"},
				dataio.TargetFields...), dataio.EnumValues(dataio.FStatus)...) {
				if !strings.Contains(out, want) {
					t.Errorf("the mapping help does not mention %q", want)
				}
			}
			if code, out := run(t, env, "mapping", "list"); code != 0 || !strings.Contains(out, "boston311") || !strings.Contains(out, "servicenow") {
				t.Fatalf("mapping list: %d %q", code, out)
			}
			code, out = run(t, env, "mapping", "show", "boston311")
			if m, err := dataio.ReadMapping(strings.NewReader(out)); code != 0 || err != nil || m.Name != "boston311" {
				t.Fatalf("mapping show: %d %v %q", code, err, out)
			}
			if code, out := run(t, env, "mapping", "show", "bostn"); code != 1 || !strings.Contains(out, "nyc311") {
				t.Fatalf("unknown mapping: %d %q", code, out)
			}

			mapping := filepath.Join(dir, "mine.json")
			os.WriteFile(mapping, []byte(`{"name": "mine", "key": {"column": "id"},
				"fields": {"title": {"column": "title"}, "created_at": {"column": "opened", "formats": ["2006-01-02 15:04"]},
					"urgency": {"column": "urgency"}, "status": {"column": "state", "map": {"open": "new", "done": "closed"}}}}`), 0o600)
			bad := filepath.Join(dir, "bad.json")
			os.WriteFile(bad, []byte(`{"name": "bad", "key": {"column": "id"}, "fields": {"title": {"column": "title"},
				"created_at": {"column": "opened"}, "urgency": {"column": "urgency", "default": "super"}}}`), 0o600)
			file := filepath.Join(dir, "tickets.csv")
			os.WriteFile(file, []byte("id,title,opened,urgency,state\n"+
				"1,Leaking tap,2026-03-01 09:00,high,open\n"+
				"2,No heating,2026-03-02 10:00,super,open\n"+
				"3,Noisy fan,2026-03-03 11:00,low,done\n"), 0o600)
			if code, out := run(t, env, "import", "--quiet", "--mapping", bad, file); code != 1 ||
				!strings.Contains(out, `fields.urgency.default: "super" is not one of urgent, high, normal, low`) {
				t.Fatalf("bad default: %d %q", code, out)
			}
			if code, out := run(t, env, "migrate"); code != 0 {
				t.Fatalf("migrate: %d %q", code, out)
			}
			// No serve, no user: the administrator is created and named.
			report := filepath.Join(dir, "dry.csv")
			code, out = run(t, env, "import", "--quiet", "--dry-run", "--mapping", mapping, "--report", report, file)
			if code != 0 || !strings.Contains(out, "Created administrator admin@example.com") {
				t.Fatalf("dry run after migrate: %d %q", code, out)
			}
			s := summaryOf(t, out)
			if !s.DryRun || s.Total != 3 || s.Created != 2 || s.Rejected != 1 || s.User != "admin@example.com" {
				t.Fatalf("dry run %+v", s)
			}
			f, err := os.Open(report)
			if err != nil {
				t.Fatalf("the dry run wrote no report: %v", err)
			}
			rows, err := csv.NewReader(f).ReadAll()
			f.Close()
			if err != nil || len(rows) != 3 {
				t.Fatalf("dry-run report: %v %q", err, rows)
			}
			if r := rows[1]; r[0] != "3" || r[2] != "urgency" || r[5] != `"super" is not one of urgent, high, normal, low` || r[7] != "true" {
				t.Errorf("rejected row %q", r)
			}
			if r := rows[2]; r[0] != "4" || r[3] != aftersales.FlagNoClosingDate || r[7] != "false" {
				t.Errorf("flagged row %q", r)
			}
			// The dry run kept nothing: the real run creates the same.
			code, out = run(t, env, "import", "--quiet", "--mapping", mapping, "--report", report, file)
			if s := summaryOf(t, out); code != 0 || s.Created != 2 || s.Rejected != 1 || s.DryRun || s.User != "admin@example.com" {
				t.Fatalf("import after the dry run: %d %+v", code, s)
			}
			if code, out := run(t, env, "import", "--quiet", "--user", "nobody@example.com", "--mapping", mapping, file); code != 1 || !strings.Contains(out, "nobody@example.com") {
				t.Fatalf("unknown user: %d %q", code, out)
			}
		})
	}
}
