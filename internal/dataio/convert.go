package dataio

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"aftersales"
)

// Reader turns the rows of a source into import records. Rows sharing a key
// next to each other fold into one record when the mapping has a history.
type Reader struct {
	src     Source
	m       *Mapping
	source  string
	loc     *time.Location
	now     time.Time
	missing map[string]bool
	// missingLen is the length of the longest value in missing: a longer
	// one is never looked up.
	missingLen int
	cols       map[string]int
	key        col
	fields     [nTargets]*col // by target index (see targetIndex); nil when not mapped
	custom     []namedCol
	hist       *[2]col
	// customJSON and extID are bound when the mapping has them.
	customJSON, extID *col

	pending  *aftersales.ImportRecord // being folded
	rejected []aftersales.RowIssue
	near     *nearIndex
	rows     int
	// boxes holds custom values already boxed as interfaces: the same few
	// values (a department, a ward) come back row after row.
	boxes map[string]any
}

type col struct {
	f     Field
	idx   []int // column positions: one, or several for Join
	tmpl  []tmplPart
	quick []*quickLayout // f.Formats' quick forms, for dates
}

// parseTime reads a date of this field.
func (c *col) parseTime(s string, loc *time.Location) (time.Time, error) {
	return parseTime(s, c.f.Formats, c.quick, loc)
}

// Indexes of the target fields in TargetFields, for the reader's table.
const (
	iTitle = iota
	iDescription
	iChannel
	iNature
	iUrgency
	iStatus
	iCreated
	iFirstResponse
	iAccepted
	iResolved
	iClosed
	iTarget
	iFirstResponseAfter
	iResolutionAfter
	iCategory
	iTeam
	iRegion
	iProduct
	iSerial
	iLat
	iLng
	iCoords
	iAddress
	iTags
	iCustName
	iCustPhone
	iCustEmail
	iCustID
	iReopenCount
	iAssignCount
	iUpdated
	iCancelled
	iNumber
	iCustRef
	nTargets
)

// targetIndex is each target field's index in TargetFields.
var targetIndex = func() map[string]int {
	m := map[string]int{}
	for i, f := range TargetFields {
		m[f] = i
	}
	return m
}()

type namedCol struct {
	name string
	col
}

type tmplPart struct {
	lit string
	idx int // -1 for a literal
}

