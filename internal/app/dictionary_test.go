package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestDictionaryImportCommand: a file with a bad line is refused whole,
// naming the line; a good one is imported, and importing it again
// replaces the words rather than failing.
func TestDictionaryImportCommand(t *testing.T) {
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
			bad := filepath.Join(dir, "bad.csv")
			os.WriteFile(bad, []byte("词语,类型\n外机噪音,故障\n不制冷,fee\n"), 0o600)
			if code, out := run(t, env, "dictionary", "import", "--file", bad); code != 1 || !strings.Contains(out, "nothing imported") || !strings.Contains(out, "line 3: kind") {
				t.Fatalf("bad file: %d %q", code, out)
			}
			good := filepath.Join(dir, "good.csv")
			os.WriteFile(good, []byte("word,kind,freq\n外机噪音,fault,\nKFR-35GW,model,2000\n"), 0o600)
			for range 2 {
				if code, out := run(t, env, "dictionary", "import", "--file", good); code != 0 || !strings.Contains(out, "imported 2 words") {
					t.Fatalf("good file: %d %q", code, out)
				}
			}
			if code, out := run(t, env, "dictionary", "import"); code == 0 || !strings.Contains(out, "usage") {
				t.Errorf("no file: %d %q", code, out)
			}
		})
	}
}
