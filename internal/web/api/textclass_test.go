package api_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestTextClassAPI: a training request is queued and trained by the job;
// the model's scores are listed; a ticket without a nature gets it from
// the model when the threshold allows, its suggestion is listed and can be
// decided once; bad fields and thresholds are named.
func TestTextClassAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		cust := c.do("POST", "/customers", map[string]any{"kind": "person", "name": "吴十", "phone": "13900003333"})
		texts := map[string][]string{
			"repair":    {"空调不制冷压缩机坏了", "洗衣机漏水要维修", "热水器显示故障码", "冰箱压缩机不启动", "电视黑屏开不了机"},
			"complaint": {"客服态度差我要投诉", "师傅迟到投诉服务", "投诉上门乱收费", "电话没人接投诉", "投诉处理结果不满意"},
		}
		for range 2 {
			for nature, list := range texts {
				for _, title := range list {
					if r := c.do("POST", "/tickets", map[string]any{"channel": "phone", "nature": nature, "urgency": "normal", "title": title,
						"customer_id": cust.id()}); r.Status != 201 {
						t.Fatalf("ticket: %d %s", r.Status, r.Raw)
					}
				}
			}
		}
		if r := c.do("POST", "/text/models/train", map[string]any{"field": "colour"}); r.Status != 422 || r.locations()["body.field"] == "" {
			t.Fatalf("bad field: %d %s", r.Status, r.Raw)
		}
		r := c.do("POST", "/text/models/train", map[string]any{"field": "nature"})
		if r.Status != 202 || fmt.Sprint(r.Body["requested"]) != "[nature]" {
			t.Fatalf("train: %d %s", r.Status, r.Raw)
		}
		if done, err := db.TrainRequested(app.Ctx); err != nil || !done {
			t.Fatalf("job: %v %v", done, err)
		}
		var models []map[string]any
		r = c.do("GET", "/text/models?field=nature", nil)
		if err := json.Unmarshal(r.Raw, &models); err != nil || len(models) != 1 || models[0]["status"] != "active" || models[0]["docs"] != 20.0 {
			t.Fatalf("models: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", fmt.Sprintf("/text/models/%v", models[0]["id"]), nil); r.Status != 200 || len(r.Body["confusion"].([]any)) != 2 {
			t.Fatalf("model: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", "/text/thresholds/nature", map[string]any{"threshold": 2}); r.Status != 422 {
			t.Fatalf("threshold 2: %d %s", r.Status, r.Raw)
		}
		if r := c.do("PUT", "/text/thresholds/nature", map[string]any{"threshold": 0.5}); r.Status != 200 || r.Body["nature"] != 0.5 {
			t.Fatalf("threshold: %d %s", r.Status, r.Raw)
		}
		tk := c.do("POST", "/tickets", map[string]any{"channel": "phone", "urgency": "normal", "title": "客服态度恶劣，投诉", "customer_id": cust.id()})
		if tk.Status != 201 || tk.Body["nature"] != "complaint" {
			t.Fatalf("ticket without a nature: %d %s", tk.Status, tk.Raw)
		}
		var ss []map[string]any
		r = c.do("GET", fmt.Sprintf("/tickets/%d/suggestions", tk.id()), nil)
		if err := json.Unmarshal(r.Raw, &ss); err != nil || len(ss) != 1 || ss[0]["status"] != "applied" || ss[0]["field"] != "nature" {
			t.Fatalf("suggestions: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", fmt.Sprintf("/tickets/%d/suggestions/nature/accept", tk.id()), nil); r.Status != 200 || r.Body["status"] != "accepted" {
			t.Fatalf("accept: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", fmt.Sprintf("/tickets/%d/suggestions/nature/reject", tk.id()), nil); r.Status != 409 {
			t.Fatalf("reject after accept: %d %s", r.Status, r.Raw)
		}
		if r := c.do("POST", fmt.Sprintf("/tickets/%d/suggestions/urgency/accept", tk.id()), nil); r.Status != 404 {
			t.Fatalf("no urgency suggestion: %d %s", r.Status, r.Raw)
		}
	})
}
