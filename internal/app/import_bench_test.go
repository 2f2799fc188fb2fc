package app

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"aftersales/internal/auth"
	"aftersales/internal/dataio"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// BenchmarkImportBoston imports the full Boston 311 file (121,145 rows)
// into an empty database per iteration; rows/s is the headline number.
// On SQLite each iteration then measures the engine's floor in the same
// run: the rows the import wrote (tickets, tags, events, issues, reference
// rows, the batch), read back and inserted again into another empty
// database with the same schema, indexes and triggers, by one prepared
// single-row INSERT per row in one transaction on a connection set up
// like the store's writer. floor-rows/s counts the same source rows, so
// pct-of-floor is the import's speed as a share of the engine's.
func BenchmarkImportBoston(b *testing.B) {
	path := testutil.SharedData(b, "boston_311_2015_merged.csv.gz")
	for _, e := range testutil.Engines() {
		b.Run(string(e), func(b *testing.B) {
			m, _ := dataio.Builtin("boston311")
			var rows int
			var floor time.Duration
			for b.Loop() {
				b.StopTimer()
				dsn := testutil.DSN(b, e)
				db := openAt(b, dsn)
				ctx, _ := testutil.Admin(b, db)
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				restore := importGC(e) // as `aftersales import` does
				b.StartTimer()
				s, err := dataio.Import(ctx, db, f, m, "boston", false, time.Now, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				restore()
				f.Close()
				rows += s.Total
				if e == sqlstore.SQLite {
					db.Close()
					floor += sqliteFloor(b, dsn)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			if floor > 0 {
				b.ReportMetric(float64(rows)/floor.Seconds(), "floor-rows/s")
				b.ReportMetric(100*floor.Seconds()/b.Elapsed().Seconds(), "pct-of-floor")
			}
		})
	}
}

// openAt opens and migrates the store at dsn as testutil.OpenDB does.
func openAt(tb testing.TB, dsn string) *sqlstore.DB {
	tb.Helper()
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	db.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
	db.Zone = testutil.Shanghai(tb)
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// floorTables are the tables an import writes itself, parents first;
// kpi_dirty and text_pending are filled by triggers, in the floor too.
var floorTables = []string{"import_batches", "teams", "service_units", "product_categories", "customers", "assets", "counters",
	"tickets", "ticket_tags", "ticket_events", "import_issues", "audit_log"}

// sqliteFloor reads back what the import wrote into the SQLite database
// at src and times inserting it into a fresh database.
func sqliteFloor(b *testing.B, src string) time.Duration {
	b.Helper()
	const pragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)"
	from, err := sql.Open("sqlite", "file:"+src+pragmas)
	if err != nil {
		b.Fatal(err)
	}
	defer from.Close()
	dst := testutil.DSN(b, sqlstore.SQLite)
	fresh := openAt(b, dst)
	testutil.Admin(b, fresh) // the user the batch is attributed to
	fresh.Close()
	to, err := sql.Open("sqlite", "file:"+dst+pragmas+"&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer to.Close()
	to.SetMaxOpenConns(1)
	// Leave out the rows every empty database has (the migrations' own).
	base := map[string]int{}
	for _, t := range floorTables {
		var n int
		if err := to.QueryRow(`SELECT count(*) FROM ` + t).Scan(&n); err != nil {
			b.Fatal(err)
		}
		base[t] = n
	}
	type table struct {
		name string
		cols []string
		rows [][]any
	}
	var tables []table
	for _, t := range floorTables {
		rs, err := from.Query(`SELECT * FROM ` + t + ` ORDER BY rowid LIMIT -1 OFFSET ` + strconv.Itoa(base[t]))
		if err != nil {
			b.Fatal(err)
		}
		cols, _ := rs.Columns()
		tb := table{name: t, cols: cols}
		for rs.Next() {
			row := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range row {
				ptrs[i] = &row[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				b.Fatal(err)
			}
			tb.rows = append(tb.rows, row)
		}
		if err := rs.Err(); err != nil {
			b.Fatal(err)
		}
		rs.Close()
		tables = append(tables, tb)
	}
	start := time.Now()
	tx, err := to.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for _, t := range tables {
		st, err := tx.Prepare(`INSERT INTO ` + t.name + ` (` + strings.Join(t.cols, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(t.cols)-1) + `)`)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range t.rows {
			if _, err := st.Exec(r...); err != nil {
				b.Fatalf("%s: %v", t.name, err)
			}
		}
		st.Close()
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// genCSV writes n rows of a realistic service-desk export: 2,000
// customers, 40 categories in two levels, 12 teams, 6 regions, 70% closed.
func genCSV(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), fmt.Sprintf("gen-%d.csv", n))
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	fmt.Fprintln(w, "id,title,description,created,closed,status,nature,urgency,phone,name,category,team,region")
	kinds := []string{"空调", "冰箱", "洗衣机", "热水器", "电视", "油烟机", "净水器", "烤箱"}
	faults := []string{"不制冷", "漏水", "异响", "无法开机", "显示故障码", "遥控失灵", "需要安装", "咨询保修"}
	natures := []string{"repair", "repair", "repair", "consultation", "complaint", "installation", "return"}
	urgencies := []string{"normal", "normal", "normal", "high", "low", "urgent"}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		k, fl := kinds[rng.IntN(len(kinds))], faults[rng.IntN(len(faults))]
		created := start.Add(time.Duration(i) * 30 * time.Second)
		closed, status := "", "in_service"
		if rng.IntN(10) < 7 {
			closed, status = created.Add(time.Duration(1+rng.IntN(96))*time.Hour).Format("2006-01-02 15:04:05"), "closed"
		}
		c := rng.IntN(2000)
		fmt.Fprintf(w, "G%07d,%s%s,客户反映%s%s，第%d次报修,%s,%s,%s,%s,%s,1%010d,客户%d,%s/%s%d,班组%d,区域%d\n",
			i, k, fl, k, fl, 1+rng.IntN(3), created.Format("2006-01-02 15:04:05"), closed, status,
			natures[rng.IntN(len(natures))], urgencies[rng.IntN(len(urgencies))], 3800000000+c, c, k, k, rng.IntN(5), rng.IntN(12), rng.IntN(6))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path
}

const genMapping = `{"name": "generated", "time_zone": "Asia/Shanghai", "key": {"column": "id"}, "fields": {
	"title": {"column": "title", "required": true}, "description": {"column": "description"},
	"created_at": {"column": "created", "formats": ["2006-01-02 15:04:05"], "required": true},
	"closed_at": {"column": "closed", "formats": ["2006-01-02 15:04:05"]}, "status": {"column": "status"},
	"nature": {"column": "nature"}, "urgency": {"column": "urgency"}, "channel": {"default": "import"},
	"customer_phone": {"column": "phone"}, "customer_name": {"column": "name"},
	"category": {"column": "category", "sep": "/"}, "team": {"column": "team"}, "region": {"column": "region"}}}`

// BenchmarkImportGenerated imports generated files of 100,000 and
// 1,000,000 rows into SQLite and reports the peak Go heap, sampled every
// 100 ms: flat memory means the two peaks are about equal.
func BenchmarkImportGenerated(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		for _, e := range testutil.Engines() {
			benchImportGenerated(b, n, e)
		}
	}
}

func benchImportGenerated(b *testing.B, n int, e sqlstore.Engine) {
	b.Run(fmt.Sprintf("%s/%d", e, n), func(b *testing.B) {
		path := genCSV(b, n)
		m, err := dataio.ReadMapping(strings.NewReader(genMapping))
		if err != nil {
			b.Fatal(err)
		}
		var rows int
		var peak uint64
		for b.Loop() {
			b.StopTimer()
			db := testutil.OpenDB(b, e)
			ctx, _ := testutil.Admin(b, db)
			f, _ := os.Open(path)
			runtime.GC()
			done := make(chan struct{})
			sampled := make(chan uint64)
			go func() {
				var ms runtime.MemStats
				var top uint64
				t := time.NewTicker(100 * time.Millisecond)
				defer t.Stop()
				for {
					runtime.ReadMemStats(&ms)
					top = max(top, ms.HeapInuse)
					select {
					case <-done:
						sampled <- top
						return
					case <-t.C:
					}
				}
			}()
			b.StartTimer()
			s, err := dataio.Import(ctx, db, f, m, "gen", false, time.Now, nil)
			b.StopTimer()
			close(done)
			peak = max(peak, <-sampled)
			if err != nil || s.Created != n {
				b.Fatal(s, err)
			}
			f.Close()
			rows += s.Total
			b.StartTimer()
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	})
}
