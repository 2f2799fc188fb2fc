package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"aftersales"
	"aftersales/internal/mailin"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// A mailbox and an SMTP server configured only in the settings (no
// --imap, no --smtp-addr), while the server runs: a message to the
// mailbox becomes a ticket and its acknowledgement reaches the SMTP
// server, without a restart. The settings are written through a second
// store on the same database, as another instance's console would. The
// connection test names a wrong password's failure.
func TestEmailChannelFromSettings(t *testing.T) {
	url := os.Getenv("AFTERSALES_TEST_IMAP")
	if url == "" {
		if testutil.CI() {
			t.Fatal("AFTERSALES_TEST_IMAP is not set: .ci/run starts Dovecot (.ci/dovecot.sh) and sets it")
		}
		t.Skip("AFTERSALES_TEST_IMAP not set: run .ci/dovecot.sh to test against a real Dovecot")
	}
	dove, err := mailin.ParseMailbox(url)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range testutil.Engines() {
		t.Run(string(e), func(t *testing.T) {
			dsn := testutil.DSN(t, e)
			dir := t.TempDir()
			sink := testutil.StartSMTP(t, 0)
			// A fresh folder of the Dovecot user, delivered into by APPEND.
			c, err := imapclient.DialInsecure(dove.Addr, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			if err := c.Login(dove.Username, dove.Password).Wait(); err != nil {
				t.Fatal(err)
			}
			rnd := make([]byte, 6)
			rand.Read(rnd)
			folder := "s" + hex.EncodeToString(rnd)
			if err := c.Create(folder, nil).Wait(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Delete(folder).Wait() })

			startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--db", dsn},
				map[string]string{"AFTERSALES_ADMIN_PASSWORD": "channel-password-1"})
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			admin, err := db.FirstAdmin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			actx := aftersales.NewContextWithUser(ctx, admin)
			host, port, _ := strings.Cut(dove.Addr, ":")
			var p int
			fmt.Sscan(port, &p)
			box := aftersales.ChannelMailbox{Host: host, Port: p, TLS: "none", Username: dove.Username, Password: dove.Password, Folder: folder, Active: true}

			// Test connection: a wrong password names the failure, the
			// right one passes, an SMTP test message arrives.
			tester := channelTester{&emailChannel{db: db, poller: &mailin.Poller{}}}
			wrong := box
			wrong.Password = "not-the-password"
			if err := tester.TestMailbox(ctx, wrong); err == nil || !strings.Contains(err.Error(), "login") || !strings.Contains(strings.ToLower(err.Error()), "auth") {
				t.Errorf("test with a wrong password = %v; want the login's authentication failure", err)
			}
			if err := tester.TestMailbox(ctx, box); err != nil {
				t.Errorf("test with the right password: %v", err)
			}
			smtp := aftersales.SMTPSettings{Addr: sink.Addr, From: "support@acme.example", TLS: "none"}
			if err := tester.TestSMTP(ctx, smtp, "admin@acme.example"); err != nil {
				t.Errorf("SMTP test message: %v", err)
			}
			if got := sink.Messages(); len(got) != 1 || got[0].To != "admin@acme.example" {
				t.Fatalf("SMTP sink got %+v; want the test message", got)
			}

			appendMail := func(subject, id string) {
				t.Helper()
				raw := "From: 王女士 <wang@example.cn>\r\nTo: support@acme.example\r\nSubject: " + mimeWord(subject) +
					"\r\nMessage-ID: <" + id + "@example.cn>\r\nDate: Mon, 07 Dec 2026 10:00:00 +0800\r\nMIME-Version: 1.0\r\n" +
					"Content-Type: text/plain; charset=utf-8\r\n\r\n热水器底部漏水。\r\n"
				cmd := c.Append(folder, int64(len(raw)), nil)
				cmd.Write([]byte(raw))
				cmd.Close()
				if _, err := cmd.Wait(); err != nil {
					t.Fatal(err)
				}
			}
			// Mail already in the folder when the mailbox is added with
			// "only mail from now on" is left alone.
			appendMail("旧邮件 "+folder, "old-"+folder)
			box.StartNew = true

			s, err := db.EmailSettings(actx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.UpdateEmailSettings(actx, s.Version, aftersales.EmailSettings{
				Mailboxes: []aftersales.ChannelMailbox{box}, SMTP: smtp}); err != nil {
				t.Fatal(err)
			}
			// Wait (bounded, as a hang guard) for the reader's first
			// read, which sets the mailbox's cursor past the old mail.
			tick := time.NewTicker(200 * time.Millisecond)
			defer tick.Stop()
			limit := time.After(2 * time.Minute)
			for {
				if cur, err := db.Cursor(ctx, box.Name()); err == nil && cur.UIDValidity != 0 {
					break
				}
				select {
				case <-limit:
					t.Fatal("after 2 minutes the mailbox from the settings was not read")
				case <-tick.C:
				}
			}
			subject := "热水器漏水 " + folder
			appendMail(subject, folder)
			// Wait for the ticket and its acknowledgement.
			var tk *aftersales.Ticket
			for tk == nil || len(sink.Messages()) < 2 {
				select {
				case <-limit:
					t.Fatalf("after 2 minutes: ticket %+v, SMTP got %d messages", tk, len(sink.Messages()))
				case <-tick.C:
				}
				if tk == nil {
					if _, _, id, err := db.MaxIDs(ctx); err == nil && id > 0 {
						tk, _ = db.FindTicket(actx, id)
					}
				}
			}
			if tk.ID != 1 || tk.Title != subject || tk.Channel != aftersales.ChannelEmail {
				t.Errorf("ticket %d = %q via %s; want the only ticket, %q via email (the mail already there left alone)", tk.ID, tk.Title, tk.Channel, subject)
			}
			ack := sink.Messages()[1]
			if ack.To != "wang@example.cn" || !strings.Contains(ack.Data, tk.Number) || !strings.Contains(ack.Data, "@acme.example>") {
				t.Errorf("acknowledgement = to %s:\n%s\nwant to wang@example.cn naming %s, Message-ID at acme.example", ack.To, ack.Data, tk.Number)
			}
		})
	}
}

// mimeWord encodes s as an RFC 2047 word.
func mimeWord(s string) string {
	return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
}
