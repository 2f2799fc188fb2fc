package console

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"aftersales"
)

// Routing rules, automation rules and webhooks are edited in forms: each
// field where the domain's validation names it, and for routing and
// automation a dry run of the rule as typed (saved or not) on a chosen
// ticket, which changes nothing.

// ruleView is the rule editor: the rule being edited (one of Routing,
// Auto, Hook), what its selects list, and a dry run's result.
type ruleView struct {
	Kind    string
	ID      int64
	Version int64
	Routing *aftersales.RoutingRule
	Auto    *aftersales.AutomationRule
	Hook    *aftersales.Webhook
	// Actions are the automation rule's actions plus empty rows to add.
	Actions []aftersales.AutomationAction

	Categories  []*aftersales.Category
	Units       []*aftersales.ServiceUnit
	Tiers       []aftersales.Tier
	Teams       []*aftersales.Team
	Users       []*aftersales.User
	Departments []*aftersales.Department
	Triggers    []string
	ActionKinds []string
	HookEvents  []string

	// Ticket is the number typed for a dry run; Dry its result.
	Ticket      string
	DryTicket   *aftersales.Ticket
	Dry         *aftersales.RuleDryRun
	DryUnit     string
	DryTeam     string
	DryAssignee string
	DryDept     string
	DryUrgency  string
	// Inactive: the rule tried is not active, so it would not run.
	Inactive     bool
	dryRequested bool
}

// actionRows is how many action rows an automation form offers: the
// rule's actions and two empty rows, at least three, at most ten.
func actionRows(n int) int { return min(max(n+2, 3), 10) }

func (c *Console) ruleRefs(ctx context.Context, v *ruleView) error {
	var errs [6]error
	v.Categories, errs[0] = c.S.Catalog.ListCategories(ctx)
	v.Units, errs[1] = c.S.Network.ListServiceUnits(ctx)
	v.Tiers, errs[2] = c.S.Customers.ListTiers(ctx)
	v.Teams, errs[3] = c.S.Network.ListTeams(ctx)
	active := true
	v.Users, errs[4] = c.S.Users.ListUsers(ctx, aftersales.UserFilter{Active: &active, Limit: 500})
	v.Departments, errs[5] = c.S.Network.ListDepartments(ctx)
	v.Triggers, v.ActionKinds, v.HookEvents = aftersales.Triggers, aftersales.ActionKinds, aftersales.HookEvents
	return cmp.Or(errs[:]...)
}

// loadRule finds the stored rule {id} of the view's kind.
func (c *Console) loadRule(ctx context.Context, v *ruleView) error {
	var notFound error = aftersales.Errorf(aftersales.ENOTFOUND, "Not found.")
	switch v.Kind {
	case "routing":
		rs, err := c.S.Routing.ListRoutingRules(ctx)
		for _, r := range rs {
			if r.ID == v.ID {
				v.Routing, v.Version = r, r.Version
				return nil
			}
		}
		return cmp.Or(err, notFound)
	case "automation":
		rs, err := c.S.Automate.ListAutomations(ctx)
		for _, r := range rs {
			if r.ID == v.ID {
				v.Auto, v.Version = r, r.Version
				return nil
			}
		}
		return cmp.Or(err, notFound)
	default:
		ws, err := c.S.Webhooks.ListWebhooks(ctx)
		for _, w := range ws {
			if w.ID == v.ID {
				v.Hook, v.Version = w, w.Version
				return nil
			}
		}
		return cmp.Or(err, notFound)
	}
}

// parseConditions reads the conditions block shared with SLA policies.
func parseConditions(r *http.Request) aftersales.SLAConditions {
	var c aftersales.SLAConditions
	for _, s := range r.PostForm["urgency"] {
		c.Urgency = append(c.Urgency, aftersales.Urgency(s))
	}
	for _, s := range r.PostForm["nature"] {
		c.Nature = append(c.Nature, aftersales.Nature(s))
	}
	for _, s := range r.PostForm["channel"] {
		c.Channel = append(c.Channel, aftersales.Channel(s))
	}
	c.Tier = r.PostForm["tier"]
	for _, s := range r.PostForm["category_id"] {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			c.CategoryID = append(c.CategoryID, n)
		}
	}
	for _, s := range r.PostForm["service_unit_id"] {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			c.ServiceUnit = append(c.ServiceUnit, n)
		}
	}
	return c
}

