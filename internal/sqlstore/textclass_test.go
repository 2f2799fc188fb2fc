package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// Texts of two kinds a model tells apart from their words.
var (
	repairTexts = []string{"空调不制冷，压缩机坏了", "洗衣机漏水需要上门维修", "热水器不出热水，显示故障码", "冰箱不制冷压缩机不启动",
		"电视黑屏开不了机", "空调外机异响需要维修", "洗衣机不脱水电机故障", "热水器点不着火维修"}
	complaintTexts = []string{"客服态度很差，我要投诉", "师傅迟到三个小时，投诉服务", "投诉：上门人员乱收费", "服务太差，电话一直没人接，投诉",
		"对处理结果不满意，投诉你们客服", "约好的时间没人来，服务态度恶劣", "投诉维修人员态度差", "多次投诉没人处理，很失望"}
)

// TestSuggestionLifecycle walks automatic classification end to end on
// both engines and two instances of one database: no suggestion before a
// model exists; a model trained on the labelled history; a new ticket
// without a nature gets it applied (timeline event with version and
// confidence) and routing matches on the suggestion; a person's correction
// is stored and becomes a label of the next training, which activates a
// new version that the other instance uses at its next create; a pending
// suggestion accepted in one click; a worse candidate is refused with its
// reason and the active model stays.
func TestSuggestionLifecycle(t *testing.T) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := NewClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
			a, b := twoInstances(t, e, clock)
			ctx, _ := Admin(t, a)
			cu := MustCustomer(t, ctx, a, "客户")
			create := func(db *sqlstore.DB, title string, nature *aftersales.Nature) *aftersales.Ticket {
				t.Helper()
				in := TicketInput(cu.ID, title)
				in.Description = Ptr("")
				in.Nature = nature
				tk, err := db.CreateTicket(ctx, in)
				if err != nil {
					t.Fatalf("create %q: %v", title, err)
				}
				return tk
			}
			// Without a model a nature is required, as before.
			if _, err := a.CreateTicket(ctx, aftersales.TicketInput{Channel: Ptr(aftersales.ChannelPhone), Urgency: Ptr(aftersales.UrgencyNormal),
				Title: Ptr("空调不制冷"), CustomerID: &cu.ID}); aftersales.ErrorCode(err) != aftersales.EINVALID {
				t.Fatalf("no nature, no model: %v", err)
			}
			if m, err := a.TrainTextModel(ctx, aftersales.SuggestNature); err != nil || m.Status != aftersales.ModelRefused || m.Reason != aftersales.RefusedTooFew {
				t.Fatalf("training on nothing = %+v, %v", m, err)
			}
			for range 2 {
				for i := range repairTexts {
					create(a, repairTexts[i], Ptr(aftersales.NatureRepair))
					create(a, complaintTexts[i], Ptr(aftersales.NatureComplaint))
				}
			}
			m1, err := a.TrainTextModel(ctx, aftersales.SuggestNature)
			if err != nil {
				t.Fatal(err)
			}
			if m1.Status != aftersales.ModelActive || m1.Version != 2 || m1.Docs != 32 || m1.ComparedF1 != nil || len(m1.PerClass) != 2 || len(m1.Confusion) != 2 {
				t.Fatalf("first model = %+v", m1)
			}
			if m1.MacroF1 < 0.8 {
				t.Fatalf("macro-F1 %.3f on separable texts", m1.MacroF1)
			}
			if err := a.SetSuggestThreshold(ctx, aftersales.SuggestNature, 0.55); err != nil {
				t.Fatal(err)
			}
			// A routing rule on the suggestion.
			l2, err := a.CreateTeam(ctx, aftersales.TeamInput{Code: "care", Name: "客户关怀"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.CreateRoutingRule(ctx, aftersales.RoutingRule{Name: "投诉", Active: true,
				Suggestion: &aftersales.SuggestionCondition{Field: aftersales.SuggestNature, Values: []string{"complaint"}, MinConfidence: 0.5},
				Action:     aftersales.RoutingAction{TeamID: &l2.ID}}); err != nil {
				t.Fatal(err)
			}

			// Instance b creates: it loads the model activated on a.
			tk := create(b, "客服态度恶劣，投诉", nil)
			if tk.Nature != aftersales.NatureComplaint {
				t.Fatalf("nature = %q, want complaint applied", tk.Nature)
			}
			if tk.TeamID == nil || *tk.TeamID != l2.ID {
				t.Fatalf("routed to team %v, want %d by the suggestion rule", tk.TeamID, l2.ID)
			}
			events, err := a.Timeline(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			var classified *aftersales.TicketEvent
			for _, ev := range events {
				if ev.Kind == aftersales.EventFieldChanged && ev.ActorID == nil && strings.HasPrefix(ev.Body, aftersales.ClassifiedPrefix) {
					classified = ev
				}
			}
			if classified == nil || classified.Field != "nature" || classified.To != "complaint" || !strings.HasPrefix(classified.Body, "classified v2 ") {
				t.Fatalf("no classified event in %+v", events)
			}
			ss, err := a.ListSuggestions(ctx, tk.ID)
			if err != nil || len(ss) != 1 || ss[0].Status != aftersales.SuggestionApplied || ss[0].ModelVersion != 2 || ss[0].Confidence < 0.55 {
				t.Fatalf("suggestions = %+v, %v", ss, err)
			}
			// A person corrects it: stored, and a label for the next training.
			tk, err = a.UpdateTicket(ctx, tk.ID, tk.Version, aftersales.TicketInput{Nature: Ptr(aftersales.NatureConsultation)})
			if err != nil {
				t.Fatal(err)
			}
			ss, _ = a.ListSuggestions(ctx, tk.ID)
			if ss[0].Status != aftersales.SuggestionCorrected || ss[0].FinalValue != "consultation" || ss[0].DecidedBy == nil {
				t.Fatalf("after the correction: %+v", ss[0])
			}
			// A creator's own nature that differs waits as a pending suggestion.
			pend := create(a, "洗衣机漏水需要维修", Ptr(aftersales.NatureOther))
			ss, _ = a.ListSuggestions(ctx, pend.ID)
			if len(ss) != 1 || ss[0].Status != aftersales.SuggestionPending || ss[0].Value != "repair" || pend.Nature != aftersales.NatureOther {
				t.Fatalf("pending = %+v, nature %q", ss, pend.Nature)
			}
			if s, err := a.DecideSuggestion(ctx, pend.ID, "nature", true); err != nil || s.Status != aftersales.SuggestionAccepted {
				t.Fatalf("accept = %+v, %v", s, err)
			}
			if got, _ := a.FindTicket(ctx, pend.ID); got.Nature != aftersales.NatureRepair {
				t.Fatalf("accepted nature = %q", got.Nature)
			}
			if _, err := a.DecideSuggestion(ctx, pend.ID, "nature", false); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
				t.Fatalf("deciding twice: %v", err)
			}
			if _, err := a.DecideSuggestion(ctx, pend.ID, "colour", false); aftersales.ErrorCode(err) != aftersales.EINVALID {
				t.Fatalf("bad field: %v", err)
			}

			// A chat message: the model decides the nature the customer did
			// not choose, instead of the keyword guess.
			res, err := b.ReceiveChat(ctx, aftersales.ChatMessage{Source: "wechat", ConversationID: "c1", MessageID: "m1", Name: "微信客户",
				Text: "师傅迟到三个小时，服务态度恶劣，投诉"})
			if err != nil || !res.Created {
				t.Fatalf("chat: %+v, %v", res, err)
			}
			chat, _ := a.FindTicket(ctx, res.TicketID)
			ss, _ = a.ListSuggestions(ctx, res.TicketID)
			if chat.Nature != aftersales.NatureComplaint || len(ss) != 1 || ss[0].Status != aftersales.SuggestionApplied {
				t.Fatalf("chat ticket nature %q, suggestions %+v", chat.Nature, ss)
			}

			// Retraining: the corrected ticket is a consultation now (3 classes).
			m2, err := a.TrainTextModel(ctx, aftersales.SuggestNature)
			if err != nil {
				t.Fatal(err)
			}
			classes := map[string]bool{}
			for _, c := range m2.PerClass {
				classes[c.Class] = true
			}
			if !classes["consultation"] || m2.Docs != 34 || m2.ComparedF1 == nil || *m2.ComparedF1 != m1.MacroF1 {
				t.Fatalf("second model = %+v", m2)
			}
			if m2.Status == aftersales.ModelActive {
				// b sees the new version at its next create.
				tk := create(b, "师傅迟到，投诉服务", nil)
				ss, _ := b.ListSuggestions(ctx, tk.ID)
				if len(ss) != 1 || ss[0].ModelVersion != m2.Version {
					t.Fatalf("b used %+v, want version %d", ss, m2.Version)
				}
			} else if m2.Reason != aftersales.RefusedWorse {
				t.Fatalf("refused for %q", m2.Reason)
			}
			active := m2
			if m2.Status != aftersales.ModelActive {
				active = m1
			}
			// Noise: texts labelled at random make the next candidate worse.
			natures := []aftersales.Nature{aftersales.NatureRepair, aftersales.NatureComplaint, aftersales.NatureConsultation}
			for i := range 60 {
				create(a, fmt.Sprintf("%s %d", repairTexts[i%8]+complaintTexts[(i*3)%8], i), &natures[(i*7)%3])
			}
			m3, err := a.TrainTextModel(ctx, aftersales.SuggestNature)
			if err != nil {
				t.Fatal(err)
			}
			if m3.Status != aftersales.ModelRefused || m3.Reason != aftersales.RefusedWorse || m3.ComparedF1 == nil || *m3.ComparedF1 != active.MacroF1 {
				t.Fatalf("noisy candidate = %+v (active f1 %.3f)", m3, active.MacroF1)
			}
			list, err := a.ListTextModels(ctx, aftersales.SuggestNature)
			if err != nil {
				t.Fatal(err)
			}
			var nActive int
			for _, m := range list {
				if m.Status == aftersales.ModelActive {
					nActive++
					if m.ID != active.ID {
						t.Fatalf("active model %d, want %d", m.ID, active.ID)
					}
				}
			}
			if nActive != 1 || len(list) != 4 || list[0].Version != m3.Version {
				t.Fatalf("history = %d models, %d active", len(list), nActive)
			}
			if got, err := a.FindTextModel(ctx, m3.ID); err != nil || got.Reason != aftersales.RefusedWorse || len(got.PerClass) != 3 {
				t.Fatalf("find = %+v, %v", got, err)
			}
			// The console's button: a request the background job trains (once).
			for range 2 {
				if err := a.RequestTraining(ctx, aftersales.SuggestNature); err != nil {
					t.Fatal(err)
				}
			}
			if got, err := a.TrainingRequested(ctx); err != nil || len(got) != 1 || got[0] != "nature" {
				t.Fatalf("requested = %v, %v", got, err)
			}
			if done, err := b.TrainRequested(ctx); err != nil || !done {
				t.Fatalf("job: %v, %v", done, err)
			}
			if done, err := b.TrainRequested(ctx); err != nil || done {
				t.Fatalf("job again: %v, %v", done, err)
			}
			if list, _ := a.ListTextModels(ctx, ""); len(list) != 5 || list[0].TrainedBy == nil {
				t.Fatalf("after the job: %d models", len(list))
			}
			if _, err := a.FindTextModel(ctx, 999999); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
				t.Fatalf("missing model: %v", err)
			}
		})
	}
}
