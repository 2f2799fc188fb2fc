package aftersales

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
)

// FieldType is the type of an admin-defined custom field.
type FieldType string

const (
	FieldText   FieldType = "text"
	FieldNumber FieldType = "number"
	FieldDate   FieldType = "date"
	FieldBool   FieldType = "bool"
	FieldSelect FieldType = "select"
)

// FieldTypes lists the types.
var FieldTypes = []FieldType{FieldText, FieldNumber, FieldDate, FieldBool, FieldSelect}

// CustomField defines a typed extra field on tickets.
type CustomField struct {
	ID       int64     `json:"id,omitempty" readOnly:"true"`
	Key      string    `json:"key" pattern:"^[a-z][a-z0-9_]*$" maxLength:"40"`
	LabelZH  string    `json:"label_zh,omitempty" maxLength:"100"`
	LabelEN  string    `json:"label_en,omitempty" maxLength:"100"`
	Type     FieldType `json:"type" enum:"text,number,date,bool,select"`
	Options  []string  `json:"options,omitempty"`
	Required bool      `json:"required,omitempty"`
	Active   bool      `json:"active,omitempty"`
}

// Validate checks a definition.
func (f *CustomField) Validate() error {
	var v Validator
	f.Key = strings.TrimSpace(f.Key)
	ok := f.Key != "" && len(f.Key) <= 40 && f.Key[0] >= 'a' && f.Key[0] <= 'z'
	for _, r := range f.Key {
		ok = ok && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	}
	v.Check(ok, "key", "must start with a letter and hold only a-z, 0-9 and _")
	v.Check(oneOf(f.Type, FieldTypes), "type", "must be one of "+joinEnum(FieldTypes))
	v.Check(f.LabelZH != "" || f.LabelEN != "", "label_zh", "a label is required")
	if f.Type == FieldSelect {
		v.Check(len(f.Options) > 0, "options", "a select field needs options")
	}
	return v.Err()
}

// CheckCustom validates values against the active definitions and returns
// them normalised (numbers as float64, dates as YYYY-MM-DD). When creating,
// required fields must be present.
func CheckCustom(defs []*CustomField, values map[string]any, creating bool) (map[string]any, error) {
	var v Validator
	out := map[string]any{}
	byKey := map[string]*CustomField{}
	for _, d := range defs {
		if d.Active {
			byKey[d.Key] = d
		}
	}
	for k, val := range values {
		d, ok := byKey[k]
		field := "custom." + k
		if !ok {
			v.Add(field, "is not a defined custom field")
			continue
		}
		if val == nil {
			if d.Required {
				v.Add(field, "is required")
			}
			continue
		}
		switch d.Type {
		case FieldText:
			s, ok := val.(string)
			v.Check(ok && len([]rune(s)) <= 2000, field, "must be text of at most 2000 characters")
			out[k] = s
		case FieldNumber:
			n, ok := val.(float64)
			if i, isInt := val.(int); isInt {
				n, ok = float64(i), true
			}
			v.Check(ok && !math.IsNaN(n) && !math.IsInf(n, 0), field, "must be a number")
			out[k] = n
		case FieldDate:
			s, ok := val.(string)
			_, err := time.Parse(time.DateOnly, s)
			v.Check(ok && err == nil, field, "must be a date as YYYY-MM-DD")
			out[k] = s
		case FieldBool:
			b, ok := val.(bool)
			v.Check(ok, field, "must be true or false")
			out[k] = b
		case FieldSelect:
			s, ok := val.(string)
			v.Check(ok && oneOf(s, d.Options), field, fmt.Sprintf("must be one of %s", strings.Join(d.Options, ", ")))
			out[k] = s
		}
	}
	if creating {
		for k, d := range byKey {
			if _, ok := values[k]; d.Required && !ok {
				v.Add("custom."+k, "is required")
			}
		}
	}
	return out, v.Err()
}

