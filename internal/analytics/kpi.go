package analytics

import (
	"maps"
	"slices"
	"time"

	"aftersales"
)

// Measure is one additive counter of the rollups. Every KPI is a
// function of summed measures (and histograms), so rollups of days,
// teams or regions combine by addition. Durations are summed in whole
// seconds so that sums stay exact integers and a recompute matches the
// maintained rollups bit for bit.
type Measure int

// The Measure constants are append-only. A ticket's stored fact (the
// kpi_facts rows, Fact.Encode) names each entry's measure by its number,
// and a change withdraws the old fact before adding the new one: a
// measure inserted, removed or moved would make every stored fact
// withdraw the wrong counters from the rollups. So a new measure goes at
// the end, before NumMeasures, with its name at the end of MeasureNames;
// a measure no longer used keeps its number. testdata/measures.txt holds
// the names by position, and TestMeasurePositions fails when an existing
// position changes (go test ./internal/analytics -run
// TestMeasurePositions -update appends new ones). HistKind is stored by
// number too and follows the same rule (testdata/hists.txt).
const (
	// Counted on the ticket's creation day.
	MCreated           Measure = iota
	MComplaints                // nature = complaint
	MResponded                 // has a first response
	MFRTSum                    // seconds from creation to first response
	MAccepted                  // has been accepted
	MTTASum                    // seconds from creation to acceptance
	MReassigned                // assigned more than once
	MResolvedOfCreated         // resolved or closed (not cancelled) as of the last change
	MComplaintTimely           // complaint with a first response within 24 hours
	MComplaintClosed           // complaint resolved within 30 days of creation
	MWithAsset                 // names an asset
	MRepeat                    // the asset had another ticket in the 30 days before
	MOpen                      // not resolved, closed or cancelled (as of the last change)
	// Counted on the day the first-response SLA stopped or breached.
	MFRSLA
	MFRSLAMet
	// Counted on the resolution day (resolved_at, or closed_at when the
	// ticket was closed without a resolved mark).
	MResolved
	MResSum // seconds from creation to resolution
	MFCR
	MReopened
	MResSLA
	MResSLAMet
	MFeedback      // resolved tickets with a follow-up answer
	MCSATN         // answers with a CSAT score
	MCSATSum       // sum of CSAT scores
	MCSATTop2      // CSAT 4 or 5
	MNPSN          // answers with a recommendation score
	MNPSPromoters  // 9-10
	MNPSDetractors // 0-6
	MComplaintCSATN
	MComplaintCSATSum
	// Counted on the day the ticket left the backlog (resolved, closed or
	// cancelled, whichever came first).
	MDone
	MCancelled
	// Counted on the day the technician arrived on site (first in_service)
	// or the arrival SLA breached.
	MArrived
	MArrSum
	MArrSLA
	MArrSLAMet
	// Counted on the day the ticket left the backlog: seconds spent in
	// each stage (StageStatuses order) and whether it passed through it,
	// then the sum of assignments beyond the first.
	MStageSum     // first of len(StageStatuses) sums
	MStageN       = MStageSum + StageCount
	MReassignHops = MStageN + StageCount
	// Counted on the creation day: a repair or return on an asset whose
	// warranty covers that day.
	MWarrantyClaims = MReassignHops + 1
	// Service cost lines (not voided) and their amounts in minor units,
	// counted on the day each cost arose.
	MCostLines = MWarrantyClaims + 1
	MCost      = MCostLines + 1
	// Counted on the resolution day: the resolved ticket's whole cost.
	MCostResolved = MCost + 1
	// Field visits (issue #19). Counted on the check-out day of the
	// ticket's first completed visit: the ticket had one, and it fixed
	// the fault.
	MVisited    = MCostResolved + 1
	MFirstFixed = MVisited + 1
	// Counted on each visit's check-in day: visits checked in, and those
	// checked in by the end of the window promised to the customer.
	MWindowArrivals = MFirstFixed + 1
	MWindowOnTime   = MWindowArrivals + 1
	// Counted on the day each follow-up task (回访) of the ticket was done:
	// done tasks, answered ones (every outcome but unreachable), those
	// done by their deadline, and the answers by outcome.
	MFUDone         = MWindowOnTime + 1
	MFUAnswered     = MFUDone + 1
	MFUOnTime       = MFUAnswered + 1
	MFUSatisfied    = MFUOnTime + 1
	MFUDissatisfied = MFUSatisfied + 1
	MFUNotSolved    = MFUDissatisfied + 1
	// Complaints closed with the customer and CES (issue #20).
	// MCmpClosedCust counts on the creation day a complaint that is now
	// closed by a closure record (confirmed, or unreachable after the
	// documented attempts); MCmpRepeat on the creation day a complaint
	// whose customer or asset had a complaint closed in the 30 days
	// before. MCmpClosed and MCmpOnTime count on the day of that closure:
	// closed, and closed by the severity's target; MCmpClosedBySev and
	// MCmpOnTimeBySev the same per severity (one measure each, in
	// aftersales.ComplaintSeverities order). CES answers
	// count on the resolution day, like CSAT: answers, the sum of scores
	// and answers of low effort (1-3 on the 1-7 scale).
	MCmpClosedCust  = MFUNotSolved + 1
	MCmpClosed      = MCmpClosedCust + 1
	MCmpOnTime      = MCmpClosed + 1
	MCmpClosedBySev = MCmpOnTime + 1 // first of 3
	MCmpOnTimeBySev = MCmpClosedBySev + 3
	MCmpRepeat      = MCmpOnTimeBySev + 3
	MCESN           = MCmpRepeat + 1
	MCESSum         = MCESN + 1
	MCESLow         = MCESSum + 1
	// Field service standards, visits, travel and parts (issue #19,
	// s3/fieldcost). Counted on the check-out day of each completed visit
	// to which a service checklist applied: such visits, and those whose
	// required items were all done.
	MStdVisits    = MCESLow + 1
	MStdCompliant = MStdVisits + 1
	// Counted on the resolution day: resolved tickets with a completed
	// visit, and their completed visits.
	MFieldResolved = MStdCompliant + 1
	MFieldVisits   = MFieldResolved + 1
	// Counted on each completed visit's check-out day: visits whose route
	// leg was planned, and the leg's road distance in metres.
	MTravelVisits = MFieldVisits + 1
	MTravelM      = MTravelVisits + 1
	// Counted on each reservation's creation day: part reservations, and
	// those that could not be served from stock when made.
	MReservations = MTravelM + 1
	MStockOuts    = MReservations + 1
	// Counted on the day a receipt filled a reservation that waited: such
	// reservations and their waits in seconds (the means behind the
	// effect verification of the parts wait).
	MPartsWaited  = MStockOuts + 1
	MPartsWaitSum = MPartsWaited + 1
	// Text analytics (issue #21), counted on the creation day: tickets
	// whose customer text was analysed, and those that read negative.
	MTextAnalysed = MPartsWaitSum + 1
	MTextNegative = MTextAnalysed + 1
	// New measures go here, at the end: stored facts name measures by
	// number, so the numbers of existing ones never change.
	NumMeasures = MTextNegative + 1
)

