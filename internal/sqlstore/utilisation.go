package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
	"aftersales/internal/field"
)

// utilisation answers technician_utilisation (docs/KPIS.md): booked visit
// minutes over shift minutes less leave, per technician and local day,
// summed over the technician-days of each period that have shift time.
// It is read from the calendars and visits, not from kpi_daily: it
// belongs to a technician's day, not to a ticket. A technician's service
// point is their profile's unit and every unit above it, their region the
// region above it. num is the booked minutes and n the shift minutes.
func (db *DB) utilisation(ctx context.Context, res *aftersales.MetricResult, matrix bool) (*aftersales.MetricResult, error) {
	q := res.Query
	loc := db.location()
	from, to := analytics.DayOf(q.From, loc), analytics.DayOf(q.To, loc)
	ud, err := db.utilDays(ctx, from, to)
	if err != nil {
		return nil, err
	}
	// sums[val][period] over technician-days with shift time; val "" is
	// the scope's total.
	type sum struct{ booked, shift int64 }
	sums := map[string]map[analytics.Day]*sum{}
	add := func(val string, period analytics.Day, u field.UtilDay) {
		if sums[val] == nil {
			sums[val] = map[analytics.Day]*sum{}
		}
		s := sums[val][period]
		if s == nil {
			s = &sum{}
			sums[val][period] = s
		}
		s.booked += u.Booked
		s.shift += u.Shift
	}
	for _, p := range ud.techs {
		if q.Filter != "" && !slices.Contains(ud.vals(p, q.Filter), q.Value) {
			continue
		}
		var groups []string
		if q.By != "" {
			groups = ud.vals(p, q.By)
			if q.By == q.Filter {
				groups = []string{q.Value}
			}
		}
		for i, u := range ud.days[p.UserID] {
			if u.Shift <= 0 {
				continue
			}
			period := periodStart(from+analytics.Day(i), q.Grain)
			add("", period, u)
			for _, g := range groups {
				add("\x00"+g, period, u)
			}
		}
	}
	point := func(ss ...*sum) aftersales.MetricPoint {
		var t sum
		for _, s := range ss {
			if s != nil {
				t.booked += s.booked
				t.shift += s.shift
			}
		}
		p := aftersales.MetricPoint{Num: t.booked, N: t.shift}
		if t.shift > 0 {
			x := 100 * float64(t.booked) / float64(t.shift)
			p.Value = &x
		}
		return p
	}
	all := func(m map[analytics.Day]*sum) aftersales.MetricPoint { return point(slices.Collect(maps.Values(m))...) }
	res.Total = all(sums[""])
	if q.By == "" {
		for p := periodStart(from, q.Grain); p < to; p = nextPeriod(p, q.Grain) {
			pt := point(sums[""][p])
			pt.Period = p.Date(loc)
			res.Points = append(res.Points, pt)
		}
		return res, nil
	}
	for _, key := range slices.Sorted(maps.Keys(sums)) {
		if key == "" {
			continue
		}
		val := key[1:]
		if !matrix {
			pt := all(sums[key])
			pt.Key = val
			res.Points = append(res.Points, pt)
			continue
		}
		for p := periodStart(from, q.Grain); p < to; p = nextPeriod(p, q.Grain) {
			pt := point(sums[key][p])
			pt.Key, pt.Period = val, p.Date(loc)
			res.Points = append(res.Points, pt)
		}
	}
	if err := db.label(ctx, q.By, q.Locale, res.Points); err != nil {
		return nil, err
	}
	return res, nil
}

// utilData is what technician_utilisation is evaluated from over the
// local days [from, to): every technician's profile and UtilDay of each
// day (by day index from from), and a technician's values of a dimension.
type utilData struct {
	techs []*aftersales.TechnicianProfile
	days  map[int64][]field.UtilDay
	vals  func(p *aftersales.TechnicianProfile, d aftersales.Dimension) []string
}

func (db *DB) utilDays(ctx context.Context, from, to analytics.Day) (*utilData, error) {
	loc := db.location()
	env, err := db.utilEnv(ctx)
	if err != nil {
		return nil, err
	}
	techs, parent, kind := env.techs, env.parent, env.kind
	// vals are a technician's values of a dimension.
	vals := func(p *aftersales.TechnicianProfile, d aftersales.Dimension) []string {
		switch d {
		case aftersales.DimTechnician:
			return []string{strconv.FormatInt(p.UserID, 10)}
		case aftersales.DimPoint, aftersales.DimRegion:
			var out []string
			var u int64
			if p.ServiceUnitID != nil {
				u = *p.ServiceUnitID
			}
			for seen := map[int64]bool{}; u != 0 && !seen[u]; u = parent[u] {
				seen[u] = true
				if d == aftersales.DimPoint || kind[u] == "region" {
					out = append(out, strconv.FormatInt(u, 10))
				}
			}
			return out
		}
		return nil
	}
	// The days asked, as local midnights.
	var days []time.Time
	for d := from; d < to; d++ {
		days = append(days, d.Date(loc))
	}
	out := &utilData{techs: techs, days: map[int64][]field.UtilDay{}, vals: vals}
	if recomputeUtil(ctx) {
		return out, db.utilFromVisits(ctx, out, from, to, days)
	}
	ids := make([]int64, len(techs))
	for i, p := range techs {
		ids[i] = p.UserID
	}
	booked, err := db.utilBooked(ctx, ids, from, to)
	if err != nil {
		return nil, err
	}
	for _, p := range techs {
		d := env.shiftDays(p, from, days)
		for i, m := range booked[p.UserID] {
			d[i].Booked += m
		}
		out.days[p.UserID] = d
	}
	return out, nil
}

