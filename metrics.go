package aftersales

import (
	"context"
	"time"
)

// Dimension is what a KPI can be filtered or grouped by.
type Dimension string

const (
	DimTeam       Dimension = "team"
	DimTechnician Dimension = "technician"
	DimPoint      Dimension = "service_unit" // the ticket's own unit, any level
	DimRegion     Dimension = "region"       // the region above the ticket's unit
	DimCategory   Dimension = "category"
	DimProduct    Dimension = "product"
	DimChannel    Dimension = "channel"
	DimNature     Dimension = "nature"
	DimUrgency    Dimension = "urgency"
	DimTier       Dimension = "tier"
)

// Dimensions lists every dimension; the order is the storage order of
// a ticket's dimension values and must not change.
var Dimensions = []Dimension{DimTeam, DimTechnician, DimPoint, DimRegion, DimCategory, DimProduct, DimChannel, DimNature, DimUrgency, DimTier}

// Valid reports whether d is a known dimension.
func (d Dimension) Valid() bool { return oneOf(d, Dimensions) }

// Grain is the width of a period in a KPI series.
type Grain string

const (
	GrainDay     Grain = "day"
	GrainWeek    Grain = "week" // ISO weeks, Monday first
	GrainMonth   Grain = "month"
	GrainQuarter Grain = "quarter"
)

// Grains lists every grain.
var Grains = []Grain{GrainDay, GrainWeek, GrainMonth, GrainQuarter}

// Valid reports whether g is a known grain.
func (g Grain) Valid() bool { return oneOf(g, Grains) }

// MetricQuery asks for one KPI over [From, To) local dates: a series by
// Grain; with By, one value per dimension value over the whole range;
// with By and Grain both set, one value per dimension value and period
// (a matrix, e.g. region × month). Filter and Value restrict it to one
// dimension value.
type MetricQuery struct {
	KPI    string
	From   time.Time
	To     time.Time
	Grain  Grain
	Filter Dimension
	Value  string
	By     Dimension
	// Locale picks the language of dimension labels (zh-CN by default).
	Locale string
}

// Validate checks the query shape; the KPI key is checked by the service.
func (q MetricQuery) Validate() error {
	var v Validator
	v.Check(q.KPI != "", "kpi", "is required")
	switch {
	case q.From.IsZero() || q.To.IsZero():
		v.Add("from", "from and to are required")
	case !q.To.After(q.From):
		v.Add("to", "must be after from")
	case q.To.Sub(q.From) > 20*366*24*time.Hour:
		v.Add("to", "the range is longer than 20 years")
	}
	v.Check(q.Grain == "" || q.Grain.Valid(), "grain", "must be day, week, month or quarter")
	v.Check(q.Filter == "" || q.Filter.Valid(), "filter", "unknown dimension")
	v.Check(q.Filter == "" || q.Value != "", "value", "is required with a filter")
	v.Check(q.By == "" || q.By.Valid(), "by", "unknown dimension")
	return v.Err()
}

// KPIInfo describes a KPI of the catalog.
type KPIInfo struct {
	Key string `json:"key"`
	// Unit is minutes, percent, score (CSAT 1-5), nps (-100..100), count,
	// ratio (a mean count) or km.
	Unit string `json:"unit"`
	// HigherIsBetter gives the direction of improvement.
	HigherIsBetter bool `json:"higher_is_better"`
	// Cohort says which date a ticket is counted on: created, responded,
	// resolved, done (left the backlog), snapshot, followed_up (the
	// day a follow-up task was done), visited (a visit's check-out day)
	// or reserved (a part reservation's day, or the receipt filling it).
	Cohort string `json:"cohort"`
	// Definition is the exact formula in English (docs/KPIS.md).
	Definition string `json:"definition"`
	// Unavailable explains why the KPI cannot be computed from the data
	// this installation records; empty when it can.
	Unavailable string `json:"unavailable,omitempty"`
}

// MetricPoint is one value of a series or of a grouping.
type MetricPoint struct {
	// Period is the period's first day (series) or zero (grouping).
	Period time.Time `json:"period,omitzero"`
	// Key is the dimension value (grouping) or empty; Label its name.
	Key   string `json:"key,omitempty"`
	Label string `json:"label,omitempty"`
	// Value is absent when the period has no data for this KPI (no
	// surveys, no resolved tickets): never a zero that means nothing.
	Value *float64 `json:"value"`
	// N is the sample behind the value: the denominator of a rate, the
	// number of durations of a median.
	N int64 `json:"n"`
	// Num is the numerator of a rate.
	Num int64 `json:"num,omitempty"`
}

// MetricResult is the answer to a MetricQuery.
type MetricResult struct {
	KPI    KPIInfo       `json:"kpi"`
	Query  MetricQuery   `json:"-"`
	Points []MetricPoint `json:"points"`
	// Total is the value over the whole range and filter.
	Total MetricPoint `json:"total"`
	// Distribution spreads a duration KPI's values over fixed bins
	// (minutes: <60, 60-240, 240-480, 480-1440, 1-3 d, 3-7 d, 7-14 d,
	// 14-30 d, >30 d), estimated from the rollup histograms.
	Distribution []DistBin `json:"distribution,omitempty"`
	// Lag is how far the rollups behind this answer trail the tickets.
	Lag RollupLag `json:"lag" doc:"How far the rollups behind this answer trail the tickets"`
}