// MeasureNames are the rollup column names, in Measure order; append
// only, like the constants (testdata/measures.txt).
var MeasureNames = [NumMeasures]string{
	"created", "complaints", "responded", "frt_sum", "accepted", "tta_sum", "reassigned", "resolved_of_created",
	"complaint_timely", "complaint_closed", "with_asset", "repeat_30d", "open_now",
	"fr_sla", "fr_sla_met",
	"resolved", "res_sum", "fcr", "reopened", "res_sla", "res_sla_met", "feedback",
	"csat_n", "csat_sum", "csat_top2", "nps_n", "nps_promoters", "nps_detractors",
	"complaint_csat_n", "complaint_csat_sum",
	"done", "cancelled",
	"arrived", "arr_sum", "arr_sla", "arr_sla_met",
	"st_new_sum", "st_accepted_sum", "st_diagnosing_sum", "st_in_service_sum", "st_awaiting_customer_sum", "st_awaiting_parts_sum", "st_resolved_sum",
	"st_new_n", "st_accepted_n", "st_diagnosing_n", "st_in_service_n", "st_awaiting_customer_n", "st_awaiting_parts_n", "st_resolved_n",
	"reassign_hops", "warranty_claims", "cost_lines", "cost", "cost_resolved",
	"visited", "first_fixed", "window_arrivals", "window_on_time",
	"fu_done", "fu_answered", "fu_on_time", "fu_satisfied", "fu_dissatisfied", "fu_not_solved",
	// issue #20
	"cmp_closed_cust", "cmp_closed", "cmp_on_time", "cmp_closed_minor", "cmp_closed_major", "cmp_closed_critical",
	"cmp_on_time_minor", "cmp_on_time_major", "cmp_on_time_critical", "cmp_repeat",
	"ces_n", "ces_sum", "ces_low",
	// Field service (issue #19, s3/fieldcost).
	"std_visits", "std_compliant", "field_resolved", "field_visits", "travel_visits", "travel_m", "reservations", "stock_outs",
	"parts_waited", "parts_wait_sum",
	"text_analysed", "text_negative",
}

