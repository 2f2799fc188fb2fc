package textan

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
	"github.com/kljensen/snowball/english"
)

// Kind says what a token is made of.
type Kind uint8

const (
	KindHan  Kind = iota + 1 // a Chinese word from the segmenter
	KindWord                 // letters only (English, pinyin, brand names)
	KindCode                 // letters with digits or digits alone: model numbers, amounts, fault codes
)

// Token is one word of a text, normalised: full-width forms folded to ASCII
// and Latin letters lower-cased.
type Token struct {
	Text string
	Kind Kind
}

// Word is an entry of the domain dictionary. Freq 0 takes DefaultWordFreq;
// a higher frequency makes the segmenter prefer the word over its parts.
type Word struct {
	Text string
	Freq float64
	POS  string
}

// DefaultWordFreq is the frequency of a domain word given without one: high
// enough that the word wins over the split of the general dictionary.
const DefaultWordFreq = 1000

// Segmenter splits text into tokens. Create one (NewSegmenter) and share it:
// it is safe for concurrent use and must not be copied. The gse dictionary
// (about 1 s) loads once, on the first text.
type Segmenter struct {
	once sync.Once
	err  error
	mu   sync.RWMutex // guards seg's dictionary against AddWords during cuts
	seg  gse.Segmenter
	// words added before the dictionary loaded, applied right after it.
	pending []Word
	loaded  bool
	// domain is the dictionary SetWords last installed, with what each
	// word replaced in the general dictionary, so the next set can undo it.
	domain map[string]replaced
}

// replaced is a general dictionary entry a domain word overrode.
type replaced struct {
	had  bool
	freq float64
	pos  string
}

// NewSegmenter returns a segmenter whose dictionary loads on first use.
func NewSegmenter() *Segmenter { return &Segmenter{} }

func (s *Segmenter) load() error {
	s.once.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.seg.SkipLog = true
		// The embedded simplified-Chinese dictionary: never LoadDict(), which
		// reads files from the module cache that a deployed binary lacks.
		if err := s.seg.LoadDictEmbed("zh_s"); err != nil {
			s.err = fmt.Errorf("textan: load the segmentation dictionary: %w", err)
			return
		}
		s.loaded = true
		for _, w := range s.pending {
			s.addLocked(w)
		}
		s.pending = nil
	})
	return s.err
}

