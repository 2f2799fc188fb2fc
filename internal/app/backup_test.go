package app

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/auth"
	"aftersales/internal/files"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestBackupRestore backs a SQLite installation up while goroutines keep
// creating tickets, restores it into an empty directory, and finds every
// ticket acknowledged before the backup started, the attachments, and
// rollups equal to the tickets.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "aftersales.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
	db.Zone = testutil.Shanghai(t)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	actx, _ := testutil.Admin(t, db)
	cust := testutil.MustCustomer(t, actx, db, "孙八")
	fs, err := files.Open(filepath.Join(dir, "attachments"))
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	first := testutil.MustTicket(t, actx, db, cust.ID, "备份前")
	content := []byte("维修记录: 更换压缩机\n")
	att, err := fs.Attach(actx, db, first.ID, bytes.NewReader(content), "记录.txt", time.Now())
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var acked []int64
	for i := range 20 {
		acked = append(acked, testutil.MustTicket(t, actx, db, cust.ID, "预热 "+string(rune('A'+i))).ID)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writeErr error
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				tk, err := db.CreateTicket(actx, testutil.TicketInput(cust.ID, "并发写入"))
				mu.Lock()
				if err != nil && writeErr == nil {
					writeErr = err
				}
				if err == nil {
					acked = append(acked, tk.ID)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	mu.Lock()
	before := append([]int64{first.ID}, acked...) // acknowledged before the backup starts
	mu.Unlock()
	archive := filepath.Join(t.TempDir(), "backup.tar.gz")
	code, out := run(t, map[string]string{"AFTERSALES_DATA_DIR": dir}, "backup", archive)
	close(stop)
	wg.Wait()
	if code != 0 {
		t.Fatalf("backup: %d %s", code, out)
	}
	if writeErr != nil {
		t.Fatalf("a write during the backup failed: %v", writeErr)
	}
	t.Logf("%s; %d tickets acknowledged before the backup, %d by the end", strings.TrimSpace(out), len(before), len(acked)+1)

	restored := filepath.Join(t.TempDir(), "restored")
	env := map[string]string{"AFTERSALES_DATA_DIR": restored}
	if code, out := run(t, env, "restore", archive); code != 0 {
		t.Fatalf("restore: %d %s", code, out)
	}
	if code, out := run(t, env, "restore", archive); code != 1 || !strings.Contains(out, "not empty") {
		t.Errorf("restore into a used directory: %d %s", code, out)
	}
	if code, out := run(t, map[string]string{"AFTERSALES_DATA_DIR": t.TempDir(), "AFTERSALES_DB": "postgres://localhost/x"}, "backup", archive+"2"); code != 1 || !strings.Contains(out, "pg_dump") {
		t.Errorf("backup of PostgreSQL: %d %s", code, out)
	}

	rdb, err := sqlstore.Open(ctx, filepath.Join(restored, "aftersales.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	rdb.Zone = db.Zone
	if err := rdb.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var missing []int64
	for _, id := range before {
		if _, err := rdb.FindTicket(actx, id); err != nil {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d acknowledged tickets are missing from the restored copy: %v", len(missing), len(before), missing)
	}
	check, err := rdb.RecomputeRollups(actx, false)
	if err != nil {
		t.Fatal(err)
	}
	if check.Differences != 0 || check.Tickets < len(before) {
		t.Errorf("rollups check on the restored copy: %+v", check)
	}
	rfs, err := files.Open(filepath.Join(restored, "attachments"))
	if err != nil {
		t.Fatal(err)
	}
	defer rfs.Close()
	f, err := rfs.Open(ctx, att.Path)
	if err != nil {
		t.Fatalf("restored attachment: %v", err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, content) {
		t.Errorf("restored attachment holds %q", got)
	}
	if _, err := os.Stat(archive + ".part"); err == nil {
		t.Error("the backup left its .part file")
	}
}

// TestRestoreRefusesBadArchives: a damaged or foreign archive is refused
// with the reason, and nothing it held is left behind.
func TestRestoreRefusesBadArchives(t *testing.T) {
	archive := func(entries ...string) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		tw := tar.NewWriter(zw)
		for _, name := range entries {
			body := []byte("x")
			if name == backupManifest {
				body = []byte(`{"format":1}`)
			}
			tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg})
			tw.Write(body)
		}
		tw.Close()
		zw.Close()
		return buf.Bytes()
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"not gzip", []byte("PK\x03\x04"), "not a gzipped backup"},
		{"escaping path", archive(backupManifest, backupDB, "attachments/../../evil"), "bad path"},
		{"foreign entry", archive(backupManifest, backupDB, "etc/passwd"), "unexpected entry"},
		{"no database", archive(backupManifest, "attachments/2026/01/a"), "aftersales.db"},
		{"no manifest", archive(backupDB), backupManifest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "b.tar.gz")
			if err := os.WriteFile(file, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "data")
			code, out := run(t, map[string]string{"AFTERSALES_DATA_DIR": dir}, "restore", file)
			if code != 1 || !strings.Contains(out, tc.want) {
				t.Errorf("restore: %d %q, want an error naming %q", code, out, tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("restore left %d entries behind", len(entries))
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "evil")); err == nil {
				t.Error("an entry escaped the data directory")
			}
		})
	}
}

// TestBackupTakesPrefixedDSN backs up and restores a database named by a
// "sqlite:" DSN with query parameters and a "file:" DSN, the forms serve
// accepts, not only a bare path.
func TestBackupTakesPrefixedDSN(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "desk.db")
	db, err := sqlstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	actx, _ := testutil.Admin(t, db)
	cust := testutil.MustCustomer(t, actx, db, "周九")
	tk := testutil.MustTicket(t, actx, db, cust.ID, "前缀")
	db.Close()

	archive := filepath.Join(t.TempDir(), "b.tar.gz")
	if code, out := run(t, map[string]string{"AFTERSALES_DATA_DIR": dir, "AFTERSALES_DB": "sqlite:" + path + "?cache=shared"}, "backup", archive); code != 0 {
		t.Fatalf("backup: %d %s", code, out)
	}
	restoredDir := filepath.Join(t.TempDir(), "r")
	restored := filepath.Join(restoredDir, "desk.db")
	if code, out := run(t, map[string]string{"AFTERSALES_DATA_DIR": restoredDir, "AFTERSALES_DB": "file:" + restored}, "restore", archive); code != 0 {
		t.Fatalf("restore: %d %s", code, out)
	}
	rdb, err := sqlstore.Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	admin, err := rdb.FindUserByEmail(ctx, "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	got, err := rdb.FindTicket(aftersales.NewContextWithUser(ctx, admin), tk.ID)
	if err != nil || got.Title != "前缀" {
		t.Fatalf("restored ticket: %+v, %v", got, err)
	}
}