// StageCount is len(StageStatuses).
const StageCount = 7

// StageStatuses are the stages whose durations the bottleneck analysis
// shows: every status a ticket waits in before it is closed.
var StageStatuses = [StageCount]aftersales.Status{aftersales.StatusNew, aftersales.StatusAccepted, aftersales.StatusDiagnosing,
	aftersales.StatusInService, aftersales.StatusAwaitingCustomer, aftersales.StatusAwaitingParts, aftersales.StatusResolved}

// StageIndex returns the position of s in StageStatuses, or -1.
func StageIndex(s aftersales.Status) int {
	for i, x := range StageStatuses {
		if x == s {
			return i
		}
	}
	return -1
}

// HistKind names a duration histogram. Like Measure, it is stored by
// number in the facts: append only.
type HistKind int

const (
	HFRT HistKind = iota // first response, by creation day
	HTTA                 // time to accept, by creation day
	HRes                 // resolution, by resolution day
	HArr                 // creation to arrival on site, by arrival day
	// HPartsWait is a waiting reservation's wait from reservation to the
	// receipt that filled it, by the day it was filled.
	HPartsWait
	NumHists
)

// HistNames are the rollup column names of the histograms.
var HistNames = [NumHists]string{"h_frt", "h_tta", "h_res", "h_arr", "h_parts_wait"}

// Definition constants, written into docs/KPIS.md.
const (
	ComplaintResponseWindow = 24 * time.Hour
	ComplaintClosureWindow  = 30 * 24 * time.Hour
	RepeatWindow            = 30 * 24 * time.Hour
)

// TicketRecord is what a ticket's KPI contribution is computed from.
type TicketRecord struct {
	ID                                                           int64
	Status                                                       aftersales.Status
	Nature                                                       aftersales.Nature
	Created                                                      time.Time
	FirstResponse, Accepted, Resolved, Closed, Cancelled, Target *time.Time
	ReopenCount, AssignCount                                     int
	AwaitedCustomer                                              bool // ever waited for the customer
	HasAsset, Repeat                                             bool
	FRDone                                                       *time.Time // first-response SLA stopped or breached
	FRMet                                                        *bool
	ResBreached                                                  *time.Time // resolution SLA breached while open
	ResMet                                                       *bool      // the SLA engine's verdict, when a policy applied
	// Stages holds the seconds spent in each of StageStatuses, from the
	// timeline; all zero when the ticket has no recorded status history.
	Stages      [StageCount]int64
	Arrived     *time.Time // first time in service (technician on site)
	ArrMet      *bool      // arrival SLA verdict
	ArrBreached *time.Time // arrival SLA breached before arrival
	CSAT, NPS   *int
	// WarrantyEnds is the last day of the asset's warranty (YYYY-MM-DD),
	// empty when the ticket names no asset or the asset has none.
	WarrantyEnds string
	// Costs are the ticket's cost lines that are not voided.
	Costs []Cost
	// Visits are the ticket's visits that were not cancelled, by number.
	Visits []Visit
	// Followups are the ticket's done follow-up tasks.
	Followups []Followup
	// Closure is the complaint's latest closure record while the ticket
	// is closed; nil otherwise (issue #20).
	Closure *ComplaintClosure
	// RepeatComplaint: a complaint whose customer or asset had a
	// complaint closed in the 30 days before its creation.
	RepeatComplaint bool
	// CES is the survey's customer-effort answer (1 very easy - 7 very
	// hard).
	CES *int
	// Reservations are the ticket's part reservations.
	Reservations []Reservation
	// TextPolarity is the sentiment of the customer's text (-1, 0, 1),
	// nil until the text analysis has read the ticket.
	TextPolarity *int
	Dims         []string // values in aftersales.Dimensions order
}

