package console_test

import (
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"

	"github.com/xuri/excelize/v2"
)

var (
	chartBlock = regexp.MustCompile(`<script type="application/json" id="(c-[a-z]+)">(.*?)</script>`)
	tileLink   = regexp.MustCompile(`<a class="tile" id="tile-([a-z0-9_]+)" href="([^"]+)"(?: data-count="(\d+)")?(?: data-of="(\d+)")?(?: data-amount="(\d+)")?`)
	drillSum   = regexp.MustCompile(`id="drill-amount" data-amount="(-?\d+)"`)
	listTotal  = regexp.MustCompile(`id="ticket-total">([\d,]+) tickets<`)
	drillCount = regexp.MustCompile(`id="drill-count">([\d,]+)(?: of ([\d,]+))?( tickets| [a-z -]+, on ([\d,]+) tickets(?: listed)?)?<`)
	chipLabel  = regexp.MustCompile(`<a class="chip" id="chip-([a-z_]+)" href="([^"]+)"[^>]*><span>([^<]*)</span>`)
)

// exportRows counts the rows of a downloaded export, header included.
func exportRows(format, data string) (int, error) {
	if format == "csv" {
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(data, "\ufeff"))).ReadAll()
		return len(recs), err
	}
	f, err := excelize.OpenReader(strings.NewReader(data))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rows, err := f.GetRows("Sheet1")
	return len(rows), err
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

// drillItem is a chart value that links to its tickets.
type drillItem struct {
	chart, url string
	count, of  int64
	// amount is a money KPI's cost in minor units (its list's sum), with
	// no ticket count.
	amount *int64
}

// chartDrills reads the drill-downs of every chart on a page from the
// ECharts options the Go code built.
func chartDrills(t *testing.T, body string) []drillItem {
	t.Helper()
	var out []drillItem
	for _, m := range chartBlock.FindAllStringSubmatch(body, -1) {
		var o struct {
			Series []struct {
				Data []json.RawMessage `json:"data"`
			} `json:"series"`
		}
		if err := json.Unmarshal([]byte(m[2]), &o); err != nil {
			t.Fatalf("%s: %v", m[1], err)
		}
		for _, s := range o.Series {
			for _, raw := range s.Data {
				var it struct {
					URL    string `json:"url"`
					Count  *int64 `json:"count"`
					Of     *int64 `json:"of"`
					Amount *int64 `json:"amount"`
				}
				if json.Unmarshal(raw, &it) != nil || it.URL == "" || it.Count == nil && it.Amount == nil {
					continue
				}
				d := drillItem{chart: m[1], url: it.URL, amount: it.Amount}
				if it.Count != nil {
					d.count = *it.Count
				}
				if it.Of != nil {
					d.of = *it.Of
				}
				out = append(out, d)
			}
		}
	}
	for _, m := range tileLink.FindAllStringSubmatch(body, -1) {
		if m[3] == "" && m[5] == "" {
			continue
		}
		d := drillItem{chart: "tile-" + m[1], url: html.UnescapeString(m[2])}
		if m[3] != "" {
			d.count = atoi(t, m[3])
		}
		if m[4] != "" {
			d.of = atoi(t, m[4])
		}
		if m[5] != "" {
			a := atoi(t, m[5])
			d.amount = &a
		}
		out = append(out, d)
	}
	return out
}

