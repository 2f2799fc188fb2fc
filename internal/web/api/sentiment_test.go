package api_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"aftersales/internal/jobs"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/textan"
	"aftersales/internal/web/webtest"
)

// TestSentimentAPI: a person corrects a ticket's sentiment (bad labels and
// unknown tickets named), the ticket's text shows the correction and its
// scorer; a training asked for is done by the job and listed.
func TestSentimentAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := c.do("POST", "/customers", map[string]any{"kind": "person", "name": "郑十一", "phone": "13900004444"})
		tk := c.do("POST", "/tickets", map[string]any{"channel": "phone", "nature": "repair", "urgency": "normal", "title": "师傅很专业，非常满意",
			"customer_id": cust.id()})
		if tk.Status != 201 {
			t.Fatalf("ticket: %d %s", tk.Status, tk.Raw)
		}
		if _, err := jobs.AnalyseAllTexts(app.Ctx, db, textan.NewAnalyser(db.Text)); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/tickets/%d/sentiment", tk.id())
		if r := c.do("PUT", path, map[string]any{"label": "meh"}); r.Status != 422 || r.locations()["body.label"] == "" {
			t.Fatalf("bad label: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", "/tickets/999999/sentiment", map[string]any{"label": "negative"}); r.Status != 404 {
			t.Fatalf("unknown ticket: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", fmt.Sprintf("/text/tickets/%d", tk.id()), nil); r.Status != 200 || r.Body["method"] != "lexicon" || r.Body["polarity"] != 1.0 {
			t.Fatalf("before: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", path, map[string]any{"label": "negative"}); r.Status != 200 || r.Body["label"] != "negative" {
			t.Fatalf("correct: %d %s", r.Status, r.Raw)
		}
		r := c.do("GET", fmt.Sprintf("/text/tickets/%d", tk.id()), nil)
		if corr, ok := r.Body["correction"].(map[string]any); r.Status != 200 || r.Body["method"] != "agent" || r.Body["polarity"] != -1.0 || !ok || corr["label"] != "negative" {
			t.Fatalf("after: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", "/text/sentiment-models/train", nil); r.Status != 202 || r.Body["requested"] != true {
			t.Fatalf("train: %d %s", r.Status, r.Raw)
		}
		if done, err := db.TrainSentimentRequested(app.Ctx); err != nil || !done {
			t.Fatalf("job: %v %v", done, err)
		}
		var models []map[string]any
		r = c.do("GET", "/text/sentiment-models", nil)
		// One correction is too few labels: recorded as refused.
		if err := json.Unmarshal(r.Raw, &models); err != nil || len(models) != 1 || models[0]["status"] != "refused" || models[0]["reason"] != "too_few" ||
			models[0]["source"] != "history" {
			t.Fatalf("models: %d %s", r.Status, r.Raw)
		}
	})
}
