package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

func TestUsersAndAuth(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		cat, _ := db.CreateCategory(ctx, aftersales.CategoryInput{Code: "tv", NameEN: "TV"})

		_, err := db.CreateUser(ctx, aftersales.UserInput{Email: "not-an-email", Name: "", Role: "boss", Password: "short",
			Skills: []aftersales.Skill{{CategoryID: cat.ID, Level: 9}}})
		f := fieldsOf(err)
		for _, k := range []string{"email", "name", "role", "password", "skills[0].level"} {
			if f[k] == "" {
				t.Errorf("field %s not named: %v", k, err)
			}
		}
		u, err := db.CreateUser(ctx, aftersales.UserInput{Email: " Tech@Example.com ", Name: "李师傅", Role: aftersales.RoleTechnician,
			Password: "password-123456", Skills: []aftersales.Skill{{CategoryID: cat.ID, Level: 4}}})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "tech@example.com" || len(u.Skills) != 1 || u.Skills[0].Level != 4 {
			t.Fatalf("user = %+v", u)
		}
		if _, err := db.CreateUser(ctx, aftersales.UserInput{Email: "tech@example.com", Name: "dup", Role: aftersales.RoleAgent, Password: "password-123456"}); aftersales.ErrorCode(err) != aftersales.ECONFLICT || fieldsOf(err)["email"] == "" {
			t.Fatalf("duplicate email err = %v", err)
		}
		if _, err := db.CreateUser(ctx, aftersales.UserInput{Email: "x@example.com", Name: "x", Role: aftersales.RoleAgent, Password: "password-123456", TeamID: Ptr(int64(99))}); fieldsOf(err)["team_id"] == "" {
			t.Fatalf("missing team err = %v", err)
		}

		// Only admins manage users.
		tctx := aftersales.NewContextWithUser(context.Background(), u)
		if _, err := db.CreateUser(tctx, aftersales.UserInput{Email: "y@example.com", Name: "y", Role: aftersales.RoleAdmin, Password: "password-123456"}); aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
			t.Fatalf("technician creating a user: err = %v", err)
		}
		if _, err := db.ListUsers(context.Background(), aftersales.UserFilter{}); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
			t.Fatalf("anonymous list: err = %v", err)
		}

		if _, err := db.Authenticate(ctx, "tech@example.com", "wrong-password"); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
			t.Fatalf("wrong password err = %v", err)
		}
		if _, err := db.Authenticate(ctx, "nobody@example.com", "password-123456"); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
			t.Fatalf("unknown email err = %v", err)
		}
		got, err := db.Authenticate(ctx, "TECH@example.com", "password-123456")
		if err != nil || got.ID != u.ID || got.LastLoginAt == nil {
			t.Fatalf("authenticate = %+v, %v", got, err)
		}

		s, err := db.CreateSession(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if su, err := db.UserBySession(ctx, s.Token); err != nil || su.ID != u.ID {
			t.Fatalf("session user = %v, %v", su, err)
		}
		clock.Advance(sqlstore.SessionTTL + time.Minute)
		if _, err := db.UserBySession(ctx, s.Token); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
			t.Fatalf("expired session err = %v", err)
		}

		tok, err := db.CreateToken(tctx, u.ID, "integration")
		if err != nil || tok.Secret == "" {
			t.Fatalf("token = %+v, %v", tok, err)
		}
		if tu, err := db.UserByToken(ctx, tok.Secret); err != nil || tu.ID != u.ID {
			t.Fatalf("token user = %v, %v", tu, err)
		}
		if _, err := db.CreateToken(tctx, 1, "for the admin"); aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
			t.Fatalf("token for another user err = %v", err)
		}
		if err := db.RevokeToken(tctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UserByToken(ctx, tok.Secret); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
			t.Fatalf("revoked token err = %v", err)
		}

		// Disabling a user ends their sessions.
		s2, _ := db.CreateSession(ctx, u.ID)
		if _, err := db.UpdateUser(ctx, u.ID, u.Version, aftersales.UserInput{Email: u.Email, Name: u.Name, Role: u.Role, Active: Ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UserBySession(ctx, s2.Token); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
			t.Fatalf("disabled user's session err = %v", err)
		}
		if _, err := db.UpdateUser(ctx, u.ID, u.Version, aftersales.UserInput{Email: u.Email, Name: "stale", Role: u.Role}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Fatalf("stale user update err = %v", err)
		}
	})
}

