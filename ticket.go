package aftersales

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Channel is where a ticket came in.
type Channel string

const (
	ChannelPhone  Channel = "phone"
	ChannelEmail  Channel = "email"
	ChannelWeb    Channel = "web"
	ChannelChat   Channel = "chat"
	ChannelSocial Channel = "social"
	ChannelAPI    Channel = "api"
	ChannelImport Channel = "import"
	ChannelWalkIn Channel = "walk_in"
)

// Channels lists every channel in display order.
var Channels = []Channel{ChannelPhone, ChannelEmail, ChannelWeb, ChannelChat, ChannelSocial, ChannelAPI, ChannelImport, ChannelWalkIn}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return oneOf(c, Channels) }

// Nature is what kind of request a ticket is.
type Nature string

const (
	NatureConsultation Nature = "consultation"
	NatureComplaint    Nature = "complaint"
	NatureRepair       Nature = "repair"
	NatureInstallation Nature = "installation"
	NatureReturn       Nature = "return"
	NatureOther        Nature = "other"
)

// Natures lists every nature in display order.
var Natures = []Nature{NatureConsultation, NatureComplaint, NatureRepair, NatureInstallation, NatureReturn, NatureOther}

// Valid reports whether n is a known nature.
func (n Nature) Valid() bool { return oneOf(n, Natures) }

// Urgency orders tickets; Rank is used for sorting (higher is more urgent).
type Urgency string

const (
	UrgencyUrgent Urgency = "urgent"
	UrgencyHigh   Urgency = "high"
	UrgencyNormal Urgency = "normal"
	UrgencyLow    Urgency = "low"
)

// Urgencies lists every urgency, most urgent first.
var Urgencies = []Urgency{UrgencyUrgent, UrgencyHigh, UrgencyNormal, UrgencyLow}

// Valid reports whether u is a known urgency.
func (u Urgency) Valid() bool { return oneOf(u, Urgencies) }

// Rank is 4 for urgent down to 1 for low, 0 for unknown.
func (u Urgency) Rank() int {
	for i, x := range Urgencies {
		if x == u {
			return len(Urgencies) - i
		}
	}
	return 0
}

// Status is a ticket's place in its lifecycle.
type Status string

const (
	StatusNew              Status = "new"
	StatusAccepted         Status = "accepted"
	StatusDiagnosing       Status = "diagnosing"
	StatusInService        Status = "in_service"
	StatusAwaitingCustomer Status = "awaiting_customer"
	StatusAwaitingParts    Status = "awaiting_parts"
	StatusResolved         Status = "resolved"
	StatusClosed           Status = "closed"
	StatusCancelled        Status = "cancelled"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusNew, StatusAccepted, StatusDiagnosing, StatusInService, StatusAwaitingCustomer,
	StatusAwaitingParts, StatusResolved, StatusClosed, StatusCancelled}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return oneOf(s, Statuses) }

// Open reports whether work on the ticket is still pending.
func (s Status) Open() bool {
	return s != StatusResolved && s != StatusClosed && s != StatusCancelled
}

// transitions is the lifecycle: the main line new → accepted → diagnosing →
// in service → resolved → closed, the side states awaiting customer and
// awaiting parts (which return to work), cancellation of open work, and
// reopening of resolved or closed tickets (back to accepted, counted).
var transitions = map[Status][]Status{
	StatusNew:              {StatusAccepted, StatusAwaitingCustomer, StatusCancelled},
	StatusAccepted:         {StatusDiagnosing, StatusInService, StatusAwaitingCustomer, StatusAwaitingParts, StatusResolved, StatusCancelled},
	StatusDiagnosing:       {StatusInService, StatusAwaitingCustomer, StatusAwaitingParts, StatusResolved, StatusCancelled},
	StatusInService:        {StatusDiagnosing, StatusAwaitingCustomer, StatusAwaitingParts, StatusResolved, StatusCancelled},
	StatusAwaitingCustomer: {StatusAccepted, StatusDiagnosing, StatusInService, StatusResolved, StatusCancelled},
	StatusAwaitingParts:    {StatusDiagnosing, StatusInService, StatusCancelled},
	StatusResolved:         {StatusClosed, StatusAccepted},
	StatusClosed:           {StatusAccepted},
	StatusCancelled:        {},
}

// NextStatuses lists the statuses a ticket in s may move to.
func NextStatuses(s Status) []Status { return transitions[s] }

