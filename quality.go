package aftersales

import (
	"context"
	"time"
)

// QualityTarget is a KPI's target and the value that scores zero; the
// weighted quality score normalises each KPI linearly between them, so
// the direction (higher or lower is better) follows from their order.
type QualityTarget struct {
	KPI       string    `json:"kpi"`
	Target    float64   `json:"target"`
	Worst     float64   `json:"worst" doc:"The value that scores 0; the target scores 100"`
	Weight    float64   `json:"weight" minimum:"0" maximum:"100" doc:"Share of the quality score, in percent"`
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks a target.
func (t *QualityTarget) Validate() error {
	var v Validator
	v.Check(t.Target != t.Worst, "worst", "must differ from the target")
	v.Check(t.Weight >= 0 && t.Weight <= 100, "weight", "must be between 0 and 100")
	return v.Err()
}

// ScorePart is one KPI's share of a quality score, kept so that every
// score can be explained.
type ScorePart struct {
	KPI    string   `json:"kpi"`
	Value  *float64 `json:"value"`
	N      int64    `json:"n"`
	Target float64  `json:"target"`
	Worst  float64  `json:"worst"`
	Weight float64  `json:"weight"`
	// Points is the normalised value, 0 (at or beyond worst) to 100 (at or
	// beyond target); absent when the KPI has no data for this scope.
	Points *float64 `json:"points"`
}

// QualityScore is the weighted score of one scope (a team, technician,
// region or product, or everything when Key is empty). KPIs without data
// are left out and the remaining weights rescaled; Coverage says how much
// of the total weight had data.
type QualityScore struct {
	Key      string      `json:"key,omitempty"`
	Label    string      `json:"label,omitempty"`
	Score    *float64    `json:"score"`
	Coverage float64     `json:"coverage" doc:"Percent of the weight that had data"`
	Parts    []ScorePart `json:"parts"`
}

// ScoreQuery asks for the quality score over [From, To), overall or per
// value of By, within Filter = Value when set (grouping within a filter
// follows the KPI queries' rules: the pairs in docs/KPIS.md, whole months).
type ScoreQuery struct {
	From, To time.Time
	By       Dimension
	Filter   Dimension
	Value    string
	Locale   string
}

// AlertRule watches one KPI in one scope, per week or month, with a fixed
// threshold, a control chart, or both.
type AlertRule struct {
	ID        int64     `json:"id"`
	KPI       string    `json:"kpi"`
	Dim       Dimension `json:"dim,omitempty"`
	Value     string    `json:"value,omitempty"`
	Grain     Grain     `json:"grain" enum:"week,month"`
	Threshold *float64  `json:"threshold,omitempty" doc:"Breached when the value is worse than this (by the KPI's direction)"`
	// Chart is p (rates), u (complaints per 1,000 installed units) or xmr
	// (durations, means); empty for a threshold-only rule.
	Chart        string     `json:"chart,omitempty" enum:"p,u,xmr,"`
	BaselineFrom *time.Time `json:"baseline_from,omitempty"`
	BaselineTo   *time.Time `json:"baseline_to,omitempty"`
	// Center and Sigma are the frozen Phase I limits (sigma for XmR only).
	Center    *float64  `json:"center,omitempty"`
	Sigma     *float64  `json:"sigma,omitempty"`
	BaselineN int       `json:"baseline_points,omitempty"`
	Rules     []string  `json:"rules,omitempty" doc:"Western Electric rules: we1..we4"`
	Active    bool      `json:"active"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AlertEvidence is one breach: which period, what was seen, against what.
type AlertEvidence struct {
	Period time.Time `json:"period"`
	Value  float64   `json:"value"`
	N      int64     `json:"n"`
	// Rule is "threshold" or a Western Electric rule id.
	Rule  string  `json:"rule"`
	Limit float64 `json:"limit"`
	// Tickets is the console link to the tickets behind the value.
	Tickets string `json:"tickets"`
}

// QualityService holds targets, scores, alert rules and the improvement
// items alerts open.
type QualityService interface {
	Targets(ctx context.Context) ([]*QualityTarget, error)
	SetTarget(ctx context.Context, t *QualityTarget) error
	Scores(ctx context.Context, q ScoreQuery) ([]*QualityScore, error)
	AlertRules(ctx context.Context) ([]*AlertRule, error)
	SaveAlertRule(ctx context.Context, r *AlertRule) error
	// EvaluateAlerts checks every active rule on the latest complete
	// period and opens or updates improvement items; it returns how many
	// breaches it recorded.
	EvaluateAlerts(ctx context.Context) (int, error)
}
