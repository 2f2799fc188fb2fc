package console_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestZhCNFormReasons sends the admin forms a person fills in badly (an
// empty name, a wrong e-mail, a time zone or a capacity mistyped, a
// policy without targets) on the Chinese pages: each marked field says
// why in Chinese. They said "is required, at most 50 characters", "must
// be a valid email address", "a policy needs at least one target"...
func TestZhCNFormReasons(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	b := newBrowser(t, app, "zh-CN")
	b.login(app.Admin.Email, "admin-password-1")
	errDiv := regexp.MustCompile(`<div class="err">([^<]*)</div>`)
	// Words a Chinese reason may hold: formats and examples.
	allowed := strings.NewReplacer("YYYY-MM-DD", "", "Asia/Shanghai", "", "IANA", "", "a-z", "", "KPI", "")
	latin := regexp.MustCompile(`[A-Za-z]{2,}`)
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/network/departments", url.Values{"name": {""}, "kind": {"after_sales"}}},
		{"/tokens", url.Values{"name": {""}}},
		{"/sla/policies", url.Values{"name": {"普通"}, "priority": {"1"}}},
		{"/sla/calendars", url.Values{"code": {"std"}, "name": {"标准"}, "tz": {"Shanghai"}}},
		{"/categories", url.Values{"code": {"ac"}}},
		{"/fields", url.Values{"key": {"1x"}, "type": {"text"}}},
		{"/users", url.Values{"email": {"li.example.com"}, "name": {"李娜"}, "role": {"agent"}, "password": {"password-123456"}}},
		{"/network/teams", url.Values{"name": {"一组"}, "strategy": {"manual"}, "capacity": {"五"}}},
		{"/quality/alerts/rules", url.Values{"kpi": {"fcr"}, "grain": {"month"}}},
	} {
		s, body, _ := b.post(tc.path, tc.form)
		if s != 422 {
			t.Errorf("%s: %d, want 422", tc.path, s)
			continue
		}
		errs := errDiv.FindAllStringSubmatch(body, -1)
		if len(errs) == 0 {
			t.Errorf("%s: no field is marked", tc.path)
		}
		for _, m := range errs {
			if w := latin.FindString(allowed.Replace(m[1])); w != "" {
				t.Errorf("%s: a field says %q", tc.path, m[1])
			}
		}
	}
}