// parseRule reads the posted form into the view's rule; f collects the
// fields that are not even well-formed (a number that is not one).
func parseRule(r *http.Request, v *ruleView, f *form) {
	r.ParseForm()
	switch v.Kind {
	case "routing":
		x := &aftersales.RoutingRule{ID: v.ID, Name: f.str("name"), Priority: f.int("priority"), Active: f.str("active") == "on",
			Conditions: parseConditions(r), Keywords: f.list("keywords")}
		x.Action = aftersales.RoutingAction{ServiceUnitID: f.id("action_service_unit_id"), TeamID: f.id("action_team_id"),
			AssigneeID: f.id("action_assignee_id"), DepartmentID: f.id("action_department_id")}
		if u := aftersales.Urgency(f.str("action_urgency")); u != "" {
			x.Action.Urgency = &u
		}
		if sf := f.str("suggestion_field"); sf != "" {
			x.Suggestion = &aftersales.SuggestionCondition{Field: sf, Values: f.list("suggestion_values")}
			if m := f.float("suggestion_min_confidence"); m != nil {
				x.Suggestion.MinConfidence = *m
			}
		}
		v.Routing = x
	case "automation":
		x := &aftersales.AutomationRule{ID: v.ID, Name: f.str("name"), Priority: f.int("priority"), Active: f.str("active") == "on",
			Trigger: f.str("trigger")}
		x.Conditions.SLAConditions = parseConditions(r)
		for _, s := range r.PostForm["status"] {
			x.Conditions.Status = append(x.Conditions.Status, aftersales.Status(s))
		}
		if h := f.float("after_hours"); h != nil {
			x.Conditions.AfterHours = *h
		}
		x.Actions = []aftersales.AutomationAction{}
		for i := range 10 {
			p := fmt.Sprintf("a%d_", i)
			kind := f.str(p + "kind")
			if kind == "" {
				continue
			}
			a := aftersales.AutomationAction{Kind: kind, Text: f.str(p + "text"), Notify: f.str(p + "notify")}
			switch kind { // only the fields the kind uses, so a hidden choice does not count
			case aftersales.ActionSetStatus:
				a.Status = aftersales.Status(f.str(p + "status"))
			case aftersales.ActionSetUrgency:
				a.Urgency = aftersales.Urgency(f.str(p + "urgency"))
			case aftersales.ActionAssignTeam:
				a.TeamID = f.id(p + "team_id")
			case aftersales.ActionAssignUser:
				a.UserID = f.id(p + "user_id")
			}
			if kind != aftersales.ActionAddNote && kind != aftersales.ActionNotify {
				a.Text = ""
			}
			if kind != aftersales.ActionNotify {
				a.Notify = ""
			}
			x.Actions = append(x.Actions, a)
		}
		v.Auto = x
	default:
		v.Hook = &aftersales.Webhook{ID: v.ID, URL: f.str("url"), Secret: f.str("secret"), Events: r.PostForm["events"], Active: f.str("active") == "on"}
	}
	v.Version = f.version()
	v.Ticket = f.str("ticket")
	v.dryRequested = r.PostFormValue("dry_run") != ""
}

// saveRule creates or updates the view's rule.
func (c *Console) saveRule(ctx context.Context, v *ruleView) error {
	var err error
	switch {
	case v.Routing != nil && v.ID == 0:
		_, err = c.S.Routing.CreateRoutingRule(ctx, *v.Routing)
	case v.Routing != nil:
		_, err = c.S.Routing.UpdateRoutingRule(ctx, v.ID, v.Version, *v.Routing)
	case v.Auto != nil && v.ID == 0:
		_, err = c.S.Automate.CreateAutomation(ctx, *v.Auto)
	case v.Auto != nil:
		_, err = c.S.Automate.UpdateAutomation(ctx, v.ID, v.Version, *v.Auto)
	case v.ID == 0:
		_, err = c.S.Webhooks.CreateWebhook(ctx, *v.Hook)
	default:
		_, err = c.S.Webhooks.UpdateWebhook(ctx, v.ID, v.Version, *v.Hook)
	}
	return err
}

// dryRun tries the rule as typed on the ticket numbered v.Ticket.
func (c *Console) ruleDryRun(ctx context.Context, p *Page, v *ruleView) error {
	if v.Ticket == "" {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: "Choose a ticket to try the rule on.",
			Fields: []aftersales.FieldError{{Field: "ticket", Reason: "is required"}}}
	}
	t, err := c.S.Tickets.FindTicketByNumber(ctx, v.Ticket)
	if aftersales.ErrorCode(err) == aftersales.ENOTFOUND {
		if n, perr := strconv.ParseInt(strings.TrimPrefix(v.Ticket, "#"), 10, 64); perr == nil {
			t, err = c.S.Tickets.FindTicket(ctx, n)
		}
	}
	if aftersales.ErrorCode(err) == aftersales.ENOTFOUND {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: "No such ticket.",
			Fields: []aftersales.FieldError{{Field: "ticket", Reason: "no ticket has this number"}}}
	}
	if err != nil {
		return err
	}
	v.DryTicket = t
	v.Inactive = (v.Routing != nil && !v.Routing.Active) || (v.Auto != nil && !v.Auto.Active)
	if v.Routing != nil {
		if v.Dry, err = c.S.Routing.DryRunRule(ctx, t.ID, *v.Routing); err != nil {
			return err
		}
		if d := v.Dry.Decision; d != nil {
			name := func(id *int64, find func(int64) string) string {
				if id == nil {
					return ""
				}
				return find(*id)
			}
			v.DryUnit = name(d.ServiceUnitID, func(id int64) string {
				return nameOf(v.Units, id, func(u *aftersales.ServiceUnit) (int64, string) { return u.ID, p.Local(u) })
			})
			v.DryTeam = name(d.TeamID, func(id int64) string {
				return nameOf(v.Teams, id, func(t *aftersales.Team) (int64, string) { return t.ID, p.Local(t) })
			})
			v.DryAssignee = name(d.AssigneeID, func(id int64) string {
				return nameOf(v.Users, id, func(u *aftersales.User) (int64, string) { return u.ID, u.Name })
			})
			v.DryDept = name(d.DepartmentID, func(id int64) string {
				return nameOf(v.Departments, id, func(d *aftersales.Department) (int64, string) { return d.ID, p.L(d.NameZH, d.NameEN) })
			})
			if d.Urgency != nil {
				v.DryUrgency = p.T("urgency." + string(*d.Urgency))
			}
		}
		return nil
	}
	v.Dry, err = c.S.Automate.CheckAutomation(ctx, t.ID, *v.Auto)
	return err
}

