package field

import (
	"time"

	"aftersales"
)

// Technician utilisation (docs/KPIS.md, technician_utilisation): booked
// visit time over shift time, per technician and local day. It belongs to
// a technician's day, not to a ticket, so the store evaluates it from the
// calendars and visits rather than from the per-ticket rollups.

// UtilVisit is what utilisation needs of one visit.
type UtilVisit struct {
	Status      aftersales.VisitStatus
	WindowStart time.Time
	DurationMin int
	CheckedIn   time.Time // zero when not checked in
	CheckedOut  time.Time // zero when not checked out
}

// UtilDay is one technician's day: booked visit minutes and shift
// minutes less leave.
type UtilDay struct {
	Booked, Shift int64
}

// BookedOn says when a visit books its technician's time and for how
// many whole minutes: a completed visit from check-in to check-out, on
// its check-in instant; any other visit not cancelled its estimated
// duration, on the start of its window. ok is false for a cancelled
// visit.
func BookedOn(v UtilVisit) (at time.Time, minutes int64, ok bool) {
	switch {
	case v.Status == aftersales.VisitCancelled:
		return time.Time{}, 0, false
	case v.Status == aftersales.VisitCompleted && !v.CheckedIn.IsZero() && !v.CheckedOut.IsZero():
		return v.CheckedIn, int64(v.CheckedOut.Sub(v.CheckedIn) / time.Minute), true
	}
	return v.WindowStart, int64(v.DurationMin), true
}

// ShiftMinutes is a technician's working time on the local day that
// starts at midnight: the shifts of that weekday less leave, in minutes.
func ShiftMinutes(shifts []aftersales.Shift, leave []aftersales.Leave, midnight time.Time) int64 {
	var total time.Duration
	for _, iv := range Free(&Calendar{Shifts: shifts, Leave: leave}, midnight) {
		total += iv.b.Sub(iv.a)
	}
	return int64(total / time.Minute)
}

// Utilisation returns one technician's UtilDay for each local day in
// days (their midnights, ascending and consecutive in one location).
// Visits outside the days are ignored.
func Utilisation(shifts []aftersales.Shift, leave []aftersales.Leave, visits []UtilVisit, days []time.Time) []UtilDay {
	out := make([]UtilDay, len(days))
	if len(days) == 0 {
		return out
	}
	for i, d := range days {
		out[i].Shift = ShiftMinutes(shifts, leave, d)
	}
	loc := days[0].Location()
	first := days[0]
	for _, v := range visits {
		at, m, ok := BookedOn(v)
		if !ok {
			continue
		}
		y, mo, dd := at.In(loc).Date()
		mid := time.Date(y, mo, dd, 0, 0, 0, 0, loc)
		// Whole calendar days between the first midnight and the visit's,
		// counted on the civil calendar so that a DST change does not
		// shift it.
		i := int(time.Date(y, mo, dd, 0, 0, 0, 0, time.UTC).Sub(time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
		if i < 0 || i >= len(days) || !days[i].Equal(mid) {
			continue
		}
		out[i].Booked += m
	}
	return out
}
