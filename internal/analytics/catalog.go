package analytics

import (
	"slices"

	"aftersales"
)

// Vec holds one value per measure.
type Vec [NumMeasures]int64

// Add adds o scaled by sign.
func (v *Vec) Add(o *Vec, sign int64) {
	for i := range v {
		v[i] += sign * o[i]
	}
}

// Zero reports whether every measure is zero.
func (v *Vec) Zero() bool { return *v == Vec{} }

// Hists holds one histogram per kind.
type Hists [NumHists]Hist

// Agg is summed rollups: measures and histograms.
type Agg struct {
	V Vec
	H Hists
}

// Merge adds o scaled by sign.
func (a *Agg) Merge(o *Agg, sign int64) {
	a.V.Add(&o.V, sign)
	for i := range a.H {
		a.H[i].Merge(o.H[i], sign)
	}
}

// Value is a KPI's value over an aggregate. OK is false when there is no
// data behind it (no resolved tickets, no survey answers), which callers
// show as "no data", never as zero.
type Value struct {
	V   float64
	N   int64 // sample: denominator or number of durations
	Num int64 // numerator of a rate
	OK  bool
}

// KPI is a catalog entry: what it means and how it is computed.
type KPI struct {
	aftersales.KPIInfo
	calc
}

// calc is how a KPI is computed and which measures and histograms it
// reads, so that a query fetches only those columns.
type calc struct {
	Eval  func(a *Agg) Value
	Uses  []Measure
	Hists []HistKind
	// Only, when set, lists the dimensions the KPI can be filtered or
	// grouped by; every dimension otherwise.
	Only []aftersales.Dimension
}

// only restricts a KPI to some dimensions.
func only(c calc, dims ...aftersales.Dimension) calc {
	c.Only = dims
	return c
}

// money sums a measure of minor units, shown in major units; n is the
// count measure behind it.
func money(m, n Measure) calc {
	return calc{Eval: func(a *Agg) Value { return Value{V: float64(a.V[m]) / 100, N: a.V[n], OK: true} }, Uses: []Measure{m, n}}
}

// moneyMean is a sum of minor units per count, in major units.
func moneyMean(sum, n Measure) calc {
	return calc{Eval: func(a *Agg) Value {
		if a.V[n] <= 0 {
			return Value{}
		}
		return Value{V: float64(a.V[sum]) / 100 / float64(a.V[n]), N: a.V[n], OK: true}
	}, Uses: []Measure{sum, n}}
}

// Dist returns the duration histogram behind a KPI, if it has one.
func (k KPI) Dist() (HistKind, bool) {
	switch k.Key {
	case "frt_median", "frt_p90", "frt_mean":
		return HFRT, true
	case "tta_median":
		return HTTA, true
	case "resolution_median", "resolution_p90", "resolution_mean":
		return HRes, true
	case "arrival_median":
		return HArr, true
	case "parts_wait_median", "parts_wait_p90":
		return HPartsWait, true
	}
	return 0, false
}

// DistBins are the readable bins duration distributions are shown in,
// in minutes: under 1 h, 1-4 h, 4-8 h, 8-24 h, 1-3 d, 3-7 d, 7-14 d,
// 14-30 d, over 30 d.
var DistBins = []float64{0, 60, 240, 480, 1440, 3 * 1440, 7 * 1440, 14 * 1440, 30 * 1440}

// Distribute spreads a histogram over DistBins: each bucket counts in the
// bin of its shortest duration (DistBinOf), so a bin is a whole number of
// tickets, the same tickets its drill-down lists, within one bucket (1%)
// of the edges.
func Distribute(h Hist) []float64 {
	out := make([]float64, len(DistBins))
	for _, b := range h {
		out[DistBinOf(b.B)] += float64(b.N)
	}
	return out
}

func rateOf(a *Agg, num, den Measure) Value {
	n, d := a.V[num], a.V[den]
	if d <= 0 {
		return Value{N: d, Num: n}
	}
	return Value{V: 100 * float64(n) / float64(d), N: d, Num: n, OK: true}
}

func rate(num, den Measure) calc {
	return calc{Eval: func(a *Agg) Value { return rateOf(a, num, den) }, Uses: []Measure{num, den}}
}

func complement(num, den Measure) calc {
	return calc{Eval: func(a *Agg) Value {
		v := rateOf(a, num, den)
		if v.OK {
			v.V = 100 - v.V
			v.Num = v.N - v.Num
		}
		return v
	}, Uses: []Measure{num, den}}
}

