package console_test

import (
	"context"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// The data-quality page lists quarantined mail with its error and the
// addresses that bounce, in both languages.
func TestDataQualityMail(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		f := aftersales.MailFailure{Mailbox: "support@acme.cn@imap.acme.cn/INBOX", UIDValidity: 7, UID: 42, MessageID: "bad@example.com",
			From: "bad@example.com", Subject: "坏邮件", Error: "record message: invalid byte sequence"}
		for range aftersales.QuarantineAfter {
			if _, err := db.MailFailed(context.Background(), f); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.ReceiveEmail(context.Background(), &aftersales.InboundEmail{MessageID: "dsn-1@mx.acme.cn", From: "mailer-daemon@mx.acme.cn",
			AutoReply: true, Bounce: &aftersales.Bounce{Recipients: []string{"nobody@example.cn"}, Status: "5.1.1", Diagnostic: "User unknown", Failed: true}}); err != nil {
			t.Fatal(err)
		}
		for lang, heading := range map[string]string{"zh-CN": "隔离的邮件", "en": "Quarantined mail"} {
			b := newBrowser(t, app, lang)
			b.login("admin@example.com", "admin-password-1")
			s, body := b.get("/data-quality")
			if s != 200 || !strings.Contains(body, heading) || !strings.Contains(body, "invalid byte sequence") || !strings.Contains(body, "UID 42") ||
				!strings.Contains(body, "nobody@example.cn") || !strings.Contains(body, "5.1.1") {
				t.Errorf("%s: %d, the quarantined message or the bouncing address is missing", lang, s)
			}
			if m := missingKey.FindString(body); m != "" {
				t.Errorf("%s: missing message %s", lang, m)
			}
		}
	})
}
