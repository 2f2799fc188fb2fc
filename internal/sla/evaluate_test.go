package sla

import (
	"testing"
	"time"

	"aftersales"

	"github.com/google/go-cmp/cmp"
)

func officeData() *aftersales.BusinessCalendar {
	day := []aftersales.TimeRange{{Start: "09:00", End: "18:00"}}
	return &aftersales.BusinessCalendar{Code: "office", Name: "Office", TimeZone: "Asia/Shanghai",
		Week:     map[string][]aftersales.TimeRange{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day},
		Holidays: []aftersales.Date{"2026-11-25"}}
}

func TestFromData(t *testing.T) {
	cal, err := FromData(officeData())
	if err != nil {
		t.Fatal(err)
	}
	sh := cal.Zone
	// T1 through the stored form.
	if got := cal.Between(at(sh, "2026-11-20 17:30"), at(sh, "2026-11-23 09:30")); got != time.Hour {
		t.Fatalf("T1 = %v", got)
	}
	if got := cal.Between(at(sh, "2026-11-25 10:00"), at(sh, "2026-11-25 12:00")); got != 0 {
		t.Fatalf("holiday = %v", got)
	}
	bad := officeData()
	bad.TimeZone = "Mars/Olympus"
	bad.Week["fri"] = []aftersales.TimeRange{{Start: "18:00", End: "09:00"}}
	bad.Week["fun"] = nil
	_, err = FromData(bad)
	fields := map[string]bool{}
	for _, f := range aftersales.ErrorFields(err) {
		fields[f.Field] = true
	}
	for _, want := range []string{"time_zone", "week.fri[0]", "week.fun"} {
		if !fields[want] {
			t.Errorf("%s not named: %v", want, err)
		}
	}
}

