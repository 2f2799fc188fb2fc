package aftersales

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"strings"
	"time"
)

// Follow-up (回访): after a ticket is resolved, ordered policies decide
// whether someone calls the customer back; the call is a task in a queue
// with a script, a questionnaire, a log of attempts and an outcome.

// FollowupStatus is a task's place in its lifecycle.
type FollowupStatus string

const (
	FollowupOpen      FollowupStatus = "open"
	FollowupDone      FollowupStatus = "done"
	FollowupCancelled FollowupStatus = "cancelled"
)

// FollowupStatuses lists every task status.
var FollowupStatuses = []FollowupStatus{FollowupOpen, FollowupDone, FollowupCancelled}

// Valid reports whether s is a known task status.
func (s FollowupStatus) Valid() bool { return oneOf(s, FollowupStatuses) }

// FollowupOutcome is how a finished task ended.
type FollowupOutcome string

const (
	OutcomeSatisfied    FollowupOutcome = "satisfied"
	OutcomeDissatisfied FollowupOutcome = "dissatisfied"
	OutcomeNotSolved    FollowupOutcome = "not_solved"
	OutcomeUnreachable  FollowupOutcome = "unreachable"
)

// FollowupOutcomes lists every outcome.
var FollowupOutcomes = []FollowupOutcome{OutcomeSatisfied, OutcomeDissatisfied, OutcomeNotSolved, OutcomeUnreachable}

// Valid reports whether o is a known outcome.
func (o FollowupOutcome) Valid() bool { return oneOf(o, FollowupOutcomes) }

// Answered reports whether the customer was reached and answered.
func (o FollowupOutcome) Answered() bool { return o != OutcomeUnreachable && o != "" }

// ContactChannel is how a follow-up attempt reached (or tried to reach)
// the customer.
type ContactChannel string

const (
	ContactPhone  ContactChannel = "phone"
	ContactSMS    ContactChannel = "sms"
	ContactWeChat ContactChannel = "wechat"
	ContactEmail  ContactChannel = "email"
	ContactVisit  ContactChannel = "visit"
)

// ContactChannels lists every attempt channel.
var ContactChannels = []ContactChannel{ContactPhone, ContactSMS, ContactWeChat, ContactEmail, ContactVisit}

// Valid reports whether c is a known attempt channel.
func (c ContactChannel) Valid() bool { return oneOf(c, ContactChannels) }

// AttemptResult is what one attempt got.
type AttemptResult string

const (
	AttemptReached     AttemptResult = "reached"
	AttemptNoAnswer    AttemptResult = "no_answer"
	AttemptBusy        AttemptResult = "busy"
	AttemptWrongNumber AttemptResult = "wrong_number"
	AttemptCallBack    AttemptResult = "call_back" // asked to be called later
	AttemptRefused     AttemptResult = "refused"   // declined to answer
)

// AttemptResults lists every attempt result.
var AttemptResults = []AttemptResult{AttemptReached, AttemptNoAnswer, AttemptBusy, AttemptWrongNumber, AttemptCallBack, AttemptRefused}

// Valid reports whether r is a known result.
func (r AttemptResult) Valid() bool { return oneOf(r, AttemptResults) }

// Failed reports whether the attempt did not reach the customer; failed
// attempts count towards a policy's MaxAttempts.
func (r AttemptResult) Failed() bool {
	return r == AttemptNoAnswer || r == AttemptBusy || r == AttemptWrongNumber
}

// DissatisfiedReasons are the reason codes of a dissatisfied answer.
var DissatisfiedReasons = []string{"slow", "attitude", "quality", "cost", "communication", "appointment", "other"}

// FollowupFeedbackChannel is the channel ticket feedback written by a
// follow-up carries.
const FollowupFeedbackChannel Channel = "followup"

// FollowupCancelReopened is the cancel reason of a task whose ticket was
// reopened before the task was done.
const FollowupCancelReopened = "ticket_reopened"

