package mailin

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"aftersales"
	"aftersales/internal/files"
)

// TLS modes of an IMAP connection.
const (
	TLSImplicit = "tls"      // imaps://, port 993
	TLSStartTLS = "starttls" // imap+starttls://
	TLSNone     = "none"     // imap://, for a server on the same host
)

// Mailbox is one IMAP folder to read tickets from.
type Mailbox struct {
	Name     string // the cursor's key: user@host/folder
	Addr     string // host:port
	Username string
	Password string
	TLS      string
	Folder   string
	// StartNew skips the messages already in the folder on the first poll.
	StartNew bool
}

// ParseMailbox reads a mailbox URL:
//
//	imaps://user:password@imap.example.com[:993]/INBOX[?start=new]
//	imap+starttls://user:password@host[:143]/Folder
//	imap://user:password@127.0.0.1:1143/INBOX
//
// The user and password are URL-encoded (support%40example.com).
func ParseMailbox(s string) (Mailbox, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Mailbox{}, fmt.Errorf("imap: %q is not a URL", redact(s))
	}
	mb := Mailbox{Folder: strings.TrimPrefix(u.Path, "/")}
	port := ""
	switch u.Scheme {
	case "imaps":
		mb.TLS, port = TLSImplicit, "993"
	case "imap+starttls":
		mb.TLS, port = TLSStartTLS, "143"
	case "imap":
		mb.TLS, port = TLSNone, "143"
	default:
		return Mailbox{}, fmt.Errorf("imap: scheme must be imaps, imap+starttls or imap, not %q", u.Scheme)
	}
	if u.Hostname() == "" {
		return Mailbox{}, fmt.Errorf("imap: %s: the host is missing", redact(s))
	}
	if u.Port() != "" {
		port = u.Port()
	}
	mb.Addr = net.JoinHostPort(u.Hostname(), port)
	if u.User == nil || u.User.Username() == "" {
		return Mailbox{}, fmt.Errorf("imap: %s: the user is missing", redact(s))
	}
	mb.Username = u.User.Username()
	mb.Password, _ = u.User.Password()
	if mb.Folder == "" {
		mb.Folder = "INBOX"
	}
	switch u.Query().Get("start") {
	case "", "all":
	case "new":
		mb.StartNew = true
	default:
		return Mailbox{}, fmt.Errorf("imap: %s: start must be all or new", redact(s))
	}
	mb.Name = mb.Username + "@" + u.Hostname() + "/" + mb.Folder
	return mb, nil
}

func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return "(mailbox URL)"
}

// Poller reads new messages from mailboxes into the intake service.
type Poller struct {
	Intake aftersales.IntakeService
	Files  *files.Store
	Now    func() time.Time
	Log    *slog.Logger
	// Batch is the most messages read per poll (default 50).
	Batch int
	// TLSConfig overrides the TLS settings (tests use a private CA).
	TLSConfig *tls.Config
	// Timeout bounds dialling and each command (default 60 s).
	Timeout time.Duration
}

