package console

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"aftersales"
)

// Follow-up (回访) screens: the queue with its figures, one task (script,
// questionnaire, attempt log, outcome buttons) and the policy admin page.

func (c *Console) followupRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /followups", g(c.listFollowups))
	mux.HandleFunc("GET /followup-policies", g(c.followupPolicies))
	mux.HandleFunc("POST /followup-policies", g(c.saveFollowupPolicy))
	mux.HandleFunc("GET /followup-policies/{id}", g(c.followupPolicies))
	mux.HandleFunc("POST /followup-policies/{id}", g(c.saveFollowupPolicy))
	mux.HandleFunc("GET /followups/{id}", g(c.showFollowup))
	mux.HandleFunc("POST /followups/{id}/attempts", g(c.followupAttempt))
	mux.HandleFunc("POST /followups/{id}/answer", g(c.answerFollowup))
	mux.HandleFunc("POST /followups/{id}/assign", g(c.assignFollowup))
}

// followupQueue is the queue page's data.
type followupQueue struct {
	Filter   aftersales.FollowupFilter
	Tasks    []*aftersales.FollowupTask
	Summary  *aftersales.FollowupSummary
	Outcomes []aftersales.FollowupOutcome
	Statuses []aftersales.FollowupStatus
	CanAdmin bool
}

// SummaryDays is the window of the queue page's figures.
const SummaryDays = 30

func (c *Console) listFollowups(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "followups", "followup.title")
	q := r.URL.Query()
	v := &followupQueue{Outcomes: aftersales.FollowupOutcomes, Statuses: aftersales.FollowupStatuses,
		Filter: aftersales.FollowupFilter{Status: aftersales.FollowupStatus(q.Get("status")), Outcome: aftersales.FollowupOutcome(q.Get("outcome")),
			Mine: q.Get("mine") != "", Overdue: q.Get("overdue") != ""}}
	if q.Get("status") == "" && !q.Has("status") {
		v.Filter.Status = aftersales.FollowupOpen
	}
	v.CanAdmin = p.User != nil && p.User.Role.Can(aftersales.PermSettingsWrite)
	p.Data = v
	var err error
	if v.Tasks, err = c.S.Followups.ListFollowups(r.Context(), v.Filter); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	now := c.Now()
	if v.Summary, err = c.S.Followups.FollowupSummary(r.Context(), now.AddDate(0, 0, -SummaryDays), now.Add(time.Minute)); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	c.render(w, r, "followups", p)
}

// followupView is the task page's data.
type followupView struct {
	Task      *aftersales.FollowupTask
	Agents    []*aftersales.User
	CanAssign bool
	Channels  []aftersales.ContactChannel
	Results   []aftersales.AttemptResult
	Reasons   []string
	Now       time.Time
}

func (c *Console) showFollowup(w http.ResponseWriter, r *http.Request) { c.followupPage(w, r, nil) }

func (c *Console) followupPage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "followups", "followup", "followup.task", func(p *Page) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			return aftersales.Errorf(aftersales.ENOTFOUND, "Follow-up not found.")
		}
		v := &followupView{Channels: aftersales.ContactChannels, Results: aftersales.AttemptResults, Reasons: aftersales.DissatisfiedReasons, Now: c.Now()}
		p.Data = v
		if v.Task, err = c.S.Followups.FindFollowup(r.Context(), id); err != nil {
			return err
		}
		v.CanAssign = p.User != nil && p.User.Role.Can(aftersales.PermTicketAssign) && v.Task.Status == aftersales.FollowupOpen
		if v.CanAssign {
			active := true
			users, err := c.S.Users.ListUsers(r.Context(), aftersales.UserFilter{Active: &active})
			if err != nil {
				return err
			}
			for _, u := range users {
				if u.Role != aftersales.RoleTechnician {
					v.Agents = append(v.Agents, u)
				}
			}
		}
		return nil
	}, formErr)
}

func taskID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

func (c *Console) followupAttempt(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	a := aftersales.FollowupAttempt{Channel: aftersales.ContactChannel(f.str("channel")), Result: aftersales.AttemptResult(f.str("result")), Note: f.str("note")}
	_, err := c.S.Followups.LogFollowupAttempt(r.Context(), taskID(r), f.version(), a)
	c.done(w, r, "/followups/"+r.PathValue("id")+"?ok=saved", err, c.followupPage)
}

func (c *Console) answerFollowup(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	a := aftersales.FollowupAnswer{Outcome: aftersales.FollowupOutcome(f.str("outcome")), Channel: aftersales.ContactChannel(f.str("channel")),
		Comment: f.str("comment"), Version: f.version()}
	score := func(name string) *int {
		if f.str(name) == "" {
			return nil
		}
		n := f.int(name)
		return &n
	}
	a.CSAT, a.NPS = score("csat"), score("nps")
	switch a.Outcome {
	case aftersales.OutcomeDissatisfied:
		a.Reason = f.str("reason_code")
	case aftersales.OutcomeNotSolved:
		a.Reason = f.str("reason")
	}
	err := f.v.Err()
	if err == nil {
		_, err = c.S.Followups.AnswerFollowup(r.Context(), taskID(r), a)
	}
	c.done(w, r, "/followups/"+r.PathValue("id")+"?ok=saved", err, c.followupPage)
}

