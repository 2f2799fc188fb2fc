package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"aftersales"
	"aftersales/internal/analytics"
	"aftersales/internal/field"
)

// technician_utilisation's rollup (migration 0049). Triggers mark every
// visit whose booking can change in util_dirty; refreshUtil withdraws
// each dirty visit's stored contribution (util_facts) from util_daily
// and adds its new one, within the rollup job's transaction and lock.
// Reads add the pending visits' corrections themselves (utilBooked), so
// an answer is exact without waiting for the job. Shift minutes are not
// rolled up: they are the technicians' calendars evaluated per day.

// utilRebuildAbove is the dirty-queue length from which a refresh
// rebuilds util_daily instead of applying deltas (a bulk load).
const utilRebuildAbove = 20000

// utilKey is a util_daily row: a technician's local day.
type utilKey struct {
	day  analytics.Day
	tech int64
}

// utilSum is what a util_daily row holds: booked minutes and the number
// of visits that booked them.
type utilSum struct{ booked, visits int64 }

// utilVisitCols are what field.BookedOn needs of a visit, after its id:
// scan them with scanUtilVisit.
const utilVisitCols = `v.id, v.technician_id, v.status, v.window_start, v.duration_min, v.checked_in_at, v.checked_out_at`

// utilBooking says which technician-day a visit books and how many
// minutes (field.BookedOn); ok is false when it books nothing.
func (db *DB) utilBooking(tech int64, status string, start int64, dur int, in, out sql.NullInt64) (k utilKey, minutes int64, ok bool) {
	at, minutes, ok := field.BookedOn(utilVisit(status, start, dur, in, out))
	if !ok {
		return utilKey{}, 0, false
	}
	return utilKey{day: analytics.DayOf(at, db.location()), tech: tech}, minutes, true
}

// utilVisit is a visit's row as field's utilisation reads it.
func utilVisit(status string, start int64, dur int, in, out sql.NullInt64) field.UtilVisit {
	v := field.UtilVisit{Status: aftersales.VisitStatus(status), WindowStart: fromMS(start), DurationMin: dur}
	if in.Valid {
		v.CheckedIn = fromMS(in.Int64)
	}
	if out.Valid {
		v.CheckedOut = fromMS(out.Int64)
	}
	return v
}

func (db *DB) scanUtilVisit(scan func(...any) error) (id int64, k utilKey, minutes int64, ok bool, err error) {
	var tech, start int64
	var status string
	var dur int
	var in, out sql.NullInt64
	if err = scan(&id, &tech, &status, &start, &dur, &in, &out); err != nil {
		return
	}
	k, minutes, ok = db.utilBooking(tech, status, start, dur, in, out)
	return
}

// refreshUtil folds up to limit dirty visits into util_daily, or
// rebuilds it when more than utilRebuildAbove are dirty, within b's
// transaction (RefreshRollups').
func (db *DB) refreshUtil(ctx context.Context, b bulkWriter, limit int) (int, error) {
	var dirty int
	if err := b.query(ctx, `SELECT COUNT(*) FROM util_dirty`, nil, func(scan func(...any) error) error { return scan(&dirty) }); err != nil {
		return 0, err
	}
	if dirty == 0 {
		return 0, nil
	}
	if dirty > utilRebuildAbove {
		return dirty, db.rebuildUtil(ctx, b)
	}
	ids, err := db.claimDirty(ctx, b, `SELECT visit_id FROM util_dirty ORDER BY visit_id LIMIT $1`, limit)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return len(ids), db.applyUtilDeltas(ctx, b, ids)
}

