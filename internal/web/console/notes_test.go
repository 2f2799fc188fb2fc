package console

import (
	"regexp"
	"testing"

	"aftersales"
)

// TestSystemNotes: the English notes the store writes into the timeline
// (routing reasons, SLA deadlines, warnings, escalations) read in the
// page's language; text nobody recognises stays as written.
func TestSystemNotes(t *testing.T) {
	c := loadCatalog(t)
	tests := []struct{ body, zh, en string }{
		{`rule "上海 \"VIP\"" matched; team 华东一组 serves that unit; assigned to 王师傅: least load (3)`,
			`规则“上海 "VIP"”匹配；班组 华东一组 负责该网点；派给 王师傅：负荷最低（3）`,
			`rule “上海 "VIP"” matched; team 华东一组 serves that unit; assigned to 王师傅: least load (3)`},
		{"kept the choices made by hand; service point 徐汇站: 2.5 km away, within its 10 km radius",
			"保留了人工选择；服务网点 徐汇站：距离 2.5 公里，在其 10 公里服务半径内",
			"kept the choices made by hand; service point 徐汇站: 2.5 km away, within its 10 km radius"},
		{"service point 徐汇站: postcode 200030; team 一组 has nobody on shift with capacity left; left unassigned",
			"服务网点 徐汇站：邮编 200030；班组 一组 没有在班且有余量的人员；暂未派给个人",
			"service point 徐汇站: postcode 200030; team 一组 has nobody on shift with capacity left; left unassigned"},
		{"service point 徐汇站: city 上海; assigned to 李四: next in turn", "服务网点 徐汇站：城市 上海；派给 李四：轮到此人",
			"service point 徐汇站: city 上海; assigned to 李四: next in turn"},
		{"assigned to 李四: skill level 3 for the category, load 2", "派给 李四：该分类技能等级 3，负荷 2",
			"assigned to 李四: skill level 3 for the category, load 2"},
		{"no service point covers the customer's location", "没有服务网点覆盖客户所在地", "no service point covers the customer's location"},
		{"no rule matched and no coverage applies", "没有匹配的规则，也没有适用的服务范围", "no rule matched and no coverage applies"},
		{"SLA escalation", "SLA 升级", "SLA escalation"},
		{"first response due 2026-07-01 10:00; resolution due 2026-07-02 18:00", "首次响应截止 2026-07-01 10:00；解决截止 2026-07-02 18:00",
			"first response due 2026-07-01 10:00; resolution due 2026-07-02 18:00"},
		{"首次响应 first response: 80% of 120 min used at 2026-07-01 09:36", "首次响应：已用 80%（时限 120 分钟），时间 2026-07-01 09:36",
			"First response: 80% of 120 min used at 2026-07-01 09:36"},
		{"解决 resolution breached; level 2, 30 min after the deadline; handed to team 7", "解决已超时；第 2 级，超时 30 分钟后；转交班组 7",
			"Resolution breached; level 2, 30 min after the deadline; handed to team 7"},
		{"merged into AS202612-000007", "已合并到 AS202612-000007", "merged into AS202612-000007"},
		{"merged into AS202612-000007: 同一故障", "已合并到 AS202612-000007：同一故障", "merged into AS202612-000007: 同一故障"},
		{"客户说明天上午在家", "客户说明天上午在家", "客户说明天上午在家"},
		{"", "", ""},
	}
	for _, tc := range tests {
		if got := c.systemNote("zh-CN", tc.body); got != tc.zh {
			t.Errorf("zh-CN %q:\n got %q\nwant %q", tc.body, got, tc.zh)
		}
		if got := c.systemNote("en", tc.body); got != tc.en {
			t.Errorf("en %q:\n got %q\nwant %q", tc.body, got, tc.en)
		}
	}
}

// TestEventBody: only what the system wrote is translated; a person's
// note on a status change or assignment is shown as typed.
func TestEventBody(t *testing.T) {
	p := &Page{Lang: "zh-CN", cat: loadCatalog(t)}
	me := int64(3)
	tests := []struct {
		e    aftersales.TicketEvent
		want string
	}{
		{aftersales.TicketEvent{Kind: aftersales.EventAssigned, Field: "routing", Body: "team 一组 serves that unit"}, "班组 一组 负责该网点"},
		{aftersales.TicketEvent{Kind: aftersales.EventAssigned, Field: "team_id", Body: "SLA escalation"}, "SLA 升级"},
		{aftersales.TicketEvent{Kind: "sla_changed", ActorID: &me, Body: "resolution due 2026-07-02 18:00"}, "解决截止 2026-07-02 18:00"},
		{aftersales.TicketEvent{Kind: aftersales.EventNote, Body: "SLA escalation"}, "SLA escalation"},
		{aftersales.TicketEvent{Kind: aftersales.EventAssigned, ActorID: &me, Field: "team_id", Body: "SLA escalation"}, "SLA escalation"},
	}
	for _, tc := range tests {
		if got := p.EventBody(&tc.e); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.e, got, tc.want)
		}
	}
}

