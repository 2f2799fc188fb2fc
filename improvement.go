package aftersales

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// The closed improvement loop (问题发现 → 原因分析 → 措施制定 → 执行跟踪 →
// 效果验证), shaped like a corrective-action (CAPA) record: an item, its
// root-cause analysis (5-Why and fishbone), its action plan, and the
// statistical verification of its effect.

// ItemStatus is where an improvement item is in the loop.
type ItemStatus string

const (
	ItemOpen         ItemStatus = "open"
	ItemAnalysing    ItemStatus = "analysing"
	ItemPlanning     ItemStatus = "planning"
	ItemImplementing ItemStatus = "implementing"
	ItemVerifying    ItemStatus = "verifying"
	ItemClosed       ItemStatus = "closed"
	ItemReopened     ItemStatus = "reopened"
)

// ItemStatuses lists the states in loop order.
var ItemStatuses = []ItemStatus{ItemOpen, ItemAnalysing, ItemPlanning, ItemImplementing, ItemVerifying, ItemClosed, ItemReopened}

// Valid reports whether s is a known state.
func (s ItemStatus) Valid() bool { return oneOf(s, ItemStatuses) }

// itemTransitions are the moves a person can make. Closing from
// verifying happens only through a verification that supports the
// effect (or a quality manager's dismissal from open or analysing, with
// a reason); reopening from closed is a relapse or a manual decision.
var itemTransitions = map[ItemStatus][]ItemStatus{
	ItemOpen:         {ItemAnalysing, ItemClosed},
	ItemAnalysing:    {ItemPlanning, ItemClosed},
	ItemPlanning:     {ItemImplementing, ItemAnalysing},
	ItemImplementing: {ItemVerifying, ItemPlanning},
	ItemVerifying:    {ItemAnalysing, ItemImplementing},
	ItemClosed:       {ItemReopened},
	ItemReopened:     {ItemAnalysing},
}

// CanItemTransition reports whether the loop allows moving from one state
// to another by hand.
func CanItemTransition(from, to ItemStatus) bool { return oneOf(to, itemTransitions[from]) }

// ItemTransitionsFrom lists the states a person can move an item to.
func ItemTransitionsFrom(s ItemStatus) []ItemStatus { return itemTransitions[s] }

// ItemRoleCheck says whether a user may move an item: the owner and
// quality managers drive the loop, supervisors and admins may do
// anything, and dismissing (closing without verification) or reopening
// is for quality managers, supervisors and admins only. The reason is
// empty when allowed.
func ItemRoleCheck(u *User, ownerID *int64, from, to ItemStatus) string {
	if u == nil {
		return "sign in first"
	}
	manager := u.Role == RoleAdmin || u.Role == RoleSupervisor || u.Role == RoleQuality
	if manager {
		return ""
	}
	if to == ItemClosed || to == ItemReopened {
		return "only a quality manager, a supervisor or an admin can close or reopen an item by hand"
	}
	if ownerID != nil && *ownerID == u.ID {
		return ""
	}
	return "only the item's owner, a quality manager, a supervisor or an admin can move it"
}

// CanOverrideActions reports whether a role may send an item to
// verification while actions are still open.
func CanOverrideActions(r Role) bool { return r == RoleSupervisor || r == RoleAdmin }

// Item sources, severities and responsible departments.
const (
	SourceAlert      = "alert"
	SourceComplaints = "complaints"
	SourceAudit      = "audit"
	SourceManual     = "manual"
)

var (
	ItemSources     = []string{SourceAlert, SourceComplaints, SourceAudit, SourceManual}
	ItemSeverities  = []string{"low", "medium", "high", "critical"}
	ItemDepartments = []string{"after_sales", "technical", "quality", "production"}
)

