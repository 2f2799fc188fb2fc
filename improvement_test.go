package aftersales

import "testing"

func TestItemTransitions(t *testing.T) {
	allowed := map[[2]ItemStatus]bool{
		{ItemOpen, ItemAnalysing}: true, {ItemAnalysing, ItemPlanning}: true, {ItemPlanning, ItemImplementing}: true,
		{ItemImplementing, ItemVerifying}: true, {ItemVerifying, ItemAnalysing}: true, {ItemClosed, ItemReopened}: true,
		{ItemReopened, ItemAnalysing}: true, {ItemOpen, ItemClosed}: true, {ItemAnalysing, ItemClosed}: true,
		{ItemPlanning, ItemAnalysing}: true, {ItemImplementing, ItemPlanning}: true, {ItemVerifying, ItemImplementing}: true,
	}
	for _, from := range ItemStatuses {
		for _, to := range ItemStatuses {
			if got := CanItemTransition(from, to); got != allowed[[2]ItemStatus{from, to}] {
				t.Errorf("%s → %s: %v", from, to, got)
			}
		}
	}
	// Closing from verifying is the verdict's, never a person's.
	if CanItemTransition(ItemVerifying, ItemClosed) {
		t.Error("verifying → closed by hand")
	}
}

func TestItemRoleCheck(t *testing.T) {
	owner := int64(7)
	agent := &User{ID: 7, Role: RoleAgent}
	other := &User{ID: 8, Role: RoleTechnician}
	for _, c := range []struct {
		u       *User
		to      ItemStatus
		allowed bool
	}{
		{agent, ItemAnalysing, true}, {agent, ItemClosed, false}, {agent, ItemReopened, false},
		{other, ItemAnalysing, false}, {&User{ID: 9, Role: RoleQuality}, ItemClosed, true},
		{&User{ID: 9, Role: RoleSupervisor}, ItemReopened, true}, {nil, ItemAnalysing, false},
	} {
		if got := ItemRoleCheck(c.u, &owner, ItemOpen, c.to) == ""; got != c.allowed {
			t.Errorf("%+v → %s: allowed %v", c.u, c.to, got)
		}
	}
	if CanOverrideActions(RoleQuality) || !CanOverrideActions(RoleSupervisor) {
		t.Error("only supervisors and admins override open actions")
	}
}
