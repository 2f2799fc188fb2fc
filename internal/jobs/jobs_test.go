package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"aftersales"
	"aftersales/internal/auth"
	"aftersales/internal/jobs"
	"aftersales/internal/sqlstore"
)

// TestSLAStepsOverSimulatedDays runs the real sweeper loop on a real
// SQLite store inside a synctest bubble, where time.Now and the ticker are
// simulated: two days pass in no time. Each warning and escalation fires
// once, at its own time, and a restarted sweeper fires nothing again.
func TestSLAStepsOverSimulatedDays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		admin, _ := db.BootstrapUser(ctx, aftersales.UserInput{Email: "a@example.com", Name: "a", Role: aftersales.RoleAdmin, Password: "admin-password-1"})
		actx := aftersales.NewContextWithUser(ctx, admin)
		team, _ := db.CreateTeam(actx, aftersales.TeamInput{Code: "t", Name: "一组"})
		l2, _ := db.CreateTeam(actx, aftersales.TeamInput{Code: "l2", Name: "二线"})
		tech, _ := db.CreateUser(actx, aftersales.UserInput{Email: "tech@example.com", Name: "师傅", Role: aftersales.RoleTechnician, TeamID: &team.ID, Password: "password-123456"})
		sup, _ := db.CreateUser(actx, aftersales.UserInput{Email: "sup@example.com", Name: "主管", Role: aftersales.RoleSupervisor, TeamID: &team.ID, Password: "password-123456"})
		expert, _ := db.CreateUser(actx, aftersales.UserInput{Email: "l2@example.com", Name: "专家", Role: aftersales.RoleTechnician, TeamID: &l2.ID, Password: "password-123456"})
		// Calendar time (24x7) keeps the arithmetic obvious: 4 h to resolve,
		// warn at 75%, escalate to the supervisor at the breach and to the
		// level-2 team an hour later.
		if _, err := db.CreatePolicy(actx, aftersales.SLAPolicy{Name: "p", Active: true, ResolutionMin: 240, WarnAt: []float64{0.75},
			Escalations: []aftersales.EscalationStep{{AfterMinutes: 0, Notify: aftersales.NotifySupervisor}, {AfterMinutes: 60, Notify: aftersales.NotifyTeam, ReassignTeamID: &l2.ID}}}); err != nil {
			t.Fatal(err)
		}
		cust, _ := db.CreateCustomer(actx, aftersales.CustomerInput{Name: "客户"})
		start := time.Now()
		ch, na, ur, title := aftersales.ChannelPhone, aftersales.NatureRepair, aftersales.UrgencyNormal, "不制冷"
		tk, err := db.CreateTicket(actx, aftersales.TicketInput{Channel: &ch, Nature: &na, Urgency: &ur, Title: &title, CustomerID: &cust.ID, TeamID: &team.ID, AssigneeID: &tech.ID})
		if err != nil {
			t.Fatal(err)
		}

		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		run := func(d time.Duration) {
			jctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { jobs.Every(jctx, "sla", time.Minute, log, jobs.SweepSLA(db, log)); close(done) }()
			time.Sleep(d)
			cancel()
			<-done
		}
		run(48 * time.Hour)
		events, _ := db.Timeline(actx, tk.ID)
		got := map[string]time.Duration{}
		for _, e := range events {
			if e.Kind == "sla_warning" || e.Kind == "sla_escalation" {
				if _, dup := got[e.Field]; dup {
					t.Fatalf("step %s fired twice", e.Field)
				}
				got[e.Field] = e.At.Sub(start)
			}
		}
		want := map[string]time.Duration{"resolution:warn:0.75": 3 * time.Hour, "resolution:esc:1": 4 * time.Hour, "resolution:esc:2": 5 * time.Hour}
		for k, at := range want {
			// Fired by the first tick at or after the step's time.
			if g, ok := got[k]; !ok || g < at || g > at+time.Minute {
				t.Errorf("step %s fired at +%v, want +%v (within a minute)", k, g, at)
			}
		}
		if len(got) != len(want) {
			t.Errorf("steps fired: %v", got)
		}
		after, _ := db.FindTicket(actx, tk.ID)
		if after.TeamID == nil || *after.TeamID != l2.ID || after.AssigneeID != nil {
			t.Errorf("level 2 did not hand the ticket to the second line: team %v assignee %v", after.TeamID, after.AssigneeID)
		}
		count := func(u *aftersales.User) int {
			n, err := db.UnreadNotifications(aftersales.NewContextWithUser(ctx, u))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if count(tech) != 3 || count(sup) != 2 || count(expert) != 1 {
			t.Errorf("notifications: technician %d (want 3), supervisor %d (want 2: level 1, and level 2 notifies the team), level-2 expert %d (want 1)", count(tech), count(sup), count(expert))
		}
		// A restarted sweeper fires nothing twice.
		run(24 * time.Hour)
		events2, _ := db.Timeline(actx, tk.ID)
		if len(events2) != len(events) {
			t.Errorf("a restart added %d events", len(events2)-len(events))
		}
	})
}

// burst is a WriteLoad: while on, every reading finds a thousand more
// writes queued than the one before.
type burst struct {
	on bool
	n  uint64
}

func (b *burst) QueuedWrites() uint64 {
	if b.on {
		b.n += 1000
	}
	return b.n
}

// TestYieldToWritesProgressesUnderLoad runs the wrapped job as Every does
// (passes chained while it reports more, then the next tick), counting
// passes: under constant request load it runs exactly one pass per tick,
// so its backlog shrinks every tick and never stalls; once the load stops,
// the next tick chains passes until the backlog is gone.
func TestYieldToWritesProgressesUnderLoad(t *testing.T) {
	load := &burst{on: true}
	backlog, passes := 100, 0
	job := jobs.YieldToWrites(load, func(context.Context) (bool, error) {
		passes++
		backlog--
		return backlog > 0, nil
	})
	tick := func() {
		for {
			more, err := job(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !more {
				return
			}
		}
	}
	for i := 1; i <= 30; i++ {
		tick()
		if passes != i {
			t.Fatalf("after %d ticks under load, %d passes: want one per tick", i, passes)
		}
	}
	load.on = false
	tick()
	if backlog != 0 {
		t.Errorf("the first tick after the load left %d batches, want the backlog drained", backlog)
	}
	if passes != 100 {
		t.Errorf("%d passes in all, want 100", passes)
	}
}

// TestYieldToWritesChainsWhenQuiet: without queued writes the wrapped job
// chains passes as before, so an import or the demo drains at once.
func TestYieldToWritesChainsWhenQuiet(t *testing.T) {
	backlog := 10
	job := jobs.YieldToWrites(&burst{}, func(context.Context) (bool, error) {
		backlog--
		return backlog > 0, nil
	})
	for more := true; more; {
		var err error
		if more, err = job(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if backlog != 0 {
		t.Errorf("%d batches left, want none", backlog)
	}
}
