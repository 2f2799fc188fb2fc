package sqlstore

import (
	"math"
	"strconv"
	"strings"

	"aftersales"
	"aftersales/internal/analytics"
)

// kpi_monthly holds the sums of kpi_daily's rows by dimension value and
// local month (day is the month's first day), kept with kpi_daily by the
// same refresh and rebuild (monthly, writeDeltas, rebuild). A read of a
// dimension over a range takes from it every whole month of the range in
// which each of its readers either takes every day, grouped so that a
// month's days fall together (by value, by month, by quarter), or takes
// none; the other days come from kpi_daily. The rows summed are the same,
// so the answers are the same: a year of technicians is twelve rows per
// technician instead of 365.

// span is one reader's days of a rollup read, [from, to), and whether its
// grouping keeps each month's days together (whole).
type span struct {
	from, to analytics.Day
	whole    bool
}

// wholeGrain reports whether grouping by g keeps a month's days together.
// An empty grain groups by value (or, without a grouping, by month).
func wholeGrain(g aftersales.Grain) bool {
	return g == "" || g == aftersales.GrainMonth || g == aftersales.GrainQuarter
}

func nextMonth(m analytics.Day) analytics.Day { return nextPeriod(m, aftersales.GrainMonth) }

// monthsRead is the months of [from, to) of dim read from kpi_monthly for
// the readers in spans: whole months, each either wholly inside a
// reader's days with a grouping that keeps it together, or outside them.
// The pair rollups are monthly already and have no monthly rows.
func monthsRead(dim string, from, to analytics.Day, spans []span) []analytics.Day {
	if strings.Contains(dim, analytics.PairSep) {
		return nil
	}
	var out []analytics.Day
	for m := analytics.MonthStart(from); m < to; m = nextMonth(m) {
		if m < from || nextMonth(m) > to {
			continue
		}
		ok := true
		for _, s := range spans {
			if !fitsMonth(m, s) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// fitsMonth reports whether the reader s can take month m's monthly row:
// m lies wholly outside its days, or wholly inside with a grouping that
// keeps it together.
func fitsMonth(m analytics.Day, s span) bool {
	e := nextMonth(m)
	if e <= s.from || s.to <= m {
		return true
	}
	return s.whole && s.from <= m && e <= s.to
}

// rollupRead is one statement reading the rows of dim (of val only when
// oneVal) over [from, to) with the given columns: the months in months
// (sorted, whole, within the range) from kpi_monthly, the other days from
// kpi_daily. Each run of days or months is a branch of a UNION ALL over an
// index range; a monthly row's day is its month's first day.
func rollupRead(cols []string, dim, val string, oneVal bool, from, to analytics.Day, months []analytics.Day) (string, []any) {
	args := []any{dim}
	scope := `dim = $1`
	if oneVal {
		args = append(args, val)
		scope += ` AND val = $2`
	}
	sel := strings.Join(cols, ", ")
	var branches []string
	branch := func(monthly bool, lo, hi analytics.Day) {
		table := "kpi_daily"
		if monthly {
			table = "kpi_monthly"
		}
		args = append(args, int64(lo), int64(hi))
		n := len(args)
		branches = append(branches, `SELECT `+sel+` FROM `+table+` WHERE `+scope+
			` AND day >= $`+strconv.Itoa(n-1)+` AND day < $`+strconv.Itoa(n))
	}
	// The days outside the months, run by run.
	d := from
	for _, m := range months {
		if d < m {
			branch(false, d, m)
		}
		d = nextMonth(m)
	}
	if d < to || len(months) == 0 {
		branch(false, d, to)
	}
	// The months, run by run.
	for i := 0; i < len(months); {
		j := i + 1
		for j < len(months) && months[j] == nextMonth(months[j-1]) {
			j++
		}
		branch(true, months[i], nextMonth(months[j-1]))
		i = j
	}
	return strings.Join(branches, ` UNION ALL `), args
}

// rollupCols are the columns read for uses and hists, after val and day.
func rollupCols(uses []analytics.Measure, hists []analytics.HistKind) []string {
	cols := []string{"val", "day"}
	for _, m := range uses {
		cols = append(cols, analytics.MeasureNames[m])
	}
	for _, h := range hists {
		cols = append(cols, analytics.HistNames[h])
	}
	return cols
}

// monthsFor is monthsRead for one reader, or none when the store reads
// every day from kpi_daily (tests).
func (db *DB) monthsFor(dim string, sp span) []analytics.Day {
	if db.dailyOnly {
		return nil
	}
	return monthsRead(dim, sp.from, sp.to, []span{sp})
}

// backlogBefore is the backlog's read of created − done (as n) over every
// day of dim (of val only when oneVal) before day: the whole months from
// kpi_monthly, the days of day's month from kpi_daily. The query is
// head, the rows, then tail.
func (db *DB) backlogBefore(head, tail, dim, val string, oneVal bool, day analytics.Day) (string, []any) {
	scope, args := `dim = $1`, []any{dim}
	if oneVal {
		scope, args = scope+` AND val = $2`, append(args, val)
	}
	month := analytics.MonthStart(day)
	if db.dailyOnly || strings.Contains(dim, analytics.PairSep) {
		month = analytics.Day(math.MinInt32)
	}
	args = append(args, int64(month), int64(day))
	lo, hi := `$`+strconv.Itoa(len(args)-1), `$`+strconv.Itoa(len(args))
	return head + ` (SELECT val, created - done AS n FROM kpi_monthly WHERE ` + scope + ` AND day < ` + lo +
		` UNION ALL SELECT val, created - done AS n FROM kpi_daily WHERE ` + scope + ` AND day >= ` + lo + ` AND day < ` + hi + `) r ` + tail, args
}
