package textan

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Stopwords is a set of words left out of terms and keywords. A nil
// *Stopwords has no words.
type Stopwords struct {
	set map[string]struct{}
}

// builtinStop is a short list of Chinese function words and English stopwords.
// Negations (不, 没, not, no) are left out on purpose: they carry sentiment.
const builtinStop = `
的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 嗯 哈 啦 么 嘛 之 其 与 及 和 跟 并 而 或 且 则 即 就 都 也 还 又 再 才
在 于 从 向 往 对 把 被 给 让 由 以 为 因 因为 所以 但 但是 然后 而且 如果 虽然 只是 这 那 这个 那个 这些 那些
这样 那样 这里 那里 哪 哪里 什么 怎么 怎样 我 你 您 他 她 它 我们 你们 他们 她们 它们 咱们 自己 大家 是 有
个 些 一个 一些 就是 还是 已经 可以 一下 一点 一直 然后 等 等等 啥 嘛 呗 哟 喔 诶
a an the and or but if then else of at by for with about against between into through during before after
above below to from up down in out on off over under again further once here there when where why how all any
both each few more most other some such own same so than too very s t can will just should now i me my myself
we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it its itself
they them their theirs themselves what which who whom this that these those am is are was were be been being
have has had having do does did doing would could ought i'm you're he's she's it's we're they're i've you've
we've they've i'd you'd he'd she'd we'd they'd i'll you'll he'll she'll we'll they'll let's that's who's
what's here's there's when's where's why's how's as until while also
`

// DefaultStopwords returns the built-in Chinese and English list.
func DefaultStopwords() *Stopwords {
	s := &Stopwords{set: map[string]struct{}{}}
	for _, w := range strings.Fields(builtinStop) {
		s.set[w] = struct{}{}
	}
	return s
}

// Add adds words (normalised like tokens: lower case, half width).
func (s *Stopwords) Add(words ...string) {
	if s.set == nil {
		s.set = map[string]struct{}{}
	}
	for _, w := range words {
		if w = normalise(strings.TrimSpace(w)); w != "" {
			s.set[w] = struct{}{}
		}
	}
}

// Has tells whether w is a stopword.
func (s *Stopwords) Has(w string) bool {
	if s == nil {
		return false
	}
	_, ok := s.set[w]
	return ok
}

// Len is the number of words.
func (s *Stopwords) Len() int {
	if s == nil {
		return 0
	}
	return len(s.set)
}

// ReadWordList reads a word list: one word (or phrase) a line, a leading BOM,
// CRLF line ends, surrounding spaces and empty lines ignored, lines starting
// with # are comments. It serves stopword and sentiment lists.
func ReadWordList(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []string
	line := 0
	for sc.Scan() {
		line++
		w := sc.Text()
		w = strings.TrimPrefix(w, "\ufeff")
		w = strings.TrimSpace(w)
		if w == "" || strings.HasPrefix(w, "#") {
			continue
		}
		out = append(out, w)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("textan: word list line %d: %w", line+1, err)
	}
	return out, nil
}

// Load adds the words of a list (see ReadWordList) to s.
func (s *Stopwords) Load(r io.Reader) error {
	words, err := ReadWordList(r)
	if err != nil {
		return err
	}
	s.Add(words...)
	return nil
}