// FollowupPolicy selects resolved tickets for a follow-up. Policies are
// tried in Position order; the first whose conditions match a ticket
// decides, and a policy sampling less than 100% draws for it (seeded, so
// the sample can be reproduced). A ticket no policy matches gets no task.
type FollowupPolicy struct {
	ID       int64  `json:"id,omitempty" readOnly:"true"`
	Name     string `json:"name" maxLength:"100"`
	Position int    `json:"position,omitempty" minimum:"0" doc:"Order among policies, lowest first; the first matching policy decides"`
	Active   bool   `json:"active"`
	// Conditions: empty lists match every ticket.
	Natures []Nature `json:"natures,omitempty" doc:"The ticket's nature is one of these (e.g. complaint); empty: any"`
	Tiers   []string `json:"tiers,omitempty" doc:"The customer's tier is one of these (e.g. vip, core); empty: any"`
	// SamplePercent is the share of matching tickets that get a task.
	SamplePercent float64 `json:"sample_percent" minimum:"0" maximum:"100" doc:"Share of matching tickets followed up, 0-100; below 100 a seeded draw decides per ticket"`
	Seed          int64   `json:"seed,omitempty" doc:"Seed of the sampling draw; chosen at random when 0 on create"`
	DelayHours    float64 `json:"delay_hours,omitempty" minimum:"0" doc:"Hours after resolution before the call is due"`
	DeadlineHours float64 `json:"deadline_hours" minimum:"0" doc:"Hours after resolution by which the call must be done"`
	MaxAttempts   int     `json:"max_attempts" minimum:"1" maximum:"20" doc:"Failed attempts (no answer, busy, wrong number) after which the task ends unreachable"`
	TeamID        *int64  `json:"team_id,omitempty" doc:"Team whose agents take the tasks in turn; empty: the ticket's team"`
	ScriptZH      string  `json:"script_zh,omitempty" maxLength:"4000"`
	ScriptEN      string  `json:"script_en,omitempty" maxLength:"4000"`
	// AppliesFrom bounds the resolutions the policy decides, so that a new
	// policy does not follow up the whole history.
	AppliesFrom time.Time `json:"applies_from,omitzero" doc:"Resolutions from this instant on are followed up; the creation time when empty"`
	CreatedAt   time.Time `json:"created_at,omitzero" readOnly:"true"`
	Version     int64     `json:"version,omitempty" readOnly:"true"`
}

// Validate checks a policy, naming each bad field.
func (p *FollowupPolicy) Validate() error {
	var v Validator
	p.Name = strings.TrimSpace(p.Name)
	v.Check(p.Name != "", "name", "is required")
	v.Check(len([]rune(p.Name)) <= 100, "name", "must be at most 100 characters")
	v.Text("name", p.Name)
	v.Check(p.Position >= 0, "position", "must be 0 or more")
	for i, n := range p.Natures {
		v.Check(n.Valid(), "natures["+strconv.Itoa(i)+"]", "must be one of "+joinEnum(Natures))
	}
	for i, t := range p.Tiers {
		v.Check(strings.TrimSpace(t) != "", "tiers["+strconv.Itoa(i)+"]", "must not be empty")
	}
	v.Check(p.SamplePercent >= 0 && p.SamplePercent <= 100, "sample_percent", "must be 0 to 100")
	v.Check(p.DelayHours >= 0 && p.DelayHours <= 24*90, "delay_hours", "must be 0 to 2160 (90 days)")
	v.Check(p.DeadlineHours > 0 && p.DeadlineHours <= 24*180, "deadline_hours", "must be above 0 and at most 4320 (180 days)")
	v.Check(p.DeadlineHours > p.DelayHours, "deadline_hours", "must be later than delay_hours")
	v.Check(p.MaxAttempts >= 1 && p.MaxAttempts <= 20, "max_attempts", "must be 1 to 20")
	v.Check(len([]rune(p.ScriptZH)) <= 4000, "script_zh", "must be at most 4000 characters")
	v.Check(len([]rune(p.ScriptEN)) <= 4000, "script_en", "must be at most 4000 characters")
	v.Text("script_zh", p.ScriptZH)
	v.Text("script_en", p.ScriptEN)
	return v.Err()
}

