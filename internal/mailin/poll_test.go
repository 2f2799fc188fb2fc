package mailin_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"aftersales"
	"aftersales/internal/files"
	"aftersales/internal/jobs"
	"aftersales/internal/mail"
	"aftersales/internal/mailin"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// imapServer is a real IMAP server on loopback with one user's INBOX.
func imapServer(t *testing.T) (*imapmemserver.User, string) {
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("support@acme.cn", "s3cret")
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}},
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return u, ln.Addr().String()
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

func deliver(t *testing.T, u *imapmemserver.User, raw []byte) {
	t.Helper()
	if _, err := u.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

func plain(from, subject, body string, headers ...string) []byte {
	h := append([]string{"From: " + from, "To: support@acme.cn", "Subject: " + subject,
		"Content-Type: text/plain; charset=utf-8"}, headers...)
	return []byte(strings.Join(h, "\r\n") + "\r\n\r\n" + body + "\r\n")
}

// failOn refuses one UID, as a database outage would.
type failOn struct {
	aftersales.IntakeService
	uid uint32
}

func (f failOn) ReceiveEmail(ctx context.Context, m *aftersales.InboundEmail) (*aftersales.IntakeResult, error) {
	if m.UID == f.uid {
		return nil, errors.New("database unavailable")
	}
	return f.IntakeService.ReceiveEmail(ctx, m)
}

func TestEmailRoundTrip(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		user, addr := imapServer(t)
		mb, err := mailin.ParseMailbox("imap://" + url.QueryEscape("support@acme.cn") + ":s3cret@" + addr + "/INBOX")
		if err != nil {
			t.Fatal(err)
		}
		clock := testutil.NewClock(time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC))
		db.Now, db.EmailNotifications, db.MailDomain = clock.Now, true, "acme.cn"
		fs, err := files.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		fs.MaxSize = 1 << 20
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		p := &mailin.Poller{Intake: db, Files: fs, Now: clock.Now, Log: log, Timeout: 5 * time.Second}
		sink := testutil.StartSMTP(t, 0)
		send := jobs.SendEmails(db, &mail.Sender{Addr: sink.Addr, From: "support@acme.cn", TLS: mail.TLSNone, Timeout: 5 * time.Second}, log)
		ctx, _ := testutil.Admin(t, db)
		bg := context.Background()
		poll := func() {
			t.Helper()
			if _, err := p.Poll(bg, mb); err != nil {
				t.Fatal(err)
			}
		}
		tickets := func() []*aftersales.Ticket {
			t.Helper()
			page, err := db.ListTickets(ctx, aftersales.TicketFilter{Limit: 100, Sort: aftersales.SortCreatedAsc})
			if err != nil {
				t.Fatal(err)
			}
			return page.Tickets
		}
		customerMessages := func(id int64) []string {
			t.Helper()
			tl, err := db.Timeline(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range tl {
				if e.Kind == aftersales.EventCustomerMessage {
					if e.Channel != aftersales.ChannelEmail {
						t.Errorf("message channel %q", e.Channel)
					}
					out = append(out, e.Body)
				}
			}
			return out
		}

		// 1. A GBK mail, an out-of-office notice and a mail with an
		// executable attached.
		deliver(t, user, gbkMessage(t, "a1@mail.example.cn", "wang.fang@example.cn", "空调不制冷，朱镕基路", "您好，我家的空调昨天开始不制冷。"))
		deliver(t, user, plain("li@example.com", "Out of office", "I am away.", "Message-ID: <ooo@example.com>", "Auto-Submitted: auto-replied"))
		deliver(t, user, []byte("From: zhao@example.com\r\nSubject: 安装预约\r\nMessage-ID: <z1@example.com>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"+
			"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n想预约安装热水器\r\n--b\r\nContent-Type: application/octet-stream\r\n"+
			"Content-Disposition: attachment; filename=setup.exe\r\n\r\nMZ\x90\x00\x03\x00\x00\x00\x04\x00\r\n--b--\r\n"))
		poll()
		got := tickets()
		if len(got) != 3 {
			t.Fatalf("tickets after first poll: %d", len(got))
		}
		t1 := got[0]
		if t1.Channel != aftersales.ChannelEmail || t1.Title != "空调不制冷，朱镕基路" || t1.Nature != aftersales.NatureRepair || t1.CustomerID == nil {
			t.Fatalf("ticket 1 = %+v", t1)
		}
		cust, _ := db.FindCustomer(ctx, *t1.CustomerID)
		if cust.Email != "wang.fang@example.cn" || cust.Name != "王芳" {
			t.Errorf("customer = %q %q", cust.Name, cust.Email)
		}
		atts, _ := db.ListAttachments(ctx, t1.ID)
		if len(atts) != 2 || atts[0].Name != "message.eml" || atts[1].Name != "fault.png" || atts[1].ContentType != "image/png" {
			t.Fatalf("attachments = %+v", atts)
		}
		if msgs := customerMessages(t1.ID); len(msgs) != 1 || msgs[0] != "您好，我家的空调昨天开始不制冷。" {
			t.Fatalf("messages = %q", msgs)
		}
		if got[2].Nature != aftersales.NatureInstallation {
			t.Errorf("nature of the installation mail = %s", got[2].Nature)
		}
		if msgs := customerMessages(got[2].ID); len(msgs) != 1 || !strings.Contains(msgs[0], "setup.exe not kept") {
			t.Errorf("the refused attachment is not reported: %q", msgs)
		}

		// 2. Acknowledgements: to the people, not to the auto-reply.
		send(bg)
		acks := sink.Messages()
		if len(acks) != 2 {
			t.Fatalf("acknowledgements = %d", len(acks))
		}
		ack := mailin.Parse([]byte(acks[0].Data))
		if acks[0].To != "wang.fang@example.cn" || ack.Subject != "Re: [#"+t1.Number+"] 空调不制冷，朱镕基路" ||
			strings.Join(ack.InReplyTo, " ") != "a1@mail.example.cn" || !strings.Contains(ack.Text, t1.Number) {
			t.Fatalf("acknowledgement:\n%s", acks[0].Data)
		}
		ackID := ack.MessageID
		if !strings.HasSuffix(ackID, "@acme.cn") {
			t.Errorf("ack Message-ID %q", ackID)
		}

		// 3. Polling again reads nothing twice.
		poll()
		if n := len(tickets()); n != 3 || len(customerMessages(t1.ID)) != 1 {
			t.Fatalf("second poll changed things: %d tickets", n)
		}

		// 4. The customer answers the acknowledgement: threaded by
		// In-Reply-To, quoted text dropped.
		deliver(t, user, plain("Wang Fang <wang.fang@example.cn>", "Re: [#"+t1.Number+"] 空调不制冷，朱镕基路",
			"师傅几点到？\r\n\r\n在 2026年11月23日 09:31，support 写道：\r\n> 我们已收到",
			"Message-ID: <a2@mail.example.cn>", "In-Reply-To: <"+ackID+">", "References: <a1@mail.example.cn> <"+ackID+">"))
		poll()
		if msgs := customerMessages(t1.ID); len(msgs) != 2 || !strings.HasSuffix(msgs[1], "师傅几点到？") || strings.Contains(msgs[1], "我们已收到") {
			t.Fatalf("threaded reply: %q", msgs)
		}

		// 5. An agent's public reply goes out threaded under the latest mail.
		clock.Advance(time.Minute)
		if _, err := db.AddComment(ctx, t1.ID, aftersales.CommentInput{Body: "师傅今天下午两点到。", Public: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddComment(ctx, t1.ID, aftersales.CommentInput{Body: "内部：备件已出库"}); err != nil {
			t.Fatal(err)
		}
		send(bg)
		out := sink.Messages()
		if len(out) != 3 {
			t.Fatalf("mails after the reply: %d (the internal note must not go out)", len(out))
		}
		reply := mailin.Parse([]byte(out[2].Data))
		if out[2].To != "wang.fang@example.cn" || strings.Join(reply.InReplyTo, " ") != "a2@mail.example.cn" ||
			strings.Join(reply.References, " ") != "a1@mail.example.cn "+ackID+" a2@mail.example.cn" ||
			reply.Subject != "Re: [#"+t1.Number+"] 空调不制冷，朱镕基路" || reply.Text != "师傅今天下午两点到。" {
			t.Fatalf("reply:\n%s", out[2].Data)
		}
		replyID := reply.MessageID

		// 6. The subject tag threads mail from the customer's address, not
		// from a stranger's.
		deliver(t, user, plain("wang.fang@example.cn", "[#"+t1.Number+"] 补充：外机有异响", "外机有异响", "Message-ID: <a3@mail.example.cn>"))
		deliver(t, user, plain("stranger@evil.example", "[#"+t1.Number+"] hello", "let me in", "Message-ID: <x1@evil.example>"))
		poll()
		if msgs := customerMessages(t1.ID); len(msgs) != 3 || !strings.Contains(msgs[2], "外机有异响") {
			t.Fatalf("tagged mail: %q", msgs)
		}
		if n := len(tickets()); n != 4 {
			t.Fatalf("the stranger's mail must open its own ticket: %d tickets", n)
		}

		// 7. An answer to a resolved ticket reopens it.
		cur, _ := db.FindTicket(ctx, t1.ID)
		cur, err = db.Transition(ctx, t1.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Version: cur.Version})
		if err == nil {
			cur, err = db.Transition(ctx, t1.ID, aftersales.TransitionInput{To: aftersales.StatusResolved, Version: cur.Version, Reason: "已处理"})
		}
		if err != nil {
			t.Fatal(err)
		}
		deliver(t, user, plain("wang.fang@example.cn", "Re: 还是不制冷", "修完第二天又不制冷了", "Message-ID: <a4@mail.example.cn>", "In-Reply-To: <"+replyID+">"))
		poll()
		cur, _ = db.FindTicket(ctx, t1.ID)
		if cur.Status != aftersales.StatusAccepted || cur.ReopenCount != 1 || len(customerMessages(t1.ID)) != 4 {
			t.Fatalf("after the answer to a resolved ticket: status %s reopen %d", cur.Status, cur.ReopenCount)
		}

		// 8. A failure stops the poll at that message; the next poll
		// receives it, and the one after it, exactly once.
		before, _ := db.Cursor(bg, mb.Name)
		deliver(t, user, plain("sun@example.com", "热水器漏水", "热水器漏水了", "Message-ID: <s1@example.com>"))
		deliver(t, user, plain("qian@example.com", "咨询保修", "保修多久？", "Message-ID: <q1@example.com>"))
		broken := &mailin.Poller{Intake: failOn{db, before.LastUID + 1}, Files: fs, Now: clock.Now, Log: log}
		if _, err := broken.Poll(bg, mb); err == nil || !strings.Contains(err.Error(), "database unavailable") {
			t.Fatalf("poll with a failing store: %v", err)
		}
		if after, _ := db.Cursor(bg, mb.Name); after != before {
			t.Fatalf("the cursor moved past a message that was not received: %v → %v", before, after)
		}
		poll()
		poll()
		if n := len(tickets()); n != 6 {
			t.Fatalf("tickets after the retry: %d", n)
		}
		if after, _ := db.Cursor(bg, mb.Name); after.LastUID != before.LastUID+2 {
			t.Fatalf("cursor %v, want last uid %d", after, before.LastUID+2)
		}

		// 9. The server renumbers the folder (new UIDVALIDITY): everything
		// is read again, and only the new message makes a ticket.
		if err := user.Delete("INBOX"); err != nil {
			t.Fatal(err)
		}
		user.Create("INBOX", nil)
		deliver(t, user, gbkMessage(t, "a1@mail.example.cn", "wang.fang@example.cn", "空调不制冷，朱镕基路", "您好，我家的空调昨天开始不制冷。"))
		deliver(t, user, plain("zhou@example.com", "投诉：师傅迟到", "约好十点，十二点才到。", "Message-ID: <c1@example.com>"))
		poll()
		all := tickets()
		if len(all) != 7 || all[6].Nature != aftersales.NatureComplaint || len(customerMessages(t1.ID)) != 4 {
			t.Fatalf("after UIDVALIDITY change: %d tickets", len(all))
		}
		if c, _ := db.Cursor(bg, mb.Name); c.UIDValidity == before.UIDValidity || c.LastUID != 2 {
			t.Fatalf("cursor after renumbering: %+v", c)
		}
	})
}