// AddWords adds domain words (product names, fault and service terms) to the
// dictionary; they take effect for the next text. The dictionary segments
// Chinese: Latin model numbers such as KFR-35GW stay whole without it. Words
// with whitespace or without any character are rejected.
func (s *Segmenter) AddWords(words ...Word) error {
	for i, w := range words {
		t := strings.TrimSpace(w.Text)
		if t == "" || strings.ContainsFunc(t, unicode.IsSpace) {
			return fmt.Errorf("textan: word %d %q: a dictionary word has characters and no spaces", i+1, w.Text)
		}
		if w.Freq < 0 {
			return fmt.Errorf("textan: word %q: frequency %v is negative", w.Text, w.Freq)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range words {
		if !s.loaded {
			s.pending = append(s.pending, w)
			continue
		}
		s.addLocked(w)
	}
	return nil
}

// SetWords makes words the domain dictionary, replacing what an earlier
// SetWords installed: a word left out goes back to its general frequency,
// or out of the dictionary if it was not in the general one. The product
// calls it whenever the stored dictionary changes.
func (s *Segmenter) SetWords(words []Word) error {
	for i, w := range words {
		t := strings.TrimSpace(w.Text)
		if t == "" || strings.ContainsFunc(t, unicode.IsSpace) || w.Freq < 0 {
			return fmt.Errorf("textan: word %d %q: a dictionary word has characters, no spaces and a frequency of at least 0", i+1, w.Text)
		}
	}
	if err := s.load(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := map[string]replaced{}
	for _, w := range words {
		t := normalise(strings.TrimSpace(w.Text))
		if r, ok := s.domain[t]; ok {
			next[t] = r
		} else if _, ok := next[t]; !ok {
			f, pos, had := s.seg.Find(t)
			next[t] = replaced{had: had, freq: f, pos: pos}
		}
	}
	for t, r := range s.domain {
		if _, ok := next[t]; ok {
			continue
		}
		if r.had {
			s.seg.ReAddToken(t, r.freq, r.pos)
		} else {
			s.seg.RemoveToken(t)
		}
	}
	for _, w := range words {
		s.addLocked(w)
	}
	s.domain = next
	return nil
}

func (s *Segmenter) addLocked(w Word) {
	f := w.Freq
	if f == 0 {
		f = DefaultWordFreq
	}
	t := normalise(strings.TrimSpace(w.Text))
	// Re-adding replaces the frequency of a word already there.
	if _, _, ok := s.seg.Find(t); ok {
		s.seg.ReAddToken(t, f, w.POS)
		return
	}
	s.seg.AddToken(t, f, w.POS)
}

// Tokens splits a text into normalised tokens, punctuation and spaces
// dropped. Chinese runs go through the segmenter (jieba's DAG with HMM for
// unknown words); Latin and digit runs are split here, so a model number such
// as KFR-35GW or an amount such as 3.5 stays one token.
func (s *Segmenter) Tokens(text string) ([]Token, error) {
	var out []Token
	err := s.each(text, func(t Token) { out = append(out, t) })
	return out, err
}

// each calls f for every token of text in order.
func (s *Segmenter) each(text string, f func(Token)) error {
	return s.eachNormal(normalise(text), true, f)
}

// eachNormal is each on a text already normalised. hmm finds words missing
// from the dictionary (杭研) with jieba's HMM; it costs a third of the time,
// and the classifier goes without it: its character n-grams see such words
// anyway.
func (s *Segmenter) eachNormal(text string, hmm bool, f func(Token)) error {
	if err := s.load(); err != nil {
		return err
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.Is(unicode.Han, r):
			j := i + n
			for j < len(text) {
				r2, n2 := utf8.DecodeRuneInString(text[j:])
				if !unicode.Is(unicode.Han, r2) {
					break
				}
				j += n2
			}
			s.mu.RLock()
			words := s.seg.Cut(text[i:j], hmm)
			s.mu.RUnlock()
			for _, w := range words {
				if w != "" {
					f(Token{Text: w, Kind: KindHan})
				}
			}
			i = j
		case isAlnum(r):
			j := latinEnd(text, i)
			tok := text[i:j]
			f(Token{Text: tok, Kind: latinKind(tok)})
			i = j
		default:
			i += n
		}
	}
	return nil
}

func isAlnum(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') ||
		r >= utf8.RuneSelf && !unicode.Is(unicode.Han, r) && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// latinEnd returns where the Latin or digit run starting at i ends. A joiner
// (- . _ / ') between two alphanumerics stays inside the token when it makes
// a code (the token has a digit, or the joiner is an apostrophe as in
// "don't"); otherwise it splits: "well-known" is two words, "KFR-35GW" one.
func latinEnd(text string, i int) int {
	j := i
	hasDigit := false
	for j < len(text) {
		r, n := utf8.DecodeRuneInString(text[j:])
		if isAlnum(r) {
			if r >= '0' && r <= '9' {
				hasDigit = true
			}
			j += n
			continue
		}
		if r == '-' || r == '.' || r == '_' || r == '/' || r == '\'' {
			next, _ := utf8.DecodeRuneInString(text[j+n:])
			if j+n < len(text) && isAlnum(next) {
				if r == '\'' || hasDigit || (next >= '0' && next <= '9') {
					if r == '/' && !hasDigit {
						break
					}
					j += n
					continue
				}
			}
		}
		break
	}
	return j
}

func latinKind(tok string) Kind {
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; c >= '0' && c <= '9' {
			return KindCode
		}
	}
	return KindWord
}

// normalise folds full-width ASCII (Ａ１，) to half width, the ideographic
// space to a space, and lower-cases Latin letters. Chinese is kept as it is.
func normalise(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		if r < utf8.RuneSelf {
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Terms returns the index terms of a text: tokens without stopwords, English
// words stemmed (Snowball English, "refunds" and "refunded" → "refund"),
// redaction masks such as XXXX dropped. stop may be nil.
func (s *Segmenter) Terms(text string, stop *Stopwords) ([]string, error) {
	var out []string
	err := s.each(text, func(t Token) {
		if term, ok := termOf(t, stop); ok {
			out = append(out, term)
		}
	})
	return out, err
}

func termOf(t Token, stop *Stopwords) (string, bool) {
	if stop.Has(t.Text) || isMask(t.Text) {
		return "", false
	}
	if t.Kind == KindWord {
		w := english.Stem(t.Text, true)
		if w == "" || stop.Has(w) {
			return "", false
		}
		return w, true
	}
	return t.Text, true
}

// isMask tells a redaction mask: xx, xxxx (the CFPB's anonymised names and
// dates).
func isMask(s string) bool {
	if len(s) < 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != 'x' {
			return false
		}
	}
	return true
}
