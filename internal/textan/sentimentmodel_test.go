package textan

import (
	"math"
	"testing"

	"aftersales"
)

func TestSentimentLabel(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"1", SentimentPositive, true}, {" 0 ", SentimentNegative, true}, {"Positive", SentimentPositive, true},
		{"neg", SentimentNegative, true}, {"负面", SentimentNegative, true}, {"好评", SentimentPositive, true},
		{"-1", SentimentNegative, true}, {"2", "", false}, {"", "", false}, {"neutral", "", false},
	} {
		got, ok := SentimentLabel(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("SentimentLabel(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestCombineSentiment: the model's score wherever it knows the text,
// the lexicon's (through tanh) where it knows none of it.
func TestCombineSentiment(t *testing.T) {
	for _, c := range []struct {
		lex, model float64
		known      bool
		want       float64
	}{
		{lex: 2, model: -0.3, known: true, want: -0.3},
		{lex: -1, model: 0.9, known: true, want: 0.9},
		{lex: 0, model: 0.1, known: true, want: 0.1},
		{lex: -1, model: 0.2, known: false, want: math.Tanh(-1)},
		{lex: 0, model: 0.4, known: false, want: 0},
	} {
		if got := CombineSentiment(c.lex, c.model, c.known); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("CombineSentiment(%v, %v, %v) = %v, want %v", c.lex, c.model, c.known, got, c.want)
		}
	}
	// The measured alternatives, by hand.
	if got := MeanSentiment(1, -0.5); math.Abs(got-(math.Tanh(1)-0.5)/2) > 1e-12 {
		t.Errorf("MeanSentiment = %v", got)
	}
	if got := ConfidentSentiment(1, -0.4); math.Abs(got-math.Tanh(1)) > 1e-12 {
		t.Errorf("ConfidentSentiment unsure = %v, want the lexicon's", got)
	}
	if got := ConfidentSentiment(1, -0.6); got != -0.6 {
		t.Errorf("ConfidentSentiment sure = %v, want the model's", got)
	}
}

func sentimentCorpus() (texts, labels []string) {
	neg := []string{"送餐太慢了，饭都凉了", "味道很差，再也不点了", "等了两个小时，服务态度恶劣", "菜是冷的，分量还少",
		"师傅迟到，态度很差", "东西坏了，客服不理人", "太难吃了，差评", "送错了，打电话没人接"}
	pos := []string{"很快就送到了，味道不错", "师傅很专业，服务周到", "好吃，分量足，下次还点", "包装很好，送餐及时",
		"客服耐心，问题解决了", "味道很好，推荐", "速度快，服务热情", "非常满意，谢谢师傅"}
	for range 2 {
		for i := range neg {
			texts, labels = append(texts, neg[i], pos[i]), append(labels, SentimentNegative, SentimentPositive)
		}
	}
	return texts, labels
}

// TestAnalyseWithSentimentModel: with a model the stored score is the
// model's on texts it knows and names its version; a text it knows none
// of keeps the lexicon's score and says so; without a model, the lexicon
// as before.
func TestAnalyseWithSentimentModel(t *testing.T) {
	seg := testSeg()
	texts, labels := sentimentCorpus()
	m, err := Train(seg, DefaultStopwords(), texts, labels, DefaultTrainConfig())
	if err != nil {
		t.Fatal(err)
	}
	a := NewAnalyser(seg)
	src := aftersales.TextSource{TicketID: 7, Title: "送餐太慢，饭都凉了", Messages: []aftersales.TextMessage{
		{EventID: 1, Body: "服务热情，味道不错"}, {EventID: 2, Body: "qwerty zxcvb"}}}
	terms, err := a.Terms(CustomerText(src))
	if err != nil {
		t.Fatal(err)
	}
	lexOnly, err := a.Analyse(src, terms, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lexOnly.Text.Method != aftersales.ScoredByLexicon || lexOnly.Text.ModelVersion != 0 {
		t.Fatalf("without a model: method %q, version %d", lexOnly.Text.Method, lexOnly.Text.ModelVersion)
	}
	a.Sentiment = &SentimentModel{ID: 3, Version: 2, Model: m}
	got, err := a.Analyse(src, terms, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := got.Text
	if x.Method != aftersales.ScoredByModel || x.ModelVersion != 2 || x.Polarity != -1 || x.Sentiment >= 0 || x.Sentiment < -1 {
		t.Errorf("ticket: %+v, want scored negative by model v2", x)
	}
	want, _, err := Classifier{Model: m, Seg: seg, Stop: DefaultStopwords()}.ModelScore(CustomerText(src))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(x.Sentiment-round4(want)) > 1e-12 {
		t.Errorf("ticket score %v, want the model's %v", x.Sentiment, round4(want))
	}
	if x.Positive != lexOnly.Text.Positive || x.Negative != lexOnly.Text.Negative {
		t.Errorf("the lexicon's word counts changed: %+v vs %+v", x, lexOnly.Text)
	}
	if len(x.Messages) != 2 || x.Messages[0].Polarity != 1 || x.Messages[1].Polarity != 0 || x.Messages[1].Sentiment != 0 {
		t.Errorf("messages: %+v, want the first positive and the unknown one the lexicon's 0", x.Messages)
	}
	if _, _, err := (Classifier{Model: &Model{Classes: []string{"a", "b", "c"}}, Seg: seg}).ModelScore("x"); err == nil {
		t.Error("ModelScore on a three-class model: no error")
	}
}

// TestEvaluateSentimentWaimai: on every fourth review of the public
// corpus, the held-out model beats the lexicon, and the stored score is
// as good as the model (they differ only on texts the model knows nothing
// of). The full-file numbers are in docs/BENCHMARKS.md.
func TestEvaluateSentimentWaimai(t *testing.T) {
	all, raw := readCSV(t, "waimai_10k.csv", "review", "label")
	var texts, labels []string
	for i := 0; i < len(all); i += 4 {
		l, ok := SentimentLabel(raw[i])
		if !ok {
			t.Fatalf("label %q", raw[i])
		}
		texts, labels = append(texts, all[i]), append(labels, l)
	}
	e, err := EvaluateSentiment(testSeg(), DefaultStopwords(), DefaultLexicon(), texts, labels, 5, DefaultTrainConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("n %d: lexicon %.4f, model %.4f, combined %.4f, confident %.4f, mean %.4f", e.N, e.Lexicon, e.Model, e.Combined, e.Confident, e.Mean)
	if e.N != len(texts) || e.Metrics.N != e.N || e.Model < e.Lexicon+0.1 || e.Combined < e.Model-0.01 || e.Model < 0.8 {
		t.Errorf("evaluation %+v", e)
	}
	if _, err := EvaluateSentiment(testSeg(), DefaultStopwords(), DefaultLexicon(), []string{"a", "b"}, []string{"positive", "meh"}, 2, DefaultTrainConfig()); err == nil {
		t.Error("a label that is not a sentiment: no error")
	}
}
