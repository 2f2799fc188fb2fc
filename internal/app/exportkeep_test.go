package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestExportKeepsTheOldFile: an export the command refuses (a status that
// does not exist) left an empty file in place of the earlier export of
// the same name; it leaves it as it was, and a finished export says how
// many tickets it wrote (it said only who it exported as).
func TestExportKeepsTheOldFile(t *testing.T) {
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"AFTERSALES_DATA_DIR": dir, "AFTERSALES_ADMIN_PASSWORD": "cli-password-123"}
			if e == sqlstore.Postgres {
				env["AFTERSALES_DB"] = testutil.DSN(t, e)
			}
			path := filepath.Join(dir, "closed.csv")
			if err := os.WriteFile(path, []byte("yesterday's export\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if code, out := run(t, env, "export", "--status", "closd", path); code != 1 || !strings.Contains(out, `--status: "closd" is not one of`) {
				t.Fatalf("bad status: %d %q", code, out)
			}
			if b, err := os.ReadFile(path); err != nil || string(b) != "yesterday's export\n" {
				t.Fatalf("after a refused export the file holds %q (%v)", b, err)
			}
			code, out := run(t, env, "export", "--status", "closed", path)
			if code != 0 || !strings.Contains(out, "exported 0 tickets to "+path) {
				t.Fatalf("export: %d %q", code, out)
			}
			b, err := os.ReadFile(path)
			if err != nil || !strings.Contains(string(b), "number,external_id,title") {
				t.Fatalf("the export holds %q (%v)", b, err)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".closed.csv.*")); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}
