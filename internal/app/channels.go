package app

import (
	"context"
	"log/slog"
	"net"
	netmail "net/mail"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"aftersales"
	"aftersales/internal/jobs"
	"aftersales/internal/mail"
	"aftersales/internal/mailin"
	"aftersales/internal/sqlstore"
)

// The email channel follows its settings in the database (the console's
// Channels page) without a restart: the sender reads the current SMTP
// settings for every batch and the intake starts and stops mailbox
// readers as mailboxes come and go. Reading the settings costs one
// primary-key read of config_stamp while they stay (sqlstore.EmailRuntime).
// What the flags set wins: --smtp-addr makes the whole SMTP server the
// flags', and the --imap mailboxes are read besides the settings' ones.

// settingsPoll is how often the intake looks for changed mailboxes.
const settingsPoll = 3 * time.Second

// emailChannel is the live email configuration of one instance.
type emailChannel struct {
	db        *sqlstore.DB
	flagSMTP  *mail.Sender // --smtp-addr; nil: the settings' server
	mailboxes []mailin.Mailbox
	poller    *mailin.Poller
	sent      atomic.Int64
}

// server is the configuration set by flags, shown read-only.
func (e *emailChannel) server() aftersales.ServerEmail {
	var s aftersales.ServerEmail
	if f := e.flagSMTP; f != nil {
		s.SMTP = &aftersales.SMTPSettings{Addr: f.Addr, From: f.From, Username: f.Username, PasswordSet: f.Password != "", TLS: f.TLS}
	}
	for _, mb := range e.mailboxes {
		host, port, _ := net.SplitHostPort(mb.Addr)
		p, _ := strconv.Atoi(port)
		s.Mailboxes = append(s.Mailboxes, aftersales.ChannelMailbox{Host: host, Port: p, TLS: mb.TLS, Username: mb.Username,
			PasswordSet: mb.Password != "", Folder: mb.Folder, Active: true})
	}
	return s
}

// sender returns the SMTP sender of the current settings; nil when no
// server is configured.
func (e *emailChannel) sender(ctx context.Context) (*mail.Sender, error) {
	if e.flagSMTP != nil {
		return e.flagSMTP, nil
	}
	s, err := e.db.EmailRuntime(ctx)
	if err != nil || s.SMTP.Addr == "" {
		return nil, err
	}
	return smtpSender(s.SMTP), nil
}

func smtpSender(s aftersales.SMTPSettings) *mail.Sender {
	return &mail.Sender{Addr: s.Addr, From: s.From, Username: s.Username, Password: s.Password, TLS: s.TLS}
}

// sendBatch is the email job: one batch of the outbox, sent with the
// SMTP settings as they are when it starts. While no server is set, in
// the flags or the settings, the outbox is left alone.
func (e *emailChannel) sendBatch(outbox jobs.EmailOutbox, log *slog.Logger) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		s, err := e.sender(ctx)
		if s == nil || err != nil {
			return false, err
		}
		return jobs.SendEmails(outbox, countingMailer{s, &e.sent}, log)(ctx)
	}
}

// countingMailer counts the messages the server accepted (for /metrics).
type countingMailer struct {
	s    *mail.Sender
	sent *atomic.Int64
}

func (m countingMailer) Send(ctx context.Context, e *aftersales.Email) error {
	if err := m.s.Send(ctx, e); err != nil {
		return err
	}
	m.sent.Add(1)
	return nil
}

func toMailbox(m aftersales.ChannelMailbox) mailin.Mailbox {
	return mailin.Mailbox{Name: m.Name(), Addr: m.Addr(), Username: m.Username, Password: m.Password, TLS: m.TLS, Folder: m.Folder, StartNew: m.StartNew}
}

