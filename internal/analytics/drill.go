package analytics

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"time"

	"aftersales"
)

// Population is a set of tickets a KPI's rollups counted: those whose fact
// has an entry of Measure (or a histogram entry of Hist, in bin Bin of
// DistBins when Bin ≥ 0) on a day of the period, less those that have as
// many entries of Except on days of the period (for a ticket counted
// once: that have one; a ticket with a late and an on-time visit stays
// among the late). A drill-down lists it,
// so its size is the number the chart showed: built from the same facts
// as the rollups, it cannot disagree with them.
type Population struct {
	Measure Measure // NoMeasure with Hist
	Except  Measure // NoMeasure: none
	Hist    HistKind
	Bin     int // -1: every bin
}

// NoMeasure marks an unused measure of a Population.
const NoMeasure Measure = -1

// NoHist marks a Population that reads a measure, not a histogram.
const NoHist HistKind = -1

// Drill is what a click on a KPI value lists: Show, the tickets counted
// in (or, for a rate, on the wrong side of) the value, and Of, the sample
// it is a share of. Of is the zero Population when the value is a count
// or a statistic of Show itself.
type Drill struct {
	Show, Of Population
	// Ratio says Show is a part of Of: the list says "n of N".
	Ratio bool
	// Money says the value is an amount of the tickets' cost that arose
	// in the period (MCost): the list states that amount, summed over its
	// tickets, and it equals the value's Amount.
	Money bool
	// Counts is what the value counts (the KPI's Counts): for visits or
	// follow-up tasks the list states their number (Population.Count
	// summed over its tickets), not the tickets'.
	Counts Counts
}

func measurePop(m Measure) Population {
	return Population{Measure: m, Except: NoMeasure, Hist: NoHist, Bin: -1}
}

func histPop(h HistKind) Population {
	return Population{Measure: NoMeasure, Except: NoMeasure, Hist: h, Bin: -1}
}

// misses is den less num: the tickets a higher-is-better rate missed.
func misses(num, den Measure) Drill {
	return Drill{Show: Population{Measure: den, Except: num, Hist: NoHist, Bin: -1}, Of: measurePop(den), Ratio: true}
}

// share is num of den: the tickets a lower-is-better rate counts.
func share(num, den Measure) Drill {
	return Drill{Show: measurePop(num), Of: measurePop(den), Ratio: true}
}

// DrillOf returns the population behind each value of k, from its
// declaration in the Catalog. For a rate the list shows the tickets to
// act on: the misses of a rate where higher is better (SLA not met, not
// resolved at first contact) and of a complement (the breaches), the
// counted ones where lower is better (reopened, complaints); the other
// side is the sample. Quantiles list their histogram; means, scores and
// counts their sample; the cost KPIs the tickets with cost lines in the
// period (their value is money, not a count). ok is false for a KPI
// whose values open no ticket list.
func DrillOf(k KPI) (Drill, bool) {
	if c, ok := Lookup(k.Key); ok {
		k = c
	}
	switch {
	case k.DrillTo != DrillTickets:
		return Drill{}, false
	case k.rate && (k.HigherIsBetter || k.complement):
		d := misses(k.num, k.den)
		d.Counts = k.Counts
		return d, true
	case k.rate:
		d := share(k.num, k.den)
		d.Counts = k.Counts
		return d, true
	case k.hasDist && !k.isMean:
		return Drill{Show: histPop(k.dist)}, true
	case k.sample != nil:
		return Drill{Show: *k.sample, Money: k.money}, true
	}
	return Drill{}, false
}

// DayKind names the day a population's period counts, for its label:
// "created", "fr_sla", "resolved", "done", "arrived", "complaint_closed",
// "followed_up" or "cost".
func (p Population) DayKind() string {
	if p.Measure == NoMeasure {
		switch p.Hist {
		case HRes:
			return "resolved"
		case HArr:
			return "arrived"
		case HPartsWait:
			return "filled"
		}
		return "created"
	}
	switch m := p.Measure; {
	case m == MFRSLA || m == MFRSLAMet:
		return "fr_sla"
	case m == MCostLines || m == MCost:
		return "cost"
	case m >= MResolved && m <= MComplaintCSATSum || m == MCostResolved:
		return "resolved"
	case m == MDone || m == MCancelled || m >= MStageSum && m < MWarrantyClaims:
		return "done"
	case m >= MArrived && m <= MArrSLAMet:
		return "arrived"
	case m >= MCmpClosed && m < MCmpRepeat:
		return "complaint_closed"
	case m >= MCESN && m <= MCESLow:
		return "resolved"
	case m == MVisited || m == MFirstFixed || m == MStdVisits || m == MStdCompliant || m == MTravelVisits || m == MTravelM:
		return "visited"
	case m == MWindowArrivals || m == MWindowOnTime:
		return "checked_in"
	case m == MFieldResolved || m == MFieldVisits:
		return "resolved"
	case m == MReservations || m == MStockOuts:
		return "reserved"
	case m == MPartsWaited || m == MPartsWaitSum:
		return "filled"
	case m >= MFUDone && m <= MFUNotSolved:
		return "followed_up"
	}
	return "created"
}

