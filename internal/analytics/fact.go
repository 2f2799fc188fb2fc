package analytics

import (
	"encoding/binary"
	"errors"
)

// Encode returns the fact in a compact binary form for the per-ticket
// fact table (about 60-120 bytes a ticket).
func (f *Fact) Encode() []byte {
	b := make([]byte, 0, 128)
	b = binary.AppendUvarint(b, uint64(len(f.Dims)))
	for _, d := range f.Dims {
		b = binary.AppendUvarint(b, uint64(len(d)))
		b = append(b, d...)
	}
	b = binary.AppendUvarint(b, uint64(len(f.Entries)))
	for _, e := range f.Entries {
		b = binary.AppendVarint(b, int64(e.Day))
		b = binary.AppendUvarint(b, uint64(e.M))
		b = binary.AppendVarint(b, e.V)
	}
	b = binary.AppendUvarint(b, uint64(len(f.Hists)))
	for _, h := range f.Hists {
		b = binary.AppendVarint(b, int64(h.Day))
		b = binary.AppendUvarint(b, uint64(h.H))
		b = binary.AppendUvarint(b, uint64(h.B))
	}
	return b
}

var errCorruptFact = errors.New("analytics: corrupt fact")

// DecodeFact reads what Encode wrote.
func DecodeFact(p []byte) (Fact, error) {
	var f Fact
	r := reader{p: p}
	nd := r.uvarint(64)
	f.Dims = make([]string, nd)
	for i := range f.Dims {
		f.Dims[i] = r.str()
	}
	ne := r.uvarint(1 << 10)
	f.Entries = make([]Entry, ne)
	for i := range f.Entries {
		f.Entries[i] = Entry{Day(r.varint()), Measure(r.uvarint(uint64(NumMeasures) - 1)), r.varint()}
	}
	nh := r.uvarint(1 << 10)
	f.Hists = make([]HistEntry, nh)
	for i := range f.Hists {
		f.Hists[i] = HistEntry{Day(r.varint()), HistKind(r.uvarint(uint64(NumHists) - 1)), int(r.uvarint(1 << 12))}
	}
	if r.err != nil || len(r.p) != 0 {
		return Fact{}, errCorruptFact
	}
	return f, nil
}

type reader struct {
	p   []byte
	err error
}

func (r *reader) uvarint(max uint64) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.p)
	if n <= 0 || v > max {
		r.err = errCorruptFact
		return 0
	}
	r.p = r.p[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.p)
	if n <= 0 {
		r.err = errCorruptFact
		return 0
	}
	r.p = r.p[n:]
	return v
}

func (r *reader) str() string {
	n := r.uvarint(1 << 16)
	if r.err != nil || uint64(len(r.p)) < n {
		r.err = errCorruptFact
		return ""
	}
	s := string(r.p[:n])
	r.p = r.p[n:]
	return s
}

// Key is one rollup row: a day and one dimension value ("" dimension
// and value for the all-tickets row).
type Key struct {
	Day Day
	Dim string
	Val string
}

// Rollup is a set of rollup rows keyed by day and dimension value.
type Rollup map[Key]*Agg

// Apply adds (sign 1) or withdraws (sign −1) a fact: every entry goes to
// the all-tickets row and to one row per dimension that has a value.
// dims names the dimensions in the order of f.Dims.
func (r Rollup) Apply(f *Fact, dims []string, sign int64) {
	// Group by day first: a ticket touches two or three days, and each
	// day's sum then goes to eleven rows.
	type dayAgg struct {
		day Day
		agg Agg
	}
	var days [4]dayAgg
	byDay := days[:0]
	at := func(d Day) *Agg {
		for i := range byDay {
			if byDay[i].day == d {
				return &byDay[i].agg
			}
		}
		byDay = append(byDay, dayAgg{day: d})
		return &byDay[len(byDay)-1].agg
	}
	for _, e := range f.Entries {
		at(e.Day).V[e.M] += e.V
	}
	for _, h := range f.Hists {
		at(h.Day).H[h.H].Add(h.B, 1)
	}
	for i := range byDay {
		d := &byDay[i]
		r.row(Key{Day: d.day}).Merge(&d.agg, sign)
		for j, v := range f.Dims {
			if v != "" && j < len(dims) {
				r.row(Key{d.day, dims[j], v}).Merge(&d.agg, sign)
			}
		}
	}
}

func (r Rollup) row(k Key) *Agg {
	a := r[k]
	if a == nil {
		a = new(Agg)
		r[k] = a
	}
	return a
}
