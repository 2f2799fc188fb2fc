// Package dataio reads and writes tabular files: CSV in UTF-8, GBK or
// GB18030 with any delimiter, XLSX (streaming), gzip-compressed either way.
// It maps source columns to import records, cleans and flags them, and
// writes ticket lists back out with the same column names. It is pure: it
// works over io.Reader and io.Writer and never touches the database.
package dataio

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Source yields the rows of a table after its header.
type Source interface {
	Header() []string
	// Next returns the next row and the line it starts on (the header is
	// line 1). A row that cannot be read returns a *RowError and the source
	// goes on with the next row; io.EOF ends the table.
	Next() (line int, row []string, err error)
	Close() error
}

// RowError is a row that could not be read at all.
type RowError struct {
	Line   int
	Reason string
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Format says how to read a file; empty fields are detected.
type Format struct {
	Encoding  string // "", "utf-8", "gbk", "gb18030"
	Delimiter string // "" sniffs among , ; tab |
	Sheet     string // XLSX sheet; the first when empty
}

// Open reads a CSV or XLSX table, gzip-compressed or not. The kind is told by
// the content, not the name.
func Open(r io.Reader, f Format) (Source, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(4)
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("dataio: gzip: %w", err)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
		magic, _ = br.Peek(4)
	}
	if bytes.Equal(magic, []byte("PK\x03\x04")) {
		return openXLSX(br, f.Sheet)
	}
	return openCSV(br, f)
}

type csvSource struct {
	r      *csv.Reader
	header []string
}

func openCSV(br *bufio.Reader, f Format) (Source, error) {
	head, _ := br.Peek(64 << 10)
	var in io.Reader = br
	enc := strings.ToLower(f.Encoding)
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
		head = head[3:]
		enc = "utf-8"
	}
	if enc == "" {
		enc = "utf-8"
		if !validUTF8Prefix(head) {
			enc = "gb18030"
		}
	}
	switch enc {
	case "utf-8", "utf8":
	case "gbk", "gb2312", "gb18030":
		// GB18030 is a superset of GBK and GB2312.
		in = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
		head, _ = simplifiedchinese.GB18030.NewDecoder().Bytes(trimPartial(head))
	default:
		return nil, fmt.Errorf("dataio: encoding %q is not one of utf-8, gbk, gb18030", f.Encoding)
	}
	delim := ','
	if f.Delimiter != "" {
		d, _ := utf8.DecodeRuneInString(f.Delimiter)
		if f.Delimiter == `\t` {
			d = '\t'
		}
		delim = d
	} else {
		delim = sniffDelimiter(head)
	}
	r := csv.NewReader(in)
	r.Comma = delim
	r.FieldsPerRecord = -1 // counted per row, so a short row is rejected with its line
	r.ReuseRecord = true
	r.LazyQuotes = true // spreadsheet exports leave bare quotes inside fields
	h, err := r.Read()
	if err == io.EOF {
		return nil, errors.New("dataio: the file is empty")
	}
	if err != nil {
		return nil, fmt.Errorf("dataio: header: %w", err)
	}
	header := make([]string, len(h))
	for i, c := range h {
		header[i] = strings.TrimSpace(c)
	}
	return &csvSource{r: r, header: header}, nil
}

// validUTF8Prefix reports whether b is UTF-8, ignoring a rune cut at the end.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < 3 && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

// trimPartial drops the last line of a peeked buffer, which may be cut mid-character.
func trimPartial(b []byte) []byte {
	if i := bytes.LastIndexByte(b, '\n'); i > 0 {
		return b[:i]
	}
	return b
}

// sniffDelimiter picks the candidate that splits the first line into the
// most fields, counting only outside quotes.
func sniffDelimiter(head []byte) rune {
	line := head
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	best, bestN := ',', 0
	for _, d := range []rune{',', ';', '\t', '|'} {
		n, quoted := 0, false
		for _, c := range string(line) {
			if c == '"' {
				quoted = !quoted
			} else if c == d && !quoted {
				n++
			}
		}
		if n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

func (s *csvSource) Header() []string { return s.header }
func (s *csvSource) Close() error     { return nil }

func (s *csvSource) Next() (int, []string, error) {
	for {
		row, err := s.r.Read()
		if err != nil { // the error's own branch: pe escapes and costs an allocation
			if err == io.EOF {
				return 0, nil, io.EOF
			}
			if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
				return pe.StartLine, nil, &RowError{Line: pe.StartLine, Reason: pe.Err.Error()}
			}
			return 0, nil, err
		}
		line, _ := s.r.FieldPos(0)
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue // a blank line
		}
		if len(row) != len(s.header) {
			return line, nil, &RowError{Line: line, Reason: fmt.Sprintf("has %d fields, the header has %d", len(row), len(s.header))}
		}
		return line, row, nil
	}
}

type xlsxSource struct {
	f      *excelize.File
	rows   *excelize.Rows
	header []string
	line   int
}

func openXLSX(r io.Reader, sheet string) (Source, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, fmt.Errorf("dataio: xlsx: %w", err)
	}
	if sheet == "" {
		if sheets := f.GetSheetList(); len(sheets) > 0 {
			sheet = sheets[0]
		}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("dataio: xlsx sheet %q: %w", sheet, err)
	}
	s := &xlsxSource{f: f, rows: rows}
	for s.rows.Next() {
		s.line++
		h, err := s.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("dataio: xlsx header: %w", err)
		}
		if len(h) == 0 {
			continue
		}
		for _, c := range h {
			s.header = append(s.header, strings.TrimSpace(c))
		}
		return s, nil
	}
	s.Close()
	return nil, errors.New("dataio: the sheet is empty")
}

func (s *xlsxSource) Header() []string { return s.header }

func (s *xlsxSource) Close() error {
	s.rows.Close()
	return s.f.Close()
}

func (s *xlsxSource) Next() (int, []string, error) {
	for s.rows.Next() {
		s.line++
		row, err := s.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return s.line, nil, &RowError{Line: s.line, Reason: err.Error()}
		}
		if len(row) == 0 {
			continue
		}
		if len(row) > len(s.header) {
			return s.line, nil, &RowError{Line: s.line, Reason: fmt.Sprintf("has %d cells, the header has %d", len(row), len(s.header))}
		}
		for len(row) < len(s.header) {
			row = append(row, "") // trailing empty cells are not stored
		}
		return s.line, row, nil
	}
	if err := s.rows.Error(); err != nil {
		return 0, nil, err
	}
	return 0, nil, io.EOF
}
