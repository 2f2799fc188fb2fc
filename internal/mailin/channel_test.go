package mailin_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"aftersales"
	"aftersales/internal/files"
	"aftersales/internal/jobs"
	"aftersales/internal/mail"
	"aftersales/internal/mailin"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// box is a mailbox the tests deliver into and the poller reads: the
// in-process server, or a real Dovecot when AFTERSALES_TEST_IMAP is set.
type box struct {
	mb      mailin.Mailbox
	deliver func(t *testing.T, raw []byte)
}

// memBox is the in-process server; messages arrive by IMAP APPEND from
// another connection, so that an IDLE session hears of them.
func memBox(t *testing.T) box {
	_, addr := imapServer(t)
	mb, err := mailin.ParseMailbox("imap://support%40acme.cn:s3cret@" + addr + "/INBOX")
	if err != nil {
		t.Fatal(err)
	}
	return appendBox(t, mb, "")
}

// dovecotBox is a new folder of the Dovecot user that .ci/dovecot.sh
// creates; messages arrive by IMAP APPEND, as a delivery agent's would.
func dovecotBox(t *testing.T) box {
	url := os.Getenv("AFTERSALES_TEST_IMAP")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("AFTERSALES_TEST_IMAP is not set: .ci/run starts Dovecot (.ci/dovecot.sh) and sets it")
		}
		t.Skip("AFTERSALES_TEST_IMAP not set: run .ci/dovecot.sh to test against a real Dovecot")
	}
	mb, err := mailin.ParseMailbox(url)
	if err != nil {
		t.Fatal(err)
	}
	rnd := make([]byte, 6)
	rand.Read(rnd)
	return appendBox(t, mb, "t"+hex.EncodeToString(rnd))
}

// appendBox delivers into mb by APPEND; a folder name creates a fresh
// folder for the test.
func appendBox(t *testing.T, mb mailin.Mailbox, folder string) box {
	c, err := imapclient.DialInsecure(mb.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(mb.Username, mb.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	if folder != "" {
		if err := c.Create(folder, nil).Wait(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Delete(folder).Wait() })
		mb.Name = strings.TrimSuffix(mb.Name, mb.Folder) + folder
		mb.Folder = folder
	}
	var mu sync.Mutex
	return box{mb: mb, deliver: func(t *testing.T, raw []byte) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		cmd := c.Append(mb.Folder, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}}
}

// forEachBox runs fn on both engines against the in-process server and
// against Dovecot.
func forEachBox(t *testing.T, fn func(t *testing.T, db *sqlstore.DB, b box)) {
	for name, open := range map[string]func(*testing.T) box{"memory": memBox, "dovecot": dovecotBox} {
		t.Run(name, func(t *testing.T) {
			testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) { fn(t, db, open(t)) })
		})
	}
}

