package console

import "aftersales"

// ScopeLabel names a scope's value as the scope menus do ("华东区",
// "空调 KFR-35GW", "服务网点 徐汇站") instead of its id; a value no
// longer in the menus (a deleted unit) keeps its id, marked with #.
func (v *alertsView) ScopeLabel(dim aftersales.Dimension, value string) string {
	for _, o := range v.Options {
		if o.Dim == dim && o.Value == value {
			return o.Label
		}
	}
	return "#" + value
}