// TestItemVerificationReason: a verification's English reason in an
// item's history reads as its catalog reason; a person's note stays.
func TestItemVerificationReason(t *testing.T) {
	p := &Page{Lang: "zh-CN", cat: loadCatalog(t)}
	v := &itemView{}
	tests := []struct{ kind, body, key string }{
		{"verification", "too little data to conclude: 19 before and 11 after; each window needs at least 30 (and 10 events and non-events for a rate)", "vreason.too_small"},
		{"verification", "nothing to test: every value of fcr is the same in both windows (and groups), so there is no change and no variance", "vreason.no_variance"},
		{"verification", "no variance to test against: every value of fcr is the same within each window (and group); the change is +0.1, but a test needs variation, so no verdict is drawn", "vreason.no_variance"},
		{"verification", "arrival_median moved the wrong way: the after window ranks higher (Hodges-Lehmann shift +12)", "vreason.wrong_direction"},
		{"verification", "the change -0.02 is not statistically significant (p = 0.4 ≥ 0.05)", "vreason.not_significant"},
		{"verification", "the improvement is significant (p = 0.001) but fcr after is 0.81, short of the target 0.85", "vreason.short_of_target"},
		{"status", "arrival_median went from 3225 to 2149 (change -1076, 95% CI -1100 to -1050, p = 7.8e-28)", "vreason.effective"},
	}
	for _, tc := range tests {
		if got, want := v.EventBody(p, &aftersales.ItemEvent{Kind: tc.kind, Body: tc.body}), p.T(tc.key); got != want {
			t.Errorf("%q: got %q, want %q", tc.body, got, want)
		}
	}
	if got := v.EventBody(p, &aftersales.ItemEvent{Kind: "comment", Body: "fcr went from bad to worse"}); got != "fcr went from bad to worse" {
		t.Errorf("a comment was rewritten: %q", got)
	}
}

func TestFieldReason(t *testing.T) {
	c := loadCatalog(t)
	tests := []struct{ reason, zh string }{
		{"is required", "必填"},
		{"must be one of phone, email", "必须是以下之一：phone, email"},
		{"must be at most 200 characters", "最多 200 个字符"},
		{"must be between 0 and 525600", "必须在 0 到 525600 之间"},
		{"must not be negative", "不能为负数"},
		{"must be a date, YYYY-MM-DD", "必须是日期，格式 YYYY-MM-DD"},
		{"is stale", "已被他人修改，请刷新后重试"},
		{"must be lower-case letters, digits, '-' or '_'", "只能包含小写字母、数字、“-”或“_”"},
		{"a reason nobody wrote", "a reason nobody wrote"},
	}
	for _, tc := range tests {
		if got := c.fieldReason("zh-CN", tc.reason); got != tc.zh {
			t.Errorf("zh-CN %q: got %q, want %q", tc.reason, got, tc.zh)
		}
		if got := c.fieldReason("en", tc.reason); got != tc.reason {
			t.Errorf("en %q: got %q", tc.reason, got)
		}
	}
}

// TestNotificationTexts: the titles and SLA bodies the system writes read
// in the page's language; what a person wrote stays.
func TestNotificationTexts(t *testing.T) {
	p := &Page{Lang: "zh-CN", cat: loadCatalog(t)}
	tests := []struct {
		n                aftersales.Notification
		wantTitle, wantB string
	}{
		{aftersales.Notification{Kind: "sla_warning", Title: "SLA 预警 warning: T-1 80%", Body: "首次响应 first response: 80% of 120 min used at 2026-07-01 09:36"},
			"SLA 预警：T-1 已用 80%", "首次响应：已用 80%（时限 120 分钟），时间 2026-07-01 09:36"},
		{aftersales.Notification{Kind: "sla_escalation", Title: "SLA 升级 escalation L2: T-1", Body: "解决 resolution breached; level 2, 30 min after the deadline"},
			"SLA 第 2 级升级：T-1", "解决已超时；第 2 级，超时 30 分钟后"},
		{aftersales.Notification{Kind: "improvement.status", Title: "IMP-3: open → analysing", Body: "先查数据"},
			"IMP-3：待处理 → 原因分析", "先查数据"},
		{aftersales.Notification{Kind: "improvement.assigned", Title: "You own an improvement item: 上门迟到", Body: "描述"},
			"您负责的待改善项：上门迟到", "描述"},
		{aftersales.Notification{Kind: "improvement.overdue", Title: "IMP-3: action overdue since 2026-07-01", Body: "描述"},
			"IMP-3：措施自 2026-07-01 起逾期", "描述"},
		{aftersales.Notification{Kind: "automation", Title: "VIP rule: T-1", Body: "call back today"}, "VIP rule: T-1", "call back today"},
	}
	for _, tc := range tests {
		if got := p.NotificationTitle(&tc.n); got != tc.wantTitle {
			t.Errorf("title %q: got %q, want %q", tc.n.Title, got, tc.wantTitle)
		}
		if got := p.NotificationBody(&tc.n); got != tc.wantB {
			t.Errorf("body %q: got %q, want %q", tc.n.Body, got, tc.wantB)
		}
	}
}