// CanTransition reports whether from → to is allowed.
func CanTransition(from, to Status) bool { return oneOf(to, transitions[from]) }

// IsReopen reports whether from → to reopens a finished ticket.
func IsReopen(from, to Status) bool {
	return (from == StatusResolved || from == StatusClosed) && to == StatusAccepted
}

// Ticket is a work order.
type Ticket struct {
	ID            int64          `json:"id"`
	Number        string         `json:"number" example:"AS202611-000123"`
	Channel       Channel        `json:"channel"`
	Nature        Nature         `json:"nature"`
	Urgency       Urgency        `json:"urgency"`
	Status        Status         `json:"status"`
	Title         string         `json:"title"`
	Description   string         `json:"description"`
	OccurredAt    *time.Time     `json:"occurred_at,omitempty"`
	Impact        string         `json:"impact,omitempty"`
	CustomerID    *int64         `json:"customer_id,omitempty"`
	CategoryID    *int64         `json:"category_id,omitempty"`
	ProductID     *int64         `json:"product_id,omitempty"`
	AssetID       *int64         `json:"asset_id,omitempty"`
	ServiceUnitID *int64         `json:"service_unit_id,omitempty"`
	TeamID        *int64         `json:"team_id,omitempty"`
	AssigneeID    *int64         `json:"assignee_id,omitempty"`
	DepartmentID  *int64         `json:"department_id,omitempty"`
	Tags          []string       `json:"tags"`
	Custom        map[string]any `json:"custom"`
	ExternalID    string         `json:"external_id,omitempty"`
	CreatedBy     *int64         `json:"created_by,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	// Milestones: every KPI is computed from these.
	FirstResponseAt *time.Time `json:"first_response_at,omitempty"`
	AcceptedAt      *time.Time `json:"accepted_at,omitempty"`
	ResolvedAt      *time.Time `json:"resolved_at,omitempty"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`
	CancelledAt     *time.Time `json:"cancelled_at,omitempty"`
	StatusChangedAt time.Time  `json:"status_changed_at"`
	ReopenCount     int        `json:"reopen_count"`
	AssignCount     int        `json:"assign_count"`
	Version         int64      `json:"version"`

	// SLA as last evaluated (on the ticket's latest event): the resolution
	// deadline and whether a clock is already known to be breached.
	ResolutionDueAt *time.Time `json:"resolution_due_at,omitempty"`
	SLABreached     bool       `json:"sla_breached,omitempty"`
	// TargetAt is the resolution target an import brought from the source
	// system (its own due date); it counts for the resolution SLA when no
	// policy applies.
	TargetAt *time.Time `json:"target_at,omitempty"`

	// MergedInto is the ticket this one was merged into as a duplicate
	// (it is cancelled); MergedIntoNumber is that ticket's number.
	MergedInto       *int64 `json:"merged_into,omitempty"`
	MergedIntoNumber string `json:"merged_into_number,omitempty"`

	// Names resolved for display; filled by list and find.
	CustomerName string `json:"customer_name,omitempty"`
	AssigneeName string `json:"assignee_name,omitempty"`
	TeamName     string `json:"team_name,omitempty"`
	TeamNameEN   string `json:"team_name_en,omitempty" doc:"The team's English name, if it has one"`
}

// TicketInput creates a ticket or, with every field optional, updates one.
// Pointer fields left nil keep their value on update.
type TicketInput struct {
	Channel       *Channel       `json:"channel,omitempty" enum:"phone,email,web,chat,social,api,import,walk_in"`
	Nature        *Nature        `json:"nature,omitempty" enum:"consultation,complaint,repair,installation,return,other"`
	Urgency       *Urgency       `json:"urgency,omitempty" enum:"urgent,high,normal,low"`
	Title         *string        `json:"title,omitempty" maxLength:"200"`
	Description   *string        `json:"description,omitempty" maxLength:"20000"`
	OccurredAt    *time.Time     `json:"occurred_at,omitempty"`
	Impact        *string        `json:"impact,omitempty" maxLength:"500"`
	CustomerID    *int64         `json:"customer_id,omitempty"`
	CategoryID    *int64         `json:"category_id,omitempty"`
	ProductID     *int64         `json:"product_id,omitempty"`
	AssetID       *int64         `json:"asset_id,omitempty"`
	ServiceUnitID *int64         `json:"service_unit_id,omitempty"`
	TeamID        *int64         `json:"team_id,omitempty"`
	AssigneeID    *int64         `json:"assignee_id,omitempty"`
	DepartmentID  *int64         `json:"department_id,omitempty"`
	Tags          *[]string      `json:"tags,omitempty"`
	Custom        map[string]any `json:"custom,omitempty"`
	ExternalID    *string        `json:"external_id,omitempty" maxLength:"100"`
}

// MaxTags is the most tags one ticket may carry.
const MaxTags = 20

// NormalizeTags trims, de-duplicates and drops empty tags, keeping order.
func NormalizeTags(tags []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

// Validate checks a ticket input. On create the channel, nature, urgency,
// title and customer are required; now bounds occurred_at.
func (in *TicketInput) Validate(creating bool, now time.Time) error {
	var v Validator
	if creating {
		v.Check(in.Channel != nil, "channel", "is required")
		v.Check(in.Nature != nil, "nature", "is required")
		v.Check(in.Urgency != nil, "urgency", "is required")
		v.Check(in.Title != nil, "title", "is required")
		v.Check(in.CustomerID != nil, "customer_id", "is required")
	}
	if in.Channel != nil {
		v.Check(in.Channel.Valid(), "channel", "must be one of "+joinEnum(Channels))
	}
	if in.Nature != nil {
		v.Check(in.Nature.Valid(), "nature", "must be one of "+joinEnum(Natures))
	}
	if in.Urgency != nil {
		v.Check(in.Urgency.Valid(), "urgency", "must be one of "+joinEnum(Urgencies))
	}
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		in.Title = &t
		v.Check(t != "", "title", "must not be empty")
		v.Check(len([]rune(t)) <= 200, "title", "must be at most 200 characters")
	}
	if in.Description != nil {
		v.Check(len([]rune(*in.Description)) <= 20000, "description", "must be at most 20000 characters")
	}
	if in.OccurredAt != nil {
		v.Check(!in.OccurredAt.After(now.Add(24*time.Hour)), "occurred_at", "must not be in the future")
		v.Check(in.OccurredAt.Year() >= 1990, "occurred_at", "must be after 1990")
	}
	if in.Tags != nil {
		tags := NormalizeTags(*in.Tags)
		in.Tags = &tags
		v.Check(len(tags) <= MaxTags, "tags", fmt.Sprintf("must have at most %d tags", MaxTags))
		for i, t := range tags {
			v.Check(len([]rune(t)) <= 40, fmt.Sprintf("tags[%d]", i), "must be at most 40 characters")
		}
	}
	for name, id := range map[string]*int64{"customer_id": in.CustomerID, "category_id": in.CategoryID,
		"product_id": in.ProductID, "asset_id": in.AssetID, "service_unit_id": in.ServiceUnitID,
		"team_id": in.TeamID, "assignee_id": in.AssigneeID, "department_id": in.DepartmentID} {
		if id != nil {
			v.Check(*id > 0, name, "must be a positive id")
		}
	}
	return v.Err()
}

func joinEnum[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, x := range vs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// TicketSort names the orders the ticket list supports.
type TicketSort string

const (
	SortCreatedDesc TicketSort = "-created_at"
	SortCreatedAsc  TicketSort = "created_at"
	SortUpdatedDesc TicketSort = "-updated_at"
	SortUpdatedAsc  TicketSort = "updated_at"
	SortUrgencyDesc TicketSort = "-urgency"
	SortUrgencyAsc  TicketSort = "urgency"
)

// TicketSorts lists the supported sort orders.
var TicketSorts = []TicketSort{SortCreatedDesc, SortCreatedAsc, SortUpdatedDesc, SortUpdatedAsc, SortUrgencyDesc, SortUrgencyAsc}

// TicketFilter selects tickets. Zero values do not filter.
type TicketFilter struct {
	Status        []Status
	Nature        []Nature
	Urgency       []Urgency
	Channel       []Channel
	CategoryID    int64 // includes the category's descendants
	TeamID        int64
	AssigneeID    int64
	Unassigned    bool
	CustomerID    int64
	ServiceUnitID int64
	RegionID      int64 // tickets of any unit under this region (or unit)
	ProductID     int64
	Tier          string // the customer's tier code
	AssetID       int64
	Tag           string
	TopicID       int64 // tickets the latest clustering put in this topic
	Open          *bool
	CreatedFrom   *time.Time // inclusive
	CreatedTo     *time.Time // exclusive
	ResolvedFrom  *time.Time
	ResolvedTo    *time.Time
	// CostFrom and CostTo select tickets with a service cost (not voided)
	// that arose on a local day in [CostFrom, CostTo).
	CostFrom *time.Time
	CostTo   *time.Time
	Query    string // substring of number, title, description (Chinese included)
	// Term keeps the analysed tickets whose customer text holds this term
	// (the voice-of-the-customer drill-down, issue #21).
	Term string
	// SLA selects open tickets by deadline: "overdue" (a response or
	// resolution deadline has passed) or "due_soon" (resolution due within
	// DueSoonWindow); or any ticket, open or finished, whose resolution or
	// first-response SLA was breached ("breached").
	SLA string
	// Counted, when set, keeps the tickets a KPI's rollups counted: the
	// drill-down behind a chart's value.
	Counted *CountedFilter
	Sort    TicketSort
	Cursor  string
	Limit   int
	// Count asks for TicketPage.Total: one more query, counting every
	// ticket that matches the filters (the cursor aside).
	Count bool
}

// CountedFilter selects tickets by their contribution to the KPI rollups:
// those counted in Measure (or in histogram Hist, distribution bin Bin
// when Bin ≥ 0) on a local day of [From, To), less those also counted in
// Except then. Names are the rollup column names; From nil means from the
// beginning. The dimension filters of the list apply as the rollups
// recorded them.
type CountedFilter struct {
	Measure, Except, Hist string
	Bin                   int
	From, To              *time.Time
	// Sum, when set, names a measure whose entries in [From, To) are
	// added up over the listed tickets (TicketPage.Sum): a money KPI's
	// drill-down states the amount it was computed from.
	Sum string
	// Entries, instead of Sum, adds up the population's entries over the
	// listed tickets (the visits or follow-up tasks a KPI counts, of
	// which a ticket can hold several) into TicketPage.Sum.
	Entries bool
}

// BulkChange is one change to many tickets (the list's bulk actions):
// a status to move to (with its reason), a team and assignee, an urgency.
type BulkChange struct {
	IDs        []int64
	To         Status
	Reason     string
	TeamID     *int64
	AssigneeID *int64
	Urgency    *Urgency
}

// MaxBulk bounds the tickets of one bulk change.
const MaxBulk = 5000

// Validate checks the change's shape; each ticket is checked as it is
// changed.
func (b BulkChange) Validate() error {
	var v Validator
	v.Check(len(b.IDs) > 0, "ids", "choose at least one ticket")
	v.Check(len(b.IDs) <= MaxBulk, "ids", fmt.Sprintf("at most %d tickets at once", MaxBulk))
	v.Check(b.To != "" || b.TeamID != nil || b.AssigneeID != nil || b.Urgency != nil, "action", "choose a status, a team, an assignee or an urgency")
	v.Check(b.To == "" || b.To.Valid(), "to", "is not a known status")
	v.Check(b.Urgency == nil || b.Urgency.Valid(), "urgency", fmt.Sprintf("%q is not one of %s", ptrString(b.Urgency), joinEnum(Urgencies)))
	v.Check(len([]rune(b.Reason)) <= 2000, "reason", "must be at most 2000 characters")
	return v.Err()
}

func ptrString[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// BulkOutcome is what a bulk change did to one ticket: Err is nil when
// the ticket changed (or needed no change), else why it was refused.
type BulkOutcome struct {
	ID     int64
	Number string
	Err    error
}

// DueSoonWindow is how far ahead "due soon" looks.
const DueSoonWindow = 4 * time.Hour

// DefaultListLimit and MaxListLimit bound a page of results.
const (
	DefaultListLimit = 50
	MaxListLimit     = 500
)

// Validate checks the filter's values.
func (f *TicketFilter) Validate() error {
	var v Validator
	for _, s := range f.Status {
		v.Check(s.Valid(), "status", fmt.Sprintf("%q is not one of %s", s, joinEnum(Statuses)))
	}
	for _, n := range f.Nature {
		v.Check(n.Valid(), "nature", fmt.Sprintf("%q is not one of %s", n, joinEnum(Natures)))
	}
	for _, u := range f.Urgency {
		v.Check(u.Valid(), "urgency", fmt.Sprintf("%q is not one of %s", u, joinEnum(Urgencies)))
	}
	for _, c := range f.Channel {
		v.Check(c.Valid(), "channel", fmt.Sprintf("%q is not one of %s", c, joinEnum(Channels)))
	}
	if f.Sort == "" {
		f.Sort = SortCreatedDesc
	}
	v.Check(oneOf(f.Sort, TicketSorts), "sort", "must be one of "+joinEnum(TicketSorts))
	if f.Limit == 0 {
		f.Limit = DefaultListLimit
	}
	v.Check(f.Limit > 0 && f.Limit <= MaxListLimit, "limit", fmt.Sprintf("must be between 1 and %d", MaxListLimit))
	if f.CreatedFrom != nil && f.CreatedTo != nil {
		v.Check(f.CreatedFrom.Before(*f.CreatedTo), "created_to", "must be after created_from")
	}
	v.Check(len([]rune(f.Query)) <= 200, "q", "must be at most 200 characters")
	v.Text("q", f.Query)
	v.Text("tag", f.Tag)
	v.Text("tier", f.Tier)
	v.Text("cursor", f.Cursor)
	v.Check(f.SLA == "" || f.SLA == "overdue" || f.SLA == "due_soon" || f.SLA == "breached", "sla", "must be overdue, due_soon or breached")
	return v.Err()
}

// TicketPage is one page of a ticket list. NextCursor is empty on the last page.
type TicketPage struct {
	Tickets    []*Ticket `json:"tickets"`
	NextCursor string    `json:"next_cursor,omitempty"`
	// Total counts every ticket matching the filters, on every page; set
	// only when the filter asked for it (Count).
	Total *int64 `json:"total,omitempty" doc:"How many tickets match the filters in all, on every page"`
	// Sum is the total of CountedFilter.Sum over every matching ticket,
	// on every page; set only when the filter asked for it.
	Sum *int64 `json:"sum,omitempty" doc:"The drill-down's summed measure over every matching ticket (minor currency units for cost)"`
}

// EventKind names a timeline entry.
type EventKind string

const (
	EventCreated       EventKind = "created"
	EventFieldChanged  EventKind = "field_changed"
	EventStatusChanged EventKind = "status_changed"
	EventAssigned      EventKind = "assigned"
	EventReply         EventKind = "reply"
	EventNote          EventKind = "note"
	EventAttachment    EventKind = "attachment"
	// EventCustomerMessage is a message from the customer (recorded by
	// staff from a call, or arriving through a channel).
	EventCustomerMessage EventKind = "customer_message"
)

// SurveyEventField marks the note a survey answer adds to the timeline:
// its To is the score, From the reason codes, Body the comment.
const SurveyEventField = "survey"

// TicketEvent is one immutable entry in a ticket's timeline.
type TicketEvent struct {
	ID        int64     `json:"id"`
	TicketID  int64     `json:"ticket_id"`
	At        time.Time `json:"at"`
	ActorID   *int64    `json:"actor_id,omitempty"`
	ActorName string    `json:"actor_name,omitempty"`
	Kind      EventKind `json:"kind"`
	Field     string    `json:"field,omitempty"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to,omitempty"`
	Body      string    `json:"body,omitempty"`
	Public    bool      `json:"public"`
	Channel   Channel   `json:"channel,omitempty"`
	// AttachmentID links an attachment event to its file.
	AttachmentID *int64 `json:"attachment_id,omitempty"`
}