func (db *DB) applyUtilDeltas(ctx context.Context, b bulkWriter, ids []int64) error {
	list := idList(ids)
	delta := map[utilKey]*utilSum{}
	add := func(k utilKey, booked, visits int64) {
		s := delta[k]
		if s == nil {
			s = &utilSum{}
			delta[k] = s
		}
		s.booked += booked
		s.visits += visits
	}
	err := b.query(ctx, `SELECT technician_id, day, booked FROM util_facts WHERE visit_id IN (`+list+`)`, nil, func(scan func(...any) error) error {
		var tech, day, booked int64
		if err := scan(&tech, &day, &booked); err != nil {
			return err
		}
		add(utilKey{day: analytics.Day(day), tech: tech}, -booked, -1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("old facts: %w", err)
	}
	var facts [][]any
	err = b.query(ctx, `SELECT `+utilVisitCols+` FROM visits v WHERE v.id IN (`+list+`) AND v.technician_id IS NOT NULL`, nil, func(scan func(...any) error) error {
		id, k, m, ok, err := db.scanUtilVisit(scan)
		if err != nil || !ok {
			return err
		}
		add(k, m, 1)
		facts = append(facts, []any{id, k.tech, int64(k.day), m})
		return nil
	})
	if err != nil {
		return fmt.Errorf("visits: %w", err)
	}
	if err := b.exec(ctx, `DELETE FROM util_facts WHERE visit_id IN (`+list+`)`); err != nil {
		return err
	}
	if err := b.copy(ctx, "util_facts", []string{"visit_id", "technician_id", "day", "booked"}, facts); err != nil {
		return err
	}
	if err := db.writeUtilDeltas(ctx, b, delta); err != nil {
		return err
	}
	return b.exec(ctx, `DELETE FROM util_dirty WHERE visit_id IN (`+list+`)`)
}

// writeUtilDeltas adds delta to util_daily, a statement per 200 rows,
// and removes the rows left without a visit.
func (db *DB) writeUtilDeltas(ctx context.Context, b bulkWriter, delta map[utilKey]*utilSum) error {
	keys := make([]utilKey, 0, len(delta))
	for k, s := range delta {
		if *s != (utilSum{}) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.SortFunc(keys, func(x, y utilKey) int { return cmp.Or(cmp.Compare(x.tech, y.tech), cmp.Compare(x.day, y.day)) })
	const upsert = ` ON CONFLICT (technician_id, day) DO UPDATE SET booked = util_daily.booked + excluded.booked, visits = util_daily.visits + excluded.visits`
	const per = 200
	emptied := map[int64][]int64{} // technician: days that lost visits
	for start := 0; start < len(keys); start += per {
		chunk := keys[start:min(start+per, len(keys))]
		var q string
		var args []any
		if db.d.engine == Postgres {
			d, t, bk, v := make([]int64, len(chunk)), make([]int64, len(chunk)), make([]int64, len(chunk)), make([]int64, len(chunk))
			for i, k := range chunk {
				s := delta[k]
				d[i], t[i], bk[i], v[i] = int64(k.day), k.tech, s.booked, s.visits
			}
			q = `INSERT INTO util_daily (day, technician_id, booked, visits) SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::bigint[])` + upsert
			args = []any{d, t, bk, v}
		} else {
			var sb strings.Builder
			for i, k := range chunk {
				if i > 0 {
					sb.WriteString(", ")
				}
				fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d)", 4*i+1, 4*i+2, 4*i+3, 4*i+4)
				s := delta[k]
				args = append(args, int64(k.day), k.tech, s.booked, s.visits)
			}
			// "WHERE true" keeps SQLite from reading ON CONFLICT as a join
			// constraint of the SELECT.
			q = `INSERT INTO util_daily (day, technician_id, booked, visits) SELECT * FROM (VALUES ` + sb.String() + `) WHERE true` + upsert
		}
		if err := b.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("write utilisation rollup: %w", err)
		}
		for _, k := range chunk {
			if delta[k].visits < 0 {
				emptied[k.tech] = append(emptied[k.tech], int64(k.day))
			}
		}
	}
	for _, tech := range slices.Sorted(maps.Keys(emptied)) {
		if err := b.exec(ctx, `DELETE FROM util_daily WHERE technician_id = $1 AND visits = 0 AND day IN (`+idList(emptied[tech])+`)`, tech); err != nil {
			return err
		}
	}
	return nil
}

// rebuildUtil computes util_daily from the visits and swaps the stored
// rollup and facts for the computation.
func (db *DB) rebuildUtil(ctx context.Context, b bulkWriter) error {
	// On PostgreSQL not the marks of writes still open (claimDirty):
	// they stay queued and the next refresh folds them in again.
	for _, q := range []string{`DELETE FROM util_dirty WHERE visit_id IN (SELECT visit_id FROM util_dirty` + db.d.skipLocked + `)`, `DELETE FROM util_facts`} {
		if err := b.exec(ctx, q); err != nil {
			return err
		}
	}
	full, facts, err := db.computeUtil(ctx, b, true)
	if err != nil {
		return err
	}
	if err := b.exec(ctx, `DELETE FROM util_daily`); err != nil {
		return err
	}
	rows := make([][]any, 0, len(full))
	for k, s := range full {
		rows = append(rows, []any{int64(k.day), k.tech, s.booked, s.visits})
	}
	if err := b.copy(ctx, "util_facts", []string{"visit_id", "technician_id", "day", "booked"}, facts); err != nil {
		return err
	}
	if err := b.copy(ctx, "util_daily", []string{"day", "technician_id", "booked", "visits"}, rows); err != nil {
		return err
	}
	// PostgreSQL's planner must know the queue is empty now: a read
	// finds the pending visits from it, and a guessed thousand rows
	// would hash-join every visit instead.
	if len(facts) >= 5000 {
		b.analyze("util_daily", "util_facts", "util_dirty")
	}
	return nil
}

// computeUtil computes util_daily's rows from the visits read through
// r, and with replace each visit's util_facts row. Without replace (a
// check) a visit waiting in util_dirty counts as util_daily holds it
// until the rollup job folds it in: by its stored contribution (none
// for a visit not folded in yet), so that a snapshot taken while visits
// wait compares equal.
func (db *DB) computeUtil(ctx context.Context, r bulkReader, replace bool) (map[utilKey]*utilSum, [][]any, error) {
	full := map[utilKey]*utilSum{}
	add := func(k utilKey, m int64) {
		s := full[k]
		if s == nil {
			s = &utilSum{}
			full[k] = s
		}
		s.booked += m
		s.visits++
	}
	var facts [][]any
	q := `SELECT ` + utilVisitCols + ` FROM visits v WHERE v.technician_id IS NOT NULL AND v.status <> 'cancelled'`
	if !replace {
		q += ` AND v.id NOT IN (SELECT visit_id FROM util_dirty)`
	}
	err := r.query(ctx, q, nil, func(scan func(...any) error) error {
		id, k, m, ok, err := db.scanUtilVisit(scan)
		if err != nil || !ok {
			return err
		}
		add(k, m)
		if replace {
			facts = append(facts, []any{id, k.tech, int64(k.day), m})
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("utilisation visits: %w", err)
	}
	if !replace {
		err := r.query(ctx, `SELECT technician_id, day, booked FROM util_facts WHERE visit_id IN (SELECT visit_id FROM util_dirty)`, nil, func(scan func(...any) error) error {
			var tech, day, m int64
			if err := scan(&tech, &day, &m); err != nil {
				return err
			}
			add(utilKey{day: analytics.Day(day), tech: tech}, m)
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("utilisation of waiting visits: %w", err)
		}
	}
	return full, facts, nil
}

// checkUtil compares util_daily with the visits, both read through r (one
// snapshot), and records the differences in check.
func (db *DB) checkUtil(ctx context.Context, r bulkReader, check *aftersales.RollupCheck) error {
	full, _, err := db.computeUtil(ctx, r, false)
	if err != nil {
		return err
	}
	err = r.query(ctx, `SELECT day, technician_id, booked, visits FROM util_daily`, nil, func(scan func(...any) error) error {
		var day, tech int64
		var s utilSum
		if err := scan(&day, &tech, &s.booked, &s.visits); err != nil {
			return err
		}
		k := utilKey{day: analytics.Day(day), tech: tech}
		want, ok := full[k]
		switch {
		case !ok:
			mismatch(check, fmt.Sprintf("utilisation of technician %d day %d: stored but not computed", k.tech, k.day))
		case *want != s:
			mismatch(check, fmt.Sprintf("utilisation of technician %d day %d: stored %+v, computed %+v", k.tech, k.day, s, *want))
		}
		delete(full, k)
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range slices.SortedFunc(maps.Keys(full), func(x, y utilKey) int { return cmp.Or(cmp.Compare(x.day, y.day), cmp.Compare(x.tech, y.tech)) }) {
		mismatch(check, fmt.Sprintf("utilisation of technician %d day %d: computed but not stored", k.tech, k.day))
	}
	return nil
}

// utilBooked reads the booked minutes of every technician-day in
// [from, to) from util_daily, corrected for the visits the rollup job
// has not folded in yet (their stored contribution withdrawn, their
// current one added), in one statement so that the three parts are one
// snapshot. It returns each technician's minutes by day index from
// from.
func (db *DB) utilBooked(ctx context.Context, techs []int64, from, to analytics.Day) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(techs) == 0 || from >= to {
		return out, nil
	}
	// Only the technicians asked: visits also name users without a
	// technician profile (a ticket's assignee), whose days no answer
	// counts.
	in := idList(techs)
	add := func(k utilKey, m int64) {
		if k.day < from || k.day >= to {
			return
		}
		s := out[k.tech]
		if s == nil {
			s = make([]int64, to-from)
			out[k.tech] = s
		}
		s[k.day-from] += m
	}
	// The first column says what a row is: a rollup row (1), a pending
	// visit's stored contribution (-1) or its current one (0). The
	// pending visits are found from util_dirty ("IN"): as a join, SQLite
	// scanned every visit and fact and probed the queue with each.
	rows, err := db.a.QueryContext(ctx, `SELECT 1, technician_id, day, booked, '', 0, 0, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
		FROM util_daily WHERE day >= $1 AND day < $2 AND technician_id IN (`+in+`)
		UNION ALL
		SELECT -1, f.technician_id, f.day, f.booked, '', 0, 0, NULL, NULL FROM util_facts f
		WHERE f.visit_id IN (SELECT visit_id FROM util_dirty) AND f.day >= $1 AND f.day < $2
		UNION ALL
		SELECT 0, v.technician_id, 0, 0, v.status, v.window_start, v.duration_min, v.checked_in_at, v.checked_out_at
		FROM visits v WHERE v.id IN (SELECT visit_id FROM util_dirty) AND v.technician_id IS NOT NULL`, int64(from), int64(to))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: utilisation rollup: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, tech, day, booked, start int64
		var status string
		var dur int
		var in, outAt sql.NullInt64
		if err := rows.Scan(&kind, &tech, &day, &booked, &status, &start, &dur, &in, &outAt); err != nil {
			return nil, fmt.Errorf("sqlstore: utilisation rollup: %w", err)
		}
		if kind != 0 {
			add(utilKey{day: analytics.Day(day), tech: tech}, kind*booked)
		} else if k, m, ok := db.utilBooking(tech, status, start, dur, in, outAt); ok {
			add(k, m)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: utilisation rollup: %w", err)
	}
	return out, nil
}