// Matches reports whether the policy's conditions hold for a ticket of
// nature n whose customer has tier.
func (p *FollowupPolicy) Matches(n Nature, tier string) bool {
	return p.Active && (len(p.Natures) == 0 || oneOf(n, p.Natures)) && (len(p.Tiers) == 0 || oneOf(tier, p.Tiers))
}

// FollowupDraw is the sampling draw of one resolution: a number in [0, 1)
// computed from the seed, the ticket and its resolution instant only, so
// anyone holding the recorded seed can reproduce it.
func FollowupDraw(seed, ticketID int64, resolvedAt time.Time) float64 {
	var b [24]byte
	binary.BigEndian.PutUint64(b[0:], uint64(seed))
	binary.BigEndian.PutUint64(b[8:], uint64(ticketID))
	binary.BigEndian.PutUint64(b[16:], uint64(resolvedAt.UnixMilli()))
	h := sha256.Sum256(b[:])
	return float64(binary.BigEndian.Uint64(h[:8])>>11) / (1 << 53)
}

// FollowupSelection is the recorded decision for one resolution of a
// ticket: which policy matched and, when it sampled, the seed, the draw
// and the threshold it was compared with.
type FollowupSelection struct {
	TicketID   int64     `json:"ticket_id"`
	ResolvedAt time.Time `json:"resolved_at"`
	PolicyID   *int64    `json:"policy_id,omitempty"`
	Seed       int64     `json:"seed"`
	Draw       float64   `json:"draw" doc:"The draw in [0, 1); the ticket is selected when draw < threshold"`
	Threshold  float64   `json:"threshold" doc:"sample_percent / 100 of the matching policy; 0 when none matched"`
	Selected   bool      `json:"selected"`
	DecidedAt  time.Time `json:"decided_at"`
}

// SelectFollowup applies ordered policies to one resolution: the first
// matching policy that applies from the resolution's time on decides. It returns the policy (nil when none matched)
// and the selection to record.
func SelectFollowup(policies []*FollowupPolicy, ticketID int64, n Nature, tier string, resolvedAt time.Time) (*FollowupPolicy, FollowupSelection) {
	sel := FollowupSelection{TicketID: ticketID, ResolvedAt: resolvedAt}
	for _, p := range policies {
		if !p.Matches(n, tier) || resolvedAt.Before(p.AppliesFrom) {
			continue
		}
		id := p.ID
		sel.PolicyID, sel.Seed = &id, p.Seed
		sel.Threshold = p.SamplePercent / 100
		sel.Draw = FollowupDraw(p.Seed, ticketID, resolvedAt)
		sel.Selected = sel.Draw < sel.Threshold
		return p, sel
	}
	return nil, sel
}

// FollowupAttempt is one try to reach the customer.
type FollowupAttempt struct {
	ID      int64          `json:"id" readOnly:"true"`
	At      time.Time      `json:"at" readOnly:"true"`
	Channel ContactChannel `json:"channel" enum:"phone,sms,wechat,email,visit"`
	Result  AttemptResult  `json:"result" enum:"reached,no_answer,busy,wrong_number,call_back,refused"`
	Note    string         `json:"note,omitempty" maxLength:"2000"`
	ByID    *int64         `json:"by_id,omitempty" readOnly:"true"`
	ByName  string         `json:"by_name,omitempty" readOnly:"true"`
}