// RollupLag is a rollup watermark: the changed tickets the background
// job has not folded in yet. Reads never catch up themselves, so an
// answer says how fresh it is instead.
type RollupLag struct {
	// Pending counts tickets whose latest change is not counted yet.
	Pending int64 `json:"pending" doc:"Changed tickets whose latest change the rollups do not count yet"`
	// Oldest is the earliest last-change time among them.
	Oldest *time.Time `json:"oldest,omitempty" doc:"The earliest last change among them"`
	// ReplicaBehind is how many seconds the read replica that answers KPI
	// reads (serve --db-read) trails the database; 0 without one.
	ReplicaBehind float64 `json:"replica_behind_seconds,omitempty" doc:"Seconds the read replica answering KPI reads (serve --db-read) trails the primary; absent without one or when it is current"`
}

// DistBin is one bin of a duration distribution; To is 0 for the last,
// open-ended bin.
type DistBin struct {
	From  float64 `json:"from_minutes"`
	To    float64 `json:"to_minutes,omitempty"`
	Count float64 `json:"count"`
}

// Feedback is a customer's answer to a follow-up visit or survey (回访).
type Feedback struct {
	TicketID   int64     `json:"ticket_id"`
	CSAT       *int      `json:"csat,omitempty"` // 1-5
	NPS        *int      `json:"nps,omitempty"`  // 0-10
	Comment    string    `json:"comment,omitempty"`
	Channel    Channel   `json:"channel"`
	RecordedBy *int64    `json:"recorded_by,omitempty"`
	At         time.Time `json:"at"`
}

// Validate checks ranges and defaults the channel to phone.
func (f *Feedback) Validate() error {
	var v Validator
	v.Check(f.CSAT != nil || f.NPS != nil, "csat", "give a satisfaction score (1-5), a recommendation score (0-10) or both")
	v.Check(f.CSAT == nil || (*f.CSAT >= 1 && *f.CSAT <= 5), "csat", "must be 1 to 5")
	v.Check(f.NPS == nil || (*f.NPS >= 0 && *f.NPS <= 10), "nps", "must be 0 to 10")
	if f.Channel == "" {
		f.Channel = ChannelPhone
	}
	v.Check(f.Channel.Valid() || f.Channel == ChannelSurvey, "channel", "unknown channel")
	v.Check(len(f.Comment) <= 4000, "comment", "is longer than 4000 bytes")
	return v.Err()
}

// RollupCheck is what a recompute found: rows that differ between the
// maintained rollups and a full computation from the tickets.
type RollupCheck struct {
	Tickets int `json:"tickets"`
	Rows    int `json:"rows"`
	// Differences counts differing rows; Mismatches describes the first 20.
	Differences int      `json:"differences"`
	Mismatches  []string `json:"mismatches,omitempty"`
	Repaired    bool     `json:"repaired"`
}

// MetricsService computes KPIs from rollups kept current by the write
// paths.
type MetricsService interface {
	KPIs() []KPIInfo
	Metric(ctx context.Context, q MetricQuery) (*MetricResult, error)
	// Metrics answers several queries as Metric answers each, reading
	// the rollups once per scope: a page of charts in a few round trips.
	Metrics(ctx context.Context, qs []MetricQuery) ([]*MetricResult, error)
	// RefreshRollups folds changed tickets into the rollups; it returns
	// how many tickets it processed. Only the background job calls it:
	// reads never wait for it.
	RefreshRollups(ctx context.Context, limit int) (int, error)
	// RollupLag is the rollups' watermark, read without the writer.
	RollupLag(ctx context.Context) (RollupLag, error)
	// RecomputeRollups computes every rollup from the tickets, compares,
	// and when repair is set replaces the rollups with the computation.
	RecomputeRollups(ctx context.Context, repair bool) (*RollupCheck, error)
	RecordFeedback(ctx context.Context, f *Feedback) error
	// Stages is the bottleneck analysis over [from, to): overall, or per
	// value of by.
	Stages(ctx context.Context, from, to time.Time, by Dimension, locale string) ([]*StageRow, error)
	// Aging is the open tickets now, by age: overall or per value of
	// q.By, within q.Filter = q.Value when set.
	Aging(ctx context.Context, q AgingQuery) ([]*AgingRow, error)
}

// AgingBins are the lower edges, in days, of the age bins of open tickets:
// under 1 day, 1-3, 3-7, 7-14, 14-30 and 30 days or more.
var AgingBins = []int{0, 1, 3, 7, 14, 30}

// AgingQuery scopes the aging of open tickets.
type AgingQuery struct {
	By     Dimension
	Filter Dimension
	Value  string
	Locale string
}

// AgingRow is the open tickets of one scope by age.
type AgingRow struct {
	Key   string `json:"key,omitempty"`
	Label string `json:"label,omitempty"`
	// Counts holds the open tickets per bin of AgingBins.
	Counts     []int64 `json:"counts"`
	Open       int64   `json:"open"`
	MedianDays float64 `json:"median_days" doc:"Median age of the open tickets, in days"`
	OldestDays float64 `json:"oldest_days"`
}

// StageTime is the mean time tickets spent in one status.
type StageTime struct {
	Status Status `json:"status"`
	// Tickets is how many passed through the stage; MeanHours is averaged
	// over them.
	Tickets   int64   `json:"tickets"`
	MeanHours float64 `json:"mean_hours"`
	// Share is the stage's part of all time spent in stages, in percent.
	Share float64 `json:"share"`
}

// StageRow is the bottleneck analysis of one scope (a team, a
// technician, or everything): where tickets that left the backlog in the
// period waited, the slowest stage, and how often they were passed on.
type StageRow struct {
	Key     string      `json:"key,omitempty"`
	Label   string      `json:"label,omitempty"`
	Tickets int64       `json:"tickets"`
	Stages  []StageTime `json:"stages"`
	Slowest Status      `json:"slowest,omitempty"`
	// Hops is the mean number of reassignments per ticket (assignments
	// beyond the first): how far tickets travel before someone keeps them.
	Hops float64 `json:"reassignments_per_ticket"`
}
