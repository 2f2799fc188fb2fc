package aftersales

import "testing"

// A new account's default role is the one holding the fewest
// permissions, and never admin.
func TestDefaultRoleIsLeastPrivileged(t *testing.T) {
	if DefaultRole == RoleAdmin || !DefaultRole.Valid() {
		t.Fatalf("DefaultRole = %q", DefaultRole)
	}
	for _, r := range Roles {
		if len(rolePerms[r]) < len(rolePerms[DefaultRole]) {
			t.Errorf("role %s holds %d permissions, fewer than the default %s's %d", r, len(rolePerms[r]), DefaultRole, len(rolePerms[DefaultRole]))
		}
	}
}