func TestEvaluate(t *testing.T) {
	cal, _ := FromData(officeData())
	sh := cal.Zone
	policy := &aftersales.SLAPolicy{ID: 7, Name: "repair", FirstResponseMin: 30, ResolutionMin: 8 * 60}
	created := at(sh, "2026-11-23 09:00") // Monday
	ch := func(s string, to aftersales.Status) StatusChange { return StatusChange{at(sh, s), to} }
	ptrT := func(s string) *time.Time { x := at(sh, s); return &x }
	yes, no := true, false

	for _, tc := range []struct {
		name                 string
		in                   Input
		frMet, resMet        *bool
		resDue, resBreachAt  string
		paused, cancelled    bool
		resElapsed, resPause float64
	}{
		{name: "running within target",
			in:     Input{Created: created, Now: at(sh, "2026-11-23 12:00")},
			resDue: "2026-11-23 17:00", resElapsed: 180},
		{name: "past due with no event: breached at the deadline",
			in:    Input{Created: created, Now: at(sh, "2026-11-24 10:00"), FirstResponseAt: ptrT("2026-11-23 09:10")},
			frMet: &yes, resMet: &no, resDue: "2026-11-23 17:00", resBreachAt: "2026-11-23 17:00", resElapsed: 600},
		{name: "resolved in time",
			in: Input{Created: created, Now: at(sh, "2026-12-30 00:00"), FirstResponseAt: ptrT("2026-11-23 09:45"),
				Changes: []StatusChange{ch("2026-11-23 10:00", aftersales.StatusAccepted), ch("2026-11-23 16:00", aftersales.StatusResolved), ch("2026-11-26 16:00", aftersales.StatusClosed)}},
			frMet: &no, resMet: &yes, resDue: "2026-11-23 17:00", resElapsed: 420},
		{name: "waiting for parts pauses the clock",
			in: Input{Created: created, Now: at(sh, "2026-11-24 12:00"),
				Changes: []StatusChange{ch("2026-11-23 10:00", aftersales.StatusAccepted), ch("2026-11-23 11:00", aftersales.StatusAwaitingParts),
					ch("2026-11-23 13:00", aftersales.StatusInService), ch("2026-11-24 10:00", aftersales.StatusResolved)}}, // exactly at the deadline: met
			resMet: &yes, resDue: "2026-11-24 10:00", resElapsed: 480, resPause: 120},
		{name: "paused now: no deadline",
			in: Input{Created: created, Now: at(sh, "2026-11-23 15:00"),
				Changes: []StatusChange{ch("2026-11-23 10:00", aftersales.StatusAwaitingCustomer)}},
			paused: true, resElapsed: 60, resPause: 300},
		{name: "reopened: the resolved spell is paused, the last resolution stands",
			in: Input{Created: created, Now: at(sh, "2026-11-30 09:00"),
				Changes: []StatusChange{ch("2026-11-23 10:00", aftersales.StatusAccepted), ch("2026-11-23 12:00", aftersales.StatusResolved),
					ch("2026-11-24 09:00", aftersales.StatusAccepted), ch("2026-11-24 16:00", aftersales.StatusResolved)}},
			resMet: &no, resDue: "2026-11-24 14:00", resBreachAt: "2026-11-24 14:00", resElapsed: 600, resPause: 360},
		{name: "cancelled before the deadline: no verdict",
			in: Input{Created: created, Now: at(sh, "2026-12-01 09:00"),
				Changes: []StatusChange{ch("2026-11-23 10:00", aftersales.StatusCancelled)}},
			resDue: "2026-11-23 17:00", cancelled: true, resElapsed: 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Evaluate(policy, cal, tc.in)
			fr, res := s.FirstResponse, s.Resolution
			if diff := cmp.Diff(tc.frMet, fr.Met); diff != "" && tc.frMet != nil {
				t.Errorf("first response met (-want +got): %s", diff)
			}
			if diff := cmp.Diff(tc.resMet, res.Met); diff != "" {
				t.Errorf("resolution met (-want +got): %s", diff)
			}
			if tc.resDue == "" && res.DueAt != nil || tc.resDue != "" && (res.DueAt == nil || !res.DueAt.Equal(at(sh, tc.resDue))) {
				t.Errorf("due = %v, want %q", res.DueAt, tc.resDue)
			}
			if tc.resBreachAt != "" && (res.BreachedAt == nil || !res.BreachedAt.Equal(at(sh, tc.resBreachAt))) {
				t.Errorf("breached at %v, want %s", res.BreachedAt, tc.resBreachAt)
			}
			if res.Paused != tc.paused || res.Cancelled != tc.cancelled {
				t.Errorf("paused %v cancelled %v", res.Paused, res.Cancelled)
			}
			if res.ElapsedMinutes != tc.resElapsed || res.PausedMinutes != tc.resPause {
				t.Errorf("elapsed %v paused %v, want %v %v", res.ElapsedMinutes, res.PausedMinutes, tc.resElapsed, tc.resPause)
			}
		})
	}

	t.Run("the verdict does not depend on when it is computed", func(t *testing.T) {
		in := Input{Created: created, FirstResponseAt: ptrT("2026-11-23 09:20"),
			Changes: []StatusChange{ch("2026-11-23 10:00", aftersales.StatusAccepted), ch("2026-11-24 10:00", aftersales.StatusResolved)}}
		var first aftersales.TicketSLA
		for i, now := range []string{"2026-11-24 10:00", "2026-11-30 00:00", "2027-06-01 00:00"} {
			in.Now = at(sh, now)
			s := Evaluate(policy, cal, in)
			s.EvaluatedAt = time.Time{}
			if i == 0 {
				first = s
				if *s.Resolution.Met || !s.Resolution.BreachedAt.Equal(at(sh, "2026-11-23 17:00")) || !*s.FirstResponse.Met {
					t.Fatalf("state = %+v %+v", s.FirstResponse, s.Resolution)
				}
				continue
			}
			if diff := cmp.Diff(first, s); diff != "" {
				t.Fatalf("evaluated at %s (-first +now):\n%s", now, diff)
			}
		}
	})
}

func TestPolicyMatching(t *testing.T) {
	c := aftersales.SLAConditions{Urgency: []aftersales.Urgency{aftersales.UrgencyUrgent}, CategoryID: []int64{2}, ServiceUnit: []int64{10}}
	f := aftersales.SLAFacts{Urgency: aftersales.UrgencyUrgent, CategoryPath: []int64{2, 5}, UnitPath: []int64{10, 11, 12}}
	if !c.Matches(f) {
		t.Fatal("a ticket in a sub-category under the region should match")
	}
	f.Urgency = aftersales.UrgencyLow
	if c.Matches(f) {
		t.Fatal("urgency mismatch matched")
	}
	if !(aftersales.SLAConditions{}).Matches(f) {
		t.Fatal("empty conditions should match anything")
	}
}

