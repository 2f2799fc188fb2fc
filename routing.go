package aftersales

import (
	"context"
	"fmt"
	"strings"
)

// Coverage is the area a service point serves: whole cities, postcode
// prefixes, or a radius around the unit's own coordinates.
type Coverage struct {
	Cities    []string `json:"cities,omitempty"`
	Postcodes []string `json:"postcodes,omitempty" doc:"Prefixes, e.g. 2001"`
	RadiusKM  float64  `json:"radius_km,omitempty" minimum:"0" maximum:"1000"`
}

// Assignment strategies of a team.
const (
	StrategyManual     = "manual"      // nobody is picked automatically
	StrategyRoundRobin = "round_robin" // next available member in turn
	StrategyLeastLoad  = "least_load"  // fewest open tickets, weighted by urgency
	StrategySkills     = "skills"      // best skill for the category, then least load
)

// Strategies lists the assignment strategies.
var Strategies = []string{StrategyManual, StrategyRoundRobin, StrategyLeastLoad, StrategySkills}

// RoutingAction is what a matching rule sets; nil leaves a field to the
// automatic steps.
type RoutingAction struct {
	ServiceUnitID *int64   `json:"service_unit_id,omitempty"`
	TeamID        *int64   `json:"team_id,omitempty"`
	AssigneeID    *int64   `json:"assignee_id,omitempty"`
	DepartmentID  *int64   `json:"department_id,omitempty"`
	Urgency       *Urgency `json:"urgency,omitempty" enum:"urgent,high,normal,low"`
}

// RoutingRule routes matching new tickets. Rules are tried in priority
// order (lowest first); the first match applies.
type RoutingRule struct {
	ID         int64         `json:"id,omitempty" readOnly:"true"`
	Name       string        `json:"name" maxLength:"100"`
	Priority   int           `json:"priority" minimum:"0"`
	Active     bool          `json:"active"`
	Conditions SLAConditions `json:"conditions"`
	// Keywords match the title or description (any of them, case-insensitive).
	Keywords []string `json:"keywords,omitempty"`
	// Suggestion, when set, also requires the new ticket's text model
	// suggestion for a field (issue #21).
	Suggestion *SuggestionCondition `json:"suggestion,omitempty"`
	Action     RoutingAction        `json:"action"`
	Version    int64                `json:"version,omitempty" readOnly:"true"`
}

// Validate checks a rule.
func (r *RoutingRule) Validate() error {
	var v Validator
	r.Name = strings.TrimSpace(r.Name)
	v.Check(r.Name != "", "name", "is required")
	v.Check(r.Priority >= 0, "priority", "must not be negative")
	a := r.Action
	v.Check(a.ServiceUnitID != nil || a.TeamID != nil || a.AssigneeID != nil || a.DepartmentID != nil || a.Urgency != nil,
		"action", "must set at least one of service_unit_id, team_id, assignee_id, department_id, urgency")
	if a.Urgency != nil {
		v.Check(a.Urgency.Valid(), "action.urgency", "is not a known urgency")
	}
	r.Suggestion.validate(&v)
	for i, k := range r.Keywords {
		v.Check(strings.TrimSpace(k) != "", fmt.Sprintf("keywords[%d]", i), "must not be empty")
	}
	return v.Err()
}

// AssignCandidate is a person who could take a ticket, with what a
// supervisor weighs when choosing.
type AssignCandidate struct {
	UserID   int64  `json:"user_id"`
	Name     string `json:"name"`
	TeamID   int64  `json:"team_id"`
	TeamName string `json:"team_name"`
	// TeamNameEN is the team's English name, if it has one.
	TeamNameEN string `json:"team_name_en,omitempty"`
	// InTeam: a member of the team the ticket is with.
	InTeam  bool `json:"in_team"`
	OnShift bool `json:"on_shift"`
	// Open counts the open tickets assigned to them; Load weighs them by
	// urgency (urgent 4, high 3, normal 2, low 1).
	Open int     `json:"open"`
	Load float64 `json:"load"`
	// AtCapacity: their team's per-person limit is reached.
	AtCapacity bool `json:"at_capacity"`
	// Skill is their best level in the ticket's category or a category
	// above it, as the skills strategy weighs it; 0 without one.
	Skill int `json:"skill"`
}

// RuleDryRun is a rule being edited tried on a ticket, changing nothing.
type RuleDryRun struct {
	// Matched: every condition of the rule holds (and it is active).
	Matched bool             `json:"matched"`
	Checks  []ConditionCheck `json:"checks"`
	// Decision is what routing as a whole would decide with the rule
	// (routing rules only).
	Decision *RoutingDecision `json:"decision,omitempty"`
	// HoursInStatus is how long the ticket has been in its status (time
	// rules, whose after_hours it is checked against).
	HoursInStatus float64 `json:"hours_in_status,omitempty"`
}

// RoutingDecision is what routing chose for a ticket and why.
type RoutingDecision struct {
	ServiceUnitID *int64   `json:"service_unit_id,omitempty"`
	TeamID        *int64   `json:"team_id,omitempty"`
	AssigneeID    *int64   `json:"assignee_id,omitempty"`
	DepartmentID  *int64   `json:"department_id,omitempty"`
	Urgency       *Urgency `json:"urgency,omitempty"`
	Reasons       []string `json:"reasons"`
}

// RoutingService manages routing rules and explains decisions.
type RoutingService interface {
	CreateRoutingRule(ctx context.Context, r RoutingRule) (*RoutingRule, error)
	UpdateRoutingRule(ctx context.Context, id, version int64, r RoutingRule) (*RoutingRule, error)
	ListRoutingRules(ctx context.Context) ([]*RoutingRule, error)
	// DryRun routes an existing ticket as if it were new, changing nothing.
	DryRun(ctx context.Context, ticketID int64) (*RoutingDecision, error)
	// DryRunRule is DryRun with rule in place of its stored version (added
	// when it has no id): what routing would decide were the rule being
	// edited saved, and how each of its conditions fares on the ticket.
	DryRunRule(ctx context.Context, ticketID int64, rule RoutingRule) (*RuleDryRun, error)
	// AssignCandidates ranks the people who could take a ticket: its
	// team's members first, then on shift, under capacity, by skill in its
	// category, by least open work.
	AssignCandidates(ctx context.Context, ticketID int64) ([]*AssignCandidate, error)
	// SetAvailability marks a user on or off shift (assignment skips users
	// who are off).
	SetAvailability(ctx context.Context, userID int64, available bool) error
}