// utilRecomputeKey marks a context whose utilisation is evaluated from
// the visits themselves instead of util_daily: the recompute the rollup
// is checked against (tests).
type utilRecomputeKey struct{}

func recomputeUtil(ctx context.Context) bool { return ctx.Value(utilRecomputeKey{}) != nil }

// utilFromVisits fills out.days from the visits of the days: the
// definition util_daily must agree with.
func (db *DB) utilFromVisits(ctx context.Context, out *utilData, from, to analytics.Day, days []time.Time) error {
	loc := db.location()
	visits := map[int64][]field.UtilVisit{}
	lo, hi := ms(from.Date(loc)), ms(to.Date(loc))
	rows, err := db.a.QueryContext(ctx, `SELECT technician_id, status, window_start, duration_min, checked_in_at, checked_out_at FROM visits
		WHERE technician_id IS NOT NULL AND status <> 'cancelled'
		  AND (window_start >= $1 AND window_start < $2 OR checked_in_at >= $1 AND checked_in_at < $2)`, lo, hi)
	if err != nil {
		return fmt.Errorf("sqlstore: utilisation visits: %w", err)
	}
	for rows.Next() {
		var tech, start int64
		var dur int
		var status string
		var in, outAt sql.NullInt64
		if err := rows.Scan(&tech, &status, &start, &dur, &in, &outAt); err != nil {
			rows.Close()
			return fmt.Errorf("sqlstore: utilisation visits: %w", err)
		}
		visits[tech] = append(visits[tech], utilVisit(status, start, dur, in, outAt))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: utilisation visits: %w", err)
	}
	for _, p := range out.techs {
		out.days[p.UserID] = field.Utilisation(p.Shifts, p.Leave, visits[p.UserID], days)
	}
	return nil
}

// utilisationEnv is what every utilisation query reads besides visits:
// the technicians' calendars and the service network.
type utilisationEnv struct {
	techs  []*aftersales.TechnicianProfile
	parent map[int64]int64
	kind   map[int64]string
	// shift holds the shift minutes of each technician-day evaluated
	// with this env: the dashboard asks for a year and for days within
	// it in one batch.
	shift map[int64]map[analytics.Day]int64
}

// shiftDays is p's UtilDay of each of days (the local midnights from
// from on) with its shift minutes and nothing booked.
func (env *utilisationEnv) shiftDays(p *aftersales.TechnicianProfile, from analytics.Day, days []time.Time) []field.UtilDay {
	if env.shift == nil {
		env.shift = map[int64]map[analytics.Day]int64{}
	}
	m := env.shift[p.UserID]
	if m == nil {
		m = make(map[analytics.Day]int64, len(days))
		env.shift[p.UserID] = m
	}
	out := make([]field.UtilDay, len(days))
	for i, d := range days {
		s, ok := m[from+analytics.Day(i)]
		if !ok {
			s = field.ShiftMinutes(p.Shifts, p.Leave, d)
			m[from+analytics.Day(i)] = s
		}
		out[i].Shift = s
	}
	return out
}

// utilEnv reads it, once per Metrics batch.
func (db *DB) utilEnv(ctx context.Context) (*utilisationEnv, error) {
	b := batchOf(ctx)
	if b != nil && b.util != nil {
		return b.util, nil
	}
	techs, err := db.loadProfiles(ctx, db.a, 0)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: utilisation: %w", err)
	}
	env := &utilisationEnv{techs: techs, parent: map[int64]int64{}, kind: map[int64]string{}}
	rows, err := db.a.QueryContext(ctx, `SELECT id, parent_id, kind FROM service_units`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: utilisation units: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p sql.NullInt64
		var k string
		if err := rows.Scan(&id, &p, &k); err != nil {
			return nil, fmt.Errorf("sqlstore: utilisation units: %w", err)
		}
		env.parent[id], env.kind[id] = p.Int64, k
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: utilisation units: %w", err)
	}
	if b != nil {
		b.util = env
	}
	return env, nil
}
