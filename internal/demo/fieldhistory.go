package demo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"aftersales"
)

// The field history (issue #19): every repair ticket's visits, with the
// window promised to the customer, check-in and check-out, outcome,
// planned travel and the service checklist ticked; the parts it reserved
// and the stock ledger that served them. It is read off the tickets'
// own timelines (the technician arrives when the ticket goes in service,
// the part arrives when it leaves awaiting parts), so the field KPIs and
// the ticket KPIs tell one story: the south-west arrives late and waits
// long for parts, having no parts stock of its own, until route planning
// and a regional parts stock arrive four months before the end. It
// draws from its own random stream, so the rest of the company is the
// same with or without it.

// partSpec is a spare part of a product group. Common parts are stocked
// at the service points; the others only in the central warehouse, so a
// ticket that needs one waits for it.
type partSpec struct {
	group, number, zh, en string
	cost, price           float64 // yuan
	common                bool
}

var partSpecs = []partSpec{
	{"ac", "AC-RC-01", "空调遥控器", "Air conditioner remote control", 35, 80, true},
	{"ac", "AC-PCB-02", "空调主控板", "Air conditioner main board", 260, 480, true},
	{"ac", "AC-FAN-03", "室外风扇电机", "Outdoor fan motor", 180, 360, true},
	{"ac", "AC-CMP-04", "空调压缩机", "Air conditioner compressor", 900, 1600, false},
	{"washer", "WM-PMP-01", "排水泵", "Drain pump", 60, 150, true},
	{"washer", "WM-SEL-02", "洗衣机门封圈", "Washer door seal", 45, 120, true},
	{"washer", "WM-BRG-03", "滚筒轴承组件", "Drum bearing kit", 220, 450, false},
	{"washer", "WM-PCB-04", "洗衣机电脑板", "Washer control board", 240, 460, false},
	{"fridge", "RF-THM-01", "冰箱温控器", "Refrigerator thermostat", 50, 130, true},
	{"fridge", "RF-GSK-02", "冰箱门封条", "Refrigerator door gasket", 70, 160, true},
	{"fridge", "RF-CMP-03", "冰箱压缩机", "Refrigerator compressor", 650, 1200, false},
	{"heater", "WH-IGN-01", "热水器点火器", "Water heater igniter", 55, 140, true},
	{"heater", "WH-FLS-02", "水流传感器", "Water flow sensor", 40, 110, true},
	{"heater", "WH-PCB-03", "热水器主控板", "Water heater control board", 190, 380, false},
	{"tv", "TV-PSU-01", "电视电源板", "Television power board", 150, 320, true},
	{"tv", "TV-RC-02", "电视遥控器", "Television remote control", 25, 60, true},
	{"tv", "TV-LED-03", "背光灯条", "LED backlight strip", 120, 280, false},
}

// serviceStandard is the demo company's checklist for repair visits.
var serviceStandard = []aftersales.ChecklistItem{
	{Label: "出示工牌并自我介绍", Required: true},
	{Label: "进门穿戴鞋套", Required: true},
	{Label: "向客户说明故障原因和维修方案", Required: true},
	{Label: "维修后试机并请客户确认", Required: true},
	{Label: "清理作业现场", Required: true},
	{Label: "讲解保养注意事项"},
}

// fieldWorld is the field master data the history refers to.
type fieldWorld struct {
	central int64
	local   map[int64]int64 // service point unit -> its stock location
	common  map[string][]int64
	special map[string][]int64
	items   []aftersales.ChecklistItem
	// leave is each technician's days off, kept for their profile.
	leave map[int64][]aftersales.Leave
}