func (c *Console) assignFollowup(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	who := f.id("assignee_id")
	err := f.v.Err()
	if err == nil && who == nil {
		err = &aftersales.Error{Code: aftersales.EINVALID, Message: "Choose an agent.",
			Fields: []aftersales.FieldError{{Field: "assignee_id", Reason: "is required"}}}
	}
	if err == nil {
		_, err = c.S.Followups.AssignFollowup(r.Context(), taskID(r), f.version(), *who)
	}
	c.done(w, r, "/followups/"+r.PathValue("id")+"?ok=saved", err, c.followupPage)
}

// policyAdmin is the policy page's data: the policies, the one being
// edited (nil for a new one) and the choices of the form.
type policyAdmin struct {
	Policies []*aftersales.FollowupPolicy
	Edit     *aftersales.FollowupPolicy
	Teams    []*aftersales.Team
	Tiers    []aftersales.Tier
	TeamName map[int64]string
	CanEdit  bool
}

func (c *Console) followupPolicies(w http.ResponseWriter, r *http.Request) {
	c.policyPage(w, r, nil)
}

func (c *Console) policyPage(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "followups", "followup_policies", "followup.policies", func(p *Page) error {
		v := &policyAdmin{TeamName: map[int64]string{}}
		v.CanEdit = p.User != nil && p.User.Role.Can(aftersales.PermSettingsWrite)
		p.Data = v
		var err error
		if v.Policies, err = c.S.Followups.ListFollowupPolicies(r.Context()); err != nil {
			return err
		}
		if v.Teams, err = c.S.Network.ListTeams(r.Context()); err != nil {
			return err
		}
		for _, t := range v.Teams {
			v.TeamName[t.ID] = p.Local(t)
		}
		if v.Tiers, err = c.S.Customers.ListTiers(r.Context()); err != nil {
			return err
		}
		if id := taskID(r); r.PathValue("id") != "" {
			for _, x := range v.Policies {
				if x.ID == id {
					v.Edit = x
				}
			}
			if v.Edit == nil {
				return aftersales.Errorf(aftersales.ENOTFOUND, "Follow-up policy %d not found.", id)
			}
		}
		if p.Form == nil {
			p.Form = policyForm(v.Edit, len(v.Policies), c.Zone)
		}
		return nil
	}, formErr)
}

// policyForm fills the policy form from a policy, or with the defaults
// of a new one (active, after the others, all of them, 1 to 72 hours,
// three attempts).
func policyForm(x *aftersales.FollowupPolicy, n int, zone *time.Location) url.Values {
	if x == nil {
		return url.Values{"position": {strconv.Itoa(10 * (n + 1))}, "active": {"1"}, "sample_percent": {"100"},
			"delay_hours": {"24"}, "deadline_hours": {"72"}, "max_attempts": {"3"}}
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	out := url.Values{"name": {x.Name}, "position": {strconv.Itoa(x.Position)}, "sample_percent": {f(x.SamplePercent)},
		"delay_hours": {f(x.DelayHours)}, "deadline_hours": {f(x.DeadlineHours)}, "max_attempts": {strconv.Itoa(x.MaxAttempts)},
		"script_zh": {x.ScriptZH}, "script_en": {x.ScriptEN}, "tiers": x.Tiers, "applies_from": {x.AppliesFrom.In(zone).Format(time.DateOnly)}}
	if x.Active {
		out.Set("active", "1")
	}
	if x.TeamID != nil {
		out.Set("team_id", strconv.FormatInt(*x.TeamID, 10))
	}
	for _, n := range x.Natures {
		out.Add("natures", string(n))
	}
	return out
}

func (c *Console) saveFollowupPolicy(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	r.ParseForm()
	p := aftersales.FollowupPolicy{Name: f.str("name"), Position: f.int("position"), Active: f.str("active") != "",
		Tiers: r.PostForm["tiers"], MaxAttempts: f.int("max_attempts"), TeamID: f.id("team_id"),
		ScriptZH: f.str("script_zh"), ScriptEN: f.str("script_en")}
	for _, n := range r.PostForm["natures"] {
		p.Natures = append(p.Natures, aftersales.Nature(n))
	}
	num := func(name string) float64 {
		if x := f.float(name); x != nil {
			return *x
		}
		return 0
	}
	p.SamplePercent, p.DelayHours, p.DeadlineHours = num("sample_percent"), num("delay_hours"), num("deadline_hours")
	if d := f.str("applies_from"); d != "" {
		t, err := time.ParseInLocation(time.DateOnly, d, c.Zone)
		if err != nil {
			f.v.Add("applies_from", "must be a date, YYYY-MM-DD")
		}
		p.AppliesFrom = t
	}
	err := f.v.Err()
	if err == nil {
		if id := taskID(r); id > 0 {
			_, err = c.S.Followups.UpdateFollowupPolicy(r.Context(), id, f.version(), p)
		} else {
			_, err = c.S.Followups.CreateFollowupPolicy(r.Context(), p)
		}
	}
	c.done(w, r, "/followup-policies?ok=saved", err, c.policyPage)
}