// CommentInput is a public reply (to the customer) or an internal note.
type CommentInput struct {
	Body   string `json:"body" minLength:"1" maxLength:"20000"`
	Public bool   `json:"public,omitempty"`
	// FromCustomer records what the customer said (e.g. on the phone); it
	// starts the next-response clock.
	FromCustomer bool    `json:"from_customer,omitempty"`
	Channel      Channel `json:"channel,omitempty" enum:"phone,email,web,chat,social,api,import,walk_in,"`
	// SurveyRow appends the one-click satisfaction row to a public reply:
	// the ticket's survey link with each score preselected.
	SurveyRow bool `json:"survey_row,omitempty" doc:"Append the one-click satisfaction row (the ticket's survey link with each score 1-5 preselected) to this public reply"`
}

// Validate checks a comment.
func (in *CommentInput) Validate() error {
	var v Validator
	in.Body = strings.TrimSpace(in.Body)
	v.Check(in.Body != "", "body", "must not be empty")
	v.Check(len([]rune(in.Body)) <= 20000, "body", "must be at most 20000 characters")
	if in.Channel != "" {
		v.Check(in.Channel.Valid(), "channel", "must be one of "+joinEnum(Channels))
	}
	v.Check(!in.SurveyRow || in.Public && !in.FromCustomer, "survey_row", "only a public reply can carry the survey")
	return v.Err()
}

