package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"aftersales"
	"aftersales/internal/routing"
)

const ruleCols = `id, name, priority, active, conditions, action, version`

type ruleDoc struct {
	Conditions aftersales.SLAConditions        `json:"conditions"`
	Keywords   []string                        `json:"keywords,omitempty"`
	Suggestion *aftersales.SuggestionCondition `json:"suggestion,omitempty"`
}

func scanRule(row interface{ Scan(...any) error }) (*aftersales.RoutingRule, error) {
	var r aftersales.RoutingRule
	var cond, action string
	if err := row.Scan(&r.ID, &r.Name, &r.Priority, &r.Active, &cond, &action, &r.Version); err != nil {
		return nil, err
	}
	var doc ruleDoc
	if err := json.Unmarshal([]byte(cond), &doc); err != nil {
		return nil, err
	}
	r.Conditions, r.Keywords, r.Suggestion = doc.Conditions, doc.Keywords, doc.Suggestion
	return &r, json.Unmarshal([]byte(action), &r.Action)
}

func (db *DB) writeRule(ctx context.Context, r *aftersales.RoutingRule, id, version int64) error {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		a := r.Action
		if err := checkRefs(ctx, tx, ref{"action.service_unit_id", "service_units", a.ServiceUnitID}, ref{"action.team_id", "teams", a.TeamID},
			ref{"action.assignee_id", "users", a.AssigneeID}, ref{"action.department_id", "departments", a.DepartmentID}); err != nil {
			return err
		}
		cond := mustJSON(ruleDoc{r.Conditions, r.Keywords, r.Suggestion})
		if id == 0 {
			err := tx.QueryRowContext(ctx, `INSERT INTO routing_rules (name, priority, active, conditions, action, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, r.Name, r.Priority, r.Active, cond, mustJSON(a), ms(tx.now)).Scan(&r.ID)
			if err != nil {
				return mapErr(fmt.Errorf("sqlstore: insert routing rule: %w", err))
			}
			return tx.audit(ctx, "create", "routing_rule", r.ID, r)
		}
		res, err := tx.ExecContext(ctx, `UPDATE routing_rules SET name = $1, priority = $2, active = $3, conditions = $4, action = $5,
			updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8`, r.Name, r.Priority, r.Active, cond, mustJSON(a), ms(tx.now), id, version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update routing rule: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "routing_rules", "Routing rule", id); err != nil {
			return err
		}
		r.ID = id
		return tx.audit(ctx, "update", "routing_rule", id, r)
	})
}

// CreateRoutingRule stores a routing rule.
func (db *DB) CreateRoutingRule(ctx context.Context, r aftersales.RoutingRule) (*aftersales.RoutingRule, error) {
	if err := db.writeRule(ctx, &r, 0, 0); err != nil {
		return nil, err
	}
	return scanRule(db.w.QueryRowContext(ctx, `SELECT `+ruleCols+` FROM routing_rules WHERE id = $1`, r.ID))
}

// UpdateRoutingRule replaces a routing rule.
func (db *DB) UpdateRoutingRule(ctx context.Context, id, version int64, r aftersales.RoutingRule) (*aftersales.RoutingRule, error) {
	if err := db.writeRule(ctx, &r, id, version); err != nil {
		return nil, err
	}
	return scanRule(db.w.QueryRowContext(ctx, `SELECT `+ruleCols+` FROM routing_rules WHERE id = $1`, id))
}

// ListRoutingRules lists rules in the order they are tried.
func (db *DB) ListRoutingRules(ctx context.Context) ([]*aftersales.RoutingRule, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	return listRules(ctx, db.r)
}

func listRules(ctx context.Context, q queryer) ([]*aftersales.RoutingRule, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+ruleCols+` FROM routing_rules ORDER BY priority, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list routing rules: %w", err)
	}
	return collect(rows, scanRule)
}

// SetAvailability marks a user on or off shift.
func (db *DB) SetAvailability(ctx context.Context, userID int64, available bool) error {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return err
	}
	if u.ID != userID && !u.Role.Can(aftersales.PermTicketAssign) {
		return aftersales.Errorf(aftersales.EFORBIDDEN, "You may only change your own availability.")
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET available = $1, updated_at = $2 WHERE id = $3`, available, ms(tx.now), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return aftersales.Errorf(aftersales.ENOTFOUND, "User %d not found.", userID)
		}
		return tx.audit(ctx, "availability", "user", userID, map[string]bool{"available": available})
	})
}

// routingInput assembles what routing looks at for ticket facts t: the
// configuration from the cached snapshot, the customer's tier and place
// from one read. Members carry no open work yet: decide reads it for the
// one team that assigns.
func (db *DB) routingInput(ctx context.Context, q queryer, t *aftersales.Ticket) (routing.Input, error) {
	in := routing.Input{Text: t.Title + "\n" + t.Description, UnitParent: map[int64]int64{}}
	cfg, err := db.config(ctx, q)
	if err != nil {
		return in, err
	}
	env := cfg.sla
	in.UnitParent = env.unitParent
	var tier string
	if t.CustomerID != nil {
		var addr string
		if c := pinnedCustomer(q, *t.CustomerID); c != nil {
			tier, addr = c.tier, c.address
		} else if err := q.QueryRowContext(ctx, `SELECT tier, address FROM customers WHERE id = $1`, *t.CustomerID).Scan(&tier, &addr); err != nil && err != sql.ErrNoRows {
			return in, err
		}
		var a aftersales.Address
		json.Unmarshal([]byte(addr), &a)
		in.City, in.Postcode, in.Lat, in.Lng = a.City, a.Postcode, a.Lat, a.Lng
	}
	in.Facts = aftersales.SLAFacts{Urgency: t.Urgency, Nature: t.Nature, Channel: t.Channel, Tier: tier}
	if t.CategoryID != nil {
		in.CategoryPath = env.catPath[*t.CategoryID]
		in.Facts.CategoryPath = in.CategoryPath
	}
	if t.AssetID != nil { // the unit's own site beats the customer's address
		var addr string
		if err := q.QueryRowContext(ctx, `SELECT address FROM assets WHERE id = $1`, *t.AssetID).Scan(&addr); err == nil {
			var a aftersales.Address
			if json.Unmarshal([]byte(addr), &a) == nil && (a.City != "" || a.Lat != nil) {
				in.City, in.Postcode, in.Lat, in.Lng = a.City, a.Postcode, a.Lat, a.Lng
			}
		}
	}
	// The snapshot's teams, shared read-only: decide copies the one team
	// it adds open work to (copying every team and member was a tenth of
	// a create's allocations).
	in.Rules, in.Points, in.Teams = cfg.rules, cfg.points, cfg.teams
	return in, nil
}

// decide routes in two steps. Rules, coverage and the unit network name
// the team without looking at anyone's work; only when that team assigns
// by a strategy are its members' open tickets and its last assignee read,
// and the decision made again with them. That keeps a count over every
// open ticket out of each create.
func (db *DB) decide(ctx context.Context, q queryer, ri routing.Input) (aftersales.RoutingDecision, error) {
	d := routing.Route(ri)
	if d.TeamID == nil || ri.Given.AssigneeID != nil {
		return d, nil
	}
	i := slices.IndexFunc(ri.Teams, func(t routing.Team) bool { return t.ID == *d.TeamID })
	if i < 0 || ri.Teams[i].Strategy == "" || ri.Teams[i].Strategy == aftersales.StrategyManual || len(ri.Teams[i].Members) == 0 {
		return d, nil
	}
	ri.Teams = slices.Clone(ri.Teams)
	ri.Teams[i].Members = slices.Clone(ri.Teams[i].Members)
	team := &ri.Teams[i]
	var last sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT last_assignee_id FROM teams WHERE id = $1`, team.ID).Scan(&last); err != nil {
		return d, fmt.Errorf("sqlstore: team %d: %w", team.ID, err)
	}
	team.LastAssignee = int64Ptr(last)
	if err := addOpenWork(ctx, q, ri.Teams[i:i+1], true); err != nil {
		return d, err
	}
	return routing.Route(ri), nil
}

