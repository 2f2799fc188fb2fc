package textan

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var approx = cmpopts.EquateApprox(0, 1e-9)

func TestScoreHandComputed(t *testing.T) {
	// truth a a a b b c, predicted a a b b c c.
	classes := []string{"a", "b", "c"}
	m, err := Score(classes, []int{0, 0, 0, 1, 1, 2}, []int{0, 0, 1, 1, 2, 2})
	if err != nil {
		t.Fatal(err)
	}
	want := Metrics{
		N: 6, Accuracy: 4.0 / 6, Classes: classes,
		Confusion: [][]int{{2, 1, 0}, {0, 1, 1}, {0, 0, 1}},
		PerClass: map[string]ClassMetrics{
			"a": {Precision: 1, Recall: 2.0 / 3, F1: 0.8, Support: 3},
			"b": {Precision: 0.5, Recall: 0.5, F1: 0.5, Support: 2},
			"c": {Precision: 0.5, Recall: 1, F1: 2.0 / 3, Support: 1},
		},
		MacroF1: (0.8 + 0.5 + 2.0/3) / 3,
	}
	if diff := cmp.Diff(want, m, approx); diff != "" {
		t.Errorf("Score (-want +got):\n%s", diff)
	}
	// A class never predicted: precision 0, F1 0, no division by zero.
	m, _ = Score([]string{"x", "y"}, []int{0, 1}, []int{0, 0})
	if got := m.PerClass["y"]; got != (ClassMetrics{Support: 1}) {
		t.Errorf("never predicted class: %+v", got)
	}
	if _, err := Score(classes, []int{0}, []int{0, 1}); err == nil {
		t.Error("lengths differ: no error")
	}
}

func TestStratifiedFolds(t *testing.T) {
	// 3 classes of 10, 7 and 3 members into 3 folds.
	var y []int
	for c, n := range []int{10, 7, 3} {
		for range n {
			y = append(y, c)
		}
	}
	folds, err := StratifiedFolds(y, 3, 42)
	if err != nil {
		t.Fatal(err)
	}
	per := map[[2]int]int{}
	size := make([]int, 3)
	for i, f := range folds {
		per[[2]int{y[i], f}]++
		size[f]++
	}
	for c, n := range []int{10, 7, 3} {
		for f := range 3 {
			if got := per[[2]int{c, f}]; got < n/3 || got > (n+2)/3 {
				t.Errorf("class %d in fold %d: %d members, want %d or %d", c, f, got, n/3, (n+2)/3)
			}
		}
	}
	for f, s := range size {
		if s < 6 || s > 7 {
			t.Errorf("fold %d has %d texts, want 6 or 7", f, s)
		}
	}
	again, _ := StratifiedFolds(y, 3, 42)
	if diff := cmp.Diff(folds, again); diff != "" {
		t.Errorf("same seed, other folds:\n%s", diff)
	}
	other, _ := StratifiedFolds(y, 3, 43)
	if cmp.Equal(folds, other) {
		t.Error("another seed gave the same folds")
	}
	for _, k := range []int{1, 21} {
		if _, err := StratifiedFolds(y, k, 1); err == nil {
			t.Errorf("folds %d accepted", k)
		}
	}
}

// toyCorpus is a small two-language corpus with three classes.
func toyCorpus() (texts, labels []string) {
	add := func(label string, ts ...string) {
		for _, s := range ts {
			texts = append(texts, s)
			labels = append(labels, label)
		}
	}
	add("repair", "空调不制冷，需要上门维修", "热水器漏水了，请师傅来修", "洗衣机异响，维修", "冰箱不制冷了，报修",
		"the washer is broken, please repair", "KFR-35GW 不制冷 维修", "电视黑屏，要维修", "油烟机坏了请修理")
	add("delivery", "快递太慢了，一周还没到", "物流延迟，货还没送到", "送货慢，等了三天", "配送员没打电话就走了",
		"the delivery is late again", "物流信息一直不更新", "快递丢件了", "送货上门太慢")
	add("billing", "发票开错了，要重开", "多扣了钱，要退款", "价格不对，退差价", "账单金额有误",
		"I was charged twice, refund please", "付款后没有发票", "退款一直没到账", "优惠券没有抵扣")
	return texts, labels
}

