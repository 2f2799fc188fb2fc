package sqlstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// surveyMessages stands in for the console's catalog.
func surveyMessages(lang, key string) string { return lang + ":" + key + " {number} {link}" }

// resolvedTicket creates a ticket for a customer with an email address
// and resolves it.
func resolvedTicket(t *testing.T, ctx context.Context, db *sqlstore.DB, email string) *aftersales.Ticket {
	t.Helper()
	c, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "问卷客户", Phone: "13800138000", Email: email})
	if err != nil {
		t.Fatal(err)
	}
	tk := MustTicket(t, ctx, db, c.ID, "空调不制冷")
	for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
		if tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: to, Reason: "更换电容", Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
	}
	return tk
}

func fields(err error) []string {
	var out []string
	for _, f := range aftersales.ErrorFields(err) {
		out = append(out, f.Field+": "+f.Reason)
	}
	return out
}

// TestSurveyByLink follows a survey from resolution to answer: the
// invitation and its delayed email, the link, a refused tampered token,
// bad answers, the answer filling the ticket's feedback (so the CSAT KPI
// moves), a second answer refused with the first one shown, and the
// response rate.
func TestSurveyByLink(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		db.EmailNotifications = true
		db.PublicURL = "https://service.example.com/"
		db.Messages = surveyMessages
		ctx, _ := Admin(t, db)
		tk := resolvedTicket(t, ctx, db, "kehu@example.com")

		// The invitation's email waits for the configured delay (60 min).
		if got, err := db.ClaimEmails(ctx, 10, time.Minute); err != nil || len(got) != 0 {
			t.Fatalf("emails due at once: %d (%v), want none before the delay", len(got), err)
		}
		clock.Advance(61 * time.Minute)
		mails, err := db.ClaimEmails(ctx, 10, time.Minute)
		if err != nil || len(mails) != 1 {
			t.Fatalf("emails after the delay: %d (%v), want 1", len(mails), err)
		}
		if m := mails[0]; m.To != "kehu@example.com" || !strings.Contains(m.Body, "zh-CN:survey.mail.body "+tk.Number+" https://service.example.com/s/") ||
			!strings.Contains(m.Body, "en:survey.mail.body") {
			t.Errorf("survey mail to %s:\n%s", m.To, m.Body)
		}

		link, err := db.SurveyLink(ctx, tk.ID, "sms")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(link.URL, "https://service.example.com/s/") || len(link.OneClick) != 5 || link.OneClick[3] != link.URL+"?score=4" ||
			link.Message["en"] != "en:survey.sms "+tk.Number+" "+link.URL {
			t.Errorf("link = %+v", link)
		}
		// It went by email first: the channel stays.
		if inv := link.Invitation; inv.Channel != "email" || inv.Kind != aftersales.SurveyCSAT || inv.AnsweredAt != nil {
			t.Errorf("invitation = %+v", inv)
		}
		if _, err := db.SurveyLink(ctx, tk.ID, "fax"); code(err) != aftersales.EINVALID {
			t.Errorf("channel fax: %v, want EINVALID", err)
		}

		// An edit adds version 2; the invitation keeps version 1.
		v1 := link.Invitation.TemplateID
		in := aftersales.SurveyTemplateInput{Kind: aftersales.SurveyCSAT, TitleZH: "满意度", TitleEN: "Satisfaction", Questions: []aftersales.SurveyQuestion{
			{Key: "csat", Type: aftersales.QuestionScore, Scale: aftersales.SurveyCSAT, ZH: "满意吗", EN: "Satisfied?"},
			{Key: "nps", Type: aftersales.QuestionScore, Scale: aftersales.SurveyNPS, ZH: "推荐吗", EN: "Recommend?"}}}
		v2, err := db.SaveSurveyTemplate(ctx, "csat", in)
		if err != nil || v2.Version != 2 || v2.ID == v1 {
			t.Fatalf("new version: %+v, %v", v2, err)
		}
		in.Kind = aftersales.SurveyNPS
		if _, err := db.SaveSurveyTemplate(ctx, "csat", in); code(err) != aftersales.EINVALID {
			t.Errorf("changing a template's kind: %v, want EINVALID", err)
		}

		for _, tok := range []string{"", "x", link.Token + "x", strings.Replace(link.Token, ".", "0.", 1), "1.AAAAAAAAAAAAAAAAAAAAAA"} {
			if _, err := db.OpenSurvey(context.Background(), tok); code(err) != aftersales.ENOTFOUND {
				t.Errorf("open %q: %v, want ENOTFOUND", tok, err)
			}
			if _, err := db.AnswerSurvey(context.Background(), tok, aftersales.SurveyAnswer{Scores: map[aftersales.SurveyKind]int{"csat": 5}}); code(err) != aftersales.ENOTFOUND {
				t.Errorf("answer %q: %v, want ENOTFOUND", tok, err)
			}
		}
		pub := context.Background() // the public page has no user
		f, err := db.OpenSurvey(pub, link.Token)
		if err != nil || f.Template.ID != v1 || f.Template.Version != 1 || f.Number != tk.Number || f.Response != nil || f.Expired {
			t.Fatalf("open = %+v, %v", f, err)
		}
		bad := []struct {
			name string
			a    aftersales.SurveyAnswer
			want []string
		}{
			{"no score", aftersales.SurveyAnswer{Comment: "x"}, []string{"csat: is required"}},
			{"out of range", aftersales.SurveyAnswer{Scores: map[aftersales.SurveyKind]int{"csat": 6}}, []string{"csat: must be 1 to 5"}},
			{"unknown reason", aftersales.SurveyAnswer{Scores: map[aftersales.SurveyKind]int{"csat": 3}, Reasons: []string{"weather"}},
				[]string{"reasons: is not one of the listed reasons"}},
			{"not asked", aftersales.SurveyAnswer{Scores: map[aftersales.SurveyKind]int{"csat": 3, "nps": 9}}, []string{"nps: is not asked by this survey"}},
		}
		for _, c := range bad {
			_, err := db.AnswerSurvey(pub, link.Token, c.a)
			if diff := cmp.Diff(c.want, fields(err)); code(err) != aftersales.EINVALID || diff != "" {
				t.Errorf("%s: %v (-want +got):\n%s", c.name, err, diff)
			}
		}

		hook, err := db.CreateWebhook(ctx, aftersales.Webhook{URL: "https://hooks.example.com/survey", Secret: "0123456789abcdef",
			Events: []string{aftersales.HookSurveyAnswered}, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		before := metric(t, ctx, db, aftersales.MetricQuery{KPI: "csat_mean", From: clock.Now().AddDate(0, 0, -7), To: clock.Now().AddDate(0, 0, 1)})
		if before.Total.Value != nil {
			t.Fatalf("csat before the answer = %v, want none", *before.Total.Value)
		}
		r, err := db.AnswerSurvey(pub, link.Token, aftersales.SurveyAnswer{Scores: map[aftersales.SurveyKind]int{"csat": 4},
			Reasons: []string{"fast", "fixed", "fast"}, Comment: " 师傅很专业 ", Lang: "zh-CN"})
		if err != nil {
			t.Fatal(err)
		}
		want := &aftersales.SurveyResponse{TicketID: tk.ID, TemplateID: v1, CSAT: Ptr(4), Reasons: []string{"fast", "fixed"}, Comment: "师傅很专业", Lang: "zh-CN", At: clock.Now()}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("response (-want +got):\n%s", diff)
		}
		after := metric(t, ctx, db, aftersales.MetricQuery{KPI: "csat_mean", From: clock.Now().AddDate(0, 0, -7), To: clock.Now().AddDate(0, 0, 1)})
		if after.Total.Value == nil || *after.Total.Value != 4 {
			t.Errorf("csat after the answer = %v, want 4", after.Total.Value)
		}
		if ds, err := db.ListDeliveries(ctx, hook.ID, 10); err != nil || len(ds) != 1 || ds[0].Event != "survey.answered" ||
			!strings.Contains(ds[0].Payload, `"csat":4`) || !strings.Contains(ds[0].Payload, `"template_version":1`) || !strings.Contains(ds[0].Payload, `"reasons":["fast","fixed"]`) {
			t.Errorf("webhook deliveries: %+v, %v", ds, err)
		}
		tl, err := db.Timeline(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if e := tl[len(tl)-1]; e.Kind != aftersales.EventNote || e.Field != aftersales.SurveyEventField || e.To != "CSAT 4" || e.From != "fast,fixed" || e.Channel != aftersales.ChannelSurvey {
			t.Errorf("last timeline event = %+v", e)
		}

		// A second answer is refused; the page shows the first.
		clock.Advance(time.Minute)
		if _, err := db.AnswerSurvey(pub, link.Token, aftersales.SurveyAnswer{Scores: map[aftersales.SurveyKind]int{"csat": 1}}); code(err) != aftersales.ECONFLICT ||
			!cmp.Equal(fields(err), []string{"token: already answered"}) {
			t.Errorf("second answer: %v, want ECONFLICT on token", err)
		}
		f, err = db.OpenSurvey(pub, link.Token)
		if err != nil || f.Response == nil || *f.Response.CSAT != 4 || f.Expired {
			t.Errorf("open after the answer = %+v, %v", f, err)
		}

		// Expired: a second ticket's link, a day after its expiry.
		tk2 := resolvedTicket(t, ctx, db, "")
		l2, err := db.SurveyLink(ctx, tk2.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if l2.Invitation.Channel != "link" || l2.Invitation.SentAt == nil {
			t.Errorf("a link handed out: %+v", l2.Invitation)
		}
		clock.Advance(16 * 24 * time.Hour) // 60 min delay + 14 days
		if f, err := db.OpenSurvey(pub, l2.Token); err != nil || !f.Expired {
			t.Errorf("open expired = %+v, %v", f, err)
		}
		if _, err := db.AnswerSurvey(pub, l2.Token, aftersales.SurveyAnswer{Scores: map[aftersales.SurveyKind]int{"csat": 5}}); code(err) != aftersales.ECONFLICT ||
			!cmp.Equal(fields(err), []string{"token: has expired"}) {
			t.Errorf("answer expired: %v, want ECONFLICT on token", err)
		}
		// Asking for the link again renews it.
		if l3, err := db.SurveyLink(ctx, tk2.ID, "wechat"); err != nil || l3.Token != l2.Token || !l3.Invitation.ExpiresAt.After(clock.Now()) {
			t.Errorf("renewed link = %+v, %v", l3, err)
		}

		st, err := db.SurveyStats(ctx, aftersales.SurveyFilter{From: clock.Now().AddDate(0, -1, 0), To: clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if st.Total.Invited != 2 || st.Total.Sent != 2 || st.Total.Answered != 1 || st.Total.Rate == nil || *st.Total.Rate != 0.5 || *st.Total.CSAT != 4 {
			t.Errorf("total = %+v", st.Total)
		}
		var byCh []string
		for _, r := range st.By["send_channel"] {
			byCh = append(byCh, r.Key+":"+strings.Repeat("+", int(r.Answered))+strings.Repeat("-", int(r.Sent-r.Answered)))
		}
		if diff := cmp.Diff([]string{"email:+", "link:-"}, byCh); diff != "" {
			t.Errorf("by send channel (-want +got):\n%s", diff)
		}
		no := false
		list, err := db.ListSurveyInvitations(ctx, aftersales.SurveyFilter{From: clock.Now().AddDate(0, -1, 0), To: clock.Now(), Answered: &no})
		if err != nil || len(list) != 1 || list[0].TicketID != tk2.ID {
			t.Errorf("unanswered = %+v, %v", list, err)
		}
		if _, err := db.SurveyStats(ctx, aftersales.SurveyFilter{From: clock.Now(), To: clock.Now(), Dim: "weather"}); !cmp.Equal(fields(err),
			[]string{"dim: is not one of send_channel, channel, region, nature", "to: must be after from"}) {
			t.Errorf("bad filter: %v", err)
		}
	})
}

// TestSurveySettings: turning surveys off creates no invitation on
// resolution; the settings refuse an unknown template and a stale
// version.
func TestSurveySettings(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		s, err := db.SurveySettings(ctx)
		if err != nil || !s.Enabled || s.TemplateCode != "csat" || s.DelayMinutes != 60 || s.ExpiryDays != 14 {
			t.Fatalf("defaults = %+v, %v", s, err)
		}
		off := *s
		off.Enabled, off.TemplateCode = false, "nope"
		if _, err := db.UpdateSurveySettings(ctx, s.Version, off); !cmp.Equal(fields(err), []string{"template_code: no template has this code"}) {
			t.Errorf("unknown template: %v", err)
		}
		off.TemplateCode = "nps"
		got, err := db.UpdateSurveySettings(ctx, s.Version, off)
		if err != nil || got.Enabled || got.Version != s.Version+1 {
			t.Fatalf("update = %+v, %v", got, err)
		}
		if _, err := db.UpdateSurveySettings(ctx, s.Version, off); code(err) != aftersales.ECONFLICT {
			t.Errorf("stale version: %v", err)
		}
		tk := resolvedTicket(t, ctx, db, "a@example.com")
		st, err := db.SurveyStats(ctx, aftersales.SurveyFilter{From: db.Now().Add(-time.Hour), To: db.Now().Add(time.Hour)})
		if err != nil || st.Total.Invited != 0 {
			t.Fatalf("invited with surveys off: %+v, %v", st, err)
		}
		// Staff can still hand out a link; it uses the configured template.
		l, err := db.SurveyLink(ctx, tk.ID, "sms")
		if err != nil || l.Invitation.Kind != aftersales.SurveyNPS || l.OneClick != nil {
			t.Errorf("link with surveys off = %+v, %v", l, err)
		}
	})
}

// TestSurveyRowInReply: a public reply can carry the one-click CSAT row,
// whose links open the ticket's survey with a score preselected; a note
// cannot, and once the customer answered the row is refused.
func TestSurveyRowInReply(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		db.Messages = surveyMessages
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "回复客户")
		tk := MustTicket(t, ctx, db, c.ID, "洗衣机异响")
		if _, err := db.AddComment(ctx, tk.ID, aftersales.CommentInput{Body: "已更换轴承", SurveyRow: true}); !cmp.Equal(fields(err),
			[]string{"survey_row: only a public reply can carry the survey"}) {
			t.Errorf("a note with the row: %v", err)
		}
		e, err := db.AddComment(ctx, tk.ID, aftersales.CommentInput{Body: "已更换轴承，请试机。", Public: true, SurveyRow: true})
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(e.Body, "\n")
		if len(lines) != 9 || lines[0] != "已更换轴承，请试机。" || !strings.HasPrefix(lines[2], "zh-CN:survey.row") || !strings.HasPrefix(lines[4], "★★★★★ /s/") ||
			!strings.HasSuffix(lines[4], "?score=5") || !strings.HasSuffix(lines[8], "?score=1") {
			t.Fatalf("reply with the row:\n%s", e.Body)
		}
		tok := strings.TrimSuffix(strings.TrimPrefix(lines[8], "★ /s/"), "?score=1")
		f, err := db.OpenSurvey(context.Background(), tok)
		if err != nil || f.Number != tk.Number || f.Template.Kind != aftersales.SurveyCSAT {
			t.Fatalf("the row's link: %+v, %v", f, err)
		}
		if _, err := db.AnswerSurvey(context.Background(), tok, aftersales.SurveyAnswer{Scores: map[aftersales.SurveyKind]int{"csat": 5}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddComment(ctx, tk.ID, aftersales.CommentInput{Body: "谢谢", Public: true, SurveyRow: true}); code(err) != aftersales.ECONFLICT ||
			!cmp.Equal(fields(err), []string{"survey_row: the customer already answered the survey"}) {
			t.Errorf("the row after an answer: %v", err)
		}
	})
}

// TestSurveyOneAnswerUnderRace: answers sent at once (two taps, two
// devices, two servers) store exactly one response; the others are told
// the survey was answered.
func TestSurveyOneAnswerUnderRace(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		tk := resolvedTicket(t, ctx, db, "")
		l, err := db.SurveyLink(ctx, tk.ID, "wechat")
		if err != nil {
			t.Fatal(err)
		}
		const n = 6
		codes := make(chan string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.AnswerSurvey(context.Background(), l.Token, aftersales.SurveyAnswer{Scores: map[aftersales.SurveyKind]int{"csat": 1 + i%5}})
				codes <- code(err)
			}()
		}
		wg.Wait()
		close(codes)
		got := map[string]int{}
		for c := range codes {
			got[c]++
		}
		if diff := cmp.Diff(map[string]int{"": 1, aftersales.ECONFLICT: n - 1}, got); diff != "" {
			t.Errorf("outcomes by code (-want +got):\n%s", diff)
		}
	})
}
