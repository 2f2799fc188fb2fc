package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"aftersales/internal/files"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web"
)

// part is one field of a multipart body; a file when name is set. size
// repeats 'x' lazily, so a 40 MiB part costs no memory.
type part struct {
	field, name, text string
	size              int64
}

// multipartBody streams the parts; chunked (no length) unless sized.
func multipartBody(parts []part) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, p := range parts {
			var w io.Writer
			var err error
			if p.name != "" {
				w, err = mw.CreateFormFile(p.field, p.name)
			} else {
				w, err = mw.CreateFormField(p.field)
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			if _, err := io.WriteString(w, p.text); err != nil {
				pw.CloseWithError(err)
				return
			}
			if _, err := io.Copy(w, io.LimitReader(xs{}, p.size)); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	return pr, mw.FormDataContentType()
}

type xs struct{}

func (xs) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = 'x'
	}
	return len(b), nil
}

// TestUploadsLeaveNoTempFiles posts normal and oversized multipart bodies
// to every route that reads one, the anonymous forms included, and counts
// the files left in the temporary directory: none may stay. Before, a
// file part over 32 MiB sent to /form or /login stayed in /tmp for good,
// and every API attachment over 8 KiB left a copy even on 201.
func TestUploadsLeaveNoTempFiles(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	ctx, admin := testutil.Admin(t, db)
	tok, err := db.CreateToken(ctx, admin.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	fs, err := files.Open(filepath.Join(t.TempDir(), "attachments"))
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	fs.MaxSize = 64 << 10
	cust := testutil.MustCustomer(t, ctx, db, "张三")
	tk := testutil.MustTicket(t, ctx, db, cust.ID, "冰箱不制冷")
	srv := &web.Server{Services: db.Services(), Idempotency: db, DB: db, Files: fs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: db.Now, Zone: testutil.Shanghai(t), FormRate: 1000, FormKey: []byte("test-form-key-0123456789"), Shared: db, Uploads: uploadDir(t)}
	// Requests end (and their clean-up runs) before the count: the
	// client may give up on an oversized body before the server is done.
	var inflight sync.WaitGroup
	h := srv.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inflight.Add(1)
		defer inflight.Done()
		h.ServeHTTP(w, r)
	}))
	defer hs.Close()

	// Multipart spills go to os.TempDir(), which honours TMPDIR.
	tmp := filepath.Join(t.TempDir(), "spool")
	os.Mkdir(tmp, 0o755)
	t.Setenv("TMPDIR", tmp)
	left := func() []string {
		es, _ := os.ReadDir(tmp)
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		return names
	}

	jar, _ := cookiejar.New(nil)
	console := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := console.PostForm(hs.URL+"/login", url.Values{"email": {"admin@example.com"}, "password": {"admin-password-1"}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %v %v", res, err)
	}
	res.Body.Close()
	api := &http.Client{}
	const huge = 40 << 20 // over net/http's 32 MiB in-memory share
	attach := fmt.Sprintf("/tickets/%d/attachments", tk.ID)
	for _, tc := range []struct {
		name   string
		client *http.Client
		path   string
		parts  []part
		header string // Idempotency-Key
		want   int    // status; 0: the server may cut the connection
	}{
		{"form normal", http.DefaultClient, "/form", []part{{field: "name", text: "陈先生"}, {field: "extra", name: "a.txt", size: 20 << 10}}, "", 400},
		{"form oversized", http.DefaultClient, "/form", []part{{field: "name", text: "陈先生"}, {field: "extra", name: "a.bin", size: huge}}, "", 0},
		{"login normal", http.DefaultClient, "/login", []part{{field: "email", text: "x@example.com"}, {field: "password", text: "wrong-password"}, {field: "f", name: "a.txt", size: 20 << 10}}, "", 401},
		{"login oversized", http.DefaultClient, "/login", []part{{field: "email", text: "x@example.com"}, {field: "f", name: "a.bin", size: huge}}, "", 0},
		{"console attachment", console, attach, []part{{field: "file", name: "photo.txt", size: 50 << 10}}, "", 303},
		{"console attachment oversized", console, attach, []part{{field: "file", name: "photo.txt", size: huge}}, "", 0},
		{"console form route", console, fmt.Sprintf("/tickets/%d/comment", tk.ID), []part{{field: "body", text: "已联系客户"}, {field: "f", name: "a.txt", size: 20 << 10}}, "", 303},
		{"console form route oversized", console, fmt.Sprintf("/tickets/%d/comment", tk.ID), []part{{field: "body", text: "已联系客户"}, {field: "f", name: "a.bin", size: huge}}, "", 0},
		{"console import", console, "/imports", []part{{field: "file", name: "t.csv", text: "标题,描述\n空调不制冷,不出冷风\n"}}, "", 303},
		{"console import, other parts first", console, "/imports", []part{{field: "junk", name: "a.bin", size: huge}, {field: "file", name: "t.csv", text: "标题\n空调\n"}}, "", 303},
		{"console revenue upload", console, "/quality/revenue/import", []part{{field: "file", name: "r.csv", text: "month,scope,value,amount,note\n2026-09,,,900000,\n"}}, "", 303},
		{"console revenue upload oversized", console, "/quality/revenue/import", []part{{field: "file", name: "r.csv", size: huge}}, "", 0},
		{"console revenue form oversized", console, "/quality/revenue", []part{{field: "month", text: "2026-10"}, {field: "f", name: "a.bin", size: huge}}, "", 0},
		{"API attachment", api, "/api/v1" + attach, []part{{field: "file", name: "photo.txt", size: 50 << 10}}, "", 201},
		{"API attachment, idempotent", api, "/api/v1" + attach, []part{{field: "file", name: "photo2.txt", size: 50 << 10}}, "key-1", 201},
		{"API attachment oversized", api, "/api/v1" + attach, []part{{field: "file", name: "photo.txt", size: huge}}, "", 0},
		{"API attachment oversized, idempotent", api, "/api/v1" + attach, []part{{field: "file", name: "photo.txt", size: huge}}, "key-2", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ctype := multipartBody(tc.parts)
			req, _ := http.NewRequest("POST", hs.URL+tc.path, body)
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("Accept-Language", "en")
			if strings.HasPrefix(tc.path, "/api/") {
				req.Header.Set("Authorization", "Bearer "+tok.Secret)
			}
			if tc.header != "" {
				req.Header.Set("Idempotency-Key", tc.header)
			}
			res, err := tc.client.Do(req)
			status := 0
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				status = res.StatusCode
			}
			inflight.Wait()
			if tc.want != 0 && status != tc.want {
				t.Errorf("status %d (%v), want %d", status, err, tc.want)
			}
			if tc.want == 0 && status != 0 && status < 400 {
				t.Errorf("status %d, want a refusal", status)
			}
			if names := left(); len(names) > 0 {
				t.Errorf("left in the temporary directory: %v", names)
				for _, n := range names {
					os.Remove(filepath.Join(tmp, n))
				}
			}
		})
	}
}

func uploadDir(t *testing.T) *files.Dir {
	d, err := files.OpenDir(filepath.Join(t.TempDir(), "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
