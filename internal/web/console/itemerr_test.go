package console_test

import (
	"net/url"
	"regexp"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestImprovementItemFormErrorsUnderTheirField: a new improvement item
// sent without a title (and an alert rule with a threshold that is no
// number) comes back with the reason under the field, inside its label,
// in both languages. The reason stood alone
// above the label ("is required" / "Title"), unstyled, and in the form's
// grid it took a cell of its own.
func TestImprovementItemFormErrorsUnderTheirField(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	for lang, want := range map[string]string{
		"en":    `<label>Title <input name="title" required maxlength="200" value=""><div class="err">is required</div></label>`,
		"zh-CN": `<label>标题 <input name="title" required maxlength="200" value=""><div class="err">`,
	} {
		b := newBrowser(t, app, lang)
		b.login("admin@example.com", "admin-password-1")
		s, body, _ := b.post("/quality/items", url.Values{"title": {""}, "description": {"x"}})
		if s != 422 && s != 400 {
			t.Fatalf("%s: an item without a title: %d", lang, s)
		}
		if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(body) {
			t.Errorf("%s: the title's reason is not under its field; want %s", lang, want)
		}
		if regexp.MustCompile(`<div class="err">[^<]*</div><label>`).MatchString(body) {
			t.Errorf("%s: a reason stands before its label", lang)
		}
		// The alert rule form, the same way: a threshold that is no number.
		s, body, _ = b.post("/quality/alerts/rules", url.Values{"kpi": {"reopen_rate"}, "threshold": {"abc"}, "grain": {"month"}})
		if s != 422 && s != 400 {
			t.Fatalf("%s: a rule with a bad threshold: %d", lang, s)
		}
		if !regexp.MustCompile(`<label>[^<]*<input name="threshold" value="abc" inputmode="decimal"><div class="err">[^<]+</div></label>`).MatchString(body) {
			t.Errorf("%s: the threshold's reason is not under its field", lang)
		}
		if regexp.MustCompile(`<div class="err">[^<]*</div><label>`).MatchString(body) {
			t.Errorf("%s: a reason stands before its label on the alerts page", lang)
		}
	}
}