// wanted lists the mailboxes to read now: the flags' and the settings'
// active ones.
func (e *emailChannel) wanted(ctx context.Context) ([]mailin.Mailbox, error) {
	s, err := e.db.EmailRuntime(ctx)
	if err != nil {
		return nil, err
	}
	out := append([]mailin.Mailbox(nil), e.mailboxes...)
	for _, m := range s.Mailboxes {
		if m.Active {
			out = append(out, toMailbox(m))
		}
	}
	return out, nil
}

// intake keeps one reader per wanted mailbox: a mailbox that is added
// starts within settingsPoll, one that is removed or changed (its
// password, say) stops, and starts again as it is now.
type intake struct {
	e       *emailChannel
	gauge   func() prometheus.Gauge // aftersales_jobs_running{job="mail-intake"}, made with the first reader
	log     *slog.Logger
	wg      sync.WaitGroup
	running map[mailin.Mailbox]context.CancelFunc
}

// startIntake starts the readers of the mailboxes wanted now before it
// returns (so that /metrics counts them once serve is ready), then
// follows the settings until ctx ends; wg waits for every reader.
func (e *emailChannel) startIntake(ctx context.Context, wg *sync.WaitGroup, gauge func() prometheus.Gauge, log *slog.Logger) {
	in := &intake{e: e, gauge: gauge, log: log, running: map[mailin.Mailbox]context.CancelFunc{}}
	in.reconcile(ctx)
	wg.Go(func() {
		defer in.wg.Wait()
		t := time.NewTicker(settingsPoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			in.reconcile(ctx)
		}
	})
}

func (in *intake) reconcile(ctx context.Context) {
	want, err := in.e.wanted(ctx)
	if err != nil {
		if ctx.Err() == nil {
			in.log.Warn("email settings: read failed; the mailboxes keep running as they are", "err", err)
		}
		return
	}
	keep := map[mailin.Mailbox]bool{}
	for _, mb := range want {
		keep[mb] = true
		if in.running[mb] != nil {
			continue
		}
		mctx, stop := context.WithCancel(ctx)
		in.running[mb] = stop
		g := in.gauge()
		g.Inc()
		in.wg.Go(func() {
			defer g.Dec()
			in.e.poller.Run(mctx, mb, 30*time.Second)
		})
	}
	for mb, stop := range in.running {
		if !keep[mb] {
			stop()
			delete(in.running, mb)
		}
	}
}

// channelTester implements aftersales.ChannelTester for the console and
// the API. An empty password is the stored one.
type channelTester struct{ e *emailChannel }

func (t channelTester) TestMailbox(ctx context.Context, m aftersales.ChannelMailbox) error {
	s := aftersales.EmailSettings{Mailboxes: []aftersales.ChannelMailbox{m}}
	s.Normalize()
	if err := s.Validate(); err != nil {
		return err
	}
	m = s.Mailboxes[0]
	if m.Password == "" && m.ID != 0 {
		rt, err := t.e.db.EmailRuntime(ctx)
		if err != nil {
			return err
		}
		for _, o := range rt.Mailboxes {
			if o.ID == m.ID {
				m.Password = o.Password
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	p := *t.e.poller
	p.Timeout = 15 * time.Second
	return p.Check(ctx, toMailbox(m))
}

func (t channelTester) TestSMTP(ctx context.Context, in aftersales.SMTPSettings, to string) error {
	s := aftersales.EmailSettings{SMTP: in}
	s.Normalize()
	var v aftersales.Validator
	v.Check(s.SMTP.Addr != "", "smtp.addr", "is required")
	if to != "" {
		_, err := netmail.ParseAddress(to)
		v.Check(err == nil, "to", "must be an email address")
	}
	if err := aftersales.JoinInvalid(v.Err(), s.Validate()); err != nil {
		return err
	}
	if s.SMTP.Password == "" {
		rt, err := t.e.db.EmailRuntime(ctx)
		if err != nil {
			return err
		}
		s.SMTP.Password = rt.SMTP.Password
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	snd := smtpSender(s.SMTP)
	snd.Timeout = 15 * time.Second
	return snd.Check(ctx, to)
}
