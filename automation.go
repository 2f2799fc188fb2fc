package aftersales

import (
	"context"
	"fmt"
	"strings"
)

// Automation triggers.
const (
	TriggerCreated       = "ticket.created"
	TriggerUpdated       = "ticket.updated" // fields changed (not status)
	TriggerStatusChanged = "ticket.status_changed"
	TriggerReopened      = "ticket.reopened"
	TriggerSLAWarning    = "sla.warning"
	TriggerSLABreach     = "sla.escalation"
	TriggerTime          = "time" // the ticket has been in a status for a while
	// TriggerFollowupDissatisfied: a follow-up call recorded a
	// dissatisfied answer.
	TriggerFollowupDissatisfied = "followup.dissatisfied"
	// TriggerComplaintRejected: the customer rejected a complaint's
	// closure (issue #20).
	TriggerComplaintRejected = "complaint.rejected"
)

// Triggers lists the automation triggers.
var Triggers = []string{TriggerCreated, TriggerUpdated, TriggerStatusChanged, TriggerReopened, TriggerSLAWarning, TriggerSLABreach, TriggerTime, TriggerFollowupDissatisfied, TriggerComplaintRejected}

// Automation action kinds.
const (
	ActionSetStatus  = "set_status"
	ActionSetUrgency = "set_urgency"
	ActionAssignTeam = "assign_team"
	ActionAssignUser = "assign_user"
	ActionAddNote    = "add_note"
	ActionNotify     = "notify"
	ActionWebhook    = "webhook"
)

// ActionKinds lists the action kinds.
var ActionKinds = []string{ActionSetStatus, ActionSetUrgency, ActionAssignTeam, ActionAssignUser, ActionAddNote, ActionNotify, ActionWebhook}

// AutomationConditions narrow a rule to some tickets.
type AutomationConditions struct {
	SLAConditions
	Status []Status `json:"status,omitempty" doc:"The ticket's status when the rule runs (for time rules: the status it has been in)"`
	// AfterHours, for time rules: hours in Status since the last status change.
	AfterHours float64 `json:"after_hours,omitempty" minimum:"0"`
}

// AutomationAction is one thing a rule does.
type AutomationAction struct {
	Kind    string  `json:"kind" enum:"set_status,set_urgency,assign_team,assign_user,add_note,notify,webhook"`
	Status  Status  `json:"status,omitempty"`
	Urgency Urgency `json:"urgency,omitempty"`
	TeamID  *int64  `json:"team_id,omitempty"`
	UserID  *int64  `json:"user_id,omitempty"`
	Text    string  `json:"text,omitempty" maxLength:"2000" doc:"Note or notification text"`
	Notify  string  `json:"notify,omitempty" enum:"assignee,supervisor,team," doc:"Who a notify action reaches"`
}

// AutomationRule runs actions on an event, or after time in a status.
// Actions taken by rules never trigger rules, so rules cannot loop.
type AutomationRule struct {
	ID         int64                `json:"id,omitempty" readOnly:"true"`
	Name       string               `json:"name" maxLength:"100"`
	Priority   int                  `json:"priority" minimum:"0"`
	Active     bool                 `json:"active"`
	Trigger    string               `json:"trigger" enum:"ticket.created,ticket.updated,ticket.status_changed,ticket.reopened,sla.warning,sla.escalation,time,followup.dissatisfied,complaint.rejected"`
	Conditions AutomationConditions `json:"conditions"`
	Actions    []AutomationAction   `json:"actions"`
	Version    int64                `json:"version,omitempty" readOnly:"true"`
}

// Matches reports whether the conditions hold for facts and status.
func (c AutomationConditions) Matches(f SLAFacts, s Status) bool {
	return c.SLAConditions.Matches(f) && (len(c.Status) == 0 || oneOf(s, c.Status))
}

// Explain checks each set condition against the ticket's facts, status
// and hours in that status (after_hours applies to time rules only).
func (r *AutomationRule) Explain(f SLAFacts, s Status, hoursInStatus float64) []ConditionCheck {
	out := r.Conditions.SLAConditions.Explain(f)
	if len(r.Conditions.Status) > 0 {
		out = append(out, ConditionCheck{Field: "status", OK: oneOf(s, r.Conditions.Status)})
	}
	if r.Trigger == TriggerTime && r.Conditions.AfterHours > 0 {
		out = append(out, ConditionCheck{Field: "after_hours", OK: hoursInStatus >= r.Conditions.AfterHours})
	}
	return out
}

// Validate checks a rule.
func (r *AutomationRule) Validate() error {
	var v Validator
	r.Name = strings.TrimSpace(r.Name)
	v.Check(r.Name != "", "name", "is required")
	v.Check(oneOf(r.Trigger, Triggers), "trigger", "must be one of "+strings.Join(Triggers, ", "))
	if r.Trigger == TriggerTime {
		v.Check(len(r.Conditions.Status) == 1, "conditions.status", "a time rule names exactly one status")
		v.Check(r.Conditions.AfterHours > 0, "conditions.after_hours", "a time rule needs after_hours > 0")
	}
	v.Check(len(r.Actions) > 0 && len(r.Actions) <= 10, "actions", "a rule needs 1 to 10 actions")
	for i, a := range r.Actions {
		f := func(s string) string { return fmt.Sprintf("actions[%d].%s", i, s) }
		switch a.Kind {
		case ActionSetStatus:
			v.Check(a.Status.Valid(), f("status"), "is not a known status")
		case ActionSetUrgency:
			v.Check(a.Urgency.Valid(), f("urgency"), "is not a known urgency")
		case ActionAssignTeam:
			v.Check(a.TeamID != nil, f("team_id"), "is required")
		case ActionAssignUser:
			v.Check(a.UserID != nil, f("user_id"), "is required")
		case ActionAddNote:
			v.Check(strings.TrimSpace(a.Text) != "", f("text"), "is required")
		case ActionNotify:
			v.Check(a.Notify == NotifyAssignee || a.Notify == NotifySupervisor || a.Notify == NotifyTeam, f("notify"), "must be assignee, supervisor or team")
			v.Check(strings.TrimSpace(a.Text) != "", f("text"), "is required")
		case ActionWebhook:
		default:
			v.Add(f("kind"), "must be one of "+strings.Join(ActionKinds, ", "))
		}
	}
	return v.Err()
}

// AutomationService manages automation rules.
type AutomationService interface {
	CreateAutomation(ctx context.Context, r AutomationRule) (*AutomationRule, error)
	UpdateAutomation(ctx context.Context, id, version int64, r AutomationRule) (*AutomationRule, error)
	ListAutomations(ctx context.Context) ([]*AutomationRule, error)
	// CheckAutomation tries a rule (saved or not) on a ticket as it is
	// now, changing nothing: which conditions hold and whether it would run.
	CheckAutomation(ctx context.Context, ticketID int64, rule AutomationRule) (*RuleDryRun, error)
}
