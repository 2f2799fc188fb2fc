package demo

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"aftersales"
)

var streets = []string{"人民路", "解放路", "中山路", "建设路", "和平路", "南京路", "长江路", "黄河路", "新华路", "文化路", "科技路", "滨江大道"}

// history generates customers, assets and a year of tickets with timelines.
func (g *gen) history(w *world) *aftersales.Bulk {
	b := &aftersales.Bulk{}
	end := g.opt.End.UTC().Truncate(time.Minute)
	start := time.Date(end.In(g.opt.Zone).Year(), end.In(g.opt.Zone).Month()-time.Month(g.opt.Months)+1, 1, 0, 0, 0, 0, g.opt.Zone)
	g.ends = end
	// The south-west's improvement (the demo's verified improvement
	// item) lands four months before the end of the history.
	g.fixAt = time.Date(end.In(g.opt.Zone).Year(), end.In(g.opt.Zone).Month(), end.In(g.opt.Zone).Day(), 0, 0, 0, 0, g.opt.Zone).AddDate(0, -4, 0)

	// Customers: one per 3.3 tickets, 2% VIP and 10% core; VIPs file many more tickets.
	nCust := max(50, g.opt.Tickets*10/33)
	custWeight := make([]float64, nCust)
	custPoint := make([]*point, nCust)
	pointW := make([]float64, len(w.points))
	for i, p := range w.points {
		pointW[i] = 1 + 0.6*float64((len(p.spec.code)+i)%3) // uneven market size
	}
	pointCum := cumulative(pointW)
	for i := range nCust {
		p := w.points[g.weighted(pointCum)]
		c := &aftersales.Customer{ID: int64(i + 1), Kind: aftersales.CustomerPerson, Tier: aftersales.TierOrdinary,
			Phone: g.phone(), CreatedAt: start.Add(-time.Duration(g.r.IntN(700*24)) * time.Hour).UTC(), Tags: []string{}}
		c.Name = g.person()
		weight := 1.0
		switch x := g.r.Float64(); {
		case x < 0.02:
			c.Tier, weight = aftersales.TierVIP, 14
			c.Tags = []string{"大客户"}
		case x < 0.12:
			c.Tier, weight = aftersales.TierCore, 3
		}
		if g.r.IntN(50) == 0 {
			c.Kind = aftersales.CustomerCompany
			c.Name = p.spec.city + []string{"锦江酒店", "中心医院", "实验学校", "物业公司", "商贸大厦"}[g.r.IntN(5)]
			c.Contacts = []aftersales.Contact{{Name: g.person(), Phone: g.phone(), Title: "设备主管", Primary: true}}
			weight *= 3
		}
		lat := p.spec.lat + g.r.NormFloat64()*0.05
		lng := p.spec.lng + g.r.NormFloat64()*0.05
		c.Address = aftersales.Address{Province: p.spec.province, City: p.spec.city,
			Street: fmt.Sprintf("%s%d号", streets[g.r.IntN(len(streets))], 1+g.r.IntN(999)), Lat: &lat, Lng: &lng}
		b.Customers = append(b.Customers, c)
		custWeight[i], custPoint[i] = weight, p
	}
	g.sum.Customers = nCust

	// Assets: one to three per customer (more for companies).
	groupAssets := map[string][]int{}
	groupAssetW := map[string][]float64{}
	var assetPoint []*point
	var assetCust []int
	for ci, c := range b.Customers {
		n := 1 + g.r.IntN(3)
		if c.Kind == aftersales.CustomerCompany {
			n += 4
		}
		for range n {
			pr := w.products[g.r.IntN(len(w.products))]
			spec := w.specs[pr.ID]
			bought := start.Add(-time.Duration(g.r.IntN(1100*24)) * time.Hour).In(g.opt.Zone)
			installed := bought.AddDate(0, 0, 1+g.r.IntN(10))
			a := &aftersales.Asset{ID: int64(len(b.Assets) + 1), ProductID: pr.ID, CustomerID: c.ID,
				SerialNo:    fmt.Sprintf("%s-%s-%06d", strings.NewReplacer("/", "", "-", "").Replace(spec.model), bought.Format("0601"), len(b.Assets)+1),
				PurchasedOn: aftersales.DateOf(bought), InstalledOn: aftersales.DateOf(installed), Address: c.Address, CreatedAt: bought.UTC()}
			a.WarrantyEnds = aftersales.AddMonths(a.InstalledOn, spec.warranty)
			b.Assets = append(b.Assets, a)
			idx := len(b.Assets) - 1
			groupAssets[spec.group] = append(groupAssets[spec.group], idx)
			groupAssetW[spec.group] = append(groupAssetW[spec.group], custWeight[ci]*spec.failure)
			assetPoint = append(assetPoint, custPoint[ci])
			assetCust = append(assetCust, ci)
		}
	}
	g.sum.Assets = len(b.Assets)
	assetCum := map[string][]float64{}
	for k, ws := range groupAssetW {
		assetCum[k] = cumulative(ws)
	}

	// Days, weighted per group by season, weekday and the Spring Festival.
	var days []time.Time
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	dayCum := map[string][]float64{}
	for _, gr := range groups {
		ws := make([]float64, len(days))
		for i, d := range days {
			f := gr.season[d.Month()-1]
			if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
				f *= 0.8
			}
			if springFestival(d) {
				f *= 0.35
			}
			ws[i] = f
		}
		dayCum[gr.code] = cumulative(ws)
	}
	groupCum := cumulative([]float64{groups[0].share, groups[1].share, groups[2].share, groups[3].share, groups[4].share})

	natures := []aftersales.Nature{aftersales.NatureRepair, aftersales.NatureInstallation, aftersales.NatureConsultation,
		aftersales.NatureComplaint, aftersales.NatureReturn, aftersales.NatureOther}
	natureCum := cumulative([]float64{55, 12, 15, 9, 4, 5})
	channels := []aftersales.Channel{aftersales.ChannelPhone, aftersales.ChannelWeb, aftersales.ChannelEmail, aftersales.ChannelChat,
		aftersales.ChannelSocial, aftersales.ChannelWalkIn}
	channelCum := cumulative([]float64{45, 20, 10, 15, 5, 5})
	causeW := make([]float64, len(complaintCauses))
	for i, c := range complaintCauses {
		causeW[i] = c.weight
	}
	causeCum := cumulative(causeW)

	type pending struct {
		t      *aftersales.Ticket
		events []*aftersales.TicketEvent
		costs  []*aftersales.CostLine
	}
	var all []pending
	for range g.opt.Tickets {
		gr := groups[g.weighted(groupCum)]
		day := days[g.weighted(dayCum[gr.code])]
		created := day.Add(time.Duration(7*60+g.r.IntN(14*60)) * time.Minute).Add(time.Duration(g.r.IntN(60)) * time.Second).UTC()
		if created.After(end) {
			// Today's tickets arrive before now, never after it.
			created = day.UTC().Add(time.Duration(g.r.Float64() * float64(end.Sub(day.UTC())))).Truncate(time.Second)
		}
		ai := groupAssets[gr.code][g.weighted(assetCum[gr.code])]
		a := b.Assets[ai]
		p := assetPoint[ai]
		cust := b.Customers[assetCust[ai]]
		spec := w.specs[a.ProductID]
		nature := natures[g.weighted(natureCum)]
		t := &aftersales.Ticket{Channel: channels[g.weighted(channelCum)], Nature: nature, Urgency: aftersales.UrgencyNormal,
			CustomerID: &cust.ID, CategoryID: ptr(w.subCat[spec.sub]), ProductID: &a.ProductID, AssetID: &a.ID,
			ServiceUnitID: &p.unit.ID, TeamID: &p.team.ID, DepartmentID: &w.deptAS, CreatedAt: created, Tags: []string{}, Custom: map[string]any{}}
		fault := gr.faults[g.r.IntN(len(gr.faults))]
		if spec.lemonFault != "" && g.r.Float64() < 0.55 {
			fault = spec.lemonFault
		}
		switch nature {
		case aftersales.NatureComplaint:
			cause := complaintCauses[g.weighted(causeCum)]
			t.Title = cause.title
			t.Description = fmt.Sprintf("客户投诉：%s。产品 %s（%s），序列号 %s。客户要求尽快处理并给出说法。", cause.title, spec.name, spec.model, a.SerialNo)
			t.Tags = []string{cause.tag}
			t.TeamID = &w.complTeam.ID
			t.Urgency = aftersales.UrgencyHigh
		case aftersales.NatureConsultation:
			topic := []string{"保修期咨询", "使用方法咨询", "预约安装时间", "清洗保养咨询"}[g.r.IntN(4)]
			t.Title = spec.name + topic
			t.Description = "客户来电咨询" + topic + "，型号 " + spec.model + "。"
		case aftersales.NatureInstallation:
			t.Title = spec.name + "预约安装"
			t.Description = "新购 " + spec.model + "，预约上门安装。地址：" + cust.Address.String()
		case aftersales.NatureReturn:
			t.Title = spec.name + "申请退换货"
			t.Description = "购买后出现" + fault + "，客户要求换货。"
		default:
			t.Title = spec.name + fault
			t.Description = fmt.Sprintf("%s %s，%s。购买日期 %s，序列号 %s。", spec.model, spec.name, fault, a.PurchasedOn, a.SerialNo)
			if strings.Contains(fault, "E") {
				t.Custom["fault_code"] = fault[strings.Index(fault, "E") : strings.Index(fault, "E")+2]
			}
			if fault == spec.lemonFault {
				t.Tags = append(t.Tags, fault)
			}
		}
		if cust.Tier == aftersales.TierVIP && t.Urgency == aftersales.UrgencyNormal {
			t.Urgency = aftersales.UrgencyHigh
		}
		switch x := g.r.Float64(); {
		case x < 0.05:
			t.Urgency = aftersales.UrgencyUrgent
		case x < 0.15 && t.Urgency == aftersales.UrgencyNormal:
			t.Urgency = aftersales.UrgencyLow
		}
		occurred := created.Add(-g.lognormal(20*time.Hour, 1))
		t.OccurredAt = &occurred
		agent := w.agents[g.r.IntN(len(w.agents))]
		var creator *int64
		if t.Channel == aftersales.ChannelPhone || t.Channel == aftersales.ChannelWalkIn {
			creator = &agent.ID
		}
		t.CreatedBy = creator
		events, costs := g.lifecycle(w, t, p, spec, agent, gr.season[time.Time(created).In(g.opt.Zone).Month()-1])
		all = append(all, pending{t, events, costs})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].t.CreatedAt.Before(all[j].t.CreatedAt) })
	seqs := map[string]int64{}
	for i, pd := range all {
		t := pd.t
		t.ID = int64(i + 1)
		m := t.CreatedAt.In(g.opt.Zone).Format("200601")
		seqs[m]++
		t.Number = fmt.Sprintf("AS%s-%06d", m, seqs[m])
		for _, e := range pd.events {
			e.TicketID = t.ID
			if e.Kind == aftersales.EventCreated {
				e.To = t.Number
			}
		}
		b.Tickets = append(b.Tickets, t)
		b.Events = append(b.Events, pd.events...)
		for _, c := range pd.costs {
			c.TicketID = t.ID
		}
		b.Costs = append(b.Costs, pd.costs...)
		if t.Status.Open() {
			g.sum.OpenTickets++
		}
		f := g.followUp(t)
		if f != nil {
			b.Feedback = append(b.Feedback, f)
		}
		if s := g.survey(t, f); s != nil {
			b.Surveys = append(b.Surveys, s)
		}
	}
	g.sum.Tickets, g.sum.Events = len(b.Tickets), len(b.Events)
	return b
}

