package dataio

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"aftersales"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func readAll(t testing.TB, data []byte, m *Mapping) ([]*aftersales.ImportRecord, []aftersales.RowIssue, int) {
	t.Helper()
	src, err := Open(bytes.NewReader(data), Format{Encoding: m.Encoding, Delimiter: m.Delimiter})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	r, err := NewReader(src, m, now)
	if err != nil {
		t.Fatal(err)
	}
	var recs []*aftersales.ImportRecord
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	return recs, r.TakeRejected(), r.Rows()
}

const simple = `{"name": "s", "time_zone": "Asia/Shanghai", "key": {"column": "id"},
  "fields": {"title": {"column": "title", "required": true}, "created_at": {"column": "at", "required": true}}}`

func TestOpenDetectsEncodingAndDelimiter(t *testing.T) {
	m, err := ReadMapping(strings.NewReader(simple))
	if err != nil {
		t.Fatal(err)
	}
	text := "id\ttitle\tat\n1\t空调\"漏水\"\t2026-07-01 09:00\n2\t\"多行\n标题\"\t2026-07-02\n"
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(strings.ReplaceAll(text, "\t", ";"))
	for name, data := range map[string]string{
		"utf-8 tab":      text,
		"utf-8 bom":      "\ufeff" + strings.ReplaceAll(text, "\t", ","),
		"gbk semicolons": gbk,
		"pipes crlf":     strings.ReplaceAll(strings.ReplaceAll(text, "\t", "|"), "\n", "\r\n"),
	} {
		t.Run(name, func(t *testing.T) {
			recs, rej, rows := readAll(t, []byte(data), m)
			if rows != 2 || len(recs) != 2 || len(rej) != 0 {
				t.Fatalf("rows %d recs %d rejected %v", rows, len(recs), rej)
			}
			if recs[0].ExternalID != "s:1" || !strings.HasPrefix(recs[0].Title, "空调") || recs[1].Title != "多行\n标题" {
				t.Fatalf("records %q %q", recs[0].Title, recs[1].Title)
			}
			if got := recs[0].CreatedAt.Format(time.RFC3339); got != "2026-07-01T09:00:00+08:00" {
				t.Fatalf("created %s", got)
			}
		})
	}
}

func TestMappingErrorsNameTheField(t *testing.T) {
	for _, c := range []struct{ json, field string }{
		{`{"name": "x", "key": {"column": "id"}, "fields": {"title": {"column": "t"}}}`, "fields.created_at"},
		{`{"name": "x", "key": {"column": "id"}, "fields": {"title": {"column": "t"}, "created_at": {"column": "c"}, "colour": {"column": "c"}}}`, "fields.colour"},
		{`{"name": "x", "key": {"column": "id"}, "fields": {"title": {"column": "t"}, "created_at": {"column": "c"}, "status": {"column": "s", "map": {"Done": "finished"}}}}`, "fields.status.map.Done"},
		{`{"name": "x", "time_zone": "Mars/Base", "key": {"column": "id"}, "fields": {"title": {"column": "t"}, "created_at": {"column": "c"}}}`, "time_zone"},
		{`{"name": "x", "key": {"column": "id"}, "fieldz": {}}`, "mapping"},
	} {
		_, err := ReadMapping(strings.NewReader(c.json))
		found := false
		for _, f := range aftersales.ErrorFields(err) {
			found = found || f.Field == c.field
		}
		if !found {
			t.Errorf("%s: want an error on %s, got %v", c.json, c.field, aftersales.ErrorFields(err))
		}
	}
	m, _ := ReadMapping(strings.NewReader(simple))
	src, _ := Open(strings.NewReader("id,name,at\n1,x,2026-01-01\n"), Format{})
	_, err := NewReader(src, m, now)
	if fs := aftersales.ErrorFields(err); len(fs) != 1 || fs[0].Field != "fields.title" || !strings.Contains(fs[0].Reason, `"title"`) {
		t.Fatalf("missing column: %v", fs)
	}
}

