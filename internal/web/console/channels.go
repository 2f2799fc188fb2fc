package console

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"aftersales"
)

// The Channels page (/admin/channels): the email channel's mailboxes and
// SMTP server, kept in the database and used by the running server
// within seconds. Passwords are write-only: an empty field keeps the
// stored one. What the server's flags set is shown read-only. "Test
// connection" tries the form's values against the real server.

func (c *Console) channelRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/channels", c.guard(func(w http.ResponseWriter, r *http.Request) { c.channelsShow(w, r, nil) }))
	mux.HandleFunc("POST /admin/channels", c.guard(c.channelsSave))
	mux.HandleFunc("POST /admin/channels/test", c.guard(c.channelsTest))
}

// mailboxRow is one mailbox's fieldset; Index is its place in the form,
// which names its fields (mailboxes[Index].host).
type mailboxRow struct {
	aftersales.ChannelMailbox
	Index  int
	Remove bool
	New    bool
}

type channelTest struct {
	Target string // "mailboxes[0]" or "smtp"
	OK     bool
	Error  string // the server's answer
}

type channelsView struct {
	Version  int64
	Rows     []mailboxRow
	SMTP     aftersales.SMTPSettings
	Server   aftersales.ServerEmail
	TLSModes []string
	TestTo   string
	Test     *channelTest
	CanTest  bool
}

// Prefix names a row's fields.
func (r mailboxRow) Prefix() string { return "mailboxes[" + strconv.Itoa(r.Index) + "]." }

func (c *Console) channelsShow(w http.ResponseWriter, r *http.Request, formErr error) {
	c.channelsRender(w, r, formErr, nil)
}

func (c *Console) channelsRender(w http.ResponseWriter, r *http.Request, formErr error, test *channelTest) {
	c.adminPage(w, r, "channels", "channels", "channels.title", func(p *Page) error {
		if _, err := aftersales.Require(r.Context(), aftersales.PermSettingsWrite); err != nil {
			return err
		}
		s, err := c.S.Channels.EmailSettings(r.Context())
		if err != nil {
			return err
		}
		v := &channelsView{Version: s.Version, SMTP: s.SMTP, Server: c.ServerEmail, TLSModes: aftersales.MailTLSModes,
			Test: test, CanTest: c.ChannelTester != nil}
		p.Data = v
		if r.Method != http.MethodPost {
			for i, m := range s.Mailboxes {
				v.Rows = append(v.Rows, mailboxRow{ChannelMailbox: m, Index: i})
			}
			v.Rows = append(v.Rows, mailboxRow{ChannelMailbox: aftersales.ChannelMailbox{TLS: aftersales.MailTLS, Folder: "INBOX", Active: true, StartNew: true},
				Index: len(s.Mailboxes), New: true})
			return nil
		}
		// A form shown again keeps what was typed (never a password).
		f := &form{r: r}
		stored := map[int64]bool{}
		for _, m := range s.Mailboxes {
			stored[m.ID] = m.PasswordSet
		}
		rows, _, _ := channelRows(f)
		for i := range rows {
			rows[i].PasswordSet = stored[rows[i].ID]
		}
		v.Rows = rows
		v.Version = f.version()
		v.SMTP = channelSMTP(f)
		v.SMTP.PasswordSet = s.SMTP.PasswordSet
		v.TestTo = f.str("test_to")
		return nil
	}, formErr)
}

// channelRows reads the mailbox fieldsets; settings are the ones kept
// (not marked for removal, the blank new one left out), at is each one's
// form index.
func channelRows(f *form) (rows []mailboxRow, settings []aftersales.ChannelMailbox, at []int) {
	n := min(f.int("mailbox_count"), aftersales.MaxMailboxes+1)
	for i := range n {
		pre := "mailboxes[" + strconv.Itoa(i) + "]."
		row := mailboxRow{Index: i, Remove: f.str(pre+"remove") == "on"}
		row.ID, _ = strconv.ParseInt(f.str(pre+"id"), 10, 64)
		row.New = row.ID == 0
		row.Host, row.TLS, row.Username = f.str(pre+"host"), f.str(pre+"tls"), f.str(pre+"username")
		row.Password, row.Folder, row.Active = f.r.PostFormValue(pre+"password"), f.str(pre+"folder"), f.str(pre+"active") == "on"
		row.Port = f.int(pre + "port")
		row.StartNew = f.str(pre+"start_new") == "on"
		blank := row.New && row.Host == "" && row.Username == ""
		if !row.Remove && !blank {
			settings = append(settings, row.ChannelMailbox)
			at = append(at, i)
		}
		row.Password = ""
		rows = append(rows, row)
	}
	return rows, settings, at
}

