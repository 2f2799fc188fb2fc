package console_test

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// entriesCount is a drill-down summary that counts visits or follow-up
// tasks: "3 of 5 visits, on 2 tickets listed".
var entriesCount = regexp.MustCompile(`id="drill-count">([\d,]+) of ([\d,]+) [a-z -]+, on ([\d,]+) tickets listed<`)

// tileDrill follows a dashboard tile to its drill-down and returns the
// tile's count and sample and the list's summary.
func tileDrill(t *testing.T, b *browser, key string) (count, of int64, list string) {
	t.Helper()
	s, body := b.get("/dashboard")
	if s != 200 {
		t.Fatalf("dashboard: %d", s)
	}
	for _, m := range tileLink.FindAllStringSubmatch(body, -1) {
		if m[1] != key {
			continue
		}
		if m[3] == "" || m[4] == "" {
			t.Fatalf("tile %s has no count: %q", key, m[0])
		}
		s, list := b.get(html.UnescapeString(m[2]))
		if s != 200 {
			t.Fatalf("%s: %d", m[2], s)
		}
		return atoi(t, m[3]), atoi(t, m[4]), list
	}
	t.Fatalf("no tile %s that drills down", key)
	return 0, 0, ""
}

// TestWindowOnTimeDrillCountsVisits: window_on_time counts visits (a
// visit checked in after its promised window is late), so a ticket with
// two late visits counts twice. Its drill-down lists the tickets with a
// late visit and states the late visits, of all visits checked in: the
// numbers the tile showed. On the old code the list said "1 of 3"
// (tickets; B, with a late and an on-time visit, left out) where the
// tile counted 3 late visits of 5.
//
//	A: late on day 1, late on day 2     -> 2 late
//	B: on time on day 2, late on day 3  -> 1 late, 1 on time
//	C: on time on day 1                 -> 1 on time
func TestWindowOnTimeDrillCountsVisits(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock, at := monthClock(t)
		db.Now = clock.Now
		app := webtest.Start(t, db)
		ctx := app.Ctx
		c := testutil.MustCustomer(t, ctx, db, "时段客户")
		visit := func(tk *aftersales.Ticket, d, checkIn int) {
			t.Helper()
			v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(d, 9), WindowEnd: at(d, 11), DurationMin: 60})
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(at(d, checkIn).Sub(clock.Now()))
			v, err = db.StepVisit(ctx, tk.ID, v.ID, aftersales.VisitStep{To: aftersales.VisitCheckedIn, Version: v.Version})
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
			if _, err := db.StepVisit(ctx, tk.ID, v.ID, aftersales.VisitStep{To: aftersales.VisitCompleted, Outcome: aftersales.OutcomeNeedsParts, Version: v.Version}); err != nil {
				t.Fatal(err)
			}
		}
		a := testutil.MustTicket(t, ctx, db, c.ID, "A")
		b := testutil.MustTicket(t, ctx, db, c.ID, "B")
		cc := testutil.MustTicket(t, ctx, db, c.ID, "C")
		visit(cc, 1, 10)
		visit(a, 1, 12)
		visit(b, 2, 10)
		visit(a, 2, 12)
		visit(b, 3, 12)
		refresh(t, db, clock)
		res, err := db.Metric(ctx, aftersales.MetricQuery{KPI: "window_on_time", From: at(1, 0), To: at(4, 0)})
		if err != nil || res.Total.Value == nil || res.Total.Num != 2 || res.Total.N != 5 {
			t.Fatalf("window_on_time = %+v (%v), want 2 of 5 visits on time", res.Total, err)
		}
		for _, tc := range []struct{ lang, want string }{
			{"en", "3 of 5 visits, on 2 tickets listed"},
			{"zh-CN", "3 次上门（共 5 次），列出 2 张工单"},
		} {
			br := newBrowser(t, app, tc.lang)
			br.login("admin@example.com", "admin-password-1")
			count, of, list := tileDrill(t, br, "window_on_time")
			if count != 3 || of != 5 {
				t.Errorf("%s: tile counts %d of %d, want 3 late visits of 5", tc.lang, count, of)
			}
			if got := between(list, `id="drill-count">`, "<"); got != `id="drill-count">`+tc.want {
				t.Errorf("%s: drill-down summary %q, want %q", tc.lang, got, tc.want)
			}
			if tc.lang != "en" {
				continue
			}
			m := entriesCount.FindStringSubmatch(list)
			if m == nil || atoi(t, m[1]) != count || atoi(t, m[2]) != of {
				t.Errorf("drill-down states %v, the tile %d of %d", m, count, of)
			}
			// The tickets listed are A and B, the ones with a late visit.
			for _, tk := range []*aftersales.Ticket{a, b, cc} {
				listed := strings.Contains(list, `href="/tickets/`+fmtID(tk.ID)+`"`)
				if listed != (tk != cc) {
					t.Errorf("ticket %s listed: %v", tk.Title, listed)
				}
			}
		}
	})
}

// monthClock is a clock at the start of this month (the dashboard's
// default period), and at(d, h) the local hour h of its day d.
func monthClock(t *testing.T) (*testutil.Clock, func(d, h int) time.Time) {
	now := time.Now().In(testutil.Shanghai(t))
	at := func(d, h int) time.Time { return time.Date(now.Year(), now.Month(), d, h, 0, 0, 0, now.Location()) }
	return testutil.NewClock(at(1, 8)), at
}