func TestCleaningHelpers(t *testing.T) {
	for in, want := range map[string]time.Duration{"90": 90 * time.Minute, "90 min": 90 * time.Minute, "1.5 hours": 90 * time.Minute,
		"2h": 2 * time.Hour, "3 days": 72 * time.Hour, "45分钟": 45 * time.Minute, "2小时": 2 * time.Hour, "1天": 24 * time.Hour, "1:30": 90 * time.Minute} {
		if got, err := ParseDuration(in, ""); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "soon", "3 fortnights", "NaN"} {
		if _, err := ParseDuration(bad, ""); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{"+86 138-0013-8000": "13800138000", "0086 13800138000": "13800138000",
		"(010) 6552-9988": "01065529988", "１３８００１３８０００": "13800138000", "+1 617 555 0100": "+16175550100"} {
		if got, ok := aftersales.NormalisePhone(in); !ok || got != want {
			t.Errorf("aftersales.NormalisePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := aftersales.NormalisePhone("12-34"); ok {
		t.Error("a four-digit phone was accepted")
	}
	// Excel stores 2026-07-01 12:00 as 46204.5.
	if got, err := ParseTime("46204.5", []string{"2006-01-02"}, time.UTC); err != nil || !got.Equal(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("Excel serial = %v, %v", got, err)
	}
	a := SimHash("空调不制冷，外机不转，室内机漏水")
	b := SimHash("空调不制冷，外机不转，室内机在漏水")
	c := SimHash("洗衣机脱水时噪音很大，而且门打不开")
	if Distance(a, b) >= Distance(a, c) || Distance(a, b) > 12 {
		t.Errorf("SimHash distances: similar %d, different %d", Distance(a, b), Distance(a, c))
	}
}

func sampleTickets() []*aftersales.Ticket {
	cat, team := int64(3), int64(7)
	res := time.Date(2026, 7, 2, 10, 0, 0, 0, time.UTC)
	return []*aftersales.Ticket{
		{Number: "AS202607-000001", Title: "空调不制冷", Description: "外机不转\n漏水", Channel: aftersales.ChannelPhone,
			Nature: aftersales.NatureRepair, Urgency: aftersales.UrgencyHigh, Status: aftersales.StatusResolved, CategoryID: &cat,
			TeamID: &team, CustomerName: "张三", Tags: []string{"加急", "VIP"}, CreatedAt: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC),
			ResolvedAt: &res, ReopenCount: 1},
		{Number: "AS202607-000002", Title: "咨询保修", Channel: aftersales.ChannelWeb, Nature: aftersales.NatureConsultation,
			Urgency: aftersales.UrgencyNormal, Status: aftersales.StatusNew, CreatedAt: time.Date(2026, 7, 3, 9, 0, 0, 0, time.UTC)},
	}
}

// each hands out ts one at a time, then nil, as Export expects.
func each(ts []*aftersales.Ticket) func() (*aftersales.Ticket, error) {
	return func() (*aftersales.Ticket, error) {
		if len(ts) == 0 {
			return nil, nil
		}
		t := ts[0]
		ts = ts[1:]
		return t, nil
	}
}

// An export reads back through the built-in "aftersales" mapping, in both formats.
func TestExportReadsBack(t *testing.T) {
	names := Names{Category: map[int64]string{3: "空调 > 挂机"}, Team: map[int64]string{7: "一组"}}
	m, err := Builtin("aftersales")
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			ts := sampleTickets()
			var buf bytes.Buffer
			err := Export(&buf, format, names, each(ts))
			if err != nil {
				t.Fatal(err)
			}
			recs, rej, rows := readAll(t, buf.Bytes(), m)
			if rows != 2 || len(rej) != 0 || len(recs) != 2 {
				t.Fatalf("rows %d rejected %v", rows, rej)
			}
			r := recs[0]
			if r.ExternalID != "aftersales:AS202607-000001" || r.Title != "空调不制冷" || r.Description != "外机不转\n漏水" ||
				r.Status != aftersales.StatusResolved || r.Urgency != aftersales.UrgencyHigh || r.Team != "一组" ||
				strings.Join(r.Category, "/") != "空调/挂机" || strings.Join(r.Tags, "/") != "加急/VIP" || r.ReopenCount != 1 ||
				r.ResolvedAt == nil || !r.ResolvedAt.Equal(*ts[0].ResolvedAt) || !r.CreatedAt.Equal(ts[0].CreatedAt) || r.Custom["customer"] != "张三" {
				t.Fatalf("read back %+v", r)
			}
		})
	}
	if err := Export(io.Discard, "pdf", names, nil); aftersales.ErrorCode(err) != aftersales.EINVALID {
		t.Fatalf("pdf: %v", err)
	}
}

