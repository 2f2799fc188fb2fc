package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/jobs"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/textan"
	"aftersales/internal/web/webtest"
)

// TestSentimentPages: the ticket page says in both languages which source
// scored the sentiment (the lexicon, then model v1 once one is active, a
// person after a correction) and takes a correction; the text models page
// lists the sentiment model's versions and queues a training.
func TestSentimentPages(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		cu := testutil.MustCustomer(t, ctx, db, "客户")
		tk := testutil.MustTicket(t, ctx, db, cu.ID, "南门仓库的师傅很专业")
		analyse := func() {
			t.Helper()
			if _, err := jobs.AnalyseAllTexts(ctx, db, textan.NewAnalyser(db.Text)); err != nil {
				t.Fatal(err)
			}
		}
		analyse()
		check := func(lang string, wants ...string) {
			t.Helper()
			b := newBrowser(t, app, lang)
			b.login("admin@example.com", "admin-password-1")
			s, body := b.get(fmt.Sprintf("/tickets/%d", tk.ID))
			if s != 200 || missingKey.MatchString(body) {
				t.Fatalf("%s ticket page: %d %s", lang, s, missingKey.FindString(body))
			}
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("%s ticket page lacks %q", lang, w)
				}
			}
		}
		check("zh-CN", "词典评分", `id="sentiment-negative"`, "标为负面")
		check("en-US", "scored by the lexicon", "Mark positive")

		// Texts the lexicon has no word for (it reads them all as not
		// negative), which the model tells apart by place.
		var texts, labels []string
		for i := range 15 {
			texts = append(texts, fmt.Sprintf("北门仓库的单子 %d", i), fmt.Sprintf("南门仓库的单子 %d", i))
			labels = append(labels, aftersales.SentimentNegative, aftersales.SentimentPositive)
		}
		m, err := db.TrainSentimentFile(ctx, texts, labels, 5)
		if err != nil || m.Status != aftersales.ModelActive {
			t.Fatalf("model: %+v, %v", m, err)
		}
		analyse()
		check("zh-CN", "情感模型 v1 评分")
		check("en-US", "scored by sentiment model v1")

		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		if s, body, _ := b.post(fmt.Sprintf("/tickets/%d/sentiment", tk.ID), url.Values{"label": {"meh"}}); s != http.StatusUnprocessableEntity || missingKey.MatchString(body) {
			t.Errorf("bad label: %d", s)
		}
		if s, _, h := b.post(fmt.Sprintf("/tickets/%d/sentiment", tk.ID), url.Values{"label": {"negative"}}); s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), fmt.Sprintf("/tickets/%d", tk.ID)) {
			t.Fatalf("correct: %d", s)
		}
		check("zh-CN", "已人工更正", "负面")
		check("en-US", "corrected by a person")

		for _, c := range []struct{ lang, title, source string }{{"zh-CN", "情感模型", "标注文件"}, {"en-US", "Sentiment model", "labelled file"}} {
			b := newBrowser(t, app, c.lang)
			b.login("admin@example.com", "admin-password-1")
			s, body := b.get("/admin/models")
			if s != 200 || missingKey.MatchString(body) {
				t.Fatalf("%s models page: %d %s", c.lang, s, missingKey.FindString(body))
			}
			for _, w := range []string{`id="models-sentiment"`, c.title, c.source, "v1", `id="train-sentiment"`} {
				if !strings.Contains(body, w) {
					t.Errorf("%s models page lacks %q", c.lang, w)
				}
			}
		}
		if s, _, _ := b.post("/admin/models/sentiment/train", url.Values{}); s != http.StatusSeeOther {
			t.Fatalf("train: %d", s)
		}
		if _, body := b.get("/admin/models"); !strings.Contains(body, `id="requested-sentiment"`) {
			t.Error("the queued sentiment training is not shown")
		}
	})
}