// TransitionInput moves a ticket to another status.
type TransitionInput struct {
	To      Status `json:"to" enum:"new,accepted,diagnosing,in_service,awaiting_customer,awaiting_parts,resolved,closed,cancelled"`
	Reason  string `json:"reason,omitempty" maxLength:"2000" doc:"Why, shown on the timeline. Required to cancel; required to resolve (the resolution note) unless an administrator turned that off."`
	Version int64  `json:"version" minimum:"1" doc:"The version the caller last saw; a stale version is refused with 409."`
}

// MergeInput merges a duplicate ticket (the source) into the ticket kept
// (the target). The source's customer messages, replies, notes and files
// appear on the target's timeline, its email and chat threads continue on
// the target, and the source is cancelled: a duplicate is no resolution,
// so it never counts as resolved or as a first-contact resolution.
type MergeInput struct {
	// Version is the source's version the caller last saw.
	Version int64  `json:"version" minimum:"1" doc:"The duplicate's version the caller last saw; a stale version is refused with 409."`
	Note    string `json:"note,omitempty" maxLength:"2000" doc:"Why, shown on both timelines."`
}

// Validate checks a merge request.
func (in *MergeInput) Validate() error {
	var v Validator
	in.Note = strings.TrimSpace(in.Note)
	v.Check(in.Version > 0, "version", "is required")
	v.Check(len([]rune(in.Note)) <= 2000, "note", "must be at most 2000 characters")
	return v.Err()
}

