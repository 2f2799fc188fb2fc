package console_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestTicketFormBadTimeInPageLanguage types an impossible "occurred at"
// into the new-ticket form: the page comes back with the field marked,
// the reason in the page's language (the Chinese page said "must be a
// date and time") and everything else typed still in the form.
func TestTicketFormBadTimeInPageLanguage(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	for _, tc := range []struct{ lang, want string }{
		{"zh-CN", "必须是日期和时间"}, {"en", "must be a date and time"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			b := newBrowser(t, app, tc.lang)
			b.login(app.Admin.Email, "admin-password-1")
			s, body, _ := b.post("/tickets", url.Values{"title": {"热水器不点火"}, "description": {"客户说打不着火"},
				"channel": {"phone"}, "nature": {"repair"}, "urgency": {"normal"}, "occurred_at": {"2026-13-45T10:00"}})
			if s != 422 {
				t.Fatalf("status %d", s)
			}
			i := strings.Index(body, `<label for="occurred_at">`)
			if i < 0 || !strings.Contains(body[i:min(len(body), i+600)], `<span class="err">`+tc.want+`<`) && !strings.Contains(body[i:min(len(body), i+600)], `>`+tc.want+`<`) {
				t.Errorf("the time's reason is not %q: %s", tc.want, body[max(0, i-40):min(len(body), i+600)])
			}
			for _, kept := range []string{`value="热水器不点火"`, "客户说打不着火"} {
				if !strings.Contains(body, kept) {
					t.Errorf("the form lost %s", kept)
				}
			}
		})
	}
}

// TestTicketFormAllErrorsAtOnce sends the new-ticket form missing two
// fields of different kinds: the page names both at once. It named one
// and, once that was fixed, the other: a time the form could not read
// hid the store's rules (the title, the customer), and the store's rules
// hid a required custom field, checked only in the write.
func TestTicketFormAllErrorsAtOnce(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	b := newBrowser(t, app, "en")
	b.login(app.Admin.Email, "admin-password-1")
	if s, body, _ := b.post("/fields", url.Values{"key": {"serial"}, "label_zh": {"序列号"}, "label_en": {"Serial"},
		"type": {"text"}, "required": {"on"}}); s != 303 {
		t.Fatalf("custom field: %d %s", s, body)
	}
	c, err := db.CreateCustomer(app.Ctx, aftersales.CustomerInput{Name: "王芳", Phone: "13800000001"})
	if err != nil {
		t.Fatal(err)
	}
	base := func(kv ...string) url.Values {
		v := url.Values{"title": {"热水器不点火"}, "channel": {"phone"}, "nature": {"repair"}, "urgency": {"normal"},
			"customer_id": {strconv.FormatInt(c.ID, 10)}, "custom.serial": {"SN-1"}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want []string // fields marked, by their label's target
	}{
		{"a store rule and a required custom field", base("title", "", "custom.serial", ""), []string{"title", "custom.serial"}},
		{"an unreadable time and a store rule", base("occurred_at", "2026-13-45T10:00", "customer_id", ""), []string{"occurred_at", "customer_q"}},
		{"an unreadable time and a required custom field", base("occurred_at", "yesterday", "custom.serial", ""), []string{"occurred_at", "custom.serial"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, body, _ := b.post("/tickets", tc.form)
			if s != 422 {
				t.Fatalf("status %d", s)
			}
			for _, f := range tc.want {
				if !regexp.MustCompile(`class="field bad">\s*<label for="` + regexp.QuoteMeta(f) + `"`).MatchString(body) {
					t.Errorf("%s is not marked", f)
				}
			}
			if n := strings.Count(body, `<div class="err">`); n != len(tc.want) {
				t.Errorf("%d reasons, want %d", n, len(tc.want))
			}
		})
	}
}
