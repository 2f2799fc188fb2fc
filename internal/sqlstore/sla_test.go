package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

func TestTicketSLA(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		sh := Shanghai(t)
		clock := NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, sh)) // Monday
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		day := []aftersales.TimeRange{{Start: "09:00", End: "12:00"}, {Start: "13:00", End: "18:00"}}
		cal, err := db.CreateCalendar(ctx, aftersales.BusinessCalendar{Code: "office", Name: "办公时间", TimeZone: "Asia/Shanghai",
			Week: map[string][]aftersales.TimeRange{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}, Holidays: []aftersales.Date{"2026-11-25"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreatePolicy(ctx, aftersales.SLAPolicy{Name: "紧急", Priority: 10, Active: true, CalendarID: &cal.ID,
			Conditions:       aftersales.SLAConditions{Urgency: []aftersales.Urgency{aftersales.UrgencyUrgent}},
			FirstResponseMin: 15, ResolutionMin: 4 * 60}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreatePolicy(ctx, aftersales.SLAPolicy{Name: "标准", Priority: 100, Active: true, CalendarID: &cal.ID,
			FirstResponseMin: 60, ResolutionMin: 24 * 60, WarnAt: []float64{0.75}}); err != nil {
			t.Fatal(err)
		}
		c := MustCustomer(t, ctx, db, "客户")
		tk := MustTicket(t, ctx, db, c.ID, "空调不制冷")
		s, err := db.TicketSLA(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		// 24 business hours (8 a day) from Monday 09:00, Wednesday off: Thursday 18:00.
		if s.PolicyName != "标准" || !s.Business || !s.Resolution.DueAt.Equal(time.Date(2026, 11, 26, 18, 0, 0, 0, sh)) {
			t.Fatalf("sla = %+v due %v", s, s.Resolution.DueAt)
		}
		events, _ := db.Timeline(ctx, tk.ID)
		if len(events) != 2 || events[1].Kind != "sla_changed" || events[1].To != "标准" || !strings.Contains(events[1].Body, "2026-11-26 18:00") {
			t.Fatalf("timeline = %+v", events[1])
		}

		// The views of tickets at risk, from the stored deadlines.
		other := MustTicket(t, ctx, db, c.ID, "冰箱不通电")
		ids := func(sla string) []int64 {
			t.Helper()
			page, err := db.ListTickets(ctx, aftersales.TicketFilter{SLA: sla, Sort: aftersales.SortUrgencyDesc})
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, x := range page.Tickets {
				out = append(out, x.ID)
			}
			return out
		}
		if got := ids("overdue"); len(got) != 0 {
			t.Fatalf("overdue at creation: %v", got)
		}
		clock.Advance(61 * time.Minute) // both first responses are now overdue
		if got := ids("overdue"); len(got) != 2 {
			t.Fatalf("overdue after the first-response target: %v", got)
		}
		if _, err := db.AddComment(ctx, other.ID, aftersales.CommentInput{Body: "已收到", Public: true}); err != nil {
			t.Fatal(err)
		}
		if got := ids("overdue"); len(got) != 1 || got[0] != tk.ID {
			t.Fatalf("overdue after answering one: %v", got)
		}
		page, _ := db.ListTickets(ctx, aftersales.TicketFilter{})
		if page.Tickets[0].ResolutionDueAt == nil || page.Tickets[0].SLABreached != true {
			t.Fatalf("list row lacks its SLA: %+v", page.Tickets[0])
		}
		if _, err := db.ListTickets(ctx, aftersales.TicketFilter{SLA: "late"}); fieldsOf(err)["sla"] == "" {
			t.Fatalf("bad sla filter: %v", err)
		}
		clock.Advance(-61 * time.Minute)

		// Raising the urgency switches policy; the change is in the timeline.
		clock.Advance(30 * time.Minute)
		tk, err = db.UpdateTicket(ctx, tk.ID, tk.Version, aftersales.TicketInput{Urgency: Ptr(aftersales.UrgencyUrgent)})
		if err != nil {
			t.Fatal(err)
		}
		s, _ = db.TicketSLA(ctx, tk.ID)
		if s.PolicyName != "紧急" || !s.Resolution.DueAt.Equal(time.Date(2026, 11, 23, 14, 0, 0, 0, sh)) {
			t.Fatalf("after urgency change: %s due %v", s.PolicyName, s.Resolution.DueAt)
		}
		// The first reply came after 15 minutes: first response breached at its deadline.
		if fr := s.FirstResponse; fr.Met == nil || *fr.Met || !fr.BreachedAt.Equal(time.Date(2026, 11, 23, 9, 15, 0, 0, sh)) {
			t.Fatalf("first response = %+v", fr)
		}
		move := func(to aftersales.Status) {
			t.Helper()
			var err error
			if tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: to, Version: tk.Version, Reason: "已处理"}); err != nil {
				t.Fatal(err)
			}
		}
		move(aftersales.StatusAccepted)
		clock.Advance(30 * time.Minute) // 10:00
		move(aftersales.StatusAwaitingParts)
		clock.Advance(24 * time.Hour) // Tuesday 10:00, paused for 8 business hours
		s, _ = db.TicketSLA(ctx, tk.ID)
		if !s.Resolution.Paused || s.Resolution.DueAt != nil || s.Resolution.ElapsedMinutes != 60 {
			t.Fatalf("while paused: %+v", s.Resolution)
		}
		move(aftersales.StatusInService)
		clock.Advance(2 * time.Hour) // Tuesday 12:00
		move(aftersales.StatusResolved)
		s, _ = db.TicketSLA(ctx, tk.ID)
		// 1 business hour before the pause, 2 after it: met, decided at the resolution.
		if r := s.Resolution; r.Met == nil || !*r.Met || r.ElapsedMinutes != 180 || !r.StoppedAt.Equal(clock.Now()) {
			t.Fatalf("resolution = %+v", r)
		}
		clock.Advance(30 * 24 * time.Hour)
		later, _ := db.TicketSLA(ctx, tk.ID)
		if *later.Resolution.Met != true || later.Resolution.ElapsedMinutes != 180 {
			t.Fatal("the verdict changed with the time of evaluation")
		}

		_, err = db.CreatePolicy(ctx, aftersales.SLAPolicy{Name: "", PauseStatuses: []aftersales.Status{aftersales.StatusResolved}, WarnAt: []float64{1.5}, CalendarID: Ptr(int64(99))})
		f := fieldsOf(err)
		for _, k := range []string{"name", "resolution_minutes", "pause_statuses[0]", "warn_at[0]"} {
			if f[k] == "" {
				t.Errorf("policy field %s not named: %v", k, err)
			}
		}
		_, err = db.CreatePolicy(ctx, aftersales.SLAPolicy{Name: "x", ResolutionMin: 60, CalendarID: Ptr(int64(99))})
		if fieldsOf(err)["calendar_id"] == "" {
			t.Errorf("missing calendar: %v", err)
		}
		_, err = db.CreateCalendar(ctx, aftersales.BusinessCalendar{Code: "bad", Name: "x", TimeZone: "Asia/Nowhere",
			Week: map[string][]aftersales.TimeRange{"mon": {{Start: "09:00", End: "25:00"}}}})
		if f := fieldsOf(err); f["time_zone"] == "" || f["week.mon[0]"] == "" {
			t.Errorf("bad calendar: %v", err)
		}
	})
}

