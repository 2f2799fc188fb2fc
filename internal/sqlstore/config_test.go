package sqlstore_test

import (
	"errors"
	"testing"
	"time"

	"aftersales"
	. "aftersales/internal/testutil"
)

// TestConfigAcrossInstances: two stores on one database, as two servers.
// Instance b creates tickets (and so caches the configuration); changes
// made through instance a — an SLA policy, a required custom field, a
// routing rule and a team's strategy — apply to b's very next ticket,
// with no wait.
func TestConfigAcrossInstances(t *testing.T) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
			a, b := twoInstances(t, e, clock)
			ctx, _ := Admin(t, a)
			c := MustCustomer(t, ctx, a, "客户")
			pol, err := a.CreatePolicy(ctx, aftersales.SLAPolicy{Name: "标准", Active: true, ResolutionMin: 60})
			if err != nil {
				t.Fatal(err)
			}
			due := func(tk *aftersales.Ticket) time.Duration {
				t.Helper()
				if tk.ResolutionDueAt == nil {
					t.Fatalf("ticket %s has no resolution deadline", tk.Number)
				}
				return tk.ResolutionDueAt.Sub(tk.CreatedAt)
			}
			tk, err := b.CreateTicket(ctx, TicketInput(c.ID, "空调不制冷"))
			if err != nil {
				t.Fatal(err)
			}
			if d := due(tk); d != time.Hour {
				t.Fatalf("deadline before the change: %v after creation, want 1h", d)
			}

			pol.ResolutionMin = 120
			if _, err := a.UpdatePolicy(ctx, pol.ID, pol.Version, *pol); err != nil {
				t.Fatal(err)
			}
			if tk, err = b.CreateTicket(ctx, TicketInput(c.ID, "冰箱不通电")); err != nil {
				t.Fatal(err)
			}
			if d := due(tk); d != 2*time.Hour {
				t.Errorf("deadline after a changed the policy: %v after creation through b, want 2h", d)
			}

			if _, err := a.CreateCustomField(ctx, aftersales.CustomField{Key: "model_year", LabelZH: "年份", Type: aftersales.FieldNumber, Required: true, Active: true}); err != nil {
				t.Fatal(err)
			}
			_, err = b.CreateTicket(ctx, TicketInput(c.ID, "洗衣机漏水"))
			var ae *aftersales.Error
			if !errors.As(err, &ae) || ae.Code != aftersales.EINVALID {
				t.Errorf("a required field defined through a: create through b = %v, want EINVALID", err)
			}
			in := TicketInput(c.ID, "洗衣机漏水")
			in.Custom = map[string]any{"model_year": 2024}

			team, err := a.CreateTeam(ctx, aftersales.TeamInput{Code: "north", Name: "北区"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.CreateRoutingRule(ctx, aftersales.RoutingRule{Name: "漏水", Priority: 1, Active: true, Keywords: []string{"漏水"},
				Action: aftersales.RoutingAction{TeamID: &team.ID}}); err != nil {
				t.Fatal(err)
			}
			if tk, err = b.CreateTicket(ctx, in); err != nil {
				t.Fatal(err)
			}
			if tk.TeamID == nil || *tk.TeamID != team.ID || tk.AssigneeID != nil {
				t.Errorf("routing rule made through a: team %v assignee %v, want team %d, nobody", tk.TeamID, tk.AssigneeID, team.ID)
			}

			// A member joins and the team starts assigning by least load.
			m := MustUser(t, ctx, a, "tech@example.com", aftersales.RoleAgent, &team.ID)
			if _, err := a.UpdateTeam(ctx, team.ID, team.Version, aftersales.TeamInput{Code: "north", Name: "北区", Strategy: aftersales.StrategyLeastLoad}); err != nil {
				t.Fatal(err)
			}
			if tk, err = b.CreateTicket(ctx, in); err != nil {
				t.Fatal(err)
			}
			if tk.AssigneeID == nil || *tk.AssigneeID != m.ID {
				t.Errorf("least load through b after a changed the team: assignee %v, want %d", tk.AssigneeID, m.ID)
			}
		})
	}
}