// NewReader checks the mapping against the source's header: every column the
// mapping names must be there. now bounds dates ("in the future").
func NewReader(src Source, m *Mapping, now time.Time) (*Reader, error) {
	loc := time.UTC
	if m.Zone != nil {
		loc = m.Zone
	}
	if m.TimeZone != "" {
		l, err := time.LoadLocation(m.TimeZone)
		if err != nil {
			return nil, aftersales.Errorf(aftersales.EINVALID, "time_zone %q is not known", m.TimeZone)
		}
		loc = l
	}
	r := &Reader{src: src, m: m, source: m.Source, loc: loc, now: now, missing: map[string]bool{"": true},
		cols: map[string]int{}, boxes: map[string]any{}}
	if r.source == "" {
		r.source = m.Name
	}
	for _, v := range m.Missing {
		r.missing[v] = true
		r.missingLen = max(r.missingLen, len(v))
	}
	for i, h := range src.Header() {
		if _, dup := r.cols[h]; !dup {
			r.cols[h] = i
		}
	}
	var v aftersales.Validator
	bind := func(name string, f Field) col {
		c := col{f: f, quick: compileLayouts(f.Formats)}
		switch {
		case f.Column != "":
			i, ok := r.cols[f.Column]
			v.Check(ok, name, fmt.Sprintf("column %q is not in the file's header", f.Column))
			c.idx = []int{i}
		case len(f.Any) > 0:
			for _, a := range f.Any {
				if i, ok := r.cols[a]; ok {
					c.idx = []int{i}
					break
				}
			}
			// An optional field whose columns are all absent stays empty.
			v.Check(c.idx != nil || !f.Required, name, fmt.Sprintf("none of the columns %q is in the file's header", f.Any))
		case len(f.Join) > 0:
			for _, a := range f.Join {
				i, ok := r.cols[a]
				v.Check(ok, name, fmt.Sprintf("column %q is not in the file's header", a))
				c.idx = append(c.idx, i)
			}
		case f.Template != "":
			t := f.Template
			for t != "" {
				i := strings.IndexByte(t, '{')
				j := strings.IndexByte(t, '}')
				if i < 0 || j < i {
					c.tmpl = append(c.tmpl, tmplPart{lit: t, idx: -1})
					break
				}
				if i > 0 {
					c.tmpl = append(c.tmpl, tmplPart{lit: t[:i], idx: -1})
				}
				name := t[i+1 : j]
				k, ok := r.cols[name]
				v.Check(ok, name, fmt.Sprintf("column %q is not in the file's header", name))
				c.tmpl = append(c.tmpl, tmplPart{idx: k})
				t = t[j+1:]
			}
		}
		return c
	}
	r.key = bind("key", m.Key)
	for name, f := range m.Fields {
		c := bind("fields."+name, f)
		if i, ok := targetIndex[name]; ok {
			r.fields[i] = &c
		}
	}
	for name, f := range m.Custom {
		r.custom = append(r.custom, namedCol{name, bind("custom."+name, f)})
	}
	slices.SortFunc(r.custom, func(a, b namedCol) int { return strings.Compare(a.name, b.name) })
	if m.CustomJSON != nil {
		c := bind("custom_json", *m.CustomJSON)
		r.customJSON = &c
	}
	if m.ExternalID != nil {
		c := bind("external_id", *m.ExternalID)
		r.extID = &c
	}
	if m.History != nil {
		r.hist = &[2]col{bind("history.status", m.History.Status), bind("history.at", m.History.At)}
	}
	if m.NearDuplicate != nil {
		r.near = newNearIndex(*m.NearDuplicate)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

// value reads a field's text from a row; "" when missing.
func (r *Reader) value(c col, row []string) string {
	switch {
	case c.tmpl != nil:
		var b strings.Builder
		filled := false
		for _, p := range c.tmpl {
			if p.idx < 0 {
				b.WriteString(p.lit)
			} else if s := r.clean(row[p.idx]); s != "" {
				b.WriteString(s)
				filled = true
			}
		}
		if !filled {
			return ""
		}
		// Placeholders left empty leave their separators behind.
		return strings.Trim(b.String(), " /·:-,;|")
	case len(c.f.Join) > 0:
		parts := make([]string, 0, 8) // on the stack for up to eight columns
		for _, i := range c.idx {
			if s := r.clean(row[i]); s != "" {
				parts = append(parts, s)
			}
		}
		sep := c.f.Sep
		if sep == "" {
			sep = " > "
		}
		return strings.Join(parts, sep)
	case len(c.idx) == 1:
		return r.clean(row[c.idx[0]])
	}
	return ""
}

func (r *Reader) clean(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= r.missingLen && r.missing[s] {
		return ""
	}
	return s
}

// boxed returns s as an interface value, from boxes when it is there.
// Short values are kept, up to a bound, as copies that hold no row's
// memory.
func (r *Reader) boxed(s string) any {
	if v, ok := r.boxes[s]; ok {
		return v
	}
	if len(s) > 48 || len(r.boxes) >= 4096 {
		return s
	}
	s = strings.Clone(s)
	var v any = s
	r.boxes[s] = v
	return v
}

// Rows returns how many source rows were read so far.
func (r *Reader) Rows() int { return r.rows }

// Next returns the next record, or io.EOF. Rows rejected on the way are
// collected; take them with TakeRejected.
func (r *Reader) Next() (*aftersales.ImportRecord, error) {
	for {
		line, row, err := r.src.Next()
		if err == io.EOF {
			if r.pending != nil {
				rec := r.pending
				r.pending = nil
				return r.finish(rec), nil
			}
			return nil, io.EOF
		}
		if err != nil {
			if re := (*RowError)(nil); errors.As(err, &re) {
				r.rows++
				r.rejected = append(r.rejected, aftersales.RowIssue{Line: re.Line, Field: "row", Kind: "rejected", Reason: re.Reason, Rejected: true})
				continue
			}
			return nil, err
		}
		r.rows++
		key := r.value(r.key, row)
		if key == "" {
			r.reject(line, "", "key", "", "is required (the row's external id)")
			continue
		}
		ext := r.source + ":" + key
		if r.extID != nil {
			if s := r.value(*r.extID, row); s != "" {
				ext = s
			}
		}
		if r.hist != nil && r.pending != nil && r.pending.ExternalID == ext {
			r.fold(line, row)
			continue
		}
		rec, ok := r.convert(line, ext, key, row)
		if !ok {
			continue
		}
		prev := r.pending
		r.pending = rec
		if r.hist == nil {
			r.pending = nil
			return r.finish(rec), nil
		}
		if prev != nil {
			return r.finish(prev), nil
		}
	}
}

// TakeRejected returns and forgets the rows rejected since the last call.
func (r *Reader) TakeRejected() []aftersales.RowIssue {
	out := r.rejected
	r.rejected = nil
	return out
}

func (r *Reader) reject(line int, key, field, value, reason string) {
	r.rejected = append(r.rejected, aftersales.RowIssue{Line: line, Key: key, Field: field, Kind: "rejected", Value: value, Reason: reason, Rejected: true})
}

func flag(rec *aftersales.ImportRecord, line int, key, field, kind, value, reason string) {
	rec.Flags = append(rec.Flags, aftersales.RowIssue{Line: line, Key: key, Field: field, Kind: kind, Value: value, Reason: reason})
}

// recBlock is a record with room for what it points at, so that a row
// takes one allocation instead of one for each of them: its line, the
// first few milestones, its coordinates.
type recBlock struct {
	rec   aftersales.ImportRecord
	line  [1]int // cap 1: a fold's append copies
	times [3]time.Time
	nt    int
	ll    [2]float64
}

// time returns a pointer to a copy of t, in the block while there is room.
func (b *recBlock) time(t time.Time) *time.Time {
	if b.nt == len(b.times) {
		p := new(time.Time) // not &t: t would then go to the heap on every call
		*p = t
		return p
	}
	p := &b.times[b.nt]
	*p = t
	b.nt++
	return p
}

// convert reads one row; false when it was rejected.
func (r *Reader) convert(line int, ext, key string, row []string) (*aftersales.ImportRecord, bool) {
	blk := &recBlock{}
	blk.line[0] = line
	rec := &blk.rec
	*rec = aftersales.ImportRecord{Lines: blk.line[:], ExternalID: ext, Channel: aftersales.ChannelImport,
		Nature: aftersales.NatureOther, Urgency: aftersales.UrgencyNormal, Status: aftersales.StatusNew}
	ok := true
	get := func(i int) (string, bool) {
		c := r.fields[i]
		if c == nil {
			return "", false
		}
		name := TargetFields[i]
		s := r.value(*c, row)
		if s == "" {
			if c.f.Default != "" {
				if c.f.source() {
					flag(rec, line, key, name, aftersales.FlagMissing, "", "was empty; the default "+strconv.Quote(c.f.Default)+" was used")
				}
				return c.f.Default, true
			}
			if c.f.Required {
				r.reject(line, key, name, "", "is required")
				ok = false
			}
			return "", false
		}
		if c.f.Map != nil {
			if to, hit := c.f.Map[s]; hit {
				return to, true
			}
			if c.f.Default != "" {
				flag(rec, line, key, name, aftersales.FlagUnknownValue, s, "is not in the value map; the default "+strconv.Quote(c.f.Default)+" was used")
				return c.f.Default, true
			}
		}
		return s, true
	}
	enum := func(i int, valid func(string) bool, set func(string)) {
		s, has := get(i)
		if !has {
			return
		}
		name := TargetFields[i]
		if !valid(s) {
			r.reject(line, key, name, s, notOneOf(name, s))
			ok = false
			return
		}
		set(s)
	}
	enum(iChannel, func(s string) bool { return aftersales.Channel(s).Valid() }, func(s string) { rec.Channel = aftersales.Channel(s) })
	enum(iNature, func(s string) bool { return aftersales.Nature(s).Valid() }, func(s string) { rec.Nature = aftersales.Nature(s) })
	enum(iUrgency, func(s string) bool { return aftersales.Urgency(s).Valid() }, func(s string) { rec.Urgency = aftersales.Urgency(s) })
	enum(iStatus, func(s string) bool { return aftersales.Status(s).Valid() }, func(s string) { rec.Status = aftersales.Status(s) })

	rec.Title, _ = get(iTitle)
	if rec.Title == "" && ok {
		r.reject(line, key, FTitle, "", "is required")
		return nil, false
	}
	rec.Title = truncate(rec.Title, 200)
	rec.Description, _ = get(iDescription)
	rec.Description = truncate(rec.Description, 20000)

	// Dates: created_at is required and must be plausible.
	s, _ := get(iCreated)
	created, err := r.fields[iCreated].parseTime(s, r.loc)
	switch {
	case s == "" && ok:
		r.reject(line, key, FCreated, "", "is required")
		return nil, false
	case err != nil && s != "":
		r.reject(line, key, FCreated, s, err.Error())
		return nil, false
	case err == nil && !r.plausible(created):
		r.reject(line, key, FCreated, s, "is out of range (before 1990 or in the future)")
		return nil, false
	}
	rec.CreatedAt = created
	milestone := func(i int) *time.Time {
		s, has := get(i)
		if !has {
			return nil
		}
		name := TargetFields[i]
		t, err := r.fields[i].parseTime(s, r.loc)
		switch {
		case err != nil:
			flag(rec, line, key, name, aftersales.FlagBadFormat, s, err.Error())
			return nil
		case name == FTarget && t.Year() < 1990: // a target may lie ahead
			flag(rec, line, key, name, aftersales.FlagDateRange, s, "is out of range (before 1990); left empty")
			return nil
		case name != FTarget && !r.plausible(t):
			flag(rec, line, key, name, aftersales.FlagDateRange, s, "is out of range (before 1990 or in the future); left empty")
			return nil
		}
		return blk.time(t)
	}
	rec.FirstResponseAt = milestone(iFirstResponse)
	rec.AcceptedAt = milestone(iAccepted)
	rec.ResolvedAt = milestone(iResolved)
	rec.ClosedAt = milestone(iClosed)
	rec.TargetAt = milestone(iTarget)
	rec.LastEventAt = milestone(iUpdated)
	rec.CancelledAt = milestone(iCancelled)
	rec.Number, _ = get(iNumber)
	after := func(i int) *time.Time {
		s, has := get(i)
		if !has {
			return nil
		}
		name := TargetFields[i]
		d, err := ParseDuration(s, r.fields[i].f.Unit)
		if err != nil {
			flag(rec, line, key, name, aftersales.FlagBadFormat, s, err.Error())
			return nil
		}
		return blk.time(created.Add(d))
	}
	if t := after(iFirstResponseAfter); t != nil && rec.FirstResponseAt == nil {
		rec.FirstResponseAt = t
	}
	if t := after(iResolutionAfter); t != nil && rec.ResolvedAt == nil {
		rec.ResolvedAt = t
	}

	if s, has := get(iCategory); has {
		sep := r.fields[iCategory].f.Sep
		if sep == "" {
			sep = " > "
		}
		rec.Category = make([]string, 0, strings.Count(s, sep)+1)
		for p := range strings.SplitSeq(s, sep) {
			if p = strings.TrimSpace(p); p != "" {
				rec.Category = append(rec.Category, truncate(p, 100))
			}
		}
	}
	rec.Team, _ = get(iTeam)
	rec.Region, _ = get(iRegion)
	rec.Product, _ = get(iProduct)
	rec.Serial, _ = get(iSerial)
	rec.Address, _ = get(iAddress)
	if s, has := get(iTags); has {
		sep := r.fields[iTags].f.Sep
		if sep == "" {
			sep = ","
		}
		for _, t := range strings.Split(s, sep) {
			if t = strings.TrimSpace(t); t != "" && !slices.Contains(rec.Tags, t) {
				rec.Tags = append(rec.Tags, truncate(t, 50))
			}
		}
	}
	r.coordinates(rec, &blk.ll, line, key, get)
	count := func(i int) int {
		s, has := get(i)
		if !has {
			return 0
		}
		name := TargetFields[i]
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			flag(rec, line, key, name, aftersales.FlagBadFormat, s, "is not a whole number of 0 or more")
			return 0
		}
		return n
	}
	rec.ReopenCount = count(iReopenCount)
	rec.AssignCount = count(iAssignCount)

	rec.CustomerName, _ = get(iCustName)
	rec.CustomerEmail, _ = get(iCustEmail)
	rec.CustomerEmail = strings.ToLower(rec.CustomerEmail)
	if rec.CustomerEmail != "" && !strings.Contains(rec.CustomerEmail, "@") {
		flag(rec, line, key, FCustEmail, aftersales.FlagBadFormat, rec.CustomerEmail, "is not an email address; left empty")
		rec.CustomerEmail = ""
	}
	if s, has := get(iCustPhone); has {
		p, good := aftersales.NormalisePhone(s)
		if good {
			rec.CustomerPhone = p
		} else {
			flag(rec, line, key, FCustPhone, aftersales.FlagBadFormat, s, "is not a phone number (fewer than 7 digits); left empty")
		}
	}
	custID, _ := get(iCustID)
	custRef, _ := get(iCustRef)
	switch {
	case custID != "":
		rec.CustomerKey = "id:" + r.source + ":" + custID
	case custRef != "": // already qualified by its source
		rec.CustomerKey = "id:" + custRef
	case rec.CustomerPhone != "":
		rec.CustomerKey = "phone:" + rec.CustomerPhone
	case rec.CustomerEmail != "":
		rec.CustomerKey = "email:" + rec.CustomerEmail
	}
	if rec.CustomerKey != "" && rec.CustomerName == "" {
		rec.CustomerName = cmp.Or(rec.CustomerPhone, rec.CustomerEmail, custID, custRef)
	}
	if r.customJSON != nil {
		if s := r.value(*r.customJSON, row); s != "" {
			var obj map[string]any
			dec := json.NewDecoder(strings.NewReader(s))
			if err := dec.Decode(&obj); err != nil || dec.More() {
				flag(rec, line, key, "custom_json", aftersales.FlagBadFormat, s, "is not a JSON object; left empty")
			} else if len(obj) > 0 {
				rec.Custom = obj
			}
		}
	}
	for _, c := range r.custom {
		if s := r.value(c.col, row); s != "" {
			if rec.Custom == nil {
				rec.Custom = make(map[string]any, len(r.custom))
			}
			rec.Custom[c.name] = r.boxed(s)
		}
	}
	// A name with nothing to find the customer by stays on the ticket.
	if rec.CustomerKey == "" && rec.CustomerName != "" {
		if rec.Custom == nil {
			rec.Custom = map[string]any{}
		}
		if _, taken := rec.Custom["customer"]; !taken {
			rec.Custom["customer"] = rec.CustomerName
		}
	}
	if r.hist != nil {
		r.addHistory(rec, line, key, row)
	}
	if !ok {
		return nil, false
	}
	return rec, true
}

// coordinates reads the location into ll, which rec then points at.
func (r *Reader) coordinates(rec *aftersales.ImportRecord, ll *[2]float64, line int, key string, get func(int) (string, bool)) {
	var lat, lng float64
	var raw string
	if s, has := get(iCoords); has {
		raw = s
		a, b, ok := strings.Cut(strings.Trim(s, "() "), ",")
		var err1, err2 error
		lat, err1 = strconv.ParseFloat(strings.TrimSpace(a), 64)
		lng, err2 = strconv.ParseFloat(strings.TrimSpace(b), 64)
		if !ok || err1 != nil || err2 != nil {
			flag(rec, line, key, FCoords, aftersales.FlagBadFormat, s, `is not "(lat, lng)"`)
			return
		}
	} else {
		a, hasA := get(iLat)
		b, hasB := get(iLng)
		if !hasA || !hasB {
			return
		}
		raw = a + ", " + b
		var err1, err2 error
		lat, err1 = strconv.ParseFloat(a, 64)
		lng, err2 = strconv.ParseFloat(b, 64)
		if err1 != nil || err2 != nil {
			flag(rec, line, key, FLat, aftersales.FlagBadFormat, raw, "is not a pair of decimal degrees")
			return
		}
	}
	switch {
	case lat == 0 && lng == 0:
		flag(rec, line, key, FCoords, aftersales.FlagZeroCoords, raw, "is (0, 0), a missing location written as a place; left empty")
	case math.Abs(lat) > 90 || math.Abs(lng) > 180:
		flag(rec, line, key, FCoords, aftersales.FlagBadFormat, raw, "is outside the globe; left empty")
	default:
		ll[0], ll[1] = lat, lng
		rec.Lat, rec.Lng = &ll[0], &ll[1]
	}
}

func (r *Reader) plausible(t time.Time) bool {
	return t.Year() >= 1990 && !t.After(r.now.Add(24*time.Hour))
}

func (r *Reader) addHistory(rec *aftersales.ImportRecord, line int, key string, row []string) {
	st := r.value(r.hist[0], row)
	if to, hit := r.hist[0].f.Map[st]; hit {
		st = to
	}
	if st == "" {
		return
	}
	if !aftersales.Status(st).Valid() {
		flag(rec, line, key, "history.status", aftersales.FlagUnknownValue, st, "is not a known status; the row adds no history")
		return
	}
	s := r.value(r.hist[1], row)
	at, err := r.hist[1].parseTime(s, r.loc)
	if err != nil || !r.plausible(at) {
		flag(rec, line, key, "history.at", aftersales.FlagBadFormat, s, "is not a usable date; the row adds no history")
		return
	}
	if n := len(rec.History); n > 0 && rec.History[n-1].Status == aftersales.Status(st) {
		return
	}
	rec.History = append(rec.History, aftersales.ImportEvent{At: at, Status: aftersales.Status(st), Line: line})
}

// fold merges a later row of the same key: the latest row's values win,
// its status change joins the history.
func (r *Reader) fold(line int, row []string) {
	rec := r.pending
	key := strings.TrimPrefix(rec.ExternalID, r.source+":")
	next, ok := r.convert(line, rec.ExternalID, key, row)
	if !ok {
		return
	}
	next.Lines = append(rec.Lines, line)
	next.History = append(rec.History, next.History...)
	next.Flags = append(rec.Flags, next.Flags...)
	next.CreatedAt = rec.CreatedAt
	r.pending = next
}

// finish derives milestones, checks their order and fingerprints the record.
func (r *Reader) finish(rec *aftersales.ImportRecord) *aftersales.ImportRecord {
	line := rec.Lines[len(rec.Lines)-1]
	key := strings.TrimPrefix(rec.ExternalID, r.source+":")
	// History collapses repeats across folded rows too.
	h := rec.History[:0]
	for _, e := range rec.History {
		if n := len(h); n == 0 || h[n-1].Status != e.Status {
			h = append(h, e)
		}
	}
	rec.History = h
	// The first move off "new" is when the source accepted and first answered.
	for _, e := range rec.History {
		if e.Status != aftersales.StatusNew {
			if rec.AcceptedAt == nil {
				rec.AcceptedAt = &e.At
			}
			if rec.FirstResponseAt == nil {
				rec.FirstResponseAt = &e.At
			}
			break
		}
	}
	derived := false
	if rec.ClosedAt != nil && rec.ResolvedAt == nil && rec.Status == aftersales.StatusClosed {
		t := *rec.ClosedAt
		rec.ResolvedAt, derived = &t, true
	}
	check := func(name string, p **time.Time) {
		if *p == nil {
			return
		}
		switch d := (*p).Sub(rec.CreatedAt); {
		case d < 0:
			flag(rec, line, key, name, aftersales.FlagClosedBefore, (*p).Format(time.RFC3339),
				fmt.Sprintf("is %s before created_at; left empty", (-d).Round(time.Second)))
			*p = nil
		case d == 0 && (name == FClosed || name == FResolved && !derived):
			flag(rec, line, key, name, aftersales.FlagZeroDuration, (*p).Format(time.RFC3339), "equals created_at (a zero duration)")
		}
	}
	closedBefore := rec.ClosedAt != nil && rec.ClosedAt.Before(rec.CreatedAt)
	check(FClosed, &rec.ClosedAt)
	if closedBefore && rec.ResolvedAt != nil && rec.ResolvedAt.Before(rec.CreatedAt) {
		rec.ResolvedAt = nil // the same bad value, derived: one flag is enough
	}
	check(FResolved, &rec.ResolvedAt)
	check(FFirstResponse, &rec.FirstResponseAt)
	check(FAccepted, &rec.AcceptedAt)
	check(FCancelled, &rec.CancelledAt)
	dateClosing(rec, line, key)
	if r.near != nil {
		r.near.check(rec, key)
	}
	rec.Hash = r.fingerprint(rec)
	return rec
}

// dateClosing applies the rule for a ticket the source calls resolved,
// closed or cancelled without a usable date for it (none mapped, or the
// value was unreadable, out of range or before the creation): such a
// ticket would stay in the backlog forever and never count as resolved.
// It keeps its status; the missing time becomes the last known event
// time (the source's updated_at, the latest history entry or milestone,
// else the creation time), and a flag names the time used.
func dateClosing(rec *aftersales.ImportRecord, line int, key string) {
	var dst []**time.Time
	field := FClosed
	switch rec.Status {
	case aftersales.StatusResolved, aftersales.StatusClosed:
		if rec.ResolvedAt != nil {
			return
		}
		if rec.ClosedAt != nil { // a resolved status dated only by a closing
			t := *rec.ClosedAt
			rec.ResolvedAt = &t
			return
		}
		dst = []**time.Time{&rec.ResolvedAt}
		if rec.Status == aftersales.StatusClosed {
			dst = append(dst, &rec.ClosedAt)
		} else {
			field = FResolved
		}
	case aftersales.StatusCancelled:
		if rec.CancelledAt != nil {
			return
		}
		dst, field = []**time.Time{&rec.CancelledAt}, FCancelled
	default:
		return
	}
	at, from := rec.CreatedAt, FCreated
	later := func(p *time.Time, name string) {
		if p != nil && p.After(at) {
			at, from = *p, name
		}
	}
	later(rec.FirstResponseAt, FFirstResponse)
	later(rec.AcceptedAt, FAccepted)
	for _, e := range rec.History {
		later(&e.At, "history ("+string(e.Status)+")")
	}
	later(rec.LastEventAt, FUpdated)
	for _, p := range dst {
		t := at
		*p = &t
	}
	flag(rec, line, key, field, aftersales.FlagNoClosingDate, at.Format(time.RFC3339),
		fmt.Sprintf("status is %s but there is no usable date for it; the last known event time (%s) was used", rec.Status, from))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n])
}