func ptr[T any](v T) *T { return &v }

// springFestival approximates the holiday week around Chinese New Year.
func springFestival(d time.Time) bool {
	newYear := map[int]string{2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06", 2028: "2028-01-26"}
	s, ok := newYear[d.Year()]
	if !ok {
		return false
	}
	ny, _ := time.ParseInLocation(time.DateOnly, s, d.Location())
	diff := d.Sub(ny).Hours() / 24
	return diff >= -2 && diff < 6
}

// workStart moves t into working hours (08:30-18:00 local) for the
// office steps: a ticket filed at night is answered next morning.
func (g *gen) workStart(t time.Time) time.Time {
	l := t.In(g.opt.Zone)
	open := time.Date(l.Year(), l.Month(), l.Day(), 8, 30, 0, 0, g.opt.Zone)
	shut := time.Date(l.Year(), l.Month(), l.Day(), 18, 0, 0, 0, g.opt.Zone)
	switch {
	case l.Before(open):
		return open.UTC()
	case l.After(shut):
		return open.AddDate(0, 0, 1).UTC()
	}
	return t
}

// maxVisit is the longest a repair visit lasts: one that would take
// longer ends when the technician resolves it (in the shift).
const maxVisit = 8 * time.Hour

// onShift is when a repair visit due at t that lasts work starts: at t
// when it starts in the technicians' shift (08:30-17:30 local, every day;
// field.go), no later than lastStart and early enough to end in it;
// otherwise in the two hours of the shift before or after the night it
// fell in: back to the afternoon or on to the next morning, the nearer the
// likelier, so that on average it moves by nothing and each ticket's
// waits, and so the regions' differences, stay what they were. A visit
// that would then start before notBefore (the ticket's previous step)
// starts then, or the next morning when the shift is over. It draws from
// wr only, so the rest of the company is the same.
func (g *gen) onShift(t, notBefore time.Time, work time.Duration) time.Time {
	bounds := func(day time.Time) (time.Time, time.Time) {
		open, last := day.Add(shiftStart*time.Minute), day.Add(shiftEnd*time.Minute-work)
		if l := day.Add(lastStart * time.Minute); l.Before(last) {
			last = l
		}
		return open, last
	}
	midnight := func(x time.Time) time.Time {
		l := x.In(g.opt.Zone)
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, g.opt.Zone)
	}
	day := midnight(t)
	open, last := bounds(day)
	if !t.Before(open) && !t.After(last) && !t.Before(notBefore) {
		return t
	}
	spread := min(2*time.Hour, last.Sub(open))
	// The night t falls in, from eve (the last start) to morn (the next
	// morning's first).
	eve, morn := last, day.AddDate(0, 0, 1).Add(shiftStart*time.Minute)
	if t.Before(open) {
		_, eve = bounds(day.AddDate(0, 0, -1))
		morn = open
	}
	if !t.After(eve) || !t.Before(morn) {
		eve, morn = t, t // in the shift, only too early
	}
	back, on := t.Sub(eve)+spread/2, morn.Sub(t)+spread/2
	u := g.wr.Float64()
	at := morn.Add(time.Duration(u * float64(spread)))
	if g.wr.Float64()*float64(back+on) < float64(on) {
		at = eve.Add(-time.Duration(u * float64(spread)))
	}
	if at.Before(notBefore) {
		o, l := bounds(midnight(notBefore))
		switch {
		case notBefore.Before(o):
			at = o.Add(time.Duration(u * float64(spread)))
		case notBefore.After(l):
			o, _ = bounds(midnight(notBefore).AddDate(0, 0, 1))
			at = o.Add(time.Duration(u * float64(spread)))
		default:
			at = notBefore
		}
	}
	return at.Truncate(time.Minute).UTC()
}