// fieldMaster creates the parts catalog, the stock locations (a central
// warehouse and one per service point) with their stock levels, and the
// service standard, through the ordinary services.
func (g *gen) fieldMaster(w *world) (*fieldWorld, error) {
	if g.s.Parts == nil || g.s.Visits == nil || g.s.Checklists == nil {
		return nil, nil
	}
	ctx, s := g.ctx, g.s
	fw := &fieldWorld{local: map[int64]int64{}, common: map[string][]int64{}, special: map[string][]int64{}, leave: map[int64][]aftersales.Leave{}}
	models := map[string][]string{}
	for _, p := range products {
		models[p.group] = append(models[p.group], p.model)
	}
	for _, ps := range partSpecs {
		p, err := s.Parts.CreatePart(ctx, aftersales.PartInput{Number: ps.number, NameZH: ps.zh, NameEN: ps.en, Models: models[ps.group],
			UnitCost: aftersales.Money(ps.cost * 100), Price: aftersales.Money(ps.price * 100)})
		if err != nil {
			return nil, fmt.Errorf("part %s: %w", ps.number, err)
		}
		if ps.common {
			fw.common[ps.group] = append(fw.common[ps.group], p.ID)
		} else {
			fw.special[ps.group] = append(fw.special[ps.group], p.ID)
		}
	}
	c, err := s.Parts.CreateStockLocation(ctx, aftersales.StockLocationInput{Kind: aftersales.LocationWarehouse, Code: "central", Name: "中心备件库"})
	if err != nil {
		return nil, err
	}
	fw.central = c.ID
	for _, p := range w.points {
		l, err := s.Parts.CreateStockLocation(ctx, aftersales.StockLocationInput{Kind: aftersales.LocationServicePoint, Code: "sp-" + p.spec.code,
			Name: p.spec.name + "备件库", ServiceUnitID: &p.unit.ID})
		if err != nil {
			return nil, err
		}
		fw.local[p.unit.ID] = l.ID
		for _, gr := range groups {
			for _, part := range fw.common[gr.code] {
				if _, err := s.Parts.SetStockLevel(ctx, part, l.ID, aftersales.StockLevelInput{ReorderPoint: 1, OrderUpTo: pointStock}); err != nil {
					return nil, err
				}
			}
		}
	}
	nature := aftersales.NatureRepair
	cl, err := s.Checklists.CreateChecklist(ctx, aftersales.ChecklistInput{Name: "上门维修服务规范", Nature: nature, Items: slices.Clone(serviceStandard)})
	if err != nil {
		return nil, err
	}
	fw.items = cl.Items
	return fw, nil
}

// pointStock is what a service point's stock holds of each common part
// after a replenishment.
const pointStock = 4

// lateShare is about the share of the history's check-ins that come after
// the shift's first window, the only ones that can start after theirs:
// 59% on seed 7, fewer in the south-west, whose longer visits start
// earlier in the day; fieldRates' late shares are of all visits.
const lateShare = 0.45

// fieldRates are the story's field figures of one region and period.
type fieldRates struct {
	late      float64       // share of visits that start after their window
	lateBy    time.Duration // median lateness of those
	diag      float64       // share of parts tickets whose first visit only found the missing part
	inStock   float64       // share of other repairs that fit a part from stock
	compliant float64       // share of visits that keep the whole service standard
	travelKM  float64       // median planned leg to a visit
}

func (g *gen) fieldRates(p *point, at time.Time) fieldRates {
	if p.slow > 1.5 && at.Before(g.fixAt) {
		// No route planning: long, unplanned trips across the city; no
		// parts stock of its own: every part comes from the central
		// warehouse, and many first visits only find out which.
		return fieldRates{late: 0.42, lateBy: 75 * time.Minute, diag: 0.8, inStock: 0.05, compliant: 0.76, travelKM: 15}
	}
	if p.slow > 1.5 {
		return fieldRates{late: 0.09, lateBy: 30 * time.Minute, diag: 0.5, inStock: 0.9, compliant: 0.86, travelKM: 8}
	}
	return fieldRates{late: 0.05 + 0.05*(p.slow-0.9)/0.3, lateBy: 30 * time.Minute, diag: 0.5, inStock: 0.9, compliant: 0.89, travelKM: 6.5 * p.slow}
}

// ticketSteps are the moments of a ticket's timeline a visit hangs on.
type ticketSteps struct {
	assigned, diag, await, parts, service1, resolved1, reopen, service2, resolved2 *time.Time
	diagBy, serviceBy, service2By                                                  *int64
}

