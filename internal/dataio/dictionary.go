package dataio

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"aftersales"
)

// dictColumns names the columns of a dictionary file, in English or
// Chinese; only the word and its kind are required.
var dictColumns = map[string]string{
	"word": "word", "词": "word", "词语": "word", "词条": "word",
	"kind": "kind", "类型": "kind", "类别": "kind",
	"freq": "freq", "frequency": "freq", "词频": "freq",
	"note": "note", "备注": "note", "说明": "note",
}

// dictKinds accepts the kinds in Chinese too.
var dictKinds = map[string]string{"产品": "product", "型号": "model", "故障": "fault", "服务": "service"}

// ReadDictionary reads a domain dictionary from a CSV or XLSX file with a
// header row (word, kind, freq, note, or 词语, 类型, 词频, 备注) and returns
// its words with the line each came from. A missing column, an unreadable
// row or a frequency that is not a number is an error naming its line
// ("line 3: freq"); blank rows are skipped.
func ReadDictionary(r io.Reader) (words []aftersales.DictWordInput, lines []int, err error) {
	src, err := Open(r, Format{})
	if err != nil {
		return nil, nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The file is not a readable CSV or XLSX table.",
			Fields: []aftersales.FieldError{{Field: "file", Reason: "is not a readable CSV or XLSX table"}}}
	}
	defer src.Close()
	col := map[string]int{}
	for i, h := range src.Header() {
		if k, ok := dictColumns[strings.ToLower(strings.TrimSpace(h))]; ok {
			if _, dup := col[k]; !dup {
				col[k] = i
			}
		}
	}
	var v aftersales.Validator
	for _, k := range []string{"word", "kind"} {
		_, ok := col[k]
		v.Check(ok, "file", "has no "+k+" column")
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	cell := func(row []string, k string) string {
		if i, ok := col[k]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	for {
		line, row, err := src.Next()
		if err == io.EOF {
			break
		}
		var re *RowError
		if errors.As(err, &re) {
			v.Check(false, fmt.Sprintf("line %d", re.Line), re.Reason)
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("dataio: read dictionary: %w", err)
		}
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		w := aftersales.DictWordInput{Word: cell(row, "word"), Kind: strings.ToLower(cell(row, "kind")), Note: cell(row, "note")}
		if k, ok := dictKinds[w.Kind]; ok {
			w.Kind = k
		}
		if s := cell(row, "freq"); s != "" {
			f, err := strconv.ParseFloat(s, 64)
			v.Check(err == nil, fmt.Sprintf("line %d: freq", line), "must be a number")
			w.Freq = f
		}
		words = append(words, w)
		lines = append(lines, line)
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	return words, lines, nil
}

var wordField = regexp.MustCompile(`^words\[([0-9]+)\]\.(.+)$`)

// DictionaryLines renames the fields of an import's error from the words'
// positions ("words[2].kind") to the file's lines ("line 4: kind").
func DictionaryLines(err error, lines []int) error {
	var ae *aftersales.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return err
	}
	out := *ae
	out.Fields = make([]aftersales.FieldError, len(ae.Fields))
	for i, f := range ae.Fields {
		if m := wordField.FindStringSubmatch(f.Field); m != nil {
			if n, _ := strconv.Atoi(m[1]); n < len(lines) {
				f.Field = fmt.Sprintf("line %d: %s", lines[n], m[2])
			}
		}
		out.Fields[i] = f
	}
	return &out
}