func TestFieldChange(t *testing.T) {
	p := &Page{Lang: "zh-CN", cat: loadCatalog(t)}
	if got := p.FieldName("urgency") + " " + p.FieldValue("urgency", "normal") + " → " + p.FieldValue("urgency", "high"); got != "紧急程度 一般 → 紧急" {
		t.Errorf("got %q", got)
	}
	if got := p.FieldName("煤气表号") + " " + p.FieldValue("煤气表号", "high"); got != "煤气表号 high" {
		t.Errorf("a custom field: got %q", got)
	}
}

// TestCaseEffect: a case whose effect is the verification's sentence
// reads in the page's language, its numbers in the KPI's unit (they were
// bare: "从 3225 变为 2149" minutes, "从 62.5 变为 71.3" percent); a
// written effect stays.
func TestCaseEffect(t *testing.T) {
	for _, tc := range []struct{ lang, in, want string }{
		{"zh-CN", "arrival_median went from 3225 to 2149 (change -1076, 95% CI -1100 to -1050, p = 7.8e-28)",
			"{arrival_median} 从 2.2 天 变为 1.5 天（变化 -0.7 天，95% 置信区间 -0.8 天 至 -0.7 天，p = 7.8e-28）"},
		{"zh-CN", "arrival_median went from 3225 to 2149: the after window ranks lower (p = 7.8e-28); Hodges-Lehmann shift -1076, 95% CI -1100 to -1050, meeting the target 2400",
			"{arrival_median} 从 2.2 天 变为 1.5 天：改善后窗口的秩更低（p = 7.8e-28）；Hodges-Lehmann 位移 -0.7 天，95% 置信区间 -0.8 天 至 -0.7 天，达到目标 1.7 天"},
		{"zh-CN", "fcr went from 62.5 to 71.3 (change +8.8, 95% CI 5.1 to 12.4, p = 0.0001), meeting the target 70",
			"{fcr} 从 62.5% 变为 71.3%（变化 +8.8 个百分点，95% 置信区间 +5.1 个百分点 至 +12.4 个百分点，p = 0.0001），达到目标 70.0%"},
		{"en", "frt_median went from 95 to 40 (change -55, 95% CI -60 to -50, p = 0.001)",
			"{frt_median} went from 95 min to 40 min (change -55 min, 95% CI -60 min to -50 min, p = 0.001)"},
		{"en", "cost_per_ticket went from 120.5 to 98 (change -22.5, 95% CI -30 to -15, p = 0.01)",
			"{cost_per_ticket} went from ¥120.50 to ¥98.00 (change −¥22.50, 95% CI −¥30.00 to −¥15.00, p = 0.01)"},
		{"zh-CN", "上门时长从 54 小时降到 36 小时", "上门时长从 54 小时降到 36 小时"},
	} {
		p := &Page{Lang: tc.lang, cat: loadCatalog(t)}
		want := regexp.MustCompile(`\{([a-z_]+)\}`).ReplaceAllStringFunc(tc.want, func(k string) string { return p.T("kpi." + k[1:len(k)-1]) })
		if got := p.CaseEffect(tc.in); got != want {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, want)
		}
	}
}

func TestCaseRootCause(t *testing.T) {
	p := &Page{Lang: "zh-CN", cat: loadCatalog(t)}
	v := &casesView{Codes: []*aftersales.RootCauseCode{{Code: "method.no_route_planning", Category: "method", NameZH: "没有路线规划", NameEN: "No route planning"}}}
	got := v.RootCause(p, "为什么迟到？ → 路线绕远\n[method.no_route_planning]\n[man.unknown_code]")
	want := "为什么迟到？ → 路线绕远\n[" + p.T("cause.method") + " · 没有路线规划]\n[man.unknown_code]"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestFieldEventReordered: a reordered visit's timeline line is worded in
// the page's language, its late risk included.
func TestFieldEventReordered(t *testing.T) {
	for lang, want := range map[string]string{"zh-CN": "#1 调整为第 3 迟到风险 180 分钟", "en": "#1 moved to place 3 late risk 180 min"} {
		p := &Page{Lang: lang, cat: loadCatalog(t)}
		if got := p.FieldEvent("visit", "#1 reordered 3 late_risk 180 min"); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}
