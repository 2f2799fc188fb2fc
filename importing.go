package aftersales

import (
	"context"
	"time"
)

// Data-quality flag kinds: an accepted row that carries one is counted as
// flagged; the value that caused it is kept in the flag, not in the ticket.
const (
	FlagMissing       = "missing_value"        // a missing value was defaulted
	FlagBadFormat     = "bad_format"           // an optional value could not be read and was left empty
	FlagUnknownValue  = "unknown_value"        // a value outside the mapping's value map was defaulted
	FlagClosedBefore  = "closed_before_opened" // a closing milestone precedes the creation time
	FlagZeroDuration  = "zero_duration"        // a milestone equals the creation time
	FlagDateRange     = "date_out_of_range"    // before 1990 or in the future
	FlagZeroCoords    = "zero_coordinates"     // (0, 0)
	FlagNearDuplicate = "near_duplicate"       // similar text from the same customer or place within the window
	FlagNoClosingDate = "closing_date_missing" // resolved, closed or cancelled without a usable date: the last known event time was used
)

// FlagKinds lists every data-quality flag kind.
var FlagKinds = []string{FlagMissing, FlagBadFormat, FlagUnknownValue, FlagClosedBefore, FlagZeroDuration, FlagDateRange,
	FlagZeroCoords, FlagNearDuplicate, FlagNoClosingDate}

// RowIssue is one reason a source row was rejected or flagged.
type RowIssue struct {
	Line     int    `json:"line" doc:"Line of the source file (the header is line 1)"`
	Key      string `json:"key,omitempty" doc:"The row's external id, when it has one"`
	Field    string `json:"field"`
	Kind     string `json:"kind" doc:"rejected, or a data-quality flag kind"`
	Value    string `json:"value,omitempty"`
	Reason   string `json:"reason"`
	Related  string `json:"related,omitempty" doc:"External id of the ticket a near-duplicate resembles"`
	Rejected bool   `json:"rejected"`
}

// ImportEvent is one status change from a source system's history.
type ImportEvent struct {
	At     time.Time
	Status Status
	Line   int
}

// ImportRecord is one ticket as read from a source: several source rows
// fold into one record when they share a key (an incident's event log).
type ImportRecord struct {
	Lines      []int  // the source lines folded into this record
	ExternalID string // source-qualified: "<source>:<key>", or an export's external id as written
	Hash       uint64 // of the record's content; equal hashes change nothing
	// Number is a ticket number to keep (an export's): a new ticket takes
	// it when it is free, and a stored ticket with this number and the
	// same creation time is the same ticket.
	Number string

	Channel     Channel
	Nature      Nature
	Urgency     Urgency
	Status      Status
	Title       string
	Description string
	CreatedAt   time.Time
	// Milestones; nil when absent or flagged.
	FirstResponseAt, AcceptedAt, ResolvedAt, ClosedAt, TargetAt *time.Time
	CancelledAt                                                 *time.Time // only set for a cancelled status
	// LastEventAt is the source's last-modified time, when mapped: it
	// dates a closing the source left without a date. Not stored.
	LastEventAt              *time.Time
	ReopenCount, AssignCount int

	Category []string // a path of names, root first
	Team     string
	Region   string
	Product  string // model, which must exist
	Serial   string // asset serial number (with Product)
	Lat, Lng *float64
	Address  string
	Tags     []string
	Custom   map[string]any

	CustomerKey   string // normalised phone, email or external id: how customers are matched
	CustomerName  string
	CustomerPhone string
	CustomerEmail string

	History []ImportEvent
	Flags   []RowIssue
}

// ImportSummary accounts for every source row:
// Total = Created + Updated + Rejected + Duplicates.
type ImportSummary struct {
	BatchID    int64          `json:"batch_id,omitempty"`
	Mapping    string         `json:"mapping"`
	File       string         `json:"file,omitempty"`
	User       string         `json:"user,omitempty" doc:"Email of the staff user the rows are attributed to"`
	Total      int            `json:"total"`
	Created    int            `json:"created"`
	Updated    int            `json:"updated"`
	Rejected   int            `json:"rejected"`
	Duplicates int            `json:"duplicates"`
	Flagged    int            `json:"flagged"`
	Flags      map[string]int `json:"flags" doc:"Flags by kind"`
	DryRun     bool           `json:"dry_run,omitempty"`
	StartedAt  time.Time      `json:"started_at"`
	Seconds    float64        `json:"seconds" doc:"How long the import took, from its first row to its commit (a large first load includes the index builds and key checks after the last row)"`
}