func stepsOf(evs []*aftersales.TicketEvent) ticketSteps {
	var s ticketSteps
	for _, e := range evs {
		at := e.At
		if e.Kind == aftersales.EventAssigned && s.service1 == nil {
			s.assigned = &at
		}
		if e.Kind != aftersales.EventStatusChanged {
			continue
		}
		switch aftersales.Status(e.To) {
		case aftersales.StatusDiagnosing:
			if s.diag == nil {
				s.diag, s.diagBy = &at, e.ActorID
			} else if s.await != nil && s.parts == nil {
				s.parts = &at
			}
		case aftersales.StatusAwaitingParts:
			if s.await == nil {
				s.await = &at
			}
		case aftersales.StatusInService:
			if s.service1 == nil {
				s.service1, s.serviceBy = &at, e.ActorID
			} else if s.reopen != nil && s.service2 == nil {
				s.service2, s.service2By = &at, e.ActorID
			}
		case aftersales.StatusResolved:
			if s.service2 != nil && s.resolved2 == nil {
				s.resolved2 = &at
			} else if s.service1 != nil && s.resolved1 == nil {
				s.resolved1 = &at
			}
		case aftersales.StatusAccepted:
			if s.resolved1 != nil && s.reopen == nil {
				s.reopen = &at
			}
		}
	}
	return s
}

// ledger keeps the running stock of the demo's ledger, so that every
// line it writes leaves the balances at zero or above.
type ledger struct {
	fw    *fieldWorld
	lines []*aftersales.StockMovement
	bal   map[[2]int64][2]int64 // part, location -> on hand, reserved
}

func (l *ledger) add(m *aftersales.StockMovement) *aftersales.StockMovement {
	m.ID = int64(len(l.lines) + 1)
	k := [2]int64{m.PartID, m.LocationID}
	b := l.bal[k]
	l.bal[k] = [2]int64{b[0] + m.OnHand, b[1] + m.Reserved}
	l.lines = append(l.lines, m)
	return m
}

func (l *ledger) available(part, loc int64) int64 {
	b := l.bal[[2]int64{part, loc}]
	return b[0] - b[1]
}

// transfer moves qty from the central warehouse to loc, buying from the
// supplier first when the warehouse runs short.
func (l *ledger) transfer(part, loc, qty int64, at time.Time, reason string) {
	if short := qty - l.available(part, l.fw.central); short > 0 {
		l.add(&aftersales.StockMovement{PartID: part, LocationID: l.fw.central, Kind: aftersales.MoveReceipt, OnHand: max(short, 60), At: at,
			Reason: "供应商到货"})
	}
	out := l.add(&aftersales.StockMovement{PartID: part, LocationID: l.fw.central, Kind: aftersales.MoveTransferOut, OnHand: -qty, At: at, Reason: reason})
	l.add(&aftersales.StockMovement{PartID: part, LocationID: loc, Kind: aftersales.MoveTransferIn, OnHand: qty, At: at, Reason: reason, PeerID: &out.ID})
}

// ensure makes qty available at loc: a replenishment from the warehouse
// (or the supplier, at the warehouse itself).
func (l *ledger) ensure(part, loc, qty int64, at time.Time) {
	avail := l.available(part, loc)
	if avail >= qty {
		return
	}
	if loc == l.fw.central {
		l.add(&aftersales.StockMovement{PartID: part, LocationID: loc, Kind: aftersales.MoveReceipt, OnHand: max(qty-avail, 60), At: at, Reason: "供应商到货"})
		return
	}
	l.transfer(part, loc, max(qty, pointStock)-avail, at, "补货调拨")
}

// stockEvent is a ledger step of a reservation, ordered by time.
type stockEvent struct {
	at   time.Time
	seq  int
	kind int // 0 opening stock, 1 reserve from stock, 2 fill a waiting reservation, 3 consume
	res  *aftersales.Reservation
	by   *int64
	part int64
	loc  int64
	qty  int64
}

