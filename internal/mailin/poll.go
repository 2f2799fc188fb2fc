package mailin

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
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
	// MaxRaw is the largest raw message kept (default 64 MiB, at least
	// the file store's limit): a message too large for its attachments
	// is still kept whole.
	MaxRaw int64
	// Metrics counts what was read; nil counts nothing.
	Metrics *Metrics
	// Read, when set, is called after each pass over a mailbox by Run
	// with the number of messages handled, once IDLE is established
	// (tests wait on it).
	Read func(n int)
}

// Metrics are the intake's counters; the application registers them.
type Metrics struct {
	Read        atomic.Int64 // messages received (new, threaded, duplicates)
	Quarantined atomic.Int64
	Unreadable  atomic.Int64 // messages with parts that could not be read
}

// session is one logged-in connection with the folder selected.
type session struct {
	c      *imapclient.Client
	sel    *imap.SelectData
	exists atomic.Uint32 // messages in the folder, kept by EXISTS updates
	news   chan struct{} // signalled when the server reports new mail
}

func (s *session) Close() { s.c.Close() }

// open connects, logs in and selects mb read-only (EXAMINE: flags stay
// as the people using the mailbox left them).
func (p *Poller) open(ctx context.Context, mb Mailbox) (*session, error) {
	s := &session{news: make(chan struct{}, 1)}
	h := &imapclient.UnilateralDataHandler{Mailbox: func(d *imapclient.UnilateralDataMailbox) {
		if d.NumMessages != nil {
			s.exists.Store(*d.NumMessages)
			select {
			case s.news <- struct{}{}:
			default:
			}
		}
	}}
	c, err := p.dial(ctx, mb, h)
	if err != nil {
		return nil, err
	}
	s.c = c
	if err := c.Login(mb.Username, mb.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("imap %s: login: %w", mb.Name, err)
	}
	if s.sel, err = c.Select(mb.Folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("imap %s: select: %w", mb.Name, err)
	}
	s.exists.Store(s.sel.NumMessages)
	return s, nil
}

// Check logs in and selects the folder, then logs out: the console's
// "Test connection". The error is the server's answer.
func (p *Poller) Check(ctx context.Context, mb Mailbox) error {
	s, err := p.open(ctx, mb)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.c.Logout().Wait()
}

// Poll reads the next batch of new messages of one mailbox, in UID order,
// on a connection of its own. Each message is received in its own
// transaction that also advances the cursor, so a failure stops the poll
// at that message and the next poll retries it; a message that fails
// aftersales.QuarantineAfter times is quarantined and passed over. more
// reports that messages remain.
func (p *Poller) Poll(ctx context.Context, mb Mailbox) (more bool, err error) {
	s, err := p.open(ctx, mb)
	if err != nil {
		return false, err
	}
	defer s.Close()
	stop := context.AfterFunc(ctx, s.Close)
	defer stop()
	_, more, err = p.read(ctx, mb, s)
	return more, err
}

