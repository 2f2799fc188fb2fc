package api

import (
	"context"
	"net/http"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// mailboxInput is one mailbox of an update or a connection test.
type mailboxInput struct {
	ID       int64  `json:"id,omitempty" minimum:"0" doc:"The mailbox's id to keep it (and its stored password); none adds a mailbox"`
	Host     string `json:"host" maxLength:"253"`
	Port     int    `json:"port,omitempty" minimum:"0" maximum:"65535" doc:"Default 993 with tls, 143 otherwise"`
	TLS      string `json:"tls,omitempty" enum:"tls,starttls,none," doc:"Default tls"`
	Username string `json:"username" maxLength:"320"`
	Password string `json:"password,omitempty" maxLength:"1000" writeOnly:"true" doc:"Empty keeps the stored password"`
	Folder   string `json:"folder,omitempty" maxLength:"200" doc:"Default INBOX"`
	Active   bool   `json:"active"`
	StartNew bool   `json:"start_new,omitempty" doc:"On a new mailbox: the first read skips the mail already in the folder (otherwise the whole folder becomes tickets, 50 messages at a time); kept as set when the mailbox was added"`
}

func (m mailboxInput) mailbox() aftersales.ChannelMailbox {
	return aftersales.ChannelMailbox{ID: m.ID, Host: m.Host, Port: m.Port, TLS: m.TLS, Username: m.Username, Password: m.Password,
		Folder: m.Folder, Active: m.Active, StartNew: m.StartNew}
}

// smtpInput is the outgoing server of an update or a connection test.
type smtpInput struct {
	Addr     string `json:"addr" maxLength:"300" doc:"host:port; empty sends no email"`
	From     string `json:"from,omitempty" maxLength:"320"`
	Username string `json:"username,omitempty" maxLength:"320"`
	Password string `json:"password,omitempty" maxLength:"1000" writeOnly:"true" doc:"Empty keeps the stored password"`
	TLS      string `json:"tls,omitempty" enum:"tls,starttls,none," doc:"Default starttls"`
}

func (s smtpInput) settings() aftersales.SMTPSettings {
	return aftersales.SMTPSettings{Addr: s.Addr, From: s.From, Username: s.Username, Password: s.Password, TLS: s.TLS}
}

// EmailChannel is the email channel's settings and what the server's
// flags set instead (read-only).
type EmailChannel struct {
	Settings *aftersales.EmailSettings `json:"settings"`
	Server   aftersales.ServerEmail    `json:"server" doc:"Set by the server's flags or environment; wins over the settings"`
}

// ConnectionTest is a connection test's answer.
type ConnectionTest struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty" doc:"The failure, with the server's answer"`
}

// channels exposes the email channel's settings to administrators.
func (a *API) channels(h huma.API) {
	t := []string{"Channels"}
	register(a, h, huma.Operation{OperationID: "get-email-channel", Method: http.MethodGet, Path: "/channels/email", Tags: t,
		Summary: "The email channel's mailboxes and SMTP server (administrators); passwords are never returned, password_set says one is stored"},
		func(ctx context.Context, in *struct{}) (*plain[*EmailChannel], error) {
			s, err := a.S.Channels.EmailSettings(ctx)
			if err != nil {
				return nil, err
			}
			return ok(&EmailChannel{Settings: s, Server: a.ServerEmail}), nil
		})
	register(a, h, huma.Operation{OperationID: "update-email-channel", Method: http.MethodPut, Path: "/channels/email", Tags: t,
		Summary: "Replace the email channel's settings; version must be the current one",
		Description: "Running servers use the change within seconds. A mailbox with its id keeps its stored password when password is empty, " +
			"as does smtp; mailboxes left out are removed. Every change is audited, without passwords."},
		func(ctx context.Context, in *struct {
			Body struct {
				Version   int64          `json:"version" minimum:"1"`
				Mailboxes []mailboxInput `json:"mailboxes" maxItems:"20"`
				SMTP      smtpInput      `json:"smtp"`
			}
		}) (*plain[*aftersales.EmailSettings], error) {
			s := aftersales.EmailSettings{SMTP: in.Body.SMTP.settings()}
			for _, m := range in.Body.Mailboxes {
				s.Mailboxes = append(s.Mailboxes, m.mailbox())
			}
			return respond(a.S.Channels.UpdateEmailSettings(ctx, in.Body.Version, s))
		})
	test := func(ctx context.Context, try func(aftersales.ChannelTester) error) (*plain[*ConnectionTest], error) {
		if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
			return nil, err
		}
		if a.ChannelTester == nil {
			return nil, &aftersales.Error{Code: aftersales.EUNAVAILABLE, Message: "Connection tests are not available on this server."}
		}
		err := try(a.ChannelTester)
		if c := aftersales.ErrorCode(err); c == aftersales.EINVALID || c == aftersales.EFORBIDDEN {
			return nil, err
		}
		r := &ConnectionTest{OK: err == nil}
		if err != nil {
			r.Error = err.Error()
		}
		return ok(r), nil
	}
	register(a, h, huma.Operation{OperationID: "test-email-mailbox", Method: http.MethodPost, Path: "/channels/email/test-mailbox", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Try an IMAP mailbox: connect, log in and select the folder",
		Description: "An empty password with the id of a stored mailbox uses its stored password. A failure answers ok false with the server's answer."},
		func(ctx context.Context, in *struct{ Body mailboxInput }) (*plain[*ConnectionTest], error) {
			return test(ctx, func(t aftersales.ChannelTester) error { return t.TestMailbox(ctx, in.Body.mailbox()) })
		})
	register(a, h, huma.Operation{OperationID: "test-email-smtp", Method: http.MethodPost, Path: "/channels/email/test-smtp", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Try an SMTP server: connect, negotiate TLS and log in; with to, send a test message",
		Description: "An empty password uses the stored one. A failure answers ok false with the server's answer."},
		func(ctx context.Context, in *struct {
			Body struct {
				Addr     string `json:"addr" maxLength:"300" doc:"host:port"`
				From     string `json:"from,omitempty" maxLength:"320"`
				Username string `json:"username,omitempty" maxLength:"320"`
				Password string `json:"password,omitempty" maxLength:"1000" writeOnly:"true" doc:"Empty uses the stored password"`
				TLS      string `json:"tls,omitempty" enum:"tls,starttls,none," doc:"Default starttls"`
				To       string `json:"to,omitempty" maxLength:"320" doc:"Send a test message to this address"`
			}
		}) (*plain[*ConnectionTest], error) {
			b := in.Body
			s := smtpInput{Addr: b.Addr, From: b.From, Username: b.Username, Password: b.Password, TLS: b.TLS}
			return test(ctx, func(t aftersales.ChannelTester) error { return t.TestSMTP(ctx, s.settings(), b.To) })
		})
}