func TestTicketCalendars(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		sh := Shanghai(t)
		clock := NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, sh)) // Monday 09:00
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		mk := func(code, from, to string) *aftersales.BusinessCalendar {
			day := []aftersales.TimeRange{{Start: from, End: to}}
			c, err := db.CreateCalendar(ctx, aftersales.BusinessCalendar{Code: code, Name: code, TimeZone: "Asia/Shanghai",
				Week: map[string][]aftersales.TimeRange{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		night := mk("night", "18:00", "24:00")
		south := mk("south", "10:00", "19:00")
		reg, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "south", Name: "华南", CalendarID: &south.ID})
		br, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "gz", Name: "广州", ParentID: &reg.ID})
		ws, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitWorkstation, Code: "th", Name: "天河", ParentID: &br.ID})
		sp, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitServicePoint, Code: "th1", Name: "天河网点", ParentID: &ws.ID})
		nightTeam, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "n", Name: "夜班", CalendarID: &night.ID})
		if err != nil || nightTeam.CalendarID == nil {
			t.Fatalf("team = %+v, %v", nightTeam, err)
		}
		if _, err := db.CreatePolicy(ctx, aftersales.SLAPolicy{Name: "按工单日历", Active: true, UseTicketCalendar: true, ResolutionMin: 120}); err != nil {
			t.Fatal(err)
		}
		c := MustCustomer(t, ctx, db, "客户")
		due := func(in aftersales.TicketInput) time.Time {
			t.Helper()
			tk, err := db.CreateTicket(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := db.TicketSLA(ctx, tk.ID)
			return s.Resolution.DueAt.In(sh)
		}
		in := TicketInput(c.ID, "夜班工单")
		in.TeamID = &nightTeam.ID
		if got := due(in); !got.Equal(time.Date(2026, 11, 23, 20, 0, 0, 0, sh)) {
			t.Errorf("team calendar: due %v, want Monday 20:00", got)
		}
		in = TicketInput(c.ID, "华南工单")
		in.ServiceUnitID = &sp.ID
		if got := due(in); !got.Equal(time.Date(2026, 11, 23, 12, 0, 0, 0, sh)) {
			t.Errorf("region calendar inherited by the service point: due %v, want Monday 12:00", got)
		}
		if got := due(TicketInput(c.ID, "无日历")); !got.Equal(time.Date(2026, 11, 23, 11, 0, 0, 0, sh)) {
			t.Errorf("no calendar anywhere: due %v, want 24x7 11:00", got)
		}
	})
}

