package field

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"aftersales"
)

func TestPickChecklist(t *testing.T) {
	cat := func(n int64) *int64 { return &n }
	lists := []*aftersales.Checklist{
		{ID: 1, Name: "any"},
		{ID: 2, Name: "repair", Nature: aftersales.NatureRepair},
		{ID: 3, Name: "aircon", CategoryID: cat(7)},
		{ID: 4, Name: "aircon install", CategoryID: cat(7), Nature: aftersales.NatureInstallation},
	}
	tests := []struct {
		name     string
		category *int64
		nature   aftersales.Nature
		want     string
	}{
		{"nothing specific", nil, aftersales.NatureComplaint, "any"},
		{"nature only", nil, aftersales.NatureRepair, "repair"},
		{"category beats nature", cat(7), aftersales.NatureRepair, "aircon"},
		{"category and nature", cat(7), aftersales.NatureInstallation, "aircon install"},
		{"other category", cat(8), aftersales.NatureInstallation, "any"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PickChecklist(lists, tt.category, tt.nature)
			if got == nil || got.Name != tt.want {
				t.Fatalf("got %+v, want %s", got, tt.want)
			}
		})
	}
	if got := PickChecklist(lists[1:], nil, aftersales.NatureComplaint); got != nil {
		t.Errorf("no global list: got %+v, want none", got)
	}
}

func TestChecks(t *testing.T) {
	c := &aftersales.Checklist{Items: []aftersales.ChecklistItem{{Pos: 1, Label: "出示工作证", Required: true}, {Pos: 2, Label: "穿鞋套", Required: true}, {Pos: 3, Label: "清理现场"}}}
	got, bad := Checks(c, []int{1, 2})
	want := []aftersales.VisitCheck{{Pos: 1, Label: "出示工作证", Required: true, Done: true}, {Pos: 2, Label: "穿鞋套", Required: true, Done: true},
		{Pos: 3, Label: "清理现场"}}
	if bad != 0 || !cmp.Equal(got, want) {
		t.Errorf("Checks = %v %d; diff %s", got, bad, cmp.Diff(want, got))
	}
	if !aftersales.Compliant(got) {
		t.Error("every required item done: not compliant")
	}
	got, _ = Checks(c, []int{1, 3})
	if aftersales.Compliant(got) {
		t.Error("a required item undone: compliant")
	}
	if _, bad := Checks(c, []int{1, 9}); bad != 9 {
		t.Errorf("unknown position: bad = %d, want 9", bad)
	}
}
