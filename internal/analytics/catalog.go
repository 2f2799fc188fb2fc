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

// KPI is one declaration of the catalog, the only place a KPI is
// declared: what it means (KPIInfo, which the API serves and the console
// names), how it is computed from the rollups (calc: its measures and
// histograms, its distribution, its per-ticket observations, whether it
// is a mean), who evaluates it (Store), what a click on a value opens
// (DrillTo), whether the dashboard shows it as a tile (Tile), and where
// docs/KPIS.md defines it (Section, Doc). Code asks the declaration,
// never the key: a new KPI is one more entry here, a name and a
// definition in both console catalogs, and `go test ./internal/analytics
// -run TestKPIDocs -update` for docs/KPIS.md.
type KPI struct {
	aftersales.KPIInfo
	calc
	// Store says who computes the values: the rollups' Eval alone, or
	// the store with what the rollups do not hold.
	Store Evaluator
	// DrillTo is what a click on a value opens.
	DrillTo DrillTarget
	// Counts is what the value counts when not tickets (visits,
	// follow-up tasks): what its drill-down states the number of.
	Counts Counts
	// NoVerify says why an improvement cannot be verified on the KPI
	// although it is not a count (empty: see Verification).
	NoVerify string
	// Tile is the KPI's position among the dashboard's overview tiles,
	// from 1; 0: no tile.
	Tile int
	// Section is the docs/KPIS.md table that defines the KPI, and Doc its
	// definition there (markdown; Definition when empty). Consecutive
	// KPIs of a section with the same unit, cohort and Doc share a row.
	Section DocSection
	Doc     string
}

// Evaluator says who computes a KPI's values.
type Evaluator int

const (
	// FromRollups: Eval over the summed rollups of the per-ticket facts.
	FromRollups Evaluator = iota
	// StoreBacklog: the store counts everything before the period (a
	// snapshot); Eval, when set, gives the net change in the period.
	StoreBacklog
	// StorePerUnits: Eval gives the claims, which the store divides by
	// the units in service at the period's end.
	StorePerUnits
	// StoreRevenue: the store divides each month's cost by that month's
	// sales revenue.
	StoreRevenue
	// StoreCalendars: the store computes it from technicians' calendars
	// and their booked visit minutes (field.Utilisation, util_daily); no
	// ticket fact or rollup holds it.
	StoreCalendars
)

var evaluatorNames = [...]string{"rollups", "store: backlog", "store: per units in service", "store: per revenue", "store: technicians' days"}

func (e Evaluator) String() string { return evaluatorNames[e] }

// DrillTarget is what a click on a KPI's value opens.
type DrillTarget int

const (
	// DrillTickets: the ticket list of DrillOf's population (nothing when
	// the calc has none).
	DrillTickets DrillTarget = iota
	// DrillNone: values open nothing.
	DrillNone
	// DrillDispatch: the dispatch board of the period's first day (a
	// share of technicians' days, not of tickets).
	DrillDispatch
)

// DocSection names a KPI table of docs/KPIS.md.
type DocSection string

// The KPI tables of docs/KPIS.md, in the order they appear there.
const (
	DocResponsiveness DocSection = "responsiveness"
	DocQuality        DocSection = "quality"
	DocVoice          DocSection = "voice"
	DocComplaints     DocSection = "complaints"
	DocText           DocSection = "text"
	DocFollowups      DocSection = "followups"
	DocWarranty       DocSection = "warranty"
	DocCost           DocSection = "cost"
	DocUnavailable    DocSection = "unavailable"
)

// DocSections are the tables of docs/KPIS.md.
var DocSections = []DocSection{DocResponsiveness, DocQuality, DocVoice, DocComplaints, DocText, DocFollowups, DocWarranty, DocCost, DocUnavailable}

// calc is how a KPI is computed and which measures and histograms it
// reads, so that a query fetches only those columns. The constructors
// below fill in the rest from the same measures: a rate's numerator and
// denominator (its p-chart, its drill-down), a duration's histogram (its
// distribution) and per-ticket observation (its effect test).
type calc struct {
	Eval  func(a *Agg) Value
	Uses  []Measure
	Hists []HistKind
	// Only, when set, lists the dimensions the KPI can be filtered or
	// grouped by; every dimension otherwise.
	Only []aftersales.Dimension

	// rate: a share of tickets (or answers) num of den, a p-chart's
	// counts; complement: 100 minus that share.
	rate, complement bool
	num, den         Measure
	// dist is the duration histogram of the distribution chart (hasDist),
	// and q the quantile the KPI reads from it (0: a mean, isMean).
	dist    HistKind
	hasDist bool
	q       float64
	isMean  bool
	// obs is the per-ticket observation an effect test compares; nil:
	// none (rates are read from the rollups).
	obs *observation
	// sample is what a value counts when it is not a rate or a quantile:
	// the drill-down's tickets; money says the value is their cost.
	sample *Population
	money  bool
}

