package textan

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// purity is the share of documents whose cluster's majority label is their
// own label (Manning et al., Introduction to Information Retrieval, 16.3).
func purity(assign []int, labels []string) float64 {
	counts := map[int]map[string]int{}
	n := 0
	for i, c := range assign {
		if c < 0 {
			continue
		}
		n++
		if counts[c] == nil {
			counts[c] = map[string]int{}
		}
		counts[c][labels[i]]++
	}
	hit := 0
	for _, m := range counts {
		best := 0
		for _, v := range m {
			best = max(best, v)
		}
		hit += best
	}
	if n == 0 {
		return 0
	}
	return float64(hit) / float64(n)
}

// plantedDocs generates complaints from four planted topics: each document
// takes 3 to 5 words of its topic and 2 words of a vocabulary shared by all.
func plantedDocs(n int, seed uint64) (docs [][]string, labels []string) {
	topics := map[string][]string{
		"cooling":  {"空调", "制冷", "不制冷", "温度", "压缩机", "外机", "冷气"},
		"delivery": {"物流", "快递", "配送", "延迟", "包裹", "送货", "签收"},
		"refund":   {"退款", "退货", "发票", "金额", "到账", "审核", "退钱"},
		"install":  {"安装", "师傅", "上门", "预约", "打孔", "支架", "安装费"},
	}
	shared := []string{"客服", "电话", "处理", "问题", "希望", "尽快", "联系", "今天"}
	names := []string{"cooling", "delivery", "install", "refund"}
	rng := rand.New(rand.NewPCG(seed, 2))
	for i := 0; i < n; i++ {
		name := names[i%len(names)]
		words := topics[name]
		var d []string
		for j := 0; j < 3+rng.IntN(3); j++ {
			d = append(d, words[rng.IntN(len(words))])
		}
		for j := 0; j < 2; j++ {
			d = append(d, shared[rng.IntN(len(shared))])
		}
		docs = append(docs, d)
		labels = append(labels, name)
	}
	return docs, labels
}