func quantile(h HistKind, p float64) calc {
	return calc{Eval: func(a *Agg) Value {
		q, ok := a.H[h].Quantile(p)
		return Value{V: q, N: a.H[h].Count(), OK: ok}
	}, Hists: []HistKind{h}}
}

// meanMinutes: sum is in seconds.
func meanMinutes(sum, n Measure) calc {
	return calc{Eval: func(a *Agg) Value {
		if a.V[n] <= 0 {
			return Value{}
		}
		return Value{V: float64(a.V[sum]) / 60 / float64(a.V[n]), N: a.V[n], OK: true}
	}, Uses: []Measure{sum, n}}
}

func mean(sum, n Measure) calc {
	return calc{Eval: func(a *Agg) Value {
		if a.V[n] <= 0 {
			return Value{}
		}
		return Value{V: float64(a.V[sum]) / float64(a.V[n]), N: a.V[n], OK: true}
	}, Uses: []Measure{sum, n}}
}

func count(m Measure) calc {
	return calc{Eval: func(a *Agg) Value { return Value{V: float64(a.V[m]), N: a.V[m], OK: true} }, Uses: []Measure{m}}
}

// Columns lists what a KPI reads, its distribution histogram included.
func (k KPI) Columns() ([]Measure, []HistKind) {
	hs := k.Hists
	if h, ok := k.Dist(); ok && !slices.Contains(hs, h) {
		hs = append(slices.Clone(hs), h)
	}
	return k.Uses, hs
}

// Backlog is evaluated by the store (it needs everything before the
// period); its Eval gives the net change in the period.
const BacklogKey = "backlog"

// Groupable reports whether the KPI can be filtered or grouped by d:
// every KPI by every dimension, except those whose denominator is known
// for some dimensions only (units in service per product, revenue per
// category, product or region).
func (k KPI) Groupable(d aftersales.Dimension) bool {
	return d == "" || k.Only == nil || slices.Contains(k.Only, d)
}

// Proportion reports whether the KPI is a share of tickets (or answers),
// whose numerator and denominator are counts a p-chart can take.
func (k KPI) Proportion() bool {
	return k.Unit == "percent" && k.Key != CostRatioKey && k.Key != UtilisationKey
}

// WarrantyRateKey is evaluated by the store too: its Eval gives the
// claims, which the store divides by the units in service.
const WarrantyRateKey = "warranty_claim_rate"

// CostRatioKey is evaluated by the store: it divides the service cost of
// each month by that month's sales revenue.
const CostRatioKey = "cost_ratio"

// NegativeShareKey is the share of analysed tickets whose customer text
// reads negative (issue #21).
const NegativeShareKey = "negative_share"

// UtilisationKey is evaluated by the store from technicians' calendars
// and visits (field.Utilisation): it belongs to a technician's day, not
// to a ticket, so no rollup holds it. Its num and n are minutes.
const UtilisationKey = "technician_utilisation"

// Reasons a KPI cannot be computed yet.
const (
	needCalls = "needs call records from a telephony integration, which aftersales does not have yet"
)