// ImprovementItem is a 待改善项: a quality problem to analyse and fix.
type ImprovementItem struct {
	ID          int64           `json:"id"`
	Number      string          `json:"number"`
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	Source      string          `json:"source" enum:"alert,complaints,audit,manual"`
	RuleID      *int64          `json:"rule_id,omitempty"`
	KPI         string          `json:"kpi,omitempty"`
	Dim         Dimension       `json:"dim,omitempty"`
	Value       string          `json:"value,omitempty"`
	Baseline    *float64        `json:"baseline,omitempty" doc:"The KPI's level the problem is measured against"`
	Target      *float64        `json:"target,omitempty" doc:"The KPI's level the improvement must reach"`
	TargetDate  *time.Time      `json:"target_date,omitempty"`
	Severity    string          `json:"severity" enum:"low,medium,high,critical"`
	OwnerID     *int64          `json:"owner_id,omitempty"`
	OwnerName   string          `json:"owner_name,omitempty"`
	Department  string          `json:"department" enum:"after_sales,technical,quality,production"`
	Status      ItemStatus      `json:"status"`
	Evidence    []AlertEvidence `json:"evidence"`
	Breaches    int             `json:"breaches"`
	RootCause   string          `json:"root_cause,omitempty" doc:"Code from the root-cause taxonomy"`
	RootNote    string          `json:"root_cause_note,omitempty" doc:"Free text describing the root cause"`
	ReopenCount int             `json:"reopen_count"`
	ActionsOpen int             `json:"actions_open"`
	ActionsDone int             `json:"actions_done"`
	// Overdue is set when the target date has passed before closing, or
	// an action is past due.
	Overdue    bool       `json:"overdue"`
	Tickets    []int64    `json:"tickets"`
	Watchers   []int64    `json:"watchers"`
	Version    int64      `json:"version"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	LastPeriod *time.Time `json:"last_period,omitempty"`
}

// ItemInput is what a person sets on an item.
type ItemInput struct {
	Title       string    `json:"title" minLength:"1" maxLength:"200"`
	Description string    `json:"description,omitempty" maxLength:"10000"`
	Source      string    `json:"source,omitempty" enum:"complaints,audit,manual," doc:"Default manual; alerts open their own items"`
	KPI         string    `json:"kpi,omitempty"`
	Dim         Dimension `json:"dim,omitempty" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier,"`
	Value       string    `json:"value,omitempty"`
	Baseline    *float64  `json:"baseline,omitempty"`
	Target      *float64  `json:"target,omitempty"`
	TargetDate  string    `json:"target_date,omitempty" doc:"YYYY-MM-DD"`
	Severity    string    `json:"severity,omitempty" enum:"low,medium,high,critical," doc:"Default medium"`
	OwnerID     *int64    `json:"owner_id,omitempty"`
	Department  string    `json:"department,omitempty" enum:"after_sales,technical,quality,production," doc:"Default quality"`
	Tickets     []int64   `json:"tickets,omitempty" doc:"Linked tickets (e.g. the complaints behind the item)"`
	Watchers    []int64   `json:"watchers,omitempty"`
}

// Normalize trims and fills defaults.
func (in *ItemInput) Normalize() {
	in.Title, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	in.Value, in.TargetDate = strings.TrimSpace(in.Value), strings.TrimSpace(in.TargetDate)
	if in.Source == "" {
		in.Source = SourceManual
	}
	if in.Severity == "" {
		in.Severity = "medium"
	}
	if in.Department == "" {
		in.Department = "quality"
	}
}

