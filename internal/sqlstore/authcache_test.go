package sqlstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	. "aftersales/internal/testutil"
)

// TestTokenAuthAcrossInstances: instance b authenticates API tokens from
// its memory; what is changed through instance a — the owner's role,
// skills and account, the token's revocation — counts at b's very next
// request, with no wait. Recording a token's use does not empty the cache.
func TestTokenAuthAcrossInstances(t *testing.T) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
			a, b := twoInstances(t, e, clock)
			ctx, _ := Admin(t, a)
			agent := MustUser(t, ctx, a, "agent@example.com", aftersales.RoleAgent, nil)
			other := MustUser(t, ctx, a, "other@example.com", aftersales.RoleAgent, nil)
			tok, err := a.CreateToken(ctx, agent.ID, "bench")
			if err != nil {
				t.Fatal(err)
			}
			keep, err := a.CreateToken(ctx, other.ID, "keep")
			if err != nil {
				t.Fatal(err)
			}
			who := func(secret string) (*aftersales.User, error) {
				t.Helper()
				return b.UserByToken(ctx, secret)
			}
			for range 3 { // cached after the first
				u, err := who(tok.Secret)
				if err != nil {
					t.Fatal(err)
				}
				if u.ID != agent.ID || u.Role != aftersales.RoleAgent {
					t.Fatalf("token's user %d %s, want %d agent", u.ID, u.Role, agent.ID)
				}
			}
			if _, err := who(keep.Secret); err != nil {
				t.Fatal(err)
			}
			// A use recorded a minute later is not a change.
			clock.Advance(2 * time.Minute)
			if _, err := who(tok.Secret); err != nil {
				t.Fatal(err)
			}

			cat, err := a.CreateCategory(ctx, aftersales.CategoryInput{Code: "ac", NameZH: "空调", NameEN: "Air conditioner"})
			if err != nil {
				t.Fatal(err)
			}
			in := aftersales.UserInput{Email: agent.Email, Name: agent.Name, Role: aftersales.RoleSupervisor,
				Skills: []aftersales.Skill{{CategoryID: cat.ID, Level: 4}}}
			if _, err := a.UpdateUser(ctx, agent.ID, agent.Version, in); err != nil {
				t.Fatal(err)
			}
			u, err := who(tok.Secret)
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != aftersales.RoleSupervisor {
				t.Errorf("role after a changed it: %s through b, want supervisor", u.Role)
			}
			if diff := cmp.Diff([]aftersales.Skill{{CategoryID: cat.ID, Level: 4}}, u.Skills); diff != "" {
				t.Errorf("skills after a changed them, through b (-want +got):\n%s", diff)
			}
			// A caller changing its copy changes nobody else's.
			u.Role = aftersales.RoleAdmin
			if u, _ := who(tok.Secret); u.Role != aftersales.RoleSupervisor {
				t.Errorf("role after a caller changed its copy: %s", u.Role)
			}

			if err := a.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := who(tok.Secret); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
				t.Errorf("revoked through a: b answers %v, want EUNAUTHORIZED", err)
			}
			if _, err := who(keep.Secret); err != nil {
				t.Errorf("another token after a revocation: %v", err)
			}

			cur, err := a.FindUser(ctx, other.ID)
			if err != nil {
				t.Fatal(err)
			}
			off := false
			if _, err := a.UpdateUser(ctx, other.ID, cur.Version, aftersales.UserInput{Email: other.Email, Name: other.Name, Role: other.Role, Active: &off}); err != nil {
				t.Fatal(err)
			}
			if _, err := who(keep.Secret); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
				t.Errorf("owner disabled through a: b answers %v, want EUNAUTHORIZED", err)
			}
			if _, err := who("ast_no-such-token"); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
				t.Errorf("unknown token: %v, want EUNAUTHORIZED", err)
			}
			var used int64
			if n := b.CountForTest(ctx, `SELECT count(*) FROM api_tokens WHERE last_used_at IS NOT NULL`); n != 2 {
				t.Errorf("%d tokens with their use recorded, want 2", n)
			}
			used = b.CountForTest(ctx, `SELECT last_used_at FROM api_tokens WHERE id = $1`, tok.ID)
			if diff := cmp.Diff(clock.Now().UnixMilli(), used); diff != "" {
				t.Errorf("token's last use (-want +got):\n%s", diff)
			}
		})
	}
}