// syncBuffer is a log destination the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEmailChannel feeds the mail of issue #22 through the poller:
// intake and threading, auto-replies, bounces, duplicates and quarantine.
func TestEmailChannel(t *testing.T) {
	forEachBox(t, func(t *testing.T, db *sqlstore.DB, b box) {
		clock := testutil.NewClock(time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC))
		db.Now, db.EmailNotifications, db.MailDomain = clock.Now, true, "acme.cn"
		dir := t.TempDir()
		store, err := files.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		store.MaxSize = 2048 // the photo of large-attachment.eml is over it
		logs := &syncBuffer{}
		log := slog.New(slog.NewTextHandler(logs, nil))
		metrics := &mailin.Metrics{}
		p := &mailin.Poller{Intake: db, Files: store, Now: clock.Now, Log: log, Timeout: 10 * time.Second, MaxRaw: 1 << 20, Metrics: metrics}
		sink := testutil.StartSMTP(t, 0)
		send := jobs.SendEmails(db, &mail.Sender{Addr: sink.Addr, From: "support@acme.cn", TLS: mail.TLSNone, Timeout: 5 * time.Second}, log)
		ctx, _ := testutil.Admin(t, db)
		bg := context.Background()
		poll := func() {
			t.Helper()
			for more := true; more; {
				var err error
				if more, err = p.Poll(bg, b.mb); err != nil {
					t.Fatal(err)
				}
			}
		}
		tickets := func() map[string]*aftersales.Ticket {
			t.Helper()
			page, err := db.ListTickets(ctx, aftersales.TicketFilter{Limit: 100, Sort: aftersales.SortCreatedAsc})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]*aftersales.Ticket{}
			for _, tk := range page.Tickets {
				out[tk.Title] = tk
			}
			return out
		}
		ticket := func(title string) *aftersales.Ticket {
			t.Helper()
			tk, ok := tickets()[title]
			if !ok {
				t.Fatalf("no ticket %q among %d", title, len(tickets()))
			}
			return tk
		}
		events := func(id int64, kind aftersales.EventKind) []string {
			t.Helper()
			tl, err := db.Timeline(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range tl {
				if e.Kind == kind {
					out = append(out, e.Body)
				}
			}
			return out
		}

		// 1. Intake: one ticket per message, each readable.
		for _, f := range []string{"reply-to-relay.eml", "raw-gbk-headers.eml", "plain-no-charset.eml", "html-meta-charset.eml",
			"attachments-downloads.eml", "nul-body.eml", "large-attachment.eml", "broken-multipart.eml"} {
			b.deliver(t, readCase(t, f))
		}
		poll()
		if n := len(tickets()); n != 8 {
			t.Fatalf("tickets after intake: %d", n)
		}
		relay := ticket("网站留言：空调漏水")
		cust, err := db.FindCustomer(ctx, *relay.CustomerID)
		if err != nil || cust.Email != "chen.jie@example.cn" || cust.Name != "Chen Jie" {
			t.Errorf("the relay's customer: %+v %v", cust, err)
		}
		gbkT := ticket("热水器漏水，急！")
		if c, _ := db.FindCustomer(ctx, *gbkT.CustomerID); c.Name != "王芳" {
			t.Errorf("raw GBK From name: %q", c.Name)
		}
		if msgs := events(ticket("洗衣机不脱水").ID, aftersales.EventCustomerMessage); len(msgs) != 1 || msgs[0] != "洗衣机转到一半就停了，显示E3。" {
			t.Errorf("unlabelled GBK body: %q", msgs)
		}
		if msgs := events(ticket("fridge").ID, aftersales.EventCustomerMessage); len(msgs) != 1 || !strings.Contains(msgs[0], "冰箱不制冷") {
			t.Errorf("HTML with a <meta> charset: %q", msgs)
		}
		if msgs := events(ticket("NUL").ID, aftersales.EventCustomerMessage); len(msgs) != 1 || !strings.HasPrefix(msgs[0], "before") || !strings.Contains(msgs[0], "after") || strings.ContainsRune(msgs[0], 0) {
			t.Errorf("NUL body: %q", msgs)
		}
		if msgs := events(ticket("电视没有声音").ID, aftersales.EventCustomerMessage); len(msgs) != 1 || !strings.HasPrefix(msgs[0], "电视没有声音。") {
			t.Errorf("broken multipart: %q", msgs)
		}
		if !strings.Contains(logs.String(), "unreadable") {
			t.Errorf("no log line for the broken multipart:\n%s", logs.String())
		}
		atts, _ := db.ListAttachments(ctx, ticket("电子发票").ID)
		var kept []string
		for _, a := range atts {
			kept = append(kept, a.Name+" "+a.ContentType)
		}
		if want := "message.eml message/rfc822|invoice.xml application/octet-stream|logs.rar application/octet-stream|" +
			"logs.tar.gz application/octet-stream|page.html application/octet-stream"; strings.Join(kept, "|") != want {
			t.Errorf("attachments:\n got %s\nwant %s", strings.Join(kept, "|"), want)
		}
		large := ticket("故障照片")
		atts, _ = db.ListAttachments(ctx, large.ID)
		if len(atts) != 1 || atts[0].Name != "message.eml" || atts[0].Size < 4000 {
			t.Errorf("the large message keeps its raw form: %+v", atts)
		}

		// 2. Acknowledgements are marked automatic (RFC 3834), go to the
		// Reply-To address and tell about the refused photo.
		send(bg)
		acks := map[string]string{}
		for _, m := range sink.Messages() {
			acks[m.To] = m.Data
			if !strings.Contains(m.Data, "Auto-Submitted: auto-replied") || !strings.Contains(m.Data, "X-Auto-Response-Suppress: All") {
				t.Errorf("acknowledgement to %s lacks the RFC 3834 headers", m.To)
			}
		}
		if _, ok := acks["chen.jie@example.cn"]; !ok || len(acks) != 8 {
			t.Fatalf("acknowledgements to %d addresses; chen.jie's: %v", len(acks), ok)
		}
		if ack := mailin.Parse([]byte(acks["zhao.min@example.cn"])); !strings.Contains(ack.Text, "fault.png") {
			t.Errorf("the customer is not told the photo was not kept:\n%s", ack.Text)
		}
		relayAck := mailin.Parse([]byte(acks["chen.jie@example.cn"])).MessageID

		// 3. Auto-replies to a resolved ticket are notes: no reopening,
		// no acknowledgement.
		cur, _ := db.FindTicket(ctx, gbkT.ID)
		if cur, err = db.Transition(ctx, gbkT.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Version: cur.Version}); err == nil {
			_, err = db.Transition(ctx, gbkT.ID, aftersales.TransitionInput{To: aftersales.StatusResolved, Version: cur.Version, Reason: "已处理"})
		}
		if err != nil {
			t.Fatal(err)
		}
		autos := []string{"autoreply-auto-submitted.eml", "autoreply-x-autoreply.eml", "autoreply-x-autorespond.eml",
			"autoreply-precedence-bulk.eml", "autoreply-precedence-auto-reply.eml", "autoreply-precedence-list.eml"}
		for _, f := range autos {
			b.deliver(t, readCase(t, f, "{{REPLY_TO}}", "raw-gbk@example.cn"))
		}
		poll()
		send(bg)
		cur, _ = db.FindTicket(ctx, gbkT.ID)
		if cur.Status != aftersales.StatusResolved || cur.ReopenCount != 0 || len(tickets()) != 8 {
			t.Fatalf("after auto-replies: status %s, reopened %d, %d tickets", cur.Status, cur.ReopenCount, len(tickets()))
		}
		if notes := events(gbkT.ID, aftersales.EventNote); len(notes) != len(autos) {
			t.Errorf("auto-reply notes: %q", notes)
		}
		if n := len(sink.Messages()); n != 8 {
			t.Errorf("auto-replies were answered: %d mails sent", n)
		}

		// A real answer to the acknowledgement threads into the ticket.
		b.deliver(t, plain("Chen Jie <chen.jie@example.cn>", "Re: [#"+relay.Number+"] 网站留言：空调漏水", "今天下午在家。",
			"Message-ID: <chen-2@example.cn>", "In-Reply-To: <"+relayAck+">"))
		poll()
		if msgs := events(relay.ID, aftersales.EventCustomerMessage); len(msgs) != 2 || msgs[1] != "今天下午在家。" || len(tickets()) != 8 {
			t.Fatalf("threaded answer: %q", msgs)
		}

		// An agent's reply is a person writing: no Auto-Submitted.
		if _, err := db.AddComment(ctx, relay.ID, aftersales.CommentInput{Body: "师傅下午三点到。", Public: true}); err != nil {
			t.Fatal(err)
		}
		send(bg)
		if out := sink.Messages(); len(out) != 9 || out[8].To != "chen.jie@example.cn" || strings.Contains(out[8].Data, "Auto-Submitted") {
			t.Errorf("the agent's reply: %d mails, last to %s", len(out), out[len(out)-1].To)
		}

		// 4. A bounce of the relay's acknowledgement: no ticket, no
		// customer; a note on the ticket and the address listed.
		b.deliver(t, readCase(t, "bounce-dsn.eml", "{{ORIGINAL}}", relayAck, "{{NUMBER}}", relay.Number))
		b.deliver(t, readCase(t, "delay-dsn.eml", "{{ORIGINAL}}", relayAck))
		b.deliver(t, readCase(t, "bounce-plain.eml", "{{ORIGINAL}}", "unknown@elsewhere.example"))
		poll()
		if n := len(tickets()); n != 8 {
			t.Fatalf("the bounce made a ticket: %d tickets", n)
		}
		if notes := events(relay.ID, aftersales.EventNote); len(notes) != 1 || !strings.Contains(notes[0], "5.1.1") {
			t.Errorf("bounce note: %q", notes)
		}
		_, bouncing, err := db.MailProblems(ctx, 10)
		if err != nil || len(bouncing) != 1 || bouncing[0].Address != "nobody@example.cn" || bouncing[0].TicketID == nil || *bouncing[0].TicketID != relay.ID {
			t.Fatalf("bouncing addresses: %+v %v", bouncing, err)
		}

		// 5. Reading everything again (a new UIDVALIDITY, a migration)
		// makes nothing twice and leaves no orphaned files behind.
		filesBefore := countFiles(t, dir)
		c, _ := db.Cursor(bg, b.mb.Name)
		if err := db.ResetCursor(bg, b.mb.Name, aftersales.MailboxCursor{UIDValidity: c.UIDValidity + 1}); err != nil {
			t.Fatal(err)
		}
		poll()
		if n, f := len(tickets()), countFiles(t, dir); n != 8 || f != filesBefore {
			t.Fatalf("after reading again: %d tickets, %d files (had %d)", n, f, filesBefore)
		}

		// 6. A message that keeps failing is quarantined after
		// QuarantineAfter polls and the one behind it is read.
		before, _ := db.Cursor(bg, b.mb.Name)
		b.deliver(t, plain("bad@example.com", "坏邮件", "x", "Message-ID: <bad@example.com>"))
		b.deliver(t, plain("next@example.com", "排在后面", "y", "Message-ID: <next@example.com>"))
		broken := *p
		broken.Intake = failOn{db, before.LastUID + 1}
		for i := 1; i < aftersales.QuarantineAfter; i++ {
			if _, err := broken.Poll(bg, b.mb); err == nil {
				t.Fatalf("poll %d with a failing message succeeded", i)
			}
		}
		if _, err := broken.Poll(bg, b.mb); err != nil {
			t.Fatalf("the message was not quarantined: %v", err)
		}
		if _, ok := tickets()["排在后面"]; !ok {
			t.Fatal("the message behind the quarantined one was not read")
		}
		quarantined, _, err := db.MailProblems(ctx, 10)
		if err != nil || len(quarantined) != 1 || quarantined[0].From != "bad@example.com" || !strings.Contains(quarantined[0].Error, "database unavailable") ||
			quarantined[0].RawPath == "" {
			t.Fatalf("quarantine: %+v %v", quarantined, err)
		}
		if metrics.Quarantined.Load() != 1 || metrics.Read.Load() < 8 {
			t.Errorf("metrics: read %d, quarantined %d", metrics.Read.Load(), metrics.Quarantined.Load())
		}
	})
}