// addOpenWork adds to the members of teams the open tickets assigned to
// them, counted and weighted by urgency. only reads just those members'
// tickets (one team assigning a new ticket); otherwise every assignee's.
func addOpenWork(ctx context.Context, q queryer, teams []routing.Team, only bool) error {
	where := map[int64][]*routing.Member{}
	var ids []string
	for i := range teams {
		for j := range teams[i].Members {
			m := &teams[i].Members[j]
			where[m.ID] = append(where[m.ID], m)
			ids = append(ids, strconv.FormatInt(m.ID, 10))
		}
	}
	cond := `assignee_id IS NOT NULL`
	if only {
		if len(ids) == 0 {
			return nil
		}
		// Member ids are integers from the database, so they go into the
		// statement as a literal list.
		cond = `assignee_id IN (` + strings.Join(ids, ", ") + `)`
	}
	rows, err := q.QueryContext(ctx, `SELECT assignee_id, urgency, count(*) FROM tickets
		WHERE `+cond+` AND status IN ('new', 'accepted', 'diagnosing', 'in_service', 'awaiting_customer', 'awaiting_parts')
		GROUP BY assignee_id, urgency`)
	if err != nil {
		return fmt.Errorf("sqlstore: open work: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u int64
		var urg aftersales.Urgency
		var n int
		if err := rows.Scan(&u, &urg, &n); err != nil {
			return err
		}
		for _, m := range where[u] {
			m.Open += n
			m.Load += float64(n) * routing.UrgencyWeight(urg)
		}
	}
	return rows.Err()
}

// route fills the unset routing fields of a new ticket and returns the
// reasons, to be recorded once the ticket exists.
func (db *DB) route(ctx context.Context, tx *Tx, in *aftersales.TicketInput) ([]string, error) {
	// Most deployments start without routing: the snapshot knows whether
	// there is anything to route by before anything else is read.
	cfg, err := db.config(ctx, tx)
	if err != nil {
		return nil, err
	}
	if !cfg.routed {
		return nil, nil
	}
	facts := &aftersales.Ticket{Title: deref(in.Title), Description: deref(in.Description), Urgency: *in.Urgency, Nature: *in.Nature,
		Channel: *in.Channel, CustomerID: in.CustomerID, CategoryID: in.CategoryID, AssetID: in.AssetID}
	ri, err := db.routingInput(ctx, tx, facts)
	if err != nil {
		return nil, err
	}
	ri.Given = aftersales.RoutingDecision{ServiceUnitID: in.ServiceUnitID, TeamID: in.TeamID, AssigneeID: in.AssigneeID, DepartmentID: in.DepartmentID}
	ri.Suggestions = tx.suggested
	d, err := db.decide(ctx, tx, ri)
	if err != nil {
		return nil, err
	}
	in.ServiceUnitID, in.TeamID, in.AssigneeID, in.DepartmentID = d.ServiceUnitID, d.TeamID, d.AssigneeID, d.DepartmentID
	if d.Urgency != nil {
		in.Urgency = d.Urgency
	}
	if d.AssigneeID != nil && d.TeamID != nil && ri.Given.AssigneeID == nil {
		if _, err := tx.ExecContext(ctx, `UPDATE teams SET last_assignee_id = $1 WHERE id = $2`, *d.AssigneeID, *d.TeamID); err != nil {
			return nil, err
		}
	}
	return d.Reasons, nil
}

// DryRun routes an existing ticket as if it were new and changes nothing.
func (db *DB) DryRun(ctx context.Context, ticketID int64) (*aftersales.RoutingDecision, error) {
	t, err := db.FindTicket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	ri, err := db.routingInput(ctx, db.r, t)
	if err != nil {
		return nil, err
	}
	d, err := db.decide(ctx, db.r, ri)
	if err != nil {
		return nil, err
	}
	if len(d.Reasons) == 0 {
		d.Reasons = []string{"no rule matched and no coverage applies"}
	}
	return &d, nil
}

func joinReasons(rs []string) string { return strings.Join(rs, "; ") }

// DryRunRule routes a ticket as if new with rule in place of its stored
// version, and checks each of the rule's conditions; it changes nothing.
func (db *DB) DryRunRule(ctx context.Context, ticketID int64, rule aftersales.RoutingRule) (*aftersales.RuleDryRun, error) {
	t, err := db.FindTicket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	ri, err := db.routingInput(ctx, db.r, t)
	if err != nil {
		return nil, err
	}
	// The rules come from the shared configuration snapshot: edit a copy.
	ri.Rules = slices.Clone(ri.Rules)
	cand := &rule
	replaced := false
	for i, r := range ri.Rules {
		if rule.ID != 0 && r.ID == rule.ID {
			ri.Rules[i], replaced = cand, true
		}
	}
	if !replaced {
		ri.Rules = append(ri.Rules, cand)
	}
	// Priority order as stored (ties by id; a new rule after its peers).
	order := func(r *aftersales.RoutingRule) int64 {
		if r.ID == 0 {
			return math.MaxInt64
		}
		return r.ID
	}
	slices.SortStableFunc(ri.Rules, func(a, b *aftersales.RoutingRule) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), cmp.Compare(order(a), order(b)))
	})
	// The ticket's suggestions as they were made at its creation.
	if ri.Suggestions, err = ticketPredictions(ctx, db.r, ticketID); err != nil {
		return nil, err
	}
	checks := rule.Conditions.Explain(ri.Facts)
	if len(rule.Keywords) > 0 {
		checks = append(checks, aftersales.ConditionCheck{Field: "keywords", OK: routing.KeywordsMatch(rule.Keywords, strings.ToLower(ri.Text))})
	}
	if rule.Suggestion != nil {
		checks = append(checks, aftersales.ConditionCheck{Field: "suggestion", OK: rule.Suggestion.Matches(ri.Suggestions)})
	}
	res := &aftersales.RuleDryRun{Matched: rule.Active, Checks: checks}
	for _, c := range checks {
		res.Matched = res.Matched && c.OK
	}
	d, err := db.decide(ctx, db.r, ri)
	if err != nil {
		return nil, err
	}
	if len(d.Reasons) == 0 {
		d.Reasons = []string{"no rule matched and no coverage applies"}
	}
	res.Decision = &d
	return res, nil
}

// AssignCandidates ranks the active team members for a ticket by what a
// supervisor weighs: its team first, on shift, capacity, skill, load.
func (db *DB) AssignCandidates(ctx context.Context, ticketID int64) ([]*aftersales.AssignCandidate, error) {
	t, err := db.FindTicket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	cfg, err := db.config(ctx, db.r)
	if err != nil {
		return nil, err
	}
	in := routing.Input{Teams: copyTeams(cfg.teams)}
	if t.CategoryID != nil {
		in.CategoryPath = cfg.sla.catPath[*t.CategoryID]
	}
	if err := addOpenWork(ctx, db.r, in.Teams, false); err != nil {
		return nil, err
	}
	return routing.Candidates(in, t.TeamID), nil
}
