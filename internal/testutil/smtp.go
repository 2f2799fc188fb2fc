package testutil

import (
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// SMTPSink is an SMTP server on loopback that keeps what it receives and
// refuses the first Refuse messages with a temporary error.
type SMTPSink struct {
	Addr string

	mu     sync.Mutex
	refuse int
	got    []Mail
}

// Mail is one message an SMTPSink accepted.
type Mail struct {
	To   string
	Data string
}

// StartSMTP starts a sink that refuses the first refuse messages; it stops
// when the test ends.
func StartSMTP(tb testing.TB, refuse int) *SMTPSink {
	tb.Helper()
	s := &SMTPSink{refuse: refuse}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return s
}

// Messages returns what was accepted so far.
func (s *SMTPSink) Messages() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.got...)
}

// NewSession implements smtp.Backend.
func (s *SMTPSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }

type smtpSession struct {
	s  *SMTPSink
	to string
}

func (x *smtpSession) Reset()                                    {}
func (x *smtpSession) Logout() error                             { return nil }
func (x *smtpSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error { x.to = to; return nil }
func (x *smtpSession) Data(r io.Reader) error {
	b, _ := io.ReadAll(r)
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.refuse > 0 {
		x.s.refuse--
		return &smtp.SMTPError{Code: 451, Message: "try again later"}
	}
	x.s.got = append(x.s.got, Mail{To: x.to, Data: string(b)})
	return nil
}