func TestArrivalAndNextResponseStored(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		if _, err := db.CreatePolicy(ctx, aftersales.SLAPolicy{Name: "上门", Active: true, ArrivalMin: 180, NextResponseMin: 30}); err != nil {
			t.Fatal(err)
		}
		c := MustCustomer(t, ctx, db, "客户")
		tk := MustTicket(t, ctx, db, c.ID, "上门维修")
		clock.Advance(10 * time.Minute)
		if _, err := db.AddComment(ctx, tk.ID, aftersales.CommentInput{Body: "客户来电：师傅几点到？", FromCustomer: true}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(40 * time.Minute) // 10 min past the next-response target
		page, _ := db.ListTickets(ctx, aftersales.TicketFilter{SLA: "overdue"})
		if len(page.Tickets) != 1 {
			t.Fatalf("unanswered customer message not overdue: %d tickets", len(page.Tickets))
		}
		if _, err := db.AddComment(ctx, tk.ID, aftersales.CommentInput{Body: "师傅下午两点到", Public: true}); err != nil {
			t.Fatal(err)
		}
		s, _ := db.TicketSLA(ctx, tk.ID)
		if n := s.NextResponse; n == nil || n.Met == nil || *n.Met || n.ElapsedMinutes != 40 {
			t.Fatalf("next response = %+v", n)
		}
		for _, st := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusInService} {
			clock.Advance(30 * time.Minute)
			if tk, _ = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: st, Version: tk.Version}); tk == nil {
				t.Fatal("transition failed")
			}
		}
		s, _ = db.TicketSLA(ctx, tk.ID)
		if a := s.Arrival; a == nil || a.Met == nil || !*a.Met || a.ElapsedMinutes != 110 {
			t.Fatalf("arrival = %+v", a)
		}
		if page, _ := db.ListTickets(ctx, aftersales.TicketFilter{SLA: "overdue"}); len(page.Tickets) != 0 {
			t.Fatalf("answered and arrived ticket still overdue")
		}
		events, _ := db.Timeline(ctx, tk.ID)
		found := false
		for _, e := range events {
			found = found || e.Kind == aftersales.EventCustomerMessage && e.Body == "客户来电：师傅几点到？"
		}
		if !found {
			t.Fatal("customer message not in the timeline")
		}
	})
}
