package dataio

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"time"

	"aftersales"
)

// ChunkSize is how many records go to the store at a time: large enough for
// COPY to pay off, small enough that memory stays flat.
const ChunkSize = 2000

// Run reads every record and writes it through w, tallying s so that
// Total = Created + Updated + Rejected + Duplicates. Reading and writing
// overlap: one goroutine parses and cleans the next chunk while the store
// writes the last. progress, when set, is called after each chunk with the
// rows read so far.
func Run(ctx context.Context, r *Reader, w aftersales.ImportWriter, s *aftersales.ImportSummary, progress func(rows int)) error {
	if s.Flags == nil {
		s.Flags = map[string]int{}
	}
	type chunk struct {
		recs     []*aftersales.ImportRecord
		rejected []aftersales.RowIssue
		rows     int
		err      error
	}
	ch := make(chan chunk, 2)
	stop := make(chan struct{})
	go func() {
		defer close(ch)
		for {
			c := chunk{recs: make([]*aftersales.ImportRecord, 0, ChunkSize)}
			eof := false
			for len(c.recs) < ChunkSize {
				rec, err := r.Next()
				if errors.Is(err, io.EOF) {
					eof = true
					break
				}
				if err != nil {
					c.err = err
					break
				}
				c.recs = append(c.recs, rec)
			}
			c.rejected, c.rows = r.TakeRejected(), r.Rows()
			select {
			case ch <- c:
			case <-stop:
				return
			}
			if eof || c.err != nil {
				return
			}
		}
	}()
	fail := func(err error) error {
		close(stop)
		for range ch {
		}
		return err
	}
	for c := range ch {
		if c.err != nil {
			return fail(c.err)
		}
		if err := tally(ctx, w, s, c.recs, c.rejected); err != nil {
			return fail(err)
		}
		s.Total = c.rows
		if progress != nil {
			progress(c.rows)
		}
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
	}
	return nil
}

// tally writes one chunk and counts its rows.
func tally(ctx context.Context, w aftersales.ImportWriter, s *aftersales.ImportSummary, recs []*aftersales.ImportRecord, rej []aftersales.RowIssue) error {
	if len(rej) > 0 {
		if err := w.Reject(ctx, rej); err != nil {
			return err
		}
		lines := map[int]bool{}
		for _, i := range rej {
			lines[i.Line] = true
		}
		s.Rejected += len(lines)
	}
	if len(recs) == 0 {
		return nil
	}
	outs, err := w.Write(ctx, recs)
	if err != nil {
		return err
	}
	for i, rec := range recs {
		switch outs[i] {
		case aftersales.ImportCreated:
			s.Created++
			s.Updated += len(rec.Lines) - 1 // the later rows of a folded history
		case aftersales.ImportUpdated:
			s.Updated += len(rec.Lines)
		case aftersales.ImportUnchanged:
			s.Duplicates += len(rec.Lines)
			continue
		}
		flagged := map[int]bool{}
		for _, f := range rec.Flags {
			flagged[f.Line] = true
			s.Flags[f.Kind]++
		}
		s.Flagged += len(flagged)
	}
	return nil
}

var errDryRun = errors.New("dry run")

// Import reads r through m into imp in one transaction and returns the
// summary. A dry run reads, checks and writes everything, then rolls back,
// so its counts are exactly what a real run would do.
func Import(ctx context.Context, imp aftersales.Importer, r io.Reader, m *Mapping, file string, dryRun bool,
	now func() time.Time, progress func(int)) (*aftersales.ImportSummary, error) {
	src, err := Open(r, Format{Encoding: m.Encoding, Delimiter: m.Delimiter, Sheet: m.Sheet})
	if err != nil {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The file could not be read.",
			Fields: []aftersales.FieldError{{Field: "file", Reason: err.Error()}}}
	}
	defer src.Close()
	rd, err := NewReader(src, m, now())
	if err != nil {
		return nil, err
	}
	start := now()
	s := &aftersales.ImportSummary{Mapping: m.Name, File: file, DryRun: dryRun}
	err = imp.Import(ctx, s, func(w aftersales.ImportWriter) error {
		if err := Run(ctx, rd, w, s, progress); err != nil {
			return err
		}
		s.Seconds = now().Sub(start).Seconds()
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		s.BatchID, err = 0, nil
	}
	if err != nil {
		return nil, err
	}
	s.Seconds = max(s.Seconds, now().Sub(start).Seconds()) // through the commit
	return s, nil
}

// ReportHeader is the header of the row-level report.
var ReportHeader = []string{"line", "key", "field", "kind", "value", "reason", "related", "rejected"}

// ReportWriter writes the row-level report as CSV (UTF-8 with a BOM, so
// Excel opens Chinese text correctly).
type ReportWriter struct{ w *csv.Writer }

// NewReportWriter starts a report on w.
func NewReportWriter(w io.Writer) (*ReportWriter, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	return &ReportWriter{cw}, cw.Write(ReportHeader)
}

// Write adds one issue.
func (r *ReportWriter) Write(i aftersales.RowIssue) error {
	return r.w.Write([]string{strconv.Itoa(i.Line), i.Key, i.Field, i.Kind, i.Value, i.Reason, i.Related, strconv.FormatBool(i.Rejected)})
}

// Close flushes the report.
func (r *ReportWriter) Close() error {
	r.w.Flush()
	return r.w.Error()
}
