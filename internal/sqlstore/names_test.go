package sqlstore_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestNamesEN: a unit's and a team's English name round-trips through
// create, update and list; a ticket carries its team's English name on
// every read; KPI labels by team and by region follow the locale; a name
// too long is refused naming its field.
func TestNamesEN(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		region, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "east", Name: "华东大区", NameEN: " East China Region "})
		if err != nil {
			t.Fatal(err)
		}
		if region.NameEN != "East China Region" {
			t.Fatalf("created unit name_en = %q", region.NameEN)
		}
		region, err = db.UpdateServiceUnit(ctx, region.ID, region.Version, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "east", Name: "华东大区", NameEN: "East China"})
		if err != nil || region.NameEN != "East China" {
			t.Fatalf("updated unit = %+v, %v", region, err)
		}
		plain, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "north", Name: "华北大区"})
		if err != nil || plain.NameEN != "" {
			t.Fatalf("unit without an English name = %+v, %v", plain, err)
		}
		units, err := db.ListServiceUnits(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, u := range units {
			got[u.Code] = u.LocalName("en") + "|" + u.LocalName("zh-CN")
		}
		if got["east"] != "East China|华东大区" || got["north"] != "华北大区|华北大区" {
			t.Fatalf("listed unit names = %v", got)
		}

		team, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "pd", Name: "浦东服务组", NameEN: "Pudong Service Team", ServiceUnitID: &region.ID})
		if err != nil || team.NameEN != "Pudong Service Team" {
			t.Fatalf("team = %+v, %v", team, err)
		}
		cust := MustCustomer(t, ctx, db, "张三")
		in := TicketInput(cust.ID, "空调不制冷")
		in.TeamID, in.ServiceUnitID = &team.ID, &region.ID
		tk, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if tk.TeamName != "浦东服务组" || tk.TeamNameEN != "Pudong Service Team" {
			t.Fatalf("created ticket team names = %q, %q", tk.TeamName, tk.TeamNameEN)
		}
		team, err = db.UpdateTeam(ctx, team.ID, team.Version, aftersales.TeamInput{Code: "pd", Name: "浦东服务组", NameEN: "Pudong Team", ServiceUnitID: &region.ID})
		if err != nil || team.NameEN != "Pudong Team" {
			t.Fatalf("updated team = %+v, %v", team, err)
		}

		teams, err := db.ListTeams(ctx)
		if err != nil || len(teams) != 1 || teams[0].NameEN != "Pudong Team" {
			t.Fatalf("teams = %+v, %v", teams, err)
		}
		found, err := db.FindTicket(ctx, tk.ID)
		if err != nil || found.TeamNameEN != "Pudong Team" {
			t.Fatalf("found ticket = %+v, %v", found, err)
		}

		// KPI labels by team and by region, in each language.
		from := tk.CreatedAt.In(db.Zone).AddDate(0, 0, -7)
		to := from.AddDate(0, 0, 14)
		for _, c := range []struct {
			by     aftersales.Dimension
			locale string
			key    int64
			want   string
		}{
			{aftersales.DimTeam, "en", team.ID, "Pudong Team"},
			{aftersales.DimTeam, "zh-CN", team.ID, "浦东服务组"},
			{aftersales.DimRegion, "en", region.ID, "East China"},
			{aftersales.DimRegion, "zh-CN", region.ID, "华东大区"},
		} {
			r := metric(t, ctx, db, aftersales.MetricQuery{KPI: "created", From: from, To: to, By: c.by, Locale: c.locale})
			labels := map[string]string{}
			for _, p := range r.Points {
				labels[p.Key] = p.Label
			}
			key := strconv.FormatInt(c.key, 10)
			if l, ok := labels[key]; !ok || l != c.want {
				t.Errorf("%s label in %s = %q (present %v), want %q; all %v", c.by, c.locale, l, ok, c.want, labels)
			}
		}

		long := strings.Repeat("名", aftersales.MaxNameLen+1)
		_, err = db.CreateTeam(ctx, aftersales.TeamInput{Code: "long", Name: "长名组", NameEN: long})
		if r := fieldsOf(err)["name_en"]; r != "must be at most 100 characters" {
			t.Errorf("team with a long English name: err = %v", err)
		}
		_, err = db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "long", Name: long})
		if r := fieldsOf(err)["name"]; r != "must be at most 100 characters" {
			t.Errorf("unit with a long name: err = %v", err)
		}
		_, err = db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "ok", Name: "华南大区", NameEN: strings.Repeat("x", aftersales.MaxNameLen)})
		if err != nil {
			t.Errorf("unit with a 100-character English name: %v", err)
		}
	})
}

// TestTeamNameENAcrossInstances: a ticket written through another
// instance names its team by the English name set through the first, not
// by the one its cached configuration held (the config stamp follows
// name_en, migration 0056).
func TestTeamNameENAcrossInstances(t *testing.T) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			a, b := twoInstances(t, e, NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)))
			ctx, _ := Admin(t, a)
			c := MustCustomer(t, ctx, a, "客户")
			team, err := a.CreateTeam(ctx, aftersales.TeamInput{Code: "pd", Name: "浦东服务组", NameEN: "Pudong Service Team"})
			if err != nil {
				t.Fatal(err)
			}
			in := TicketInput(c.ID, "空调不制冷")
			in.TeamID = &team.ID
			if tk, err := b.CreateTicket(ctx, in); err != nil || tk.TeamNameEN != "Pudong Service Team" {
				t.Fatalf("first ticket: %+v, %v", tk, err)
			}
			if _, err := a.UpdateTeam(ctx, team.ID, team.Version, aftersales.TeamInput{Code: "pd", Name: "浦东服务组", NameEN: "Pudong Team"}); err != nil {
				t.Fatal(err)
			}
			if tk, err := b.CreateTicket(ctx, in); err != nil || tk.TeamNameEN != "Pudong Team" {
				t.Errorf("a ticket written through b after a changed the English name: team_name_en %q, %v", tk.TeamNameEN, err)
			}
		})
	}
}