// Validate checks what needs no database.
func (in *ItemInput) Validate() error {
	var v Validator
	v.Check(in.Title != "", "title", "is required")
	v.Check(len([]rune(in.Title)) <= 200, "title", "must be at most 200 characters")
	v.Check(oneOf(in.Source, ItemSources) && in.Source != SourceAlert, "source", "must be complaints, audit or manual")
	v.Check(oneOf(in.Severity, ItemSeverities), "severity", "must be low, medium, high or critical")
	v.Check(oneOf(in.Department, ItemDepartments), "department", "must be after_sales, technical, quality or production")
	v.Check(in.Dim == "" || in.Dim.Valid(), "dim", "unknown dimension")
	v.Check((in.Dim == "") == (in.Value == ""), "value", "a scope needs both a dimension and a value")
	v.Check(in.Dim == "" || in.KPI != "", "kpi", "a scope needs a KPI")
	v.Check(in.Target == nil || in.KPI != "", "kpi", "a target needs a KPI")
	if in.TargetDate != "" {
		_, err := time.Parse(time.DateOnly, in.TargetDate)
		v.Check(err == nil, "target_date", "must be a date, YYYY-MM-DD")
	}
	return v.Err()
}

// WhyStep is one step of a 5-Why chain.
type WhyStep struct {
	Question string `json:"question" minLength:"1" maxLength:"1000"`
	Answer   string `json:"answer" maxLength:"1000"`
	Evidence string `json:"evidence,omitempty" maxLength:"2000"`
}

// Fishbone (Ishikawa) categories, the 6M.
var CauseCategories = []string{"man", "machine", "material", "method", "measurement", "environment"}

// Cause states.
var CauseStatuses = []string{"suspected", "verified", "ruled_out"}

// Cause is one bone of the fishbone: a cause in a 6M category, or a
// sub-cause of another cause.
type Cause struct {
	ID       int64  `json:"id,omitempty" readOnly:"true"`
	ParentID *int64 `json:"parent_id,omitempty"`
	Category string `json:"category" enum:"man,machine,material,method,measurement,environment"`
	Text     string `json:"text" minLength:"1" maxLength:"500"`
	Status   string `json:"status,omitempty" enum:"suspected,verified,ruled_out," doc:"Default suspected"`
	Evidence string `json:"evidence,omitempty" maxLength:"2000"`
}

// RootCauseCode is an entry of the maintained root-cause taxonomy.
type RootCauseCode struct {
	Code     string `json:"code,omitempty" doc:"Lower-case letters, digits, dots and underscores; taken from the path on PUT"`
	Category string `json:"category" enum:"man,machine,material,method,measurement,environment"`
	NameZH   string `json:"name_zh" minLength:"1" maxLength:"100"`
	NameEN   string `json:"name_en" minLength:"1" maxLength:"100"`
	Active   bool   `json:"active"`
}

// Name is the code's name in a locale.
func (c *RootCauseCode) Name(locale string) string {
	if strings.HasPrefix(locale, "zh") {
		return c.NameZH
	}
	return c.NameEN
}

// Action states.
var ActionStatuses = []string{"planned", "in_progress", "done", "cancelled"}

// Action is one step of an item's action plan.
type Action struct {
	ID          int64      `json:"id"`
	ItemID      int64      `json:"item_id"`
	Description string     `json:"description"`
	OwnerID     int64      `json:"owner_id"`
	OwnerName   string     `json:"owner_name,omitempty"`
	Start       string     `json:"start,omitempty" doc:"YYYY-MM-DD"`
	Due         string     `json:"due" doc:"YYYY-MM-DD"`
	Resources   string     `json:"resources,omitempty"`
	Budget      *float64   `json:"budget,omitempty"`
	Status      string     `json:"status" enum:"planned,in_progress,done,cancelled"`
	Evidence    string     `json:"evidence,omitempty" doc:"Evidence of completion; required to mark it done"`
	Overdue     bool       `json:"overdue"`
	DoneAt      *time.Time `json:"done_at,omitempty"`
	Version     int64      `json:"version"`
}

// ActionInput is what a person sets on an action.
type ActionInput struct {
	Description string   `json:"description" minLength:"1" maxLength:"2000"`
	OwnerID     int64    `json:"owner_id"`
	Start       string   `json:"start,omitempty" doc:"YYYY-MM-DD"`
	Due         string   `json:"due" doc:"YYYY-MM-DD" example:"2026-12-31"`
	Resources   string   `json:"resources,omitempty" maxLength:"2000"`
	Budget      *float64 `json:"budget,omitempty" minimum:"0"`
	Status      string   `json:"status,omitempty" enum:"planned,in_progress,done,cancelled," doc:"Default planned"`
	Evidence    string   `json:"evidence,omitempty" maxLength:"4000"`
}

