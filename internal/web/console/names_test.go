package console_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestUnitAndTeamNamesByLanguage: English pages name units and teams in
// English where they have an English name and in Chinese where they do
// not; Chinese pages always in Chinese. The admin forms set and clear the
// English name, and refuse one too long naming the field.
func TestUnitAndTeamNamesByLanguage(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	ctx := app.Ctx
	reg, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "east", Name: "华东大区", NameEN: "East China Region"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "west", Name: "西部大区"}); err != nil {
		t.Fatal(err)
	}
	team, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "pd", Name: "浦东服务组", NameEN: "Pudong Service Team", ServiceUnitID: &reg.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "cmp", Name: "投诉处理组"}); err != nil {
		t.Fatal(err)
	}
	cust := testutil.MustCustomer(t, ctx, db, "张三")
	in := testutil.TicketInput(cust.ID, "空调不制冷")
	in.TeamID, in.ServiceUnitID = &team.ID, &reg.ID
	tk, err := db.CreateTicket(ctx, in)
	if err != nil {
		t.Fatal(err)
	}

	en := newBrowser(t, app, "en")
	en.login("admin@example.com", "admin-password-1")
	zh := newBrowser(t, app, "zh-CN")
	zh.login("admin@example.com", "admin-password-1")
	pages := []string{"/tickets", fmt.Sprintf("/tickets/%d", tk.ID), "/network", fmt.Sprintf("/network/teams/%d/edit", team.ID), "/dashboard"}
	for _, path := range pages {
		s, body := en.get(path)
		if s != 200 {
			t.Fatalf("en %s: %d", path, s)
		}
		edit := path == fmt.Sprintf("/network/teams/%d/edit", team.ID)
		if !strings.Contains(body, "Pudong Service Team") {
			t.Errorf("en %s: the English team name is missing", path)
		}
		if !edit && !strings.Contains(body, "投诉处理组") { // it has no English name
			t.Errorf("en %s: a team without an English name is missing", path)
		}
		if !edit && strings.Contains(body, "浦东服务组") {
			t.Errorf("en %s shows the Chinese team name", path) // the edit form holds it in its name field
		}
		s, body = zh.get(path)
		if s != 200 {
			t.Fatalf("zh %s: %d", path, s)
		}
		if !strings.Contains(body, "浦东服务组") {
			t.Errorf("zh %s: the Chinese team name is missing", path)
		}
		if !edit && strings.Contains(body, "Pudong Service Team") {
			t.Errorf("zh %s shows the English team name", path)
		}
	}
	for _, c := range []struct {
		b        *browser
		path     string
		want, no string
	}{
		{en, "/network", "East China Region", "华东大区"},
		{zh, "/network", "华东大区", "East China Region"},
		{en, "/tickets", "East China Region", "华东大区"},
		{en, "/network", "西部大区", ""},
	} {
		_, body := c.b.get(c.path)
		if !strings.Contains(body, c.want) || c.no != "" && strings.Contains(body, c.no) {
			t.Errorf("%s %s: want %q and not %q", c.b.lang, c.path, c.want, c.no)
		}
	}

	// The edit form sets the English name; an empty one clears it.
	form := url.Values{"version": {"1"}, "code": {"pd"}, "name": {"浦东服务组"}, "name_en": {"Pudong Team"}, "strategy": {"manual"}}
	if s, _, h := en.post(fmt.Sprintf("/network/teams/%d/edit", team.ID), form); s != 303 || h.Get("Location") != "/network?ok=saved" {
		t.Fatalf("team edit: %d %v", s, h)
	}
	if _, body := en.get(fmt.Sprintf("/tickets/%d", tk.ID)); !strings.Contains(body, "Pudong Team") {
		t.Error("the ticket page does not show the team's new English name")
	}
	form.Set("version", "2")
	form.Set("name_en", strings.Repeat("x", 101))
	if s, body, _ := en.post(fmt.Sprintf("/network/teams/%d/edit", team.ID), form); s != 422 || !strings.Contains(body, "must be at most 100 characters") {
		t.Fatalf("long English name: %d", s)
	}
	if s, body, _ := zh.post(fmt.Sprintf("/network/teams/%d/edit", team.ID), form); s != 422 || !strings.Contains(body, "最多 100 个字符") {
		t.Fatalf("long English name (zh): %d", s)
	}
	form.Set("name_en", "")
	if s, _, _ := en.post(fmt.Sprintf("/network/teams/%d/edit", team.ID), form); s != 303 {
		t.Fatalf("clearing the English name: %d", s)
	}
	if _, body := en.get("/network"); !strings.Contains(body, "浦东服务组") {
		t.Error("a team without an English name is not shown by its Chinese name on English pages")
	}
	uf := url.Values{"kind": {"region"}, "code": {"north"}, "name": {"华北大区"}, "name_en": {"North China Region"}}
	if s, _, _ := en.post("/network/units", uf); s != 303 {
		t.Fatalf("new unit: %d", s)
	}
	units, _ := db.ListServiceUnits(ctx)
	var found bool
	for _, u := range units {
		found = found || u.Code == "north" && u.NameEN == "North China Region"
	}
	if !found {
		t.Errorf("the new unit's English name was not stored: %+v", units)
	}
}
