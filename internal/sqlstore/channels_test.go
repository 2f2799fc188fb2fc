package sqlstore_test

import (
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// The email channel's settings round-trip without their passwords: a
// password goes in, never comes out of the service or the audit log, and
// an empty one on a save keeps the stored one.
func TestEmailSettingsRoundTrip(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		s, err := db.EmailSettings(ctx)
		if err != nil || s.Version != 1 || len(s.Mailboxes) != 0 || s.SMTP.Addr != "" {
			t.Fatalf("default = %+v, %v", s, err)
		}
		in := aftersales.EmailSettings{
			Mailboxes: []aftersales.ChannelMailbox{{Host: "imap.example.com", TLS: "tls", Username: "support@example.com", Password: "box-secret-1", Active: true, StartNew: true}},
			SMTP:      aftersales.SMTPSettings{Addr: "smtp.example.com:587", From: "support@example.com", Username: "support", Password: "smtp-secret-1", TLS: "starttls"},
		}
		s, err = db.UpdateEmailSettings(ctx, s.Version, in)
		if err != nil {
			t.Fatal(err)
		}
		m := s.Mailboxes[0]
		if m.ID == 0 || m.Port != 993 || m.Folder != "INBOX" || m.Password != "" || !m.PasswordSet || !m.StartNew || s.SMTP.Password != "" || !s.SMTP.PasswordSet {
			t.Fatalf("saved = %+v", s)
		}
		// Saved again with empty passwords and a changed folder: the
		// passwords stay, and so does start_new (set when the mailbox
		// was added).
		in.Mailboxes[0].ID, in.Mailboxes[0].Password, in.Mailboxes[0].Folder, in.SMTP.Password = m.ID, "", "Support", ""
		in.Mailboxes[0].StartNew = false
		if s, err = db.UpdateEmailSettings(ctx, s.Version, in); err != nil {
			t.Fatal(err)
		}
		rt, err := db.EmailRuntime(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rt.Mailboxes) != 1 || rt.Mailboxes[0].Password != "box-secret-1" || rt.Mailboxes[0].Folder != "Support" || !rt.Mailboxes[0].StartNew || rt.SMTP.Password != "smtp-secret-1" {
			t.Fatalf("runtime after a save without passwords = %+v", rt)
		}
		// A new password replaces the old; a mailbox left out is removed.
		in.SMTP.Password = "smtp-secret-2"
		in.Mailboxes = nil
		if s, err = db.UpdateEmailSettings(ctx, s.Version, in); err != nil {
			t.Fatal(err)
		}
		if rt, _ = db.EmailRuntime(ctx); rt.SMTP.Password != "smtp-secret-2" || len(rt.Mailboxes) != 0 {
			t.Fatalf("runtime = %+v; want the new password and no mailbox", rt)
		}
		// A stale version is a conflict.
		if _, err := db.UpdateEmailSettings(ctx, 1, in); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("stale save err = %v, want ECONFLICT", err)
		}
		// Bad fields are named, nothing is written.
		bad := aftersales.EmailSettings{Mailboxes: []aftersales.ChannelMailbox{{Host: "", Port: 70000, TLS: "ssl"}},
			SMTP: aftersales.SMTPSettings{Addr: "smtp.example.com", From: "nobody", TLS: "starttls"}}
		_, err = db.UpdateEmailSettings(ctx, s.Version, bad)
		f := fieldsOf(err)
		for _, k := range []string{"mailboxes[0].host", "mailboxes[0].port", "mailboxes[0].tls", "mailboxes[0].username", "smtp.addr", "smtp.from"} {
			if f[k] == "" {
				t.Errorf("bad settings: no reason for %s in %v", k, err)
			}
		}
		if got, _ := db.EmailSettings(ctx); got.Version != s.Version {
			t.Errorf("a refused save changed the version: %d -> %d", s.Version, got.Version)
		}
		// The audit names the changes, never a password.
		log, err := db.ListAudit(ctx, aftersales.AuditFilter{Entity: "email_settings"})
		if err != nil || len(log) != 3 {
			t.Fatalf("audit = %d entries, %v; want 3", len(log), err)
		}
		for _, e := range log {
			if strings.Contains(e.Detail, "secret") {
				t.Errorf("audit holds a password: %s", e.Detail)
			}
		}
		if !strings.Contains(log[0].Detail, `"smtp_password_changed":true`) {
			t.Errorf("newest audit = %s; want smtp_password_changed true", log[0].Detail)
		}
		// Only administrators read or change them.
		tech := MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		tctx := aftersales.NewContextWithUser(ctx, tech)
		if _, err := db.EmailSettings(tctx); aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
			t.Errorf("technician read err = %v, want EFORBIDDEN", err)
		}
	})
}