func TestServiceNetwork(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		region, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "east", Name: "华东大区"})
		if err != nil {
			t.Fatal(err)
		}
		branch, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "sh", Name: "上海分公司", ParentID: &region.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitServicePoint, Code: "pd-1", Name: "浦东网点", ParentID: &branch.ID})
		if r := fieldsOf(err)["parent_id"]; r != "a service_point must sit under a workstation, not a branch" {
			t.Fatalf("skipping a level: err = %v", err)
		}
		_, err = db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "orphan", Name: "x"})
		if fieldsOf(err)["parent_id"] == "" {
			t.Fatalf("branch without parent: err = %v", err)
		}
		ws, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitWorkstation, Code: "pd", Name: "浦东工作站", ParentID: &branch.ID})
		if err != nil {
			t.Fatal(err)
		}
		lat, lng := 31.22, 121.54
		sp, err := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitServicePoint, Code: "pd-1", Name: "浦东网点", ParentID: &ws.ID,
			Address: aftersales.Address{City: "上海", Lat: &lat, Lng: &lng}})
		if err != nil || *sp.Address.Lat != lat {
			t.Fatalf("service point = %+v, %v", sp, err)
		}
		units, _ := db.ListServiceUnits(ctx)
		if len(units) != 4 || units[0].Kind != aftersales.UnitRegion || units[3].Kind != aftersales.UnitServicePoint {
			t.Fatalf("units = %+v", units)
		}
		dept, err := db.CreateDepartment(ctx, aftersales.Department{Code: "qa", Kind: aftersales.DeptQuality, NameZH: "质量部"})
		if err != nil {
			t.Fatal(err)
		}
		team, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "pd-team", Name: "浦东组", ServiceUnitID: &sp.ID, DepartmentID: &dept.ID})
		if err != nil {
			t.Fatal(err)
		}
		MustUser(t, ctx, db, "a@example.com", aftersales.RoleTechnician, &team.ID)
		teams, _ := db.ListTeams(ctx)
		if len(teams) != 1 || teams[0].Members != 1 {
			t.Fatalf("teams = %+v", teams)
		}
	})
}

// TestPasswordChangeEndsSessions: a new password signs the user out of
// every session (re-login with the new password); other edits keep them.
func TestPasswordChangeEndsSessions(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, admin := Admin(t, db)
		u := MustUser(t, ctx, db, "wang@example.com", aftersales.RoleAgent, nil)
		own, _ := db.CreateSession(ctx, u.ID)
		other, _ := db.CreateSession(ctx, u.ID)
		adminSession, _ := db.CreateSession(ctx, admin.ID)
		in := aftersales.UserInput{Email: u.Email, Name: "王五", Role: u.Role}
		u, err := db.UpdateUser(ctx, u.ID, u.Version, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []*aftersales.Session{own, other} {
			if _, err := db.UserBySession(ctx, s.Token); err != nil {
				t.Fatalf("a rename ended a session: %v", err)
			}
		}
		in.Password = "a-brand-new-password"
		if _, err := db.UpdateUser(ctx, u.ID, u.Version, in); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*aftersales.Session{own, other} {
			if _, err := db.UserBySession(ctx, s.Token); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
				t.Fatalf("session after a password change: err = %v, want EUNAUTHORIZED", err)
			}
		}
		if _, err := db.UserBySession(ctx, adminSession.Token); err != nil {
			t.Fatalf("another user's session ended: %v", err)
		}
		if _, err := db.Authenticate(ctx, u.Email, "password-123456"); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
			t.Fatalf("old password still works: %v", err)
		}
		if _, err := db.Authenticate(ctx, u.Email, in.Password); err != nil {
			t.Fatalf("new password: %v", err)
		}
	})
}