func TestTrainPredictRoundTrip(t *testing.T) {
	seg := testSeg()
	texts, labels := toyCorpus()
	cfg := DefaultTrainConfig()
	m, err := Train(seg, DefaultStopwords(), texts, labels, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := Classifier{Model: m, Seg: seg, Stop: DefaultStopwords()}
	probe := []string{"空调漏水要维修", "快递三天还没到", "发票没开，退款", "nothing to see", ""}
	var before []Prediction
	for _, p := range probe {
		pr, err := c.Predict(p)
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		for _, q := range pr.Probs {
			sum += q
		}
		if math.Abs(sum-1) > 1e-9 || pr.Confidence < 1.0/3 {
			t.Errorf("%q: probabilities sum to %v, confidence %v", p, sum, pr.Confidence)
		}
		before = append(before, pr)
	}
	for i, want := range []string{"repair", "delivery", "billing"} {
		if before[i].Label != want {
			t.Errorf("%q: %s, want %s (%v)", probe[i], before[i].Label, want, before[i].Probs)
		}
	}

	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var m2 Model
	if err := m2.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	c2 := Classifier{Model: &m2, Seg: seg, Stop: DefaultStopwords()}
	for i, p := range probe {
		got, _ := c2.Predict(p)
		if diff := cmp.Diff(before[i], got); diff != "" {
			t.Errorf("%q after a round trip (-before +after):\n%s", p, diff)
		}
	}
	// The same data and seed give the same model, bit for bit.
	m3, _ := Train(seg, DefaultStopwords(), texts, labels, cfg)
	data3, _ := m3.MarshalBinary()
	if string(data) != string(data3) {
		t.Error("training twice with one seed gave two models")
	}
	// Another format version is refused, naming both.
	var s storedModel
	s.Version = ModelVersion + 1
	if err := (&Model{}).UnmarshalBinary(mustGob(t, s)); err == nil || !strings.Contains(err.Error(), fmt.Sprint(ModelVersion+1)) {
		t.Errorf("other version: %v", err)
	}
	if err := (&Model{}).UnmarshalBinary([]byte("junk")); err == nil {
		t.Error("junk decoded")
	}
}

func TestTrainRejects(t *testing.T) {
	seg := testSeg()
	if _, err := Train(seg, nil, []string{"a", "b"}, []string{"x", "x"}, DefaultTrainConfig()); err == nil || !strings.Contains(err.Error(), "two") {
		t.Errorf("one class: %v", err)
	}
	if _, err := Train(seg, nil, []string{"a"}, []string{"x", "y"}, DefaultTrainConfig()); err == nil {
		t.Error("lengths differ: accepted")
	}
	bad := DefaultTrainConfig()
	bad.Features.HashBits = 40
	if _, err := Train(seg, nil, []string{"a", "b"}, []string{"x", "y"}, bad); err == nil || !strings.Contains(err.Error(), "hash_bits") {
		t.Errorf("hash_bits 40: %v", err)
	}
}

func TestCrossValidateToy(t *testing.T) {
	texts, labels := toyCorpus()
	m, err := CrossValidate(testSeg(), DefaultStopwords(), texts, labels, 4, DefaultTrainConfig())
	if err != nil {
		t.Fatal(err)
	}
	if m.N != len(texts) || len(m.Confusion) != 3 {
		t.Fatalf("n %d, confusion %v", m.N, m.Confusion)
	}
	total := 0
	for _, row := range m.Confusion {
		for _, v := range row {
			total += v
		}
	}
	if total != len(texts) {
		t.Errorf("confusion counts %d texts, want %d", total, len(texts))
	}
	if m.Accuracy < 0.5 {
		t.Errorf("toy accuracy %.2f", m.Accuracy)
	}
}

func TestKeywordsHandComputed(t *testing.T) {
	df := NewDF()
	df.Add([]string{"空调", "漏水", "空调"}) // 空调 counted once in this document
	df.Add([]string{"空调", "噪音"})
	other := NewDF()
	other.Add([]string{"冰箱"})
	df.Merge(other)
	if df.Docs != 3 || df.Count["空调"] != 2 || df.Count["冰箱"] != 1 {
		t.Fatalf("df %+v", df)
	}
	// 的 and a are one character: left out. Kept: 空调 ×1, 漏水 ×2, 售后 ×1 of 4.
	got := Keywords([]string{"空调", "漏水", "的", "漏水", "a", "售后"}, df, 2)
	want := []Keyword{
		{"漏水", 2.0 / 4 * (math.Log(4.0/2) + 1)}, // 1.0965...
		{"售后", 1.0 / 4 * (math.Log(4.0/1) + 1)}, // unseen term: 0.5966...
	}
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Errorf("Keywords (-want +got):\n%s", diff)
	}
	// Without a table, tf alone; ties by term.
	got = Keywords([]string{"bb", "aa", "cc", "cc"}, nil, -1)
	want = []Keyword{{"cc", 0.5}, {"aa", 0.25}, {"bb", 0.25}}
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Errorf("Keywords without df (-want +got):\n%s", diff)
	}
}

