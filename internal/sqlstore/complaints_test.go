package sqlstore_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

type complaintFixture struct {
	ctx   context.Context
	db    *sqlstore.DB
	clock *Clock
	team  *aftersales.Team
	sup   *aftersales.User
}

func newComplaintFixture(t *testing.T, db *sqlstore.DB) *complaintFixture {
	t.Helper()
	f := &complaintFixture{db: db, clock: NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))}
	db.Now = f.clock.Now
	f.ctx, _ = Admin(t, db)
	team, err := db.CreateTeam(f.ctx, aftersales.TeamInput{Code: "ts", Name: "投诉组"})
	if err != nil {
		t.Fatal(err)
	}
	f.team = team
	f.sup = MustUser(t, f.ctx, db, "sup@example.com", aftersales.RoleSupervisor, &team.ID)
	return f
}

// complaint creates a complaint of customer c and moves it to resolved.
func (f *complaintFixture) complaint(t *testing.T, c *aftersales.Customer, title string) *aftersales.Ticket {
	t.Helper()
	in := TicketInput(c.ID, title)
	in.Nature, in.TeamID = Ptr(aftersales.NatureComplaint), &f.team.ID
	tk, err := f.db.CreateTicket(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
		if tk, err = f.db.Transition(f.ctx, tk.ID, aftersales.TransitionInput{To: to, Version: tk.Version, Reason: "已致歉并处理"}); err != nil {
			t.Fatal(err)
		}
	}
	return tk
}

func (f *complaintFixture) close(tk *aftersales.Ticket) (*aftersales.Ticket, error) {
	cur, err := f.db.FindTicket(f.ctx, tk.ID)
	if err != nil {
		return nil, err
	}
	return f.db.Transition(f.ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusClosed, Version: cur.Version})
}