// Validate checks an action.
func (in *ActionInput) Validate() error {
	var v Validator
	in.Description, in.Evidence = strings.TrimSpace(in.Description), strings.TrimSpace(in.Evidence)
	if in.Status == "" {
		in.Status = "planned"
	}
	v.Check(in.Description != "", "description", "is required")
	v.Check(in.OwnerID > 0, "owner_id", "is required")
	due, err := time.Parse(time.DateOnly, in.Due)
	v.Check(err == nil, "due", "must be a date, YYYY-MM-DD")
	if in.Start != "" {
		start, err2 := time.Parse(time.DateOnly, in.Start)
		v.Check(err2 == nil, "start", "must be a date, YYYY-MM-DD")
		v.Check(err != nil || err2 != nil || !due.Before(start), "due", "must not be before the start")
	}
	v.Check(in.Budget == nil || *in.Budget >= 0, "budget", "must not be negative")
	v.Check(oneOf(in.Status, ActionStatuses), "status", "must be planned, in_progress, done or cancelled")
	v.Check(in.Status != "done" || in.Evidence != "", "evidence", "say what shows the action is done")
	return v.Err()
}

// VerifyInput is what the owner chooses for an effect verification.
type VerifyInput struct {
	KPI        string    `json:"kpi,omitempty" doc:"Default: the item's KPI"`
	Dim        Dimension `json:"dim,omitempty" enum:"team,technician,service_unit,region,category,product,channel,nature,urgency,tier,"`
	Value      string    `json:"value,omitempty" doc:"Default: the item's scope"`
	BeforeFrom string    `json:"before_from" doc:"YYYY-MM-DD, first day of the before window"`
	BeforeTo   string    `json:"before_to" doc:"YYYY-MM-DD, day after the before window"`
	AfterFrom  string    `json:"after_from" doc:"YYYY-MM-DD"`
	AfterTo    string    `json:"after_to" doc:"YYYY-MM-DD"`
	// A control group: another value of the same dimension that was not
	// changed; its before/after change is subtracted.
	ControlValue string `json:"control_value,omitempty"`
}

// Number is a statistic as stored and shown. Some are not finite: NaN
// when a value cannot be computed (0/0: no variance and no change), ±Inf
// when it is unbounded (a difference over a zero standard error, or the
// interval of too few observations to reach 95%). JSON has no such
// numbers, so they are the strings "NaN", "Infinity" and "-Infinity"
// (as JavaScript's Number and Python's json module spell them); finite
// values are plain numbers. They are never turned into 0.
type Number float64

// MarshalJSON writes a finite value as a number and the others as strings.
func (x Number) MarshalJSON() ([]byte, error) {
	f := float64(x)
	switch {
	case math.IsNaN(f):
		return []byte(`"NaN"`), nil
	case math.IsInf(f, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-Infinity"`), nil
	}
	return json.Marshal(f)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (x *Number) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		switch s {
		case "NaN":
			*x = Number(math.NaN())
		case "Infinity":
			*x = Number(math.Inf(1))
		case "-Infinity":
			*x = Number(math.Inf(-1))
		default:
			return fmt.Errorf("not a number: %q", s)
		}
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*x = Number(f)
	return nil
}

// Finite reports whether x is neither NaN nor infinite.
func (x Number) Finite() bool { return !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0) }

