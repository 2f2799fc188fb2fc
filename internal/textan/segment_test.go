package textan

import (
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"aftersales/internal/testutil/shareddata"
)

// One segmenter for the package's tests: the dictionary takes a second to
// load. Tests that add words use their own.
var (
	sharedSegOnce sync.Once
	sharedSeg     *Segmenter
)

func testSeg() *Segmenter {
	sharedSegOnce.Do(func() { sharedSeg = NewSegmenter() })
	return sharedSeg
}

func texts(toks []Token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Text
	}
	return out
}

func TestTokens(t *testing.T) {
	seg := testSeg()
	tests := []struct {
		name, in string
		want     []string
	}{
		// Published jieba vectors (methods.md §6.1), precise mode with HMM.
		{"precise", "我来到北京清华大学", []string{"我", "来到", "北京", "清华大学"}},
		{"hmm new word", "他来到了网易杭研大厦", []string{"他", "来到", "了", "网易", "杭研", "大厦"}},
		{"model number", "格力KFR-35GW空调不制冷", []string{"格力", "kfr-35gw", "空调", "不", "制冷"}},
		{"full width", "ＫＦＲ－３５ＧＷ，Ｅ４故障", []string{"kfr-35gw", "e4", "故障"}},
		{"digits and amounts", "等了2小时，退款3.5元", []string{"等", "了", "2", "小时", "退款", "3.5", "元"}},
		{"english", "The technician didn't come; well-known brand Haier!", []string{"the", "technician", "didn't", "come", "well", "known", "brand", "haier"}},
		{"dates and masks", "on XX/XX/2019 call 400-800-1234", []string{"on", "xx", "xx", "2019", "call", "400-800-1234"}},
		{"empty", " ，。!", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks, err := seg.Tokens(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, texts(toks)); diff != "" {
				t.Errorf("Tokens(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestTokenKinds(t *testing.T) {
	toks, err := testSeg().Tokens("海尔EC6002热水器 E4")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Kind{}
	for _, tk := range toks {
		got[tk.Text] = tk.Kind
	}
	want := map[string]Kind{"海尔": KindHan, "ec6002": KindCode, "热水器": KindHan, "e4": KindCode}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
}

func TestTermsStemAndStopwords(t *testing.T) {
	seg := testSeg()
	tests := []struct {
		in   string
		want []string
	}{
		{"The refunds were refunded, and the charges are charging", []string{"refund", "refund", "charg", "charg"}},
		{"I was not able to dispute the XXXX charge", []string{"not", "abl", "disput", "charg"}},
		{"送餐的师傅态度很好", []string{"送餐", "师傅", "态度", "很", "好"}},
		{"不好吃，没有味道", []string{"不好", "吃", "没有", "味道"}},
	}
	for _, tt := range tests {
		got, err := seg.Terms(tt.in, DefaultStopwords())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Terms(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestAddWords(t *testing.T) {
	seg := NewSegmenter()
	// Added before the dictionary loads: applied when it does.
	if err := seg.AddWords(Word{Text: "比特币"}); err != nil {
		t.Fatal(err)
	}
	got, err := seg.Tokens("比特币")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"比特币"}, texts(got)); diff != "" {
		t.Errorf("after AddWords before load (-want +got):\n%s", diff)
	}
	before, _ := seg.Tokens("压缩机异响严重")
	if err := seg.AddWords(Word{Text: "压缩机异响", Freq: 5000, POS: "n"}); err != nil {
		t.Fatal(err)
	}
	after, _ := seg.Tokens("压缩机异响严重")
	if texts(before)[0] == "压缩机异响" || texts(after)[0] != "压缩机异响" {
		t.Errorf("domain word at runtime: before %v, after %v", texts(before), texts(after))
	}
	for _, bad := range []Word{{Text: " "}, {Text: "a b"}, {Text: "好", Freq: -1}} {
		if err := seg.AddWords(bad); err == nil {
			t.Errorf("AddWords(%+v) accepted", bad)
		}
	}
}

func TestStopwordsLoad(t *testing.T) {
	s := DefaultStopwords()
	n := s.Len()
	if err := s.Load(strings.NewReader("\ufeff哈哈\r\n\r\n# comment\n  ＡＢＣ  \n")); err != nil {
		t.Fatal(err)
	}
	if !s.Has("哈哈") || !s.Has("abc") || s.Has("# comment") || s.Len() != n+2 {
		t.Errorf("after Load: has 哈哈 %v, abc %v, len %d (was %d)", s.Has("哈哈"), s.Has("abc"), s.Len(), n)
	}
	if s.Has("不") || s.Has("not") {
		t.Error("negations must not be built-in stopwords: they carry sentiment")
	}
	var none *Stopwords
	if none.Has("的") || none.Len() != 0 {
		t.Error("a nil *Stopwords has words")
	}
}

func TestStopwordsSharedLists(t *testing.T) {
	for _, name := range []string{"stopwords_hit_stopwords.txt", "stopwords_baidu_stopwords.txt"} {
		f, err := os.Open(shareddata.Path(t, "lexicons/"+name))
		if err != nil {
			t.Fatal(err)
		}
		s := &Stopwords{}
		err = s.Load(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() < 500 || !s.Has("的") {
			t.Errorf("%s: %d words, has 的 %v", name, s.Len(), s.Has("的"))
		}
	}
}

// TestSegmenterConcurrent cuts texts while domain words are added: run with
// -race to check the locking.
func TestSegmenterConcurrent(t *testing.T) {
	seg := NewSegmenter()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if g == 0 && i%10 == 0 {
					if err := seg.AddWords(Word{Text: "故障码" + string(rune('甲'+i))}); err != nil {
						t.Error(err)
					}
				}
				if _, err := seg.Tokens("空调显示故障码E4，师傅说压缩机坏了"); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

func TestSetWordsReplacesTheDomainDictionary(t *testing.T) {
	seg := NewSegmenter()
	text := "空调不制冷外机噪音大"
	base, err := seg.Tokens(text)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(texts(base), "不制冷") {
		t.Fatalf("the general dictionary already has 不制冷: %v", texts(base))
	}
	if err := seg.SetWords([]Word{{Text: "不制冷"}, {Text: "外机噪音"}}); err != nil {
		t.Fatal(err)
	}
	with, _ := seg.Tokens(text)
	if diff := cmp.Diff([]string{"空调", "不制冷", "外机噪音", "大"}, texts(with)); diff != "" {
		t.Errorf("with the domain words (-want +got):\n%s", diff)
	}
	// A word dropped from the dictionary goes; a general word overridden
	// ("空调" at a high frequency) gets its general frequency back.
	f0, _, _ := seg.seg.Find("空调")
	if err := seg.SetWords([]Word{{Text: "空调", Freq: 99999}}); err != nil {
		t.Fatal(err)
	}
	if err := seg.SetWords(nil); err != nil {
		t.Fatal(err)
	}
	again, _ := seg.Tokens(text)
	if diff := cmp.Diff(texts(base), texts(again)); diff != "" {
		t.Errorf("after the dictionary emptied (-before +after):\n%s", diff)
	}
	if f, _, ok := seg.seg.Find("空调"); !ok || f != f0 {
		t.Errorf("空调 frequency %v (present %v), want %v back", f, ok, f0)
	}
	if err := seg.SetWords([]Word{{Text: "a b"}}); err == nil {
		t.Error("SetWords accepted a word with a space")
	}
}
