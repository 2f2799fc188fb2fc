package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestTextModelsPage: the models page in both languages shows the active
// version with its per-class scores, confusion matrix and threshold, a
// refused candidate with its reason, and queues a training from its
// button; a ticket page shows a pending suggestion that one click accepts,
// and the automatic classification in the timeline in the page's language.
func TestTextModelsPage(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		cu := testutil.MustCustomer(t, ctx, db, "客户")
		texts := map[aftersales.Nature][]string{
			aftersales.NatureRepair:    {"空调不制冷压缩机坏了", "洗衣机漏水要维修", "热水器显示故障码", "冰箱压缩机不启动", "电视黑屏开不了机"},
			aftersales.NatureComplaint: {"客服态度差我要投诉", "师傅迟到投诉服务", "投诉上门乱收费", "电话没人接投诉", "投诉处理结果不满意"},
		}
		for range 2 {
			for nature, list := range texts {
				for _, title := range list {
					in := testutil.TicketInput(cu.ID, title)
					in.Nature, in.Description = &nature, testutil.Ptr("")
					if _, err := db.CreateTicket(ctx, in); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if m, err := db.TrainTextModel(ctx, aftersales.SuggestUrgency); err != nil || m.Reason != aftersales.RefusedOneOnly {
			t.Fatalf("urgency model = %+v, %v", m, err)
		}
		m, err := db.TrainTextModel(ctx, aftersales.SuggestNature)
		if err != nil || m.Status != aftersales.ModelActive {
			t.Fatalf("nature model = %+v, %v", m, err)
		}
		if err := db.SetSuggestThreshold(ctx, aftersales.SuggestNature, 0.5); err != nil {
			t.Fatal(err)
		}
		applied, err := db.CreateTicket(ctx, aftersales.TicketInput{Channel: testutil.Ptr(aftersales.ChannelPhone), Urgency: testutil.Ptr(aftersales.UrgencyNormal),
			Title: testutil.Ptr("客服态度恶劣，投诉"), CustomerID: &cu.ID})
		if err != nil || applied.Nature != aftersales.NatureComplaint {
			t.Fatalf("applied = %+v, %v", applied, err)
		}
		in := testutil.TicketInput(cu.ID, "洗衣机漏水需要维修")
		in.Nature = testutil.Ptr(aftersales.NatureOther)
		pending, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ lang, title, active, reason, class, classified, accept string }{
			{"zh-CN,zh;q=0.9", "自动分类模型", "在用", "所有标注工单的取值相同", "投诉", "自动分类：模型 v1", "采纳"},
			{"en-US,en;q=0.8", "Automatic classification models", "active", "every labelled ticket has the same value", "Complaint", "automatic classification by model v1", "Accept"},
		} {
			b := newBrowser(t, app, c.lang)
			b.login("admin@example.com", "admin-password-1")
			s, body := b.get("/admin/models")
			if s != 200 || missingKey.MatchString(body) {
				t.Fatalf("%s models page: %d %s", c.lang, s, missingKey.FindString(body))
			}
			for _, want := range []string{c.title, c.active, c.reason, c.class, `id="model-` + fmt.Sprint(m.ID) + `"`, `id="threshold-nature">50.0%`, `id="nav-models"`} {
				if !strings.Contains(body, want) {
					t.Errorf("%s models page lacks %q", c.lang, want)
				}
			}
			s, body = b.get(fmt.Sprintf("/tickets/%d", applied.ID))
			if s != 200 || missingKey.MatchString(body) || !strings.Contains(body, c.classified) || !strings.Contains(body, `id="suggest-nature"`) {
				t.Errorf("%s applied ticket: %d %s", c.lang, s, missingKey.FindString(body))
			}
			s, body = b.get(fmt.Sprintf("/tickets/%d", pending.ID))
			if s != 200 || !strings.Contains(body, `id="accept-nature"`) || !strings.Contains(body, c.accept) {
				t.Errorf("%s pending ticket: %d", c.lang, s)
			}
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		if s, _, h := b.post(fmt.Sprintf("/tickets/%d/suggestions/nature/accept", pending.ID), url.Values{}); s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), fmt.Sprintf("/tickets/%d", pending.ID)) {
			t.Fatalf("accept: %d", s)
		}
		if got, _ := db.FindTicket(ctx, pending.ID); got.Nature != aftersales.NatureRepair {
			t.Fatalf("nature after accepting = %q", got.Nature)
		}
		if s, body, _ := b.post(fmt.Sprintf("/tickets/%d/suggestions/nature/accept", pending.ID), url.Values{}); s != http.StatusConflict || !strings.Contains(body, "accepted") {
			t.Errorf("accepting twice: %d", s)
		}
		if s, body, _ := b.post("/admin/models/threshold", url.Values{"field": {"nature"}, "threshold": {"3"}}); s != http.StatusUnprocessableEntity || !strings.Contains(body, "0 到 1.01 之间") {
			t.Errorf("threshold 3: %d", s)
		}
		if s, _, _ := b.post("/admin/models/train", url.Values{"field": {"nature"}}); s != http.StatusSeeOther {
			t.Fatalf("train: %d", s)
		}
		if _, body := b.get("/admin/models"); !strings.Contains(body, `id="requested-nature"`) {
			t.Error("the queued training is not shown")
		}
		// The rule editor: a routing rule on the suggestion, a bad one named.
		team, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "care", Name: "客户关怀"})
		if err != nil {
			t.Fatal(err)
		}
		rule := url.Values{"name": {"投诉建议"}, "priority": {"1"}, "active": {"on"}, "action_team_id": {fmt.Sprint(team.ID)},
			"suggestion_field": {"nature"}, "suggestion_values": {"complaint"}, "suggestion_min_confidence": {"1.5"}}
		if s, body, _ := b.post("/rules/routing/new", rule); s != http.StatusUnprocessableEntity || !strings.Contains(body, "最低置信度") {
			t.Errorf("confidence 1.5: %d", s)
		}
		rule.Set("suggestion_min_confidence", "0.6")
		if s, _, _ := b.post("/rules/routing/new", rule); s != http.StatusSeeOther {
			t.Fatalf("save rule: %d", s)
		}
		rules, err := db.ListRoutingRules(ctx)
		if err != nil || len(rules) != 1 || rules[0].Suggestion == nil || rules[0].Suggestion.MinConfidence != 0.6 || rules[0].Suggestion.Values[0] != "complaint" {
			t.Fatalf("rules = %+v, %v", rules, err)
		}
		if s, body := b.get(fmt.Sprintf("/rules/routing/%d", rules[0].ID)); s != 200 || !strings.Contains(body, `<option value="nature" selected>`) {
			t.Errorf("rule page: %d", s)
		}
		routed, err := db.CreateTicket(ctx, aftersales.TicketInput{Channel: testutil.Ptr(aftersales.ChannelPhone), Urgency: testutil.Ptr(aftersales.UrgencyNormal),
			Title: testutil.Ptr("投诉客服态度差"), CustomerID: &cu.ID})
		if err != nil || routed.TeamID == nil || *routed.TeamID != team.ID {
			t.Fatalf("routed = %+v, %v", routed, err)
		}
	})
}