func TestParseMailbox(t *testing.T) {
	mb, err := mailin.ParseMailbox("imaps://support%40acme.cn:p%40ss@imap.acme.cn/Support?start=new")
	if err != nil || mb.Addr != "imap.acme.cn:993" || mb.Username != "support@acme.cn" || mb.Password != "p@ss" ||
		mb.Folder != "Support" || !mb.StartNew || mb.TLS != mailin.TLSImplicit || mb.Name != "support@acme.cn@imap.acme.cn/Support" {
		t.Fatalf("%+v %v", mb, err)
	}
	for _, bad := range []string{"http://x/INBOX", "imaps://imap.acme.cn/INBOX", "imaps://u:p@/INBOX", "imaps://u:p@h/?start=old"} {
		_, err := mailin.ParseMailbox(bad)
		if err == nil {
			t.Errorf("%s: accepted", bad)
		} else if strings.Contains(err.Error(), ":p@") {
			t.Errorf("%s: the error shows the password: %v", bad, err)
		}
	}
}

func TestStartNew(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		user, addr := imapServer(t)
		deliver(t, user, plain("old@example.com", "old", "from last year", "Message-ID: <old@example.com>"))
		mb, _ := mailin.ParseMailbox("imap://support%40acme.cn:s3cret@" + addr + "/INBOX?start=new")
		fs, _ := files.Open(t.TempDir())
		fs.MaxSize = 1 << 20
		p := &mailin.Poller{Intake: db, Files: fs, Now: db.Now}
		if _, err := p.Poll(context.Background(), mb); err != nil {
			t.Fatal(err)
		}
		deliver(t, user, plain("new@example.com", "new", "today", "Message-ID: <new@example.com>"))
		if _, err := p.Poll(context.Background(), mb); err != nil {
			t.Fatal(err)
		}
		ctx, _ := testutil.Admin(t, db)
		page, _ := db.ListTickets(ctx, aftersales.TicketFilter{Limit: 10})
		if len(page.Tickets) != 1 || page.Tickets[0].Title != "new" {
			t.Fatalf("tickets: %d", len(page.Tickets))
		}
		// Wrong password: a clear error, nothing read.
		mb.Password = "wrong"
		if _, err := p.Poll(context.Background(), mb); err == nil || !strings.Contains(err.Error(), "login") {
			t.Fatalf("bad login: %v", err)
		}
	})
}