// Every chart and tile on the dashboard drills down to a ticket list
// whose total is the number behind the value clicked (for a rate, the
// tickets on the wrong side of it, of the sample), and the list shows
// the filters that produced it as chips, with names. On the old code the
// links selected tickets by their resolution or creation dates only, so
// the totals disagreed (and the distribution did not link at all).
func TestDrillDownTotalsEqualTheChartValues(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		if _, err := demo.Load(app.Ctx, db.Services(), db, demo.Options{Seed: 7, Tickets: 400, End: time.Now(), Zone: testutil.Shanghai(t)}); err != nil {
			t.Fatal(err)
		}
		for {
			n, err := db.RefreshRollups(app.Ctx, 5000)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		b := newBrowser(t, app, "en")
		b.c.Timeout = time.Minute
		b.login("admin@example.com", "admin-password-1")
		checked := map[string]int{}
		type exportCheck struct {
			list, body string
			total      int64
		}
		exports := map[string]exportCheck{}
		// The list's next page is a working link (html/template used to
		// escape its bare query into one unknown parameter: page one again).
		_, first := b.get("/tickets?open=")
		i := strings.Index(first, `id="next-page"`)
		if i < 0 {
			t.Fatal("no next page on a list of 400 tickets")
		}
		j := strings.LastIndex(first[:i], `href="`) + len(`href="`)
		next := html.UnescapeString(first[j : j+strings.Index(first[j:], `"`)])
		firstRow := regexp.MustCompile(`<a href="/tickets/(\d+)">`)
		if _, second := b.get(next); firstRow.FindString(second) == "" || firstRow.FindString(second) == firstRow.FindString(first) {
			t.Errorf("next page %s starts with %q, page one with %q", next, firstRow.FindString(second), firstRow.FindString(first))
		}

		// The improvement items' evidence charts: a KPI by week in a scope.
		_, board := b.get("/quality/items")
		var itemPages []string
		for _, m := range regexp.MustCompile(`href="(/quality/items/\d+)"`).FindAllStringSubmatch(board, -1) {
			if !slices.Contains(itemPages, m[1]) && len(itemPages) < 3 {
				itemPages = append(itemPages, m[1])
			}
		}
		// A free range by week: its first and last weeks are partial, and so
		// is its last month (the tiles compare it with the same days of
		// the month before).
		now := time.Now().In(testutil.Shanghai(t))
		from := time.Date(now.Year(), now.Month()-3, 1, 0, 0, 0, 0, now.Location())
		to := time.Date(now.Year(), now.Month()-1, 10, 0, 0, 0, 0, now.Location())
		if to.Weekday() == time.Sunday {
			to = to.AddDate(0, 0, 1)
		}
		ranged := "/dashboard?kpi=res_sla&grain=week&from=" + from.Format(time.DateOnly) + "&to=" + to.Format(time.DateOnly)
		if s, body := b.get(ranged); s != 200 || !strings.Contains(body, "Partial: "+to.Format("01")+"-01 to "+to.Format("01-02")+", compared with ") {
			t.Errorf("%s: %d, tile note %q %s", ranged, s, between(body, `tile-meta partial`, "</div>"), between(body, `class="flash`, "</div>"))
		} else {
			var o struct {
				XAxis struct{ Data []string } `json:"xAxis"`
			}
			m := chartBlock.FindAllStringSubmatch(body, -1)
			if len(m) == 0 || json.Unmarshal([]byte(m[0][2]), &o) != nil || len(o.XAxis.Data) < 10 ||
				!strings.HasSuffix(o.XAxis.Data[len(o.XAxis.Data)-1], " (partial)") || strings.Contains(o.XAxis.Data[1], "partial") {
				t.Errorf("%s: weekly trend labels %q, want the last week partial and the middle ones not", ranged, o.XAxis.Data)
			}
		}
		for _, kpi := range append([]string{"res_sla", "resolution_median", "created", "reopen_rate", "complaint_closure", "csat_mean",
			"service_cost", "cost_ratio", "warranty_claim_rate", ranged}, itemPages...) {
			path := "/dashboard?kpi=" + kpi
			if strings.HasPrefix(kpi, "/") {
				path = kpi
			}
			s, body := b.get(path)
			if s != 200 {
				t.Fatalf("%s: %d", path, s)
			}
			perChart := map[string]int{}
			for _, d := range chartDrills(t, body) {
				// Every value of the first KPI; a sample of the others.
				if kpi != "res_sla" && perChart[d.chart] >= 3 {
					continue
				}
				perChart[d.chart]++
				kind := d.chart
				if strings.HasPrefix(d.chart, "tile-") {
					kind = "tile"
				}
				checked[kind]++
				s, list := b.get(d.url)
				if s != 200 {
					t.Errorf("%s %s: %s: %d", kpi, d.chart, d.url, s)
					continue
				}
				m := listTotal.FindStringSubmatch(list)
				if m == nil {
					t.Errorf("%s %s: %s: no total", kpi, d.chart, d.url)
					continue
				}
				// A money value is the cost its tickets incurred in the
				// period: the list adds it up.
				if d.amount != nil {
					checked["amount"]++
					if a := drillSum.FindStringSubmatch(list); a == nil || atoi(t, a[1]) != *d.amount {
						t.Errorf("%s %s: %s: list sum %v, chart's cost %d", kpi, d.chart, d.url, a, *d.amount)
					}
				}
				dc := drillCount.FindStringSubmatch(list)
				if dc != nil && dc[4] != "" {
					// Visits or follow-up tasks: the summary states them,
					// on the tickets listed.
					if atoi(t, dc[1]) != d.count || atoi(t, dc[4]) != atoi(t, m[1]) {
						t.Errorf("%s %s: %s: summary %q over %s tickets, chart counted %d", kpi, d.chart, d.url, dc[0], m[1], d.count)
					}
				} else if d.amount != nil {
					// no ticket count to compare
				} else if got := atoi(t, m[1]); got != d.count {
					t.Errorf("%s %s: %s: list total %d, chart counted %d", kpi, d.chart, d.url, got, d.count)
				} else if d.chart == "c-trend" && perChart[d.chart] == 1 && got > 0 {
					exports[kpi] = exportCheck{list: d.url, total: got, body: list}
				}
				switch {
				case dc == nil:
					t.Errorf("%s %s: %s: no drill-down summary", kpi, d.chart, d.url)
				case d.of != 0 && (dc[2] == "" || atoi(t, dc[2]) != d.of):
					t.Errorf("%s %s: %s: summary %q, want of %d", kpi, d.chart, d.url, dc[0], d.of)
				}
				chips := chipLabel.FindAllStringSubmatch(list, -1)
				got := map[string]string{}
				for _, c := range chips {
					got[c[1]] = html.UnescapeString(c[3])
				}
				if _, ok := got["kpi"]; !ok {
					t.Errorf("%s %s: %s: no chip for the population: %v", kpi, d.chart, d.url, got)
				}
				// Each chip removes its own filter and only that one.
				if c := chips[len(chips)-1]; perChart[d.chart] == 1 {
					s, after := b.get(html.UnescapeString(c[2]))
					var left []string
					for _, m := range chipLabel.FindAllStringSubmatch(after, -1) {
						left = append(left, m[1])
					}
					if s != 200 || len(left) != len(chips)-1 || slices.Contains(left, c[1]) {
						t.Errorf("%s %s: removing chip %s: %d, chips left %v of %d", kpi, d.chart, c[1], s, left, len(chips))
					}
				}
				for name, label := range got {
					if strings.Contains(label, "#") || strings.Contains(label, "!") {
						t.Errorf("%s %s: chip %s reads %q: an id or a missing message", kpi, d.chart, name, label)
					}
				}
			}
		}
		// The list's downloads hold the same tickets: one row each.
		if len(exports) == 0 {
			t.Error("no drill-down list to export")
		}
		for kpi, e := range exports {
			i := strings.Index(e.body, `id="export-csv"`)
			j := strings.LastIndex(e.body[:i], `href="`) + len(`href="`)
			csvURL := html.UnescapeString(e.body[j : j+strings.Index(e.body[j:], `"`)])
			for _, format := range []string{"csv", "xlsx"} {
				u := strings.Replace(csvURL, "/tickets.csv?", "/tickets."+format+"?", 1)
				req, _ := http.NewRequest("GET", b.base+u, nil)
				s, data, h := b.do(req)
				want := "_kpi-" + must(url.ParseQuery(strings.SplitN(u, "?", 2)[1])).Get("kpi") + "_"
				if s != 200 || !strings.Contains(h.Get("Content-Disposition"), want) {
					t.Errorf("%s %s export %s: %d %q", kpi, format, u, s, h.Get("Content-Disposition"))
					continue
				}
				rows, err := exportRows(format, data)
				if err != nil || int64(rows) != e.total+1 {
					t.Errorf("%s %s export of %s: %d rows (%v), want %d tickets and the header", kpi, format, e.list, rows, err, e.total)
				}
			}
		}
		for _, kind := range []string{"tile", "c-trend", "c-techs", "c-pareto", "c-heat", "c-dist", "c-stages", "c-evidence", "amount"} {
			if checked[kind] == 0 {
				t.Errorf("no drill-down of %s was checked: %v", kind, checked)
			}
		}
	})
}