// Poll reads the next batch of new messages of one mailbox, in UID order.
// Each message is received in its own transaction that also advances the
// cursor, so a failure stops the poll at that message and the next poll
// retries it: no message is skipped or received twice. more reports that
// messages remain.
func (p *Poller) Poll(ctx context.Context, mb Mailbox) (more bool, err error) {
	c, err := p.dial(ctx, mb)
	if err != nil {
		return false, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Login(mb.Username, mb.Password).Wait(); err != nil {
		return false, fmt.Errorf("imap %s: login: %w", mb.Name, err)
	}
	// EXAMINE: the mailbox is only read; flags stay as the people using it
	// left them.
	sel, err := c.Select(mb.Folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return false, fmt.Errorf("imap %s: select: %w", mb.Name, err)
	}
	cur, err := p.Intake.Cursor(ctx, mb.Name)
	if err != nil {
		return false, err
	}
	if cur.UIDValidity != sel.UIDValidity {
		// A new UIDVALIDITY means the server renumbered the folder: read it
		// again; Message-IDs keep what was received from coming in twice.
		next := aftersales.MailboxCursor{UIDValidity: sel.UIDValidity}
		if cur.UIDValidity == 0 && mb.StartNew && sel.UIDNext > 0 {
			next.LastUID = uint32(sel.UIDNext) - 1
		}
		if cur.UIDValidity != 0 {
			p.log().Warn("mailbox UIDVALIDITY changed; reading it again", "mailbox", mb.Name, "old", cur.UIDValidity, "new", sel.UIDValidity)
		}
		if err := p.Intake.ResetCursor(ctx, mb.Name, next); err != nil {
			return false, err
		}
		cur = next
	}
	if sel.NumMessages == 0 {
		return false, nil
	}
	// UID FETCH n:* returns the highest message even when its UID is below
	// n, so the UIDs are filtered here.
	set := imap.UIDSet{imap.UIDRange{Start: imap.UID(cur.LastUID + 1), Stop: 0}}
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true}).Collect()
	if err != nil {
		return false, fmt.Errorf("imap %s: fetch uids: %w", mb.Name, err)
	}
	var uids []imap.UID
	for _, m := range msgs {
		if uint32(m.UID) > cur.LastUID {
			uids = append(uids, m.UID)
		}
	}
	slices.Sort(uids)
	batch := p.Batch
	if batch <= 0 {
		batch = 50
	}
	if len(uids) > batch {
		uids, more = uids[:batch], true
	}
	body := &imap.FetchItemBodySection{Peek: true}
	for _, uid := range uids {
		got, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{body}}).Collect()
		if err != nil {
			return false, fmt.Errorf("imap %s: fetch %d: %w", mb.Name, uid, err)
		}
		if len(got) == 0 { // expunged meanwhile: nothing to read
			continue
		}
		raw := got[0].FindBodySection(body)
		if err := p.receive(ctx, mb, sel.UIDValidity, uint32(uid), raw); err != nil {
			return false, err
		}
	}
	return more, nil
}

func (p *Poller) dial(ctx context.Context, mb Mailbox) (*imapclient.Client, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	d := &net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", mb.Addr)
	if err != nil {
		return nil, fmt.Errorf("imap %s: %w", mb.Name, err)
	}
	cfg := p.TLSConfig
	if cfg == nil {
		host, _, _ := net.SplitHostPort(mb.Addr)
		cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	opts := &imapclient.Options{TLSConfig: cfg}
	switch mb.TLS {
	case TLSImplicit:
		return imapclient.New(tls.Client(conn, cfg), opts), nil
	case TLSStartTLS:
		c, err := imapclient.NewStartTLS(conn, opts)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("imap %s: starttls: %w", mb.Name, err)
		}
		return c, nil
	default:
		return imapclient.New(conn, opts), nil
	}
}

// receive parses one message, stores its raw form and attachments, and
// hands it to the intake service. If that fails the stored files are
// removed again.
func (p *Poller) receive(ctx context.Context, mb Mailbox, validity, uid uint32, raw []byte) error {
	m := Parse(raw)
	in := &aftersales.InboundEmail{Mailbox: mb.Name, UIDValidity: validity, UID: uid, MessageID: m.MessageID,
		InReplyTo: m.InReplyTo, References: m.References, From: m.From, FromName: m.FromName, To: m.To,
		Subject: m.Subject, Text: m.Text, Date: m.Date, AutoReply: m.AutoReply}
	for _, pr := range m.Problems {
		in.Skipped = append(in.Skipped, "unreadable: "+pr)
	}
	now := p.Now()
	save := func(name string, data []byte) {
		a, err := p.Files.Save(bytes.NewReader(data), name, now)
		if err != nil {
			in.Skipped = append(in.Skipped, name+" not kept: "+reason(err))
			return
		}
		in.Files = append(in.Files, a)
	}
	save("message.eml", raw)
	for _, part := range m.Parts {
		save(part.Name, part.Data)
	}
	if _, err := p.Intake.ReceiveEmail(ctx, in); err != nil {
		for _, f := range in.Files {
			p.Files.Remove(f.Path)
		}
		return fmt.Errorf("imap %s: message uid %d: %w", mb.Name, uid, err)
	}
	return nil
}

func reason(err error) string {
	var e *aftersales.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		return e.Fields[0].Reason
	}
	return err.Error()
}

func (p *Poller) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.Default()
}