func TestG2AndPValues(t *testing.T) {
	// 30 of 1000 after against 10 of 1000 before. By hand:
	// E = 20, 980, 20, 980; G² = 2(30 ln 1.5 + 970 ln(970/980) + 10 ln 0.5 + 990 ln(990/980)).
	want := 2 * (30*math.Log(1.5) + 970*math.Log(970.0/980) + 10*math.Log(0.5) + 990*math.Log(990.0/980))
	if got := G2(30, 1000, 10, 1000); math.Abs(got-want) > 1e-9 || math.Abs(got-10.669048049699542) > 1e-9 {
		t.Errorf("G2 = %v, want %v", got, want)
	}
	if got := G2(10, 100, 10, 100); got != 0 {
		t.Errorf("equal rates: G2 = %v", got)
	}
	// The chi-square(1) critical value at 5 % (published tables): 3.841459.
	if got := ChiSquare1SF(3.841458820694124); math.Abs(got-0.05) > 1e-9 {
		t.Errorf("ChiSquare1SF(3.841459) = %v, want 0.05", got)
	}
	if got := ChiSquare1SF(6.634896601021214); math.Abs(got-0.01) > 1e-9 {
		t.Errorf("ChiSquare1SF(6.634897) = %v, want 0.01", got)
	}
	// Benjamini–Hochberg by hand: sorted 0.005 0.01 0.03 0.04, m = 4 →
	// 0.02 0.02 0.04 0.04, then the running minimum from the top.
	q := BenjaminiHochberg([]float64{0.01, 0.04, 0.03, 0.005})
	if diff := cmp.Diff([]float64{0.02, 0.04, 0.04, 0.02}, q, approx); diff != "" {
		t.Errorf("BH (-want +got):\n%s", diff)
	}
	q = BenjaminiHochberg([]float64{0.02, 0.9, 0.03})
	if diff := cmp.Diff([]float64{0.045, 0.9, 0.045}, q, approx); diff != "" {
		t.Errorf("BH monotone (-want +got):\n%s", diff)
	}
}

func TestRisingTerms(t *testing.T) {
	before := Period{Docs: 1000, Counts: map[string]int{"物流延迟": 10, "漏水": 50, "噪音": 20, "少见": 1}}
	after := Period{Docs: 1000, Counts: map[string]int{"物流延迟": 30, "漏水": 20, "噪音": 22, "少见": 4}}
	got, err := RisingTerms(before, after, 0.05, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Tested: 物流延迟 (p 0.00109), 漏水 (falling), 噪音 (p ≈ 0.76), 少见 (p ≈ 0.18): 4 tests.
	// 物流延迟 is the smallest p of 4 (漏水's is smaller but it falls): q = p·4/rank.
	if len(got) != 1 || got[0].Term != "物流延迟" {
		t.Fatalf("rising %+v, want 物流延迟 alone", got)
	}
	g := got[0]
	if g.Before != 10 || g.After != 30 || math.Abs(g.P-0.0010894317002244308) > 1e-12 || math.Abs(g.RateAfter-0.03) > 1e-12 {
		t.Errorf("物流延迟: %+v", g)
	}
	pLeak := ChiSquare1SF(G2(20, 1000, 50, 1000))
	if pLeak >= g.P {
		t.Fatalf("漏水's p %v is not the smallest", pLeak)
	}
	if math.Abs(g.Q-g.P*4/2) > 1e-12 {
		t.Errorf("q = %v, want p·4/2 = %v", g.Q, g.P*2)
	}
	for _, bad := range []struct {
		b, a  Period
		alpha float64
	}{
		{Period{}, after, 0.05},
		{before, after, 0},
		{before, Period{Docs: 2, Counts: map[string]int{"x": 3}}, 0.05},
	} {
		if _, err := RisingTerms(bad.b, bad.a, bad.alpha, 1); err == nil {
			t.Errorf("RisingTerms(%+v, %+v, %v) accepted", bad.b, bad.a, bad.alpha)
		}
	}
}

func TestLexiconScore(t *testing.T) {
	seg := testSeg()
	l := DefaultLexicon()
	tests := []struct {
		in   string
		want float64
	}{
		{"师傅很专业", 1.5},
		{"送餐太慢了", -2},
		{"不满意", -1},
		{"态度不是很好", -1.5},
		{"不太好，但是很快", -1 + 1.5},
		{"没有问题", 0},
		{"一般般", 0},
		{"the technician was very helpful", 1.5},
		{"not resolved", -1},
	}
	for _, tt := range tests {
		got, err := l.Score(seg, tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got.Score-tt.want) > 1e-9 {
			t.Errorf("Score(%q) = %+v, want %v", tt.in, got, tt.want)
		}
	}
	l.AddNegative("专业") // the last list wins
	if s, _ := l.Score(seg, "很专业"); s.Polarity() != -1 {
		t.Errorf("after AddNegative: %+v", s)
	}
}

func mustGob(t *testing.T, s storedModel) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(s); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
