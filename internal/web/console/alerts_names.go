package console

import (
	"fmt"

	"aftersales"
)

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

// ItemTitle is an improvement item's title in the page's language. An
// item an alert opened carries the title the store gave it ("fcr out of
// bounds for region 14"); that one is said again from the item's KPI and
// scope, by their names. A title a person wrote is shown as written.
func (p *Page) ItemTitle(it *aftersales.ImprovementItem, labels map[string]string) string {
	scope := "all tickets"
	if it.Dim != "" {
		scope = string(it.Dim) + " " + it.Value
	}
	if it.Source != "alert" || it.Title != fmt.Sprintf("%s out of bounds for %s", it.KPI, scope) {
		return it.Title
	}
	where := p.T("improve.all_tickets")
	if it.Dim != "" {
		where = labels[string(it.Dim)+":"+it.Value]
		if where == "" {
			where = p.T("dim."+string(it.Dim)) + " #" + it.Value
		}
	}
	return fmt.Sprintf(p.T("improve.alert_title"), p.T("kpi."+it.KPI), where)
}