func (g *gen) fieldHistory(w *world, fw *fieldWorld, b *aftersales.Bulk) {
	if fw == nil {
		return
	}
	r := rand.New(rand.NewPCG(uint64(g.opt.Seed), 0xf1e1d0))
	logn := func(med time.Duration, sigma float64) time.Duration {
		return time.Duration(float64(med) * math.Exp(r.NormFloat64()*sigma))
	}
	points := map[int64]*point{}
	for _, p := range w.points {
		points[p.unit.ID] = p
	}
	byTicket := map[int64][]*aftersales.TicketEvent{}
	for _, e := range b.Events {
		byTicket[e.TicketID] = append(byTicket[e.TicketID], e)
	}
	var events []stockEvent
	seq := 0
	push := func(e stockEvent) {
		seq++
		e.seq = seq
		events = append(events, e)
	}
	end := g.ends.In(g.opt.Zone)
	start := time.Date(end.Year(), end.Month()-time.Month(g.opt.Months)+1, 1, 0, 0, 0, 0, g.opt.Zone)
	// Opening stock: the warehouse holds every part, the service points
	// their common parts; the south-west's points get theirs only when
	// its regional stock opens.
	for _, gr := range groups {
		for _, part := range append(slices.Clone(fw.common[gr.code]), fw.special[gr.code]...) {
			push(stockEvent{at: start.Add(-24 * time.Hour).UTC(), kind: 0, part: part, loc: fw.central, qty: 80})
		}
	}
	for _, p := range w.points {
		at := start.Add(-12 * time.Hour)
		if p.slow > 1.5 {
			at = g.fixAt
		}
		for _, gr := range groups {
			for _, part := range fw.common[gr.code] {
				push(stockEvent{at: at.UTC(), kind: 0, part: part, loc: fw.local[p.unit.ID], qty: pointStock})
			}
		}
	}
	busy := map[int64]map[aftersales.Date]bool{}
	visitID, resID := int64(0), int64(0)
	for _, t := range b.Tickets {
		if t.Nature != aftersales.NatureRepair || t.ServiceUnitID == nil || t.ProductID == nil || t.CustomerID == nil {
			continue
		}
		p := points[*t.ServiceUnitID]
		if p == nil {
			continue
		}
		st := stepsOf(byTicket[t.ID])
		if st.service1 == nil && st.await == nil {
			continue
		}
		spec := w.specs[*t.ProductID]
		cust := b.Customers[*t.CustomerID-1]
		at := aftersales.Position{Lat: *cust.Address.Lat, Lng: *cust.Address.Lng}
		skills := []aftersales.Skill{{CategoryID: w.groupCat[spec.group], Level: 1}}
		number := 0
		// visit adds a visit checked in at in and, when out is set,
		// completed then with outcome.
		visit := func(booked, in time.Time, out *time.Time, outcome aftersales.VisitOutcome, tech *int64) *aftersales.BulkVisit {
			rates := g.fieldRates(p, in)
			hour := in.In(g.opt.Zone).Truncate(time.Hour)
			ws := hour.Add(-time.Duration(r.IntN(2)) * time.Hour)
			// The window lies in the shift and ends by lastStart. A visit
			// can only be late after the shift's first window (08:30-10:30)
			// has ended, so lateness falls on the later visits of the day,
			// as it does when a technician's day runs behind: lateShare of
			// the check-ins are after it.
			l := in.In(g.opt.Zone)
			day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, g.opt.Zone)
			first := day.Add(shiftStart * time.Minute)
			if r.Float64() < rates.late/lateShare && in.After(first.Add(2*time.Hour)) {
				we := in.Add(-logn(rates.lateBy, 0.6)).In(g.opt.Zone).Truncate(time.Hour)
				ws = we.Add(-2 * time.Hour)
			}
			if ws.Before(first) {
				ws = first
			}
			if last := day.Add((lastStart - 120) * time.Minute); ws.After(last) {
				ws = last
			}
			created := booked
			if ws.Before(created) {
				created = ws
			}
			if created.Before(t.CreatedAt) {
				created = t.CreatedAt
			}
			visitID++
			number++
			v := &aftersales.BulkVisit{Visit: aftersales.Visit{ID: visitID, TicketID: t.ID, Number: number, WindowStart: ws.UTC(),
				WindowEnd: ws.Add(2 * time.Hour).UTC(), DurationMin: 60 + 30*r.IntN(3), Skills: skills, TechnicianID: tech,
				Status: aftersales.VisitCheckedIn, CheckedInAt: &in, CheckIn: &at, CreatedAt: created, UpdatedAt: in}}
			if tech != nil {
				if busy[*tech] == nil {
					busy[*tech] = map[aftersales.Date]bool{}
				}
				busy[*tech][aftersales.DateOf(in.In(g.opt.Zone))] = true
			}
			if out != nil {
				v.Status, v.Outcome, v.CheckedOutAt, v.CheckOut, v.UpdatedAt = aftersales.VisitCompleted, outcome, out, &at, *out
				v.TravelM = ptr(int64(1000 * rates.travelKM * math.Exp(0.5*r.NormFloat64())))
				v.Checks = g.checks(r, fw.items, rates.compliant)
			}
			b.Field.Visits = append(b.Field.Visits, v)
			return v
		}
		booked := t.CreatedAt
		if st.assigned != nil {
			booked = *st.assigned
		}
		// The first visit of a ticket that then waited for a part often
		// only found out which part.
		if st.await != nil && st.diag != nil && st.await.Sub(*st.diag) >= 20*time.Minute && r.Float64() < g.fieldRates(p, *st.diag).diag {
			out := st.diag.Add(min(logn(45*time.Minute, 0.3), st.await.Sub(*st.diag)-5*time.Minute))
			visit(booked, *st.diag, &out, aftersales.OutcomeNeedsParts, st.diagBy)
		}
		var fix *aftersales.BulkVisit
		if st.service1 != nil {
			if st.parts != nil {
				booked = *st.parts
			}
			fix = visit(booked, *st.service1, st.resolved1, aftersales.OutcomeFixed, st.serviceBy)
		}
		if st.service2 != nil && st.reopen != nil {
			visit(*st.reopen, *st.service2, st.resolved2, aftersales.OutcomeFixed, st.service2By)
		}
		if _, ok := t.Custom["visit_count"]; ok && number > 0 {
			t.Custom["visit_count"] = float64(number) // the diagnosing visit counts too
		}
		// Parts: a missing one waited for from the reservation until it
		// arrived; otherwise, often, a common part from the stock.
		reserve := func(part, loc int64, created time.Time, filled *time.Time, waiting bool, by *int64) {
			resID++
			res := &aftersales.Reservation{ID: resID, PartID: part, LocationID: loc, TicketID: t.ID, Qty: 1, Status: aftersales.ReservationWaiting,
				CreatedAt: created}
			if fix != nil {
				res.VisitID = &fix.ID
			}
			b.Field.Reservations = append(b.Field.Reservations, res)
			switch {
			case filled != nil && waiting:
				push(stockEvent{at: *filled, kind: 2, res: res, by: by, part: part, loc: loc, qty: 1})
			case filled != nil:
				push(stockEvent{at: created, kind: 1, res: res, by: by, part: part, loc: loc, qty: 1})
			}
			if filled != nil && fix != nil && fix.CheckedOutAt != nil {
				push(stockEvent{at: *fix.CheckedOutAt, kind: 3, res: res, by: fix.TechnicianID, part: part, loc: loc, qty: 1})
			}
		}
		switch {
		case st.await != nil:
			parts := fw.special[spec.group]
			reserve(parts[r.IntN(len(parts))], fw.local[p.unit.ID], *st.await, st.parts, true, st.diagBy)
		case fix != nil:
			rates := g.fieldRates(p, booked)
			if r.Float64() >= rates.inStock {
				break
			}
			loc := fw.local[p.unit.ID]
			if p.slow > 1.5 && booked.Before(g.fixAt) {
				loc = fw.central
			}
			// One part a ticket: the dashboard's drill-down lists tickets,
			// and a rate per reservation must list as many.
			parts := fw.common[spec.group]
			reserve(parts[r.IntN(len(parts))], loc, booked, &booked, false, fix.TechnicianID)
		}
	}
	g.stockLedger(fw, events, b)
	g.leaveDays(r, w, fw, busy, start)
}