// Text formats x with a fmt verb such as "%.3g"; NaN shows as "—" and the
// infinities as "∞" and "−∞" (the console explains both).
func (x Number) Text(format string) string {
	f := float64(x)
	switch {
	case math.IsNaN(f):
		return "—"
	case math.IsInf(f, 1):
		if strings.Contains(format, "+") {
			return "+∞"
		}
		return "∞"
	case math.IsInf(f, -1):
		return "−∞"
	}
	return fmt.Sprintf(format, f)
}

// EffectTest is a statistical comparison as shown to people.
type EffectTest struct {
	Method   string `json:"method"`
	Estimate Number `json:"estimate" doc:"After − before (or the difference-in-differences), in the KPI's unit"`
	CILow    Number `json:"ci_low" doc:"-Infinity when too few observations bound the interval"`
	CIHigh   Number `json:"ci_high" doc:"Infinity when too few observations bound the interval"`
	Stat     Number `json:"statistic" doc:"z or t with the sign of the estimate (W for Mann-Whitney); ±Infinity, or NaN with no change, when there is no variance"`
	P        Number `json:"p" doc:"NaN when it cannot be computed (no variance and no change); never significant then"`
	N1       int    `json:"n1" doc:"Observations in the before window (treated scope)"`
	N2       int    `json:"n2" doc:"Observations in the after window (treated scope)"`
	TooSmall bool   `json:"too_small"`
	// Effect is a standardised effect size named by EffectName (Cohen's
	// h for rates, Cohen's d for means, the common-language A for
	// durations); absent for a difference-in-differences.
	Effect     *float64 `json:"effect,omitempty"`
	EffectName string   `json:"effect_name,omitempty"`
	// Shift is the Hodges-Lehmann shift for durations (after − before).
	Shift *Number `json:"shift,omitempty"`
}

// NonFinite reports whether any number of the test is NaN or infinite.
func (t EffectTest) NonFinite() bool {
	return !t.Estimate.Finite() || !t.CILow.Finite() || !t.CIHigh.Finite() || !t.Stat.Finite() || !t.P.Finite()
}

// Verdicts.
const (
	VerdictEffective    = "effective"     // target met and statistically supported
	VerdictNotEffective = "not_effective" // no supported improvement, or target missed
	VerdictInconclusive = "inconclusive"  // samples too small, or without variance, to conclude
)

// Verification is a recorded effect verification.
type Verification struct {
	ID     int64 `json:"id"`
	ItemID int64 `json:"item_id"`
	VerifyInput
	Before        *float64   `json:"before"`
	After         *float64   `json:"after"`
	ControlBefore *float64   `json:"control_before,omitempty"`
	ControlAfter  *float64   `json:"control_after,omitempty"`
	Test          EffectTest `json:"test"`
	Target        *float64   `json:"target,omitempty"`
	TargetMet     bool       `json:"target_met"`
	Supported     bool       `json:"supported" doc:"The change is in the good direction and significant at 5%"`
	Verdict       string     `json:"verdict" enum:"effective,not_effective,inconclusive"`
	ReasonCode    string     `json:"reason_code" enum:"effective,too_small,no_variance,wrong_direction,not_significant,short_of_target"`
	Reason        string     `json:"reason"`
	// Applied is set when the verdict moved the item (closed it or sent
	// it back to analysing).
	Applied   bool      `json:"applied"`
	ByID      int64     `json:"by_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// ItemEvent is one entry of an item's timeline; the timeline is
// append-only.
type ItemEvent struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	ActorID *int64    `json:"actor_id,omitempty"`
	Actor   string    `json:"actor,omitempty"`
	Kind    string    `json:"kind"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	Body    string    `json:"body,omitempty"`
}

// RelapseWatch is how a closed item's KPI is watched for a relapse, week
// by week after closing.
type RelapseWatch struct {
	Chart  string    `json:"chart" enum:"p,xmr,threshold" doc:"p-chart around the verified rate, XmR chart from the after window's weeks, or the level before the improvement"`
	Center float64   `json:"center" doc:"The verified level, in the KPI's unit"`
	Sigma  float64   `json:"sigma,omitempty" doc:"XmR: the weekly sigma"`
	Before float64   `json:"before" doc:"The level before the improvement"`
	Since  time.Time `json:"since" doc:"The first week watched"`
}