// Run reads mb until ctx ends on one logged-in connection: it reads what
// is new, then waits in IDLE for the server to announce mail where the
// server offers IDLE (Dovecot does), or polls every interval where not.
// A broken connection is logged and opened again after interval.
func (p *Poller) Run(ctx context.Context, mb Mailbox, interval time.Duration) {
	for ctx.Err() == nil {
		err := p.runSession(ctx, mb, interval)
		if ctx.Err() != nil {
			return
		}
		p.log().Warn("imap session ended; reconnecting", "mailbox", mb.Name, "in", interval, "err", err)
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (p *Poller) runSession(ctx context.Context, mb Mailbox, interval time.Duration) error {
	s, err := p.open(ctx, mb)
	if err != nil {
		return err
	}
	defer s.Close()
	stop := context.AfterFunc(ctx, s.Close)
	defer stop()
	idle := s.c.Caps().Has(imap.CapIdle)
	for {
		n, more, err := p.read(ctx, mb, s)
		if err != nil {
			return err
		}
		if more {
			if p.Read != nil {
				p.Read(n)
			}
			continue
		}
		// Without IDLE the interval is the poll; with it, a safety net
		// that reads again even if an announcement was missed.
		wait := interval
		var cmd *imapclient.IdleCommand
		if idle {
			wait = 10 * interval
			if cmd, err = s.c.Idle(); err != nil {
				return fmt.Errorf("imap %s: idle: %w", mb.Name, err)
			}
		}
		if p.Read != nil { // once the server will announce new mail
			p.Read(n)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-s.news:
		case <-t.C:
		}
		t.Stop()
		if cmd != nil {
			if err := cmd.Close(); err != nil && ctx.Err() == nil {
				return fmt.Errorf("imap %s: idle: %w", mb.Name, err)
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// read receives the next batch of new messages on an open session.
func (p *Poller) read(ctx context.Context, mb Mailbox, s *session) (n int, more bool, err error) {
	c, sel := s.c, s.sel
	cur, err := p.Intake.Cursor(ctx, mb.Name)
	if err != nil {
		return 0, false, err
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
			return 0, false, err
		}
		cur = next
	}
	if s.exists.Load() == 0 {
		return 0, false, nil
	}
	// UID FETCH n:* returns the highest message even when its UID is below
	// n, so the UIDs are filtered here.
	set := imap.UIDSet{imap.UIDRange{Start: imap.UID(cur.LastUID + 1), Stop: 0}}
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true}).Collect()
	if err != nil {
		return 0, false, fmt.Errorf("imap %s: fetch uids: %w", mb.Name, err)
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
			return n, false, fmt.Errorf("imap %s: fetch %d: %w", mb.Name, uid, err)
		}
		if len(got) == 0 { // expunged meanwhile: nothing to read
			continue
		}
		raw := got[0].FindBodySection(body)
		if err := p.receive(ctx, mb, sel.UIDValidity, uint32(uid), raw); err != nil {
			return n, false, err
		}
		n++
	}
	return n, more, nil
}

func (p *Poller) dial(ctx context.Context, mb Mailbox, h *imapclient.UnilateralDataHandler) (*imapclient.Client, error) {
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
	opts := &imapclient.Options{TLSConfig: cfg, UnilateralDataHandler: h}
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
// hands it to the intake service. Files are removed again when the
// message was a duplicate or could not be received. A message that keeps
// failing is quarantined with its raw form, and the mailbox moves on.
func (p *Poller) receive(ctx context.Context, mb Mailbox, validity, uid uint32, raw []byte) error {
	m := Parse(raw)
	in := &aftersales.InboundEmail{Mailbox: mb.Name, UIDValidity: validity, UID: uid, MessageID: m.MessageID,
		InReplyTo: m.InReplyTo, References: m.References, From: m.From, FromName: m.FromName, To: m.To,
		ReplyTo: m.ReplyTo, ReplyToName: m.ReplyToName, Subject: m.Subject, Text: m.Text, Date: m.Date,
		AutoReply: m.AutoReply, Bounce: m.Bounce}
	for _, pr := range m.Problems {
		in.Skipped = append(in.Skipped, "unreadable: "+pr)
	}
	if len(m.Problems) > 0 {
		p.log().Warn("mail partly unreadable; the raw message is kept", "mailbox", mb.Name, "uid", uid,
			"message_id", m.MessageID, "from", m.From, "problems", strings.Join(m.Problems, "; "))
		if p.Metrics != nil {
			p.Metrics.Unreadable.Add(1)
		}
	}
	now := p.Now()
	// The raw message may be larger than an attachment may be: it is the
	// only copy of what a refused attachment held.
	rawStore := *p.Files
	rawStore.MaxSize = max(p.Files.MaxSize, cmp.Or(p.MaxRaw, 64<<20))
	rawPath := ""
	if a, err := rawStore.Save(ctx, bytes.NewReader(raw), "message.eml", now); err != nil {
		in.Skipped = append(in.Skipped, "message.eml not kept: "+reason(err))
	} else {
		a.ContentType = "message/rfc822"
		in.Files, rawPath = append(in.Files, a), a.Path
	}
	for _, part := range m.Parts {
		a, err := p.Files.SaveDownload(ctx, bytes.NewReader(part.Data), part.Name, now)
		if err != nil {
			in.Skipped = append(in.Skipped, part.Name+" not kept: "+reason(err))
			in.NotKept = append(in.NotKept, part.Name+": "+reason(err))
			continue
		}
		in.Files = append(in.Files, a)
	}
	removeFiles := func(keepRaw bool) {
		for _, f := range in.Files {
			if !keepRaw || f.Path != rawPath {
				p.Files.Remove(context.WithoutCancel(ctx), f.Path)
			}
		}
	}
	res, err := p.Intake.ReceiveEmail(ctx, in)
	if err != nil {
		err = fmt.Errorf("imap %s: message uid %d: %w", mb.Name, uid, err)
		q, qerr := p.Intake.MailFailed(ctx, aftersales.MailFailure{Mailbox: mb.Name, UIDValidity: validity, UID: uid,
			MessageID: m.MessageID, From: m.From, Subject: m.Subject, Error: err.Error(), RawPath: rawPath})
		removeFiles(q && qerr == nil)
		if qerr != nil {
			return errors.Join(err, qerr)
		}
		if !q {
			return err
		}
		p.log().Error("message quarantined after repeated failures; reading on", "mailbox", mb.Name, "uid", uid,
			"message_id", m.MessageID, "from", m.From, "err", err)
		if p.Metrics != nil {
			p.Metrics.Quarantined.Add(1)
		}
		return nil
	}
	if res.Duplicate || res.TicketID == 0 {
		removeFiles(false)
	}
	if p.Metrics != nil {
		p.Metrics.Read.Add(1)
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