// only restricts a KPI to some dimensions.
func only(c calc, dims ...aftersales.Dimension) calc {
	c.Only = dims
	return c
}

// observed gives a mean its per-ticket observation: the ticket's sum /
// scale, in the population when it has the mean's count.
func observed(c calc, scale float64) calc {
	c.obs = &observation{count: c.den, sum: c.num, scale: scale}
	return c
}

// money sums a measure of minor units, shown in major units; n is the
// count measure behind it.
func money(m, n Measure) calc {
	return calc{Eval: func(a *Agg) Value { return Value{V: float64(a.V[m]) / 100, N: a.V[n], OK: true} }, Uses: []Measure{m, n},
		sample: sampled(n), money: true}
}

// moneyMean is a sum of minor units per count, in major units.
func moneyMean(sum, n Measure) calc {
	return calc{Eval: func(a *Agg) Value {
		if a.V[n] <= 0 {
			return Value{}
		}
		return Value{V: float64(a.V[sum]) / 100 / float64(a.V[n]), N: a.V[n], OK: true}
	}, Uses: []Measure{sum, n}, num: sum, den: n, sample: sampled(n)}
}

// sampled is the population of tickets counting m.
func sampled(m Measure) *Population {
	p := measurePop(m)
	return &p
}

// Dist returns the duration histogram behind a KPI, if it has one.
func (k KPI) Dist() (HistKind, bool) { return k.dist, k.hasDist }

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
	return calc{Eval: func(a *Agg) Value { return rateOf(a, num, den) }, Uses: []Measure{num, den}, rate: true, num: num, den: den}
}

func complement(num, den Measure) calc {
	c := rate(num, den)
	c.Eval = func(a *Agg) Value {
		v := rateOf(a, num, den)
		if v.OK {
			v.V = 100 - v.V
			v.Num = v.N - v.Num
		}
		return v
	}
	c.complement = true
	return c
}

// duration is a family of duration KPIs: its histogram, and the
// per-ticket measures behind it: n counts the tickets, sum their seconds,
// and per, when set, how many durations a ticket's sum holds (its
// observation is then their mean).
type duration struct {
	h           HistKind
	n, sum, per Measure
}

var (
	frtDur       = duration{h: HFRT, n: MResponded, sum: MFRTSum}
	ttaDur       = duration{h: HTTA, n: MAccepted, sum: MTTASum}
	resDur       = duration{h: HRes, n: MResolved, sum: MResSum}
	arrDur       = duration{h: HArr, n: MArrived, sum: MArrSum}
	partsWaitDur = duration{h: HPartsWait, n: MPartsWaited, sum: MPartsWaitSum, per: MPartsWaited}
)

func (d duration) obs() *observation {
	return &observation{count: d.n, sum: d.sum, scale: 60, per: d.per}
}

// quantile is the p quantile of the durations, in minutes.
func (d duration) quantile(p float64) calc {
	return calc{Eval: func(a *Agg) Value {
		q, ok := a.H[d.h].Quantile(p)
		return Value{V: q, N: a.H[d.h].Count(), OK: ok}
	}, Hists: []HistKind{d.h}, dist: d.h, hasDist: true, q: p, obs: d.obs()}
}

// mean is the mean of the durations in minutes (sum is in seconds).
func (d duration) mean() calc {
	sum, n := d.sum, d.n
	return calc{Eval: func(a *Agg) Value {
		if a.V[n] <= 0 {
			return Value{}
		}
		return Value{V: float64(a.V[sum]) / 60 / float64(a.V[n]), N: a.V[n], OK: true}
	}, Uses: []Measure{sum, n}, dist: d.h, hasDist: true, isMean: true, obs: d.obs(), sample: sampled(n)}
}

func mean(sum, n Measure) calc {
	return calc{Eval: func(a *Agg) Value {
		if a.V[n] <= 0 {
			return Value{}
		}
		return Value{V: float64(a.V[sum]) / float64(a.V[n]), N: a.V[n], OK: true}
	}, Uses: []Measure{sum, n}, num: sum, den: n, sample: sampled(n)}
}

func count(m Measure) calc {
	return calc{Eval: func(a *Agg) Value { return Value{V: float64(a.V[m]), N: a.V[m], OK: true} }, Uses: []Measure{m}, sample: sampled(m)}
}

// nps is % promoters − % detractors; a ticket's observation is +100, 0
// or −100.
func nps() calc {
	return calc{Eval: func(a *Agg) Value {
		n := a.V[MNPSN]
		if n <= 0 {
			return Value{}
		}
		return Value{V: 100 * float64(a.V[MNPSPromoters]-a.V[MNPSDetractors]) / float64(n), N: n, OK: true}
	}, Uses: []Measure{MNPSN, MNPSPromoters, MNPSDetractors},
		obs: &observation{count: MNPSN, sum: MNPSPromoters, scale: 1, nps: true}, sample: sampled(MNPSN)}
}

