package app

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/auth"
	"aftersales/internal/demo"
	"aftersales/internal/files"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// openMoveStore opens and migrates a store as serve does, with a fixed
// clock so KPI reads on both sides see the same instant.
func openMoveStore(t *testing.T, dsn string, now time.Time) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
	db.Zone = testutil.Shanghai(t)
	db.Now = func() time.Time { return now }
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// moveFacts is what must read the same before and after a move: the
// ticket count and every KPI over the demo's year.
func moveFacts(t *testing.T, ctx context.Context, db *sqlstore.DB, end time.Time) (int64, string) {
	t.Helper()
	page, err := db.ListTickets(ctx, aftersales.TicketFilter{Count: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	var kpis []string
	to := time.Date(end.Year(), end.Month()+1, 1, 0, 0, 0, 0, end.Location())
	for _, k := range db.KPIs() {
		res, err := db.Metric(ctx, aftersales.MetricQuery{KPI: k.Key, From: to.AddDate(-1, 0, 0), To: to, Grain: aftersales.Grain("month")})
		if err != nil {
			t.Fatalf("KPI %s: %v", k.Key, err)
		}
		res.Lag = aftersales.RollupLag{} // read at each side's own moment
		b, _ := json.Marshal(res)
		kpis = append(kpis, k.Key+": "+string(b))
	}
	return *page.Total, strings.Join(kpis, "\n")
}

// TestMoveDB moves a SQLite instance with the demo company, a user with a
// password, an attachment of several blob chunks and an import upload
// into a new PostgreSQL database, and finds there the same tickets and
// KPIs, the password, the files, the next ticket number and id, and a
// second move refused.
func TestMoveDB(t *testing.T) {
	ctx := context.Background()
	target := testutil.DSN(t, sqlstore.Postgres)
	dir := filepath.Join(t.TempDir(), "data")
	end := time.Date(2026, 11, 20, 10, 0, 0, 0, testutil.Shanghai(t))
	src := openMoveStore(t, filepath.Join(dir, "aftersales.db"), end)
	actx, _ := testutil.Admin(t, src)
	if _, err := demo.Load(actx, src.Services(), src, demo.Options{Seed: 1, Tickets: 150, End: end, Zone: testutil.Shanghai(t)}); err != nil {
		t.Fatal(err)
	}
	testutil.MustUser(t, actx, src, "mover@example.com", aftersales.RoleAgent, nil)
	fs, err := files.Open(filepath.Join(dir, "attachments"))
	if err != nil {
		t.Fatal(err)
	}
	// Over two chunks of the database's blob store (256 KiB each).
	content := bytes.Repeat([]byte("维修记录: 更换压缩机, 检漏, 充注冷媒。\n"), 12000)
	cust := testutil.MustCustomer(t, actx, src, "迁移客户")
	tk := testutil.MustTicket(t, actx, src, cust.ID, "带附件的工单")
	att, err := fs.Attach(actx, src, tk.ID, bytes.NewReader(content), "记录.txt", end)
	if err != nil {
		t.Fatal(err)
	}
	fs.Close()
	uploads, err := files.OpenDir(filepath.Join(dir, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	upload := []byte("title,customer\n空调不制冷,张三\n")
	w, err := uploads.CreateBlob(ctx, "import/tok.data")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(upload)
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	uploads.Close()
	count, kpis := moveFacts(t, actx, src, end)
	if count < 150 {
		t.Fatalf("the source holds %d tickets", count)
	}
	src.Close() // move-db refuses a database open elsewhere

	code, out := run(t, map[string]string{"AFTERSALES_DATA_DIR": dir}, "move-db", "--to", target)
	if code != 0 {
		t.Fatalf("move-db: %d %s", code, out)
	}
	t.Log(out[strings.LastIndex(out[:len(out)-1], "move-db:"):])
	if !strings.Contains(out, "2 files") || !strings.Contains(out, "counts checked") {
		t.Errorf("move-db output: %s", out)
	}

	dst := openMoveStore(t, target, end)
	if dst.Engine() != sqlstore.Postgres {
		t.Fatal("the target is not PostgreSQL")
	}
	admin, err := dst.FindUserByEmail(ctx, "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	dctx := aftersales.NewContextWithUser(ctx, admin)
	dcount, dkpis := moveFacts(t, dctx, dst, end)
	if dcount != count {
		t.Errorf("tickets: %d on SQLite, %d on PostgreSQL", count, dcount)
	}
	if dkpis != kpis {
		t.Errorf("KPIs differ:\nSQLite:\n%s\nPostgreSQL:\n%s", kpis, dkpis)
	}
	if _, err := dst.Authenticate(ctx, "mover@example.com", "password-123456"); err != nil {
		t.Errorf("the moved user cannot log in with their password: %v", err)
	}
	if _, err := dst.Authenticate(ctx, "mover@example.com", "wrong-password-1"); err == nil {
		t.Error("a wrong password logs the moved user in")
	}
	datt, err := dst.FindAttachment(dctx, att.ID)
	if err != nil {
		t.Fatal(err)
	}
	readBlob := func(b aftersales.BlobStore, key string) []byte {
		t.Helper()
		r, err := files.New(b).Open(ctx, key)
		if err != nil {
			t.Fatalf("open %s: %v", key, err)
		}
		defer r.Close()
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := readBlob(dst, datt.Path); !bytes.Equal(got, content) {
		t.Errorf("the attachment reads %d bytes on PostgreSQL, want the %d uploaded", len(got), len(content))
	}
	if got := readBlob(dst, "import/tok.data"); !bytes.Equal(got, upload) {
		t.Errorf("the upload reads %q on PostgreSQL", got)
	}
	// The next ticket gets the same id and number on both sides: the
	// sequences and counters moved along.
	src = openMoveStore(t, filepath.Join(dir, "aftersales.db"), end)
	want := testutil.MustTicket(t, actx, src, cust.ID, "迁移后")
	got, err := dst.CreateTicket(dctx, testutil.TicketInput(cust.ID, "迁移后"))
	if err != nil {
		t.Fatalf("a new ticket on PostgreSQL: %v", err)
	}
	if got.ID != want.ID || got.Number != want.Number {
		t.Errorf("new ticket on PostgreSQL: id %d number %s, want id %d number %s as on SQLite", got.ID, got.Number, want.ID, want.Number)
	}
	if _, err := dst.CreateCustomer(dctx, aftersales.CustomerInput{Name: "新客户", Phone: "13900139000"}); err != nil {
		t.Errorf("a new customer on PostgreSQL: %v", err)
	}
	src.Close()

	code, out = run(t, map[string]string{"AFTERSALES_DATA_DIR": dir}, "move-db", "--to", target)
	if code != 1 || !strings.Contains(out, "already holds") || !strings.Contains(out, "tickets") {
		t.Errorf("a second move into the same database: %d %s", code, out)
	}
}

// moveSnapshot is the target's state a failed move must leave as it
// was: every table's row count, its foreign keys and enabled triggers.
func moveSnapshot(t *testing.T, dsn string) string {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	rows, err := db.Query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = to_regnamespace(current_schema()) ORDER BY relname`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	for _, tb := range tables {
		var n int64
		if err := db.QueryRow(`SELECT count(*) FROM "` + tb + `"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d\n", tb, n)
	}
	var fk, trg int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM pg_constraint WHERE contype = 'f'),
		(SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O')`).Scan(&fk, &trg); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "foreign keys %d, triggers %d\n", fk, trg)
	return b.String()
}

// TestMoveDBFailureLeavesTarget provokes two failures, a column the
// target lacks and a row whose customer does not exist (written with
// SQLite's foreign keys off, as an old file may hold), and finds the
// target as it was after each: its rows, foreign keys and triggers.
func TestMoveDBFailureLeavesTarget(t *testing.T) {
	ctx := context.Background()
	target := testutil.DSN(t, sqlstore.Postgres)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, testutil.Shanghai(t))
	// The target as a first start leaves it: migrated, one administrator.
	dst := openMoveStore(t, target, now)
	if _, err := dst.BootstrapUser(ctx, aftersales.UserInput{Email: "first@example.com", Name: "首位管理员", Role: aftersales.RoleAdmin, Password: "first-password-1"}); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	before := moveSnapshot(t, target)

	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "aftersales.db")
	src := openMoveStore(t, path, now)
	actx, _ := testutil.Admin(t, src)
	cust := testutil.MustCustomer(t, actx, src, "客户")
	for i := range 30 {
		testutil.MustTicket(t, actx, src, cust.ID, fmt.Sprint("工单 ", i))
	}
	src.Close()
	raw, err := sql.Open("sqlite", path) // foreign keys off, as SQLite's default
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxIdleConns(0) // closed after each change: move-db refuses a database open elsewhere
	env := map[string]string{"AFTERSALES_DATA_DIR": dir}

	if _, err := raw.Exec(`ALTER TABLE customers ADD COLUMN nickname TEXT`); err != nil {
		t.Fatal(err)
	}
	code, out := run(t, env, "move-db", "--to", target)
	if code != 1 || !strings.Contains(out, "table customers column nickname: missing on the target") {
		t.Errorf("move with a column the target lacks: %d %s", code, out)
	}
	if after := moveSnapshot(t, target); after != before {
		t.Errorf("the refused move changed the target:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if _, err := raw.Exec(`ALTER TABLE customers DROP COLUMN nickname`); err != nil {
		t.Fatal(err)
	}

	if _, err := raw.Exec(`UPDATE tickets SET customer_id = 999999 WHERE id = (SELECT max(id) FROM tickets)`); err != nil {
		t.Fatal(err)
	}
	code, out = run(t, env, "move-db", "--to", target)
	if code != 1 || !strings.Contains(out, "tickets_customer_id_fkey") || !strings.Contains(out, "nothing was moved") {
		t.Errorf("move with a ticket of a missing customer: %d %s", code, out)
	}
	if after := moveSnapshot(t, target); after != before {
		t.Errorf("the failed move changed the target:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestMoveDBRefusesOpenDatabase runs move-db while a second process has
// the SQLite database open as serve does (an idle serve holds no write
// lock): it is refused, saying why, and the target stays empty; once that
// process has exited the move goes through.
func TestMoveDBRefusesOpenDatabase(t *testing.T) {
	target := testutil.DSN(t, sqlstore.Postgres)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, testutil.Shanghai(t))
	dir := filepath.Join(t.TempDir(), "data")
	src := openMoveStore(t, filepath.Join(dir, "aftersales.db"), now)
	actx, _ := testutil.Admin(t, src)
	testutil.MustTicket(t, actx, src, testutil.MustCustomer(t, actx, src, "客户").ID, "工单")
	src.Close()

	holder := exec.Command(os.Args[0], "-test.run=^TestMoveDBHolderProcess$")
	holder.Env = append(os.Environ(), "AFTERSALES_TEST_HOLD_DB="+filepath.Join(dir, "aftersales.db"))
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	holder.Stderr = os.Stderr
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Process.Kill()
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && lines.Text() != "holding" {
	}
	env := map[string]string{"AFTERSALES_DATA_DIR": dir}
	code, out := run(t, env, "move-db", "--to", target)
	if code != 1 || !strings.Contains(out, "is open in another process") || !strings.Contains(out, "stop it first") {
		t.Errorf("move-db beside a process holding the database: %d %s", code, out)
	}
	dst := openMoveStore(t, target, now)
	if err := dst.CheckMoveTarget(context.Background()); err != nil {
		t.Errorf("the refused move wrote to the target: %v", err)
	}
	dst.Close()

	stdin.Close()
	for lines.Scan() {
	}
	if err := holder.Wait(); err != nil {
		t.Fatalf("the holding process: %v", err)
	}
	if code, out := run(t, env, "move-db", "--summary", "--to", target); code != 0 || !strings.Contains(out, "counts checked") {
		t.Errorf("move-db once the other process is gone: %d %s", code, out)
	}
}

// TestMoveDBHolderProcess is TestMoveDBRefusesOpenDatabase's second
// process: it opens the database as serve does, reads it, says
// "holding" and keeps it open until its standard input closes.
func TestMoveDBHolderProcess(t *testing.T) {
	path := os.Getenv("AFTERSALES_TEST_HOLD_DB")
	if path == "" {
		t.Skip("runs only as the second process of TestMoveDBRefusesOpenDatabase")
	}
	db, err := sqlstore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	fmt.Println("holding")
	io.Copy(io.Discard, os.Stdin)
}

// TestMoveDBFilesInDatabase moves an instance served with --files db: its
// files are in the SQLite database and move with its tables; a file left
// in the data directory (from before the switch) is not the instance's and
// stays behind.
func TestMoveDBFilesInDatabase(t *testing.T) {
	ctx := context.Background()
	target := testutil.DSN(t, sqlstore.Postgres)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, testutil.Shanghai(t))
	dir := filepath.Join(t.TempDir(), "data")
	src := openMoveStore(t, filepath.Join(dir, "aftersales.db"), now)
	actx, _ := testutil.Admin(t, src)
	tk := testutil.MustTicket(t, actx, src, testutil.MustCustomer(t, actx, src, "客户").ID, "工单")
	content := []byte("库里的附件")
	att, err := files.New(src).Attach(actx, src, tk.ID, bytes.NewReader(content), "in-db.txt", now)
	if err != nil {
		t.Fatal(err)
	}
	src.Close()
	old, err := files.OpenDir(filepath.Join(dir, "attachments"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := old.CreateBlob(ctx, "stale/left-behind.txt")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("from before --files db"))
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	old.Close()

	code, out := run(t, map[string]string{"AFTERSALES_DATA_DIR": dir}, "move-db", "--files", "db", "--summary", "--to", target)
	if code != 0 || !strings.Contains(out, " 0 files") {
		t.Fatalf("move-db --files db: %d %s", code, out)
	}
	dst := openMoveStore(t, target, now)
	r, err := files.New(dst).Open(ctx, att.Path)
	if err != nil {
		t.Fatalf("the attachment kept in the database did not move: %v", err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, content) {
		t.Errorf("the attachment reads %q on PostgreSQL", got)
	}
	if _, err := files.New(dst).Open(ctx, "stale/left-behind.txt"); err == nil {
		t.Error("the data directory's leftover moved too")
	}
	if code, out := run(t, map[string]string{"AFTERSALES_DATA_DIR": dir}, "move-db", "--files", "disk", "--to", target); code == 0 || !strings.Contains(out, "files: must be db or dir") {
		t.Errorf("move-db --files disk: %d %s", code, out)
	}
}