// fieldNames lists the fields a validation error names, sorted, each
// once.
func fieldNames(err error) []string {
	var out []string
	for _, x := range aftersales.ErrorFields(err) {
		out = append(out, x.Field)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestComplaintClosureRules: a complaint is refused closing without its
// severity, root cause and the customer's confirmation; three documented
// failed attempts stand in for the confirmation; the closure is recorded
// with its basis and timeliness. Rules that close tickets skip a
// complaint that cannot close instead of failing the change behind them.
func TestComplaintClosureRules(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newComplaintFixture(t, db)
		c := MustCustomer(t, f.ctx, db, "投诉客户")
		tk := f.complaint(t, c, "师傅态度差")

		_, err := f.close(tk)
		if diff := cmp.Diff([]string{"confirmation", "root_cause", "severity"}, fieldNames(err)); diff != "" || aftersales.ErrorCode(err) != aftersales.EINVALID {
			t.Fatalf("closing a bare complaint: %v (-want +got fields)\n%s", err, diff)
		}
		if _, err := db.SetComplaint(f.ctx, tk.ID, aftersales.ComplaintInput{RootCause: Ptr("no.such_code")}); !slices.Equal(fieldNames(err), []string{"root_cause"}) {
			t.Errorf("unknown root cause: %v", err)
		}
		if _, err := db.SetComplaint(f.ctx, tk.ID, aftersales.ComplaintInput{Severity: Ptr(aftersales.ComplaintSeverity("huge"))}); !slices.Equal(fieldNames(err), []string{"severity"}) {
			t.Errorf("unknown severity: %v", err)
		}
		cm, err := db.SetComplaint(f.ctx, tk.ID, aftersales.ComplaintInput{Severity: Ptr(aftersales.SeverityMajor), RootCause: Ptr("man.communication")})
		if err != nil {
			t.Fatal(err)
		}
		if want := tk.CreatedAt.Add(72 * time.Hour); cm.DueAt == nil || !cm.DueAt.Equal(want) {
			t.Errorf("due = %v, want %v (major: 72 h)", cm.DueAt, want)
		}
		if _, err := db.SetComplaint(f.ctx, tk.ID, aftersales.ComplaintInput{Severity: Ptr(aftersales.SeverityMinor), Version: cm.Version - 1}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("stale version: %v", err)
		}
		// Still no confirmation; two failed attempts are not enough.
		for i, res := range []aftersales.AttemptResult{aftersales.AttemptNoAnswer, aftersales.AttemptBusy} {
			f.clock.Advance(time.Hour)
			if _, err := db.LogComplaintAttempt(f.ctx, tk.ID, aftersales.ComplaintAttemptInput{Channel: aftersales.ContactPhone, Result: res}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.close(tk); !slices.Equal(fieldNames(err), []string{"confirmation"}) {
				t.Fatalf("after %d failed attempts: %v", i+1, err)
			}
		}
		if _, err := db.LogComplaintAttempt(f.ctx, tk.ID, aftersales.ComplaintAttemptInput{Channel: "fax", Result: "lost"}); !slices.Equal(fieldNames(err), []string{"channel", "result"}) {
			t.Errorf("bad attempt: %v", err)
		}
		f.clock.Advance(time.Hour)
		if _, err := db.LogComplaintAttempt(f.ctx, tk.ID, aftersales.ComplaintAttemptInput{Channel: aftersales.ContactSMS, Result: aftersales.AttemptNoAnswer, Note: "短信未回复"}); err != nil {
			t.Fatal(err)
		}
		closed, err := f.close(tk)
		if err != nil || closed.Status != aftersales.StatusClosed {
			t.Fatalf("close after 3 failed attempts: %v", err)
		}
		cm, err = db.FindComplaint(f.ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []aftersales.ComplaintClosure{{At: f.clock.Now(), Basis: aftersales.BasisUnreachable, Severity: aftersales.SeverityMajor,
			RootCause: "man.communication", DueAt: tk.CreatedAt.Add(72 * time.Hour), OnTime: true}}
		if diff := cmp.Diff(want, cm.Closures); diff != "" {
			t.Errorf("closures (-want +got)\n%s", diff)
		}

		// Not a complaint: no closure record, and closing is not gated.
		rep := MustTicket(t, f.ctx, db, c.ID, "维修")
		if _, err := db.FindComplaint(f.ctx, rep.ID); aftersales.ErrorCode(err) != aftersales.EINVALID {
			t.Errorf("complaint record of a repair: %v", err)
		}

		// A rule that closes resolved complaints skips one that cannot
		// close; the resolution itself goes through.
		if _, err := db.CreateAutomation(f.ctx, aftersales.AutomationRule{Name: "投诉解决即关闭", Active: true, Trigger: aftersales.TriggerStatusChanged,
			Conditions: aftersales.AutomationConditions{SLAConditions: aftersales.SLAConditions{Nature: []aftersales.Nature{aftersales.NatureComplaint}}, Status: []aftersales.Status{aftersales.StatusResolved}},
			Actions:    []aftersales.AutomationAction{{Kind: aftersales.ActionSetStatus, Status: aftersales.StatusClosed}}}); err != nil {
			t.Fatal(err)
		}
		other := f.complaint(t, c, "再次投诉")
		if other.Status != aftersales.StatusResolved {
			t.Errorf("a rule closed a complaint without its closure record: %s", other.Status)
		}
	})
}

// TestComplaintRejectionEscalates: the customer rejecting the closure
// reopens the complaint, raises its urgency, notifies the supervisor,
// runs the complaint.rejected rules and starts the attempts over; a
// confirmation then lets it close.
func TestComplaintRejectionEscalates(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newComplaintFixture(t, db)
		if _, err := db.CreateAutomation(f.ctx, aftersales.AutomationRule{Name: "拒绝结案", Active: true, Trigger: aftersales.TriggerComplaintRejected,
			Actions: []aftersales.AutomationAction{{Kind: aftersales.ActionAddNote, Text: "客户拒绝结案，请主管跟进"}}}); err != nil {
			t.Fatal(err)
		}
		c := MustCustomer(t, f.ctx, db, "不满意客户")
		tk := f.complaint(t, c, "维修后仍漏水")
		if _, err := db.SetComplaint(f.ctx, tk.ID, aftersales.ComplaintInput{Severity: Ptr(aftersales.SeverityCritical), RootCause: Ptr("method.process_gap")}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := db.LogComplaintAttempt(f.ctx, tk.ID, aftersales.ComplaintAttemptInput{Channel: aftersales.ContactPhone, Result: aftersales.AttemptNoAnswer}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.AnswerComplaint(f.ctx, tk.ID, aftersales.ComplaintAnswer{Channel: aftersales.ContactPhone}); !slices.Equal(fieldNames(err), []string{"note"}) {
			t.Errorf("rejection without the customer's words: %v", err)
		}
		cm, err := db.AnswerComplaint(f.ctx, tk.ID, aftersales.ComplaintAnswer{Channel: aftersales.ContactPhone, Note: "还是漏水"})
		if err != nil {
			t.Fatal(err)
		}
		if cm.Confirm != aftersales.ConfirmRejected || cm.Rejections != 1 || len(cm.Attempts) != 0 {
			t.Errorf("after rejection: confirm %s, rejections %d, %d attempts in the new round", cm.Confirm, cm.Rejections, len(cm.Attempts))
		}
		got, err := db.FindTicket(f.ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != aftersales.StatusAccepted || got.ReopenCount != 1 || got.Urgency != aftersales.UrgencyHigh {
			t.Errorf("after rejection: status %s, reopened %d, urgency %s; want accepted, 1, high", got.Status, got.ReopenCount, got.Urgency)
		}
		if n, _ := db.UnreadNotifications(aftersales.NewContextWithUser(f.ctx, f.sup)); n != 1 {
			t.Errorf("supervisor notifications = %d, want 1", n)
		}
		tl, _ := db.Timeline(f.ctx, tk.ID)
		var rejected, ruled bool
		for _, e := range tl {
			rejected = rejected || e.Field == "complaint" && e.To == "rejected" && e.Body == "还是漏水"
			ruled = ruled || e.Kind == aftersales.EventNote && e.Body == "客户拒绝结案，请主管跟进"
		}
		if !rejected || !ruled {
			t.Errorf("timeline: rejection entry %v, rule note %v", rejected, ruled)
		}
		// The two attempts before the rejection do not count any more.
		got, _ = db.Transition(f.ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusResolved, Version: got.Version, Reason: "更换密封圈"})
		if _, err := f.close(got); !slices.Equal(fieldNames(err), []string{"confirmation"}) {
			t.Errorf("close after rejection: %v", err)
		}
		if _, err := db.AnswerComplaint(f.ctx, tk.ID, aftersales.ComplaintAnswer{Accepted: true, Channel: aftersales.ContactWeChat, Note: "已修好，谢谢"}); err != nil {
			t.Fatal(err)
		}
		closed, err := f.close(got)
		if err != nil {
			t.Fatal(err)
		}
		cm, _ = db.FindComplaint(f.ctx, tk.ID)
		if closed.Status != aftersales.StatusClosed || len(cm.Closures) != 1 || cm.Closures[0].Basis != aftersales.BasisConfirmed {
			t.Errorf("closed %s, closures %+v", closed.Status, cm.Closures)
		}
		// Reopening a closed complaint asks for a new confirmation.
		reopened, err := db.Transition(f.ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Version: closed.Version, Reason: "客户再次来电"})
		if err != nil {
			t.Fatal(err)
		}
		if cm, _ = db.FindComplaint(f.ctx, tk.ID); cm.Confirm != aftersales.ConfirmPending {
			t.Errorf("reopened complaint keeps confirmation %s", cm.Confirm)
		}
		_ = reopened
	})
}

// TestComplaintKPIs counts the complaint and CES KPIs on a small history
// worked out by hand, and checks that a recompute agrees with the rollups.
func TestComplaintKPIs(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newComplaintFixture(t, db)
		ctx := f.ctx
		set, err := db.SurveySettings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		set.Enabled, set.TemplateCode = true, "ces"
		if _, err := db.UpdateSurveySettings(ctx, set.Version, *set); err != nil {
			t.Fatal(err)
		}
		x, y, z := MustCustomer(t, ctx, db, "客户X"), MustCustomer(t, ctx, db, "客户Y"), MustCustomer(t, ctx, db, "客户Z")
		setC := func(tk *aftersales.Ticket, sev aftersales.ComplaintSeverity) {
			t.Helper()
			if _, err := db.SetComplaint(ctx, tk.ID, aftersales.ComplaintInput{Severity: &sev, RootCause: Ptr("man.training")}); err != nil {
				t.Fatal(err)
			}
		}
		// A (X, critical, 24 h): confirmed and closed after 10 h: on time.
		a := f.complaint(t, x, "A")
		setC(a, aftersales.SeverityCritical)
		if _, err := db.AnswerComplaint(ctx, a.ID, aftersales.ComplaintAnswer{Accepted: true, Channel: aftersales.ContactPhone}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(10 * time.Hour)
		if _, err := f.close(a); err != nil {
			t.Fatal(err)
		}
		// B (Y, minor, 168 h): unreachable, closed after 200 h: late.
		b := f.complaint(t, y, "B")
		bCreated := b.CreatedAt
		setC(b, aftersales.SeverityMinor)
		for range 3 {
			if _, err := db.LogComplaintAttempt(ctx, b.ID, aftersales.ComplaintAttemptInput{Channel: aftersales.ContactPhone, Result: aftersales.AttemptNoAnswer}); err != nil {
				t.Fatal(err)
			}
		}
		// C (X) an hour after A closed: a repeat; it stays open.
		f.clock.Advance(time.Hour)
		cin := TicketInput(x.ID, "C")
		cin.Nature = Ptr(aftersales.NatureComplaint)
		if _, err := db.CreateTicket(ctx, cin); err != nil {
			t.Fatal(err)
		}
		// D (Z): resolved, never closed.
		f.complaint(t, z, "D")
		// E and F: repairs whose customers answered the effort survey, 2 and 6.
		for _, score := range []int{2, 6} {
			tk := MustTicket(t, ctx, db, z.ID, "维修")
			for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
				if tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: to, Version: tk.Version, Reason: "已修复"}); err != nil {
					t.Fatal(err)
				}
			}
			link, err := db.SurveyLink(ctx, tk.ID, "sms")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.AnswerSurvey(context.Background(), link.Token, aftersales.SurveyAnswer{Scores: map[aftersales.SurveyKind]int{aftersales.SurveyCES: score}}); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Advance(bCreated.Add(200 * time.Hour).Sub(f.clock.Now()))
		if _, err := f.close(b); err != nil {
			t.Fatal(err)
		}

		march := func(kpi string) aftersales.MetricPoint {
			r := metric(t, ctx, db, aftersales.MetricQuery{KPI: kpi, From: time.Date(2026, 3, 1, 0, 0, 0, 0, db.Zone),
				To: time.Date(2026, 4, 1, 0, 0, 0, 0, db.Zone), Grain: aftersales.GrainMonth})
			return r.Total
		}
		cases := []struct {
			kpi  string
			want float64
			n    int64
		}{
			{"complaints", 4, 4},
			{"complaint_closed_customer", 50, 4},   // A and B of A, B, C, D
			{"complaint_on_time", 50, 2},           // A on time, B late
			{"complaint_on_time_critical", 100, 1}, // A
			{"complaint_on_time_minor", 0, 1},      // B
			{"repeat_complaint_rate", 25, 4},       // C
			{"ces_mean", 4, 2},                     // (2 + 6) / 2
			{"ces_low_effort", 50, 2},              // 2
		}
		for _, c := range cases {
			got := march(c.kpi)
			if math.Abs(value(got)-c.want) > 1e-9 || got.N != c.n {
				t.Errorf("%s = %v (n %d), want %v (n %d)", c.kpi, value(got), got.N, c.want, c.n)
			}
		}
		if got := march("complaint_on_time_major"); got.Value != nil {
			t.Errorf("major on time without a major closure = %v", value(got))
		}
		// Alerts read the catalog: a rule on complaint timeliness is valid.
		if err := db.SaveAlertRule(ctx, &aftersales.AlertRule{KPI: "complaint_on_time", Grain: aftersales.GrainMonth, Threshold: Ptr(90.0), Active: true}); err != nil {
			t.Errorf("alert rule on complaint_on_time: %v", err)
		}
		check, err := db.RecomputeRollups(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if check.Differences != 0 {
			t.Errorf("recompute drift %+v", check)
		}
	})
}