// Visit is what a field visit contributes: when the technician checked
// in and out, the end of the promised window, and the outcome.
type Visit struct {
	WindowEnd             time.Time
	CheckedIn, CheckedOut *time.Time
	Fixed                 bool
	// Checked: a service checklist applied when the visit was completed;
	// Compliant: every required item of it was done.
	Checked, Compliant bool
	// TravelM is the planned road distance of the leg to the visit, in
	// metres; Planned says the route had one.
	TravelM int64
	Planned bool
}

// Reservation is a part reservation: when it was made and, when it could
// not be served from stock at once, when a receipt filled it.
type Reservation struct {
	Created  time.Time
	StockOut bool
	Filled   *time.Time
}

// Cost is one service cost line: its amount in minor units and the local
// day it arose.
type Cost struct {
	Day    Day
	Amount int64
}

// Followup is one done follow-up task: when it was done, how it ended
// and whether by its deadline.
type Followup struct {
	Done    time.Time
	Outcome aftersales.FollowupOutcome
	OnTime  bool
}

// ComplaintClosure is what a complaint's closure contributes: when, the
// severity's index in aftersales.ComplaintSeverities, and whether by the
// severity's target.
type ComplaintClosure struct {
	At       time.Time
	Severity int
	OnTime   bool
}

// CESLowEffort is the highest CES answer (1-7) that counts as low effort.
const CESLowEffort = 3

// DayOfDate returns the day of a YYYY-MM-DD date.
func DayOfDate(d string) (Day, bool) {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return 0, false
	}
	return Day(t.Unix() / 86400), true
}

// Day is a local calendar day counted from 1970-01-01.
type Day int32