// Validate checks an attempt.
func (a *FollowupAttempt) Validate() error {
	var v Validator
	v.Check(a.Channel.Valid(), "channel", "must be one of "+joinEnum(ContactChannels))
	v.Check(a.Result.Valid(), "result", "must be one of "+joinEnum(AttemptResults))
	v.Check(len([]rune(a.Note)) <= 2000, "note", "must be at most 2000 characters")
	v.Text("note", a.Note)
	return v.Err()
}

// FollowupTask is one follow-up call to make.
type FollowupTask struct {
	ID           int64          `json:"id"`
	TicketID     int64          `json:"ticket_id"`
	TicketNumber string         `json:"ticket_number"`
	TicketTitle  string         `json:"ticket_title"`
	Nature       Nature         `json:"nature"`
	CustomerName string         `json:"customer_name,omitempty"`
	CustomerTel  string         `json:"customer_phone,omitempty"`
	PolicyID     *int64         `json:"policy_id,omitempty"`
	PolicyName   string         `json:"policy_name,omitempty"`
	Status       FollowupStatus `json:"status"`
	AssigneeID   *int64         `json:"assignee_id,omitempty"`
	AssigneeName string         `json:"assignee_name,omitempty"`
	TeamID       *int64         `json:"team_id,omitempty"`
	ResolvedAt   time.Time      `json:"resolved_at" doc:"The resolution this task follows up"`
	DueAt        time.Time      `json:"due_at" doc:"When the call becomes due (resolution + the policy's delay)"`
	DeadlineAt   time.Time      `json:"deadline_at"`
	MaxAttempts  int            `json:"max_attempts"`
	// Overdue: still open past the deadline, or done after it.
	Overdue      bool              `json:"overdue"`
	Outcome      FollowupOutcome   `json:"outcome,omitempty"`
	Reason       string            `json:"reason,omitempty" doc:"Reason code of a dissatisfied answer, or what is not solved"`
	CSAT         *int              `json:"csat,omitempty"`
	NPS          *int              `json:"nps,omitempty"`
	Comment      string            `json:"comment,omitempty"`
	CancelReason string            `json:"cancel_reason,omitempty"`
	ClosedAt     *time.Time        `json:"closed_at,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	Selection    FollowupSelection `json:"selection"`
	ScriptZH     string            `json:"script_zh,omitempty"`
	ScriptEN     string            `json:"script_en,omitempty"`
	Attempts     []FollowupAttempt `json:"attempts"`
	Version      int64             `json:"version"`
}

// FailedAttempts counts the attempts that did not reach the customer.
func (t *FollowupTask) FailedAttempts() int {
	n := 0
	for _, a := range t.Attempts {
		if a.Result.Failed() {
			n++
		}
	}
	return n
}

// FollowupAnswer closes a task with an outcome.
type FollowupAnswer struct {
	Outcome FollowupOutcome `json:"outcome" enum:"satisfied,dissatisfied,not_solved,unreachable"`
	Channel ContactChannel  `json:"channel,omitempty" enum:"phone,sms,wechat,email,visit," doc:"How the customer was reached; phone when empty"`
	CSAT    *int            `json:"csat,omitempty" minimum:"1" maximum:"5"`
	NPS     *int            `json:"nps,omitempty" minimum:"0" maximum:"10"`
	Comment string          `json:"comment,omitempty" maxLength:"4000"`
	Reason  string          `json:"reason,omitempty" maxLength:"2000" doc:"dissatisfied: a reason code; not_solved: what is not solved (the reopen reason)"`
	Version int64           `json:"version" doc:"The task's version last read"`
}

// Validate checks an answer.
func (a *FollowupAnswer) Validate() error {
	var v Validator
	a.Reason = strings.TrimSpace(a.Reason)
	if a.Channel == "" {
		a.Channel = ContactPhone
	}
	v.Check(a.Outcome.Valid(), "outcome", "must be one of "+joinEnum(FollowupOutcomes))
	v.Check(a.Channel.Valid(), "channel", "must be one of "+joinEnum(ContactChannels))
	v.Check(a.CSAT == nil || (*a.CSAT >= 1 && *a.CSAT <= 5), "csat", "must be 1 to 5")
	v.Check(a.NPS == nil || (*a.NPS >= 0 && *a.NPS <= 10), "nps", "must be 0 to 10")
	v.Check(len([]rune(a.Comment)) <= 4000, "comment", "must be at most 4000 characters")
	v.Check(len([]rune(a.Reason)) <= 2000, "reason", "must be at most 2000 characters")
	v.Text("comment", a.Comment)
	v.Text("reason", a.Reason)
	v.Check(a.Version > 0, "version", "is required")
	switch a.Outcome {
	case OutcomeSatisfied, OutcomeDissatisfied:
		v.Check(a.CSAT != nil || a.NPS != nil, "csat", "give a satisfaction score (1-5), a recommendation score (0-10) or both")
		if a.Outcome == OutcomeDissatisfied {
			v.Check(oneOf(a.Reason, DissatisfiedReasons), "reason", "must be one of "+strings.Join(DissatisfiedReasons, ", "))
		}
	case OutcomeNotSolved:
		v.Check(a.Reason != "", "reason", "is required: say what is not solved (it becomes the reopen reason)")
	}
	return v.Err()
}

// FollowupFilter narrows the follow-up queue.
type FollowupFilter struct {
	Status     FollowupStatus  `json:"status,omitempty"`
	Outcome    FollowupOutcome `json:"outcome,omitempty"`
	AssigneeID *int64          `json:"assignee_id,omitempty"`
	Mine       bool            `json:"mine,omitempty"`
	Overdue    bool            `json:"overdue,omitempty"`
	TicketID   *int64          `json:"ticket_id,omitempty"`
	Limit      int             `json:"limit,omitempty"`
}

// FollowupSummary counts the follow-up work over tasks created in
// [From, To): the queue page's figures and the follow-up KPIs.
type FollowupSummary struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Open      int64     `json:"open"`
	Overdue   int64     `json:"overdue" doc:"Open tasks past their deadline"`
	Done      int64     `json:"done"`
	Cancelled int64     `json:"cancelled"`
	Answered  int64     `json:"answered" doc:"Done tasks whose customer answered (every outcome but unreachable)"`
	// ResponseRate is answered ÷ done, in percent; absent without done tasks.
	ResponseRate *float64 `json:"response_rate,omitempty"`
	// OnTimeRate is done tasks closed by their deadline ÷ done, in percent.
	OnTimeRate *float64                  `json:"on_time_rate,omitempty"`
	OnTime     int64                     `json:"on_time"`
	Outcomes   map[FollowupOutcome]int64 `json:"outcomes"`
	Reasons    map[string]int64          `json:"reasons" doc:"Dissatisfied answers by reason code"`
}

// FollowupService is the follow-up workflow.
type FollowupService interface {
	ListFollowupPolicies(ctx context.Context) ([]*FollowupPolicy, error)
	CreateFollowupPolicy(ctx context.Context, p FollowupPolicy) (*FollowupPolicy, error)
	UpdateFollowupPolicy(ctx context.Context, id, version int64, p FollowupPolicy) (*FollowupPolicy, error)
	ListFollowups(ctx context.Context, f FollowupFilter) ([]*FollowupTask, error)
	FindFollowup(ctx context.Context, id int64) (*FollowupTask, error)
	AssignFollowup(ctx context.Context, id, version int64, assigneeID int64) (*FollowupTask, error)
	LogFollowupAttempt(ctx context.Context, id, version int64, a FollowupAttempt) (*FollowupTask, error)
	AnswerFollowup(ctx context.Context, id int64, a FollowupAnswer) (*FollowupTask, error)
	FollowupSummary(ctx context.Context, from, to time.Time) (*FollowupSummary, error)
}