// TestIdle: with IDLE the poller picks new mail up when the server
// announces it, on the connection it logged in with; the fallback poll is
// an hour, so only IDLE can deliver it. Dovecot only: the in-process
// server loses updates that arrive just as IDLE starts, Dovecot sends
// them when it does.
func TestIdle(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		b := dovecotBox(t)
		store, err := files.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		read := make(chan int, 16)
		p := &mailin.Poller{Intake: db, Files: store, Now: db.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Timeout: 10 * time.Second, Read: func(n int) { read <- n }}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		done := make(chan struct{})
		go func() { p.Run(ctx, b.mb, time.Hour); close(done) }()
		defer func() { cancel(); <-done }()
		next := func() int {
			t.Helper()
			select {
			case n := <-read:
				return n
			case <-ctx.Done():
				t.Fatal("no pass over the mailbox before the deadline")
				return 0
			}
		}
		if n := next(); n != 0 {
			t.Fatalf("first pass read %d", n)
		}
		b.deliver(t, plain("idle@example.com", "IDLE 推送", "新邮件", "Message-ID: <idle@example.com>"))
		total := 0
		for total == 0 {
			total += next()
		}
		actx, _ := testutil.Admin(t, db)
		page, _ := db.ListTickets(actx, aftersales.TicketFilter{Limit: 10})
		if len(page.Tickets) != 1 || page.Tickets[0].Title != "IDLE 推送" {
			t.Fatalf("tickets: %+v", page.Tickets)
		}
	})
}
