package topics_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
	"aftersales/internal/textan"
	"aftersales/internal/topics"

	"github.com/google/go-cmp/cmp"
)

// complaints are generated from three planted topics; each text is four
// words of its topic's vocabulary and a shared filler.
var planted = map[string][]string{
	"cool":     {"空调", "制冷", "压缩机", "外机", "温度", "冷气"},
	"delivery": {"物流", "快递", "配送", "包裹", "送货", "签收"},
	"refund":   {"退款", "退货", "发票", "金额", "到账", "审核"},
}

func makeComplaints(t *testing.T, ctx context.Context, db *sqlstore.DB, n int, seed uint64) map[int64]string {
	t.Helper()
	c := MustCustomer(t, ctx, db, "投诉客户")
	names := []string{"cool", "delivery", "refund"}
	rng := rand.New(rand.NewPCG(seed, 3))
	truth := map[int64]string{}
	for i := range n {
		name := names[i%3]
		ph := planted[name]
		var words []string
		for range 4 {
			words = append(words, ph[rng.IntN(len(ph))])
		}
		text := strings.Join(words, "，") + "，希望尽快处理"
		in := TicketInput(c.ID, text)
		nat := aftersales.NatureComplaint
		in.Nature = &nat
		tk, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		truth[tk.ID] = name
	}
	return truth
}

func newService(db *sqlstore.DB, seg *textan.Segmenter) *topics.Service {
	return &topics.Service{Store: db, Tickets: db, Items: db, Seg: seg, Stop: textan.DefaultStopwords(),
		Zone: time.FixedZone("CST", 8*3600), Now: db.Now}
}

// TestRunKeepsTopicIdentity clusters generated complaints, then clusters
// again after more arrive: each topic keeps its id and name, the sizes sum
// to the clustered tickets, and the ticket list filtered by a topic in the
// same scope counts exactly its size.
func TestRunKeepsTopicIdentity(t *testing.T) {
	seg := textan.NewSegmenter()
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		svc := newService(db, seg)
		truth := makeComplaints(t, ctx, db, 60, 1)
		scope := aftersales.TicketFilter{Nature: []aftersales.Nature{aftersales.NatureComplaint}}
		first, err := svc.RunTopics(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		if first.K != 3 || first.Clustered != 60 || first.Criterion != "silhouette" {
			t.Fatalf("first run: k %d, clustered %d, criterion %q (scores %v)", first.K, first.Clustered, first.Criterion, first.Scores)
		}
		names := map[int64]string{}
		for _, tp := range first.Topics {
			names[tp.ID] = tp.Name
			page, err := db.ListTickets(ctx, aftersales.TicketFilter{Nature: scope.Nature, TopicID: tp.ID, Count: true, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			if page.Total == nil || int(*page.Total) != tp.Size {
				t.Errorf("topic %q: list total %v, size %d", tp.Name, page.Total, tp.Size)
			}
			// Every ticket of a topic comes from one planted topic.
			labels := map[string]bool{}
			for _, tk := range page.Tickets {
				labels[truth[tk.ID]] = true
			}
			if len(labels) != 1 {
				t.Errorf("topic %q mixes planted topics %v", tp.Name, labels)
			}
			if len(tp.Examples) == 0 || len(tp.Trend) == 0 {
				t.Errorf("topic %q: %d examples, %d trend points", tp.Name, len(tp.Examples), len(tp.Trend))
			}
		}
		makeComplaints(t, ctx, db, 30, 2)
		second, err := svc.RunTopics(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		if second.Clustered != 90 {
			t.Errorf("second run clustered %d, want 90", second.Clustered)
		}
		for _, tp := range second.Topics {
			if names[tp.ID] != tp.Name {
				t.Errorf("second run: topic %d %q, first run had %q", tp.ID, tp.Name, names[tp.ID])
			}
		}
		if len(second.Topics) != len(first.Topics) {
			t.Errorf("second run has %d topics, first %d", len(second.Topics), len(first.Topics))
		}
		// An improvement item from a topic links the topic's tickets.
		tp := second.Topics[0]
		item, err := svc.OpenTopicItem(ctx, tp.ID, scope, func(r *aftersales.TopicRecord, n int) (string, string) {
			return "投诉主题：" + r.Name, fmt.Sprint(n)
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(item.Tickets) != tp.Size || item.Source != aftersales.SourceComplaints || !strings.Contains(item.Title, tp.Name) {
			t.Errorf("item: %d tickets (want %d), source %q, title %q", len(item.Tickets), tp.Size, item.Source, item.Title)
		}
	})
}

// TestDictionaryChangesSegmentation stores a fault term and checks that the
// product's segmenter cuts a ticket text with it, and stops when the word
// is deleted (the stamp tells the service to reload).
func TestDictionaryChangesSegmentation(t *testing.T) {
	seg := textan.NewSegmenter()
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		svc := newService(db, seg)
		text := "客户反映外机噪音很大"
		terms := func() []string {
			if err := svc.SyncDictionary(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := seg.Terms(text, nil)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		before := terms()
		if slices.Contains(before, "外机噪音") {
			t.Fatalf("外机噪音 already one word: %v", before)
		}
		w, err := db.CreateDictWord(ctx, aftersales.DictWordInput{Word: "外机噪音", Kind: "fault"})
		if err != nil {
			t.Fatal(err)
		}
		if with := terms(); !slices.Contains(with, "外机噪音") {
			t.Errorf("with the dictionary word: %v", with)
		}
		if err := db.DeleteDictWord(ctx, w.ID); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, terms()); diff != "" {
			t.Errorf("after the word was deleted (-before +after):\n%s", diff)
		}
	})
}