// Timeline fields of the two entries a merge writes (kind field_changed):
// on the source "merged into <target number>", on the target "<source
// number> merged into this ticket".
const (
	MergedIntoField = "merged_into"
	MergedFromField = "merged_from"
)

// Attachment is a file kept with a ticket under the data directory.
type Attachment struct {
	ID          int64     `json:"id"`
	TicketID    int64     `json:"ticket_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Path        string    `json:"-"`
	UploadedBy  *int64    `json:"uploaded_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// TicketService is the work-order store and its rules.
type TicketService interface {
	CreateTicket(ctx context.Context, in TicketInput) (*Ticket, error)
	// UpdateTicket changes fields; ECONFLICT if version is stale.
	UpdateTicket(ctx context.Context, id, version int64, in TicketInput) (*Ticket, error)
	FindTicket(ctx context.Context, id int64) (*Ticket, error)
	FindTicketByNumber(ctx context.Context, number string) (*Ticket, error)
	ListTickets(ctx context.Context, f TicketFilter) (*TicketPage, error)
	// Transition moves a ticket along its lifecycle; EINVALID if the move
	// is not allowed, ECONFLICT if version is stale.
	Transition(ctx context.Context, id int64, in TransitionInput) (*Ticket, error)
	// Assign sets team and assignee; counted as a reassignment when it
	// replaces an earlier assignee.
	Assign(ctx context.Context, id, version int64, teamID, assigneeID *int64) (*Ticket, error)
	AddComment(ctx context.Context, id int64, in CommentInput) (*TicketEvent, error)
	// MergeTicket merges duplicate sourceID into targetID in one
	// transaction and returns the target; EINVALID or ECONFLICT naming the
	// field when refused.
	MergeTicket(ctx context.Context, sourceID, targetID int64, in MergeInput) (*Ticket, error)
	// BulkChange applies one change to many tickets in one transaction:
	// a ticket the change is refused for keeps its state and its reason;
	// the others change.
	BulkChange(ctx context.Context, in BulkChange) ([]BulkOutcome, error)
	Timeline(ctx context.Context, id int64) ([]*TicketEvent, error)
	AddAttachment(ctx context.Context, a *Attachment) error
	FindAttachment(ctx context.Context, id int64) (*Attachment, error)
	ListAttachments(ctx context.Context, ticketID int64) ([]*Attachment, error)
}
