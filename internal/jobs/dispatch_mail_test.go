package jobs_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/jobs"
	"aftersales/internal/mail"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestVisitConfirmationMail: moving a visit's window through dispatch
// sends the customer the confirmation template, filled in, over SMTP;
// the technician it joins gets their notification by email too.
func TestVisitConfirmationMail(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		sk := testutil.StartSMTP(t, 0)
		clock := testutil.NewClock(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		db.EmailNotifications = true
		db.PublicURL = "https://service.example.com"
		ctx, _ := testutil.Admin(t, db)
		tech, err := db.CreateUser(ctx, aftersales.UserInput{Email: "wang@example.com", Name: "王师傅", Role: aftersales.RoleTechnician, Password: "password-123456"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "张女士", Phone: "13900000000", Email: "zhang@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		tk := testutil.MustTicket(t, ctx, db, c.ID, "空调不制冷")
		at := func(h int) time.Time { return time.Date(2026, 12, 7, h, 0, 0, 0, db.Zone) }
		// An admin edits the English template first.
		tmpls, err := db.VisitTemplates(ctx)
		if err != nil || len(tmpls) != 2 || tmpls[0].Lang != "zh-CN" {
			t.Fatalf("templates: %+v %v", tmpls, err)
		}
		if _, err := db.SetVisitTemplate(ctx, "en", aftersales.VisitTemplateInput{Subject: "Visit {number}", Body: "{technician} comes {window}. {link} {bogus}",
			Version: tmpls[1].Version}); aftersales.ErrorCode(err) != aftersales.EINVALID {
			t.Errorf("unknown placeholder: %v", err)
		}
		if _, err := db.SetVisitTemplate(ctx, "en", aftersales.VisitTemplateInput{Subject: "Visit {number}", Body: "{technician} comes {window}. Follow: {link}",
			Version: tmpls[1].Version}); err != nil {
			t.Fatal(err)
		}
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at(9), WindowEnd: at(11), DurationMin: 60})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Dispatch(ctx, v.ID, aftersales.DispatchInput{TechnicianID: &tech.ID, WindowStart: at(14), WindowEnd: at(16), Version: v.Version}); err != nil {
			t.Fatal(err)
		}
		send := jobs.SendEmails(db, &mail.Sender{Addr: sk.Addr, From: "aftersales@example.com", TLS: mail.TLSNone, Timeout: 5 * time.Second},
			slog.New(slog.NewTextHandler(io.Discard, nil)))
		if _, err := send(context.Background()); err != nil {
			t.Fatal(err)
		}
		var customer []string
		techMail := 0
		for _, m := range sk.Messages() {
			switch m.To {
			case "zhang@example.com":
				customer = append(customer, decoded(t, m.Data))
			case "wang@example.com":
				techMail++
			}
		}
		if len(customer) != 2 || techMail != 1 {
			t.Fatalf("customer mails %d, technician mails %d", len(customer), techMail)
		}
		last := customer[1]
		for _, want := range []string{"王师傅 comes 2026-12-07 14:00-16:00", "由 王师傅 上门", "https://service.example.com/follow/" + tk.Number + "?t=", tk.Number} {
			if !strings.Contains(last, want) {
				t.Errorf("the confirmation lacks %q:\n%s", want, last)
			}
		}
		if !strings.Contains(customer[0], "2026-12-07 09:00-11:00") {
			t.Errorf("the booking confirmation lacks its window:\n%s", customer[0])
		}
	})
}

// decoded is a message's subject and body as text, whatever transfer
// encoding the sender chose.
func decoded(t *testing.T, data string) string {
	t.Helper()
	head, body, _ := strings.Cut(data, "\r\n\r\n")
	var subject string
	for _, l := range strings.Split(head, "\r\n") {
		if s, ok := strings.CutPrefix(l, "Subject: "); ok {
			subject, _ = new(mime.WordDecoder).DecodeHeader(s)
		}
	}
	switch {
	case strings.Contains(head, "quoted-printable"):
		b, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
		body = string(b)
	case strings.Contains(head, "base64"):
		b, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(body, "\r\n", ""))
		body = string(b)
	}
	return subject + "\n" + body
}
