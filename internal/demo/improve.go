package demo

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"aftersales"
)

// improvements opens the demo's improvement items, one in each part of
// the loop: the south-west's slow on-site visits, whose fix landed four
// months ago (history.go) and whose effect is verified on the generated
// data; a lemon model being fixed; a cluster of late-arrival complaints
// under analysis and past its target date; and a fresh audit finding.
func (g *gen) improvements(w *world, b *aftersales.Bulk) error {
	s := g.s.Improve
	if s == nil || len(w.quality) < 2 || len(w.supervisor) == 0 || len(w.techs) == 0 {
		return nil
	}
	ctx, loc := g.ctx, g.opt.Zone
	day := func(t time.Time) string { return t.In(loc).Format(time.DateOnly) }
	today := g.ends.In(loc)
	move := func(it *aftersales.ImprovementItem, to ...aftersales.ItemStatus) (*aftersales.ImprovementItem, error) {
		for _, st := range to {
			d, err := s.ImprovementItem(ctx, it.ID)
			if err != nil {
				return nil, err
			}
			next, err := s.TransitionItem(ctx, it.ID, d.Version, st, "", false)
			if err != nil {
				return nil, fmt.Errorf("%s → %s: %w", it.Number, st, err)
			}
			it = next
		}
		return it, nil
	}

	// 1. The south-west: arrival on site took far longer than elsewhere.
	sw := strconv.FormatInt(w.regions["southwest"], 10)
	beforeFrom, beforeTo := g.fixAt.AddDate(0, -5, 0), g.fixAt
	afterFrom := g.fixAt.AddDate(0, 0, 14)
	afterTo := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	in := aftersales.ItemInput{Title: "西南大区上门时长过长", Source: aftersales.SourceComplaints, KPI: "arrival_median",
		Dim: aftersales.DimRegion, Value: sw, Severity: "high", OwnerID: &w.quality[0].ID, Department: "after_sales",
		Description: "成都、重庆两个工作站从报修到技师上门的时间明显长于其他大区，上门迟到投诉集中在这两地。",
		TargetDate:  day(afterTo.AddDate(0, 1, 0)), Watchers: []int64{w.supervisor[0].ID}}
	if res, err := g.s.Metrics.Metric(ctx, aftersales.MetricQuery{KPI: "arrival_median", From: beforeFrom, To: beforeTo,
		Filter: aftersales.DimRegion, Value: sw}); err == nil && res.Total.Value != nil {
		base := *res.Total.Value
		target := base * 0.75 // cut by a quarter
		in.Baseline, in.Target = &base, &target
	}
	it, err := s.CreateItem(ctx, in)
	if err != nil {
		return err
	}
	if it, err = move(it, aftersales.ItemAnalysing); err != nil {
		return err
	}
	if err := s.SetWhys(ctx, it.ID, []aftersales.WhyStep{
		{Question: "为什么西南大区上门慢？", Answer: "技师每天在路上的时间比其他大区多一倍", Evidence: "派工单上门时间与技师行程记录"},
		{Question: "为什么路上时间多？", Answer: "一天的上门顺序按接单先后排，来回折返"},
		{Question: "为什么按接单先后排？", Answer: "调度员手工排线路，山城地址难以估算距离"},
		{Question: "为什么手工排？", Answer: "没有路线规划工具"},
	}); err != nil {
		return err
	}
	if err := s.SetRootCause(ctx, it.ID, "method.no_route_planning", "调度靠手工排线路，没有路线规划工具；配件也需从华南调拨"); err != nil {
		return err
	}
	for _, c := range []*aftersales.Cause{
		{Category: "method", Text: "没有路线规划，上门顺序来回折返", Status: "verified", Evidence: "抽查 40 张派工单的行程"},
		{Category: "material", Text: "区域没有备件库，配件从广州调拨", Status: "verified", Evidence: "等配件平均 4.3 天，其他大区 2.5 天"},
		{Category: "man", Text: "新技师对片区不熟", Status: "suspected"},
		{Category: "environment", Text: "山区路远、雨季交通", Status: "ruled_out", Evidence: "雨季与旱季的上门时长无显著差别"},
	} {
		if err := s.SaveCause(ctx, it.ID, c); err != nil {
			return err
		}
	}
	if it, err = move(it, aftersales.ItemPlanning); err != nil {
		return err
	}
	plan := []aftersales.ActionInput{
		{Description: "上线路线规划工具，按位置排一天的上门顺序", OwnerID: w.quality[0].ID, Start: day(g.fixAt.AddDate(0, -2, 0)), Due: day(g.fixAt),
			Budget: ptr(60000.0), Resources: "IT 两人、调度员两人", Status: "done", Evidence: "工具于改善生效日上线，两个工作站全部使用"},
		{Description: "在成都设立西南备件库，常用配件本地备货", OwnerID: w.supervisor[0].ID, Start: day(g.fixAt.AddDate(0, -2, 0)), Due: day(g.fixAt),
			Budget: ptr(200000.0), Status: "done", Evidence: "备件库启用，常用配件 120 种"},
		{Description: "培训技师使用新工具并熟悉片区", OwnerID: w.techs[0].ID, Start: day(g.fixAt.AddDate(0, -1, 0)), Due: day(g.fixAt.AddDate(0, 0, 7)),
			Status: "done", Evidence: "18 名技师完成培训"},
	}
	for _, a := range plan {
		if _, err := s.SaveAction(ctx, it.ID, 0, 0, a); err != nil {
			return err
		}
	}
	if it, err = move(it, aftersales.ItemImplementing, aftersales.ItemVerifying); err != nil {
		return err
	}
	v, err := s.Verify(ctx, it.ID, aftersales.VerifyInput{BeforeFrom: day(beforeFrom), BeforeTo: day(beforeTo), AfterFrom: day(afterFrom), AfterTo: day(afterTo)})
	if err != nil {
		return err
	}
	if v.Verdict == aftersales.VerdictEffective {
		if _, err := s.PublishCase(ctx, it.ID, aftersales.CaseInput{Tags: []string{"上门时长", "路线规划", "备件"}}); err != nil {
			return err
		}
	}

	// 2. The lemon model: outdoor-unit noise keeps coming back.
	var lemon int64
	for _, p := range w.products {
		if w.specs[p.ID].lemonFault == "外机噪音大" {
			lemon = p.ID
		}
	}
	if lemon != 0 {
		it, err := s.CreateItem(ctx, aftersales.ItemInput{Title: "KFR-35GW/N1 外机噪音返修集中", Source: aftersales.SourceComplaints,
			KPI: "repeat_30d", Dim: aftersales.DimProduct, Value: strconv.FormatInt(lemon, 10), Severity: "critical",
			OwnerID: &w.quality[1].ID, Department: "production", TargetDate: day(today.AddDate(0, 2, 0)),
			Description: "该型号外机噪音投诉和 30 天内重复报修都远高于同系列其他型号。"})
		if err != nil {
			return err
		}
		if it, err = move(it, aftersales.ItemAnalysing); err != nil {
			return err
		}
		if err := s.SetRootCause(ctx, it.ID, "material.part_quality", "压缩机减震垫批次不良"); err != nil {
			return err
		}
		for _, c := range []*aftersales.Cause{
			{Category: "material", Text: "压缩机减震垫批次不良", Status: "verified", Evidence: "返修件拆检 30 台，27 台减震垫硬化"},
			{Category: "machine", Text: "外机支架设计共振", Status: "suspected"},
		} {
			if err := s.SaveCause(ctx, it.ID, c); err != nil {
				return err
			}
		}
		if it, err = move(it, aftersales.ItemPlanning); err != nil {
			return err
		}
		for _, a := range []aftersales.ActionInput{
			{Description: "锁定并隔离不良批次减震垫", OwnerID: w.quality[1].ID, Due: day(today.AddDate(0, 0, -10)), Status: "done", Evidence: "库存 2,400 件已隔离"},
			{Description: "供应商 8D 整改", OwnerID: w.supervisor[0].ID, Due: day(today.AddDate(0, 0, 20)), Status: "in_progress"},
			{Description: "对已售外机主动上门更换减震垫", OwnerID: w.techs[len(w.techs)-1].ID, Due: day(today.AddDate(0, 1, 15))},
		} {
			if _, err := s.SaveAction(ctx, it.ID, 0, 0, a); err != nil {
				return err
			}
		}
		if _, err = move(it, aftersales.ItemImplementing); err != nil {
			return err
		}
	}

	// 3. Late-arrival complaints, under analysis and past the target date.
	var late []int64
	for _, t := range b.Tickets {
		if t.Nature == aftersales.NatureComplaint && slices.Contains(t.Tags, "上门迟到") && len(late) < 8 {
			late = append(late, t.ID)
		}
	}
	it, err = s.CreateItem(ctx, aftersales.ItemInput{Title: "上门迟到投诉集中", Source: aftersales.SourceComplaints, KPI: "complaint_rate",
		Severity: "medium", OwnerID: &w.supervisor[1%len(w.supervisor)].ID, Department: "after_sales", Tickets: late,
		TargetDate: day(today.AddDate(0, 0, -3)), Description: "投诉帕累托中“上门迟到”排第一，占投诉三分之一以上。"})
	if err != nil {
		return err
	}
	if it, err = move(it, aftersales.ItemAnalysing); err != nil {
		return err
	}
	if err := s.SetWhys(ctx, it.ID, []aftersales.WhyStep{
		{Question: "为什么客户投诉上门迟到？", Answer: "约定时间段内技师没有到", Evidence: "抽查的 8 张投诉工单"},
		{Question: "为什么没有按约定时间到？"},
	}); err != nil {
		return err
	}
	if err := s.SaveCause(ctx, it.ID, &aftersales.Cause{Category: "method", Text: "预约时间段过窄", Status: "suspected"}); err != nil {
		return err
	}

	// 4. A fresh audit finding, not yet assigned.
	_, err = s.CreateItem(ctx, aftersales.ItemInput{Title: "华南大区首次响应偏慢", Source: aftersales.SourceAudit, KPI: "frt_median",
		Dim: aftersales.DimRegion, Value: strconv.FormatInt(w.regions["south"], 10), Severity: "low", Department: "after_sales",
		Description: "季度服务审核发现华南大区夜间来单次日首次回复偏晚。"})
	return err
}
