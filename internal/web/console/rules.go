package console

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"aftersales"
)

// ruleKind describes one kind of rule edited as JSON in the console:
// routing rules, automation rules and webhooks.
type ruleKind struct {
	Key     string
	Example string
	load    func(c *Console, ctx context.Context, id int64) (any, int64, error)
	save    func(c *Console, ctx context.Context, id, version int64, body []byte) error
}

func decode[T any](body []byte) (T, error) {
	var v T
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, &aftersales.Error{Code: aftersales.EINVALID, Message: "The JSON could not be read.",
			Fields: []aftersales.FieldError{{Field: "json", Reason: err.Error()}}}
	}
	return v, nil
}

var ruleKinds = map[string]ruleKind{
	"routing": {Key: "routing",
		Example: `{"name": "燃气味优先", "priority": 10, "active": true, "keywords": ["燃气味"], "conditions": {"nature": ["complaint", "repair"]},
 "action": {"urgency": "urgent"}}`,
		load: func(c *Console, ctx context.Context, id int64) (any, int64, error) {
			rs, err := c.S.Routing.ListRoutingRules(ctx)
			for _, r := range rs {
				if r.ID == id {
					return r, r.Version, nil
				}
			}
			return nil, 0, orNotFound(err)
		},
		save: func(c *Console, ctx context.Context, id, version int64, body []byte) error {
			r, err := decode[aftersales.RoutingRule](body)
			if err == nil && id == 0 {
				_, err = c.S.Routing.CreateRoutingRule(ctx, r)
			} else if err == nil {
				_, err = c.S.Routing.UpdateRoutingRule(ctx, id, version, r)
			}
			return err
		}},
	"automation": {Key: "automation",
		Example: `{"name": "解决7天自动关闭", "priority": 100, "active": true, "trigger": "time",
 "conditions": {"status": ["resolved"], "after_hours": 168}, "actions": [{"kind": "set_status", "status": "closed"}]}`,
		load: func(c *Console, ctx context.Context, id int64) (any, int64, error) {
			rs, err := c.S.Automate.ListAutomations(ctx)
			for _, r := range rs {
				if r.ID == id {
					return r, r.Version, nil
				}
			}
			return nil, 0, orNotFound(err)
		},
		save: func(c *Console, ctx context.Context, id, version int64, body []byte) error {
			r, err := decode[aftersales.AutomationRule](body)
			if err == nil && id == 0 {
				_, err = c.S.Automate.CreateAutomation(ctx, r)
			} else if err == nil {
				_, err = c.S.Automate.UpdateAutomation(ctx, id, version, r)
			}
			return err
		}},
	"webhook": {Key: "webhook",
		Example: `{"url": "https://crm.example.com/aftersales", "secret": "at-least-16-characters", "active": true,
 "events": ["ticket.created", "ticket.status_changed", "sla.escalation"]}`,
		load: func(c *Console, ctx context.Context, id int64) (any, int64, error) {
			ws, err := c.S.Webhooks.ListWebhooks(ctx)
			for _, w := range ws {
				if w.ID == id {
					return w, w.Version, nil
				}
			}
			return nil, 0, orNotFound(err)
		},
		save: func(c *Console, ctx context.Context, id, version int64, body []byte) error {
			w, err := decode[aftersales.Webhook](body)
			if err == nil && id == 0 {
				_, err = c.S.Webhooks.CreateWebhook(ctx, w)
			} else if err == nil {
				_, err = c.S.Webhooks.UpdateWebhook(ctx, id, version, w)
			}
			return err
		}},
}

func orNotFound(err error) error {
	if err != nil {
		return err
	}
	return aftersales.Errorf(aftersales.ENOTFOUND, "Not found.")
}

type ruleView struct {
	Kind    string
	ID      int64
	Version int64
	JSON    string
	Example string
}

// editRule shows (GET) or saves (POST) one rule as JSON; {id} "new" creates.
func (c *Console) editRule(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "sla", "rules.edit")
	k, ok := ruleKinds[r.PathValue("kind")]
	if !ok {
		c.fail(w, r, "", p, aftersales.Errorf(aftersales.ENOTFOUND, "Not found."))
		return
	}
	v := &ruleView{Kind: k.Key, Example: k.Example, JSON: k.Example}
	p.Data = v
	if id := r.PathValue("id"); id != "new" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			c.fail(w, r, "", p, aftersales.Errorf(aftersales.ENOTFOUND, "Not found."))
			return
		}
		cur, version, err := k.load(c, r.Context(), n)
		if err != nil {
			c.fail(w, r, "", p, err)
			return
		}
		b, _ := json.MarshalIndent(cur, "", "  ")
		v.ID, v.Version, v.JSON = n, version, string(b)
	}
	if r.Method == http.MethodPost {
		v.JSON = r.PostFormValue("json")
		if ver, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64); err == nil {
			v.Version = ver
		}
		if err := k.save(c, r.Context(), v.ID, v.Version, []byte(v.JSON)); err != nil {
			c.fail(w, r, "rule", p, err)
			return
		}
		http.Redirect(w, r, "/sla?ok=saved#rules", http.StatusSeeOther)
		return
	}
	c.render(w, r, "rule", p)
}