// ImportBatch is a recorded import run.
type ImportBatch struct {
	ID        int64         `json:"id"`
	Summary   ImportSummary `json:"summary"`
	CreatedBy *int64        `json:"created_by,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
}

// ImportWriter writes the records of one import inside its transaction.
type ImportWriter interface {
	// Write stores a chunk of records and returns, for each, whether it was
	// created, updated or unchanged.
	Write(ctx context.Context, recs []*ImportRecord) ([]ImportOutcome, error)
	// Reject records issues of rows that produced no record.
	Reject(ctx context.Context, issues []RowIssue) error
}

// ImportOutcome is what Write did with one record.
type ImportOutcome int

// Outcomes of writing an import record.
const (
	ImportCreated ImportOutcome = iota
	ImportUpdated
	ImportUnchanged
)

// Importer runs imports atomically: fn writes through the ImportWriter and
// the summary it fills is stored with the batch; if fn returns an error,
// nothing of the batch remains.
type Importer interface {
	Import(ctx context.Context, s *ImportSummary, fn func(ImportWriter) error) error
	ListImports(ctx context.Context, limit int) ([]*ImportBatch, error)
	// ImportIssues streams a batch's rejected and flagged rows in line order.
	ImportIssues(ctx context.Context, batchID int64, fn func(RowIssue) error) error
	DataQuality
}

// DataQualityReport describes how complete and clean the ticket data are.
type DataQualityReport struct {
	Tickets  int                 `json:"tickets"`
	Fields   []FieldCompleteness `json:"fields" doc:"Completeness per field over the tickets it applies to"`
	Channels []ChannelQuality    `json:"channels" doc:"The same per channel, to compare channels' consistency"`
	Flags    map[string]int      `json:"flags" doc:"Data-quality flags on current tickets, by kind"`
	Flagged  int                 `json:"flagged" doc:"Tickets carrying at least one flag"`
	Rejected int                 `json:"rejected" doc:"Source rows rejected by imports"`
	Months   []MonthQuality      `json:"months" doc:"Tickets and flagged tickets per creation month, in the deployment's time zone"`
	Imports  []*ImportBatch      `json:"imports" doc:"The latest import batches"`
}

// FieldCompleteness counts the tickets where a field is filled.
type FieldCompleteness struct {
	Field      string `json:"field"`
	Present    int    `json:"present"`
	Applicable int    `json:"applicable" doc:"Tickets the field applies to (resolved_at only to resolved and closed ones, ...)"`
}

// ChannelQuality is the completeness of one channel's tickets.
type ChannelQuality struct {
	Channel Channel             `json:"channel"`
	Tickets int                 `json:"tickets"`
	Flagged int                 `json:"flagged"`
	Fields  []FieldCompleteness `json:"fields"`
}

// MonthQuality is one month of the trend.
type MonthQuality struct {
	Month   string `json:"month" example:"2026-07"`
	Tickets int    `json:"tickets"`
	Flagged int    `json:"flagged"`
}

// IssueFilter selects import issues.
type IssueFilter struct {
	Kind    string
	BatchID int64
	Limit   int
}

// TicketIssue is a data-quality issue with the ticket it is about.
type TicketIssue struct {
	RowIssue
	BatchID  int64  `json:"batch_id"`
	TicketID *int64 `json:"ticket_id,omitempty"`
	Number   string `json:"number,omitempty"`
}

// DataQuality reports on the data's completeness and cleanliness.
type DataQuality interface {
	DataQuality(ctx context.Context) (*DataQualityReport, error)
	ListIssues(ctx context.Context, f IssueFilter) ([]*TicketIssue, error)
}