// AuditEntry records who did what, when and from where. Append-only.
type AuditEntry struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	ActorID   *int64    `json:"actor_id,omitempty"`
	Actor     string    `json:"actor,omitempty"`
	Action    string    `json:"action"`
	Entity    string    `json:"entity"`
	EntityID  int64     `json:"entity_id"`
	IP        string    `json:"ip,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Entity   string
	EntityID int64
	ActorID  int64
	// Actor matches part of the actor's name as recorded (an email, or
	// "system"), ignoring case.
	Actor  string
	Action string
	// From and To bound the time of the entries, [From, To); zero is open.
	From, To time.Time
	Before   int64 // id cursor
	Offset   int   // entries to skip (AuditLog's pages)
	Limit    int
}

// SetDays reads the filter's date range from days as YYYY-MM-DD in zone
// (the deployment's), "to" included, as the console's audit page and the
// API take them; an empty day leaves that end open. Bad days are recorded
// in v under the names "from" and "to".
func (f *AuditFilter) SetDays(v *Validator, from, to string, zone *time.Location) {
	for _, d := range []struct {
		name, s string
		dst     *time.Time
		add     int
	}{{"from", from, &f.From, 0}, {"to", to, &f.To, 1}} {
		if d.s == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, d.s, zone)
		v.Check(err == nil, d.name, "must be a date as YYYY-MM-DD")
		if err == nil {
			*d.dst = t.AddDate(0, 0, d.add)
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() {
		v.Check(f.From.Before(f.To), "to", "must not be before from")
	}
}

// AuditCountCap is as far as the audit log's entries are counted.
const AuditCountCap = 10_000

// AuditPage is one page of the audit log with the number of entries that
// match the filter, and the entity types and actions the log holds (for
// choosing a filter).
type AuditPage struct {
	Entries []*AuditEntry
	// Total counts the matching entries up to AuditCountCap; More says
	// there are more than that.
	Total    int
	More     bool
	Entities []string
	Actions  []string
}

// Settings are the deployment's switches an administrator changes in the
// console.
type Settings struct {
	// ResolutionNoteRequired makes moving a ticket to resolved need a
	// resolution note (the transition's reason). On by default.
	ResolutionNoteRequired bool      `json:"resolution_note_required"`
	Version                int64     `json:"version"`
	UpdatedAt              time.Time `json:"updated_at"`
}

// SettingsService holds custom field definitions, the deployment's
// settings and the audit log.
type SettingsService interface {
	CreateCustomField(ctx context.Context, f CustomField) (*CustomField, error)
	ListCustomFields(ctx context.Context) ([]*CustomField, error)
	// Settings returns the current settings (to any staff member).
	Settings(ctx context.Context) (*Settings, error)
	// UpdateSettings replaces the settings; ECONFLICT if version is stale.
	UpdateSettings(ctx context.Context, version int64, s Settings) (*Settings, error)
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
	AuditLog(ctx context.Context, f AuditFilter) (*AuditPage, error)
}

// Services bundles every service the web layer needs.
type Services struct {
	Users     UserService
	Tickets   TicketService
	Customers CustomerService
	Catalog   CatalogService
	Network   NetworkService
	Settings  SettingsService
	// Channels keeps the email channel's settings.
	Channels  ChannelService
	SLA       SLAService
	Notify    NotificationService
	Webhooks  WebhookService
	Routing   RoutingService
	Automate  AutomationService
	Imports   Importer
	Intake    IntakeService
	Metrics   MetricsService
	Quality   QualityService
	Improve   ImprovementService
	Costs     CostService
	Parts     PartsService
	Visits    VisitService
	Followups FollowupService
	Surveys   SurveyService
	Dispatch  DispatchService
	TextClass TextClassService
	// Complaints keeps complaint closures (issue #20).
	Complaints ComplaintService
	Portal     PortalService
	KB         KBService
	// Service checklists, field rates and billable items (issue #19).
	Checklists ChecklistService
	FieldCosts FieldCostService
	Topics     TopicService // set by the wiring (internal/topics), not by the store
	Text       TextService
	// Segment rules that set customer tiers (issue #20).
	Segments SegmentService
	// Trained sentiment and people's corrections (issue #21).
	Sentiment SentimentService
}