func channelSMTP(f *form) aftersales.SMTPSettings {
	return aftersales.SMTPSettings{Addr: f.str("smtp.addr"), From: f.str("smtp.from"), Username: f.str("smtp.username"),
		Password: f.r.PostFormValue("smtp.password"), TLS: f.str("smtp.tls")}
}

var mailboxField = regexp.MustCompile(`^mailboxes\[([0-9]+)\]\.(.+)$`)

// renumber names the store's mailboxes[k] fields by their form index.
func renumber(err error, at []int) error {
	var e *aftersales.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = nil
	for _, fe := range e.Fields {
		if m := mailboxField.FindStringSubmatch(fe.Field); m != nil {
			if k, _ := strconv.Atoi(m[1]); k < len(at) {
				fe.Field = fmt.Sprintf("mailboxes[%d].%s", at[k], m[2])
			}
		}
		out.Fields = append(out.Fields, fe)
	}
	return &out
}

func (c *Console) channelsSave(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	_, boxes, at := channelRows(f)
	in := aftersales.EmailSettings{Mailboxes: boxes, SMTP: channelSMTP(f)}
	err := f.v.Err()
	if err == nil {
		_, err = c.S.Channels.UpdateEmailSettings(r.Context(), f.version(), in)
		err = renumber(err, at)
	}
	c.done(w, r, "/admin/channels?ok=saved", err, c.channelsShow)
}

// channelsTest tries the mailbox or SMTP server whose button was pressed,
// with the form's values, and shows the page again with the answer.
func (c *Console) channelsTest(w http.ResponseWriter, r *http.Request) {
	if _, err := aftersales.Require(r.Context(), aftersales.PermSettingsWrite); err != nil || c.ChannelTester == nil {
		c.channelsShow(w, r, cmp.Or(err, error(&aftersales.Error{Code: aftersales.EFORBIDDEN, Message: "Connection tests are not available."})))
		return
	}
	f := &form{r: r}
	rows, _, _ := channelRows(f)
	target := f.str("test")
	test := &channelTest{Target: target}
	var err error
	switch {
	case target == "smtp":
		err = c.ChannelTester.TestSMTP(r.Context(), channelSMTP(f), f.str("test_to"))
		if aftersales.ErrorCode(err) == aftersales.EINVALID {
			if fe := aftersales.ErrorFields(err); len(fe) > 0 && fe[0].Field == "to" {
				err = &aftersales.Error{Code: aftersales.EINVALID, Message: aftersales.ErrorMessage(err),
					Fields: []aftersales.FieldError{{Field: "test_to", Reason: fe[0].Reason}}}
			}
		}
	default:
		i, perr := strconv.Atoi(target)
		if perr != nil || i < 0 || i >= len(rows) {
			c.channelsShow(w, r, &aftersales.Error{Code: aftersales.EINVALID, Message: "Choose a mailbox to test."})
			return
		}
		test.Target = "mailboxes[" + target + "]"
		m := rows[i].ChannelMailbox
		m.Password = f.r.PostFormValue(rows[i].Prefix() + "password")
		err = renumber(c.ChannelTester.TestMailbox(r.Context(), m), []int{i})
	}
	if code := aftersales.ErrorCode(err); code == aftersales.EINVALID || code == aftersales.EFORBIDDEN {
		c.channelsShow(w, r, err)
		return
	}
	test.OK = err == nil
	if err != nil {
		test.Error = err.Error()
	}
	c.channelsRender(w, r, nil, test)
}
