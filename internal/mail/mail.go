// Package mail sends notification emails over SMTP (go-mail). The messages
// come from the store's email outbox; this package only talks SMTP.
package mail

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"aftersales"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes for the SMTP connection.
const (
	TLSNone     = "none"     // plain SMTP (a relay on localhost)
	TLSStartTLS = "starttls" // STARTTLS required
	TLSImplicit = "tls"      // SMTPS (port 465)
)

// Sender sends mail through one SMTP server.
type Sender struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
	TLS      string
	Timeout  time.Duration
}

// Send sends one plain-text message, with its threading headers when it
// answers a customer, marked Auto-Submitted when the system wrote it.
func (s *Sender) Send(ctx context.Context, e *aftersales.Email) error {
	c, err := s.client()
	if err != nil {
		return err
	}
	m := gomail.NewMsg()
	if err := m.From(s.From); err != nil {
		return fmt.Errorf("mail: from %q: %w", s.From, err)
	}
	if err := m.To(e.To); err != nil {
		return fmt.Errorf("mail: to %q: %w", e.To, err)
	}
	m.Subject(e.Subject)
	if e.MessageID != "" {
		m.SetMessageIDWithValue(e.MessageID)
	} else {
		m.SetMessageID()
	}
	if e.InReplyTo != "" {
		m.SetGenHeaderPreformatted(gomail.HeaderInReplyTo, "<"+e.InReplyTo+">")
	}
	if len(e.References) > 0 {
		m.SetGenHeaderPreformatted(gomail.HeaderReferences, "<"+strings.Join(e.References, "> <")+">")
	}
	if e.AutoSubmitted {
		// RFC 3834: auto-responders must not answer this, and Exchange
		// must not send its out-of-office or read receipts to it.
		m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-replied")
		m.SetGenHeader(gomail.Header("X-Auto-Response-Suppress"), "All")
	}
	m.SetDate()
	m.SetBodyString(gomail.TypeTextPlain, e.Body)
	return c.DialAndSendWithContext(ctx, m)
}

func (s *Sender) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 20 * time.Second
}

// client makes a go-mail client for the server (not yet connected).
func (s *Sender) client() (*gomail.Client, error) {
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp address %q: %w", s.Addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp port %q: %w", port, err)
	}
	opts := []gomail.Option{gomail.WithPort(p), gomail.WithTimeout(s.timeout())}
	switch s.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSLPort(false))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: client: %w", err)
	}
	return c, nil
}

// Check connects to the server, negotiates TLS and logs in as the
// settings say, then says goodbye: the console's "Test connection". With
// to set it sends a short test message instead.
func (s *Sender) Check(ctx context.Context, to string) error {
	if to != "" {
		return s.Send(ctx, &aftersales.Email{To: to, Subject: "aftersales: test message / 测试邮件",
			Body: "This message tests the outgoing mail settings of aftersales.\n这是一封测试邮件，用于检查 aftersales 的发信设置。\n", AutoSubmitted: true})
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	if err := c.DialWithContext(ctx); err != nil {
		return err
	}
	return c.Close()
}
