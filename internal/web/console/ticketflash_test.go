package console_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestTicketActionErrorInPageLanguage posts an empty reply and a cost
// without an amount on a ticket's page in Chinese: the notice at the top
// names the field and says why in Chinese. It read "提交的内容有误，请检查
// 标红的字段。 The request has invalid fields. (amount: is required)".
func TestTicketActionErrorInPageLanguage(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	c := testutil.MustCustomer(t, app.Ctx, db, "王女士")
	tk := testutil.MustTicket(t, app.Ctx, db, c.ID, "空调不制冷")
	flash := regexp.MustCompile(`(?s)class="flash[^"]*"[^>]*>(.*?)</`)
	for _, tc := range []struct {
		lang, path string
		form       url.Values
		want       string
	}{
		{"zh-CN", "costs", url.Values{"kind": {"labour"}}, "（金额：必填）"},
		{"zh-CN", "comment", url.Values{"body": {""}}, "（正文：不能为空）"},
		{"en", "costs", url.Values{"kind": {"labour"}}, "(amount: is required)"},
	} {
		b := newBrowser(t, app, tc.lang)
		b.login(app.Admin.Email, "admin-password-1")
		s, body, _ := b.post(fmt.Sprintf("/tickets/%d/%s", tk.ID, tc.path), tc.form)
		m := flash.FindStringSubmatch(body)
		if s != 422 || m == nil {
			t.Errorf("%s %s: %d, flash %v", tc.lang, tc.path, s, m)
			continue
		}
		if !strings.Contains(m[1], tc.want) {
			t.Errorf("%s %s: the notice says %q, want %q in it", tc.lang, tc.path, m[1], tc.want)
		}
		if tc.lang == "zh-CN" && regexp.MustCompile(`[A-Za-z]{3,}`).MatchString(m[1]) {
			t.Errorf("%s %s: English in the notice %q", tc.lang, tc.path, m[1])
		}
	}
}
