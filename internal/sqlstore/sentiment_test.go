package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

var (
	unhappyComments = []string{"等了三天没人来，太失望了", "师傅态度很差，乱收费", "修完第二天又坏了，非常不满", "客服电话一直打不通，差评",
		"迟到两个小时，还不道歉", "东西被弄坏了，没人负责", "收费太贵，服务敷衍", "问题没有解决，很生气",
		"预约了三次都没人上门", "态度恶劣，我要投诉", "配件是旧的，很失望", "拖了一周还没修好"}
	happyComments = []string{"师傅很专业，服务周到", "上门准时，很快就修好了", "客服耐心，问题解决了，谢谢", "服务热情，非常满意",
		"师傅认真负责，五星好评", "速度快，收费合理，推荐", "修得很好，很满意", "响应及时，师傅很礼貌",
		"一次就修好了，给力", "服务很好，谢谢师傅", "专业细心，好评", "很快解决了问题，满意"}
)

// TestSentimentModels follows the trained sentiment model on both
// engines: without a model the lexicon scores; a model trained on survey
// comments (CSAT 1-2 negative, 4-5 positive, 3 and empty comments left
// out) becomes version 1 and the next analysis pass re-scores every
// analysed ticket with it, once; a person's correction overrides the score
// now and after new messages, and is a label of the next training; a
// worse candidate from a file is refused and changes nothing; a better one
// replaces the active model and re-scores again; a training asked for is
// done by the job.
func TestSentimentModels(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		cust := MustCustomer(t, ctx, db, "情感客户")
		answer := func(csat int, comment string) {
			t.Helper()
			tk := MustTicket(t, ctx, db, cust.ID, "空调维修")
			var err error
			for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
				if tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: to, Reason: "更换电容", Version: tk.Version}); err != nil {
					t.Fatal(err)
				}
			}
			link, err := db.SurveyLink(ctx, tk.ID, "sms")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.AnswerSurvey(context.Background(), link.Token, aftersales.SurveyAnswer{
				Scores: map[aftersales.SurveyKind]int{aftersales.SurveyCSAT: csat}, Comment: comment}); err != nil {
				t.Fatalf("answer %d %q: %v", csat, comment, err)
			}
		}
		for i := range unhappyComments {
			answer(1+i%2, unhappyComments[i])
			answer(4+i%2, happyComments[i])
		}
		answer(3, "一般吧，还行")
		answer(3, "说不上好坏")
		answer(5, "")
		// 24 different comments are too few: the held-out model reads
		// them worse than the lexicon, and it is not activated.
		m0, err := db.TrainSentimentModel(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m0.Status != aftersales.ModelRefused || m0.Reason != aftersales.RefusedBelowLexicon || m0.Docs != 24 ||
			m0.CombinedAccuracy >= m0.LexiconAccuracy || m0.Version != 1 {
			t.Fatalf("24 comments: %+v", m0)
		}
		// Customers repeat themselves: the same comments once more.
		for i := range unhappyComments {
			answer(1+i%2, unhappyComments[i])
			answer(4+i%2, happyComments[i])
		}
		happy := MustTicket(t, ctx, db, cust.ID, "师傅很专业，服务周到，非常满意")
		unhappy := MustTicket(t, ctx, db, cust.ID, "等了三天没人来，态度恶劣，很失望")
		const tickets = 48 + 3 + 2

		text := func(id int64) *aftersales.TicketText {
			t.Helper()
			x, err := db.TicketText(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		if n := analyseAll(t, ctx, db); n != tickets {
			t.Fatalf("analysed %d, want %d", n, tickets)
		}
		if x := text(happy.ID); x.Method != aftersales.ScoredByLexicon || x.ModelVersion != 0 || x.Polarity != 1 {
			t.Fatalf("without a model: %+v", x)
		}

		m1, err := db.TrainSentimentModel(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m1.Status != aftersales.ModelActive || m1.Version != 2 || m1.Docs != 48 || m1.Source != aftersales.SentimentFromHistory ||
			m1.ComparedF1 != nil || len(m1.PerClass) != 2 || m1.PerClass[0].Support != 24 || m1.MacroF1 < 0.9 || m1.CombinedAccuracy < m1.LexiconAccuracy {
			t.Fatalf("trained on the survey comments: %+v", m1)
		}
		// The next pass re-queues every analysed ticket, once.
		if n := analyseAll(t, ctx, db); n != tickets {
			t.Fatalf("re-scored %d, want every analysed ticket (%d)", n, tickets)
		}
		if n := analyseAll(t, ctx, db); n != 0 {
			t.Fatalf("a second pass re-scored %d, want 0", n)
		}
		for _, c := range []struct {
			tk  *aftersales.Ticket
			pol int
		}{{happy, 1}, {unhappy, -1}} {
			if x := text(c.tk.ID); x.Method != aftersales.ScoredByModel || x.ModelVersion != 2 || x.Polarity != c.pol || x.Sentiment < -1 || x.Sentiment > 1 {
				t.Errorf("ticket %q with model v2: %+v, want polarity %d", c.tk.Title, x, c.pol)
			}
		}

		// A person's correction: now, after a new message, and as a label.
		if _, err := db.CorrectSentiment(ctx, happy.ID, "meh"); code(err) != aftersales.EINVALID || fmt.Sprint(fields(err)) != "[label: must be negative or positive]" {
			t.Fatalf("bad label: %v", err)
		}
		if _, err := db.CorrectSentiment(ctx, 999999, aftersales.SentimentNegative); code(err) != aftersales.ENOTFOUND {
			t.Fatalf("unknown ticket: %v", err)
		}
		c, err := db.CorrectSentiment(ctx, happy.ID, aftersales.SentimentNegative)
		if err != nil || c.Label != aftersales.SentimentNegative || c.CorrectedBy == nil {
			t.Fatalf("correct: %+v, %v", c, err)
		}
		check := func(when string) {
			t.Helper()
			x := text(happy.ID)
			if x.Method != aftersales.ScoredByAgent || x.Polarity != -1 || x.Sentiment != -1 || x.Correction == nil || x.Correction.Label != aftersales.SentimentNegative {
				t.Fatalf("%s: %+v", when, x)
			}
		}
		check("corrected")
		clock.Advance(time.Hour)
		if _, err := db.AddComment(ctx, happy.ID, aftersales.CommentInput{Body: "谢谢，很满意", FromCustomer: true, Channel: "phone"}); err != nil {
			t.Fatal(err)
		}
		if n := analyseAll(t, ctx, db); n != 1 {
			t.Fatalf("after a message: analysed %d", n)
		}
		check("after a new message")

		m2, err := db.TrainSentimentModel(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m2.Docs != 49 || m2.Version != 3 || m2.ComparedF1 == nil || *m2.ComparedF1 != m1.MacroF1 {
			t.Fatalf("trained with the correction: %+v", m2)
		}
		active := m1
		if m2.Status == aftersales.ModelActive {
			active = m2
			analyseAll(t, ctx, db)
		} else if m2.Reason == aftersales.RefusedWorse && m2.MacroF1 >= m1.MacroF1 {
			t.Fatalf("second training: %+v", m2)
		}

		// A worse candidate from a file (labels unrelated to the texts) is
		// refused, keeps no weights, and re-scores nothing.
		var noise, noiseLabels []string
		for i := range 40 {
			noise = append(noise, fmt.Sprintf("订单 %d 号", i))
			noiseLabels = append(noiseLabels, []string{aftersales.SentimentNegative, aftersales.SentimentPositive}[i%2])
		}
		m3, err := db.TrainSentimentFile(ctx, noise, noiseLabels, 5)
		if err != nil {
			t.Fatal(err)
		}
		if m3.Status != aftersales.ModelRefused || m3.Reason != aftersales.RefusedWorse || m3.Source != aftersales.SentimentFromFile ||
			m3.ComparedF1 == nil || *m3.ComparedF1 != active.MacroF1 || m3.MacroF1 >= active.MacroF1 {
			t.Fatalf("noise: %+v (active %+v)", m3, active)
		}
		if n := analyseAll(t, ctx, db); n != 0 {
			t.Fatalf("a refused model re-scored %d tickets", n)
		}
		if m, err := db.TrainSentimentFile(ctx, noise[:5], noiseLabels[:5], 5); err != nil || m.Status != aftersales.ModelRefused || m.Reason != aftersales.RefusedTooFew {
			t.Fatalf("five texts: %+v, %v", m, err)
		}
		if _, err := db.TrainSentimentFile(ctx, noise[:2], []string{"negative", "1"}, 2); code(err) != aftersales.EINVALID {
			t.Fatalf("label 1 (not read by the store): %v", err)
		}

		// A candidate at least as good replaces the active model; every
		// analysed ticket is scored again under the new version.
		texts := append(append([]string{}, unhappyComments...), happyComments...)
		var labels []string
		for i := range texts {
			labels = append(labels, []string{aftersales.SentimentNegative, aftersales.SentimentPositive}[i/len(unhappyComments)])
		}
		texts, labels = append(texts, texts...), append(labels, labels...)
		m4, err := db.TrainSentimentFile(ctx, texts, labels, 5)
		if err != nil {
			t.Fatal(err)
		}
		if m4.Status != aftersales.ModelActive || m4.MacroF1 < active.MacroF1 {
			t.Fatalf("a better file: %+v (active %+v)", m4, active)
		}
		if n := analyseAll(t, ctx, db); n != tickets {
			t.Fatalf("re-scored %d under v%d, want %d", n, m4.Version, tickets)
		}
		if x := text(unhappy.ID); x.ModelVersion != m4.Version || x.Method != aftersales.ScoredByModel {
			t.Fatalf("under v%d: %+v", m4.Version, x)
		}
		check("after the new model")
		list, err := db.ListSentimentModels(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range list {
			got = append(got, fmt.Sprintf("v%d %s", m.Version, m.Status))
		}
		if want := fmt.Sprintf("[v%d active v%d refused v%d refused", m4.Version, m4.Version-1, m3.Version); fmt.Sprint(got)[:len(want)] != want {
			t.Fatalf("list %v", got)
		}

		// The console's button: the job trains on the company's labels.
		if err := db.RequestSentimentTraining(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, err := db.SentimentTrainingRequested(ctx); err != nil || !ok {
			t.Fatalf("requested: %v, %v", ok, err)
		}
		if done, err := db.TrainSentimentRequested(ctx); err != nil || !done {
			t.Fatalf("job: %v, %v", done, err)
		}
		if ok, _ := db.SentimentTrainingRequested(ctx); ok {
			t.Fatal("still requested after the job")
		}
		if done, err := db.TrainSentimentRequested(ctx); err != nil || done {
			t.Fatalf("job with nothing asked: %v, %v", done, err)
		}
	})
}