// ItemDetail is an item with everything recorded about it.
type ItemDetail struct {
	*ImprovementItem
	Watch         *RelapseWatch   `json:"watch,omitempty"`
	Whys          []WhyStep       `json:"whys"`
	Causes        []Cause         `json:"causes"`
	Actions       []*Action       `json:"actions"`
	Verifications []*Verification `json:"verifications"`
	Events        []*ItemEvent    `json:"events"`
	Case          *Case           `json:"case,omitempty"`
}

// Case is a closed item's lesson, published to the case library.
type Case struct {
	ID          int64     `json:"id"`
	ItemID      int64     `json:"item_id"`
	Number      string    `json:"number"`
	Title       string    `json:"title"`
	Problem     string    `json:"problem"`
	RootCause   string    `json:"root_cause"`
	Actions     string    `json:"actions"`
	Effect      string    `json:"effect"`
	Tags        []string  `json:"tags"`
	PublishedBy int64     `json:"published_by"`
	PublishedAt time.Time `json:"published_at"`
}

// CaseInput is what a person writes when publishing; empty parts are
// filled from the item.
type CaseInput struct {
	Title     string   `json:"title,omitempty" maxLength:"200"`
	Problem   string   `json:"problem,omitempty" maxLength:"10000"`
	RootCause string   `json:"root_cause,omitempty" maxLength:"10000"`
	Actions   string   `json:"actions,omitempty" maxLength:"10000"`
	Effect    string   `json:"effect,omitempty" maxLength:"10000"`
	Tags      []string `json:"tags,omitempty"`
}

// ItemFilter narrows the improvement board.
type ItemFilter struct {
	Status     ItemStatus
	OwnerID    int64
	Department string
	Overdue    bool
}

// CauseCount is one row of the root-cause Pareto.
type CauseCount struct {
	Code     string  `json:"code"`
	Label    string  `json:"label"`
	Category string  `json:"category"`
	Items    int     `json:"items"`
	CumPct   float64 `json:"cum_pct"`
	Vital    bool    `json:"vital" doc:"Among the vital few that make up 80% of items"`
}

// ImprovementService runs the improvement loop.
type ImprovementService interface {
	ImprovementItems(ctx context.Context, f ItemFilter) ([]*ImprovementItem, error)
	ImprovementItem(ctx context.Context, id int64) (*ItemDetail, error)
	CreateItem(ctx context.Context, in ItemInput) (*ImprovementItem, error)
	UpdateItem(ctx context.Context, id, version int64, in ItemInput) (*ImprovementItem, error)
	// TransitionItem moves an item; override lets a supervisor send an
	// item to verification while actions are open, with the reason.
	TransitionItem(ctx context.Context, id, version int64, to ItemStatus, reason string, override bool) (*ImprovementItem, error)
	SetWhys(ctx context.Context, id int64, steps []WhyStep) error
	SetRootCause(ctx context.Context, id int64, code, note string) error
	SaveCause(ctx context.Context, itemID int64, c *Cause) error
	DeleteCause(ctx context.Context, itemID, causeID int64) error
	SaveAction(ctx context.Context, itemID, actionID, version int64, in ActionInput) (*Action, error)
	Verify(ctx context.Context, itemID int64, in VerifyInput) (*Verification, error)
	CommentItem(ctx context.Context, id int64, body string) error
	RootCauseCodes(ctx context.Context) ([]*RootCauseCode, error)
	SaveRootCauseCode(ctx context.Context, c *RootCauseCode) error
	RootCausePareto(ctx context.Context, locale string) ([]CauseCount, error)
	PublishCase(ctx context.Context, itemID int64, in CaseInput) (*Case, error)
	Cases(ctx context.Context, query string) ([]*Case, error)
}
