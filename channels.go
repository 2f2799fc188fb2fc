package aftersales

import (
	"context"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// Email channel settings: the mailboxes read for tickets and the SMTP
// server that sends notifications, kept in the database so that an
// administrator connects the support mailbox from the console without a
// restart. Passwords go in and never come out of the service: answers
// carry PasswordSet instead, and an empty password on an update keeps the
// stored one.

// Mail TLS modes, shared by IMAP and SMTP.
const (
	MailTLS      = "tls"      // implicit TLS (IMAPS 993, SMTPS 465)
	MailStartTLS = "starttls" // STARTTLS required
	MailNoTLS    = "none"     // plain, for a server on the same host
)

// MailTLSModes lists the TLS modes in the order forms offer them.
var MailTLSModes = []string{MailTLS, MailStartTLS, MailNoTLS}

// ChannelMailbox is one IMAP folder read for tickets.
type ChannelMailbox struct {
	ID       int64  `json:"id"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	TLS      string `json:"tls"`
	Username string `json:"username"`
	// Password is write-only: answers leave it empty and set PasswordSet.
	Password    string `json:"password,omitempty"`
	PasswordSet bool   `json:"password_set"`
	Folder      string `json:"folder"`
	Active      bool   `json:"active"`
	// StartNew skips the mail already in the folder on the first read;
	// it is set when the mailbox is added and kept after.
	StartNew bool `json:"start_new"`
}

// Addr is host:port.
func (m ChannelMailbox) Addr() string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

// Name is the mailbox's cursor key, user@host/folder, the same as for a
// mailbox given with --imap, so that moving a mailbox from the flag to the
// settings reads on where it stopped.
func (m ChannelMailbox) Name() string { return m.Username + "@" + m.Host + "/" + m.Folder }

// SMTPSettings is the outgoing mail server.
type SMTPSettings struct {
	Addr     string `json:"addr"` // host:port; empty: no email is sent
	From     string `json:"from"`
	Username string `json:"username"`
	// Password is write-only: answers leave it empty and set PasswordSet.
	Password    string `json:"password,omitempty"`
	PasswordSet bool   `json:"password_set"`
	TLS         string `json:"tls"`
}

// EmailSettings are the email channel's settings.
type EmailSettings struct {
	Mailboxes []ChannelMailbox `json:"mailboxes"`
	SMTP      SMTPSettings     `json:"smtp"`
	Version   int64            `json:"version"`
	UpdatedAt time.Time        `json:"updated_at"`
}

// MaxMailboxes bounds the mailboxes of the settings.
const MaxMailboxes = 20

func validTLS(s string) bool { return s == MailTLS || s == MailStartTLS || s == MailNoTLS }

// Normalize trims the fields and fills the defaults: port by TLS mode,
// folder INBOX.
func (s *EmailSettings) Normalize() {
	for i := range s.Mailboxes {
		m := &s.Mailboxes[i]
		m.Host, m.Username, m.Folder = strings.TrimSpace(m.Host), strings.TrimSpace(m.Username), strings.TrimSpace(m.Folder)
		if m.TLS == "" {
			m.TLS = MailTLS
		}
		if m.Port == 0 {
			m.Port = map[string]int{MailTLS: 993, MailStartTLS: 143, MailNoTLS: 143}[m.TLS]
		}
		if m.Folder == "" {
			m.Folder = "INBOX"
		}
	}
	s.SMTP.Addr, s.SMTP.From, s.SMTP.Username = strings.TrimSpace(s.SMTP.Addr), strings.TrimSpace(s.SMTP.From), strings.TrimSpace(s.SMTP.Username)
	if s.SMTP.TLS == "" {
		s.SMTP.TLS = MailStartTLS
	}
}

// Validate names every bad field: mailboxes[0].host, smtp.addr, ...
func (s *EmailSettings) Validate() error {
	var v Validator
	v.Check(len(s.Mailboxes) <= MaxMailboxes, "mailboxes", "must be at most 20 mailboxes")
	seen := map[string]bool{}
	for i, m := range s.Mailboxes {
		f := "mailboxes[" + strconv.Itoa(i) + "]."
		v.Check(m.Host != "" && !strings.ContainsAny(m.Host, " /:@"), f+"host", "must be a host name or address")
		v.Check(m.Port >= 1 && m.Port <= 65535, f+"port", "must be between 1 and 65535")
		v.Check(validTLS(m.TLS), f+"tls", "must be tls, starttls or none")
		v.Check(m.Username != "", f+"username", "is required")
		v.Check(len(m.Username) <= 320, f+"username", "must be at most 320 characters")
		v.Check(len(m.Password) <= 1000, f+"password", "must be at most 1000 characters")
		v.Check(len(m.Folder) <= 200, f+"folder", "must be at most 200 characters")
		for _, fv := range [][2]string{{"host", m.Host}, {"username", m.Username}, {"password", m.Password}, {"folder", m.Folder}} {
			v.Check(ValidText(fv[1]) && !strings.ContainsAny(fv[1], "\r\n"), f+fv[0], "must be one line of text")
		}
		if m.Host != "" && m.Username != "" {
			v.Check(!seen[m.Name()], f+"folder", "is already read by another mailbox")
			seen[m.Name()] = true
		}
	}
	sm := s.SMTP
	v.Check(validTLS(sm.TLS), "smtp.tls", "must be tls, starttls or none")
	if sm.Addr != "" {
		host, port, err := net.SplitHostPort(sm.Addr)
		p, perr := strconv.Atoi(port)
		v.Check(err == nil && host != "" && perr == nil && p >= 1 && p <= 65535, "smtp.addr", "must be host:port, as smtp.example.com:587")
		_, err = mail.ParseAddress(sm.From)
		v.Check(sm.From != "" && err == nil, "smtp.from", "must be an email address")
	}
	for _, fv := range [][2]string{{"username", sm.Username}, {"password", sm.Password}, {"from", sm.From}} {
		v.Check(ValidText(fv[1]) && !strings.ContainsAny(fv[1], "\r\n") && len(fv[1]) <= 1000, "smtp."+fv[0], "must be one line of text")
	}
	return v.Err()
}

// ChannelService keeps the email channel's settings (administrators).
type ChannelService interface {
	// EmailSettings returns the settings without their passwords.
	EmailSettings(ctx context.Context) (*EmailSettings, error)
	// UpdateEmailSettings replaces the settings if version is current. A
	// mailbox with an ID keeps its stored password when Password is
	// empty, as does SMTP; mailboxes left out are removed.
	UpdateEmailSettings(ctx context.Context, version int64, s EmailSettings) (*EmailSettings, error)
}

// ChannelTester tries settings against the real servers: an IMAP login
// and folder select, an SMTP connection with authentication and, when to
// is set, a test message. An empty password uses the stored one (a
// mailbox by its ID). The error is the server's answer.
type ChannelTester interface {
	TestMailbox(ctx context.Context, m ChannelMailbox) error
	TestSMTP(ctx context.Context, s SMTPSettings, to string) error
}

// ServerEmail is the email configuration set by the server's flags or
// environment, which wins over the settings and is shown read-only
// (without passwords).
type ServerEmail struct {
	SMTP      *SMTPSettings    `json:"smtp,omitempty"` // nil when --smtp-addr is not set
	Mailboxes []ChannelMailbox `json:"mailboxes"`      // from --imap
}