// fingerprint hashes everything a record would write, so re-importing an
// unchanged row is recognised. It is FNV-1a over the same bytes as when it
// went through hash/fnv, written out so that no string is copied into a
// []byte on the way: the stored hashes of earlier imports still match.
func (r *Reader) fingerprint(rec *aftersales.ImportRecord) uint64 {
	h := fnv1a(fnvOffset)
	var buf [20]byte
	tm := func(t *time.Time) {
		if t == nil {
			h.byte(1)
			return
		}
		h.u64(uint64(t.UnixMilli()))
	}
	num := func(f *float64) {
		if f == nil {
			h.byte(1)
			return
		}
		h.u64(math.Float64bits(*f))
	}
	h.str(string(rec.Channel))
	h.str(string(rec.Nature))
	h.str(string(rec.Urgency))
	h.str(string(rec.Status))
	h.str(rec.Title)
	h.str(rec.Description)
	created := rec.CreatedAt
	tm(&created)
	for _, t := range []*time.Time{rec.FirstResponseAt, rec.AcceptedAt, rec.ResolvedAt, rec.ClosedAt, rec.TargetAt} {
		tm(t)
	}
	// Only when set, so that earlier imports' hashes still match.
	if rec.CancelledAt != nil {
		tm(rec.CancelledAt)
	}
	if rec.Number != "" {
		h.str(rec.Number)
	}
	b := strconv.AppendInt(buf[:0], int64(rec.ReopenCount), 10)
	b = append(b, '/')
	h.bytes(strconv.AppendInt(b, int64(rec.AssignCount), 10))
	h.byte(0)
	h.joined(rec.Category)
	for _, s := range []string{rec.Team, rec.Region, rec.Product, rec.Serial, rec.Address} {
		h.str(s)
	}
	h.joined(rec.Tags)
	for _, s := range []string{rec.CustomerKey, rec.CustomerName, rec.CustomerPhone, rec.CustomerEmail} {
		h.str(s)
	}
	num(rec.Lat)
	num(rec.Lng)
	// The custom values in key order. Most often they are just the
	// mapping's custom columns, which r.custom holds sorted: found
	// there, every key is, and nothing needs sorting.
	var small [8]member
	ms := small[:0]
	for _, c := range r.custom {
		if v, ok := rec.Custom[c.name]; ok {
			ms = append(ms, member{c.name, v})
		}
	}
	if len(ms) != len(rec.Custom) {
		ms = ms[:0]
		for k, v := range rec.Custom {
			ms = append(ms, member{k, v})
		}
		slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.k, b.k) })
	}
	for _, m := range ms {
		h.str(m.k)
		if v, ok := m.v.(string); ok {
			h.str(v) // what fmt.Sprint gives for a string
		} else {
			h.str(fmt.Sprint(m.v))
		}
	}
	for _, e := range rec.History {
		tm(&e.At)
		h.str(string(e.Status))
	}
	return uint64(h)
}