// lifecycle walks a ticket through its states up to the end of the
// history and returns its events; the ticket's milestones are set.
func (g *gen) lifecycle(w *world, t *aftersales.Ticket, p *point, spec productSpec, agent *aftersales.User, season float64) ([]*aftersales.TicketEvent, []*aftersales.CostLine) {
	var evs []*aftersales.TicketEvent
	var costs []*aftersales.CostLine
	now := t.CreatedAt
	status := aftersales.StatusNew
	t.Status, t.StatusChangedAt, t.UpdatedAt = status, now, now
	// The timeline is drawn on its own clock (now), which decides, as it
	// always has, which steps happen before the end of the history, so the
	// ticket draws the same numbers whatever its visits' times. A repair
	// visit held to the technician's shift (onShift) delays the steps
	// from then on: each is written at its own time plus delay, and once
	// one falls after the end of the history, nothing more is written.
	var delay time.Duration
	stopped := false
	add := func(e *aftersales.TicketEvent) bool {
		if e.At.After(g.ends) {
			return false
		}
		e.At = e.At.Add(delay)
		if stopped || e.At.After(g.ends) {
			stopped = true
			return true
		}
		evs = append(evs, e)
		t.UpdatedAt = e.At
		return true
	}
	// onSite holds the visit that starts at the step after `after` to the
	// shift, lasting work.
	onSite := func(after, work time.Duration) {
		if t.Nature != aftersales.NatureRepair {
			return
		}
		at := now.Add(after)
		delay = g.onShift(at.Add(delay), now.Add(delay).Add(10*time.Minute), work).Sub(at)
	}
	add(&aftersales.TicketEvent{At: now, ActorID: t.CreatedBy, Kind: aftersales.EventCreated, Channel: t.Channel})
	// cost records a service cost at the current moment, as the
	// technician would from the site: lognormal around median yuan.
	cost := func(kind aftersales.CostKind, median, sigma float64, desc string, actor *int64) {
		yuan := math.Round(median * math.Exp(g.cr.NormFloat64()*sigma))
		at := now.Add(delay)
		c := &aftersales.CostLine{Kind: kind, Description: desc, Amount: aftersales.Money(max(1, yuan) * 100),
			IncurredOn: aftersales.DateOf(at.In(g.opt.Zone)), CreatedBy: actor, CreatedAt: at}
		if add(&aftersales.TicketEvent{At: now, ActorID: actor, Kind: aftersales.EventFieldChanged, Field: "cost",
			To: string(c.Kind) + " " + c.Amount.String() + " " + c.Description}) && !stopped {
			costs = append(costs, c)
		}
	}
	// A visit costs the technician's time and the trip; the weak
	// regions' trips are longer.
	visitCost := func(actor *int64, labour float64) {
		cost(aftersales.CostLabour, labour, 0.35, "上门服务工时", actor)
		trip := p.slow
		if p.slow > 1.5 && !t.CreatedAt.Before(g.fixAt) {
			trip = 1.15 // route planning shortened the south-west's trips
		}
		cost(aftersales.CostTravel, 35*trip, 0.4, "交通费", actor)
	}
	move := func(to aftersales.Status, after time.Duration, actor *int64, reason string) bool {
		e := &aftersales.TicketEvent{At: now.Add(after), ActorID: actor, Kind: aftersales.EventStatusChanged, Field: "status", From: string(status), To: string(to), Body: reason}
		if !add(e) {
			return false
		}
		now, status = now.Add(after), to
		if stopped {
			return true
		}
		at := e.At
		t.Status, t.StatusChangedAt = to, at
		switch to {
		case aftersales.StatusAccepted:
			if t.AcceptedAt == nil {
				t.AcceptedAt = ptr(at)
			}
		case aftersales.StatusResolved:
			t.ResolvedAt = ptr(at)
		case aftersales.StatusClosed:
			t.ClosedAt = ptr(at)
		case aftersales.StatusCancelled:
			t.CancelledAt = ptr(at)
		}
		return true
	}
	// Busy months slow everybody down; the weak regions more.
	load := 1 + 0.35*math.Max(0, season-1)
	pslow, fix := p.slow, 1.0
	if p.slow > 1.5 && !t.CreatedAt.Before(g.fixAt) {
		// Route planning and a regional parts stock brought the weak
		// south-west close to the others.
		fix = 1.15 / p.slow
		pslow *= fix
	}
	slow := pslow * load
	urg := map[aftersales.Urgency]float64{aftersales.UrgencyUrgent: 0.4, aftersales.UrgencyHigh: 0.7, aftersales.UrgencyNormal: 1, aftersales.UrgencyLow: 1.4}[t.Urgency]

	// First response: a public reply from an agent, in office hours.
	replyAt := g.workStart(now).Add(g.lognormal(time.Duration(25*urg*slow)*time.Minute, 0.9))
	responder := agent
	if t.Nature == aftersales.NatureComplaint {
		responder = w.complaints[g.r.IntN(len(w.complaints))]
	}
	if add(&aftersales.TicketEvent{At: replyAt, ActorID: &responder.ID, Kind: aftersales.EventReply, Public: true, Channel: t.Channel,
		Body: "您好，您的工单已收到，我们会尽快为您安排处理。"}) {
		t.FirstResponseAt = ptr(replyAt)
		now = replyAt
	} else {
		return evs, costs
	}
	if g.r.Float64() < 0.02 {
		move(aftersales.StatusCancelled, g.lognormal(2*time.Hour, 1), &agent.ID, "客户取消：问题已自行解决")
		return evs, costs
	}
	if !move(aftersales.StatusAccepted, g.lognormal(time.Duration(30*slow)*time.Minute, 0.8), &responder.ID, "") {
		return evs, costs
	}
	// Consultations are answered on the phone.
	if t.Nature == aftersales.NatureConsultation {
		if !move(aftersales.StatusResolved, g.lognormal(3*time.Hour, 1), &responder.ID, "已电话解答") {
			return evs, costs
		}
		move(aftersales.StatusClosed, 72*time.Hour, nil, "自动关闭")
		return evs, costs
	}
	// Assign a technician; a tenth of tickets are passed on once.
	tc := p.techs[g.r.IntN(len(p.techs))]
	assign := func(u *aftersales.User, team *aftersales.Team) bool {
		at := now.Add(g.lognormal(20*time.Minute, 0.7))
		if !add(&aftersales.TicketEvent{At: at, ActorID: &agent.ID, Kind: aftersales.EventAssigned, Field: "assignee_id", To: fmt.Sprint(u.ID)}) {
			return false
		}
		now = at
		t.AssigneeID, t.TeamID = &u.ID, &team.ID
		t.AssignCount++
		return true
	}
	team := p.team
	if t.Nature == aftersales.NatureComplaint {
		team = w.complTeam
		if !assign(w.complaints[g.r.IntN(len(w.complaints))], team) {
			return evs, costs
		}
		team = p.team
	}
	if !assign(tc.u, team) {
		return evs, costs
	}
	if g.r.Float64() < 0.1 {
		tc = p.techs[g.r.IntN(len(p.techs))]
		if !assign(tc.u, team) {
			return evs, costs
		}
	}
	speed := tc.speed * load * fix
	diag := g.lognormal(time.Duration(2*speed*float64(time.Hour)), 0.8)
	if now.Add(diag).After(g.ends) {
		return evs, costs
	}
	partsP := 0.18
	if spec.lemonFault != "" {
		partsP = 0.35
	}
	needParts := t.Nature == aftersales.NatureRepair && g.r.Float64() < partsP
	if needParts {
		// The repair that needs a part is diagnosed at the customer's
		// home, in the technician's shift (fieldhistory.go's first visit).
		onSite(diag, 2*time.Hour)
	}
	if !move(aftersales.StatusDiagnosing, diag, &tc.u.ID, "") {
		return evs, costs
	}
	if needParts {
		if !move(aftersales.StatusAwaitingParts, g.lognormal(3*time.Hour, 0.5), &tc.u.ID, "需要更换配件，已下单") {
			return evs, costs
		}
		wait := 2.5 * 24 * float64(time.Hour)
		if spec.lemonFault != "" {
			wait *= 1.8
		}
		partsSlow := pslow
		if p.slow > 1.5 && !t.CreatedAt.Before(g.fixAt) {
			// The regional parts stock ships what the service point lacks
			// within a day or two, not from the central warehouse.
			partsSlow = 1.0
		}
		if !move(aftersales.StatusDiagnosing, g.lognormal(time.Duration(wait*partsSlow), 0.6), &tc.u.ID, "配件已到") {
			return evs, costs
		}
		parts := 180.0
		if spec.lemonFault != "" {
			parts = 320
		}
		cost(aftersales.CostParts, parts, 0.5, "更换配件", &tc.u.ID)
	}
	// service is the visit that fixes it: the ticket goes in service when
	// the technician checks in and is resolved when they check out, both in
	// a repair's shift; a visit longer than maxVisit ends after maxVisit.
	service := func(after time.Duration, fixMed time.Duration, fixSigma float64, reason1, reason2 string) bool {
		if now.Add(after).After(g.ends) {
			return false
		}
		fixing := g.lognormal(fixMed, fixSigma)
		work := min(fixing, maxVisit)
		onSite(after, work)
		if !move(aftersales.StatusInService, after, &tc.u.ID, reason1) {
			return false
		}
		if t.Nature == aftersales.NatureRepair {
			delay -= fixing - work
		}
		return move(aftersales.StatusResolved, fixing, &tc.u.ID, reason2)
	}
	if !service(g.lognormal(time.Duration(20*speed*urg*float64(time.Hour)), 0.7), time.Duration(2.5*speed*float64(time.Hour)), 0.6, "", "已修复，客户确认") {
		return evs, costs
	}
	labour := 85.0
	switch {
	case t.Nature == aftersales.NatureInstallation:
		labour = 120
	case spec.group == "ac":
		labour = 110
	}
	visitCost(&tc.u.ID, labour)
	if t.Nature == aftersales.NatureReturn {
		cost(aftersales.CostOther, 150, 0.4, "换货物流", &tc.u.ID)
	}
	if t.Nature == aftersales.NatureComplaint && g.cr.Float64() < 0.2 {
		cost(aftersales.CostGoodwill, 150, 0.5, "投诉补偿", &agent.ID)
	}
	if !stopped {
		t.Custom["visit_count"] = 1.0
	}
	// Some repairs do not hold: the ticket is reopened and visited again.
	if g.r.Float64() > tc.quality {
		if !move(aftersales.StatusAccepted, g.lognormal(4*24*time.Hour, 0.7), &agent.ID, "客户反馈问题复现") {
			return evs, costs
		}
		if !stopped {
			t.ResolvedAt = nil
			t.ReopenCount++
		}
		if !service(g.lognormal(time.Duration(24*speed*float64(time.Hour)), 0.6), 3*time.Hour, 0.6, "二次上门", "二次维修完成") {
			return evs, costs
		}
		visitCost(&tc.u.ID, labour)
		if !stopped {
			t.Custom["visit_count"] = 2.0
		}
	}
	if g.r.Float64() < 0.25 {
		add(&aftersales.TicketEvent{At: now.Add(time.Hour), ActorID: &tc.u.ID, Kind: aftersales.EventNote, Body: "已向客户说明保养注意事项。"})
	}
	move(aftersales.StatusClosed, g.lognormal(72*time.Hour, 0.3), nil, "客户确认，自动关闭")
	return evs, costs
}