func TestPlan(t *testing.T) {
	cal, _ := FromData(officeData())
	sh := cal.Zone
	team := int64(9)
	p := &aftersales.SLAPolicy{ID: 1, Name: "std", ResolutionMin: 8 * 60, WarnAt: []float64{0.75},
		Escalations: []aftersales.EscalationStep{{AfterMinutes: 0, Notify: aftersales.NotifySupervisor}, {AfterMinutes: 60, Notify: aftersales.NotifyTeam, ReassignTeamID: &team}}}
	created := at(sh, "2026-11-23 09:00")
	steps := func(in Input) map[string]string {
		_, st := Plan(p, cal, in)
		out := map[string]string{}
		for _, s := range st {
			out[s.Key] = s.At.In(sh).Format("01-02 15:04")
		}
		return out
	}
	got := steps(Input{Created: created, Now: at(sh, "2026-11-23 09:30")})
	want := map[string]string{"resolution:warn:0.75": "11-23 15:00", "resolution:esc:1": "11-23 17:00", "resolution:esc:2": "11-23 18:00"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	// An hour waiting for parts moves every step by a business hour.
	paused := Input{Created: created, Now: at(sh, "2026-11-23 12:00"), Changes: []StatusChange{
		{at(sh, "2026-11-23 10:00"), aftersales.StatusAwaitingParts}, {at(sh, "2026-11-23 11:00"), aftersales.StatusInService}}}
	want = map[string]string{"resolution:warn:0.75": "11-23 16:00", "resolution:esc:1": "11-23 18:00", "resolution:esc:2": "11-24 10:00"}
	if diff := cmp.Diff(want, steps(paused)); diff != "" {
		t.Errorf("steps after a pause (-want +got):\n%s", diff)
	}
	// Paused now, or resolved: nothing to warn about.
	for name, in := range map[string]Input{
		"paused":   {Created: created, Now: at(sh, "2026-11-23 12:00"), Changes: []StatusChange{{at(sh, "2026-11-23 10:00"), aftersales.StatusAwaitingCustomer}}},
		"resolved": {Created: created, Now: at(sh, "2026-11-23 12:00"), Changes: []StatusChange{{at(sh, "2026-11-23 10:00"), aftersales.StatusResolved}}},
	} {
		if got := steps(in); len(got) != 0 {
			t.Errorf("%s: steps %v", name, got)
		}
	}
}

func TestArrivalAndNextResponse(t *testing.T) {
	cal, _ := FromData(officeData())
	sh := cal.Zone
	p := &aftersales.SLAPolicy{ID: 3, Name: "visit", ArrivalMin: 4 * 60, NextResponseMin: 30}
	created := at(sh, "2026-11-23 09:00")
	in := Input{Created: created, Now: at(sh, "2026-11-24 12:00"),
		Changes: []StatusChange{{at(sh, "2026-11-23 09:30"), aftersales.StatusAccepted}, {at(sh, "2026-11-23 10:00"), aftersales.StatusAwaitingCustomer},
			{at(sh, "2026-11-23 11:00"), aftersales.StatusAccepted}, {at(sh, "2026-11-23 14:00"), aftersales.StatusInService},
			{at(sh, "2026-11-23 15:00"), aftersales.StatusDiagnosing}, {at(sh, "2026-11-24 10:00"), aftersales.StatusInService}},
		Messages: []Message{{at(sh, "2026-11-23 09:05"), true}, {at(sh, "2026-11-23 09:20"), false}, // answered in 15 min
			{at(sh, "2026-11-24 09:00"), true}, {at(sh, "2026-11-24 09:50"), false}, {at(sh, "2026-11-24 11:00"), false}}, // answered in 50 min
	}
	s := Evaluate(p, cal, in)
	// Arrival: 09:00-10:00 and 11:00-14:00 count (the customer was waited for
	// in between): 4 h exactly, on time; the second visit does not count.
	if a := s.Arrival; a.Met == nil || !*a.Met || a.ElapsedMinutes != 240 || !a.StoppedAt.Equal(at(sh, "2026-11-23 14:00")) {
		t.Errorf("arrival = %+v", a)
	}
	// Next response: the latest customer message (Tuesday 09:00) was
	// answered at 09:50, 20 minutes late.
	if n := s.NextResponse; n.Met == nil || *n.Met || !n.BreachedAt.Equal(at(sh, "2026-11-24 09:30")) || n.ElapsedMinutes != 50 {
		t.Errorf("next response = %+v", n)
	}
	// An unanswered customer message keeps the clock running.
	in.Messages = append(in.Messages, Message{at(sh, "2026-11-24 11:50"), true})
	s = Evaluate(p, cal, in)
	if n := s.NextResponse; n.Met != nil || n.StoppedAt != nil || n.RemainingMinutes != 20 {
		t.Errorf("open next response = %+v", n)
	}
}

// A phone consultation answered and resolved without anyone going on site
// has no arrival to wait for: the arrival clock must not keep running (and
// later breach and escalate) after the resolution.
func TestArrivalWithoutVisit(t *testing.T) {
	cal, _ := FromData(officeData())
	sh := cal.Zone
	p := &aftersales.SLAPolicy{ID: 4, Name: "all", FirstResponseMin: 30, ArrivalMin: 4 * 60, ResolutionMin: 8 * 60, Escalations: []aftersales.EscalationStep{{AfterMinutes: 60}}}
	created := at(sh, "2026-11-23 09:00")
	resolved := at(sh, "2026-11-23 10:00")
	ch := func(s string, to aftersales.Status) StatusChange { return StatusChange{at(sh, s), to} }
	for _, tc := range []struct {
		name    string
		changes []StatusChange
		now     string
		elapsed float64 // minutes up to the resolution, pauses excluded
	}{
		{"resolved", []StatusChange{ch("2026-11-23 09:10", aftersales.StatusAccepted), {resolved, aftersales.StatusResolved}}, "2026-11-25 12:00", 60},
		{"closed", []StatusChange{ch("2026-11-23 09:10", aftersales.StatusAccepted), {resolved, aftersales.StatusResolved},
			ch("2026-11-23 11:00", aftersales.StatusClosed)}, "2026-11-25 12:00", 60},
		{"resolved from awaiting customer", []StatusChange{ch("2026-11-23 09:10", aftersales.StatusAwaitingCustomer), {resolved, aftersales.StatusResolved}}, "2026-11-23 10:30", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, steps := Plan(p, cal, Input{Created: created, Changes: tc.changes, Now: at(sh, tc.now)})
			a := s.Arrival
			if a == nil {
				t.Fatal("no arrival clock; want one that says it does not apply")
			}
			if !a.NotApplicable || a.Met != nil || a.BreachedAt != nil || a.Paused || a.StoppedAt == nil || !a.StoppedAt.Equal(resolved) {
				t.Errorf("arrival = %+v, want not applicable, stopped at the resolution, no verdict", a)
			}
			if a.ElapsedMinutes != tc.elapsed {
				t.Errorf("arrival elapsed = %v, want %v", a.ElapsedMinutes, tc.elapsed)
			}
			for _, st := range steps {
				if st.Clock == "arrival" {
					t.Errorf("step %s planned for an arrival that will not happen", st.Key)
				}
			}
		})
	}
	// Reopened and then visited: the arrival counts again.
	s := Evaluate(p, cal, Input{Created: created, Now: at(sh, "2026-11-23 12:00"), Changes: []StatusChange{
		ch("2026-11-23 09:10", aftersales.StatusAccepted), {resolved, aftersales.StatusResolved},
		ch("2026-11-23 10:30", aftersales.StatusAccepted), ch("2026-11-23 11:00", aftersales.StatusInService)}})
	if a := s.Arrival; a.NotApplicable || a.Met == nil || !*a.Met || !a.StoppedAt.Equal(at(sh, "2026-11-23 11:00")) {
		t.Errorf("arrival after reopening = %+v", a)
	}
	// Reopened, not visited yet: running again.
	s = Evaluate(p, cal, Input{Created: created, Now: at(sh, "2026-11-23 11:00"), Changes: []StatusChange{
		ch("2026-11-23 09:10", aftersales.StatusAccepted), {resolved, aftersales.StatusResolved}, ch("2026-11-23 10:30", aftersales.StatusAccepted)}})
	if a := s.Arrival; a.NotApplicable || a.StoppedAt != nil || a.Met != nil {
		t.Errorf("arrival reopened = %+v", a)
	}
}
