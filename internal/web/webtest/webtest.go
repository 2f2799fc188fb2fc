// Package webtest starts the real HTTP handler on a real test database
// for API and console tests.
package webtest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/files"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/topics"
	"aftersales/internal/web"
	"aftersales/internal/web/console"
)

// ChatSecret is the test server's chat webhook key; FormRate its web-form
// submissions per address and hour.
const (
	ChatSecret = "test-chat-secret-0123456789"
	FormRate   = 5
)

// App is a running server with an administrator and an API token.
type App struct {
	DB     *sqlstore.DB
	Server *httptest.Server
	Admin  *aftersales.User
	Token  string
	Ctx    context.Context // acts as the administrator
	Files  *files.Store
}

// Start runs the full handler over a fresh database on engine e.
func Start(t testing.TB, db *sqlstore.DB) *App {
	t.Helper()
	return StartWith(t, db, nil)
}

// StartWith is Start with a chance to change the server (its zone,
// timeouts or test hooks) before its handler is built.
func StartWith(t testing.TB, db *sqlstore.DB, configure func(*web.Server)) *App {
	t.Helper()
	ctx, admin := testutil.Admin(t, db)
	tok, err := db.CreateToken(ctx, admin.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	// Files live where serve keeps them by default: in the database on
	// PostgreSQL, in the data directory on SQLite.
	var fs *files.Store
	var uploads aftersales.BlobStore = db
	if db.Engine() == sqlstore.Postgres {
		fs = files.New(db)
	} else {
		if fs, err = files.Open(filepath.Join(t.TempDir(), "attachments")); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fs.Close() })
		d, err := files.OpenDir(filepath.Join(t.TempDir(), "uploads"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		uploads = d
	}
	fs.MaxSize = 64 << 10
	if db.Messages == nil { // as app wires it: the texts the store writes to customers
		cat, err := console.DefaultCatalog()
		if err != nil {
			t.Fatal(err)
		}
		db.Messages = cat.T
	}
	key, err := db.Secret(ctx, web.FormKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	srv := &web.Server{
		Services:    db.Services(),
		Idempotency: db, DB: db, Files: fs, Log: slog.New(slog.NewTextHandler(testLog(t), nil)), Now: db.Now,
		Version: "test", Zone: testutil.Shanghai(t), ChatSecret: ChatSecret, FormRate: FormRate, Uploads: uploads,
		FormKey: key, Shared: db,
	}
	srv.Services.Topics = topics.New(db, db.Text, testutil.Shanghai(t), db.Now)
	if configure != nil {
		configure(srv)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &App{DB: db, Server: hs, Admin: admin, Token: tok.Secret, Ctx: ctx, Files: fs}
}

// testLog sends server errors to the test log, so a failing test shows why.
func testLog(t testing.TB) io.Writer { return logWriter{t} }

type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("level=ERROR")) {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}