// survey is the survey link sent after a resolution in the last four
// months. Some customers answer it instead of the follow-up call: then the
// call's answer f is theirs, recorded through the survey. Complaints and
// customers who wrote in answer more often than those who phoned, so the
// response rate differs by nature and channel as it does in life.
func (g *gen) survey(t *aftersales.Ticket, f *aftersales.Feedback) *aftersales.SurveyInvitation {
	if t.ResolvedAt == nil || t.Status.Open() || t.Status == aftersales.StatusCancelled || t.ResolvedAt.Before(g.ends.AddDate(0, -4, 0)) {
		return nil
	}
	sent := t.ResolvedAt.Add(time.Hour)
	if sent.After(g.ends) {
		return nil
	}
	channel := aftersales.SendSMS
	switch x := g.sr.Float64(); {
	case x < 0.3:
		channel = aftersales.SendEmail
	case x < 0.5:
		channel = aftersales.SendWeChat
	}
	s := &aftersales.SurveyInvitation{TicketID: t.ID, Kind: aftersales.SurveyCSAT, Channel: channel, CreatedAt: *t.ResolvedAt, SentAt: &sent,
		ExpiresAt: sent.AddDate(0, 0, 14)}
	rate := 0.45
	if t.Nature == aftersales.NatureComplaint {
		rate = 0.7
	}
	if t.Channel == aftersales.ChannelWeb || t.Channel == aftersales.ChannelChat || t.Channel == aftersales.ChannelEmail {
		rate += 0.15
	}
	if f != nil && f.CSAT != nil && f.At.After(sent) && f.At.Before(s.ExpiresAt) && g.sr.Float64() < rate {
		f.Channel = aftersales.ChannelSurvey
		s.AnsweredAt, s.CSAT = ptr(f.At), ptr(*f.CSAT)
	}
	return s
}

// followUp is the follow-up call (回访) after a resolution: about 60% of
// customers answer. Satisfaction falls with a reopen, a slow resolution
// and a complaint; the recommendation score follows satisfaction.
func (g *gen) followUp(t *aftersales.Ticket) *aftersales.Feedback {
	if t.ResolvedAt == nil || t.Status.Open() || t.Status == aftersales.StatusCancelled || g.r.Float64() > 0.6 {
		return nil
	}
	at := t.ResolvedAt.Add(g.lognormal(30*time.Hour, 0.5))
	if at.After(g.ends) {
		return nil
	}
	score := 4.55 + 0.5*g.r.NormFloat64()
	if t.ReopenCount > 0 {
		score -= 1.4
	}
	if h := t.ResolvedAt.Sub(t.CreatedAt).Hours(); h > 72 {
		score -= 0.6
	}
	if t.Nature == aftersales.NatureComplaint {
		score -= 0.7
	}
	csat := max(1, min(5, int(score+0.5)))
	nps := max(0, min(10, int(2*score+0.6*g.r.NormFloat64()+0.5)))
	return &aftersales.Feedback{TicketID: t.ID, CSAT: &csat, NPS: &nps, Channel: aftersales.ChannelPhone, At: at}
}
