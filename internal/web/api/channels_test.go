package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web"
	"aftersales/internal/web/webtest"
)

type refusingTester struct{}

func (refusingTester) TestMailbox(_ context.Context, m aftersales.ChannelMailbox) error {
	if m.Password == "right" {
		return nil
	}
	return errors.New("imap x: login: NO [AUTHENTICATIONFAILED] Authentication failed.")
}
func (refusingTester) TestSMTP(context.Context, aftersales.SMTPSettings, string) error { return nil }

// The email channel's settings through the API: administrators only,
// passwords never returned, an empty password keeps the stored one, bad
// fields named, the flags' configuration shown, connection tests answer
// the server's failure.
func TestEmailChannelAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.StartWith(t, db, func(s *web.Server) {
			s.ChannelTester = refusingTester{}
			s.ServerEmail = aftersales.ServerEmail{SMTP: &aftersales.SMTPSettings{Addr: "relay:25", From: "ops@example.com", TLS: "none"}}
		})
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		r := c.do("GET", "/channels/email", nil)
		if r.Status != 200 || !strings.Contains(string(r.Raw), `"addr":"relay:25"`) {
			t.Fatalf("get: %d %s", r.Status, r.Raw)
		}
		body := map[string]any{"version": 1, "mailboxes": []any{map[string]any{"host": "imap.example.com", "username": "support@example.com",
			"password": "box-secret", "active": true}}, "smtp": map[string]any{"addr": "smtp.example.com:587", "from": "support@example.com", "password": "smtp-secret"}}
		r = c.do("PUT", "/channels/email", body)
		if r.Status != 200 || strings.Contains(string(r.Raw), "secret") || !strings.Contains(string(r.Raw), `"password_set":true`) {
			t.Fatalf("put: %d %s", r.Status, r.Raw)
		}
		body["version"] = 2
		body["mailboxes"] = []any{map[string]any{"id": 1, "host": "imap.example.com", "username": "support@example.com", "active": false}}
		body["smtp"] = map[string]any{"addr": "smtp.example.com:587", "from": "support@example.com"}
		if r = c.do("PUT", "/channels/email", body); r.Status != 200 {
			t.Fatalf("put again: %d %s", r.Status, r.Raw)
		}
		rt, _ := db.EmailRuntime(app.Ctx)
		if rt.Mailboxes[0].Password != "box-secret" || rt.SMTP.Password != "smtp-secret" || rt.Mailboxes[0].Active {
			t.Errorf("after a put without passwords: %+v", rt)
		}
		body["version"] = 3
		body["smtp"] = map[string]any{"addr": "smtp.example.com", "from": "support@example.com"}
		if r = c.do("PUT", "/channels/email", body); r.Status != 422 || !strings.Contains(string(r.Raw), "smtp.addr") {
			t.Errorf("bad addr: %d %s", r.Status, r.Raw)
		}
		r = c.do("POST", "/channels/email/test-mailbox", map[string]any{"host": "imap.example.com", "username": "u", "password": "wrong", "active": true})
		if r.Status != 200 || r.Body["ok"] != false || !strings.Contains(string(r.Raw), "AUTHENTICATIONFAILED") {
			t.Errorf("test wrong password: %d %s", r.Status, r.Raw)
		}
		if r = c.do("POST", "/channels/email/test-smtp", map[string]any{"addr": "smtp.example.com:587"}); r.Status != 200 || r.Body["ok"] != true {
			t.Errorf("test smtp: %d %s", r.Status, r.Raw)
		}
		tech := testutil.MustUser(t, app.Ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		tok, err := db.CreateToken(app.Ctx, tech.ID, "t")
		if err != nil {
			t.Fatal(err)
		}
		tc := &client{t: t, base: app.Server.URL + "/api/v1", token: tok.Secret}
		for _, p := range []string{"/channels/email"} {
			if r := tc.do("GET", p, nil); r.Status != 403 {
				t.Errorf("technician GET %s: %d", p, r.Status)
			}
		}
		if r := tc.do("POST", "/channels/email/test-smtp", map[string]any{"addr": "smtp.example.com:587"}); r.Status != 403 {
			t.Errorf("technician test: %d", r.Status)
		}
	})
}