// Catalog is every KPI, in display order. Formulas are in docs/KPIS.md.
var Catalog = []KPI{
	{aftersales.KPIInfo{Key: "created", Unit: "count", Cohort: "created",
		Definition: "tickets created in the period (all channels, cancelled included)"}, count(MCreated)},
	{aftersales.KPIInfo{Key: "frt_median", Unit: "minutes", Cohort: "created",
		Definition: "median calendar minutes from creation to the first public reply by a person, over tickets created in the period that have one"}, quantile(HFRT, 0.5)},
	{aftersales.KPIInfo{Key: "frt_p90", Unit: "minutes", Cohort: "created",
		Definition: "90th percentile of the first response time, same population"}, quantile(HFRT, 0.9)},
	{aftersales.KPIInfo{Key: "frt_mean", Unit: "minutes", Cohort: "created",
		Definition: "mean of the first response time, same population"}, meanMinutes(MFRTSum, MResponded)},
	{aftersales.KPIInfo{Key: "tta_median", Unit: "minutes", Cohort: "created",
		Definition: "median calendar minutes from creation to acceptance, over tickets created in the period that were accepted"}, quantile(HTTA, 0.5)},
	{aftersales.KPIInfo{Key: "resolution_median", Unit: "minutes", Cohort: "resolved",
		Definition: "median calendar minutes from creation to resolution, over tickets resolved in the period (closed counts as resolved when there was no resolved mark; cancelled excluded)"}, quantile(HRes, 0.5)},
	{aftersales.KPIInfo{Key: "resolution_p90", Unit: "minutes", Cohort: "resolved",
		Definition: "90th percentile of the resolution time, same population"}, quantile(HRes, 0.9)},
	{aftersales.KPIInfo{Key: "resolution_mean", Unit: "minutes", Cohort: "resolved",
		Definition: "mean of the resolution time, same population"}, meanMinutes(MResSum, MResolved)},
	{aftersales.KPIInfo{Key: BacklogKey, Unit: "count", Cohort: "snapshot",
		Definition: "tickets open at the end of the period: created up to then minus those that left the backlog (resolved, closed or cancelled) up to then, as of their latest state"}, calc{}},
	{aftersales.KPIInfo{Key: "fr_sla", Unit: "percent", HigherIsBetter: true, Cohort: "responded",
		Definition: "first-response SLA instances met ÷ instances that stopped or breached in the period (business time, paused time excluded, by the ticket's SLA policy)"}, rate(MFRSLAMet, MFRSLA)},
	{aftersales.KPIInfo{Key: "res_sla", Unit: "percent", HigherIsBetter: true, Cohort: "resolved",
		Definition: "resolution SLA instances met ÷ instances that stopped (resolution) or breached in the period; without a policy, an imported target date counts (resolved no later than the target)"}, rate(MResSLAMet, MResSLA)},
	{aftersales.KPIInfo{Key: "res_sla_breach", Unit: "percent", Cohort: "resolved",
		Definition: "100 − resolution SLA compliance, same population"}, complement(MResSLAMet, MResSLA)},
	{aftersales.KPIInfo{Key: "resolution_rate", Unit: "percent", HigherIsBetter: true, Cohort: "created",
		Definition: "tickets created in the period that are resolved or closed ÷ tickets created in the period"}, rate(MResolvedOfCreated, MCreated)},
	{aftersales.KPIInfo{Key: "fcr", Unit: "percent", HigherIsBetter: true, Cohort: "resolved",
		Definition: "first-contact resolution, rule-based method (methods.md §1.2 b): resolved tickets never reopened, assigned at most once and never set to awaiting customer ÷ tickets resolved in the period"}, rate(MFCR, MResolved)},
	{aftersales.KPIInfo{Key: "reopen_rate", Unit: "percent", Cohort: "resolved",
		Definition: "tickets resolved in the period that were reopened at least once ÷ tickets resolved in the period"}, rate(MReopened, MResolved)},
	{aftersales.KPIInfo{Key: "repeat_30d", Unit: "percent", Cohort: "created",
		Definition: "tickets for an asset that already had a ticket created in the 30 days before ÷ tickets created in the period that name an asset"}, rate(MRepeat, MWithAsset)},
	{aftersales.KPIInfo{Key: "reassign_rate", Unit: "percent", Cohort: "created",
		Definition: "tickets created in the period assigned more than once ÷ tickets created in the period"}, rate(MReassigned, MCreated)},
	{aftersales.KPIInfo{Key: "csat_mean", Unit: "score", HigherIsBetter: true, Cohort: "resolved",
		Definition: "mean satisfaction score (1-5) of follow-up answers on tickets resolved in the period"}, mean(MCSATSum, MCSATN)},
	{aftersales.KPIInfo{Key: "csat_satisfied", Unit: "percent", HigherIsBetter: true, Cohort: "resolved",
		Definition: "answers scoring 4 or 5 ÷ answers with a satisfaction score (top-2 box)"}, rate(MCSATTop2, MCSATN)},
	{aftersales.KPIInfo{Key: "nps", Unit: "nps", HigherIsBetter: true, Cohort: "resolved",
		Definition: "% promoters (9-10) − % detractors (0-6) among answers with a recommendation score"}, calc{Eval: func(a *Agg) Value {
		n := a.V[MNPSN]
		if n <= 0 {
			return Value{}
		}
		return Value{V: 100 * float64(a.V[MNPSPromoters]-a.V[MNPSDetractors]) / float64(n), N: n, OK: true}
	}, Uses: []Measure{MNPSN, MNPSPromoters, MNPSDetractors}}},
	// Customer effort (issue #20).
	{aftersales.KPIInfo{Key: "ces_mean", Unit: "score", Cohort: "resolved",
		Definition: "mean customer effort score (1 very easy - 7 very hard) of survey answers on tickets resolved in the period; lower is better"}, mean(MCESSum, MCESN)},
	{aftersales.KPIInfo{Key: "ces_low_effort", Unit: "percent", HigherIsBetter: true, Cohort: "resolved",
		Definition: "survey answers with a customer effort score of 1 to 3 (low effort) ÷ survey answers with a customer effort score, on tickets resolved in the period"}, rate(MCESLow, MCESN)},
	{aftersales.KPIInfo{Key: "followup_rate", Unit: "percent", HigherIsBetter: true, Cohort: "resolved",
		Definition: "tickets resolved in the period with a recorded follow-up answer (回访) ÷ tickets resolved in the period"}, rate(MFeedback, MResolved)},
	{aftersales.KPIInfo{Key: "followup_response", Unit: "percent", HigherIsBetter: true, Cohort: "followed_up",
		Definition: "follow-up tasks (回访) done in the period that the customer answered (satisfied, dissatisfied or not solved; not unreachable) ÷ follow-up tasks done in the period"}, rate(MFUAnswered, MFUDone)},
	{aftersales.KPIInfo{Key: "followup_on_time", Unit: "percent", HigherIsBetter: true, Cohort: "followed_up",
		Definition: "follow-up tasks done in the period by their policy's deadline ÷ follow-up tasks done in the period"}, rate(MFUOnTime, MFUDone)},
	{aftersales.KPIInfo{Key: "followup_satisfied", Unit: "percent", HigherIsBetter: true, Cohort: "followed_up",
		Definition: "follow-up answers in the period with the outcome satisfied ÷ follow-up answers in the period (outcome mix)"}, rate(MFUSatisfied, MFUAnswered)},
	{aftersales.KPIInfo{Key: "followup_dissatisfied", Unit: "percent", Cohort: "followed_up",
		Definition: "follow-up answers in the period with the outcome dissatisfied ÷ follow-up answers in the period (outcome mix)"}, rate(MFUDissatisfied, MFUAnswered)},
	{aftersales.KPIInfo{Key: "followup_not_solved", Unit: "percent", Cohort: "followed_up",
		Definition: "follow-up answers in the period saying the problem is not solved (the ticket was reopened) ÷ follow-up answers in the period (outcome mix)"}, rate(MFUNotSolved, MFUAnswered)},
	{aftersales.KPIInfo{Key: NegativeShareKey, Unit: "percent", Cohort: "created",
		Definition: "tickets created in the period whose customer text (title, description and customer messages) the lexicon sentiment reads as negative (score below 0) ÷ tickets created in the period whose text was analysed"}, rate(MTextNegative, MTextAnalysed)},
	{aftersales.KPIInfo{Key: "complaints", Unit: "count", Cohort: "created",
		Definition: "complaints created in the period"}, count(MComplaints)},
	{aftersales.KPIInfo{Key: "complaint_rate", Unit: "percent", Cohort: "created",
		Definition: "complaints ÷ tickets created in the period"}, rate(MComplaints, MCreated)},
	{aftersales.KPIInfo{Key: "complaint_timeliness", Unit: "percent", HigherIsBetter: true, Cohort: "created",
		Definition: "complaints with a first response within 24 calendar hours ÷ complaints created in the period"}, rate(MComplaintTimely, MComplaints)},
	{aftersales.KPIInfo{Key: "complaint_closure", Unit: "percent", HigherIsBetter: true, Cohort: "created",
		Definition: "complaints created in the period and resolved within 30 days ÷ complaints created in the period (cohort closure, methods.md §1.2)"}, rate(MComplaintClosed, MComplaints)},
	{aftersales.KPIInfo{Key: "complaint_csat", Unit: "score", HigherIsBetter: true, Cohort: "resolved",
		Definition: "mean satisfaction score of follow-up answers on complaints resolved in the period"}, mean(MComplaintCSATSum, MComplaintCSATN)},
	// Complaints closed with the customer (issue #20).
	{aftersales.KPIInfo{Key: "complaint_closed_customer", Unit: "percent", HigherIsBetter: true, Cohort: "created",
		Definition: "complaints created in the period that are closed with a closure record (root cause set, and the customer's confirmation or 3 documented failed attempts to reach them) ÷ complaints created in the period; a complaint reopened since its closure does not count until it is closed again"}, rate(MCmpClosedCust, MComplaints)},
	{aftersales.KPIInfo{Key: "complaint_on_time", Unit: "percent", HigherIsBetter: true, Cohort: "complaint_closed",
		Definition: "complaints closed with the customer in the period within their severity's target (calendar hours from creation to the closure, target as it was when closed) ÷ complaints closed with the customer in the period, every severity"}, rate(MCmpOnTime, MCmpClosed)},
	{aftersales.KPIInfo{Key: "complaint_on_time_minor", Unit: "percent", HigherIsBetter: true, Cohort: "complaint_closed",
		Definition: "minor complaints closed with the customer in the period within the minor target ÷ minor complaints closed with the customer in the period"}, rate(MCmpOnTimeBySev+0, MCmpClosedBySev+0)},
	{aftersales.KPIInfo{Key: "complaint_on_time_major", Unit: "percent", HigherIsBetter: true, Cohort: "complaint_closed",
		Definition: "major complaints closed with the customer in the period within the major target ÷ major complaints closed with the customer in the period"}, rate(MCmpOnTimeBySev+1, MCmpClosedBySev+1)},
	{aftersales.KPIInfo{Key: "complaint_on_time_critical", Unit: "percent", HigherIsBetter: true, Cohort: "complaint_closed",
		Definition: "critical complaints closed with the customer in the period within the critical target ÷ critical complaints closed with the customer in the period"}, rate(MCmpOnTimeBySev+2, MCmpClosedBySev+2)},
	{aftersales.KPIInfo{Key: "repeat_complaint_rate", Unit: "percent", Cohort: "created",
		Definition: "complaints created in the period whose customer, or whose asset, had another complaint closed with the customer in the 30 days before ÷ complaints created in the period"}, rate(MCmpRepeat, MComplaints)},
	{aftersales.KPIInfo{Key: "answer_rate", Unit: "percent", HigherIsBetter: true, Cohort: "created",
		Definition: "answered calls ÷ offered calls", Unavailable: needCalls}, calc{}},
	{aftersales.KPIInfo{Key: "on_time_arrival", Unit: "percent", HigherIsBetter: true, Cohort: "arrived",
		Definition: "tickets whose technician was on site (first in service) within the SLA policy's arrival target ÷ arrival SLA instances that stopped or breached in the period; appointment windows are not recorded yet, so the policy target is the commitment"}, rate(MArrSLAMet, MArrSLA)},
	{aftersales.KPIInfo{Key: "arrival_median", Unit: "minutes", Cohort: "arrived",
		Definition: "median calendar minutes from creation to the technician on site (first in service), over arrivals in the period"}, quantile(HArr, 0.5)},
	{aftersales.KPIInfo{Key: "first_time_fix", Unit: "percent", HigherIsBetter: true, Cohort: "arrived",
		Definition: "tickets whose first completed visit ended with the outcome fixed ÷ tickets with a completed visit, counted on the day that visit checked out (cancelled visits do not count)"}, rate(MFirstFixed, MVisited)},
	{aftersales.KPIInfo{Key: "window_on_time", Unit: "percent", HigherIsBetter: true, Cohort: "arrived",
		Definition: "visits checked in no later than the end of the time window promised to the customer ÷ visits checked in, counted on the check-in day (the promised window, not the SLA, is the commitment)"}, rate(MWindowOnTime, MWindowArrivals)},
	{aftersales.KPIInfo{Key: "standard_compliance", Unit: "percent", HigherIsBetter: true, Cohort: "visited",
		Definition: "completed visits whose service checklist had every required item ticked done ÷ completed visits to which a service checklist applied (the most specific one for the ticket's product category and nature), counted on the check-out day; visits without an applicable checklist do not count"}, rate(MStdCompliant, MStdVisits)},
	// Field KPIs (issue #19, s3/fieldcost).
	{aftersales.KPIInfo{Key: "parts_wait_median", Unit: "minutes", Cohort: "reserved",
		Definition: "median calendar minutes from a part reservation that could not be served from stock to the receipt that filled it, over reservations filled in the period"}, quantile(HPartsWait, 0.5)},
	{aftersales.KPIInfo{Key: "parts_wait_p90", Unit: "minutes", Cohort: "reserved",
		Definition: "90th percentile of the parts wait, same population"}, quantile(HPartsWait, 0.9)},
	{aftersales.KPIInfo{Key: "stock_out_rate", Unit: "percent", Cohort: "reserved",
		Definition: "part reservations made in the period that could not be served from the location's stock when made (they waited for a receipt) ÷ part reservations made in the period"}, rate(MStockOuts, MReservations)},
	{aftersales.KPIInfo{Key: "visits_per_ticket", Unit: "ratio", Cohort: "resolved",
		Definition: "completed visits (cancelled ones excluded) of the tickets resolved in the period that had at least one ÷ those tickets"}, mean(MFieldVisits, MFieldResolved)},
	{aftersales.KPIInfo{Key: "travel_per_visit", Unit: "km", Cohort: "visited",
		Definition: "planned road distance of the route leg to each visit (from the previous stop or the home base) ÷ completed visits with a planned leg, counted on the check-out day, in km"}, calc{Eval: func(a *Agg) Value {
		n := a.V[MTravelVisits]
		if n <= 0 {
			return Value{}
		}
		return Value{V: float64(a.V[MTravelM]) / 1000 / float64(n), N: n, OK: true}
	}, Uses: []Measure{MTravelM, MTravelVisits}}},
	{aftersales.KPIInfo{Key: UtilisationKey, Unit: "percent", HigherIsBetter: true, Cohort: "shift_day",
		Definition: "booked visit time ÷ shift time, per technician and local day: the minutes of the technician's visits that day (completed visits from check-in to check-out, on the check-in day; planned visits not cancelled their estimated duration, on the day their window starts) ÷ the minutes of their shifts that day less leave; days without shift time are left out; overall, or by technician, service point or region (the technician's own); num is the booked and n the shift minutes"},
		only(calc{}, aftersales.DimTechnician, aftersales.DimPoint, aftersales.DimRegion)},
	{aftersales.KPIInfo{Key: "service_cost", Unit: "money", Cohort: "incurred",
		Definition: "service cost lines (labour, travel, parts, goodwill, other; voided lines excluded) that arose in the period, in major currency units; n is the number of lines"}, money(MCost, MCostLines)},
	{aftersales.KPIInfo{Key: "cost_per_ticket", Unit: "money", Cohort: "resolved",
		Definition: "whole service cost of the tickets resolved in the period ÷ tickets resolved in the period (tickets without costs count as zero)"}, moneyMean(MCostResolved, MResolved)},
	{aftersales.KPIInfo{Key: CostRatioKey, Unit: "percent", Cohort: "incurred",
		Definition: "service cost that arose in the months with recorded sales revenue ÷ that revenue × 100, per month of revenue (methods.md §1.4: service operating cost and goodwill; warranty reimbursements from suppliers are not netted); overall, or by product category, product or region; num is the cost and n the revenue, in minor units"},
		only(money(MCost, MCostLines), aftersales.DimCategory, aftersales.DimProduct, aftersales.DimRegion)},
	{aftersales.KPIInfo{Key: "warranty_claims", Unit: "count", Cohort: "created",
		Definition: "warranty claims created in the period: repair or return tickets (not cancelled) on an asset whose warranty covers the day the ticket was created"}, count(MWarrantyClaims)},
	{aftersales.KPIInfo{Key: WarrantyRateKey, Unit: "per_mille", Cohort: "created",
		Definition: "warranty claims created in the period per 1,000 units in service at the period's end (registered assets installed, or else purchased, before it); overall, or by product or product category"}, only(count(MWarrantyClaims), aftersales.DimProduct, aftersales.DimCategory)},
}

// Lookup returns the catalog entry for key.
func Lookup(key string) (KPI, bool) {
	for _, k := range Catalog {
		if k.Key == key {
			return k, true
		}
	}
	return KPI{}, false
}

// Stages reads the stage measures of an aggregate.
func Stages(a *Agg) (rows []aftersales.StageTime, slowest aftersales.Status) {
	var total int64
	for i := range StageStatuses {
		total += a.V[MStageSum+Measure(i)]
	}
	var worst float64
	for i, s := range StageStatuses {
		n, sum := a.V[MStageN+Measure(i)], a.V[MStageSum+Measure(i)]
		st := aftersales.StageTime{Status: s, Tickets: n}
		if n > 0 {
			st.MeanHours = float64(sum) / 3600 / float64(n)
		}
		if total > 0 {
			st.Share = 100 * float64(sum) / float64(total)
		}
		// The slowest stage is where a ticket that passes through it waits
		// longest on average, as the stage chart draws it. Resolved (the
		// wait for closing) is the customer's time to confirm, not a
		// service bottleneck: it is shown apart and never named slowest.
		if s != aftersales.StatusResolved && st.MeanHours > worst {
			worst, slowest = st.MeanHours, s
		}
		rows = append(rows, st)
	}
	return rows, slowest
}
