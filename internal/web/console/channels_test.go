package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web"
	"aftersales/internal/web/webtest"
)

// fakeTester answers connection tests without a mail server: the
// console's part is to pass the form's values and show the answer.
type fakeTester struct{ got []aftersales.ChannelMailbox }

func (f *fakeTester) TestMailbox(_ context.Context, m aftersales.ChannelMailbox) error {
	f.got = append(f.got, m)
	if m.Password != "right" {
		return &mailErr{"imap support@imap.example.com/INBOX: login: NO [AUTHENTICATIONFAILED] Authentication failed."}
	}
	return nil
}
func (f *fakeTester) TestSMTP(context.Context, aftersales.SMTPSettings, string) error { return nil }

type mailErr struct{ s string }

func (e *mailErr) Error() string { return e.s }

// The Channels page saves mailboxes and SMTP in both languages, names
// each bad field's reason under it, never sends a password back, keeps
// the stored password when the field is left empty, shows what the
// server's flags set read-only, and shows a connection test's answer.
func TestChannelsPage(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	tester := &fakeTester{}
	app := webtest.StartWith(t, db, func(s *web.Server) {
		s.ChannelTester = tester
		s.ServerEmail = aftersales.ServerEmail{Mailboxes: []aftersales.ChannelMailbox{{Host: "flag.example.com", Port: 993, TLS: "tls", Username: "ops", Folder: "INBOX"}}}
	})
	b := newBrowser(t, app, "zh-CN")
	b.login(app.Admin.Email, "admin-password-1")
	s, body := b.get("/admin/channels")
	if s != 200 || !strings.Contains(body, "渠道设置") || !strings.Contains(body, "ops@flag.example.com:993/INBOX") {
		t.Fatalf("page = %d, want 200 with the title and the flag's mailbox:\n%s", s, body)
	}
	bad := url.Values{"version": {"1"}, "mailbox_count": {"1"}, "mailboxes[0].host": {"imap example.com"}, "mailboxes[0].port": {"99999"},
		"mailboxes[0].tls": {"tls"}, "mailboxes[0].username": {""}, "mailboxes[0].password": {"pw-secret-1"},
		"smtp.addr": {"smtp.example.com"}, "smtp.from": {"support@example.com"}, "smtp.tls": {"starttls"}}
	s, body, _ = b.post("/admin/channels", bad)
	if s != 422 {
		t.Fatalf("bad form: %d, want 422", s)
	}
	for _, want := range []string{"必须是主机名或 IP 地址", "必须是“主机:端口”的形式", "必填"} {
		if !strings.Contains(body, want) {
			t.Errorf("bad form: no %q under a field", want)
		}
	}
	if strings.Contains(body, "pw-secret-1") {
		t.Error("the refused form sent the password back")
	}
	good := url.Values{"version": {"1"}, "mailbox_count": {"1"}, "mailboxes[0].host": {"imap.example.com"}, "mailboxes[0].port": {""},
		"mailboxes[0].tls": {"tls"}, "mailboxes[0].username": {"support@example.com"}, "mailboxes[0].password": {"pw-secret-1"},
		"mailboxes[0].folder": {"INBOX"}, "mailboxes[0].active": {"on"},
		"smtp.addr": {"smtp.example.com:587"}, "smtp.from": {"support@example.com"}, "smtp.tls": {"starttls"}, "smtp.password": {"smtp-secret-1"}}
	if s, _, h := b.post("/admin/channels", good); s != 303 || h.Get("Location") != "/admin/channels?ok=saved" {
		t.Fatalf("save: %d to %q", s, h.Get("Location"))
	}
	en := newBrowser(t, app, "en")
	en.login(app.Admin.Email, "admin-password-1")
	_, body = en.get("/admin/channels")
	if strings.Contains(body, "secret") || !strings.Contains(body, "stored; leave empty to keep") || !strings.Contains(body, `value="imap.example.com"`) {
		t.Errorf("English page after the save: passwords must not appear, the stored ones be noted:\n%s", body)
	}
	// Saved again in English with the passwords left empty: kept.
	ctx := aftersales.NewContextWithUser(context.Background(), app.Admin)
	set, _ := db.EmailSettings(ctx)
	good.Set("version", "2")
	good.Set("mailboxes[0].id", "1")
	good.Set("mailboxes[0].password", "")
	good.Set("smtp.password", "")
	good.Set("mailboxes[0].folder", "Support")
	if s, body, _ := en.post("/admin/channels", good); s != 303 {
		t.Fatalf("second save: %d\n%s", s, body)
	}
	rt, _ := db.EmailRuntime(ctx)
	if set.Version != 2 || len(rt.Mailboxes) != 1 || rt.Mailboxes[0].Password != "pw-secret-1" || rt.Mailboxes[0].Folder != "Support" || rt.SMTP.Password != "smtp-secret-1" {
		t.Errorf("after a save without passwords: %+v", rt)
	}
	// Test connection with a wrong password: the server's answer.
	good.Set("version", "3")
	good.Set("mailboxes[0].password", "wrong")
	good.Set("test", "0")
	s, body, _ = en.post("/admin/channels/test", good)
	if s != 200 || !strings.Contains(body, "Connection failed") || !strings.Contains(body, "AUTHENTICATIONFAILED") {
		t.Errorf("test: %d, want the failure and the server's answer", s)
	}
	if len(tester.got) != 1 || tester.got[0].ID != 1 || tester.got[0].Password != "wrong" || tester.got[0].Folder != "Support" {
		t.Errorf("tester got %+v", tester.got)
	}
	good.Set("mailboxes[0].password", "right")
	if _, body, _ = en.post("/admin/channels/test", good); !strings.Contains(body, "Connection succeeded") {
		t.Error("test with the right password: no success")
	}
}