func TestClusterPlantedTopics(t *testing.T) {
	docs, labels := plantedDocs(400, 7)
	cfg := DefaultClusterConfig()
	res, err := Cluster(docs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Silhouette must find the number of planted topics on its own.
	if res.K != 4 {
		t.Fatalf("k = %d, want 4 (scores %v)", res.K, res.Scores)
	}
	if p := purity(res.Assign, labels); p < 0.99 {
		t.Errorf("purity %.3f, want ≥ 0.99", p)
	}
	total := 0
	for _, tp := range res.Topics {
		total += tp.Size
		if len(tp.Docs) != tp.Size || len(tp.Examples) != cfg.Examples || len(tp.Terms) == 0 {
			t.Errorf("topic %v: size %d, docs %d, examples %d", tp.Terms, tp.Size, len(tp.Docs), len(tp.Examples))
		}
	}
	if total != len(docs) {
		t.Errorf("sizes sum to %d, want %d", total, len(docs))
	}
	// The same input gives the same clustering.
	again, err := Cluster(docs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res, again); diff != "" {
		t.Errorf("second run differs (-first +second):\n%s", diff)
	}
}

func TestClusterSmallInputs(t *testing.T) {
	cfg := DefaultClusterConfig()
	tests := []struct {
		name   string
		docs   [][]string
		k      int
		assign []int
	}{
		{"none", nil, 0, []int{}},
		{"no terms", [][]string{{"好"}, {}}, 0, []int{-1, -1}},
		{"two docs one topic", [][]string{{"空调", "制冷"}, {"空调", "制冷"}, {"好"}}, 1, []int{0, 0, -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Cluster(tt.docs, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.K != tt.k {
				t.Errorf("k = %d, want %d", res.K, tt.k)
			}
			if diff := cmp.Diff(tt.assign, res.Assign); diff != "" {
				t.Errorf("assign (-want +got):\n%s", diff)
			}
		})
	}
	bad := cfg
	bad.KMin = 0
	if _, err := Cluster(nil, bad); err == nil || !strings.Contains(err.Error(), "k range") {
		t.Errorf("k_min 0: err = %v, want a k range error", err)
	}
}

func TestMatchTopicsKeepsIdentity(t *testing.T) {
	docs, _ := plantedDocs(400, 7)
	first, err := Cluster(docs, DefaultClusterConfig())
	if err != nil {
		t.Fatal(err)
	}
	// A later period: other documents from the same topics, in another order.
	later, _ := plantedDocs(300, 99)
	second, err := Cluster(later[1:], DefaultClusterConfig())
	if err != nil {
		t.Fatal(err)
	}
	sig := func(c Clustering) []TopicSignature {
		var out []TopicSignature
		for _, tp := range c.Topics {
			out = append(out, TopicSignature(tp.Terms))
		}
		return out
	}
	m := MatchTopics(sig(first), sig(second), 0.5)
	for j, i := range m {
		if i < 0 {
			t.Fatalf("topic %v of the second run matched nothing", second.Topics[j].Terms)
		}
		// Matched topics share their heaviest term's topic vocabulary.
		if got, want := TopicName(first.Topics[i].Terms[:1]), TopicName(second.Topics[j].Terms); !strings.Contains(strings.Join(termList(second.Topics[j].Terms), " "), got) {
			t.Errorf("stored %q matched new %q", got, want)
		}
	}
	// A topic that vanished matches nothing new.
	gone := []TopicSignature{{{Term: "发票", Score: 1}}}
	fresh := []TopicSignature{{{Term: "空调", Score: 1}}}
	if got := MatchTopics(gone, fresh, 0.5); !cmp.Equal(got, []int{-1}) {
		t.Errorf("unrelated topics matched: %v", got)
	}
}

func termList(ks []Keyword) []string {
	var out []string
	for _, k := range ks {
		out = append(out, k.Term)
	}
	return out
}

func TestTopicName(t *testing.T) {
	tests := []struct {
		terms []Keyword
		want  string
	}{
		{[]Keyword{{Term: "空调"}, {Term: "不制冷"}, {Term: "温度"}}, "空调不制冷"},
		{[]Keyword{{Term: "kfr-35gw"}, {Term: "空调"}}, "kfr-35gw 空调"},
		{[]Keyword{{Term: "refund"}}, "refund"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := TopicName(tt.terms); got != tt.want {
			t.Errorf("TopicName(%v) = %q, want %q", tt.terms, got, tt.want)
		}
	}
}

// TestClusterOnlineShopping clusters real reviews of ten product categories
// (../shared/data/online_shopping_10_cats.csv, 300 per category, the first
// in file order) with k fixed at 10 and reports the purity against the cat
// column (measured 0.634). The floor is set below the measured value (see the log) so a
// regression in the features or the k-means shows.
func TestClusterOnlineShopping(t *testing.T) {
	texts, cats := readCSV(t, "online_shopping_10_cats.csv", "review", "cat")
	per := map[string]int{}
	seg := NewSegmenter()
	stop := DefaultStopwords()
	var docs [][]string
	var labels []string
	for i, text := range texts {
		if per[cats[i]] >= 300 {
			continue
		}
		per[cats[i]]++
		terms, err := seg.Terms(text, stop)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, terms)
		labels = append(labels, cats[i])
	}
	cfg := DefaultClusterConfig()
	cfg.KMin, cfg.KMax = 10, 10
	res, err := Cluster(docs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := purity(res.Assign, labels)
	t.Logf("online_shopping_10_cats, %d reviews, k=10: purity %.3f", len(docs), p)
	for _, tp := range res.Topics {
		t.Logf("  %4d %s", tp.Size, strings.Join(termList(tp.Terms), " "))
	}
	if p < purityFloor {
		t.Errorf("purity %.3f, want ≥ %.2f", p, purityFloor)
	}
}

// Measured 0.634 (2026-12-07).
const purityFloor = 0.60