// checks ticks the service standard: all required items with chance
// compliant, else one or two left undone (shoe covers and the clean-up
// most often).
func (g *gen) checks(r *rand.Rand, items []aftersales.ChecklistItem, compliant float64) []aftersales.VisitCheck {
	out := make([]aftersales.VisitCheck, len(items))
	miss := map[int]bool{}
	if r.Float64() >= compliant {
		often := []int{2, 5, 2, 5, 3, 1, 4}
		miss[often[r.IntN(len(often))]] = true
		if r.Float64() < 0.2 {
			miss[1+r.IntN(5)] = true
		}
	}
	for i, it := range items {
		done := !miss[it.Pos]
		if !it.Required {
			done = r.Float64() < 0.7
		}
		out[i] = aftersales.VisitCheck{Pos: it.Pos, Label: it.Label, Required: it.Required, Done: done}
	}
	return out
}

// stockLedger writes the ledger of the reservations' steps in time order,
// replenishing a location just before it would run short.
func (g *gen) stockLedger(fw *fieldWorld, events []stockEvent, b *aftersales.Bulk) {
	slices.SortFunc(events, func(a, b stockEvent) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.seq, b.seq))
	})
	l := &ledger{fw: fw, bal: map[[2]int64][2]int64{}}
	for _, e := range events {
		at := e.at.UTC()
		switch e.kind {
		case 0:
			if e.loc == fw.central {
				l.add(&aftersales.StockMovement{PartID: e.part, LocationID: e.loc, Kind: aftersales.MoveReceipt, OnHand: e.qty, At: at, Reason: "期初入库"})
			} else {
				l.transfer(e.part, e.loc, e.qty, at, "网点备件库建仓")
			}
		case 1:
			l.ensure(e.part, e.loc, e.qty, at)
			l.add(&aftersales.StockMovement{PartID: e.part, LocationID: e.loc, Kind: aftersales.MoveReserve, Reserved: e.qty, At: at,
				ReservationID: &e.res.ID, TicketID: &e.res.TicketID, ActorID: e.by})
			e.res.Status, e.res.FilledAt = aftersales.ReservationHeld, &at
		case 2:
			// The part comes from the warehouse for this reservation.
			l.transfer(e.part, e.loc, e.qty, at, "缺件调拨")
			l.add(&aftersales.StockMovement{PartID: e.part, LocationID: e.loc, Kind: aftersales.MoveReserve, Reserved: e.qty, At: at,
				ReservationID: &e.res.ID, TicketID: &e.res.TicketID})
			e.res.Status, e.res.FilledAt = aftersales.ReservationHeld, &at
		case 3:
			l.add(&aftersales.StockMovement{PartID: e.part, LocationID: e.loc, Kind: aftersales.MoveConsume, OnHand: -e.qty, Reserved: -e.qty,
				At: at, ReservationID: &e.res.ID, TicketID: &e.res.TicketID, ActorID: e.by})
			e.res.Status, e.res.ClosedAt = aftersales.ReservationConsumed, &at
		}
	}
	b.Field.Movements = l.lines
}