// member is a custom key and its value.
type member struct {
	k string
	v any
}

// fnv1a is a 64-bit FNV-1a hash in progress, as hash/fnv's New64a.
type fnv1a uint64

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (h *fnv1a) byte(c byte) { *h = (*h ^ fnv1a(c)) * fnvPrime }

func (h *fnv1a) bytes(b []byte) {
	x := *h
	for _, c := range b {
		x = (x ^ fnv1a(c)) * fnvPrime
	}
	*h = x
}

// str hashes s and a NUL after it.
func (h *fnv1a) str(s string) {
	x := *h
	for i := 0; i < len(s); i++ {
		x = (x ^ fnv1a(s[i])) * fnvPrime
	}
	*h = x * fnvPrime // ^ 0
}

// joined hashes ss joined by U+001F and a NUL after them.
func (h *fnv1a) joined(ss []string) {
	for i, s := range ss {
		if i > 0 {
			h.byte(0x1f)
		}
		x := *h
		for j := 0; j < len(s); j++ {
			x = (x ^ fnv1a(s[j])) * fnvPrime
		}
		*h = x
	}
	h.byte(0)
}

// u64 hashes v's eight little-endian bytes.
func (h *fnv1a) u64(v uint64) {
	x := *h
	for range 8 {
		x = (x ^ fnv1a(v&0xff)) * fnvPrime
		v >>= 8
	}
	*h = x
}
