package console_test

import (
	"net/url"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestConsoleSurveyTemplateEditor edits the CES template in zh-CN: the
// form shows the latest version; a form without the template's score
// and with a question missing its Chinese text is refused, each reason by
// its field in Chinese; a preview saves nothing; saving adds version 2
// and keeps version 1; a new template with a choice question is version 1.
func TestConsoleSurveyTemplateEditor(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		s, body := b.get("/surveys/templates/edit?code=ces")
		if s != 200 || !strings.Contains(body, "解决这个问题对您来说有多费力？") || !strings.Contains(body, `id="preview"`) {
			t.Fatalf("editor of ces: %d %s", s, between(body, `id="template-form"`, "</fieldset>"))
		}
		bad := url.Values{"code": {"ces"}, "kind": {"ces"}, "title_zh": {"服务便捷度调查"}, "title_en": {"How easy was it?"},
			"q0_key": {"comment"}, "q0_kind": {"text"}, "q0_zh": {"还有什么建议？"}, "q0_en": {"Anything else?"},
			"q1_key": {"reasons"}, "q1_kind": {"choice"}, "q1_en": {"Why?"}, "q1_options": {"slow | 太慢 | Too slow"}}
		s, body, _ = b.post("/surveys/templates", bad)
		if s != 422 || !strings.Contains(body, "必须包含 ces 评分题") || !strings.Contains(between(body, `id="q1"`, "</fieldset>"), "必填") {
			t.Fatalf("bad template: %d %s", s, between(body, `id="template-form"`, `id="q2"`))
		}
		good := url.Values{"code": {"ces"}, "kind": {"ces"}, "title_zh": {"服务便捷度调查"}, "title_en": {"How easy was it?"},
			"q0_key": {"ces"}, "q0_kind": {"ces"}, "q0_zh": {"这次办理费力吗？"}, "q0_en": {"How much effort did it take?"},
			"q1_key": {"reasons"}, "q1_kind": {"choice"}, "q1_zh": {"主要原因"}, "q1_en": {"Why?"}, "q1_options": {"slow | 太慢 | Too slow\nfast | 很快 | Quick"}}
		preview := url.Values{"preview": {"1"}}
		for k, v := range good {
			preview[k] = v
		}
		if s, body, _ := b.post("/surveys/templates", preview); s != 200 || !strings.Contains(between(body, `id="preview"`, "</ol>"), "很快") {
			t.Fatalf("preview: %d %s", s, between(body, `id="preview"`, "</ol>"))
		}
		version := func(code string) int {
			all, err := db.SurveyTemplates(app.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			v := 0
			for _, x := range all {
				if x.Code == code {
					v = max(v, x.Version)
				}
			}
			return v
		}
		if v := version("ces"); v != 1 {
			t.Fatalf("after a preview: version %d, want 1", v)
		}
		s, _, h := b.post("/surveys/templates", good)
		if s != 303 || !strings.Contains(h.Get("Location"), "saved=2") {
			t.Fatalf("save: %d %s", s, h.Get("Location"))
		}
		if _, body := b.get(h.Get("Location")); !strings.Contains(body, "已保存为第 2 版") || !strings.Contains(body, "这次办理费力吗？") {
			t.Errorf("saved page: %s", between(body, "<h1>", `id="template-form"`))
		}
		if v := version("ces"); v != 2 {
			t.Errorf("ces version %d, want 2", v)
		}
		all, _ := db.SurveyTemplates(app.Ctx)
		for _, x := range all {
			if x.Code == "ces" && x.Version == 1 && x.Questions[0].ZH != "解决这个问题对您来说有多费力？" {
				t.Errorf("version 1 changed: %+v", x.Questions[0])
			}
			if x.Code == "ces" && x.Version == 2 && (len(x.Questions) != 2 || x.Questions[1].Type != aftersales.QuestionReasons || len(x.Questions[1].Options) != 2) {
				t.Errorf("version 2: %+v", x.Questions)
			}
		}
		fresh := url.Values{"code": {"after_visit"}, "kind": {"csat"}, "title_zh": {"上门服务评价"}, "title_en": {"Rate the visit"},
			"q0_key": {"csat"}, "q0_kind": {"csat"}, "q0_zh": {"您对上门服务满意吗？"}, "q0_en": {"Were you satisfied with the visit?"}}
		if s, _, _ := b.post("/surveys/templates", fresh); s != 303 || version("after_visit") != 1 {
			t.Errorf("new template: %d, version %d", s, version("after_visit"))
		}
		en := newBrowser(t, app, "en")
		en.login("admin@example.com", "admin-password-1")
		if _, body := en.get("/surveys/templates/edit?code=after_visit"); !strings.Contains(body, "Save as a new version") || !strings.Contains(body, "Were you satisfied with the visit?") {
			t.Errorf("English editor: %s", between(body, "<h1>", "</fieldset>"))
		}
	})
}
