package field

import (
	"slices"
	"time"

	"aftersales"
)

// visitSteps is a visit's life: booked, the technician sets off, arrives
// (checks in), leaves with an outcome (completes); a visit that has not
// started can be cancelled. A technician who forgot to say they set off
// may check in straight from scheduled.
var visitSteps = map[aftersales.VisitStatus][]aftersales.VisitStatus{
	aftersales.VisitScheduled: {aftersales.VisitEnRoute, aftersales.VisitCheckedIn, aftersales.VisitCancelled},
	aftersales.VisitEnRoute:   {aftersales.VisitCheckedIn, aftersales.VisitCancelled},
	aftersales.VisitCheckedIn: {aftersales.VisitCompleted},
}

// CanStep reports whether a visit may go from one status to another.
func CanStep(from, to aftersales.VisitStatus) bool { return slices.Contains(visitSteps[from], to) }

// NextSteps lists where a visit in status s may go.
func NextSteps(s aftersales.VisitStatus) []aftersales.VisitStatus { return visitSteps[s] }

// CanReschedule reports whether a visit's window may still move: not
// once the technician is at the door, nor after it ended.
func CanReschedule(s aftersales.VisitStatus) bool {
	return s == aftersales.VisitScheduled || s == aftersales.VisitEnRoute
}

// Late reports whether the technician checked in after the promised
// window ended. The window is the promise to the customer; the SLA has
// nothing to say about it.
func Late(windowEnd time.Time, checkedIn *time.Time) bool {
	return checkedIn != nil && checkedIn.After(windowEnd)
}
