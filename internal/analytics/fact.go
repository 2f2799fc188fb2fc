package analytics

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"time"

	"aftersales"
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
	ne := r.uvarint(1 << 16)
	f.Entries = make([]Entry, ne)
	for i := range f.Entries {
		f.Entries[i] = Entry{Day(r.varint()), Measure(r.uvarint(uint64(NumMeasures) - 1)), r.varint()}
	}
	nh := r.uvarint(1 << 10)
	f.Hists = make([]HistEntry, nh)
	for i := range f.Hists {
		f.Hists[i] = HistEntry{Day(r.varint()), HistKind(r.uvarint(uint64(NumHists) - 1)), int(r.uvarint(uint64(maxBucket)))}
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
// the all-tickets row, to one row per dimension that has a value, and to
// the monthly pair rows (Pairs). dims names the dimensions in the order
// of f.Dims.
func (r Rollup) Apply(f *Fact, dims []string, sign int64) {
	r.ApplyDays(f, dims, sign)
	r.ApplyPairs(f, sign)
}

// dayAgg is one day's (or month's) sum of a fact's entries.
type dayAgg struct {
	day Day
	agg Agg
	nz  []Measure
}

// sumBy sums a fact's entries and histogram observations by period
// (day, or month when month is set) into buf.
func sumBy(f *Fact, month bool, buf []dayAgg) []dayAgg {
	at := func(d Day) *Agg {
		if month {
			d = MonthStart(d)
		}
		for i := range buf {
			if buf[i].day == d {
				return &buf[i].agg
			}
		}
		buf = append(buf, dayAgg{day: d})
		return &buf[len(buf)-1].agg
	}
	for _, e := range f.Entries {
		at(e.Day).V[e.M] += e.V
	}
	for _, h := range f.Hists {
		at(h.Day).H[h.H].Add(h.B, 1)
	}
	for i := range buf {
		buf[i].nz = nonZero(&buf[i].agg, nil)
	}
	return buf
}

// ApplyDays is Apply for the daily rows: all tickets and each dimension.
// A ticket touches two or three days, and each day's sum goes to eleven
// rows.
func (r Rollup) ApplyDays(f *Fact, dims []string, sign int64) {
	var days [4]dayAgg
	for _, d := range sumBy(f, false, days[:0]) {
		r.row(Key{Day: d.day}).mergeSparse(&d.agg, d.nz, sign)
		for j, v := range f.Dims {
			if v != "" && j < len(dims) {
				r.row(Key{d.day, dims[j], v}).mergeSparse(&d.agg, d.nz, sign)
			}
		}
	}
}

// ApplyPairs is Apply for the monthly pair rows: one per month the
// ticket touches and pair of values it has.
func (r Rollup) ApplyPairs(f *Fact, sign int64) {
	var months [4]dayAgg
	var byMonth []dayAgg
	for pi, p := range Pairs {
		if p[1] >= len(f.Dims) || f.Dims[p[0]] == "" || f.Dims[p[1]] == "" {
			continue
		}
		if byMonth == nil {
			byMonth = sumBy(f, true, months[:0])
		}
		val := f.Dims[p[0]] + PairSep + f.Dims[p[1]]
		for i := range byMonth {
			m := &byMonth[i]
			r.row(Key{m.day, pairDims[pi], val}).mergeSparse(&m.agg, m.nz, sign)
		}
	}
}

// nonZero appends the measures of a that are not zero to buf.
func nonZero(a *Agg, buf []Measure) []Measure {
	for m, v := range a.V {
		if v != 0 {
			buf = append(buf, Measure(m))
		}
	}
	return buf
}

// mergeSparse is Merge when only the measures in nz of o can be non-zero.
func (a *Agg) mergeSparse(o *Agg, nz []Measure, sign int64) {
	for _, m := range nz {
		a.V[m] += sign * o.V[m]
	}
	for i := range a.H {
		if len(o.H[i]) > 0 {
			a.H[i].Merge(o.H[i], sign)
		}
	}
}

// Pairs are the dimension pairs kept as monthly rollups, so that a KPI
// can be grouped by one dimension while filtered on the other (the
// technicians of one region, the complaint causes of one product). Each
// pair holds positions in aftersales.Dimensions (the order of a fact's
// Dims), the lower first; the row's dim is "a|b" and its val "x|y".
var Pairs = [][2]int{
	{0, 1}, {0, 4}, {0, 5}, {0, 6}, // team × technician, category, product, channel
	{1, 3}, {1, 4}, {1, 5}, {1, 6}, // technician × region, category, product, channel
	{2, 3},                         // service unit × region
	{0, 3}, {3, 4}, {3, 5}, {3, 6}, // region × team, category, product, channel
	{4, 6}, {5, 6}, // category × channel, product × channel
}

// Paired reports whether the rollups can group by one of the dimensions
// at positions a and b (of aftersales.Dimensions) within the other.
func Paired(a, b int) bool {
	return slices.Contains(Pairs, [2]int{min(a, b), max(a, b)})
}

// PairSep joins a pair's dimensions and values.
const PairSep = "|"

// pairDims are the pairs' row names, "a|b".
var pairDims = func() []string {
	out := make([]string, len(Pairs))
	for i, p := range Pairs {
		out[i] = string(aftersales.Dimensions[p[0]]) + PairSep + string(aftersales.Dimensions[p[1]])
	}
	return out
}()

// MonthStart is the first day of d's month.
func MonthStart(d Day) Day {
	t := time.Unix(int64(d)*86400, 0).UTC()
	return Day(time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func (r Rollup) row(k Key) *Agg {
	a := r[k]
	if a == nil {
		a = new(Agg)
		r[k] = a
	}
	return a
}

// Monthly sums the rows of r by month (kpi_monthly's rows): the key's day
// becomes its month's first day. The pair rows, monthly already, are left
// out.
func (r Rollup) Monthly() Rollup {
	out := Rollup{}
	for k, a := range r {
		if strings.Contains(k.Dim, PairSep) {
			continue
		}
		out.row(Key{Dim: k.Dim, Val: k.Val, Day: MonthStart(k.Day)}).Merge(a, 1)
	}
	return out
}
