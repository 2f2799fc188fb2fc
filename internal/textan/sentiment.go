package textan

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lexicon scores sentiment from word lists, with negation and degree words:
// the cold-start baseline before a company has labelled texts to train on.
type Lexicon struct {
	pos, neg map[string]float64
	negators map[string]struct{}
	degree   map[string]float64
}

// The built-in after-sales lexicon: service, delivery, repair and product
// words as customers use them. Kept short on purpose; external lists add to
// it (AddPositive, AddNegative).
const (
	builtinPositive = `好 好的 不错 满意 好评 五星 快 及时 准时 迅速 专业 耐心 热情 周到 细心 认真 负责 靠谱
方便 干净 卫生 新鲜 好吃 美味 可口 香 划算 实惠 便宜 值 值得 推荐 喜欢 赞 棒 给力 感谢 谢谢 辛苦 解决 修好 顺利 完美
舒服 清楚 安静 正品 结实 耐用 好用 稳定 省心 放心 惊喜 贴心 礼貌 客气 高效 完好 精美 漂亮 流畅 清晰 超值 合适
good great excellent fast quick helpful polite resolved satisfied thanks thank nice friendly perfect love recommend`
	builtinNegative = `差 慢 坏 坏了 烂 贵 难吃 难用 难看 凉 凉了 咸 腻 少 漏 漏水 漏电 漏送 异响 噪音 故障 失灵 不制冷
不制热 损坏 破损 划痕 投诉 退货 退款 差评 失望 生气 垃圾 骗 骗子 欺骗 敷衍 推诿 拖延 恶劣 粗鲁 迟到 超时 错 错误 麻烦
糟糕 后悔 恶心 不满 失败 死机 发热 掉漆 假货 缺 缺少 脏 难闻 臭 变质 馊 生 硬 等 等了 半天 太久 一般 无语 坑 忽悠 退 换货
bad poor slow broken rude late delay delayed refund complaint worst terrible awful unhelpful unresolved disappointed fraud scam`
	builtinNegators = `不 没 没有 无 非 未 别 莫 勿 不是 并非 毫无 从未 从不 绝不 不太 不怎么 not no never none nothing hardly`
)

var builtinDegree = map[string]float64{
	"很": 1.5, "非常": 2, "特别": 2, "十分": 2, "太": 2, "超": 2, "超级": 2, "极": 2, "极其": 2, "最": 2, "真": 1.5,
	"真的": 1.5, "挺": 1.2, "蛮": 1.2, "比较": 1.2, "相当": 1.5, "更": 1.5, "有点": 0.6, "有些": 0.6, "稍微": 0.5,
	"略": 0.5, "一点": 0.5, "very": 1.5, "really": 1.5, "so": 1.5, "extremely": 2, "too": 1.5, "quite": 1.2,
	"slightly": 0.5,
}

// DefaultLexicon returns the built-in after-sales lexicon.
func DefaultLexicon() *Lexicon {
	l := &Lexicon{pos: map[string]float64{}, neg: map[string]float64{}, negators: map[string]struct{}{}, degree: map[string]float64{}}
	l.AddPositive(strings.Fields(builtinPositive)...)
	l.AddNegative(strings.Fields(builtinNegative)...)
	for _, w := range strings.Fields(builtinNegators) {
		l.negators[w] = struct{}{}
	}
	for w, d := range builtinDegree {
		l.degree[w] = d
	}
	return l
}

func lexKey(w string) string {
	return normalise(strings.Join(strings.Fields(w), ""))
}

// AddPositive adds positive words (weight 1). A word in both lists ends up in
// the one it was added to last.
func (l *Lexicon) AddPositive(words ...string) {
	for _, w := range words {
		if k := lexKey(w); k != "" {
			l.pos[k] = 1
			delete(l.neg, k)
		}
	}
}

// AddNegative adds negative words (weight 1).
func (l *Lexicon) AddNegative(words ...string) {
	for _, w := range words {
		if k := lexKey(w); k != "" {
			l.neg[k] = 1
			delete(l.pos, k)
		}
	}
}

// Sentiment is a text's lexicon score: the sum over its sentiment words of
// ±1 times the degree words before it, flipped by each negation before it in
// the same clause. Positive > 0, negative < 0, 0 neutral or unknown.
type Sentiment struct {
	Score    float64 `json:"score"`
	Positive int     `json:"positive"` // sentiment words counted as positive (after negation)
	Negative int     `json:"negative"`
}

// Polarity is 1, -1 or 0.
func (s Sentiment) Polarity() int {
	switch {
	case s.Score > 0:
		return 1
	case s.Score < 0:
		return -1
	}
	return 0
}

// Score scores a text. Clauses end at punctuation: a negation or degree word
// reaches only the sentiment words after it in its own clause, and each
// sentiment word consumes the modifiers before it.
func (l *Lexicon) Score(seg *Segmenter, text string) (Sentiment, error) {
	var s Sentiment
	for _, clause := range clauses(text) {
		toks, err := seg.Tokens(clause)
		if err != nil {
			return Sentiment{}, err
		}
		negs, deg := 0, 1.0
		for _, t := range toks {
			w := t.Text
			if _, ok := l.negators[w]; ok {
				negs++
				continue
			}
			if d, ok := l.degree[w]; ok {
				deg *= d
				continue
			}
			pol := l.polarity(w)
			if pol == 0 {
				// The segmenter keeps some modified words whole (不满意,
				// 太慢, 不太好): peel known negation and degree prefixes.
				var n int
				var d float64
				pol, n, d = l.peel(w)
				negs += n
				deg *= d
			}
			if pol == 0 {
				continue
			}
			if negs%2 == 1 {
				pol = -pol
			}
			v := float64(pol) * deg
			s.Score += v
			if v > 0 {
				s.Positive++
			} else {
				s.Negative++
			}
			negs, deg = 0, 1
		}
	}
	return s, nil
}

// peel splits a word into negation and degree prefixes (longest first, two
// at most) and a sentiment word, returning the word's polarity and the
// prefixes' effect, or 0 when no such split exists.
func (l *Lexicon) peel(w string) (pol, negs int, deg float64) {
	deg = 1
	for range 2 {
		found := false
		for _, size := range []int{2, 1} {
			end, k := 0, 0
			for k < size && end < len(w) {
				_, n := utf8.DecodeRuneInString(w[end:])
				end += n
				k++
			}
			if k < size || end == len(w) {
				continue
			}
			p := w[:end]
			if _, ok := l.negators[p]; ok {
				negs++
			} else if d, ok := l.degree[p]; ok {
				deg *= d
			} else {
				continue
			}
			w = w[end:]
			found = true
			break
		}
		if !found {
			return 0, 0, 1
		}
		if pol = l.polarity(w); pol != 0 {
			return pol, negs, deg
		}
	}
	return 0, 0, 1
}

func (l *Lexicon) polarity(w string) int {
	if _, ok := l.pos[w]; ok {
		return 1
	}
	if _, ok := l.neg[w]; ok {
		return -1
	}
	return 0
}

// clauses splits a text at punctuation.
func clauses(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsPunct(r) || r == '\n' || r == '~' || r == '～'
	})
}