// leaveDays gives each technician a few days off on which they had no
// visit: some around the Spring Festival, some through the year.
func (g *gen) leaveDays(r *rand.Rand, w *world, fw *fieldWorld, busy map[int64]map[aftersales.Date]bool, start time.Time) {
	last := g.ends.In(g.opt.Zone).AddDate(0, 0, -2)
	var days []time.Time
	for d := start; d.Before(last); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	for _, p := range w.points {
		for _, tc := range p.techs {
			id := tc.u.ID
			if _, done := fw.leave[id]; done {
				continue
			}
			fw.leave[id] = []aftersales.Leave{}
			n := 0
			for _, d := range days {
				if springFestival(d) && !busy[id][aftersales.DateOf(d)] && r.Float64() < 0.6 {
					fw.leave[id] = append(fw.leave[id], aftersales.Leave{Start: d.UTC(), End: d.AddDate(0, 0, 1).UTC(), Reason: "春节休假"})
				}
			}
			for range 40 {
				d := days[r.IntN(len(days))]
				if n == 5 || busy[id][aftersales.DateOf(d)] || springFestival(d) {
					continue
				}
				if slices.ContainsFunc(fw.leave[id], func(l aftersales.Leave) bool { return l.Start.Equal(d.UTC()) }) {
					continue
				}
				fw.leave[id] = append(fw.leave[id], aftersales.Leave{Start: d.UTC(), End: d.AddDate(0, 0, 1).UTC(), Reason: "年假"})
				n++
			}
			slices.SortFunc(fw.leave[id], func(a, b aftersales.Leave) int { return a.Start.Compare(b.Start) })
		}
	}
}
