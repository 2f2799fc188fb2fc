package aftersales

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Complaints closed with the customer (issue #20). A complaint ticket
// carries a severity, whose timeliness target says how long closing may
// take; it is closed only with a root cause from the improvement
// taxonomy (#6) and either the customer's confirmation or documented
// attempts to reach them. A customer who rejects the closure reopens the
// complaint and escalates it.

// ComplaintSeverity grades a complaint.
type ComplaintSeverity string

const (
	SeverityMinor    ComplaintSeverity = "minor"
	SeverityMajor    ComplaintSeverity = "major"
	SeverityCritical ComplaintSeverity = "critical"
)

// ComplaintSeverities lists every severity, least severe first.
var ComplaintSeverities = []ComplaintSeverity{SeverityMinor, SeverityMajor, SeverityCritical}

// Valid reports whether s is a known severity.
func (s ComplaintSeverity) Valid() bool { return oneOf(s, ComplaintSeverities) }

// Index is the severity's position in ComplaintSeverities, or -1.
func (s ComplaintSeverity) Index() int {
	for i, x := range ComplaintSeverities {
		if x == s {
			return i
		}
	}
	return -1
}

// ConfirmState is where the customer's confirmation of the closure
// stands.
type ConfirmState string

const (
	ConfirmPending   ConfirmState = "pending"
	ConfirmConfirmed ConfirmState = "confirmed"
	ConfirmRejected  ConfirmState = "rejected"
)

// ConfirmStates lists every confirmation state.
var ConfirmStates = []ConfirmState{ConfirmPending, ConfirmConfirmed, ConfirmRejected}

// ClosureBasis is what allowed a complaint to be closed.
type ClosureBasis string

const (
	// BasisConfirmed: the customer confirmed the resolution.
	BasisConfirmed ClosureBasis = "confirmed"
	// BasisUnreachable: the customer could not be reached after
	// ComplaintMinAttempts documented attempts.
	BasisUnreachable ClosureBasis = "unreachable"
)

// ComplaintMinAttempts is how many failed, documented attempts to reach
// the customer let a complaint close without their confirmation.
const ComplaintMinAttempts = 3

// ComplaintRepeatWindow is how soon after a closure a new complaint of
// the same customer or about the same asset counts as a repeat.
const ComplaintRepeatWindow = 30 * 24 * time.Hour

// ComplaintTarget is the timeliness target of a severity: a complaint of
// that severity should be closed with the customer within Hours of its
// creation (calendar hours).
type ComplaintTarget struct {
	Severity ComplaintSeverity `json:"severity" enum:"minor,major,critical"`
	Hours    int               `json:"hours" minimum:"1" maximum:"8760"`
}

// Validate checks a target.
func (t *ComplaintTarget) Validate() error {
	var v Validator
	v.Check(t.Severity.Valid(), "severity", "must be one of "+joinEnum(ComplaintSeverities))
	v.Check(t.Hours >= 1 && t.Hours <= 8760, "hours", "must be between 1 and 8760")
	return v.Err()
}

// ComplaintAttempt is one documented attempt to reach the customer about
// the closure.
type ComplaintAttempt struct {
	ID      int64          `json:"id"`
	At      time.Time      `json:"at"`
	Channel ContactChannel `json:"channel" enum:"phone,sms,wechat,email,visit"`
	Result  AttemptResult  `json:"result" enum:"reached,no_answer,busy,wrong_number,call_back,refused"`
	Note    string         `json:"note,omitempty" maxLength:"2000"`
	ByID    *int64         `json:"by_id,omitempty"`
	ByName  string         `json:"by_name,omitempty"`
}

// ComplaintAttemptInput logs an attempt.
type ComplaintAttemptInput struct {
	Channel ContactChannel `json:"channel" enum:"phone,sms,wechat,email,visit"`
	Result  AttemptResult  `json:"result" enum:"reached,no_answer,busy,wrong_number,call_back,refused"`
	Note    string         `json:"note,omitempty" maxLength:"2000"`
}

// Validate checks an attempt.
func (in *ComplaintAttemptInput) Validate() error {
	var v Validator
	in.Note = strings.TrimSpace(in.Note)
	v.Check(in.Channel.Valid(), "channel", "must be one of "+joinEnum(ContactChannels))
	v.Check(in.Result.Valid(), "result", "must be one of "+joinEnum(AttemptResults))
	v.Check(len([]rune(in.Note)) <= 2000, "note", "must be at most 2000 characters")
	v.Text("note", in.Note)
	return v.Err()
}

// Complaint is the closure record of a complaint ticket.
type Complaint struct {
	TicketID  int64             `json:"ticket_id"`
	Severity  ComplaintSeverity `json:"severity,omitempty"`
	RootCause string            `json:"root_cause,omitempty" doc:"Code from the root-cause taxonomy"`
	Confirm   ConfirmState      `json:"confirmation"`
	// ConfirmNote is what the customer said when confirming or rejecting.
	ConfirmNote string     `json:"confirmation_note,omitempty"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	// Rejections counts the closures the customer rejected.
	Rejections int `json:"rejections"`
	// DueAt is creation plus the severity's target.
	DueAt *time.Time `json:"due_at,omitempty"`
	// Attempts since the last rejection (or ever), oldest first.
	Attempts []ComplaintAttempt `json:"attempts"`
	// Closures are the recorded closures, oldest first.
	Closures []ComplaintClosure `json:"closures"`
	Version  int64              `json:"version"`
}

// FailedAttempts counts the attempts that did not reach the customer.
func (c *Complaint) FailedAttempts() int {
	n := 0
	for _, a := range c.Attempts {
		if a.Result != AttemptReached {
			n++
		}
	}
	return n
}

// ClosureCheck says why a complaint cannot be closed yet: the field and
// the reason of each missing requirement, none when it can.
func (c *Complaint) ClosureCheck() []FieldError {
	var out []FieldError
	if c.Severity == "" {
		out = append(out, FieldError{Field: "severity", Reason: "is required to close a complaint"})
	}
	if c.RootCause == "" {
		out = append(out, FieldError{Field: "root_cause", Reason: "is required to close a complaint (a code of the root-cause taxonomy)"})
	}
	if c.Confirm != ConfirmConfirmed && c.FailedAttempts() < ComplaintMinAttempts {
		out = append(out, FieldError{Field: "confirmation", Reason: fmt.Sprintf("the customer's confirmation, or %d documented failed attempts to reach them, is required; %d logged", ComplaintMinAttempts, c.FailedAttempts())})
	}
	return out
}

// Basis is what would allow the closure now.
func (c *Complaint) Basis() ClosureBasis {
	if c.Confirm == ConfirmConfirmed {
		return BasisConfirmed
	}
	return BasisUnreachable
}

// ComplaintClosure is one closure of a complaint, kept when the ticket
// is reopened: the KPIs count from these records.
type ComplaintClosure struct {
	At        time.Time         `json:"at"`
	Basis     ClosureBasis      `json:"basis" enum:"confirmed,unreachable"`
	Severity  ComplaintSeverity `json:"severity"`
	RootCause string            `json:"root_cause"`
	DueAt     time.Time         `json:"due_at"`
	OnTime    bool              `json:"on_time"`
}

// ComplaintInput sets a complaint's severity and root cause; nil keeps
// the value.
type ComplaintInput struct {
	Severity  *ComplaintSeverity `json:"severity,omitempty" enum:"minor,major,critical"`
	RootCause *string            `json:"root_cause,omitempty" maxLength:"64"`
	Version   int64              `json:"version" doc:"The complaint's version last seen; 0 when it has none yet"`
}

// Validate checks the input's shape; the root cause is checked against
// the taxonomy by the store.
func (in *ComplaintInput) Validate() error {
	var v Validator
	v.Check(in.Severity != nil || in.RootCause != nil, "severity", "give a severity or a root cause")
	if in.Severity != nil {
		v.Check(in.Severity.Valid(), "severity", "must be one of "+joinEnum(ComplaintSeverities))
	}
	if in.RootCause != nil {
		rc := strings.TrimSpace(*in.RootCause)
		in.RootCause = &rc
		v.Check(rc != "", "root_cause", "must not be empty")
		v.Check(len(rc) <= 64, "root_cause", "must be at most 64 characters")
		v.Text("root_cause", rc)
	}
	return v.Err()
}

// ComplaintAnswer records the customer's answer to the proposed closure.
type ComplaintAnswer struct {
	Accepted bool           `json:"accepted" doc:"True: the customer confirms the complaint is resolved; false: they reject the closure (escalates)"`
	Channel  ContactChannel `json:"channel" enum:"phone,sms,wechat,email,visit"`
	Note     string         `json:"note,omitempty" maxLength:"2000" doc:"What the customer said; required when they reject"`
}

// Validate checks an answer.
func (in *ComplaintAnswer) Validate() error {
	var v Validator
	in.Note = strings.TrimSpace(in.Note)
	v.Check(in.Channel.Valid(), "channel", "must be one of "+joinEnum(ContactChannels))
	v.Check(in.Accepted || in.Note != "", "note", "is required when the customer rejects the closure")
	v.Check(len([]rune(in.Note)) <= 2000, "note", "must be at most 2000 characters")
	v.Text("note", in.Note)
	return v.Err()
}

// ComplaintService keeps the closure records.
type ComplaintService interface {
	// FindComplaint returns a complaint ticket's record (an empty pending
	// one when nothing is recorded yet); EINVALID when the ticket is not
	// a complaint.
	FindComplaint(ctx context.Context, ticketID int64) (*Complaint, error)
	SetComplaint(ctx context.Context, ticketID int64, in ComplaintInput) (*Complaint, error)
	LogComplaintAttempt(ctx context.Context, ticketID int64, in ComplaintAttemptInput) (*Complaint, error)
	// AnswerComplaint records the customer's confirmation, or their
	// rejection: the ticket reopens (if resolved or closed), its urgency
	// rises, its team's supervisors are notified and the
	// complaint.rejected automation rules run.
	AnswerComplaint(ctx context.Context, ticketID int64, in ComplaintAnswer) (*Complaint, error)
	ComplaintTargets(ctx context.Context) ([]ComplaintTarget, error)
	SaveComplaintTarget(ctx context.Context, t ComplaintTarget) error
}