// Matches reports whether a ticket's fact belongs to the population over
// the days [from, to); from ≤ 0 means from the beginning.
func (p Population) Matches(f *Fact, from, to Day) bool {
	in := func(d Day) bool { return d >= from && d < to }
	has := func(m Measure) bool {
		return slices.ContainsFunc(f.Entries, func(e Entry) bool { return e.M == m && e.V != 0 && in(e.Day) })
	}
	switch {
	case p.Measure == NoMeasure:
		if !slices.ContainsFunc(f.Hists, func(h HistEntry) bool { return h.H == p.Hist && in(h.Day) && (p.Bin < 0 || DistBinOf(h.B) == p.Bin) }) {
			return false
		}
		return p.Except == NoMeasure || !has(p.Except)
	case p.Except != NoMeasure:
		// More entries of the measure than of the exception: for tickets
		// counted once, it has the measure and not the exception; a
		// ticket with two visits, one late, is missed too.
		return has(p.Measure) && f.Sum(p.Measure, from, to) > f.Sum(p.Except, from, to)
	}
	return has(p.Measure)
}

// Sum adds up a fact's entries of measure m over the days [from, to).
func (f *Fact) Sum(m Measure, from, to Day) int64 {
	var n int64
	for _, e := range f.Entries {
		if e.M == m && e.Day >= from && e.Day < to {
			n += e.V
		}
	}
	return n
}

// DistBinOf is the DistBins bin a histogram bucket is counted in: the one
// holding the bucket's shortest duration. Buckets are 1% wide, so a
// bucket across an edge is off by at most that much.
func DistBinOf(b int) int {
	lo, _ := BucketBounds(b)
	i := 0
	for i+1 < len(DistBins) && lo >= DistBins[i+1] {
		i++
	}
	return i
}

// Drill query parameters of the console's ticket list.
const (
	ParamKPI     = "kpi"      // the KPI whose population is listed
	ParamPart    = "kpi_part" // "all": its sample (Of) instead of Show
	ParamBin     = "kpi_bin"  // a distribution bin
	ParamKPIFrom = "kpi_from" // first day of the period, YYYY-MM-DD
	ParamKPITo   = "kpi_to"   // last day of the period (inclusive)
)

// DimParams are the ticket-list parameters of the dimensions.
var DimParams = map[aftersales.Dimension]string{
	aftersales.DimTeam: "team_id", aftersales.DimTechnician: "assignee_id", aftersales.DimPoint: "unit_id",
	aftersales.DimRegion: "region_id", aftersales.DimCategory: "category_id", aftersales.DimProduct: "product_id",
	aftersales.DimChannel: "channel", aftersales.DimNature: "nature", aftersales.DimUrgency: "urgency", aftersales.DimTier: "tier",
}

// DrillQuery is the ticket-list query (console /tickets parameters) for
// the tickets behind a KPI value in a scope and [from, to) (local dates):
// the KPI's population (DrillOf) over the days its measures count, so the
// list's total is the number the value was computed from. The backlog, a
// snapshot, counts everything up to the period's end.
func DrillQuery(k KPI, dim aftersales.Dimension, val string, from, to time.Time) url.Values {
	q := url.Values{}
	q.Set(ParamKPI, k.Key)
	if k.Store != StoreBacklog {
		q.Set(ParamKPIFrom, from.Format(time.DateOnly))
	}
	q.Set(ParamKPITo, to.AddDate(0, 0, -1).Format(time.DateOnly))
	if param := DimParams[dim]; param != "" && val != "" {
		q.Set(param, val)
	}
	return q
}

// DistDrillQuery is DrillQuery for one bin of a KPI's distribution.
func DistDrillQuery(k KPI, bin int, dim aftersales.Dimension, val string, from, to time.Time) url.Values {
	q := DrillQuery(k, dim, val, from, to)
	q.Set(ParamBin, strconv.Itoa(bin))
	return q
}

// Amount is the cost, in minor units, behind a money KPI's value with
// sample n, numerator num and value v (major units for the service cost):
// what the drill-down's tickets' cost in the period adds up to. ok is
// false for a KPI that is not Money.
func (d Drill) Amount(k KPI, n, num int64, v float64) (int64, bool) {
	switch {
	case !d.Money:
		return 0, false
	case k.Store == StoreRevenue:
		return num, true
	}
	return int64(math.Round(v * 100)), true
}

// Count is how many tickets a drill-down into a value with sample n and
// numerator num lists, and the sample it is part of (0 when it is not a
// share). ok is false when the value does not count tickets (the cost
// KPIs count lines or money, the warranty rate units in service), so the
// list's total is not a number the chart showed.
func (d Drill) Count(k KPI, n, num int64) (count, of int64, ok bool) {
	switch {
	case d.Money:
		return 0, 0, false
	case k.Store == StorePerUnits:
		// Claims per units in service: the list holds the claims.
		return num, 0, true
	case !d.Ratio:
		return n, 0, true
	case d.Show.Except == NoMeasure || k.complement:
		// A share counts its numerator; the breach rate's numerator is
		// already the complement of compliance.
		return num, n, true
	}
	return n - num, n, true
}

// DrillPath is the console page behind a KPI value in a scope and
// [from, to): the ticket list of DrillQuery, except for technician
// utilisation, a share of technicians' days rather than of tickets,
// whose values open the dispatch board of the period's first day (of the
// service point when the scope is one).
func DrillPath(k KPI, dim aftersales.Dimension, val string, from, to time.Time) string {
	if k.DrillTo == DrillDispatch {
		q := url.Values{}
		q.Set("date", from.Format(time.DateOnly))
		if dim == aftersales.DimPoint && val != "" {
			q.Set("unit", val)
		}
		return "/dispatch?" + q.Encode()
	}
	return "/tickets?" + DrillQuery(k, dim, val, from, to).Encode()
}