// refresh runs what the kpi-rollups job does until nothing is pending,
// and brings the clock up to now, in the same month, so that sessions
// are not already expired for the cookie jar.
func refresh(t *testing.T, db *sqlstore.DB, clock *testutil.Clock) {
	t.Helper()
	clock.Advance(max(0, time.Since(clock.Now())))
	for {
		n, err := db.RefreshRollups(t.Context(), 2000)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func fmtID(id int64) string { return strconv.FormatInt(id, 10) }

// TestFollowupDrillCountsTasks: the follow-up KPIs count tasks done (and
// their answers), as many as a ticket had in the period; a click on a
// value lists the tickets and states the tasks, the numbers the chart
// showed. On the old code these KPIs had no drill-down at all.
//
//	A: answered "not solved" (reopened), resolved again, "dissatisfied"
//	B: answered "satisfied"
func TestFollowupDrillCountsTasks(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock, _ := monthClock(t)
		db.Now = clock.Now
		app := webtest.Start(t, db)
		ctx := app.Ctx
		if _, err := db.CreateFollowupPolicy(ctx, aftersales.FollowupPolicy{Name: "全部", Position: 1, Active: true,
			SamplePercent: 100, DeadlineHours: 48, MaxAttempts: 2}); err != nil {
			t.Fatal(err)
		}
		c := testutil.MustCustomer(t, ctx, db, "回访客户")
		resolve := func(tk *aftersales.Ticket, steps ...aftersales.Status) *aftersales.Ticket {
			t.Helper()
			tk, err := db.FindTicket(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, to := range steps {
				clock.Advance(time.Minute)
				if tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: to, Reason: "已处理", Version: tk.Version}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.SweepFollowups(ctx, 100); err != nil {
				t.Fatal(err)
			}
			return tk
		}
		answer := func(tk *aftersales.Ticket, a aftersales.FollowupAnswer) {
			t.Helper()
			list, err := db.ListFollowups(ctx, aftersales.FollowupFilter{TicketID: &tk.ID, Status: aftersales.FollowupOpen})
			if err != nil || len(list) != 1 {
				t.Fatalf("ticket %s: open tasks %d (%v), want 1", tk.Title, len(list), err)
			}
			clock.Advance(time.Minute)
			a.Version = list[0].Version
			if _, err := db.AnswerFollowup(ctx, list[0].ID, a); err != nil {
				t.Fatal(err)
			}
		}
		a := resolve(testutil.MustTicket(t, ctx, db, c.ID, "A"), aftersales.StatusAccepted, aftersales.StatusResolved)
		b := resolve(testutil.MustTicket(t, ctx, db, c.ID, "B"), aftersales.StatusAccepted, aftersales.StatusResolved)
		answer(a, aftersales.FollowupAnswer{Outcome: aftersales.OutcomeNotSolved, Reason: "还是不制冷"})
		answer(b, aftersales.FollowupAnswer{Outcome: aftersales.OutcomeSatisfied, CSAT: new(5)})
		a = resolve(a, aftersales.StatusResolved)
		answer(a, aftersales.FollowupAnswer{Outcome: aftersales.OutcomeDissatisfied, CSAT: new(2), Reason: "slow"})
		refresh(t, db, clock)

		br := newBrowser(t, app, "en")
		br.login("admin@example.com", "admin-password-1")
		for _, tc := range []struct {
			kpi         string
			count, of   int64
			tickets     int64
			listsTicket *aftersales.Ticket
		}{
			{"followup_satisfied", 2, 3, 1, a}, // A's two answers
			{"followup_dissatisfied", 1, 3, 1, a},
			{"followup_not_solved", 1, 3, 1, a},
			{"followup_response", 0, 3, 0, nil}, // every task answered
			{"followup_on_time", 0, 3, 0, nil},  // all by the deadline
		} {
			s, body := br.get("/dashboard?kpi=" + tc.kpi)
			if s != 200 {
				t.Fatalf("%s: dashboard %d", tc.kpi, s)
			}
			var count, of int64
			for _, d := range chartDrills(t, body) {
				if d.chart != "c-trend" {
					continue
				}
				count, of = count+d.count, of+d.of
				s, list := br.get(d.url)
				if s != 200 {
					t.Fatalf("%s: %s: %d", tc.kpi, d.url, s)
				}
				m := entriesCount.FindStringSubmatch(list)
				if m == nil || atoi(t, m[1]) != d.count || atoi(t, m[2]) != d.of {
					t.Errorf("%s: %s: summary %q, the chart %d of %d", tc.kpi, d.url, between(list, `id="drill-count">`, "<"), d.count, d.of)
					continue
				}
				if d.count > 0 && (atoi(t, m[3]) != tc.tickets || !strings.Contains(list, `href="/tickets/`+fmtID(tc.listsTicket.ID)+`"`)) {
					t.Errorf("%s: %s: %s tickets listed, want %d (%s)", tc.kpi, d.url, m[3], tc.tickets, tc.listsTicket.Title)
				}
				if chip := between(list, `id="chip-kpi_from"`, "</a>"); !strings.Contains(chip, "follow-up done") {
					t.Errorf("%s: period chip %q", tc.kpi, chip)
				}
			}
			if count != tc.count || of != tc.of {
				t.Errorf("%s: the trend's drill-downs count %d of %d, want %d of %d", tc.kpi, count, of, tc.count, tc.of)
			}
		}
	})
}