// FuzzCSV feeds arbitrary bytes through the reader: it must never panic,
// and every row must be accounted for as a record line or a rejection.
func FuzzCSV(f *testing.F) {
	f.Add([]byte("id,title,at\n1,x,2026-01-01\n"))
	f.Add([]byte("id;title;at\n1;\"a\nb\";2026/1/2 3:04\n2;;\n\"3\";\"x\"\"y\";1900-01-01\n"))
	f.Add([]byte("\ufeffid\ttitle\tat\n1\t\xb2\xe2\xca\xd4\t46204.5\n"))
	f.Add([]byte("\x1f\x8b\x08\x00"))
	m, _ := ReadMapping(strings.NewReader(simple))
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := Open(bytes.NewReader(data), Format{})
		if err != nil {
			return
		}
		defer src.Close()
		r, err := NewReader(src, m, now)
		if err != nil {
			return
		}
		lines := 0
		for {
			rec, err := r.Next()
			if err != nil {
				break
			}
			lines += len(rec.Lines)
		}
		rejected := map[int]bool{}
		for _, i := range r.TakeRejected() {
			rejected[i.Line] = true
		}
		if lines+len(rejected) != r.Rows() {
			t.Fatalf("%d record lines + %d rejected != %d rows", lines, len(rejected), r.Rows())
		}
	})
}

// FuzzXLSX mutates a real workbook: opening and reading must fail cleanly.
func FuzzXLSX(f *testing.F) {
	var buf bytes.Buffer
	Export(&buf, "xlsx", Names{}, each(sampleTickets()))
	f.Add(buf.Bytes())
	m, _ := Builtin("aftersales")
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := Open(bytes.NewReader(data), Format{})
		if err != nil {
			return
		}
		defer src.Close()
		r, err := NewReader(src, m, now)
		if err != nil {
			return
		}
		for {
			if _, err := r.Next(); err != nil {
				return
			}
		}
	})
}

