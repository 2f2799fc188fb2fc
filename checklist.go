package aftersales

import (
	"context"
	"strings"
	"time"
)

// Service standards (issue #19): a checklist an admin defines for the
// tickets of a product category and/or nature (show the work badge, wear
// shoe covers, test run with the customer, clean up), which the
// technician ticks in the work report. standard_compliance counts the
// completed visits whose required items were all done.

// ChecklistItem is one thing the technician does at every visit.
type ChecklistItem struct {
	Pos      int    `json:"pos,omitempty" readOnly:"true" doc:"Position in the list, from 1 (given by the order)"`
	Label    string `json:"label" maxLength:"200"`
	Required bool   `json:"required,omitempty" doc:"Compliance needs it done"`
}

// Checklist is a service standard. It applies to the tickets of its
// product category and nature; an empty scope means any, and the most
// specific checklist applies (category and nature, then category, then
// nature, then neither).
type Checklist struct {
	ID         int64           `json:"id"`
	Name       string          `json:"name"`
	CategoryID *int64          `json:"category_id,omitempty" doc:"Absent: any product category"`
	Nature     Nature          `json:"nature,omitempty" doc:"Empty: any nature"`
	Items      []ChecklistItem `json:"items"`
	Version    int64           `json:"version"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

// ChecklistInput creates or replaces a checklist.
type ChecklistInput struct {
	Name       string          `json:"name" maxLength:"100"`
	CategoryID *int64          `json:"category_id,omitempty"`
	Nature     Nature          `json:"nature,omitempty" enum:"consultation,complaint,repair,installation,return,other,"`
	Items      []ChecklistItem `json:"items" minItems:"1" maxItems:"30" doc:"In order; pos is assigned from the order"`
	Version    int64           `json:"version,omitempty" doc:"The version last seen, to replace; 0 to create"`
}

// Validate checks a checklist's shape; the store checks the category.
func (in *ChecklistInput) Validate() error {
	var v Validator
	in.Name = strings.TrimSpace(in.Name)
	v.Check(in.Name != "", "name", "is required")
	v.Check(len(in.Name) <= 100, "name", "is longer than 100 bytes")
	v.Text("name", in.Name)
	v.Check(in.Nature == "" || in.Nature.Valid(), "nature", "must be empty or one of "+joinEnum(Natures))
	v.Check(in.CategoryID == nil || *in.CategoryID > 0, "category_id", "must be a category id")
	v.Check(len(in.Items) >= 1, "items", "needs at least one item")
	v.Check(len(in.Items) <= 30, "items", "has more than 30 items")
	seen := map[string]bool{}
	for i := range in.Items {
		it := &in.Items[i]
		it.Label = strings.TrimSpace(it.Label)
		it.Pos = i + 1
		f := fieldIndex("items", i, "label")
		v.Check(it.Label != "", f, "is required")
		v.Check(len(it.Label) <= 200, f, "is longer than 200 bytes")
		v.Text(f, it.Label)
		v.Check(!seen[it.Label], f, "is listed twice")
		seen[it.Label] = true
	}
	return v.Err()
}

// VisitCheck is one checklist item as the technician saw and ticked it
// when completing a visit.
type VisitCheck struct {
	Pos      int    `json:"pos"`
	Label    string `json:"label"`
	Required bool   `json:"required"`
	Done     bool   `json:"done"`
}

// Compliant reports whether every required item was done; false when no
// checklist applied (checks is empty).
func Compliant(checks []VisitCheck) bool {
	if len(checks) == 0 {
		return false
	}
	for _, c := range checks {
		if c.Required && !c.Done {
			return false
		}
	}
	return true
}

// ChecklistService keeps the service standards.
type ChecklistService interface {
	ListChecklists(ctx context.Context) ([]*Checklist, error)
	FindChecklist(ctx context.Context, id int64) (*Checklist, error)
	CreateChecklist(ctx context.Context, in ChecklistInput) (*Checklist, error)
	UpdateChecklist(ctx context.Context, id int64, in ChecklistInput) (*Checklist, error)
	DeleteChecklist(ctx context.Context, id int64) error
	// ChecklistFor returns the checklist that applies to a ticket, or
	// ENOTFOUND when none does.
	ChecklistFor(ctx context.Context, ticketID int64) (*Checklist, error)
}
