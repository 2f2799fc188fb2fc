package sqlstore_test

import (
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

func TestRoutingOnCreate(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		reg, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "east", Name: "华东"})
		br, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "sh", Name: "上海分公司", ParentID: &reg.ID})
		ws, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitWorkstation, Code: "pd", Name: "浦东工作站", ParentID: &br.ID})
		lat, lng := 31.22, 121.54
		sp, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitServicePoint, Code: "pd1", Name: "浦东网点", ParentID: &ws.ID,
			Address: aftersales.Address{City: "上海", Lat: &lat, Lng: &lng}, Coverage: aftersales.Coverage{Cities: []string{"上海"}, RadiusKM: 30}})
		if err != nil || sp.Coverage.RadiusKM != 30 {
			t.Fatalf("unit = %+v, %v", sp, err)
		}
		team, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "pd", Name: "浦东组", ServiceUnitID: &ws.ID, Strategy: aftersales.StrategyLeastLoad, Capacity: 2})
		if err != nil || team.Strategy != aftersales.StrategyLeastLoad {
			t.Fatalf("team = %+v, %v", team, err)
		}
		l2, _ := db.CreateTeam(ctx, aftersales.TeamInput{Code: "l2", Name: "二线"})
		a := MustUser(t, ctx, db, "a@example.com", aftersales.RoleTechnician, &team.ID)
		b := MustUser(t, ctx, db, "b@example.com", aftersales.RoleTechnician, &team.ID)
		cu, _ := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "上海客户", Address: aftersales.Address{City: "上海"}})
		far, _ := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "广州客户", Address: aftersales.Address{City: "广州"}})

		var who []int64
		for range 4 {
			tk := MustTicket(t, ctx, db, cu.ID, "空调不制冷")
			if tk.ServiceUnitID == nil || *tk.ServiceUnitID != sp.ID || tk.TeamID == nil || *tk.TeamID != team.ID {
				t.Fatalf("routed to unit %v team %v", tk.ServiceUnitID, tk.TeamID)
			}
			if tk.AssigneeID == nil {
				who = append(who, 0)
			} else {
				who = append(who, *tk.AssigneeID)
				if tk.AssignCount != 1 {
					t.Errorf("assign_count = %d", tk.AssignCount)
				}
			}
		}
		// Least load alternates; capacity 2 each leaves the fifth unassigned.
		if who[0] != a.ID || who[1] != b.ID || who[2] != a.ID || who[3] != b.ID {
			t.Fatalf("assignees %v, want alternating %d %d", who, a.ID, b.ID)
		}
		tk := MustTicket(t, ctx, db, cu.ID, "第五单")
		if tk.AssigneeID != nil {
			t.Fatalf("capacity exceeded: assigned to %d", *tk.AssigneeID)
		}
		events, _ := db.Timeline(ctx, tk.ID)
		if !strings.Contains(events[1].Body, "nobody on shift with capacity") {
			t.Fatalf("routing explanation = %q", events[1].Body)
		}
		// Off shift: skipped even with capacity.
		if err := db.UpdateTeamCapacityForTest(ctx, team.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := db.SetAvailability(ctx, a.ID, false); err != nil {
			t.Fatal(err)
		}
		if tk := MustTicket(t, ctx, db, cu.ID, "x"); tk.AssigneeID == nil || *tk.AssigneeID != b.ID {
			t.Fatalf("unavailable member picked: %v", tk.AssigneeID)
		}
		// No coverage far away; a keyword rule; a person's choice is kept.
		if tk := MustTicket(t, ctx, db, far.ID, "x"); tk.ServiceUnitID != nil || tk.TeamID != nil {
			t.Fatalf("far customer routed to %v", tk.ServiceUnitID)
		}
		urgent := aftersales.UrgencyUrgent
		if _, err := db.CreateRoutingRule(ctx, aftersales.RoutingRule{Name: "燃气", Priority: 1, Active: true, Keywords: []string{"燃气味"},
			Action: aftersales.RoutingAction{TeamID: &l2.ID, Urgency: &urgent}}); err != nil {
			t.Fatal(err)
		}
		tk = MustTicket(t, ctx, db, cu.ID, "热水器有燃气味")
		if tk.TeamID == nil || *tk.TeamID != l2.ID || tk.Urgency != aftersales.UrgencyUrgent || *tk.ServiceUnitID != sp.ID {
			t.Fatalf("rule not applied: team %v urgency %s", tk.TeamID, tk.Urgency)
		}
		in := TicketInput(cu.ID, "指定师傅")
		in.AssigneeID = &a.ID
		if tk, _ := db.CreateTicket(ctx, in); *tk.AssigneeID != a.ID {
			t.Fatalf("manual choice overridden: %v", tk.AssigneeID)
		}
		d, err := db.DryRun(ctx, tk.ID)
		if err != nil || d.TeamID == nil || *d.TeamID != l2.ID || !strings.Contains(strings.Join(d.Reasons, ";"), `rule "燃气" matched`) {
			t.Fatalf("dry run = %+v, %v", d, err)
		}
		if _, err := db.CreateRoutingRule(ctx, aftersales.RoutingRule{Name: "empty", Active: true}); fieldsOf(err)["action"] == "" {
			t.Fatalf("rule without action: %v", err)
		}
		if _, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "z", Name: "z", Strategy: "random"}); fieldsOf(err)["strategy"] == "" {
			t.Fatalf("bad strategy: %v", err)
		}
	})
}
