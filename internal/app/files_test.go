package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestFilesAcrossInstances runs two serve instances on one database,
// each with its own data directory, as on two machines: a file uploaded
// through one downloads through the other when files live in the
// database (the default on PostgreSQL, --files db on SQLite), and not
// when each keeps them on its own disk (--files dir), which is what the
// test would see without the database store.
func TestFilesAcrossInstances(t *testing.T) {
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			dsn := testutil.DSN(t, e)
			if e == sqlstore.SQLite {
				dsn = filepath.Join(t.TempDir(), "shared.db")
			}
			for _, tc := range []struct {
				files string
				found bool
			}{{"", e == sqlstore.Postgres}, {"db", true}, {"dir", false}} {
				t.Run("files="+tc.files, func(t *testing.T) {
					envA := map[string]string{"AFTERSALES_DATA_DIR": t.TempDir(), "AFTERSALES_DB": dsn,
						"AFTERSALES_ADMIN_PASSWORD": "serve-password-1", "AFTERSALES_FILES": tc.files}
					envB := map[string]string{"AFTERSALES_DATA_DIR": t.TempDir(), "AFTERSALES_DB": dsn,
						"AFTERSALES_ADMIN_PASSWORD": "serve-password-1", "AFTERSALES_FILES": tc.files}
					a, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--demo", "--demo-tickets", "20"}, envA)
					b, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0"}, envB)
					code, tok := run(t, envA, "token", "create", "--user", "admin@example.com")
					if code != 0 {
						t.Fatalf("token: %s", tok)
					}
					tok = strings.TrimSpace(tok)
					do := func(req *http.Request) (*http.Response, []byte) {
						t.Helper()
						req.Header.Set("Authorization", "Bearer "+tok)
						res, err := http.DefaultClient.Do(req)
						if err != nil {
							t.Fatal(err)
						}
						defer res.Body.Close()
						body, _ := io.ReadAll(res.Body)
						return res, body
					}
					req, _ := http.NewRequest("GET", a+"/api/v1/tickets?limit=1", nil)
					_, body := do(req)
					var page struct{ Tickets []struct{ ID int64 } }
					if err := json.Unmarshal(body, &page); err != nil || len(page.Tickets) == 0 {
						t.Fatalf("tickets: %s", body)
					}
					// More than one chunk of the database store, not a multiple of it.
					content := bytes.Repeat([]byte("维修记录: 更换压缩机, 加注冷媒 R32.\n"), 12000)
					var buf bytes.Buffer
					mw := multipart.NewWriter(&buf)
					fw, _ := mw.CreateFormFile("file", "维修记录.txt")
					fw.Write(content)
					mw.Close()
					req, _ = http.NewRequest("POST", fmt.Sprintf("%s/api/v1/tickets/%d/attachments", a, page.Tickets[0].ID), &buf)
					req.Header.Set("Content-Type", mw.FormDataContentType())
					res, body := do(req)
					var att struct{ ID int64 }
					if res.StatusCode != 200 && res.StatusCode != 201 || json.Unmarshal(body, &att) != nil || att.ID == 0 {
						t.Fatalf("upload through A: %d %s", res.StatusCode, body)
					}
					for name, base := range map[string]string{"A": a, "B": b} {
						req, _ = http.NewRequest("GET", fmt.Sprintf("%s/api/v1/attachments/%d", base, att.ID), nil)
						res, body = do(req)
						found := res.StatusCode == 200 && bytes.Equal(body, content)
						if want := tc.found || name == "A"; found != want {
							t.Errorf("download through %s: status %d, %d bytes; found %v, want %v", name, res.StatusCode, len(body), found, want)
						}
					}
				})
			}
		})
	}
}
