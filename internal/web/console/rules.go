package console

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"aftersales"
)

// ruleKind describes one kind of rule edited as JSON in the console:
// routing rules, automation rules and webhooks.
type ruleKind struct {
	Key     string
	Example string
	store   func(c *Console) ruleEditor
}

// ruleEditor loads and saves one kind of rule.
type ruleEditor interface {
	load(ctx context.Context, id int64) (any, int64, error)
	save(ctx context.Context, id, version int64, body []byte) error
}

// ruleStore adapts a service's list, create and update to ruleEditor.
type ruleStore[T any] struct {
	list   func(context.Context) ([]*T, error)
	create func(context.Context, T) (*T, error)
	update func(context.Context, int64, int64, T) (*T, error)
	key    func(*T) (id, version int64)
}

func (s ruleStore[T]) load(ctx context.Context, id int64) (any, int64, error) {
	rs, err := s.list(ctx)
	for _, r := range rs {
		if rid, version := s.key(r); rid == id {
			return r, version, nil
		}
	}
	if err == nil {
		err = aftersales.Errorf(aftersales.ENOTFOUND, "Not found.")
	}
	return nil, 0, err
}

func (s ruleStore[T]) save(ctx context.Context, id, version int64, body []byte) error {
	var v T
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: "The JSON could not be read.",
			Fields: []aftersales.FieldError{{Field: "json", Reason: err.Error()}}}
	}
	var err error
	if id == 0 {
		_, err = s.create(ctx, v)
	} else {
		_, err = s.update(ctx, id, version, v)
	}
	return err
}

var ruleKinds = map[string]ruleKind{
	"routing": {Key: "routing",
		Example: `{"name": "燃气味优先", "priority": 10, "active": true, "keywords": ["燃气味"], "conditions": {"nature": ["complaint", "repair"]},
 "action": {"urgency": "urgent"}}`,
		store: func(c *Console) ruleEditor {
			r := c.S.Routing
			return ruleStore[aftersales.RoutingRule]{r.ListRoutingRules, r.CreateRoutingRule, r.UpdateRoutingRule,
				func(x *aftersales.RoutingRule) (int64, int64) { return x.ID, x.Version }}
		}},
	"automation": {Key: "automation",
		Example: `{"name": "解决7天自动关闭", "priority": 100, "active": true, "trigger": "time",
 "conditions": {"status": ["resolved"], "after_hours": 168}, "actions": [{"kind": "set_status", "status": "closed"}]}`,
		store: func(c *Console) ruleEditor {
			a := c.S.Automate
			return ruleStore[aftersales.AutomationRule]{a.ListAutomations, a.CreateAutomation, a.UpdateAutomation,
				func(x *aftersales.AutomationRule) (int64, int64) { return x.ID, x.Version }}
		}},
	"webhook": {Key: "webhook",
		Example: `{"url": "https://crm.example.com/aftersales", "secret": "at-least-16-characters", "active": true,
 "events": ["ticket.created", "ticket.status_changed", "sla.escalation"]}`,
		store: func(c *Console) ruleEditor {
			w := c.S.Webhooks
			return ruleStore[aftersales.Webhook]{w.ListWebhooks, w.CreateWebhook, w.UpdateWebhook,
				func(x *aftersales.Webhook) (int64, int64) { return x.ID, x.Version }}
		}},
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
		cur, version, err := k.store(c).load(r.Context(), n)
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
		if err := k.store(c).save(r.Context(), v.ID, v.Version, []byte(v.JSON)); err != nil {
			c.fail(w, r, "rule", p, err)
			return
		}
		http.Redirect(w, r, "/sla?ok=saved#rules", http.StatusSeeOther)
		return
	}
	c.render(w, r, "rule", p)
}