// nameOf finds id's name in xs, or "#id" when it is not there.
func nameOf[T any](xs []T, id int64, key func(T) (int64, string)) string {
	for _, x := range xs {
		if xid, name := key(x); xid == id {
			return name
		}
	}
	return "#" + strconv.FormatInt(id, 10)
}

// editRule shows (GET) or saves (POST) one rule; {id} "new" creates. A
// POST with dry_run tries the rule as typed on a ticket instead.
func (c *Console) editRule(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "sla", "rules.edit")
	ctx := r.Context()
	kind := r.PathValue("kind")
	if kind != "routing" && kind != "automation" && kind != "webhook" {
		c.fail(w, r, "", p, aftersales.Errorf(aftersales.ENOTFOUND, "Not found."))
		return
	}
	v := &ruleView{Kind: kind}
	p.Data = v
	if id := r.PathValue("id"); id != "new" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			c.fail(w, r, "", p, aftersales.Errorf(aftersales.ENOTFOUND, "Not found."))
			return
		}
		v.ID = n
		if err := c.loadRule(ctx, v); err != nil {
			c.fail(w, r, "", p, err)
			return
		}
	} else {
		v.Routing = &aftersales.RoutingRule{Active: true, Priority: 100}
		v.Auto = &aftersales.AutomationRule{Active: true, Priority: 100, Trigger: aftersales.TriggerCreated}
		v.Hook = &aftersales.Webhook{Active: true}
		switch kind {
		case "routing":
			v.Auto, v.Hook = nil, nil
		case "automation":
			v.Routing, v.Hook = nil, nil
		default:
			v.Routing, v.Auto = nil, nil
		}
	}
	if err := c.ruleRefs(ctx, v); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	var err error
	if r.Method == http.MethodPost {
		p.Form = r.PostForm
		f := &form{r: r}
		parseRule(r, v, f)
		err = f.v.Err()
		switch {
		case err != nil:
		case v.dryRequested && v.Hook == nil:
			err = c.ruleDryRun(ctx, p, v)
		default:
			if err = c.saveRule(ctx, v); err == nil {
				http.Redirect(w, r, "/sla?ok=saved#rules", http.StatusSeeOther)
				return
			}
		}
	}
	if v.Auto != nil {
		v.Actions = append(append([]aftersales.AutomationAction{}, v.Auto.Actions...),
			make([]aftersales.AutomationAction, actionRows(len(v.Auto.Actions))-len(v.Auto.Actions))...)
	}
	if err != nil {
		c.fail(w, r, "rule", p, err)
		return
	}
	c.render(w, r, "rule", p)
}

// ruleFields names a rule's fields, as validation and dry runs name them,
// by their label in the catalog.
var ruleFields = map[string]string{
	"name": "field.name", "priority": "sla.priority", "trigger": "rules.trigger", "urgency": "field.urgency",
	"nature": "field.nature", "channel": "field.channel", "tier": "field.tier", "category_id": "field.category",
	"service_unit_id": "field.service_unit", "keywords": "rules.keywords", "status": "field.status",
	"after_hours": "rules.after_hours", "action": "rules.action", "actions": "rules.actions", "url": "rules.url",
	"secret": "rules.secret", "events": "rules.events", "ticket": "rules.dry_ticket", "kind": "rules.action_kind",
	"team_id": "field.team", "user_id": "field.assignee", "text": "rules.text", "notify": "rules.notify",
	"suggestion": "rules.suggestion", "field": "rules.suggestion.field", "values": "rules.suggestion.values",
	"min_confidence": "rules.suggestion.min_confidence",
}

// RuleField says a rule field's name ("conditions.status",
// "actions[1].team_id", "keywords[0]") in the page's language.
func (p *Page) RuleField(field string) string {
	var parts []string
	for _, seg := range strings.Split(strings.TrimPrefix(field, "conditions."), ".") {
		name, idx, indexed := strings.Cut(seg, "[")
		key, ok := ruleFields[name]
		if !ok {
			return field
		}
		label := p.T(key)
		if indexed && name == "actions" {
			if n, err := strconv.Atoi(strings.TrimSuffix(idx, "]")); err == nil {
				label = p.T("rules.action") + " " + strconv.Itoa(n+1)
			}
		}
		parts = append(parts, label)
	}
	return strings.Join(parts, " · ")
}