// perVisitKM is metres over visits, in km; a ticket's observation is the
// mean of its visits.
func perVisitKM(m, n Measure) calc {
	return calc{Eval: func(a *Agg) Value {
		v := a.V[n]
		if v <= 0 {
			return Value{}
		}
		return Value{V: float64(a.V[m]) / 1000 / float64(v), N: v, OK: true}
	}, Uses: []Measure{m, n}, obs: &observation{count: n, sum: m, scale: 1000, per: n}, sample: sampled(n)}
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
func (k KPI) Proportion() bool { return k.rate }

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

// Catalog is every KPI, in display order.
var Catalog = []KPI{
	{KPIInfo: aftersales.KPIInfo{Key: "created", Unit: "count", Cohort: "created",
		Definition: "tickets created in the period (all channels, cancelled included)"},
		calc: count(MCreated), Tile: 1, Section: DocResponsiveness,
		Doc: "tickets created, all channels, cancelled included"},
	{KPIInfo: aftersales.KPIInfo{Key: "frt_median", Unit: "minutes", Cohort: "created",
		Definition: "median calendar minutes from creation to the first public reply by a person, over tickets created in the period that have one"},
		calc: frtDur.quantile(0.5), Tile: 3, Section: DocResponsiveness, Doc: docFRT},
	{KPIInfo: aftersales.KPIInfo{Key: "frt_p90", Unit: "minutes", Cohort: "created",
		Definition: "90th percentile of the first response time, same population"},
		calc: frtDur.quantile(0.9), Section: DocResponsiveness, Doc: docFRT},
	{KPIInfo: aftersales.KPIInfo{Key: "frt_mean", Unit: "minutes", Cohort: "created",
		Definition: "mean of the first response time, same population"},
		calc: frtDur.mean(), Section: DocResponsiveness, Doc: docFRT},
	{KPIInfo: aftersales.KPIInfo{Key: "tta_median", Unit: "minutes", Cohort: "created",
		Definition: "median calendar minutes from creation to acceptance, over tickets created in the period that were accepted"},
		calc: ttaDur.quantile(0.5), Section: DocResponsiveness, Doc: "from creation to acceptance"},
	{KPIInfo: aftersales.KPIInfo{Key: "resolution_median", Unit: "minutes", Cohort: "resolved",
		Definition: "median calendar minutes from creation to resolution, over tickets resolved in the period (closed counts as resolved when there was no resolved mark; cancelled excluded)"},
		calc: resDur.quantile(0.5), Tile: 4, Section: DocResponsiveness, Doc: docResolution},
	{KPIInfo: aftersales.KPIInfo{Key: "resolution_p90", Unit: "minutes", Cohort: "resolved",
		Definition: "90th percentile of the resolution time, same population"},
		calc: resDur.quantile(0.9), Section: DocResponsiveness, Doc: docResolution},
	{KPIInfo: aftersales.KPIInfo{Key: "resolution_mean", Unit: "minutes", Cohort: "resolved",
		Definition: "mean of the resolution time, same population"},
		calc: resDur.mean(), Section: DocResponsiveness, Doc: docResolution},
	{KPIInfo: aftersales.KPIInfo{Key: BacklogKey, Unit: "count", Cohort: "snapshot",
		Definition: "tickets open at the end of the period: created up to then minus those that left the backlog (resolved, closed or cancelled) up to then, as of their latest state"},
		// Open at the period's end: created by then, not done by then.
		calc:  calc{sample: &Population{Measure: MCreated, Except: MDone, Hist: NoHist, Bin: -1}},
		Store: StoreBacklog, Tile: 2, Section: DocResponsiveness,
		Doc: "open at the end of the period: created up to then minus those that left the backlog up to then (identity `backlog_t = backlog_{t−1} + arrivals − departures`)"},
	{KPIInfo: aftersales.KPIInfo{Key: "fr_sla", Unit: "percent", HigherIsBetter: true, Cohort: "responded",
		Definition: "first-response SLA instances met ÷ instances that stopped or breached in the period (business time, paused time excluded, by the ticket's SLA policy)"},
		calc: rate(MFRSLAMet, MFRSLA), Section: DocResponsiveness,
		Doc: "first-response SLA instances met ÷ instances that stopped or breached in the period"},
	{KPIInfo: aftersales.KPIInfo{Key: "res_sla", Unit: "percent", HigherIsBetter: true, Cohort: "resolved",
		Definition: "resolution SLA instances met ÷ instances that stopped (resolution) or breached in the period; without a policy, an imported target date counts (resolved no later than the target)"},
		calc: rate(MResSLAMet, MResSLA), Tile: 5, Section: DocResponsiveness,
		Doc: "resolution SLA instances met ÷ instances that stopped (resolution) or breached in the period. Without a policy, an imported target date counts: met when resolved no later than the target."},
	{KPIInfo: aftersales.KPIInfo{Key: "res_sla_breach", Unit: "percent", Cohort: "resolved",
		Definition: "100 − resolution SLA compliance, same population"},
		calc: complement(MResSLAMet, MResSLA), Section: DocResponsiveness, Doc: "100 − `res_sla`"},
	{KPIInfo: aftersales.KPIInfo{Key: "resolution_rate", Unit: "percent", HigherIsBetter: true, Cohort: "created",
		Definition: "tickets created in the period that are resolved or closed ÷ tickets created in the period"},
		calc: rate(MResolvedOfCreated, MCreated), Section: DocQuality},
	{KPIInfo: aftersales.KPIInfo{Key: "fcr", Unit: "percent", HigherIsBetter: true, Cohort: "resolved",
		Definition: "first-contact resolution, rule-based method (methods.md §1.2 b): resolved tickets never reopened, assigned at most once and never set to awaiting customer ÷ tickets resolved in the period"},
		calc: rate(MFCR, MResolved), Tile: 6, Section: DocQuality,
		Doc: "first-contact resolution, **rule-based method** (methods.md §1.2 b): resolved tickets never reopened, assigned at most once and never set to *awaiting customer* ÷ tickets resolved in the period"},
	{KPIInfo: aftersales.KPIInfo{Key: "reopen_rate", Unit: "percent", Cohort: "resolved",
		Definition: "tickets resolved in the period that were reopened at least once ÷ tickets resolved in the period"},
		calc: rate(MReopened, MResolved), Tile: 7, Section: DocQuality},
	{KPIInfo: aftersales.KPIInfo{Key: "repeat_30d", Unit: "percent", Cohort: "created",
		Definition: "tickets for an asset that already had a ticket created in the 30 days before ÷ tickets created in the period that name an asset"},
		calc: rate(MRepeat, MWithAsset), Section: DocQuality},
	{KPIInfo: aftersales.KPIInfo{Key: "reassign_rate", Unit: "percent", Cohort: "created",
		Definition: "tickets created in the period assigned more than once ÷ tickets created in the period"},
		calc: rate(MReassigned, MCreated), Section: DocQuality, Doc: "tickets assigned more than once ÷ tickets created"},
	{KPIInfo: aftersales.KPIInfo{Key: "csat_mean", Unit: "score", HigherIsBetter: true, Cohort: "resolved",
		Definition: "mean satisfaction score (1-5) of follow-up answers on tickets resolved in the period"},
		calc: observed(mean(MCSATSum, MCSATN), 1), Tile: 11, Section: DocVoice,
		Doc: "mean CSAT of answers on tickets resolved in the period"},
	{KPIInfo: aftersales.KPIInfo{Key: "csat_satisfied", Unit: "percent", HigherIsBetter: true, Cohort: "resolved",
		Definition: "answers scoring 4 or 5 ÷ answers with a satisfaction score (top-2 box)"},
		calc: rate(MCSATTop2, MCSATN), Section: DocVoice, Doc: "answers scoring 4 or 5 ÷ answers with a CSAT (top-2 box)"},
	{KPIInfo: aftersales.KPIInfo{Key: "nps", Unit: "nps", HigherIsBetter: true, Cohort: "resolved",
		Definition: "% promoters (9-10) − % detractors (0-6) among answers with a recommendation score"},
		calc: nps(), Tile: 12, Section: DocVoice, Doc: "% promoters (9–10) − % detractors (0–6) among answers with an NPS"},
	// Customer effort (issue #20). Like CSAT, a ticket's observation is
	// its answer's score, so an improvement is verified by Welch's t on
	// the answers.
	{KPIInfo: aftersales.KPIInfo{Key: "ces_mean", Unit: "score", Cohort: "resolved",
		Definition: "mean customer effort score (1 very easy - 7 very hard) of survey answers on tickets resolved in the period; lower is better"},
		calc: observed(mean(MCESSum, MCESN), 1), Tile: 18, Section: DocVoice,
		Doc: "mean customer effort score (1 very easy – 7 very hard) of survey answers on tickets resolved in the period; lower is better"},
	{KPIInfo: aftersales.KPIInfo{Key: "ces_low_effort", Unit: "percent", HigherIsBetter: true, Cohort: "resolved",
		Definition: "survey answers with a customer effort score of 1 to 3 (low effort) ÷ survey answers with a customer effort score, on tickets resolved in the period"},
		calc: rate(MCESLow, MCESN), Section: DocVoice,
		Doc: "answers with a CES of 1 to 3 (low effort) ÷ answers with a CES, on tickets resolved in the period"},
	{KPIInfo: aftersales.KPIInfo{Key: "followup_rate", Unit: "percent", HigherIsBetter: true, Cohort: "resolved",
		Definition: "tickets resolved in the period with a recorded follow-up answer (回访) ÷ tickets resolved in the period"},
		calc: rate(MFeedback, MResolved), Tile: 19, Section: DocVoice, Doc: "resolved tickets with a recorded answer ÷ resolved tickets"},
	// Follow-up tasks count on the day they were done, as many as a
	// ticket had: their drill-downs state the tasks, on the tickets listed.
	{KPIInfo: aftersales.KPIInfo{Key: "followup_response", Unit: "percent", HigherIsBetter: true, Cohort: "followed_up",
		Definition: "follow-up tasks (回访) done in the period that the customer answered (satisfied, dissatisfied or not solved; not unreachable) ÷ follow-up tasks done in the period"},
		calc: rate(MFUAnswered, MFUDone), Counts: CountsFollowups, Section: DocFollowups,
		Doc: "follow-up tasks done in the period that the customer answered (satisfied, dissatisfied or not solved; not unreachable) ÷ follow-up tasks done in the period"},
	{KPIInfo: aftersales.KPIInfo{Key: "followup_on_time", Unit: "percent", HigherIsBetter: true, Cohort: "followed_up",
		Definition: "follow-up tasks done in the period by their policy's deadline ÷ follow-up tasks done in the period"},
		calc: rate(MFUOnTime, MFUDone), Counts: CountsFollowups, Section: DocFollowups},
	{KPIInfo: aftersales.KPIInfo{Key: "followup_satisfied", Unit: "percent", HigherIsBetter: true, Cohort: "followed_up",
		Definition: "follow-up answers in the period with the outcome satisfied ÷ follow-up answers in the period (outcome mix)"},
		calc: rate(MFUSatisfied, MFUAnswered), Counts: CountsFollowups, Section: DocFollowups,
		Doc: "answers with the outcome satisfied ÷ answers in the period (outcome mix)"},
	{KPIInfo: aftersales.KPIInfo{Key: "followup_dissatisfied", Unit: "percent", Cohort: "followed_up",
		Definition: "follow-up answers in the period with the outcome dissatisfied ÷ follow-up answers in the period (outcome mix)"},
		calc: rate(MFUDissatisfied, MFUAnswered), Counts: CountsFollowups, Section: DocFollowups,
		Doc: "answers with the outcome dissatisfied ÷ answers in the period (outcome mix)"},
	{KPIInfo: aftersales.KPIInfo{Key: "followup_not_solved", Unit: "percent", Cohort: "followed_up",
		Definition: "follow-up answers in the period saying the problem is not solved (the ticket was reopened) ÷ follow-up answers in the period (outcome mix)"},
		calc: rate(MFUNotSolved, MFUAnswered), Counts: CountsFollowups, Section: DocFollowups,
		Doc: "answers saying the problem is not solved ÷ answers in the period (outcome mix)"},
	{KPIInfo: aftersales.KPIInfo{Key: NegativeShareKey, Unit: "percent", Cohort: "created",
		Definition: "tickets created in the period whose customer text (title, description and customer messages) the lexicon sentiment reads as negative (score below 0) ÷ tickets created in the period whose text was analysed"},
		calc: rate(MTextNegative, MTextAnalysed), Tile: 27, Section: DocText,
		Doc: "tickets whose customer text (title, description, customer messages) reads negative ÷ tickets whose text was analysed"},
	{KPIInfo: aftersales.KPIInfo{Key: "complaints", Unit: "count", Cohort: "created",
		Definition: "complaints created in the period"},
		calc: count(MComplaints), Section: DocVoice, Doc: "complaints created"},
	{KPIInfo: aftersales.KPIInfo{Key: "complaint_rate", Unit: "percent", Cohort: "created",
		Definition: "complaints ÷ tickets created in the period"},
		calc: rate(MComplaints, MCreated), Tile: 13, Section: DocVoice, Doc: "complaints ÷ tickets created"},
	{KPIInfo: aftersales.KPIInfo{Key: "complaint_timeliness", Unit: "percent", HigherIsBetter: true, Cohort: "created",
		Definition: "complaints with a first response within 24 calendar hours ÷ complaints created in the period"},
		calc: rate(MComplaintTimely, MComplaints), Section: DocVoice,
		Doc: "complaints with a first response within 24 calendar hours ÷ complaints created"},
	{KPIInfo: aftersales.KPIInfo{Key: "complaint_closure", Unit: "percent", HigherIsBetter: true, Cohort: "created",
		Definition: "complaints created in the period and resolved within 30 days ÷ complaints created in the period (cohort closure, methods.md §1.2)"},
		calc: rate(MComplaintClosed, MComplaints), Tile: 14, Section: DocVoice,
		Doc: "complaints created in the period and resolved within 30 days ÷ complaints created in the period (cohort closure)"},
	{KPIInfo: aftersales.KPIInfo{Key: "complaint_csat", Unit: "score", HigherIsBetter: true, Cohort: "resolved",
		Definition: "mean satisfaction score of follow-up answers on complaints resolved in the period"},
		calc: observed(mean(MComplaintCSATSum, MComplaintCSATN), 1), Section: DocVoice, Doc: "mean CSAT of answers on complaints"},
	// Complaints closed with the customer (issue #20).
	{KPIInfo: aftersales.KPIInfo{Key: "complaint_closed_customer", Unit: "percent", HigherIsBetter: true, Cohort: "created",
		Definition: "complaints created in the period that are closed with a closure record (root cause set, and the customer's confirmation or 3 documented failed attempts to reach them) ÷ complaints created in the period; a complaint reopened since its closure does not count until it is closed again"},
		calc: rate(MCmpClosedCust, MComplaints), Tile: 15, Section: DocComplaints,
		Doc: "complaints created in the period now closed with a closure record (confirmed, or unreachable after 3 documented attempts) ÷ complaints created in the period; a complaint reopened since does not count until it is closed again"},
	{KPIInfo: aftersales.KPIInfo{Key: "complaint_on_time", Unit: "percent", HigherIsBetter: true, Cohort: "complaint_closed",
		Definition: "complaints closed with the customer in the period within their severity's target (calendar hours from creation to the closure, target as it was when closed) ÷ complaints closed with the customer in the period, every severity"},
		calc: rate(MCmpOnTime, MCmpClosed), Tile: 16, Section: DocComplaints,
		Doc: "complaints closed with the customer in the period within their severity's target (from creation to the closure; the target as it was at closing) ÷ complaints closed with the customer in the period"},
	{KPIInfo: aftersales.KPIInfo{Key: "complaint_on_time_minor", Unit: "percent", HigherIsBetter: true, Cohort: "complaint_closed",
		Definition: "minor complaints closed with the customer in the period within the minor target ÷ minor complaints closed with the customer in the period"},
		calc: rate(MCmpOnTimeBySev+0, MCmpClosedBySev+0), Section: DocComplaints, Doc: docSeverity},
	{KPIInfo: aftersales.KPIInfo{Key: "complaint_on_time_major", Unit: "percent", HigherIsBetter: true, Cohort: "complaint_closed",
		Definition: "major complaints closed with the customer in the period within the major target ÷ major complaints closed with the customer in the period"},
		calc: rate(MCmpOnTimeBySev+1, MCmpClosedBySev+1), Section: DocComplaints, Doc: docSeverity},
	{KPIInfo: aftersales.KPIInfo{Key: "complaint_on_time_critical", Unit: "percent", HigherIsBetter: true, Cohort: "complaint_closed",
		Definition: "critical complaints closed with the customer in the period within the critical target ÷ critical complaints closed with the customer in the period"},
		calc: rate(MCmpOnTimeBySev+2, MCmpClosedBySev+2), Section: DocComplaints, Doc: docSeverity},
	{KPIInfo: aftersales.KPIInfo{Key: "repeat_complaint_rate", Unit: "percent", Cohort: "created",
		Definition: "complaints created in the period whose customer, or whose asset, had another complaint closed with the customer in the 30 days before ÷ complaints created in the period"},
		calc: rate(MCmpRepeat, MComplaints), Tile: 17, Section: DocComplaints},
	// A share of calls, when there are call records.
	{KPIInfo: aftersales.KPIInfo{Key: "answer_rate", Unit: "percent", HigherIsBetter: true, Cohort: "created",
		Definition: "answered calls ÷ offered calls", Unavailable: needCalls},
		calc: calc{rate: true}, DrillTo: DrillNone, Section: DocUnavailable,
		Doc: "answered calls ÷ offered calls; no telephony integration yet"},
	{KPIInfo: aftersales.KPIInfo{Key: "on_time_arrival", Unit: "percent", HigherIsBetter: true, Cohort: "arrived",
		Definition: "tickets whose technician was on site (first in service) within the SLA policy's arrival target ÷ arrival SLA instances that stopped or breached in the period; appointment windows are not recorded yet, so the policy target is the commitment"},
		calc: rate(MArrSLAMet, MArrSLA), Tile: 8, Section: DocResponsiveness,
		Doc: "technician on site within the SLA policy's arrival target ÷ arrival SLA instances that stopped or breached in the period. Appointment windows are not recorded yet, so the policy target is the commitment."},
	{KPIInfo: aftersales.KPIInfo{Key: "arrival_median", Unit: "minutes", Cohort: "arrived",
		Definition: "median calendar minutes from creation to the technician on site (first in service), over arrivals in the period"},
		calc: arrDur.quantile(0.5), Section: DocResponsiveness, Doc: "from creation to the technician on site (first `in_service`)"},
	{KPIInfo: aftersales.KPIInfo{Key: "first_time_fix", Unit: "percent", HigherIsBetter: true, Cohort: "arrived",
		Definition: "tickets whose first completed visit ended with the outcome fixed ÷ tickets with a completed visit, counted on the day that visit checked out (cancelled visits do not count)"},
		calc: rate(MFirstFixed, MVisited), Tile: 10, Section: DocResponsiveness,
		Doc: "tickets whose first completed visit ended with the outcome `fixed` ÷ tickets with a completed visit, counted on the day that visit checked out. Cancelled visits do not count; a first visit that found the customer absent or needed parts is not a first-time fix."},
	{KPIInfo: aftersales.KPIInfo{Key: "window_on_time", Unit: "percent", HigherIsBetter: true, Cohort: "arrived",
		Definition: "visits checked in no later than the end of the time window promised to the customer ÷ visits checked in, counted on the check-in day (the promised window, not the SLA, is the commitment)"},
		calc: rate(MWindowOnTime, MWindowArrivals), Counts: CountsVisits, Tile: 9, Section: DocResponsiveness,
		Doc: "visits checked in no later than the end of the time window promised to the customer ÷ visits checked in, counted on the check-in day. The promised window, not the SLA, is the commitment: a visit checked in after its window is late whatever the SLA says. A ticket with two late visits counts twice; its drill-down lists the tickets with a late visit and states the number of late visits."},
	{KPIInfo: aftersales.KPIInfo{Key: "standard_compliance", Unit: "percent", HigherIsBetter: true, Cohort: "visited",
		Definition: "completed visits whose service checklist had every required item ticked done ÷ completed visits to which a service checklist applied (the most specific one for the ticket's product category and nature), counted on the check-out day; visits without an applicable checklist do not count"},
		calc: rate(MStdCompliant, MStdVisits), Counts: CountsVisits, Tile: 22, Section: DocResponsiveness,
		Doc: "completed visits whose service checklist had every required item ticked done ÷ completed visits to which a service checklist applied, counted on the check-out day. The checklist that applies is the most specific one for the ticket's product category and nature (category and nature, then category, then nature, then the one for any ticket); the visit keeps the list as ticked, so later edits of a checklist do not change past visits. Visits without an applicable checklist do not count."},
	// Field KPIs (issue #19, s3/fieldcost).
	{KPIInfo: aftersales.KPIInfo{Key: "parts_wait_median", Unit: "minutes", Cohort: "reserved",
		Definition: "median calendar minutes from a part reservation that could not be served from stock to the receipt that filled it, over reservations filled in the period"},
		calc: partsWaitDur.quantile(0.5), Tile: 23, Section: DocResponsiveness, Doc: docPartsWait},
	{KPIInfo: aftersales.KPIInfo{Key: "parts_wait_p90", Unit: "minutes", Cohort: "reserved",
		Definition: "90th percentile of the parts wait, same population"},
		calc: partsWaitDur.quantile(0.9), Section: DocResponsiveness, Doc: docPartsWait},
	{KPIInfo: aftersales.KPIInfo{Key: "stock_out_rate", Unit: "percent", Cohort: "reserved",
		Definition: "part reservations made in the period that could not be served from the location's stock when made (they waited for a receipt) ÷ part reservations made in the period"},
		calc: rate(MStockOuts, MReservations), Tile: 24, Section: DocResponsiveness},
	{KPIInfo: aftersales.KPIInfo{Key: "visits_per_ticket", Unit: "ratio", Cohort: "resolved",
		Definition: "completed visits (cancelled ones excluded) of the tickets resolved in the period that had at least one ÷ those tickets"},
		calc: observed(mean(MFieldVisits, MFieldResolved), 1), Tile: 25, Section: DocResponsiveness},
	{KPIInfo: aftersales.KPIInfo{Key: "travel_per_visit", Unit: "km", Cohort: "visited",
		Definition: "planned road distance of the route leg to each visit (from the previous stop or the home base) ÷ completed visits with a planned leg, counted on the check-out day, in km"},
		calc: perVisitKM(MTravelM, MTravelVisits), Tile: 26, Section: DocResponsiveness,
		Doc: "planned road distance of the route leg to each visit (from the previous stop or the home base, as the day's route planned it when the visit was completed) ÷ completed visits with a planned leg, counted on the check-out day"},
	{KPIInfo: aftersales.KPIInfo{Key: UtilisationKey, Unit: "percent", HigherIsBetter: true, Cohort: "shift_day",
		Definition: "booked visit time ÷ shift time, per technician and local day: the minutes of the technician's visits that day (completed visits from check-in to check-out, on the check-in day; planned visits not cancelled their estimated duration, on the day their window starts) ÷ the minutes of their shifts that day less leave; days without shift time are left out; overall, or by technician, service point or region (the technician's own); num is the booked and n the shift minutes"},
		calc: only(calc{}, aftersales.DimTechnician, aftersales.DimPoint, aftersales.DimRegion), Store: StoreCalendars, DrillTo: DrillDispatch,
		Tile: 28, Section: DocResponsiveness,
		Doc: "booked visit time ÷ shift time, per technician and local day: the minutes of the technician's visits that day (completed visits from check-in to check-out, in whole minutes, on the check-in day; planned visits not cancelled — scheduled, en route or checked in — their estimated duration, on the day their window starts) ÷ the minutes of their shifts that day less leave. Summed over the technician-days of the period that have shift time (a day without shift time, or on leave all day, is left out, visits and all); `num` is the booked and `n` the shift minutes. Active technicians only. Overall, or filtered or grouped by technician, service point (the technician's own unit, at any level above it too) or region (the region above it); other dimensions answer 422."},
	{KPIInfo: aftersales.KPIInfo{Key: "service_cost", Unit: "money", Cohort: "incurred",
		Definition: "service cost lines (labour, travel, parts, goodwill, other; voided lines excluded) that arose in the period, in major currency units; n is the number of lines"},
		calc: money(MCost, MCostLines), Section: DocCost,
		Doc: "cost lines (not voided) that arose in the period, in yuan; `n` is the number of lines"},
	{KPIInfo: aftersales.KPIInfo{Key: "cost_per_ticket", Unit: "money", Cohort: "resolved",
		Definition: "whole service cost of the tickets resolved in the period ÷ tickets resolved in the period (tickets without costs count as zero)"},
		calc: observed(moneyMean(MCostResolved, MResolved), 100), Tile: 20, Section: DocCost,
		Doc: "whole service cost of the tickets resolved in the period ÷ tickets resolved in the period, in yuan; a ticket without cost lines counts as zero"},
	{KPIInfo: aftersales.KPIInfo{Key: CostRatioKey, Unit: "percent", Cohort: "incurred",
		Definition: "service cost that arose in the months with recorded sales revenue ÷ that revenue × 100, per month of revenue (methods.md §1.4: service operating cost and goodwill; warranty reimbursements from suppliers are not netted); overall, or by product category, product or region; num is the cost and n the revenue, in minor units"},
		calc: only(money(MCost, MCostLines), aftersales.DimCategory, aftersales.DimProduct, aftersales.DimRegion), Store: StoreRevenue,
		NoVerify: "the cost ratio is one number per month of revenue; verify cost_per_ticket instead",
		Tile:     21, Section: DocCost,
		Doc: "service cost that arose in the months with recorded revenue ÷ that revenue × 100 (methods.md §1.4: operating cost and goodwill; supplier warranty reimbursements are not netted). Monthly or coarser grains only. A month without revenue in the scope has no value and is left out of the total, never counted as zero. Overall, or filtered or grouped by product category, product or region (the scopes revenue is kept in); other dimensions answer 422. `num` is the cost and `n` the revenue, in fen."},
	{KPIInfo: aftersales.KPIInfo{Key: "warranty_claims", Unit: "count", Cohort: "created",
		Definition: "warranty claims created in the period: repair or return tickets (not cancelled) on an asset whose warranty covers the day the ticket was created"},
		calc: count(MWarrantyClaims), Section: DocWarranty,
		Doc: "repair or return tickets (not cancelled) on an asset whose warranty end (`warranty_ends`) is on or after the local day the ticket was created"},
	{KPIInfo: aftersales.KPIInfo{Key: WarrantyRateKey, Unit: "per_mille", Cohort: "created",
		Definition: "warranty claims created in the period per 1,000 units in service at the period's end (registered assets installed, or else purchased, before it); overall, or by product or product category"},
		calc: only(count(MWarrantyClaims), aftersales.DimProduct, aftersales.DimCategory), Store: StorePerUnits, Section: DocWarranty,
		Doc: "warranty claims created in the period ÷ units in service at the end of the period × 1,000. Units in service are the registered assets installed (or else purchased) before that day. It is filtered or grouped by product or product category only, because units are known per product; other dimensions answer 422. `num` is the claims and `n` the units."},
}

// Definitions that several KPIs share in docs/KPIS.md (one row).
const (
	docFRT        = "from creation to the first public reply by a person (automatic acknowledgements and internal notes do not count), over tickets created in the period that have a reply"
	docResolution = "from creation to resolution, over tickets resolved in the period"
	docPartsWait  = "from a part reservation that could not be served from stock when it was made to the receipt that filled it, over reservations filled in the period (counted on the fill day)"
	docSeverity   = "the same for one severity"
)

// Lookup returns the catalog entry for key.
func Lookup(key string) (KPI, bool) {
	for _, k := range Catalog {
		if k.Key == key {
			return k, true
		}
	}
	return KPI{}, false
}

// Tiles are the dashboard's overview tiles, in order of their Tile.
func Tiles() []KPI {
	var out []KPI
	for _, k := range Catalog {
		if k.Tile > 0 {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b KPI) int { return a.Tile - b.Tile })
	return out
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