// The closing rule: a resolved, closed or cancelled row without a usable
// date for it keeps its status and is dated at its last known event, the
// latest of updated_at, milestones and history, else its creation, with a
// flag naming the time used. A Chinese complaint file whose mapping has
// no closing column is the common case.
func TestClosingWithoutDate(t *testing.T) {
	m, err := ReadMapping(strings.NewReader(`{"name": "car", "time_zone": "Asia/Shanghai", "key": {"column": "编号"},
		"fields": {"title": {"column": "问题"}, "created_at": {"column": "投诉时间"}, "accepted_at": {"column": "受理时间"},
			"closed_at": {"column": "关闭时间"}, "updated_at": {"column": "更新时间"},
			"status": {"column": "状态", "map": {"处理中": "in_service", "已解决": "resolved", "已关闭": "closed", "已撤销": "cancelled"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	at := func(s string) *time.Time {
		if s == "" {
			return nil
		}
		v, err := time.ParseInLocation("2006-01-02 15:04", s, sh)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	data := "编号,问题,投诉时间,受理时间,关闭时间,更新时间,状态\n" +
		"1,异响,2026-03-01 09:00,2026-03-02 10:00,,2026-03-05 18:00,已关闭\n" + // updated_at is latest
		"2,漏油,2026-03-01 09:00,2026-03-02 10:00,,,已解决\n" + // accepted_at
		"3,刹车,2026-03-01 09:00,,,,已关闭\n" + // nothing but the creation
		"4,天窗,2026-03-01 09:00,,2026-02-01 09:00,,已关闭\n" + // closed before opened: left empty, then dated
		"5,空调,2026-03-01 09:00,,,2026-03-03 12:00,已撤销\n" + // cancelled
		"6,车漆,2026-03-01 09:00,,2026-03-04 09:00,2026-03-05 09:00,已关闭\n" + // has its date: untouched
		"7,异味,2026-03-01 09:00,,,2026-03-05 09:00,处理中\n" // open: untouched
	recs, rej, _ := readAll(t, []byte(data), m)
	if len(recs) != 7 || len(rej) != 0 {
		t.Fatalf("%d records, rejected %+v", len(recs), rej)
	}
	cases := []struct {
		resolved, closed, cancelled *time.Time
		from                        string // the time used, "" when no flag
	}{
		{at("2026-03-05 18:00"), at("2026-03-05 18:00"), nil, FUpdated},
		{at("2026-03-02 10:00"), nil, nil, FAccepted},
		{at("2026-03-01 09:00"), at("2026-03-01 09:00"), nil, FCreated},
		{at("2026-03-01 09:00"), at("2026-03-01 09:00"), nil, FCreated},
		{nil, nil, at("2026-03-03 12:00"), FUpdated},
		{at("2026-03-04 09:00"), at("2026-03-04 09:00"), nil, ""},
		{nil, nil, nil, ""},
	}
	eq := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	for i, c := range cases {
		r := recs[i]
		if !eq(r.ResolvedAt, c.resolved) || !eq(r.ClosedAt, c.closed) || !eq(r.CancelledAt, c.cancelled) {
			t.Errorf("row %d (%s): resolved %v closed %v cancelled %v, want %v %v %v", i+1, r.Status, r.ResolvedAt, r.ClosedAt, r.CancelledAt,
				c.resolved, c.closed, c.cancelled)
		}
		var flag *aftersales.RowIssue
		for _, f := range r.Flags {
			if f.Kind == aftersales.FlagNoClosingDate {
				flag = &f
			}
		}
		switch {
		case c.from == "" && flag != nil:
			t.Errorf("row %d flagged: %+v", i+1, flag)
		case c.from != "" && (flag == nil || !strings.Contains(flag.Reason, "("+c.from+")") || !strings.Contains(flag.Reason, string(r.Status))):
			t.Errorf("row %d: flag %+v, want one naming %s", i+1, flag, c.from)
		}
	}
}

// What an export writes, the "aftersales" mapping reads back unchanged, in
// both formats: number and external id, milliseconds, a target ahead of
// now, a cancellation, custom fields of any JSON type, and the customer's
// phone, email and external id.
func TestExportKeepsEverything(t *testing.T) {
	m, err := Builtin("aftersales")
	if err != nil {
		t.Fatal(err)
	}
	ms := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	cust := int64(9)
	tk := &aftersales.Ticket{Number: "AS202607-000042", ExternalID: "boston311:101001240734", Title: "Pothole", Channel: aftersales.ChannelPhone,
		Nature: aftersales.NatureRepair, Urgency: aftersales.UrgencyLow, Status: aftersales.StatusCancelled, CustomerID: &cust,
		CustomerName: "Ann Lee", CreatedAt: *ms("2026-07-01T09:00:00.123Z"), CancelledAt: ms("2026-07-02T10:11:12.5Z"),
		TargetAt: ms("2027-01-01T00:00:00Z"), Custom: map[string]any{"ward": "Ward 5", "lat": 42.3574, "photo": true,
			"parts": []any{"valve", 2.0}, "note": "say \"hi\", ok"}}
	names := Names{Customer: func(id int64) (*aftersales.Customer, error) {
		if id != cust {
			t.Fatalf("customer %d", id)
		}
		return &aftersales.Customer{ID: id, Name: "Ann Lee", Phone: "+16175550100", Email: "ann@example.com", ExternalID: "crm:77"}, nil
	}}
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			// A customer known by name alone is kept beside the custom fields.
			byName := &aftersales.Ticket{Number: "AS202607-000043", Title: "Graffiti", Status: aftersales.StatusNew, CustomerName: "Bo",
				CreatedAt: tk.CreatedAt, Custom: map[string]any{"ward": "Ward 6"}}
			if err := Export(&buf, format, names, each([]*aftersales.Ticket{tk, byName})); err != nil {
				t.Fatal(err)
			}
			recs, rej, _ := readAll(t, buf.Bytes(), m)
			if len(rej) != 0 || len(recs) != 2 {
				t.Fatalf("rejected %+v", rej)
			}
			if diff := cmp.Diff(map[string]any{"ward": "Ward 6", "customer": "Bo"}, recs[1].Custom); diff != "" || recs[1].CustomerKey != "" {
				t.Errorf("name-only customer (-want +got):\n%s", diff)
			}
			r := recs[0]
			eq := func(a, b *time.Time) bool { return a != nil && b != nil && a.Equal(*b) }
			if r.Number != tk.Number || r.ExternalID != tk.ExternalID || !r.CreatedAt.Equal(tk.CreatedAt) || r.Status != tk.Status ||
				!eq(r.CancelledAt, tk.CancelledAt) || !eq(r.TargetAt, tk.TargetAt) || r.CustomerKey != "id:crm:77" ||
				r.CustomerName != "Ann Lee" || r.CustomerPhone != "+16175550100" || r.CustomerEmail != "ann@example.com" {
				t.Fatalf("read back %+v", r)
			}
			if diff := cmp.Diff(tk.Custom, r.Custom); diff != "" {
				t.Fatalf("custom fields (-exported +read):\n%s", diff)
			}
			for _, f := range r.Flags {
				t.Errorf("flag %+v", f)
			}
		})
	}
}

// FuzzMapping feeds arbitrary JSON to the mapping reader and, when it is
// accepted, a file through it: neither may panic.
func FuzzMapping(f *testing.F) {
	for _, n := range BuiltinNames() {
		b, _ := BuiltinJSON(n)
		f.Add(b, []byte("number,title,created_at,custom,external_id\nAS1,x,2026-01-01T00:00:00Z,\"{\"\"a\"\":1}\",s:1\n"))
	}
	f.Add([]byte(simple), []byte("id,title,at\n1,x,2026-01-01\n"))
	f.Fuzz(func(t *testing.T, mapping, data []byte) {
		m, err := ReadMapping(bytes.NewReader(mapping))
		if err != nil {
			return
		}
		src, err := Open(bytes.NewReader(data), Format{Encoding: m.Encoding, Delimiter: m.Delimiter, Sheet: m.Sheet})
		if err != nil {
			return
		}
		defer src.Close()
		r, err := NewReader(src, m, now)
		if err != nil {
			return
		}
		for {
			if _, err := r.Next(); err != nil {
				return
			}
		}
	})
}

// A bad mapping is named field by field, with the values that would do.
func TestMappingErrorsNameValidValues(t *testing.T) {
	for _, c := range []struct{ mapping, field, reason string }{
		{`{"name": "t", "key": {"colum": "id"}, "fields": {}}`, "mapping", "a field column, any, join, template"},
		{`{"name": "t", "kee": {"column": "id"}}`, "mapping", "a mapping has the keys name, source"},
		{`{"name": "t", "key": {"column": "id"}, "fields": {"title": {"column": "a"}, "created_at": {"column": "b"},
			"urgency": {"column": "u", "map": {"P1": "super"}}}}`, "fields.urgency.map.P1", `"super" is not one of urgent, high, normal, low`},
		{`{"name": "t", "key": {"column": "id"}, "fields": {"title": {"column": "a"}, "created_at": {"column": "b"},
			"channel": {"column": "c", "default": "fax"}}}`, "fields.channel.default", `"fax" is not one of phone, email, web`},
		{`{"name": "t", "key": {"column": "id"}, "fields": {"title": {"column": "a"}, "created_at": {"column": "b"}},
			"history": {"status": {"column": "s", "map": {"Done": "finished"}}, "at": {"column": "t"}}}`, "history.status.map.Done", `"finished" is not one of new, accepted`},
		{`{"name": "t", "key": {"column": "id"}, "fields": {"title": {"column": "a"}, "created_at": {"column": "b"}, "titel": {"column": "c"}}}`,
			"fields.titel", "use one of title, description"},
		{`{"name": "t", "time_zone": "Beijing", "key": {"column": "id"}, "fields": {"title": {"column": "a"}, "created_at": {"column": "b"}}}`,
			"time_zone", "Asia/Shanghai"},
	} {
		_, err := ReadMapping(strings.NewReader(c.mapping))
		found := false
		for _, f := range aftersales.ErrorFields(err) {
			if f.Field == c.field && strings.Contains(f.Reason, c.reason) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: got %v %+v, want %s: ...%s...", c.mapping, err, aftersales.ErrorFields(err), c.field, c.reason)
		}
	}
}