// DayOf returns the local day of t.
func DayOf(t time.Time, loc *time.Location) Day {
	y, m, d := t.In(loc).Date()
	return Day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Date returns the day as a date at midnight in loc.
func (d Day) Date(loc *time.Location) time.Time {
	t := time.Unix(int64(d)*86400, 0).UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// Entry adds V to measure M on day Day.
type Entry struct {
	Day Day
	M   Measure
	V   int64
}

// HistEntry adds one observation to bucket B of histogram H on day Day.
type HistEntry struct {
	Day Day
	H   HistKind
	B   int
}

// Fact is everything one ticket contributes to the rollups. It is
// stored per ticket so that a change can withdraw the old contribution
// before adding the new one.
type Fact struct {
	Dims    []string
	Entries []Entry
	Hists   []HistEntry
}

// Contribute computes a ticket's fact. It reads only the record (no
// clock): a ticket's contribution changes only when the ticket does.
func Contribute(r *TicketRecord, loc *time.Location) Fact {
	f := Fact{Dims: r.Dims}
	add := func(t time.Time, m Measure, v int64) { f.Entries = append(f.Entries, Entry{DayOf(t, loc), m, v}) }
	seconds := func(from, to time.Time) int64 { return max(0, int64(to.Sub(from)/time.Second)) }
	c := r.Created
	complaint := r.Nature == aftersales.NatureComplaint

	add(c, MCreated, 1)
	if complaint {
		add(c, MComplaints, 1)
	}
	if (r.Nature == aftersales.NatureRepair || r.Nature == aftersales.NatureReturn) && r.Status != aftersales.StatusCancelled && r.WarrantyEnds != "" &&
		c.In(loc).Format(time.DateOnly) <= r.WarrantyEnds {
		add(c, MWarrantyClaims, 1)
	}
	// Lines of one day make one entry per measure, so a fact stays small
	// however many lines a ticket has.
	var cost int64
	byDay := map[Day][2]int64{}
	for _, x := range r.Costs {
		d := byDay[x.Day]
		byDay[x.Day] = [2]int64{d[0] + 1, d[1] + x.Amount}
		cost += x.Amount
	}
	for _, d := range slices.Sorted(maps.Keys(byDay)) {
		f.Entries = append(f.Entries, Entry{d, MCostLines, byDay[d][0]}, Entry{d, MCost, byDay[d][1]})
	}
	if r.FirstResponse != nil {
		add(c, MResponded, 1)
		add(c, MFRTSum, seconds(c, *r.FirstResponse))
		f.Hists = append(f.Hists, HistEntry{DayOf(c, loc), HFRT, BucketSeconds(seconds(c, *r.FirstResponse))})
		if complaint && r.FirstResponse.Sub(c) <= ComplaintResponseWindow {
			add(c, MComplaintTimely, 1)
		}
	}
	if r.Accepted != nil {
		add(c, MAccepted, 1)
		add(c, MTTASum, seconds(c, *r.Accepted))
		f.Hists = append(f.Hists, HistEntry{DayOf(c, loc), HTTA, BucketSeconds(seconds(c, *r.Accepted))})
	}
	if r.AssignCount > 1 {
		add(c, MReassigned, 1)
	}
	if complaint && r.RepeatComplaint {
		add(c, MCmpRepeat, 1)
	}
	if complaint && r.Closure != nil && r.Status == aftersales.StatusClosed && r.Closure.Severity >= 0 && r.Closure.Severity < 3 {
		add(c, MCmpClosedCust, 1)
		add(r.Closure.At, MCmpClosed, 1)
		add(r.Closure.At, MCmpClosedBySev+Measure(r.Closure.Severity), 1)
		if r.Closure.OnTime {
			add(r.Closure.At, MCmpOnTime, 1)
			add(r.Closure.At, MCmpOnTimeBySev+Measure(r.Closure.Severity), 1)
		}
	}
	if r.HasAsset {
		add(c, MWithAsset, 1)
		if r.Repeat {
			add(c, MRepeat, 1)
		}
	}

	resolved := r.Resolved
	if resolved == nil && r.Status == aftersales.StatusClosed {
		resolved = r.Closed
	}
	if r.Status == aftersales.StatusCancelled {
		resolved = nil
	}
	open := r.Status.Open()
	if !open && resolved != nil {
		add(c, MResolvedOfCreated, 1)
		if complaint && resolved.Sub(c) <= ComplaintClosureWindow {
			add(c, MComplaintClosed, 1)
		}
	}
	if open {
		add(c, MOpen, 1)
	}

	if r.FRDone != nil && r.FRMet != nil {
		add(*r.FRDone, MFRSLA, 1)
		if *r.FRMet {
			add(*r.FRDone, MFRSLAMet, 1)
		}
	}

	if !open && resolved != nil {
		at := *resolved
		add(at, MResolved, 1)
		add(at, MResSum, seconds(c, at))
		if cost > 0 {
			add(at, MCostResolved, cost)
		}
		f.Hists = append(f.Hists, HistEntry{DayOf(at, loc), HRes, BucketSeconds(seconds(c, at))})
		if r.ReopenCount == 0 && r.AssignCount <= 1 && !r.AwaitedCustomer {
			add(at, MFCR, 1)
		}
		if r.ReopenCount > 0 {
			add(at, MReopened, 1)
		}
		met := r.ResMet
		if met == nil && r.Target != nil {
			ok := !at.After(*r.Target)
			met = &ok
		}
		if met != nil {
			add(at, MResSLA, 1)
			if *met {
				add(at, MResSLAMet, 1)
			}
		}
		if r.CSAT != nil || r.NPS != nil {
			add(at, MFeedback, 1)
		}
		if r.CSAT != nil {
			add(at, MCSATN, 1)
			add(at, MCSATSum, int64(*r.CSAT))
			if *r.CSAT >= 4 {
				add(at, MCSATTop2, 1)
			}
			if complaint {
				add(at, MComplaintCSATN, 1)
				add(at, MComplaintCSATSum, int64(*r.CSAT))
			}
		}
		if r.CES != nil {
			add(at, MCESN, 1)
			add(at, MCESSum, int64(*r.CES))
			if *r.CES <= CESLowEffort {
				add(at, MCESLow, 1)
			}
		}
		if r.NPS != nil {
			add(at, MNPSN, 1)
			switch {
			case *r.NPS >= 9:
				add(at, MNPSPromoters, 1)
			case *r.NPS <= 6:
				add(at, MNPSDetractors, 1)
			}
		}
	} else if open && r.ResBreached != nil {
		// Breached and still open: a breach now, counted when it happened.
		add(*r.ResBreached, MResSLA, 1)
	}

	if r.Arrived != nil {
		add(*r.Arrived, MArrived, 1)
		add(*r.Arrived, MArrSum, seconds(c, *r.Arrived))
		f.Hists = append(f.Hists, HistEntry{DayOf(*r.Arrived, loc), HArr, BucketSeconds(seconds(c, *r.Arrived))})
	}
	switch {
	case r.Arrived != nil && r.ArrMet != nil:
		add(*r.Arrived, MArrSLA, 1)
		if *r.ArrMet {
			add(*r.Arrived, MArrSLAMet, 1)
		}
	case r.Arrived == nil && r.ArrBreached != nil:
		add(*r.ArrBreached, MArrSLA, 1)
	}

	first := true
	completed := int64(0)
	for _, v := range r.Visits {
		if v.CheckedOut == nil {
			continue
		}
		completed++
		if v.Checked {
			add(*v.CheckedOut, MStdVisits, 1)
			if v.Compliant {
				add(*v.CheckedOut, MStdCompliant, 1)
			}
		}
		if v.Planned {
			add(*v.CheckedOut, MTravelVisits, 1)
			add(*v.CheckedOut, MTravelM, v.TravelM)
		}
	}
	if !open && resolved != nil && completed > 0 {
		add(*resolved, MFieldResolved, 1)
		add(*resolved, MFieldVisits, completed)
	}
	for _, x := range r.Reservations {
		add(x.Created, MReservations, 1)
		if x.StockOut {
			add(x.Created, MStockOuts, 1)
			if x.Filled != nil {
				f.Hists = append(f.Hists, HistEntry{DayOf(*x.Filled, loc), HPartsWait, BucketSeconds(seconds(x.Created, *x.Filled))})
				add(*x.Filled, MPartsWaited, 1)
				add(*x.Filled, MPartsWaitSum, seconds(x.Created, *x.Filled))
			}
		}
	}
	for _, v := range r.Visits {
		if v.CheckedIn != nil {
			add(*v.CheckedIn, MWindowArrivals, 1)
			if !v.CheckedIn.After(v.WindowEnd) {
				add(*v.CheckedIn, MWindowOnTime, 1)
			}
		}
		if v.CheckedOut != nil && first {
			first = false
			add(*v.CheckedOut, MVisited, 1)
			if v.Fixed {
				add(*v.CheckedOut, MFirstFixed, 1)
			}
		}
	}
	for _, x := range r.Followups {
		add(x.Done, MFUDone, 1)
		if x.OnTime {
			add(x.Done, MFUOnTime, 1)
		}
		if x.Outcome.Answered() {
			add(x.Done, MFUAnswered, 1)
		}
		switch x.Outcome {
		case aftersales.OutcomeSatisfied:
			add(x.Done, MFUSatisfied, 1)
		case aftersales.OutcomeDissatisfied:
			add(x.Done, MFUDissatisfied, 1)
		case aftersales.OutcomeNotSolved:
			add(x.Done, MFUNotSolved, 1)
		}
	}

	if r.TextPolarity != nil {
		add(c, MTextAnalysed, 1)
		if *r.TextPolarity < 0 {
			add(c, MTextNegative, 1)
		}
	}

	if !open {
		done := r.Cancelled
		if resolved != nil {
			done = resolved
		}
		if done == nil {
			done = r.Closed
		}
		if done != nil {
			for i, sec := range r.Stages {
				if sec > 0 {
					add(*done, MStageSum+Measure(i), sec)
					add(*done, MStageN+Measure(i), 1)
				}
			}
			if r.AssignCount > 1 {
				add(*done, MReassignHops, int64(r.AssignCount-1))
			}
			add(*done, MDone, 1)
			if r.Status == aftersales.StatusCancelled {
				add(*done, MCancelled, 1)
			}
		}
	}
	return f
}
