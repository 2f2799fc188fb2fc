package sqlstore_test

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/dataio"

	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
	"github.com/google/go-cmp/cmp"

	"golang.org/x/text/encoding/simplifiedchinese"
)

var importNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// readCSV reads a data file with encoding/csv alone, as an independent
// count of what the importer should find.
func readCSV(t *testing.T, path string, each func(h map[string]int, row []string)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		if r, err = gzip.NewReader(f); err != nil {
			t.Fatal(err)
		}
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]int{}
	for i, c := range head {
		h[c] = i
	}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		each(h, row)
	}
}

func importFile(t *testing.T, ctx context.Context, db *sqlstore.DB, mapping, path string, dryRun bool) *aftersales.ImportSummary {
	t.Helper()
	m, err := dataio.Builtin(mapping)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := dataio.Import(ctx, db, f, m, filepath.Base(path), dryRun, func() time.Time { return importNow }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != s.Created+s.Updated+s.Rejected+s.Duplicates {
		t.Fatalf("summary does not add up: %+v", s)
	}
	return s
}

func TestImportBoston(t *testing.T) {
	path := SharedData(t, "boston_311_2015_merged.csv.gz")
	ny, _ := time.LoadLocation("America/New_York")
	const layout = "01/02/2006 03:04:05 PM"
	var rows, closedBefore, zeroCoords, zeroDur, closed int
	// SLA population: closed with a closing time not before opening and a
	// target; met when closed no later than the target; the city's own
	// verdict (OnTime_Status) over the same cases.
	var slaCases, slaMet, cityRated, cityOnTime, disagree int
	subjects := map[string]bool{}
	readCSV(t, path, func(h map[string]int, r []string) {
		rows++
		subjects[r[h["SUBJECT"]]] = true
		open, _ := time.ParseInLocation(layout, r[h["OPEN_DT"]], ny)
		if c := r[h["CLOSED_DT"]]; c != "" {
			cl, _ := time.ParseInLocation(layout, c, ny)
			if cl.Before(open) {
				closedBefore++
			}
			if cl.Equal(open) {
				zeroDur++
			}
		}
		if r[h["Geocoded_Location"]] == "(0, 0)" {
			zeroCoords++
		}
		if r[h["CASE_STATUS"]] == "Closed" {
			closed++
		}
		target, terr := time.ParseInLocation(layout, r[h["TARGET_DT"]], ny)
		cl, cerr := time.ParseInLocation(layout, r[h["CLOSED_DT"]], ny)
		if r[h["CASE_STATUS"]] == "Closed" && terr == nil && cerr == nil {
			if cl.Before(open) {
				cl = open // no usable closing time: closed at the last known event
			}
			slaCases++
			met := !cl.After(target)
			if met {
				slaMet++
			}
			if st := r[h["OnTime_Status"]]; st != "" {
				cityRated++
				if st == "ONTIME" {
					cityOnTime++
				}
				if met != (st == "ONTIME") {
					disagree++
				}
			}
		}
	})
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		s := importFile(t, ctx, db, "boston311", path, false)
		if s.Total != rows || s.Created != rows || s.Rejected != 0 || s.Duplicates != 0 {
			t.Fatalf("summary %+v, want %d rows created", s, rows)
		}
		if s.Flags[aftersales.FlagClosedBefore] != closedBefore || s.Flags[aftersales.FlagZeroCoords] != zeroCoords ||
			s.Flags[aftersales.FlagZeroDuration] != zeroDur {
			t.Fatalf("flags %v, want closed_before_opened %d, zero_coordinates %d, zero_duration %d", s.Flags, closedBefore, zeroCoords, zeroDur)
		}
		if closedBefore != 197 || zeroCoords != 17070 {
			t.Fatalf("the data changed: %d closed before opened, %d at (0, 0)", closedBefore, zeroCoords)
		}
		// Every closed-before-opened row is flagged, and its bad time is not
		// kept: with no other event known, it closes when it opened.
		if n := db.CountForTest(ctx, `SELECT count(*) FROM import_issues i JOIN tickets t ON t.id = i.ticket_id
			WHERE i.kind = 'closed_before_opened' AND t.closed_at = t.created_at AND t.status = 'closed'`); n != int64(closedBefore) {
			t.Fatalf("closed-before-opened tickets closed at their creation: %d", n)
		}
		if s.Flags[aftersales.FlagNoClosingDate] != closedBefore {
			t.Fatalf("flags %v, want %d closing_date_missing", s.Flags, closedBefore)
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM tickets WHERE status = 'closed'`); n != int64(closed) {
			t.Fatalf("closed tickets %d, want %d", n, closed)
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM tickets WHERE closed_at < created_at`); n != 0 {
			t.Fatalf("%d tickets close before they open", n)
		}
		// The taxonomy became a three-level category tree, queues teams, neighbourhoods regions.
		if n := db.CountForTest(ctx, `SELECT count(*) FROM product_categories WHERE depth = 0`); n != int64(len(subjects)) {
			t.Fatalf("subjects = %d, want %d", n, len(subjects))
		}
		if n := db.CountForTest(ctx, `SELECT count(DISTINCT number) FROM tickets`); n != int64(rows) {
			t.Fatalf("ticket numbers are not unique: %d", n)
		}
		// Resolution SLA compliance from TARGET_DT and CLOSED_DT, from the
		// rollups, against the city's OnTime_Status on the same cases.
		catchUp(t, ctx, db)
		res, err := db.Metric(ctx, aftersales.MetricQuery{KPI: "res_sla", From: time.Date(2010, 1, 1, 0, 0, 0, 0, db.Zone),
			To: time.Date(2030, 1, 1, 0, 0, 0, 0, db.Zone), Grain: aftersales.GrainQuarter})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total.N != int64(slaCases) || res.Total.Num != int64(slaMet) {
			t.Fatalf("res_sla over %d cases (%d met), counted %d (%d met)", res.Total.N, res.Total.Num, slaCases, slaMet)
		}
		ours, city := *res.Total.Value, 100*float64(cityOnTime)/float64(cityRated)
		if math.Abs(ours-city) > 0.5 || disagree > slaCases/1000 {
			t.Fatalf("SLA compliance %.2f%% vs the city's %.2f%% on the same cases (%d disagree)", ours, city, disagree)
		}
		t.Logf("resolution SLA compliance %.2f%% (%d cases); city OnTime_Status %.2f%% (%d rated); %d disagree", ours, slaCases, city, cityRated, disagree)
		if check, err := db.RecomputeRollups(ctx, false); err != nil || check.Differences != 0 {
			t.Fatalf("rollups after the import: %+v %v", check, err)
		}
		// A second run changes nothing.
		again := importFile(t, ctx, db, "boston311", path, false)
		if again.Duplicates != rows || again.Created+again.Updated+again.Rejected != 0 || again.Flagged != 0 {
			t.Fatalf("re-run: %+v", again)
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM tickets`); n != int64(rows) {
			t.Fatalf("tickets after re-run = %d", n)
		}
	})
}

func TestImportServiceNowHistory(t *testing.T) {
	path := SharedData(t, "servicenow_incident_event_log_first120k.csv.gz")
	m, _ := dataio.Builtin("servicenow")
	states := m.History.Status.Map
	var rows int
	incidents := map[string]bool{}
	var changes int
	last, lastKey := "", ""
	readCSV(t, path, func(h map[string]int, r []string) {
		rows++
		key := r[h["number"]]
		incidents[key] = true
		if key != lastKey {
			last, lastKey = "new", key
		}
		st, ok := states[r[h["incident_state"]]]
		if ok && st != last {
			changes++
			last = st
		}
	})
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		s := importFile(t, ctx, db, "servicenow", path, false)
		if s.Total != rows || s.Created != len(incidents) || s.Updated != rows-len(incidents) || s.Rejected != 0 {
			t.Fatalf("summary %+v; want %d rows, %d incidents", s, rows, len(incidents))
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM ticket_events WHERE kind = 'status_changed'`); n != int64(changes) {
			t.Fatalf("status changes %d, want %d", n, changes)
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM tickets WHERE accepted_at IS NOT NULL AND accepted_at < created_at`); n != 0 {
			t.Fatalf("%d tickets accepted before they were opened", n)
		}
		callers := db.CountForTest(ctx, `SELECT count(DISTINCT customer_id) FROM tickets`)
		if cust := db.CountForTest(ctx, `SELECT count(*) FROM customers`); cust != callers || cust < 1000 {
			t.Fatalf("customers %d, distinct callers on tickets %d", cust, callers)
		}
	})
}

func TestImportNYCAndCFPB(t *testing.T) {
	nyc := SharedData(t, "nyc_311_sample_2000_2011.csv")
	cfpb := SharedData(t, "cfpb_complaints_sample_6623.csv")
	old := SharedData(t, "cfpb_complaints_2014_8340.csv")
	var nycRows, in1900, nycOpen int
	readCSV(t, nyc, func(h map[string]int, r []string) {
		nycRows++
		if r[h["Status"]] != "Closed" {
			nycOpen++
		}
		if strings.Contains(r[h["Closed Date"]], "/1900 ") {
			in1900++
		}
	})
	var cfpbRows, narratives int
	readCSV(t, cfpb, func(h map[string]int, r []string) {
		cfpbRows++
		if strings.TrimSpace(r[h["Consumer complaint narrative"]]) != "" {
			narratives++
		}
	})
	var oldRows, oldBad int
	readCSV(t, old, func(h map[string]int, r []string) {
		oldRows++
		if len(r) != len(h) || r[h["Issue"]] == "" {
			oldBad++
		}
	})
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		s := importFile(t, ctx, db, "nyc311", nyc, false)
		if s.Total != nycRows || s.Created != nycRows || s.Flags[aftersales.FlagDateRange] != in1900 || in1900 == 0 {
			t.Fatalf("nyc %+v; want %d rows, %d closed in 1900", s, nycRows, in1900)
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM tickets WHERE status <> 'closed' AND external_id LIKE 'nyc311:%'`); n != int64(nycOpen) {
			t.Fatalf("nyc tickets not closed %d, want %d", n, nycOpen)
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM tickets WHERE status = 'closed' AND closed_at IS NULL AND external_id LIKE 'nyc311:%'`); n != 0 {
			t.Fatalf("%d closed nyc tickets without a closing time (%d closed in 1900)", n, in1900)
		}
		s = importFile(t, ctx, db, "cfpb", cfpb, false)
		if s.Total != cfpbRows || s.Created != cfpbRows || s.Rejected != 0 {
			t.Fatalf("cfpb %+v", s)
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM tickets WHERE description <> '' AND external_id LIKE 'cfpb:%'`); n != int64(narratives) {
			t.Fatalf("narratives %d, want %d", n, narratives)
		}
		s = importFile(t, ctx, db, "cfpb", old, false)
		if s.Total != oldRows || s.Rejected != oldBad || s.Created != oldRows-oldBad {
			t.Fatalf("cfpb 2014 %+v; want %d rows, %d rejected", s, oldRows, oldBad)
		}
		var issues []aftersales.RowIssue
		closedNoDate := 0
		err := db.ImportIssues(ctx, s.BatchID, func(i aftersales.RowIssue) error {
			if i.Kind == aftersales.FlagNoClosingDate { // the mapping has no closing date column
				closedNoDate++
				return nil
			}
			issues = append(issues, i)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(issues) != oldBad || !issues[len(issues)-1].Rejected || !strings.Contains(issues[len(issues)-1].Reason, "fields") ||
			closedNoDate != s.Flags[aftersales.FlagNoClosingDate] || closedNoDate == 0 {
			t.Fatalf("report %+v, %d closed without a date (%v)", issues, closedNoDate, s.Flags)
		}
		rep, err := db.DataQuality(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Tickets != nycRows+cfpbRows+oldRows-oldBad || rep.Rejected != oldBad || rep.Flags[aftersales.FlagDateRange] != in1900 || len(rep.Imports) != 3 {
			t.Fatalf("data quality %+v", rep)
		}
		for _, f := range rep.Fields {
			if f.Field == "description" && f.Present < narratives {
				t.Fatalf("descriptions %+v", f)
			}
		}
		bad, err := db.ListIssues(ctx, aftersales.IssueFilter{Kind: aftersales.FlagDateRange})
		if err != nil || len(bad) != in1900 || bad[0].TicketID == nil || !strings.HasPrefix(bad[0].Number, "AS") {
			t.Fatalf("issues %+v %v", bad, err)
		}
	})
}

// A file in GBK with a BOM-less header, semicolons, a quoted multi-line
// field, phone numbers in several forms and a near-duplicate.
func TestImportGBKCustomMapping(t *testing.T) {
	const mapping = `{"name": "dealer", "time_zone": "Asia/Shanghai", "key": {"column": "工单号"},
	  "fields": {"title": {"column": "问题", "required": true}, "description": {"column": "描述"},
	    "created_at": {"column": "报修时间", "formats": ["2006/1/2 15:04"], "required": true},
	    "resolution_after": {"column": "处理时长"},
	    "nature": {"column": "类型", "map": {"投诉": "complaint", "维修": "repair"}, "default": "other"},
	    "customer_name": {"column": "客户"}, "customer_phone": {"column": "电话"}, "tags": {"column": "标签", "sep": "、"}},
	  "near_duplicate": {"by": "customer", "window_hours": 72, "distance": 6}}`
	text := "工单号;问题;描述;报修时间;处理时长;类型;客户;电话;标签\n" +
		"D1;空调不制冷;\"外机不转，\n室内机漏水\";2026/7/1 09:30;2小时;维修;张三;+86 138-0013-8000;空调、加急\n" +
		"D2;空调不制冷;外机不转，室内机漏水;2026/7/2 10:00;90 min;投诉;张三;13800138000;\n" +
		"D3;热水器不加热;;2026/7/3 08:00;很久;咨询;李四;010-6552 9988;\n" +
		"D4;;没有标题;2026/7/3 09:00;;维修;王五;123;\n" +
		"D5;洗衣机异响;;1900/1/1 00:00;;维修;赵六;13900139000;\n"
	gbk, err := encodeGBK(text)
	if err != nil {
		t.Fatal(err)
	}
	m, err := dataio.ReadMapping(strings.NewReader(mapping))
	if err != nil {
		t.Fatal(err)
	}
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		s, err := dataio.Import(ctx, db, strings.NewReader(gbk), m, "dealer.csv", false, func() time.Time { return importNow }, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.Total != 5 || s.Created != 3 || s.Rejected != 2 || s.Flags[aftersales.FlagNearDuplicate] != 1 ||
			s.Flags[aftersales.FlagUnknownValue] != 1 || s.Flags[aftersales.FlagBadFormat] != 1 {
			t.Fatalf("summary %+v", s)
		}
		// One customer by the normalised phone, the other by a landline.
		if n := db.CountForTest(ctx, `SELECT count(*) FROM customers WHERE phone = '13800138000' AND name = '张三'`); n != 1 {
			t.Fatalf("customers with the normalised phone: %d", n)
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM tickets WHERE customer_id IS NOT NULL`); n != 3 {
			t.Fatalf("tickets with a customer: %d", n)
		}
		d1, err := db.FindTicketByExternalIDForTest(ctx, "dealer:D1")
		if err != nil {
			t.Fatal(err)
		}
		if d1.Description != "外机不转，\n室内机漏水" || d1.ResolvedAt == nil || d1.ResolvedAt.Sub(d1.CreatedAt) != 2*time.Hour ||
			len(d1.Tags) != 2 || d1.Tags[1] != "加急" || d1.Nature != aftersales.NatureRepair {
			t.Fatalf("D1 = %+v", d1)
		}
	})
}

func TestImportRollsBackOnFailure(t *testing.T) {
	path := SharedData(t, "nyc_311_sample_2000_2011.csv")
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		m, _ := dataio.Builtin("nyc311")
		f, _ := os.Open(path)
		defer f.Close()
		schema := db.SchemaForTest(ctx)
		if len(schema) < 15 {
			t.Fatalf("schema of the load tables: %q", schema)
		}
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		// Cancelled after the first chunk was written: nothing may remain,
		// and the indexes, foreign keys and triggers a first load sets
		// aside are all back.
		_, err := dataio.Import(cctx, db, f, m, "nyc.csv", false, func() time.Time { return importNow }, func(int) { cancel() })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		for _, q := range []string{`SELECT count(*) FROM tickets`, `SELECT count(*) FROM import_batches`, `SELECT count(*) FROM import_issues`,
			`SELECT count(*) FROM product_categories`, `SELECT count(*) FROM teams`, `SELECT count(*) FROM counters`} {
			if n := db.CountForTest(ctx, q); n != 0 {
				t.Fatalf("%s = %d after a failed import", q, n)
			}
		}
		if diff := cmp.Diff(schema, db.SchemaForTest(ctx)); diff != "" {
			t.Fatalf("schema after a failed import (-before +after):\n%s", diff)
		}
		// A dry run counts everything and keeps nothing.
		f.Seek(0, io.SeekStart)
		s, err := dataio.Import(ctx, db, f, m, "nyc.csv", true, func() time.Time { return importNow }, nil)
		if err != nil || s.Created != 2000 || s.BatchID != 0 {
			t.Fatalf("dry run %+v %v", s, err)
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM tickets`); n != 0 {
			t.Fatalf("dry run left %d tickets", n)
		}
		// A real first load restores them too, and queues every ticket it
		// made for the rollups.
		f.Seek(0, io.SeekStart)
		if s, err := dataio.Import(ctx, db, f, m, "nyc.csv", false, func() time.Time { return importNow }, nil); err != nil || s.Created != 2000 {
			t.Fatalf("import %+v %v", s, err)
		}
		// On PostgreSQL the foreign keys come back NOT VALID (the schema
		// lists valid ones only) until the job validates them.
		if db.Engine() == sqlstore.Postgres {
			if diff := cmp.Diff(schema, db.SchemaForTest(ctx)); diff == "" {
				t.Fatal("the foreign keys were validated before the commit")
			}
			if _, err := db.ValidateConstraints(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(schema, db.SchemaForTest(ctx)); diff != "" {
			t.Fatalf("schema after an import (-before +after):\n%s", diff)
		}
		if n := db.CountForTest(ctx, `SELECT count(*) FROM kpi_dirty d JOIN tickets t ON t.id = d.ticket_id`); n != 2000 {
			t.Fatalf("%d of 2000 imported tickets queued for the rollups", n)
		}
		// Staff without the import permission are refused.
		agent := MustUser(t, ctx, db, "agent@example.com", aftersales.RoleAgent, nil)
		f.Seek(0, io.SeekStart)
		_, err = dataio.Import(aftersales.NewContextWithUser(ctx, agent), db, f, m, "nyc.csv", false, time.Now, nil)
		if aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
			t.Fatalf("agent import: %v", err)
		}
	})
}

func encodeGBK(s string) (string, error) {
	return simplifiedchinese.GBK.NewEncoder().String(s)
}

// A ticket the source calls resolved or closed leaves the backlog even when
// the source gives no usable date for it (CFPB maps no closing date at all,
// Boston has closings before openings, NYC closings in 1900): after each
// built-in mapping's file, backlog and aging count exactly the tickets whose
// status is open, and the resolution rate counts the others.
func TestImportBacklogMatchesStatus(t *testing.T) {
	type tc struct {
		mapping, file string
		// done reads a row's key and whether its source status is resolved
		// or closed; ok is false for rows the importer must reject.
		done func(h map[string]int, r []string) (key string, done, ok bool)
	}
	cases := []tc{
		{"boston311", "boston_311_2015_merged.csv.gz", func(h map[string]int, r []string) (string, bool, bool) {
			return r[h["CASE_ENQUIRY_ID"]], r[h["CASE_STATUS"]] == "Closed", true
		}},
		{"nyc311", "nyc_311_sample_2000_2011.csv", func(h map[string]int, r []string) (string, bool, bool) {
			return r[h["Unique Key"]], r[h["Status"]] == "Closed", true
		}},
		{"servicenow", "servicenow_incident_event_log_first120k.csv.gz", func(h map[string]int, r []string) (string, bool, bool) {
			st := r[h["incident_state"]]
			return r[h["number"]], st == "Resolved" || st == "Closed", true
		}},
		{"cfpb", "cfpb_complaints_sample_6623.csv", func(h map[string]int, r []string) (string, bool, bool) {
			st := r[h["Company response to consumer"]]
			return r[h["Complaint ID"]], strings.HasPrefix(st, "Closed") || st == "Untimely response", true
		}},
		{"cfpb", "cfpb_complaints_2014_8340.csv", func(h map[string]int, r []string) (string, bool, bool) {
			if len(r) != len(h) || r[h["Issue"]] == "" {
				return "", false, false
			}
			st := r[h["Company response"]]
			return r[h["Complaint ID"]], strings.HasPrefix(st, "Closed") || st == "Untimely response", true
		}},
	}
	for _, c := range cases {
		path := SharedData(t, c.file)
		// The last row of a key is its state (ServiceNow logs several).
		done := map[string]bool{}
		readCSV(t, path, func(h map[string]int, r []string) {
			if key, d, ok := c.done(h, r); ok {
				done[key] = d
			}
		})
		var closed int64
		for _, d := range done {
			if d {
				closed++
			}
		}
		open := int64(len(done)) - closed
		for _, e := range Engines() {
			t.Run(c.file+"/"+string(e), func(t *testing.T) {
				db := OpenDB(t, e)
				db.Now = func() time.Time { return importNow }
				ctx, _ := Admin(t, db)
				importFile(t, ctx, db, c.mapping, path, false)
				from, to := time.Date(2008, 1, 1, 0, 0, 0, 0, db.Zone), time.Date(2027, 1, 1, 0, 0, 0, 0, db.Zone)
				if n := db.CountForTest(ctx, `SELECT count(*) FROM tickets WHERE status NOT IN ('resolved', 'closed', 'cancelled')`); n != open {
					t.Fatalf("%d tickets with an open status, the file has %d", n, open)
				}
				catchUp(t, ctx, db)
				backlog, err := db.Metric(ctx, aftersales.MetricQuery{KPI: "backlog", From: from, To: to, Grain: aftersales.GrainQuarter})
				if err != nil {
					t.Fatal(err)
				}
				if backlog.Total.N != open {
					t.Errorf("backlog %d, want the %d tickets whose status is open", backlog.Total.N, open)
				}
				aging, err := db.Aging(ctx, aftersales.AgingQuery{})
				if err != nil {
					t.Fatal(err)
				}
				var aged int64
				for _, r := range aging {
					aged += r.Open
				}
				if aged != open {
					t.Errorf("aging counts %d open tickets, want %d", aged, open)
				}
				rate, err := db.Metric(ctx, aftersales.MetricQuery{KPI: "resolution_rate", From: from, To: to, Grain: aftersales.GrainQuarter})
				if err != nil {
					t.Fatal(err)
				}
				if rate.Total.Num != closed || rate.Total.N != int64(len(done)) {
					t.Errorf("resolution rate %d of %d, want %d of %d", rate.Total.Num, rate.Total.N, closed, len(done))
				}
				t.Logf("%s: %d tickets, %d open, %d resolved or closed", c.file, len(done), open, closed)
			})
		}
	}
}
