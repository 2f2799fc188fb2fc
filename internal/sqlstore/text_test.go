package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/jobs"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
	"aftersales/internal/textan"

	"github.com/google/go-cmp/cmp"
)

// One segmenter for the package's tests: the dictionary loads once.
var (
	testSegOnce sync.Once
	testSeg     *textan.Segmenter
)

func analyser(t *testing.T) *textan.Analyser {
	t.Helper()
	testSegOnce.Do(func() {
		testSeg = textan.NewSegmenter()
		// The domain words the tests speak of (the dictionary editor's job
		// in the product).
		if err := testSeg.AddWords(textan.Word{Text: "物流延迟"}, textan.Word{Text: "不制冷"}); err != nil {
			panic(err)
		}
	})
	return textan.NewAnalyser(testSeg)
}

func analyseAll(t *testing.T, ctx context.Context, db *sqlstore.DB) int {
	t.Helper()
	n, err := jobs.AnalyseAllTexts(ctx, db, analyser(t))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTextAnalysis stores keywords and sentiment per ticket and customer
// message, keeps document frequencies in step when a message changes a
// ticket's text, feeds negative_share, and drills from a term to its
// tickets.
func TestTextAnalysis(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		cust := MustCustomer(t, ctx, db, "文本客户")
		neg := MustTicket(t, ctx, db, cust.ID, "空调不制冷，非常失望")
		pos := MustTicket(t, ctx, db, cust.ID, "空调修好了")
		if n := analyseAll(t, ctx, db); n != 2 {
			t.Fatalf("analysed %d tickets, want 2", n)
		}
		if n := analyseAll(t, ctx, db); n != 0 {
			t.Fatalf("a second pass analysed %d tickets, want 0 (nothing changed)", n)
		}
		tx, err := db.TicketText(ctx, neg.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tx.Polarity != -1 || tx.Method != "lexicon" || len(tx.Keywords) == 0 {
			t.Fatalf("negative ticket: %+v", tx)
		}
		px, err := db.TicketText(ctx, pos.ID)
		if err != nil {
			t.Fatal(err)
		}
		if px.Polarity != 1 {
			t.Fatalf("positive ticket: %+v", px)
		}
		day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		q := aftersales.TextQuery{From: day, To: day.AddDate(0, 0, 1)}
		top, err := db.TopTerms(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		// 空调 is in both tickets, and so is 描述 (the fixture's
		// descriptions); ties sort by term.
		if top.Analysed != 2 || len(top.Terms) < 2 || top.Terms[1] != (aftersales.TermCount{Term: "空调", Tickets: 2, Share: 1}) {
			t.Fatalf("top terms: %+v", top)
		}
		docs, df, err := db.TextDF(ctx, []string{"空调", "失望", "不制冷"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int{"空调": 2, "失望": 1, "不制冷": 1}, df); diff != "" || docs != 2 {
			t.Fatalf("df docs %d, counts (-want +got):\n%s", docs, diff)
		}
		negShare := func() float64 {
			t.Helper()
			if _, err := db.RefreshRollups(ctx, 1000); err != nil {
				t.Fatal(err)
			}
			res, err := db.Metric(ctx, aftersales.MetricQuery{KPI: "negative_share", From: day, To: day.AddDate(0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total.Value == nil {
				t.Fatalf("negative_share has no value: %+v", res)
			}
			return *res.Total.Value
		}
		if got := negShare(); got != 50 {
			t.Fatalf("negative_share = %v, want 50", got)
		}

		// A customer message read by the job before it committed: the
		// stored analysis must not drop the ticket from the queue.
		src, err := db.PendingTexts(ctx, 10)
		if err != nil || len(src) != 0 {
			t.Fatalf("pending %v, %v", src, err)
		}
		clock.Advance(time.Hour)
		if _, err := db.AddComment(ctx, pos.ID, aftersales.CommentInput{Body: "又坏了，太失望了，要投诉", FromCustomer: true, Channel: "phone"}); err != nil {
			t.Fatal(err)
		}
		src, err = db.PendingTexts(ctx, 10)
		if err != nil || len(src) != 1 || len(src[0].Messages) != 1 {
			t.Fatalf("pending after a message: %+v, %v", src, err)
		}
		if _, err := db.AddComment(ctx, pos.ID, aftersales.CommentInput{Body: "还是不制冷", FromCustomer: true, Channel: "phone"}); err != nil {
			t.Fatal(err)
		}
		a := analyser(t)
		terms, err := a.Terms(textan.CustomerText(src[0]))
		if err != nil {
			t.Fatal(err)
		}
		stale, err := a.Analyse(src[0], terms, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveTextAnalyses(ctx, []aftersales.TextAnalysis{stale}); err != nil {
			t.Fatal(err)
		}
		if n := analyseAll(t, ctx, db); n != 1 {
			t.Fatalf("the ticket changed after it was read: analysed %d again, want 1", n)
		}
		px, err = db.TicketText(ctx, pos.ID)
		if err != nil {
			t.Fatal(err)
		}
		if px.Polarity != -1 || len(px.Messages) != 2 || px.Messages[0].Polarity != -1 {
			t.Fatalf("after the complaints: %+v", px)
		}
		if got := negShare(); got != 100 {
			t.Fatalf("negative_share = %v, want 100 after the messages", got)
		}
		docs, df, err = db.TextDF(ctx, []string{"空调", "失望", "不制冷", "投诉"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int{"空调": 2, "失望": 2, "不制冷": 2, "投诉": 1}, df); diff != "" || docs != 2 {
			t.Fatalf("df after re-analysis: docs %d (-want +got):\n%s", docs, diff)
		}
		// The drill-down: the term's tickets, as many as the term counts.
		page, err := db.ListTickets(ctx, aftersales.TicketFilter{Term: "失望", Count: true, CreatedFrom: &q.From, CreatedTo: &q.To})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total == nil || *page.Total != 2 {
			t.Fatalf("tickets with 失望: %+v", page.Total)
		}
		// negative_share drills down to the tickets it counted, and alert
		// rules take it like any rate.
		counted, err := db.ListTickets(ctx, aftersales.TicketFilter{Count: true, Counted: &aftersales.CountedFilter{Measure: "text_negative", Bin: -1, From: &q.From, To: &q.To}})
		if err != nil {
			t.Fatal(err)
		}
		if counted.Total == nil || *counted.Total != 2 {
			t.Fatalf("negative tickets counted: %v", counted.Total)
		}
		rule := &aftersales.AlertRule{KPI: "negative_share", Grain: aftersales.GrainWeek, Threshold: Ptr(30.0), Active: true}
		if err := db.SaveAlertRule(ctx, rule); err != nil {
			t.Fatalf("alert rule on negative_share: %v", err)
		}
		// Rollups computed from scratch agree with the maintained ones.
		check, err := db.RecomputeRollups(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if check.Differences != 0 {
			t.Fatalf("recompute: %+v", check)
		}
		trend, err := db.SentimentTrend(ctx, aftersales.TextQuery{From: day, To: day.AddDate(0, 0, 1), Grain: aftersales.GrainDay})
		if err != nil {
			t.Fatal(err)
		}
		if len(trend) != 1 || trend[0].Analysed != 2 || trend[0].Negative != 2 || trend[0].NegativeShare == nil || *trend[0].NegativeShare != 1 {
			t.Fatalf("trend: %+v", trend)
		}
	})
}

// TestTextVisibility: a technician sees the text of the tickets of the team
// only, in the analysis of one ticket and in the term counts.
func TestTextVisibility(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		team, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "t1", Name: "一组"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "t2", Name: "二组"})
		if err != nil {
			t.Fatal(err)
		}
		agent := MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, &team.ID)
		cust := MustCustomer(t, ctx, db, "客户")
		in := TicketInput(cust.ID, "物流延迟，很生气")
		in.TeamID = &other.ID
		hidden, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		analyseAll(t, ctx, db)
		actx := aftersales.NewContextWithUser(context.Background(), agent)
		if _, err := db.TicketText(actx, hidden.ID); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Fatalf("another team's ticket text: %v, want ENOTFOUND", err)
		}
		day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		top, err := db.TopTerms(actx, aftersales.TextQuery{From: day, To: day.AddDate(0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if top.Analysed != 0 || len(top.Terms) != 0 {
			t.Fatalf("agent sees %+v, want nothing", top)
		}
		if _, err := db.TopTerms(ctx, aftersales.TextQuery{From: day, To: day, Filter: aftersales.DimRegion, Value: "x"}); err == nil ||
			!strings.Contains(fmt.Sprint(aftersales.ErrorFields(err)), "to") {
			t.Fatalf("bad query: %v", err)
		}
	})
}

// TestRisingTermOpensItem: on generated tickets where 物流延迟 rises in
// one region from one week to the next, a rising-term rule on that region
// opens one improvement item with the term's tickets of the week linked;
// a second sweep adds nothing, and the same rule on a region where the
// term stays flat opens nothing.
func TestRisingTermOpensItem(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		// Monday 2026-03-02 00:00 in Shanghai.
		start := time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC)
		clock := NewClock(start)
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		cust := MustCustomer(t, ctx, db, "物流客户")
		south, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "sw", Name: "西南大区"})
		if err != nil {
			t.Fatal(err)
		}
		north, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "nr", Name: "华北大区"})
		if err != nil {
			t.Fatal(err)
		}
		others := []string{"空调不制冷", "洗衣机异响", "冰箱漏水", "热水器不加热", "电视黑屏"}
		// week: 0 the previous week, 1 the last complete one; per region
		// 20 tickets, of which late mention 物流延迟.
		var late1 []int64
		for week, late := range map[int][2]int{0: {1, 2}, 1: {12, 2}} {
			for r, unit := range []*aftersales.ServiceUnit{south, north} {
				for i := range 20 {
					title := others[i%len(others)] + "，请尽快处理"
					if i < late[r] {
						title = others[i%len(others)] + "，物流延迟"
					}
					in := TicketInput(cust.ID, title)
					in.ServiceUnitID = &unit.ID
					clock.Advance(start.Add(time.Duration(week)*7*24*time.Hour + time.Duration(r*20+i+1)*time.Minute).Sub(clock.Now()))
					tk, err := db.CreateTicket(ctx, in)
					if err != nil {
						t.Fatal(err)
					}
					if week == 1 && r == 0 && i < late[r] {
						late1 = append(late1, tk.ID)
					}
				}
			}
		}
		analyseAll(t, ctx, db)
		// Wednesday of the week after: the last complete week is week 1.
		clock.Advance(start.Add(16 * 24 * time.Hour).Sub(clock.Now()))
		rules := map[string]*aftersales.TermAlertRule{
			"south": {Dim: aftersales.DimRegion, Value: fmt.Sprint(south.ID), Grain: aftersales.GrainWeek, Active: true},
			"north": {Dim: aftersales.DimRegion, Value: fmt.Sprint(north.ID), Grain: aftersales.GrainWeek, Active: true},
		}
		for _, r := range rules {
			if err := db.SaveTermAlertRule(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		n, err := db.SweepTermAlerts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("sweep recorded %d rising terms, want 1", n)
		}
		items, err := db.ImprovementItems(ctx, aftersales.ItemFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 || !strings.Contains(items[0].Title, "物流延迟") || items[0].Source != "alert" ||
			items[0].Dim != aftersales.DimRegion || items[0].Value != fmt.Sprint(south.ID) {
			t.Fatalf("items: %+v", items)
		}
		d, err := db.ImprovementItem(ctx, items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(late1, d.Tickets); diff != "" {
			t.Fatalf("linked tickets (-want +got):\n%s", diff)
		}
		if len(d.Evidence) != 1 || d.Evidence[0].Rule != "rising_term" || !strings.Contains(d.Evidence[0].Tickets, "term=") {
			t.Fatalf("evidence: %+v", d.Evidence)
		}
		if n, err := db.SweepTermAlerts(ctx); err != nil || n != 0 {
			t.Fatalf("second sweep: %d, %v", n, err)
		}
		// Top terms leave out the words of more than half of the company's
		// tickets (描述 of the fixture's descriptions, 处理), not the rest.
		top, err := db.TopTerms(ctx, aftersales.TextQuery{From: start, To: start.Add(14 * 24 * time.Hour), Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		shown := map[string]int{}
		for _, x := range top.Terms {
			shown[x.Term] = x.Tickets
		}
		if _, ok := shown["描述"]; ok || shown["物流延迟"] != 17 || top.Analysed != 80 {
			t.Fatalf("top terms of %d tickets: %v", top.Analysed, shown)
		}
		if _, ok := shown["处理"]; ok {
			t.Fatalf("处理 (in 63 of 80 tickets) is listed: %v", shown)
		}
		// The API's view of the same weeks agrees.
		res, err := db.RisingTerms(ctx, aftersales.TextQuery{From: start.Add(7 * 24 * time.Hour), To: start.Add(14 * 24 * time.Hour),
			Filter: aftersales.DimRegion, Value: fmt.Sprint(south.ID)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Terms) != 1 || res.Terms[0].Term != "物流延迟" || res.Terms[0].After != 12 || res.Terms[0].Before != 1 || !(res.Terms[0].Q <= 0.05) {
			t.Fatalf("rising terms: %+v", res)
		}
	})
}

// TestTextStaleAnalysis: an analysis of an older text that reaches the
// store after the newer text's analysis was stored (another pass, another
// instance) stores nothing: the newer keywords, terms and frequencies stay,
// and the ticket leaves the queue once, for the newer text.
func TestTextStaleAnalysis(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		cust := MustCustomer(t, ctx, db, "文本客户")
		tk := MustTicket(t, ctx, db, cust.ID, "空调修好了，很满意")
		src, err := db.PendingTexts(ctx, 10)
		if err != nil || len(src) != 1 {
			t.Fatalf("pending %+v, %v", src, err)
		}
		a := analyser(t)
		terms, err := a.Terms(textan.CustomerText(src[0]))
		if err != nil {
			t.Fatal(err)
		}
		stale, err := a.Analyse(src[0], terms, nil)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if _, err := db.UpdateTicket(ctx, tk.ID, tk.Version, aftersales.TicketInput{Title: Ptr("物流延迟，非常失望"), Description: Ptr("物流延迟，太失望了")}); err != nil {
			t.Fatal(err)
		}
		if n := analyseAll(t, ctx, db); n != 1 {
			t.Fatalf("analysed %d, want 1", n)
		}
		want, err := db.TicketText(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, wantDF, err := db.TextDF(ctx, append(terms, "物流延迟", "失望"))
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		n, err := db.SaveTextAnalyses(ctx, []aftersales.TextAnalysis{stale})
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("stored %d stale analyses, want 0", n)
		}
		got, err := db.TicketText(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("the older text's analysis replaced the newer one (-want +got):\n%s", diff)
		}
		_, gotDF, err := db.TextDF(ctx, append(terms, "物流延迟", "失望"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantDF, gotDF); diff != "" {
			t.Errorf("document frequencies moved by a stale analysis (-want +got):\n%s", diff)
		}
		if got.Polarity != -1 {
			t.Errorf("polarity %d, want -1 (the newer text's)", got.Polarity)
		}
	})
}

// savesRecorder is the store with the size of each SaveTextAnalyses call
// (one write transaction each) recorded.
type savesRecorder struct {
	*sqlstore.DB
	sizes []int
}

func (s *savesRecorder) SaveTextAnalyses(ctx context.Context, as []aftersales.TextAnalysis) (int, error) {
	s.sizes = append(s.sizes, len(as))
	return s.DB.SaveTextAnalyses(ctx, as)
}

// TestTextWritesBounded: one analysis pass over more tickets than a write
// batch stores them in transactions of at most jobs.TextWriteBatch tickets
// (the desk's writes wait for one of them at most), and stores them all.
func TestTextWritesBounded(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		cust := MustCustomer(t, ctx, db, "文本客户")
		tickets := 2*jobs.TextWriteBatch + 1
		for i := range tickets {
			MustTicket(t, ctx, db, cust.ID, fmt.Sprintf("空调不制冷 %d", i))
		}
		rec := &savesRecorder{DB: db}
		n, err := jobs.AnalyseTexts(ctx, rec, analyser(t), jobs.TextBatch)
		if err != nil {
			t.Fatal(err)
		}
		if n != tickets {
			t.Errorf("stored %d analyses, want %d", n, tickets)
		}
		want := []int{jobs.TextWriteBatch, jobs.TextWriteBatch, 1}
		if diff := cmp.Diff(want, rec.sizes); diff != "" {
			t.Errorf("write transactions' sizes (-want +got):\n%s", diff)
		}
		if left, err := db.PendingTexts(ctx, 10); err != nil || len(left) != 0 {
			t.Errorf("still queued: %d, %v", len(left), err)
		}
	})
}
